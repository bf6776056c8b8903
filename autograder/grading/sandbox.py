"""Start warm workers (autograder/grading/worker.py) inside bubblewrap, and talk to them.

The sandbox sees an allowlist of the machine, read-only: the system's programs and libraries
(/usr, without /usr/local), the few files of /etc that the dynamic loader and Python's
libraries read (ALLOWED_ETC), and the Python installation (the environment and the
interpreter it points to). Nothing else of the host: no home folders, no project (so no
solutions/, autograder/, hidden tests), no course directory (gradebook, other students),
no other course. A worker's own folder is the one writable place; it holds, per
submission, the kernel's scratch directory (with the lesson's provided files, read-only)
and its unix sockets. No network (a new network namespace), a new pid
namespace (the workers are its init's descendants; nothing survives them), and the sandbox
dies with its grader (--die-with-parent).

The grading processes' workers share one sandbox and one import (`Workers`); inside it,
each slot's worker has namespaces of its own (network, IPC, mounts) and sees its own
folder only, as if it were alone, and its kernels run as a uid of their own."""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

WORKER_SOURCE = Path(__file__).with_name("worker.py")
#: What of /etc the sandbox shows: the dynamic loader's cache and configuration, the time
#: zone, fonts' configuration (matplotlib) and MIME types (Python's mimetypes).
ALLOWED_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "mime.types")
#: The system's programs and libraries, shown read-only; minus what is the host's own.
SYSTEM = Path("/usr")
SYSTEM_EXCEPT = (Path("/usr/local"),)
#: Top-level names that are, on merged-/usr systems, links into /usr (else folders).
SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


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
    """bwrap arguments confining a worker to `folder` (read-write) and an allowlist of the
    system, read-only (see the module's docstring). `private`: folders that must stay
    hidden even if one of them lies inside what is shown (the project, the course)."""
    cmd = [bwrap_path() or "bwrap", "--tmpfs", "/", "--ro-bind", str(SYSTEM), str(SYSTEM)]
    for path in SYSTEM_EXCEPT:
        if path.is_dir():
            cmd += ["--perms", "0755", "--tmpfs", str(path)]
    for name in SYSTEM_LINKS:
        path = Path("/") / name
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    cmd += ["--perms", "0755", "--dir", "/etc"]
    for name in ALLOWED_ETC:
        if (Path("/etc") / name).exists():
            cmd += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    cmd += ["--dev", "/dev", "--perms", "0755", "--tmpfs", "/dev/shm", "--proc", "/proc",
            "--perms", "0755", "--tmpfs", "/tmp",
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--new-session"]
    shown = [SYSTEM]  # read-only binds (their folders exist)

    def parents(path: Path) -> list[str]:
        """bwrap would create a bind's missing parents 0700: create them traversable."""
        return [arg for parent in reversed(path.parents) if parent != Path("/")
                and not any(parent.is_relative_to(s) for s in shown)
                for arg in ("--perms", "0755", "--dir", str(parent))]

    # Python itself: the environment and the interpreter it points to.
    for path in sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
                        Path(sys.prefix)}, key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(s) for s in shown):
            cmd += parents(path) + ["--ro-bind", str(path), str(path)]
            shown.append(path)
    for path in private:
        path = Path(path).resolve()
        if path.is_dir() and any(path.is_relative_to(s) for s in shown):
            cmd += ["--perms", "0755", "--tmpfs", str(path)]
    folder = folder.resolve()
    cmd += parents(folder) + ["--bind", str(folder), str(folder), "--chdir", str(folder)]
    return cmd + ["--remount-ro", "/"]


