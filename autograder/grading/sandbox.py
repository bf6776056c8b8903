"""Start a warm worker (autograder/grading/worker.py) inside bubblewrap, and talk to it.

The sandbox sees the machine read-only, minus everything private: the project (so no
solutions/, autograder/, hidden tests), the course directory (gradebook, other students),
/home, /root, /tmp, /work... Only the Python installation is shown again (read-only),
and the worker's own folder (read-write), which holds, per submission, the kernel's
scratch directory and its unix sockets. No network (a new network namespace), a new pid
namespace (the worker is its init's child; nothing survives it), and the worker dies
with its grader (--die-with-parent).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

WORKER_SOURCE = Path(__file__).with_name("worker.py")
HIDDEN = ("/home", "/root", "/tmp", "/var/tmp", "/srv", "/mnt", "/media", "/work", "/opt")


class SandboxError(RuntimeError):
    """The worker could not start or stopped answering."""


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def sandbox_available() -> tuple[bool, str]:
    """Whether submissions can be confined here, and if not, why."""
    if bwrap_path() is None:
        return False, ("bubblewrap (bwrap) is not installed: `apt-get install -y bubblewrap` "
                       "(Debian/Ubuntu) installs it")
    if os.geteuid() != 0:
        return False, ("the sandbox drops student code to an unprivileged uid, which needs "
                       "the grader to run as root")
    return True, ""


def bwrap_command(folder: Path, private: list[Path]) -> list[str]:
    """bwrap arguments confining a worker to `folder` (read-write) and a read-only system."""
    cmd = [bwrap_path() or "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
           "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
           "--die-with-parent", "--new-session"]
    hide = [Path(p) for p in HIDDEN] + private
    hidden = sorted({p.resolve() for p in hide if p.exists() and p.is_dir()} - {Path("/")},
                    key=lambda p: len(p.parts))
    for path in hidden:
        cmd += ["--perms", "0755", "--tmpfs", str(path)]
    cmd += ["--perms", "0755", "--tmpfs", "/dev/shm"]
    def parents(path: Path) -> list[str]:
        """bwrap would create a bind's missing parents 0700: create them traversable."""
        args = []
        for parent in reversed(path.parents):
            if any(parent != h and parent.is_relative_to(h) for h in hidden):
                args += ["--perms", "0755", "--dir", str(parent)]
        return args

    # Python itself: the venv and the interpreter it points to (both maybe under hidden dirs).
    for path in sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
                        Path(sys.prefix)}, key=lambda p: len(p.parts)):
        cmd += parents(path) + ["--ro-bind", str(path), str(path)]
    folder = folder.resolve()
    cmd += parents(folder) + ["--bind", str(folder), str(folder), "--chdir", str(folder)]
    return cmd


class Worker:
    """A warm worker process (in a sandbox, or not) and its JSON-lines channel.

    A worker takes about a second to import what kernels use (numpy, matplotlib, IPython,
    torch...): the constructor only launches it, so that the caller can work meanwhile;
    `ready()`, called by the process that will talk to it, waits for it.
    """

    def __init__(self, folder: Path, *, sandbox: bool, private: list[Path],
                 preimport: list[str] = ()) -> None:
        self.folder, self.sandbox, self.private, self.preimport = folder, sandbox, private, preimport
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o755)
        python = [sys.executable, "-I", "-c", WORKER_SOURCE.read_text(), json.dumps(list(preimport))]
        cmd = bwrap_command(folder, private) + python if sandbox else python
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "HOME": str(folder), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=env, text=True, bufsize=1,
                                        start_new_session=True)
        self.lock = threading.Lock()
        self.stderr: list[str] = []

    def ready(self) -> Worker:
        """Wait until the worker has imported its modules (and keep reading its stderr)."""
        threading.Thread(target=self._drain, daemon=True).start()
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise SandboxError("the worker did not start:\n" + "".join(self.stderr[-30:]))
        ready = json.loads(line)
        self.preloaded, self.address_space = ready["ready"], ready["vm"]
        return self

    def _drain(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line)
            del self.stderr[:-200]

    def call(self, op: str, **request) -> dict:
        with self.lock:
            try:
                self.process.stdin.write(json.dumps({"op": op, **request}) + "\n")
                self.process.stdin.flush()
                line = self.process.stdout.readline()
            except (BrokenPipeError, ValueError, OSError) as err:
                raise SandboxError(f"the worker stopped: {err}") from err
            if not line:
                raise SandboxError("the worker stopped:\n" + "".join(self.stderr[-30:]))
            reply = json.loads(line)
            if "error" in reply:
                raise SandboxError(f"worker {op} failed: {reply['error']}")
            return reply

    def kernel_status(self) -> int | None:
        """The kernel's exit code (None while it runs), or -9 when the worker itself is gone
        (stopped by the watchdog, or dead), which took the kernel with it."""
        try:
            return self.call("poll")["status"]
        except SandboxError:
            return -9

    def kill_submission(self) -> dict:
        """Have the worker kill the kernel and whatever it started; the worker's reply, or
        {"status": -9} when the worker itself is gone (stopped by the watchdog, or dead),
        which took every process of the submission with it."""
        try:
            return self.call("kill")
        except SandboxError:
            return {"status": -9}

    def stop(self) -> None:
        """Kill the worker and, with it, everything in its sandbox. Safe from any thread, even
        while a call waits for the worker (it takes no lock)."""
        self.process.kill()

    def alive(self) -> bool:
        """Whether the worker still answers. (Not Popen.poll: the process that launched the
        worker may be another one, and waitpid works only for one's own children.)"""
        try:
            self.call("poll")
        except SandboxError:
            return False
        return True

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def imported_modules(folder: Path) -> list[str]:
    """Modules the notebooks in `folder` import, following its own packages (e.g. helpers/)."""
    import ast

    sources = []
    for path in sorted(folder.glob("*.ipynb")):  # plain JSON: nbformat is slow to import
        cells = json.loads(path.read_text())["cells"]
        sources += ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    found: set[str] = set()
    seen_files: set[Path] = set()
    while sources:
        source = sources.pop()
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module] if isinstance(node, ast.ImportFrom) and node.module and
                     not node.level else [])
            for name in names:
                local = folder.joinpath(*name.split("."))
                for candidate in (local.with_suffix(".py"), local / "__init__.py"):
                    if candidate.is_file() and candidate not in seen_files:
                        seen_files.add(candidate)
                        sources.append(candidate.read_text())
                if not (folder / name.split(".")[0]).exists():
                    found.add(name)
    return sorted(found)
