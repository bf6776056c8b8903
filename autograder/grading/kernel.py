"""A jupyter_client kernel manager whose kernels are forked by a warm worker.

nbgrader's Execute preprocessor (an nbclient NotebookClient) starts, interrupts and kills
kernels through a KernelManager and its provisioner. This provisioner does not Popen a
new Python: it asks the worker (autograder/grading/worker.py, in the sandbox) to fork
one, on unix sockets (TCP cannot cross the sandbox's empty network namespace). Signals
and kills go through the worker, which sees the kernel's pid namespace.
"""

from __future__ import annotations

import asyncio
import compileall
import os
import shutil
import signal
import time
from pathlib import Path
from queue import Empty
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerBase
from jupyter_client.session import Session
from traitlets import Any as AnyTrait
from traitlets import Type, default

from autograder.grading.sandbox import Worker

#: The spec of every kernel a worker forks. A kernel manager looks its kernel's spec up in
#: Jupyter's data folders as it starts one, which cost a grading process's first submission
#: about 60 ms; a forked kernel runs no command, and the manager reads only its language and
#: how to interrupt it (a signal, which the worker delivers).
FORKED_KERNEL_SPEC = KernelSpec(name="python3", display_name="Python 3 (forked by a worker)",
                                language="python", argv=[], interrupt_mode="signal")


class ForkProvisioner(KernelProvisionerBase):
    """Kernel lifecycle via the worker: launch = fork, signal/kill = worker requests."""

    worker: Worker
    submission: Any  # the Scratch of the submission being graded
    status: int | None = None
    launched = False

    @property
    def has_process(self) -> bool:
        return self.launched and self.status is None

    async def poll(self) -> int | None:
        if not self.launched:
            return 0
        if self.status is None:
            self.status = self.worker.kernel_status()
        return self.status

    async def wait(self) -> int | None:
        for _ in range(500):
            if await self.poll() is not None:
                return self.status
            await asyncio.sleep(0.01)
        await self.kill()
        return self.status

    async def send_signal(self, signum: int) -> None:
        if signum == signal.SIGKILL:
            await self.kill()
        elif self.has_process:
            self.worker.call("signal", signum=int(signum))

    async def kill(self, restart: bool = False) -> None:
        if self.launched:
            reply = self.worker.kill_submission()
            self.status = reply["status"] if reply["status"] is not None else -9
            self.submission.note_kill(reply)

    async def terminate(self, restart: bool = False) -> None:
        await self.kill(restart)

    async def cleanup(self, restart: bool = False) -> None:
        pass

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        km = self.parent
        km.write_connection_file()
        self.connection_info = km.get_connection_info()
        return await super().pre_launch(cmd=[], **kwargs)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict:
        info = dict(self.connection_info)
        info["key"] = info["key"].decode() if isinstance(info["key"], bytes) else info["key"]
        self.worker.call("start", connection=info, **self.submission.request())
        self.launched, self.status = True, None
        return self.connection_info

    def resolve_path(self, path_str: str) -> str | None:
        return None


class TolerantSession(Session):
    """A session that drops messages it cannot verify instead of failing the whole grading run.

    Student code controls the kernel's end of the sockets (a forked child can replay
    messages, code can write junk): such messages are counted and ignored.
    """

    rejected = 0

    def deserialize(self, msg_list: list, content: bool = True, copy: bool = True) -> dict:
        try:
            return super().deserialize(msg_list, content=content, copy=copy)
        except Exception:  # bad signature, replay, garbage
            TolerantSession.rejected += 1
            return {"header": {"msg_type": "rejected", "msg_id": ""}, "msg_id": "",
                    "msg_type": "rejected", "parent_header": {}, "metadata": {}, "content": {},
                    "buffers": []}


