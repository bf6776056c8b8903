"""A throwaway PostgreSQL server for the tests: Debian's `postgresql` binaries, one cluster in a
temporary folder, listening on 127.0.0.1 on a free port, password authentication.

`make test` installs the binaries (its `postgresql` target); CI's `.ci/run` calls `make test`,
so there too the tests start their own server, never a system service. PostgreSQL refuses to
run as root: as root (CI, containers) the cluster belongs to the `postgres` user the package
creates, and its commands run as that user.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Where Debian installs the server's binaries (one folder per major version), and the user
#: its package creates.
DEBIAN_BINARIES = Path("/usr/lib/postgresql")
SYSTEM_USER = "postgres"
#: The server's superuser, the one the tests connect as.
USER = "grader"


def binaries() -> Path | None:
    """The folder of the newest installed PostgreSQL's initdb and pg_ctl, or None."""
    found = sorted(DEBIAN_BINARIES.glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_owner(command: list[str]) -> list[str]:
    """`command`, run as the cluster's owner: the `postgres` user when we are root."""
    return ["runuser", "-u", SYSTEM_USER, "--", *command] if os.geteuid() == 0 else command


@dataclass
class Server:
    """One running cluster: its folder, port and superuser's password."""

    folder: Path
    port: int
    password: str
    bin: Path

    def url(self, database: str = "postgres", *, password: str | None = None, port: int | None = None) -> str:
        """A SQLAlchemy URL for `database` on this server (another password or port to test
        what a wrong one does)."""
        return (f"postgresql://{USER}:{self.password if password is None else password}"
                f"@127.0.0.1:{port or self.port}/{database}")

    def create_database(self, name: str) -> str:
        """Create an empty database; its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def connections(self, database: str) -> int:
        """How many sessions are open on `database` now."""
        import psycopg

        with psycopg.connect(self.url()) as connection:
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
            return connection.execute(query, (database,)).fetchone()[0]

    def stop(self) -> None:
        subprocess.run(as_owner([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m",
                                 "fast", "-w", "stop"]), capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def start(bin_folder: Path) -> Server:
    """initdb a cluster in a new temporary folder and start it on 127.0.0.1; raise with the
    server's log if it does not start."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-postgres-"))
    password = secrets.token_hex(12)
    (folder / "password").write_text(password)
    if os.geteuid() == 0:
        shutil.chown(folder, SYSTEM_USER)
        shutil.chown(folder / "password", SYSTEM_USER)
    server = Server(folder, free_port(), password, bin_folder)
    create = [str(bin_folder / "initdb"), "-D", str(folder / "data"), "-U", USER, "--auth=scram-sha-256",
           f"--pwfile={folder / 'password'}", "--no-sync", "--encoding=UTF8", "--locale=C"]
    options = (f"-c listen_addresses=127.0.0.1 -c port={server.port} -c fsync=off "
               f"-c unix_socket_directories={folder}")
    launch = [str(bin_folder / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"),
              "-o", options, "-w", "start"]
    for command in (create, launch):
        result = subprocess.run(as_owner(command), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = (folder / "log").read_text() if (folder / "log").is_file() else ""
            server.stop()
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}{log}")
    return server
