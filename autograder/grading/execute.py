"""nbgrader's Execute, with kernels from a warm sandboxed worker and hidden tests kept out.

* The kernel is forked by the grading process's worker (see kernel.py), not started anew.
* A graded cell's hidden-test region never reaches the kernel: the kernel runs the
  visible part; then the hidden code runs HERE, in the trusted grader, where every name
  it does not define (the learner's `dense`, say) is a `KernelFunction`: a proxy that
  calls the learner's function in the kernel, sending arguments and receiving results
  as JSON and .npy bytes, never pickle (codec.py: functions the hidden tests pass, such
  as a model, travel as source code and run in the kernel). Whatever student code patches in the kernel
  (assert, numpy.testing, the check helpers) cannot touch the hidden verdict. A failing
  hidden test adds an error output to the cell, so nbgrader scores it 0, with the hidden
  test's teaching message (hidden tests never print expected values).
* Limits: nbgrader's per-cell timeout (interrupt), a total time per submission, a cap on
  each cell's output, and a dead kernel ends the run with every later cell marked.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import copy
import io
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zmq
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Integer

from autograder.grading import codec
from autograder.grading.plan import SKIPPED_TEXT, Plan, plan_cells, suspect
from autograder.hidden import HIDDEN_TESTS_REGION

CODEC_SOURCE = Path(codec.__file__).read_text()

RESULT_MIME = "application/x-autograder-result"
#: How often a waiting cell re-checks the client's sockets and the kernel's life (seconds).
REARM_SECONDS = 0.5


class Context:
    """The submission being graded, set by the grading process before each one (nbgrader
    builds the preprocessor; the limits are its traitlets, set through nbgrader's config)."""

    worker = None  # sandbox.Worker, or None to let jupyter_client start kernels itself
    scratch = None  # kernel.Scratch
    notes: list[str] = []  # reset per submission
    release = None  # the released notebook (plan.py tells the learner's cells by it)
    restart_watchdog = None  # called when a submission starts again with every cell


CONTEXT = Context()


CODEC_MODULE = "_autograder_codec"

#: Run once per kernel, silently: the codec (codec.py's source) as a module of its own, so
#: that its names (encode, decode...) never mix with the learner's.
KERNEL_SETUP = """
import sys as __sys, types as __types
__codec = __sys.modules[%(module)r] = __types.ModuleType(%(module)r)
exec(compile(%(source)r, "<autograder codec>", "exec"), __codec.__dict__)
del __sys, __types, __codec
"""

#: Runs in the kernel: decode the function and the arguments of each call, call it, and display
#: per call its result and the arguments as it left them (it may change them in place), or
#: the error it raised (its name and text, as IPython reports an error). After an error, or
#: once the calls have taken BATCH_SECONDS, the rest are left to later trips (so that no call
#: loses its own cell time limit).
KERNEL_CALLS = """
def __autograder_calls(payload):
    import json, sys, time
    codec = sys.modules[%(module)r]
    request = json.loads(payload)
    replies, stop = [], time.monotonic() + request["seconds"]
    for call in request["calls"]:
        function = codec.decode(call["function"], code=True)
        args = [codec.decode(value, code=True) for value in call["args"]]
        kwargs = {key: codec.decode(value, code=True) for key, value in call["kwargs"].items()}
        try:
            result = function(*args, **kwargs)
        except BaseException as err:  # SystemExit, or the interrupt of a call past the time limit
            replies.append({"error": [type(err).__name__, str(err)]})
            break
        replies.append({"result": codec.encode(result, strict=False),
                        "args": [codec.encode(value, strict=False) for value in args]})
        if time.monotonic() > stop:
            break
    from IPython.display import display
    display({%(mime)r: json.dumps(replies)}, raw=True)
try:
    __autograder_calls(%(payload)r)
finally:
    del __autograder_calls
"""

#: Seconds of the learner's calls one trip to the kernel may batch (see KernelFunction.prefetch).
BATCH_SECONDS = 1.0


class FallBack(Exception):  # a signal, not an error
    """The fast path met an error a skipped cell could explain: run every cell instead."""


class KernelError(Exception):
    """The learner's function raised in the kernel: carries the kernel's error name and text."""


class KernelFunction:
    """Stands in, in the grader, for a function the learner defined in the kernel.

    With a `helper` (a plain function of the hidden tests), it stands for
    helper(<the learner's function>, ...) run in the kernel: one trip for a helper that
    calls the learner's function thousands of times (e.g. to count random draws).

    Each call is a trip to the kernel (about 10 ms), unless `prefetch` made it already.
    """

    def __init__(self, client: SandboxedExecute, name: str, helper: Callable | None = None) -> None:
        self.client = client
        self.name = name
        self.helper = helper
        self.__name__ = name
        self.ahead: list[tuple[str, dict]] = []  # (a call as sent, its reply), in call order

    def __repr__(self) -> str:
        return f"<learner's {self.name}>"

    def calling(self, helper: Callable) -> KernelFunction:
        """helper(this function, *args) as one call in the kernel."""
        return KernelFunction(self.client, self.name, helper)

    def prefetch(self, cases: list[tuple]) -> None:
        """Make the calls on `cases` (positional arguments), in order, in one trip, until one
        raises or BATCH_SECONDS have passed. The calls that follow are answered from what
        came back while they are these same calls in this order: a hidden test that tries
        six random cases costs one trip, not six. The learner's function is called exactly
        as it would be, except on the cases after one that then fails in the grader."""
        calls = [self.encoded(args, {}) for args in cases]
        try:
            replies = self.trip(calls) if calls else []
        except Exception:  # a dead kernel...: the calls, made one by one, fail as they would
            return
        self.ahead = list(zip(map(json.dumps, calls), replies, strict=False))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        call = self.encoded(args, kwargs)
        if self.ahead and self.ahead[0][0] == json.dumps(call):
            reply = self.ahead.pop(0)[1]
        else:
            self.ahead = []
            (reply,) = self.trip([call])
        if "error" in reply:
            ename, evalue = reply["error"]
            if ename == "NotImplementedError":
                raise NotImplementedError(evalue)
            raise KernelError(f"{ename}: {evalue}" if evalue else ename)
        after = [codec.decode(value) for value in reply["args"]][1 if self.helper else 0:]
        for given, changed in zip(args, after, strict=False):
            codec.write_back(given, changed)
        return codec.decode(reply["result"])

    def encoded(self, args: tuple, kwargs: dict) -> dict:
        """One call as it travels to the kernel (codec.py)."""
        learner = {"__learner__": self.name}
        return {"function": codec.encode(self.helper) if self.helper else learner,
                "args": [*([learner] if self.helper else []), *map(codec.encode, args)],
                "kwargs": {name: codec.encode(value) for name, value in kwargs.items()}}

    def trip(self, calls: list[dict]) -> list[dict]:
        """Make `calls` in the kernel; a reply per call made (at least the first)."""
        outputs = self.client.run_in_kernel(KERNEL_CALLS % {
            "module": CODEC_MODULE, "mime": RESULT_MIME,
            "payload": json.dumps({"calls": calls, "seconds": BATCH_SECONDS})})
        for out in outputs:
            if out.output_type == "error":  # not an Exception: SystemExit, an interrupt...
                raise KernelError(f"{out.ename}: {out.evalue}" if out.evalue else out.ename)
            if out.output_type == "display_data" and RESULT_MIME in out.get("data", {}):
                return json.loads(out.data[RESULT_MIME])
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


class Rearming:
    """Mixed into an nbclient client (NotebookClient or a subclass): it cannot miss a cell's
    reply. The grader's RearmingExecute and the web edition's lesson runs use it."""

    async def _async_poll_kernel_alive(self) -> None:
        """nbclient's liveness check while a cell runs, which also re-arms the client's sockets.

        pyzmq's asyncio sockets are woken by an edge-triggered file descriptor. In some
        grading runs, a cell's reply and idle status were already queued in the
        grader's shell and iopub sockets while nothing woke the waiting task, so the cell
        sat out its whole timeout (120 s) and then went on. Asking a socket for its events
        makes pyzmq handle what is queued: a lost wake-up now costs at most REARM_SECONDS.
        """
        while True:
            await asyncio.sleep(REARM_SECONDS)
            for channel in (self.kc.shell_channel, self.kc.iopub_channel):
                channel.socket.get(zmq.EVENTS)
            try:
                await self._async_check_alive()
            except DeadKernelError:
                self.task_poll_for_reply.cancel()
                return


class RearmingExecute(Rearming, Execute):
    """nbgrader's Execute with a client that cannot miss a cell's reply. The course's grader
    builds on it, and the course's config gives it to plain `nbgrader autograde` too."""


class SandboxedExecute(RearmingExecute):
    """nbgrader's Execute, run as described in this module's docstring."""

    total_timeout = Float(600.0, help=(
        "Seconds for all of a submission's cells together; later cells are not run (the "
        "grading process's watchdog stops a sandbox still busy a few seconds after).")
    ).tag(config=True)
    max_output_chars = Integer(200_000, help=(
        "Characters of output kept per cell (the rest is dropped as it arrives, with a note)")
    ).tag(config=True)
    full = Bool(False, help=(
        "Run every cell; by default only the cells the grades depend on run (plan.py), and "
        "every cell where that could differ")).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        """Run the cells the grades depend on (plan.py); should that run meet an error a
        skipped cell could explain, run the submission again, every cell, in a new kernel."""
        ctx = CONTEXT
        plan = Plan(None, "--full") if self.full else plan_cells(nb, ctx.release)
        original = copy.deepcopy(nb) if plan.run is not None else None
        if plan.run is None and not self.full:
            ctx.notes.append(f"every cell run: {plan.reason}")
        first_note = len(ctx.notes)
        try:
            return self.run(plan, nb, resources, km)
        except FallBack as why:
            del ctx.notes[first_note:]  # the full run's notes replace the fast run's
            ctx.notes.append(f"every cell run: {why} in the fast path")
            if ctx.scratch is not None:
                ctx.scratch.reset()
            if ctx.restart_watchdog is not None:
                ctx.restart_watchdog()
            nb.cells[:] = original.cells
            return self.run(Plan(None, str(why)), nb, resources, km)

    def run(self, plan: Plan, nb: NotebookNode, resources: Any, km: Any) -> Any:
        """One execution of the notebook, of the cells `plan` names, in a fresh kernel."""
        ctx = CONTEXT
        self.plan = plan
        self.deadline = time.monotonic() + self.total_timeout
        self.dead: str | None = None
        self.current_index = 0
        self.codec_installed = False
        self.output_chars: dict[int, int] = {}
        self.started: dict[int, float] = {}  # cell -> when it started (time.monotonic())
        self.unfinished: dict[int, str] = {}  # answer cells that timed out: index -> grade id
        self.answer_of_next_tests: tuple[str, int] = ("?", -1)  # the last answer cell run
        if ctx.worker is not None:
            self.shutdown_kernel = "immediate"  # the worker kills every process anyway
        try:
            return super().preprocess(nb, resources, km=km)
        finally:
            if ctx.worker is not None:  # what a kernel that died by itself left behind
                ctx.scratch.note_kill(ctx.worker.kill_submission())

    def create_kernel_manager(self) -> Any:
        """A kernel manager whose kernels the worker forks (see kernel.py), when there is one.

        Created here rather than passed in, nbclient owns it: at the end it shuts the kernel
        down, stops the client's channels and closes their zmq context.
        """
        from autograder.grading.kernel import WorkerKernelManager

        if CONTEXT.worker is None:
            return super().create_kernel_manager()
        self.km = WorkerKernelManager(worker=CONTEXT.worker, submission=CONTEXT.scratch)
        return self.km

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        """One cell, in named steps: skip it (fast path), or mark it not run (dead kernel, time
        up, its answer cell never finished), or execute it and its hidden tests; then notes."""
        if cell.cell_type != "code":
            return cell, self.resources
        self.current_index = index
        meta = cell.metadata.get("nbgrader", {})
        if self.plan.skips(index):
            cell.outputs = [stream_output(SKIPPED_TEXT)]
            cell.execution_count = None
            return cell, self.resources
        if meta.get("solution"):
            self.answer_of_next_tests = (meta.get("grade_id", "?"), index)
        reason = self.not_run_reason(meta)
        if reason is not None:
            ename, text = reason
            cell.outputs = [error_output(ename, f"not run: {text}")]
            return cell, self.resources
        self.execute_with_hidden_tests(cell, resources, index, meta)
        self.note_errors(cell, index)
        if meta.get("solution") and self.timed_out(cell):
            self.unfinished[index] = meta.get("grade_id", "?")
        if self.plan.run is not None and (why := suspect(cell.outputs)):
            raise FallBack(f"{why} (cell {index})")
        if self.output_chars.get(index, 0) > self.max_output_chars:
            CONTEXT.notes.append(f"output truncated (cell {index})")
            cell.outputs.append(stream_output(
                f"\n[the grader kept the first {self.max_output_chars} characters of output]\n"))
        return cell, self.resources

    def not_run_reason(self, meta: dict) -> tuple[str, str] | None:
        """Why this cell is not run: (the error's name, its text), or None."""
        if self.dead:
            return "NotRun", self.dead
        if time.monotonic() > self.deadline:
            self.dead = f"the submission used up its total time ({self.total_timeout:g} s)"
            CONTEXT.notes.append("total time limit")
            return "TotalTimeLimit", self.dead
        name, answer = self.answer_of_next_tests
        if meta.get("grade") and answer in self.unfinished:
            limit = f" within {self.timeout:g} s" if self.timeout else ""
            note = (f"answer cell {name} did not finish{limit} (cell {answer}): "
                    f"{meta.get('grade_id', 'its test')} earns nothing")
            if note not in CONTEXT.notes:
                CONTEXT.notes.append(note)
            return "AnswerDidNotFinish", (f"the answer cell `{name}` did not finish{limit}, so "
                                          f"this exercise earns nothing (a loop that never ends?)")
        return None

    def execute_with_hidden_tests(self, cell: NotebookNode, resources: Any, index: int,
                                  meta: dict) -> None:
        """Execute the cell without its hidden-test region, then that region here (run_hidden)."""
        notes = CONTEXT.notes
        source = cell.source
        hidden = HIDDEN_TESTS_REGION.findall(source) if meta.get("grade") else []
        self.started[index] = time.monotonic()
        try:
            cell.source = HIDDEN_TESTS_REGION.sub("", source).rstrip() if hidden else source
            try:
                super().preprocess_cell(cell, resources, index)
            except CellTimeoutError as err:
                if not str(err).startswith("Timeout waiting for IOPub"):
                    raise
                # The cell finished (its reply came), its last outputs did not: a notice, not
                # a timeout, and the cell is graded on what arrived.
                notes.append(f"slow output: what the cell printed after {self.iopub_timeout:g} s "
                             f"was not kept (cell {index})")
                cell.outputs.append(stream_output(
                    "\n[output still arriving when the cell finished was not kept]\n"))
            finally:
                cell.source = source
            if hidden and not any(o.output_type == "error" for o in cell.outputs):
                for code in hidden:
                    cell.outputs.extend(self.run_hidden(code))
        except DeadKernelError:
            died = self.cell_running_at_death(index)
            where = f"cell {died}" if died == index else f"cell {died}; noticed in cell {index}"
            self.dead = f"the kernel died in {where} (os._exit, a signal, or out of memory)"
            notes.append(f"kernel died ({where})")
            cell.outputs.append(error_output("DeadKernelError", self.dead))
        except CellTimeoutError as err:  # no idle after the interrupt: the kernel ignored it
            notes.append(f"cell timeout (cell {index})")
            cell.outputs.append(error_output("CellTimeoutError", str(err).splitlines()[0]))
        except Exception as err:  # the kernel misbehaved: stop trusting it
            self.dead = f"the kernel misbehaved in cell {index} ({type(err).__name__}: {err})"
            notes.append(f"kernel protocol error (cell {index})")
            cell.outputs.append(error_output("KernelProtocolError", self.dead[:500]))

    @staticmethod
    def timed_out(cell: NotebookNode) -> bool:
        return any(o.output_type == "error" and "CellTimeoutError" in o.ename for o in cell.outputs)

    @staticmethod
    def note_errors(cell: NotebookNode, index: int) -> None:
        notes = CONTEXT.notes
        for out in cell.outputs:
            if out.output_type == "error":
                for pattern, note in (("CellTimeoutError", "cell timeout"),
                                      ("MemoryError", "memory limit"),
                                      ("SystemExit", "sys.exit() called")):
                    if pattern in out.ename and f"{note} (cell {index})" not in notes:
                        notes.append(f"{note} (cell {index})")

    def cell_running_at_death(self, noticed: int) -> int:
        """The cell that was running when the kernel died, by the worker's clock of its death
        (the kernel may die after a cell has finished, e.g. from a thread, and be noticed in
        a later one); `noticed` when unknown."""
        died_at = None
        if CONTEXT.worker is not None:
            with contextlib.suppress(Exception):
                died_at = CONTEXT.worker.call("poll").get("died_at")
        if died_at is None:
            return noticed
        running = [index for index, started in self.started.items() if started <= died_at]
        return max(running) if running else noticed

    async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> Any:
        """Interrupt, and again: one SIGINT can land where Python ignores it (an at-fork hook)."""
        reply = await super()._async_handle_timeout(timeout, cell)
        for _ in range(3):
            await asyncio.sleep(0.3)
            await self.km.interrupt_kernel()
        return reply

    def run_in_kernel(self, source: str) -> list[NotebookNode]:
        """Execute `source` in the kernel as a helper cell of the current cell; its outputs.

        The first call also installs the codec in the kernel.
        """
        if not self.codec_installed:
            self.codec_installed = True
            self.run_in_kernel(KERNEL_SETUP % {"module": CODEC_MODULE, "source": CODEC_SOURCE})
        cell = NotebookNode(cell_type="code", source=source, metadata=NotebookNode(), outputs=[],
                            execution_count=None, id=uuid.uuid4().hex[:8])
        real = self.nb.cells[self.current_index]
        try:  # nbclient stores the executed cell at its index: put the real one back
            self.execute_cell(cell, self.current_index, store_history=False)
        finally:
            self.nb.cells[self.current_index] = real
        return cell.outputs

    def run_hidden(self, code: str) -> list[NotebookNode]:
        """Run a hidden-test region in this process against the kernel's functions.

        What it prints goes in the cell's outputs. What it writes to stderr, a reference's
        progress bar (lesson 08's trains a model), is dropped: it would land on the
        instructor's terminal, over the command's own progress bar."""
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
                exec(compile(code, "<hidden tests>", "exec"), Namespace(self))
        except AssertionError as err:  # CheckFailed: the teaching message, no expected values
            outputs = [error_output(type(err).__name__, str(err))]
        except DeadKernelError:
            raise
        except Exception as err:  # any failure of the hidden test fails the cell
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
        if total > self.max_output_chars:
            return None
        return super().output(outs, msg, display_id, cell_index)
