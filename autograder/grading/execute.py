"""nbgrader's Execute, with kernels from a warm sandboxed worker and hidden tests kept out.

* The kernel is forked by the grading process's worker (see kernel.py), not started anew.
* A graded cell's hidden-test region never reaches the kernel: the kernel runs the
  visible part; then the hidden code runs HERE, in the trusted grader, where every name
  it does not define (the learner's `dense`, say) is a `KernelFunction`: a proxy that
  calls the learner's function in the kernel, sending arguments and receiving results
  as JSON and .npy bytes (never pickle). Whatever student code patches in the kernel
  (assert, numpy.testing, the check helpers) cannot touch the hidden verdict. A failing
  hidden test adds an error output to the cell, so nbgrader scores it 0, with the hidden
  test's teaching message (hidden tests never print expected values).
* Limits: nbgrader's per-cell timeout (interrupt), a total time per submission, a cap on
  each cell's output, and a dead kernel ends the run with every later cell marked.
"""

from __future__ import annotations

import asyncio
import base64
import builtins
import contextlib
import io
import json
import re
import time
import uuid
from typing import Any

import numpy as np
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n?(.*?)### END HIDDEN TESTS\n?", re.DOTALL)
RESULT_MIME = "application/x-autograder-result"


class Context:
    """What the grading process sets before each submission (nbgrader builds the preprocessor)."""

    worker = None  # sandbox.Worker, or None to let jupyter_client start kernels itself
    scratch = None  # kernel.Scratch
    lock = None  # the gradebook lock, released while the notebook executes
    total_timeout: float = 600.0
    max_output_chars: int = 200_000
    notes: list[str] = []  # noqa: RUF012 (reset per submission)


CONTEXT = Context()


# -- values across the kernel boundary: JSON + .npy, never pickle --------------------------
def encode(value: Any) -> Any:
    """A JSON-able form of numbers, strings, arrays, tensors and containers of them."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        return {"__seq__": [encode(v) for v in value], "tuple": isinstance(value, tuple)}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v) for k, v in value.items()}}
    is_tensor = type(value).__module__.startswith("torch") and hasattr(value, "detach")
    if is_tensor or isinstance(value, (np.ndarray, np.generic)):
        array = value.detach().cpu().numpy() if is_tensor else np.asarray(value)
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        return {"__npy__": base64.b64encode(buffer.getvalue()).decode(), "torch": is_tensor,
                "scalar": isinstance(value, np.generic)}
    raise TypeError(f"cannot pass a {type(value).__name__} to the learner's function")


class Unreadable:
    """What the learner's function returned when it is not a value the grader can read."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"<an object of type {self.kind}>"


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__seq__" in value:
            items = [decode(v) for v in value["__seq__"]]
            return tuple(items) if value["tuple"] else items
        if "__dict__" in value:
            return {k: decode(v) for k, v in value["__dict__"].items()}
        if "__npy__" in value:
            array = np.load(io.BytesIO(base64.b64decode(value["__npy__"])), allow_pickle=False)
            if value.get("torch"):
                import torch

                return torch.from_numpy(array)
            return array[()] if value.get("scalar") else array
        if "__unreadable__" in value:
            return Unreadable(str(value["__unreadable__"]))
    return value


