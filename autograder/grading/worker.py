"""The warm workers: run INSIDE the sandbox (bubblewrap), as root of its own pid namespace.

One process imports the heavy modules once (about a second of CPU) and forks a worker per
slot, one per grading process (`serve_slots`), each on the channel (three pipes) the grader
made for it, with network and IPC namespaces of its own and its own view of the grading
folder (`isolate`): a slot sees its own folder only, as if it were alone in the sandbox.
That process stays, to stop a slot's worker on the grader's request ("stop N" on its stdin)
and, as each ends, to kill whatever its kernels left.

Per submission, a slot's worker forks a child that drops to the slot's unprivileged uid,
sets resource limits, and becomes an IPython kernel listening on unix sockets. The worker
talks to its grading process on its channel (stdin/stdout), one JSON object per line:

    {"op": "start", "work": DIR, "ipc": DIR, "uid": N, "connection": {...}, "limits": {...}}
    {"op": "signal", "signum": N}      (e.g. SIGINT to interrupt the running cell)
    {"op": "poll"}                     -> {"status": None | exit code}
    {"op": "kill"}                     kill every process of the submission's uid, reap them

A reaper thread kills, every 0.1 s, any process of the submission's uid other than the
kernel itself: student code cannot leave processes behind or fork-bomb the machine.
This module must stay importable without the course (no autograder imports).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

#: What every kernel imports (the kernel itself, numpy for the grader's calls, plots); the
#: grader adds, on the command line, the modules the graded lessons import (see cli.py).
PREIMPORT = ("numpy", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
             "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
             "ipykernel.debugger", "debugpy", "pdb", "sqlite3", "IPython.core.history", "pydoc",
             "code", "xmlrpc.client", "http.server", "tornado.ioloop", "faulthandler",
             "ipywidgets", "tqdm.auto",
             # what a kernel's start-up and its first error's traceback import
             "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.logger",
             "IPython.core.oinspect", "IPython.extensions.storemagic", "IPython.utils.wildcard",
             "importlib.readers",
             "tornado.platform.asyncio", "pygments.formatters.terminal256", "pygments.styles")


def warm_matplotlib() -> None:
    """Draw one figure with text, so that fonts and renderers are loaded before forking."""
    import io

    from matplotlib.figure import Figure

    figure = Figure(figsize=(3, 2))
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], label="a line")
    axes.scatter([0.5], [0.5])
    axes.bar([0.2], [0.3])
    axes.set_title("warm-up $x^2$")
    axes.legend()
    axes.text(0.1, 0.9, "text")
    figure.savefig(io.BytesIO(), format="png")


def preimport(extra: list[str]) -> list[str]:
    """Import what kernels will import, so that forked kernels start warm."""
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    loaded = []
    for name in [*PREIMPORT, *extra]:
        try:
            __import__(name)
            loaded.append(name)
        except Exception:  # a missing optional module is fine
            pass
    try:
        warm_matplotlib()
    except Exception:  # only an optimisation
        pass
    return loaded


def processes_of(uid: int | None, session: int | None, zombies: set | None = None) -> list[int]:
    """Live pids (in this pid namespace) of processes of `uid` (or, without one, of `session`).

    Zombies (dead, not yet reaped) are not listed, but added to `zombies` if given.
    """
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                if uid is not None and os.stat(f"/proc/{entry}").st_uid != uid:
                    continue
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if uid is None and int(fields[4]) != session:
                    continue
                if fields[0] == "Z":  # dead already
                    if zombies is not None:
                        zombies.add(int(entry))
                    continue
                pids.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return pids


class KernelForker:
    def __init__(self) -> None:
        self.kernel: int | None = None
        self.uid: int | None = None
        self.active = False
        self.status: int | None = None
        self.died_at: float | None = None  # time.monotonic() when the kernel was found dead
        self.killed_processes = 0
        self.extra: set[int] = set()  # pids of processes the kernel started (all stopped)
        self.commands: list[str] = []  # the first few of their command lines
        self.lock = threading.Lock()
        threading.Thread(target=self.reap_forever, daemon=True).start()

    # -- the kernel child -------------------------------------------------------------
    def start(self, request: dict) -> dict:
        self.kill({})
        work, ipc, uid, limits = request["work"], request["ipc"], request["uid"], request["limits"]
        connection_file = os.path.join(ipc, "kernel.json")
        with open(connection_file, "w") as f:
            json.dump(request["connection"], f)
        if uid is not None:
            os.chown(connection_file, uid, uid)
        os.chmod(connection_file, 0o600)
        pid = fork_into(self.become_kernel, work, connection_file, uid, limits,
                        request.get("env", {}))
        with self.lock:
            self.kernel, self.uid, self.status, self.killed_processes = pid, uid, None, 0
            self.died_at = None
            self.extra, self.commands = set(), []
            self.active = True
        return {"pid": pid}

    @staticmethod
    def become_kernel(work: str, connection_file: str, uid: int, limits: dict, env: dict) -> None:
        os.setsid()
        log = os.open(os.path.join(os.path.dirname(connection_file), "kernel.log"),
                      os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        if uid is not None:
            os.fchown(log, uid, uid)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        for name, value in limits.items():  # e.g. {"AS": bytes, "CPU": s, "NPROC": n, "FSIZE": b}
            limit = getattr(resource, f"RLIMIT_{name}")
            resource.setrlimit(limit, (value, value))
        if uid is not None:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        die_with_parent()  # after the uid switch, which clears it
        os.chdir(work)
        os.umask(0o077)
        for key in list(os.environ):
            if key not in ("PATH", "LANG", "LC_ALL", "MPLBACKEND", "TERM"):
                del os.environ[key]
        os.environ.update({"HOME": work, "IPYTHONDIR": os.path.join(work, ".ipython"),
                           "MPLCONFIGDIR": os.path.join(work, ".matplotlib"),
                           "JUPYTER_RUNTIME_DIR": os.path.join(work, ".jupyter"),
                           "PYDEVD_DISABLE_FILE_VALIDATION": "1", "PYTHONPATH": work, **env})
        sys.path[:] = [work] + [p for p in sys.path if p not in ("", ".")]
        sys.argv = ["ipykernel", "-f", connection_file]
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        # Tracebacks in Python's own format (one source line per frame, still coloured):
        # IPython's default "Context" mode syntax-highlights lines around every frame and,
        # with stack_data 0.6.3, rebuilds a pygments lexer for every frame of every error:
        # most of a failing submission's kernel time.
        app.initialize(["-f", connection_file, "--HistoryManager.hist_file=:memory:",
                        "--IPKernelApp.transport=ipc", "--InteractiveShell.xmode=Plain"])
        # A child forked by student code would share the kernel's sockets and garble them, and
        # an interrupt landing in os.fork's at-fork hooks leaves locks held: no os.fork at all.
        # (Processes started otherwise, e.g. with ctypes or subprocess, the reaper kills.)
        import posix

        def no_fork(*args: object, **kwargs: object) -> None:
            raise PermissionError("starting processes is not allowed while grading")

        os.fork = posix.fork = os.forkpty = posix.forkpty = no_fork
        app.start()

    # -- control ----------------------------------------------------------------------
    def signal(self, request: dict) -> dict:
        with self.lock:
            if self.kernel is not None and self.status is None:
                try:
                    os.kill(self.kernel, request["signum"])
                except ProcessLookupError:
                    pass
        return {}

    def poll(self, request: dict) -> dict:
        with self.lock:
            self._collect()
            return {"status": self.status, "killed_processes": self.killed_processes,
                    "died_at": self.died_at}

    def _collect(self) -> None:
        """Reap finished children; note the kernel's exit status."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.kernel:
                self.status = os.waitstatus_to_exitcode(status)
                self.died_at = time.monotonic()

    def kill(self, request: dict) -> dict:
        with self.lock:
            if not self.active:
                return {"status": None}
            kill_processes(self.uid, self.kernel)
            self._collect()
            self.extra.discard(self.kernel)
            self.killed_processes = len(self.extra)
            status = self.status
            self.kernel, self.uid, self.active = None, None, False
            return {"status": status, "killed_processes": self.killed_processes,
                    "commands": self.commands[:3]}

    def reap_forever(self) -> None:
        """Kill every process of the submission's uid that is not the kernel itself.

        A child caught between fork and exec still shows the kernel's command line (the
        kernel is a fork of this worker); it gets one more round so that the note can name
        the program it starts ("sleep 600"), unless it stays a copy of the kernel.
        """
        unexecuted: set[int] = set()
        while True:
            time.sleep(0.1)
            with self.lock:
                if not self.active:
                    unexecuted.clear()
                    continue
                kernel_command = command_line(self.kernel)
                for pid in processes_of(self.uid, self.kernel):
                    if pid == self.kernel:
                        continue
                    command = command_line(pid)
                    if not command:  # already gone (or a zombie)
                        continue
                    if command == kernel_command and pid not in unexecuted:
                        unexecuted.add(pid)
                        continue
                    if pid not in self.extra:
                        self.commands.append(command if command != kernel_command
                                             else "a copy of the kernel (os.fork by other means)")
                    self.extra.add(pid)
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.killed_processes = len(self.extra)
                self._collect()