class WorkerKernelClient(AsyncKernelClient):
    """The grader's client of a forked kernel, ready as soon as the kernel is.

    Two waits of jupyter_client's client, made for kernels that take seconds to start, were
    most of a warm kernel's start-up (about 0.35 s per submission): the interval between
    attempts to connect, and a final wait for IOPub to fall silent. Both are shortened here.
    """

    #: The kernel binds its sockets a few milliseconds after the fork; zmq's default of
    #: 100 ms between connection attempts would keep the client waiting for the next one.
    RECONNECT_MS = 10

    @default("context")
    def _context_default(self) -> zmq.asyncio.Context:
        self._created_context = True
        context = zmq.asyncio.Context()
        context.setsockopt(zmq.RECONNECT_IVL, self.RECONNECT_MS)
        return context

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Wait for the kernel's kernel_info reply and for IOPub to be connected.

        jupyter_client's version then also waits until IOPub has been silent for 0.2 s, to
        drop start-up messages; nbclient ignores every message that does not answer one of
        its own requests, so here that wait would only cost time.
        """
        timeout = 60.0 if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
                if reply["msg_type"] == "kernel_info_reply":
                    await self.iopub_channel.get_msg(timeout=0.2)  # its busy/idle status
                    self._handle_kernel_info_reply(reply)
                    return
            except Empty:  # not yet, or IOPub not yet subscribed: ask again
                pass
            if not await self._async_is_alive():
                raise RuntimeError("the kernel died before replying to kernel_info")
        raise RuntimeError(f"the kernel did not reply to kernel_info in {timeout:g} s")


class WorkerKernelManager(AsyncKernelManager):
    """An AsyncKernelManager on ipc sockets in the submission's folder, kernels forked by a worker."""

    client_factory = Type(WorkerKernelClient, klass=AsyncKernelClient)
    worker = AnyTrait()
    submission = AnyTrait()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = TolerantSession(parent=self)
        self.transport = "ipc"
        self.ip = str(Path(self.submission.ipc) / "k")
        self.connection_file = str(Path(self.submission.folder) / "connection.json")
        self.kernel_name = FORKED_KERNEL_SPEC.name
        self._kernel_spec = FORKED_KERNEL_SPEC

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        if self.provisioner is None:
            provisioner = ForkProvisioner(kernel_id=self.kernel_id or "k",
                                          kernel_spec=self.kernel_spec, parent=self)
            provisioner.worker, provisioner.submission = self.worker, self.submission
            self.provisioner = provisioner
        return await super()._async_pre_start_kernel(**kw)


class Scratch:
    """A submission's folders inside the worker's folder: work/ (cwd) and ipc/ (sockets).

    work/ holds links to the lesson's provided files (`provided_copy`), shared by every
    submission the worker grades."""

    def __init__(self, worker_folder: Path, name: str, uid: int | None, release: Path,
                 limits: dict[str, int]) -> None:
        self.folder = worker_folder / name
        self.work = self.folder / "work"
        self.ipc = self.folder / "ipc"
        self.uid = uid
        self.limits = limits
        self.provided = provided_copy(worker_folder, release)
        self.reset()

    def reset(self) -> None:
        """Empty folders, the lesson's provided files linked in work/ (again, for a second run)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.killed_processes = 0
        self.commands: list[str] = []
        for path in (self.folder, self.work, self.ipc):
            path.mkdir(parents=True)
        os.chmod(self.folder, 0o711)
        for item in self.provided.iterdir():
            (self.work / item.name).symlink_to(os.path.relpath(item, self.work))
        if self.uid is not None:
            for path in (self.work, self.ipc):
                os.chown(path, self.uid, self.uid)
        os.chmod(self.work, 0o700)
        os.chmod(self.ipc, 0o700)

    def request(self) -> dict:
        return {"work": str(self.work), "ipc": str(self.ipc), "uid": self.uid,
                "limits": self.limits}

    def note_kill(self, reply: dict) -> None:
        """Keep what the worker's "kill" found: how many processes the kernel had started
        (all stopped) and their first command lines. A second kill finds nothing to report."""
        if "killed_processes" in reply:
            self.killed_processes = reply["killed_processes"]
            self.commands = reply.get("commands", [])

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def provided_copy(worker_folder: Path, release: Path) -> Path:
    """The lesson's provided files (`release`, its release folder, without notebooks), copied
    once into the worker's folder, with their Python modules compiled; every submission's
    work/ links to them. In the sandbox they are read-only for kernels, which run as another
    uid. Copying them for each submission took about 15 ms, and each kernel then compiled
    helpers/ again (about 10 ms for lesson 01's imports)."""
    target = worker_folder / ".provided" / release.name
    if target.is_dir():
        return target
    building = target.with_name(f"{release.name}.partial")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    for name in provided_names(release):
        item = release / name
        if item.is_dir():
            shutil.copytree(item, building / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, building / name)
    compileall.compile_dir(building, quiet=2, workers=1)
    os.chmod(building, 0o755)
    for dirpath, dirnames, filenames in os.walk(building):
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)
    os.chmod(target.parent, 0o755)
    building.rename(target)
    return target


def provided_names(release: Path) -> list[str]:
    """What a lesson's release folder provides beside its notebooks (e.g. helpers/)."""
    return sorted(item.name for item in release.iterdir() if item.suffix != ".ipynb")