#: Runs in the kernel: decode the arguments, call the learner's function, display the result.
KERNEL_CALL = '''
def __autograder_call(name, payload):
    import base64, io, json
    import numpy as np
    def decode(v):
        if isinstance(v, dict):
            if "__seq__" in v:
                items = [decode(x) for x in v["__seq__"]]
                return tuple(items) if v["tuple"] else items
            if "__dict__" in v:
                return {k: decode(x) for k, x in v["__dict__"].items()}
            if "__npy__" in v:
                a = np.load(io.BytesIO(base64.b64decode(v["__npy__"])), allow_pickle=False)
                if v.get("torch"):
                    import torch
                    return torch.from_numpy(a)
                return a[()] if v.get("scalar") else a
        return v
    def encode(v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, (tuple, list)):
            return {"__seq__": [encode(x) for x in v], "tuple": isinstance(v, tuple)}
        if isinstance(v, dict) and all(isinstance(k, str) for k in v):
            return {"__dict__": {k: encode(x) for k, x in v.items()}}
        tensor = type(v).__module__.startswith("torch") and hasattr(v, "detach")
        if tensor or isinstance(v, (np.ndarray, np.generic)):
            try:
                a = v.detach().cpu().numpy() if tensor else np.asarray(v)
                buffer = io.BytesIO()
                np.save(buffer, a, allow_pickle=False)
                return {"__npy__": base64.b64encode(buffer.getvalue()).decode(),
                        "torch": tensor, "scalar": isinstance(v, np.generic)}
            except Exception:
                pass
        return {"__unreadable__": type(v).__name__}
    call = decode(json.loads(payload))
    result = get_ipython().user_ns[name](*call["args"], **call["kwargs"])
    from IPython.display import display
    display({%(mime)r: json.dumps(encode(result))}, raw=True)
try:
    __autograder_call(%(name)r, %(payload)r)
finally:
    del __autograder_call
'''


class KernelError(Exception):
    """The learner's function raised in the kernel: carries the kernel's error name and text."""


class KernelFunction:
    """Stands in, in the grader, for a function the learner defined in the kernel."""

    def __init__(self, client: SandboxedExecute, name: str) -> None:
        self.client = client
        self.name = name
        self.__name__ = name

    def __repr__(self) -> str:
        return f"<learner's {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        payload = json.dumps(encode({"args": list(args), "kwargs": kwargs}))
        cell = NotebookNode(cell_type="code", source=KERNEL_CALL % {
            "name": self.name, "payload": payload, "mime": RESULT_MIME},
            metadata=NotebookNode(), outputs=[], execution_count=None, id=uuid.uuid4().hex[:8])
        index = self.client.current_index
        real = self.client.nb.cells[index]
        try:  # nbclient stores the executed cell at `index`: put the real one back
            self.client.execute_cell(cell, index, store_history=False)
        finally:
            self.client.nb.cells[index] = real
        for out in cell.outputs:
            if out.output_type == "error":
                if out.ename == "NotImplementedError":
                    raise NotImplementedError(out.evalue)
                raise KernelError(f"{out.ename}: {out.evalue}" if out.evalue else out.ename)
            if out.output_type == "display_data" and RESULT_MIME in out.get("data", {}):
                return decode(json.loads(out.data[RESULT_MIME]))
        raise KernelError("the learner's function returned nothing the grader could read")


class Namespace(dict):
    """Globals for hidden-test code: a name it does not define is the learner's, in the kernel."""

    def __init__(self, client: SandboxedExecute) -> None:
        super().__init__()
        self.client = client

    def __missing__(self, name: str) -> Any:
        if hasattr(builtins, name):
            raise KeyError(name)
        self[name] = KernelFunction(self.client, name)
        return self[name]


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


def stream_output(text: str) -> NotebookNode:
    return NotebookNode(output_type="stream", name="stdout", text=text)