def kill_processes(uid: int | None, session: int | None, seconds: float = 0.5) -> None:
    """SIGKILL every process of `uid` (or, without one, of `session`) until none is left, or
    for at most `seconds`: one of them may start another while the first ones die."""
    deadline = time.monotonic() + seconds
    while (pids := processes_of(uid, session)) and time.monotonic() < deadline:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.001)


def command_line(pid: int | None) -> str:
    """The first 60 characters of a process's command line ("" once it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()[:60].replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def fork_into(body: Callable[..., object], *args: object) -> int:
    """Fork a child that runs body(*args) and never returns into this process's code: it
    exits when `body` does, with 70 and the traceback on its stderr if `body` raised.
    Returns the child's pid."""
    pid = os.fork()
    if pid == 0:
        try:
            body(*args)
        except BaseException:
            import traceback

            os.write(2, traceback.format_exc().encode())
        finally:
            os._exit(70)
    return pid


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection inside, and the collector on again after, whatever happens:
    imports make objects, not garbage. Collections took about 0.1 s of each of the grading
    command's two big imports: a warm worker's preimports (0.69 s) and nbgrader (0.77 s)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def die_with_parent() -> None:
    """Linux: end when the grader ends, sandboxed (bwrap does this too) or not."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def serve(loaded: list[str]) -> None:
    """Answer the grader's requests on stdin/stdout (a slot's channel) until stdin closes;
    then end, with the submission's processes."""
    worker = KernelForker()
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing else may write on the protocol channel
    with open("/proc/self/status") as f:
        vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    out.write(json.dumps({"ready": loaded, "vm": vm}) + "\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = getattr(worker, request["op"])(request)
        except Exception as err:  # report, keep serving
            reply = {"error": f"{type(err).__name__}: {err}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    worker.kill({})
    sys.stderr.flush()
    os._exit(0)  # nothing to save: skip tearing down torch, matplotlib... (most of a second)


#: Linux's flags for unshare(2) and mount(2).
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET = 0x20000, 0x8000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND = 1, 2, 4, 32, 4096
MS_REC, MS_PRIVATE = 0x4000, 1 << 18


def isolate(folder: str) -> None:
    """Make this slot's worker as separate from the other slots as a worker alone in its
    sandbox: its own network (an empty one) and IPC namespaces, and its own mount namespace
    where the grading folder shows this slot's folder only (a read-only tmpfs with
    `folder` bound into it). Raises OSError if the kernel refuses: a slot is never served
    unisolated."""
    libc = ctypes.CDLL(None, use_errno=True)

    def call(result: int, what: str) -> None:
        if result != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"{what}: {os.strerror(errno)}")

    parent = os.path.dirname(folder).encode()
    call(libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC), "unshare")
    call(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "private mounts")
    own = os.open(folder, os.O_PATH)  # still reachable once the tmpfs hides the folder
    call(libc.mount(b"tmpfs", parent, b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=0755"), "tmpfs")
    os.mkdir(folder, 0o755)
    call(libc.mount(f"/proc/self/fd/{own}".encode(), folder.encode(), None, MS_BIND, None),
         "bind the slot's folder")
    os.close(own)
    call(libc.mount(None, parent, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None),
         "read-only tmpfs")


def serve_slots(loaded: list[str], slots: list[dict], isolated: bool) -> None:
    """Fork one worker per slot, each serving its own channel ({"folder", "uid", "fds": [the
    requests' read end, the replies' and the errors' write ends]}); then stop one when stdin
    says "stop N", and as each ends, kill whatever is left of its kernels (the processes of
    its uid). Ends when every slot's worker has ended."""
    def serve_slot(slot: dict) -> None:  # in the slot's worker
        for target, fd in enumerate(slot["fds"]):
            os.dup2(fd, target)
        for other in slots:
            for fd in other["fds"]:
                os.close(fd)
        die_with_parent()
        if isolated:
            isolate(slot["folder"])
        os.chdir(slot["folder"])
        serve(loaded)

    forked = {fork_into(serve_slot, slot): index  # pid -> slot
              for index, slot in enumerate(slots)}
    for slot in slots:
        for fd in slot["fds"]:
            os.close(fd)

    def stop_on_request() -> None:
        for line in sys.stdin:
            index = int(line.split()[1])
            with contextlib.suppress(ProcessLookupError, StopIteration):
                pid = next(pid for pid, slot in list(forked.items()) if slot == index)
                os.kill(pid, signal.SIGKILL)

    threading.Thread(target=stop_on_request, daemon=True).start()
    while forked:
        try:
            pid, _ = os.wait()
        except ChildProcessError:
            break
        index = forked.pop(pid, None)
        if index is not None and slots[index]["uid"] is not None:
            kill_processes(slots[index]["uid"], None)  # what its kernels started, if anything
    os._exit(0)


def main() -> None:
    """argv[1]: JSON, {"preimport": [module names], "slots": [see serve_slots], "isolated":
    whether each slot gets namespaces of its own (in the sandbox)}."""
    die_with_parent()
    spec = json.loads(sys.argv[1])
    with collector_paused():
        loaded = preimport(spec["preimport"])
    serve_slots(loaded, spec["slots"], spec["isolated"])


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    main()