class Workers:
    """Warm workers, one per folder (a grading process's slot), that share one import.

    One process (in one sandbox, or not) imports what kernels use (numpy, matplotlib,
    IPython, torch...: about a second of CPU), then forks a worker per slot; each slot's
    worker has its own network and IPC namespaces and sees its own folder only
    (worker.py, `isolate`), and talks on its own channel: three pipes, made here. The
    constructor only launches the process, so that the caller can work meanwhile; each
    `Worker.ready()`, called by the process that will talk to that worker, waits for it.
    `uids`: the uid of each slot's kernels, whose processes go when the slot is stopped.
    """

    def __init__(self, folders: list[Path], *, sandbox: bool, private: list[Path],
                 preimport: list[str] = (), uids: list[int | None] | None = None) -> None:
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o755)
        uids = uids or [None] * len(folders)
        ends = [(os.pipe(), os.pipe(), os.pipe()) for _ in folders]  # requests, replies, errors
        theirs = [[requests[0], replies[1], errors[1]] for requests, replies, errors in ends]
        spec = {"preimport": list(preimport), "isolated": sandbox,
                "slots": [{"folder": str(folder.resolve()), "uid": uid, "fds": fds}
                          for folder, uid, fds in zip(folders, uids, theirs, strict=True)]}
        shared = Path(os.path.commonpath([folder.resolve() for folder in folders]))
        python = [sys.executable, "-I", "-c", WORKER_SOURCE.read_text(), json.dumps(spec)]
        cmd = bwrap_command(shared, private) + python if sandbox else python
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "HOME": str(shared), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}
        # Its own errors (before it forks the slots' workers) go where slot 0's go.
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                        stderr=theirs[0][2], env=env,
                                        pass_fds=[fd for fds in theirs for fd in fds],
                                        start_new_session=True)
        for fd in (fd for fds in theirs for fd in fds):
            os.close(fd)  # theirs only: a worker that dies then closes its replies' pipe
        self.workers = [Worker(self, slot, folder, sandbox=sandbox, private=private,
                               preimport=preimport, uid=uid,
                               channel=(requests[1], replies[0], errors[0]))
                        for slot, (folder, uid, (requests, replies, errors))
                        in enumerate(zip(folders, uids, ends, strict=True))]

    def __getitem__(self, slot: int) -> Worker:
        return self.workers[slot]

    def stop(self, slot: int) -> None:
        """Kill slot `slot`'s worker, its kernel and every process of its kernels' uid."""
        with contextlib.suppress(OSError, ValueError):
            os.write(self.process.stdin.fileno(), f"stop {slot}\n".encode())

    def close(self) -> None:
        """Close every slot's channel: each worker ends, with its submission's processes, and
        the process that forked them with the last (see `Worker.close`)."""
        for worker in self.workers:
            worker.close()

    def wait(self) -> None:
        """Wait for the process, which ends once every channel is closed (killed after 5 s)."""
        try:
            self.process.stdin.close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


class Worker:
    """One slot's warm worker (see `Workers`) and its JSON-lines channel."""

    def __init__(self, launcher: Workers, slot: int, folder: Path, *, sandbox: bool,
                 private: list[Path], preimport: list[str], uid: int | None,
                 channel: tuple[int, int, int]) -> None:
        self.launcher, self.slot, self.folder, self.uid = launcher, slot, folder, uid
        self.sandbox, self.private, self.preimport = sandbox, private, preimport
        requests, replies, errors = channel
        self.requests = open(requests, "w", buffering=1)
        self.replies = open(replies)
        self.errors = open(errors)
        self.lock = threading.Lock()
        self.stderr: list[str] = []

    @classmethod
    def alone(cls, folder: Path, *, sandbox: bool, private: list[Path],
              preimport: list[str] = (), uid: int | None = None) -> Worker:
        """A worker with a process (and a sandbox) of its own; call `ready()` next."""
        return Workers([folder], sandbox=sandbox, private=private, preimport=preimport,
                       uids=[uid])[0]

    def replacement(self) -> Worker:
        """A worker like this one (its folder, sandbox, modules and uid) with a process of its
        own, for when this one has died; call `ready()` next."""
        return Worker.alone(self.folder, sandbox=self.sandbox, private=self.private,
                            preimport=self.preimport, uid=self.uid)

    def ready(self) -> Worker:
        """Wait until the worker has imported its modules (and keep reading its stderr)."""
        drain = threading.Thread(target=self._drain, daemon=True)
        drain.start()
        line = self.replies.readline()
        if not line:
            drain.join(timeout=1.0)  # its last words
            raise SandboxError("the worker did not start:\n" + "".join(self.stderr[-30:]))
        ready = json.loads(line)
        self.preloaded, self.address_space = ready["ready"], ready["vm"]
        return self

    def _drain(self) -> None:
        for line in self.errors:
            self.stderr.append(line)
            del self.stderr[:-200]

    def call(self, op: str, **request) -> dict:
        with self.lock:
            try:
                self.requests.write(json.dumps({"op": op, **request}) + "\n")
                self.requests.flush()
                line = self.replies.readline()
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
        """Kill the worker and, with it, every process of its submission. Safe from any
        thread, even while a call waits for the worker (it takes no lock)."""
        self.launcher.stop(self.slot)

    def alive(self) -> bool:
        """Whether the worker still answers."""
        try:
            self.call("poll")
        except SandboxError:
            return False
        return True

    def close(self) -> None:
        """Close the channel: the worker kills its submission's processes and ends. With the
        last of its launcher's channels, wait for the launcher's process to end too."""
        with contextlib.suppress(OSError):
            self.requests.close()
        if all(worker.requests.closed for worker in self.launcher.workers):
            self.launcher.wait()


def eager_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes of `tree` that run when it runs: not the bodies of its functions, whose
    imports wait for a call (helpers/checking.py imports torch only for a tensor)."""
    for node in ast.iter_child_nodes(tree):
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from eager_nodes(node)


def imported_modules(folder: Path) -> list[str]:
    """Modules the notebooks in `folder` import when they run, following its own packages
    (e.g. helpers/): what the warm workers import once, so that no kernel has to."""
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
        for node in eager_nodes(tree):
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