class SandboxedExecute(Execute):
    """nbgrader's Execute, run as described in this module's docstring."""

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        from autograder.grading.kernel import WorkerKernelManager

        ctx = CONTEXT
        self.deadline = time.monotonic() + ctx.total_timeout
        self.dead: str | None = None
        self.current_index = 0
        self.output_chars: dict[int, int] = {}
        if ctx.worker is not None:
            km = WorkerKernelManager(worker=ctx.worker, submission=ctx.scratch)
            self.shutdown_kernel = "immediate"  # the worker kills every process anyway
        if ctx.lock is not None:
            ctx.lock.release()
        try:
            return super().preprocess(nb, resources, km=km)
        finally:
            if ctx.worker is not None:
                reply = ctx.worker.call("kill")
                ctx.scratch.killed_processes = reply.get("killed_processes", 0)
                ctx.scratch.commands = reply.get("commands", [])
            if ctx.lock is not None:
                ctx.lock.acquire()

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if cell.cell_type != "code":
            return cell, self.resources
        self.current_index = index
        notes = CONTEXT.notes
        if self.dead:
            cell.outputs = [error_output("NotRun", f"not run: {self.dead}")]
            return cell, self.resources
        if time.monotonic() > self.deadline:
            self.dead = f"the submission used up its total time ({CONTEXT.total_timeout:g} s)"
            notes.append("total time limit")
            cell.outputs = [error_output("TotalTimeLimit", f"not run: {self.dead}")]
            return cell, self.resources
        source = cell.source
        hidden = HIDDEN.findall(source) if cell.metadata.get("nbgrader", {}).get("grade") else []
        try:
            cell.source = HIDDEN.sub("", source).rstrip() if hidden else source
            try:
                super().preprocess_cell(cell, resources, index)
            finally:
                cell.source = source
            if hidden and not any(o.output_type == "error" for o in cell.outputs):
                for code in hidden:
                    cell.outputs.extend(self.run_hidden(code))
        except DeadKernelError:
            self.dead = f"the kernel died in cell {index} (os._exit, a signal, or out of memory)"
            notes.append(f"kernel died (cell {index})")
            cell.outputs.append(error_output("DeadKernelError", self.dead))
        except CellTimeoutError as err:  # no idle after the interrupt: the kernel ignored it
            notes.append(f"cell timeout (cell {index})")
            cell.outputs.append(error_output("CellTimeoutError", str(err).splitlines()[0]))
        except Exception as err:  # noqa: BLE001 (the kernel misbehaved: stop trusting it)
            self.dead = f"the kernel misbehaved in cell {index} ({type(err).__name__}: {err})"
            notes.append(f"kernel protocol error (cell {index})")
            cell.outputs.append(error_output("KernelProtocolError", self.dead[:500]))
        for out in cell.outputs:
            if out.output_type == "error":
                for pattern, note in (("CellTimeoutError", "cell timeout"),
                                      ("MemoryError", "memory limit"),
                                      ("SystemExit", "sys.exit() called")):
                    if pattern in out.ename and f"{note} (cell {index})" not in notes:
                        notes.append(f"{note} (cell {index})")
        if self.output_chars.get(index, 0) > CONTEXT.max_output_chars:
            notes.append(f"output truncated (cell {index})")
            cell.outputs.append(stream_output(
                f"\n[the grader kept the first {CONTEXT.max_output_chars} characters of output]\n"))
        return cell, self.resources

    async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> Any:
        """Interrupt, and again: one SIGINT can land where Python ignores it (an at-fork hook)."""
        reply = await super()._async_handle_timeout(timeout, cell)
        for _ in range(3):
            await asyncio.sleep(0.3)
            await self.km.interrupt_kernel()
        return reply

    def run_hidden(self, code: str) -> list[NotebookNode]:
        """Run a hidden-test region in this process against the kernel's functions."""
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(code, "<hidden tests>", "exec"), Namespace(self))  # noqa: S102
        except AssertionError as err:  # CheckFailed: the teaching message, no expected values
            outputs = [error_output(type(err).__name__, str(err))]
        except DeadKernelError:
            raise
        except Exception as err:  # noqa: BLE001 (any failure of the hidden test fails the cell)
            outputs = [error_output(type(err).__name__, f"the hidden tests could not run: {err}")]
        else:
            outputs = []
        text = printed.getvalue()
        return ([stream_output(text)] if text else []) + outputs

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        content = msg.get("content", {})
        if RESULT_MIME in content.get("data", {}):
            return super().output(outs, msg, display_id, cell_index)
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        total = self.output_chars.get(cell_index, 0) + size
        self.output_chars[cell_index] = total
        if total > CONTEXT.max_output_chars:
            return None
        return super().output(outs, msg, display_id, cell_index)
