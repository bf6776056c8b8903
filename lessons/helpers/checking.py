"""The feedback engine behind every check in the course.

A check runs the learner's function on a few chosen inputs. The first case that fails
stops the check with a `CheckFailed` whose message says which exercise and case, what was
expected and what came back, and the *likely mistake* (a hint written for the wrong answer
learners really write). Visible checks in the lessons and the hidden tests in the
autograder both use it, so a learner reads the same kind of message in the notebook and
in nbgrader's feedback.

Writing a check
---------------
    @guarded
    def relu(learner_relu):
        chk = Check("relu", learner_relu)
        chk.returns((np.array([-1.0, 2.0]),), [0.0, 2.0],
                    case="one negative, one positive", hint="negatives become 0")
        chk.passed()

`Check(name, fn, reveal=True, *, reference=None, returns=..., modifies=(), crash_hint=None)`
    reveal      False in hidden tests: messages never show expected values.
    reference   the reference answer (hidden tests only: the lessons cannot import it);
                its return annotation is the promised type of every result.
    returns     the promised type, when the annotation is not it (e.g. `np.ndarray | str`
                for a function that returns one label or an array of labels). Default: the
                reference's return annotation, else the learner's own (a stub carries the
                reference's signature), else no type rule.
    modifies    names of the arguments the docstring says the function changes (True: all);
                these are passed as they are, so the check sees what the function did to
                them (also the way to let a gradient reach the check's own tensor).
    crash_hint  the likely mistake when the function raises outside a case with its own
                hint (default: the first line of the function's docstring).
`chk.run(*args, **kwargs)`   call the learner's function; returns what came back.
`chk.call(args, kwargs=None, *, case="", hint=None)`   the same, a crash reported with this case.
`chk.caller(*, case, hint)`   the learner's function as a callable whose calls are that case.
`chk.returns(args, expected, *, case, hint, atol=, rtol=, shape_hint=, dtype=)`   call, then `close`.
`chk.returns_exactly(args, expected, *, case, hint)`   call, then `equal`.
`chk.close(got, expected, *, case, hint, atol=1e-6, rtol=1e-5, shape_hint=None, dtype=None)`
`chk.equal(got, expected, *, case, hint)`   exact (labels, ids, shapes, strings, lists).
`chk.true(condition, *, case, hint, got=None)`
`chk.has_shape(got, shape, *, case, hint)`   an array or tensor of this shape.
`chk.fail(case, hint, expected=None, got=None)`   stop the check with a message.
`chk.passed()`   print the success line.

Rules every call obeys, so every exercise gets them without writing them:
* a function that raises fails with its error (the learner's own frames only, then the
  hint); `NotImplementedError` says which exercise is not written yet;
* in a visible check, a call that runs for CALL_SECONDS without finishing fails with a hint
  about loops that never end (where a timer can be set: the main thread, on Linux or macOS);
* the function receives copies of the arguments (arrays, tensors, lists, dicts, deeply), so
  the check's own values never change, and the copies must be unchanged after the call
  unless `modifies` names them (those are passed as they are); a generator's state may advance;
* the result must not be None, and must have the promised type: an array and not a list,
  a Python int and not a float or numpy integer, a Python float and not a 0-d array,
  the items of a list, tuple or dict as annotated;
* `close` and `equal` never raise on what came back (None, strings, ragged lists, objects
  whose comparison raises, values the grader could not read): they fail saying what came;
  values that differ are printed with enough digits to see the difference.

`@guarded` on a check function turns any other exception of the check's own code (it
indexed a result that was not what it assumed) into a `CheckFailed` that names what the
learner's function returned; every visible check and hidden test of an exercise carries it
(tests/test_checks.py holds that). In a notebook, a `CheckFailed` shows as one compact block
(IPython calls its `_render_traceback_`), never the check's source; `install_in_notebook()`
(run by `helpers.env.check_environment`, the first cell of every lesson) makes a cell that
calls an unfinished exercise, or reads a variable that an unfinished exercise kept a cell from
defining, say which exercise to finish.
"""

from __future__ import annotations

import contextlib
import contextvars
import dis
import functools
import inspect
import linecache
import math
import numbers
import signal
import sysconfig
import threading
import traceback
import types
import typing
from collections.abc import Callable
from typing import Any

import numpy as np

#: Modules whose frames are the course's own, never shown as the learner's code.
COURSE_MODULES = ("helpers", "autograder.hidden", "autograder.grading", "_autograder_codec")
LIBRARY_PATHS = tuple({sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")})
#: How many of the learner's innermost frames a crash shows.
MAX_FRAMES = 6
#: Seconds one call of the learner's function may run in a visible check: far more than any
#: case needs (the slowest visible check takes well under a second in all), so a call still
#: running then is a loop that never ends.
CALL_SECONDS = 10.0
RED, BOLD, RESET = "\x1b[1;31m", "\x1b[1m", "\x1b[0m"


class CheckFailed(AssertionError):
    """A check found a wrong answer; the message explains what and why.

    In IPython it shows as the message alone (after the learner's own frames when their
    code raised): `_render_traceback_` replaces the traceback through the check's code.
    """

    def _render_traceback_(self) -> list[str]:
        headline, *rest = str(self).splitlines() or [""]
        frames = learner_frames(self.__cause__) if self.__cause__ is not None else []
        rest = [f"{BOLD}Likely mistake:{RESET}{line[len('Likely mistake:'):]}"
                if line.startswith("Likely mistake:") else line for line in rest]
        return [f"{RED}{headline}{RESET}", *frames, *rest]


# ---------------------------------------------------------------------------------------
# The learner's own code in a traceback


def is_learner_frame(frame: types.FrameType) -> bool:
    """Whether a frame runs the learner's code: not the course's modules, not a library."""
    module = str(frame.f_globals.get("__name__", ""))
    if module.startswith(COURSE_MODULES):
        return False
    return not frame.f_code.co_filename.startswith(LIBRARY_PATHS)


def _frame_label(filename: str) -> str:
    """'Cell In[7]' for a notebook cell (IPython's own naming), else 'File <name>'."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        label = shell.compile.format_code_name(filename) if shell is not None else None
    except (ImportError, AttributeError):
        label = None
    return " ".join(label) if label else f"File {filename}"


def learner_frames(error: BaseException) -> list[str]:
    """The learner's frames of `error`'s traceback, innermost last, one source line each."""
    frames = [(frame, line) for frame, line in traceback.walk_tb(error.__traceback__)
              if is_learner_frame(frame)]
    lines = []
    if len(frames) > MAX_FRAMES:
        lines.append(f"  ... ({len(frames) - MAX_FRAMES} earlier calls in your code)")
    for frame, line in frames[-MAX_FRAMES:]:
        summary = traceback.FrameSummary(frame.f_code.co_filename, line, frame.f_code.co_name)
        lines.append(f"  {_frame_label(summary.filename)}, line {line}, in {summary.name}")
        if summary.line:
            lines.append(f"    {summary.line.strip()}")
    return lines


def unfinished_exercise(tb: types.TracebackType | None) -> str | None:
    """The learner's function that raised NotImplementedError (the innermost frame), if any."""
    frames = [frame for frame, _ in traceback.walk_tb(tb)]
    if frames and is_learner_frame(frames[-1]) and frames[-1].f_code.co_name != "<module>":
        return frames[-1].f_code.co_name
    return None


def unfinished_message(name: str) -> str:
    return (f"`{name}` is not written yet, and this cell uses it. Finish the exercise `{name}` "
            "first (replace `raise NotImplementedError()` with your code and run its cell and "
            "its check), then run this cell again.")


def undefined_message(variable: str, name: str) -> str:
    return (f"`{variable}` is not defined: the cell that computes it stopped because `{name}` was "
            f"not written yet. Finish the exercise `{name}` first (replace `raise "
            "NotImplementedError()` with your code and run its cell and its check), run the cell "
            f"that computes `{variable}` again, then this cell.")


#: Variables that a cell did not define because an unfinished exercise stopped it -> that
#: exercise (filled as such cells fail; read when a later cell finds the variable missing).
LEFT_UNDEFINED: dict[str, str] = {}


def _cell_frame(tb: types.TracebackType | None) -> types.FrameType | None:
    """The frame of the cell's own top-level code: the outermost learner frame at module level."""
    for frame, _ in traceback.walk_tb(tb):
        if frame.f_code.co_name == "<module>" and is_learner_frame(frame):
            return frame
    return None


def _names_assigned(frame: types.FrameType) -> set[str]:
    """The variables the whole cell of this frame assigns at top level (=, for, import, def,
    with ... as). IPython runs a cell statement by statement, so the frame's code may be one
    statement: the cell's source comes from linecache, where IPython keeps it."""
    source = "".join(linecache.getlines(frame.f_code.co_filename))
    try:
        code = compile(source, frame.f_code.co_filename, "exec")
    except (SyntaxError, ValueError):  # not the cell's Python source: the statement alone
        code = frame.f_code
    return {instruction.argval for instruction in dis.get_instructions(code)
            if instruction.opname == "STORE_NAME"}


def _show_unfinished(shell: Any, etype: type, value: BaseException, tb: Any,
                     tb_offset: int | None = None) -> None:
    """IPython's handler for NotImplementedError and NameError: when an unfinished exercise is
    the cause, name it, and remember the variables the failing cell leaves undefined."""
    if isinstance(value, NameError):
        variable = getattr(value, "name", None)
        name = LEFT_UNDEFINED.get(variable) if variable not in shell.user_ns else None
        message = undefined_message(variable, name) if name else ""
    else:
        name = unfinished_exercise(tb)
        message = unfinished_message(name) if name else ""
    if name is not None:
        cell = _cell_frame(tb)
        if cell is not None:
            for variable in _names_assigned(cell) - set(shell.user_ns):
                LEFT_UNDEFINED[variable] = name
        value._render_traceback_ = lambda: [f"{RED}{etype.__name__}{RESET}: {message}"]
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def install_in_notebook() -> None:
    """In IPython, show a NotImplementedError from an unfinished exercise as 'finish `name`',
    and a NameError of a variable that such an error left undefined as 'finish `name`' too."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((NotImplementedError, NameError), _show_unfinished)


# ---------------------------------------------------------------------------------------
# Values: how they are shown, compared, copied and checked against a promised type


def _is_tensor_type(kind: Any) -> bool:
    return getattr(kind, "__module__", "").startswith("torch") and hasattr(kind, "detach")


def is_tensor(value: Any) -> bool:
    """Whether `value` is a torch tensor (without importing torch)."""
    return _is_tensor_type(type(value))


def _as_numpy(value: Any) -> np.ndarray:
    """A tensor or array as a numpy array (raises TypeError/ValueError/RuntimeError if not one)."""
    return np.asarray(value.detach().cpu().numpy() if is_tensor(value) else value)


def _number(value: float, digits: int) -> str:
    """A float to `digits` significant digits, written as a float: 5.0 reads '5.0', not '5'."""
    text = f"{value:.{digits}g}"
    return text if any(mark in text for mark in ".enia") else f"{text}.0"


def _show(value: Any, digits: int = 4) -> str:
    """Render a value compactly for a feedback message, with `digits` significant digits."""
    if isinstance(value, np.ndarray) or is_tensor(value):
        try:
            array = _as_numpy(value)
        except (TypeError, ValueError, RuntimeError):
            return describe(value)
        text = np.array2string(array, precision=digits, suppress_small=digits <= 4, threshold=20,
                               separator=", " if array.dtype.kind in "US" else " ")
        return f"{text}  (shape {array.shape}{'' if array.dtype.kind in 'fiub' else f', {array.dtype}'})"
    if isinstance(value, float):
        return _number(value, max(digits, 6))
    text = repr(value)
    return text if len(text) <= 300 else f"{text[:300]}... ({describe(value)})"


def describe(value: Any) -> str:
    """What a value is, for a message: its type and shape, never more than a short repr."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"a bool ({value})"
    if isinstance(value, np.ndarray) or is_tensor(value):
        kind = "torch tensor" if is_tensor(value) else "numpy array"
        dtype = str(value.dtype).removeprefix("torch.")
        if not value.shape:
            return f"a 0-d {kind} ({dtype}), not a plain number"
        return f"a {kind} of shape {tuple(value.shape)} ({dtype})"
    if isinstance(value, np.generic):
        return f"a numpy {type(value).__name__} ({value!r})"
    if isinstance(value, (int, float)):
        return f"a Python {type(value).__name__} ({value!r})"
    if isinstance(value, (str, bytes)):
        text = repr(value)
        return f"a {type(value).__name__} {text if len(text) <= 60 else text[:60] + '...'}"
    if isinstance(value, (list, tuple, dict, set)):
        return f"a {type(value).__name__} of {len(value)} item{'s' if len(value) != 1 else ''}"
    if type(value).__name__ == "Unreadable":  # the grader's codec: not data it can read
        return repr(value)
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return f"the function {value.__name__}"
    return f"an object of type {type(value).__name__}"


def _is_data(value: Any) -> bool:
    """Whether a value reads well as itself in a message (numbers, strings, arrays, containers)."""
    data = (bool, int, float, str, bytes, list, tuple, dict, np.ndarray, np.generic)
    return value is None or isinstance(value, data) or is_tensor(value)


def _digits_to_tell_apart(got: np.ndarray, expected: np.ndarray) -> int:
    """Significant digits at which the largest difference between two arrays shows."""
    with np.errstate(all="ignore"):
        gaps, sizes = np.abs(got - expected), np.abs(expected)
    gaps, sizes = gaps[np.isfinite(gaps)], sizes[np.isfinite(sizes)]
    if not (gaps.size and sizes.size and gaps.max() > 0 and sizes.max() > 0):
        return 4
    return int(min(17, max(4, math.ceil(math.log10(sizes.max() / gaps.max())) + 2)))


def _copy(value: Any) -> Any:
    """A deep copy of the data in `value` (arrays, tensors, lists, tuples, dicts, sets), for the
    learner's function to receive: whatever it does to its arguments, the check's own values
    stay as they were. Anything else (numbers, strings, functions, generators whose state
    must advance from call to call) is the very same object."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if is_tensor(value):
        kind = type(value).__name__
        if kind not in ("Tensor", "Parameter"):
            return value
        copied = value.detach().clone().requires_grad_(value.requires_grad)
        return copied if kind == "Tensor" else type(value)(copied, requires_grad=value.requires_grad)
    if type(value) in (list, tuple):
        if all(type(v) in (int, float, str, bool) for v in value):
            return list(value) if type(value) is list else value
        return type(value)(_copy(v) for v in value)
    if type(value) is dict:
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (set, bytearray)):
        return value.copy()
    return value


def _unchanged(original: Any, given: Any) -> bool:
    """Whether `given` (the copy the learner's function received) still holds `original`'s data."""
    if given is original:  # not data, or an immutable value: nothing to compare
        return True
    if isinstance(original, np.ndarray):
        return (isinstance(given, np.ndarray) and given.shape == original.shape
                and given.dtype == original.dtype
                and bool(np.array_equal(given, original, equal_nan=original.dtype.kind in "fc")))
    if is_tensor(original):
        import torch

        return (is_tensor(given) and given.shape == original.shape and given.dtype == original.dtype
                and bool(torch.equal(given.detach(), original.detach())
                         or (original.is_floating_point() and torch.equal(
                             given.detach().nan_to_num(0.5), original.detach().nan_to_num(0.5)))))
    if isinstance(original, (list, tuple)):
        return (type(given) is type(original) and len(given) == len(original)
                and (_equal(given, original) or all(_unchanged(o, g) for o, g in zip(original, given))))
    if isinstance(original, dict):
        return (isinstance(given, dict) and given.keys() == original.keys()
                and all(_unchanged(original[key], given[key]) for key in original))
    if isinstance(original, float) and math.isnan(original):  # a copy of nan is another nan
        return isinstance(given, float) and math.isnan(given)
    return _equal(given, original)


def _equal(got: Any, expected: Any) -> bool:
    """got == expected, answered False instead of raising, and whole arrays compared."""
    try:
        if isinstance(got, np.ndarray) or is_tensor(got) or isinstance(expected, np.ndarray):
            got_array, expected_array = _as_numpy(got), np.asarray(expected)
            return got_array.shape == expected_array.shape and bool(np.array_equal(got_array, expected_array))
        same = got == expected
        return same if isinstance(same, bool) else bool(np.all(same)) and np.shape(same) != (0,)
    except Exception:  # a learner's object may raise anything when compared
        return False


def _type_name(annotation: Any) -> str:
    """How a promised type reads in a message."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(arg) for arg in args)
    names = {np.ndarray: "a numpy array", float: "a Python float", int: "a Python int",
             str: "a string", bytes: "bytes", bool: "a bool", type(None): "None"}
    if annotation in names:
        return names[annotation]
    if _is_tensor_type(annotation):
        return "a torch tensor"
    if origin is tuple and args and args[-1] is not Ellipsis:
        return f"a tuple of {len(args)} ({', '.join(_type_name(arg) for arg in args)})"
    if origin in (list, tuple, dict):
        return f"a {origin.__name__}"
    return f"a {getattr(annotation, '__name__', str(annotation))}"


#: The likely mistake for a result of the wrong type, by the type that was promised.
TYPE_HINTS = {
    np.ndarray: "build the result with numpy operations so that it is a numpy array (np.asarray(...) "
                "turns a list into one); a list has no .shape and no arithmetic on whole arrays.",
    float: "return a Python float: float(...) turns a numpy number, a 0-d array or a one-element "
           "tensor into one (.item() does too).",
    int: "return a Python int: int(...) (or .item() of a tensor), not a float or a numpy integer.",
    str: "return one string: \"\".join(...) of the pieces.",
    bytes: "return bytes (e.g. np.packbits(...).tobytes() or bytes(...)).",
    list: "return a list: list(...) of the items, or build it with .append.",
    tuple: "return a tuple of the results: `return a, b`.",
    dict: "return a dict.",
}


def _is_annotation_any(annotation: Any) -> bool:
    return annotation in (Any, inspect.Signature.empty, None) or annotation is _UNKNOWN


def type_mismatch(value: Any, annotation: Any, nested: bool = False) -> str | None:
    """None when `value` has the promised type; else where it differs, e.g. 'item 2 is a float'."""
    if _is_annotation_any(annotation):
        return None
    origin, args = typing.get_origin(annotation) or annotation, typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return None if any(type_mismatch(value, arg, nested) is None for arg in args) else ""
    if annotation is type(None):
        return None if value is None else ""
    if not isinstance(origin, type) or origin.__module__ == "collections.abc":
        return None  # Callable and other protocols: not checked
    if origin is float:
        fits = isinstance(value, numbers.Real if nested else (float, int)) and not isinstance(value, bool)
        return None if fits and not isinstance(value, np.ndarray) else ""
    if origin is int:
        fits = isinstance(value, numbers.Integral if nested else int) and not isinstance(value, bool)
        return None if fits else ""
    if not isinstance(value, origin):
        return ""
    if origin is tuple and args and args[-1] is not Ellipsis:
        if len(value) != len(args):
            return f"it holds {len(value)} items instead of {len(args)}"
        return _first_mismatch(enumerate(value), lambda i: args[i])
    if origin in (list, tuple) and args:
        return _first_mismatch(enumerate(value[:1000]), lambda i: args[0])
    if origin is dict and len(args) == 2:
        for key, item in list(value.items())[:1000]:
            if type_mismatch(key, args[0], nested=True) is not None:
                return f"the key {key!r} is {describe(key)}, not {_type_name(args[0])}"
            inner = type_mismatch(item, args[1], nested=True)
            if inner is not None:
                return f"the value of {key!r} is {describe(item)}, not {_type_name(args[1])}"
    return None


def _first_mismatch(items: Any, promised: Callable[[int], Any]) -> str | None:
    for i, item in items:
        if type_mismatch(item, promised(i), nested=True) is not None:
            return f"item {i} is {describe(item)}, not {_type_name(promised(i))}"
    return None


_UNKNOWN = object()


def _return_annotation(fn: Any) -> Any:
    """fn's return annotation, resolved, or _UNKNOWN (a proxy, a lambda, an unresolvable name).

    The return annotation alone is resolved: an argument's annotation may name a type that
    the module imports only for type checkers (`if TYPE_CHECKING:`)."""
    if not isinstance(fn, (types.FunctionType, types.MethodType)):
        return _UNKNOWN
    annotations = getattr(fn, "__annotations__", {})
    if "return" not in annotations:
        return _UNKNOWN
    only_return = types.SimpleNamespace(__annotations__={"return": annotations["return"]},
                                        __globals__=getattr(inspect.unwrap(fn), "__globals__", {}))
    try:
        return typing.get_type_hints(only_return)["return"]
    except Exception:  # a learner's annotation may name anything
        return _UNKNOWN


def _dtype_name(value: Any) -> str | None:
    dtype = getattr(value, "dtype", None)
    return None if dtype is None else str(dtype).removeprefix("torch.")


class TookTooLong(BaseException):
    """Raised inside the learner's function when a call has run out of time. Not an Exception,
    so that an `except Exception:` in the learner's own loop cannot swallow it."""


def _stop_the_call(signum: int, frame: types.FrameType | None) -> None:
    raise TookTooLong()


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Any:
    """Raise TookTooLong in the code of the `with` block once it has run for `seconds`.

    No limit (the block runs as it is) for None, where SIGALRM does not exist (Windows),
    outside the main thread (only it receives signals), or while another timer is set (an
    outer limit, or a test runner's own)."""
    if (not seconds or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()
            or signal.getitimer(signal.ITIMER_REAL) != (0.0, 0.0)):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _stop_the_call)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


# ---------------------------------------------------------------------------------------
# The check


#: The check functions running now (see `guarded`): each records its Check and the last result.
_RUNNING: contextvars.ContextVar[list | None] = contextvars.ContextVar("running_check", default=None)


class Check:
    """Checks one learner function, case by case (the module docstring lists the API).

    >>> chk = Check("relu", my_relu)
    >>> chk.returns((np.array([-1.0, 2.0]),), [0.0, 2.0],
    ...             case="one negative, one positive", hint="negatives become 0")
    >>> chk.passed()
    """

    def __init__(self, name: str, fn: Callable[..., Any], reveal: bool = True, *,
                 reference: Callable[..., Any] | None = None, returns: Any = _UNKNOWN,
                 modifies: bool | tuple[str, ...] = (), crash_hint: str | None = None) -> None:
        self.name = name
        self.fn = fn
        self.reveal = reveal  # hidden tests set False: messages then omit the expected values
        self.reference = reference
        self.modifies = modifies
        self.crash_hint = crash_hint
        self._returns = returns
        self._annotation: tuple[Any, Any] = (None, _UNKNOWN)  # (the function read, its annotation)
        self.count = 0
        running = _RUNNING.get()
        if running is not None and not running[0]:
            running[0].append(self)

    @property
    def promise(self) -> Any:
        """The promised type of every result: `returns`, else the reference's return
        annotation, else the learner's own (a stub carries the reference's signature)."""
        if self._returns is not _UNKNOWN:
            return self._returns
        source = self.reference or self.fn
        if self._annotation[0] is not source:
            self._annotation = (source, _return_annotation(source))
        return self._annotation[1]

    # -- calling the learner's function ------------------------------------------------

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the learner's function; a crash, a changed argument or a result of the wrong
        type becomes a failure (see the module docstring). Returns what came back."""
        return self.call(args, kwargs)

    def caller(self, *, case: str, hint: str) -> Callable[..., Any]:
        """The learner's function as a plain callable whose every call is this case (for a
        helper that calls it many times, e.g. to count random draws)."""
        return lambda *args, **kwargs: self.call(args, kwargs, case=case, hint=hint)

    def returns(self, args: tuple, expected: Any, *, case: str, hint: str, **tolerances: Any) -> Any:
        """Call the learner's function on `args` and compare with `expected` (see `close`).

        A crash on this case is reported with this case's hint. Returns what came back.
        """
        got = self.call(args, case=case, hint=hint)
        self.close(got, expected, case=case, hint=hint, **tolerances)
        return got

    def returns_exactly(self, args: tuple, expected: Any, *, case: str, hint: str) -> Any:
        """Call the learner's function on `args` and compare with `expected` exactly (see `equal`).

        A crash on this case is reported with this case's hint. Returns what came back.
        """
        got = self.call(args, case=case, hint=hint)
        self.equal(got, expected, case=case, hint=hint)
        return got

    def call(self, args: tuple, kwargs: dict | None = None, *, case: str = "",
             hint: str | None = None) -> Any:
        """`run` for one named case: a crash on it is reported with this case and its hint."""
        kwargs = kwargs or {}
        names = [*self._parameter_names(len(args)), *kwargs] if self.modifies else []
        values = (*args, *kwargs.values())
        given = [value if self.modifies is True or name in self.modifies else _copy(value)
                 for name, value in zip(names or [""] * len(values), values)]
        try:  # overflow in e^1000 is the point of some cases, not noise
            with np.errstate(all="ignore"), time_limit(CALL_SECONDS if self.reveal else None):
                result = self.fn(*given[:len(args)], **dict(zip(kwargs, given[len(args):])))
        except NotImplementedError as err:
            raise CheckFailed(self._not_written(err)) from None
        except CheckFailed:
            raise
        except TookTooLong as err:
            where = case or self._describe_call(args, kwargs)
            raise CheckFailed(f"`{self.name}` ran for {CALL_SECONDS:g} seconds on {where} without "
                              "finishing; the check stopped it.\nLikely mistake: "
                              "a loop that never ends: each pass of a `while` loop must bring it "
                              "closer to its end (an index that grows, a list that gets shorter, "
                              "a `break` that is reached).") from err
        except Exception as err:
            where = case or self._describe_call(args, kwargs)
            raise CheckFailed(f"`{self.name}` raised an error on {where}:\n  {_error_line(err)}\n"
                              f"Likely mistake: {hint or self._crash_hint()}") from err
        running = _RUNNING.get()
        if running is not None:
            running[1][:] = [result]
        self._arguments_unchanged(values, given, len(args), list(kwargs), case)
        self.promised(result, case=case)
        return result

    def _not_written(self, err: BaseException) -> str:
        inner = unfinished_exercise(err.__traceback__)
        if inner and inner != self.name.split()[0]:
            return (f"`{self.name}` calls `{inner}`, which is not written yet: finish `{inner}` "
                    "first, then run this check again.")
        return (f"`{self.name}` is not written yet: replace `raise NotImplementedError()` "
                "with your code, run that cell, then run this check again.")

    def _crash_hint(self) -> str:
        if self.crash_hint:
            return self.crash_hint
        doc = inspect.getdoc(self.reference or self.fn) or ""
        first = doc.strip().splitlines()[0] if doc.strip() else ""
        return ("compare each step of your code with what the docstring asks"
                + (f" (\u201c{first}\u201d)" if first else "") + ", for inputs like these.")

    def _parameter_names(self, count: int) -> list[str]:
        """The names of the first `count` positional parameters ('argument 3' past them)."""
        try:
            parameters = inspect.signature(self.reference or self.fn).parameters.values()
        except (TypeError, ValueError):
            parameters = []
        names = []
        for parameter in parameters:
            if parameter.kind not in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                break
            names.append(parameter.name)
        return [names[i] if i < len(names) else f"argument {i + 1}" for i in range(count)]

    def _describe_call(self, args: tuple, kwargs: dict) -> str:
        names = [*self._parameter_names(len(args)), *kwargs]
        values = [*args, *kwargs.values()]
        shown = [f"{name}={self._brief(value)}" for name, value in zip(names, values)]
        return "the call with " + (", ".join(shown) if shown else "no arguments")

    def _brief(self, value: Any) -> str:
        """A value as itself when it is short data the learner may see, else what it is."""
        text = _show(value) if self.reveal and _is_data(value) else ""
        return text if text and len(text) < 60 and "\n" not in text else describe(value)

    def _arguments_unchanged(self, values: tuple, given: list, n_args: int, keywords: list,
                             case: str) -> None:
        for i, (original, received) in enumerate(zip(values, given)):
            if not _unchanged(original, received):
                name = [*self._parameter_names(n_args), *keywords][i]
                self.count += 1
                self._stop(f"`{self.name}` changed its argument `{name}` ({describe(received)})"
                           + (f": {case}" if case else ""), _mutation_hint(name, received))

    def promised(self, result: Any, *, case: str = "") -> None:
        """Fail unless `result`, what the learner's function returned, is not None (unless the
        promise allows it) and has the promised type. `call` applies it to every result; a
        hidden test applies it to a result that came back inside a helper's report."""
        where = f" ({case})" if case else ""
        promise = self.promise
        if result is None and (_is_annotation_any(promise) or type_mismatch(None, promise) is not None):
            self._stop(f"`{self.name}` returned None{where}",
                       "end the function with `return <the result>`: a function without a "
                       "return statement gives None.")
        problem = type_mismatch(result, self.promise)
        if problem is not None:
            promised = _type_name(self.promise)
            detail = f" ({problem})" if problem else ""
            origin = typing.get_origin(self.promise) or self.promise
            hint = TYPE_HINTS.get(origin, f"return {promised}, as the docstring says.")
            if problem and origin in (list, tuple, dict):
                hint = f"return {promised} as the docstring says: {problem}."
            self._stop(f"`{self.name}` returned {describe(result)}{detail}; its docstring promises "
                       f"{promised}{where}", hint, got=result)

    # -- verdicts --------------------------------------------------------------------

    def _stop(self, headline: str, hint: str, got: Any = None) -> None:
        lines = [f"{headline}."]
        if self.reveal and got is not None:
            lines.append(f"  got: {_show(got)}")
        lines.append(f"Likely mistake: {hint}")
        raise CheckFailed("\n".join(lines))

    def fail(self, case: str, hint: str, expected: Any = None, got: Any = _UNKNOWN,
             digits: int = 4) -> None:
        """Stop the check with a message naming the case, the values and the likely mistake.

        Hidden tests (reveal=False) never show `expected`, and show only what kind of value
        came back (`got`, None included; leave it out when nothing came back to show).
        """
        lines = [f"`{self.name}` is not right yet: {case}."]
        if self.reveal and expected is not None:
            lines.append(f"  expected: {_show(expected, digits)}")
        if got is not _UNKNOWN:
            lines.append(f"  got:{' ' * 6 if self.reveal and expected is not None else ' '}"
                         f"{_show(got, digits) if self.reveal else describe(got)}")
        lines.append(f"Likely mistake: {hint}")
        raise CheckFailed("\n".join(lines))

    def true(self, condition: Any, *, case: str, hint: str, got: Any = _UNKNOWN) -> None:
        """Pass when `condition` holds."""
        self.count += 1
        try:
            holds = bool(condition)
        except Exception:  # an array's truth value, a learner's odd object
            holds = False
        if not holds:
            self.fail(case, hint, got=got)

    def equal(self, got: Any, expected: Any, *, case: str, hint: str) -> None:
        """Pass when `got == expected` exactly (labels, ids, shapes, strings, lists)."""
        self.count += 1
        if not _equal(got, expected):
            self.fail(case, hint, expected, got)

    def close(
        self, got: Any, expected: Any, *, case: str, hint: str, atol: float = 1e-6,
        rtol: float = 1e-5, shape_hint: str | None = None, dtype: Any = None,
    ) -> None:
        """Pass when `got` is numbers of the expected shape (and dtype) that match to the tolerances."""
        self.count += 1
        # numbers are shown as themselves (a Python float, not a 0-d array), the rest as arrays
        shown_expected = expected if isinstance(expected, numbers.Number) else None
        expected = np.asarray(expected, dtype=float)
        shown_expected = expected if shown_expected is None else shown_expected
        try:
            got_array = np.asarray(_as_numpy(got), dtype=float)
        except (TypeError, ValueError, RuntimeError, OverflowError):
            self.fail(case, "return numbers: a number, or a numpy array (a tensor where the "
                            "docstring says so) of the shape it states.", shown_expected, got)
        shown = got if _is_data(got) else got_array
        if got_array.shape != expected.shape:
            self.fail(case, shape_hint or f"the result should have shape {expected.shape}.",
                      shown_expected, shown)
        if dtype is not None and _dtype_name(got) not in _dtype_names(dtype):
            self.fail(case, f"the docstring asks for dtype {' or '.join(_dtype_names(dtype))}: "
                            f"this has {_dtype_name(got) or type(got).__name__}.", shown_expected, got)
        if not np.allclose(got_array, expected, atol=atol, rtol=rtol, equal_nan=False):
            self.fail(case, hint, shown_expected, shown, digits=_digits_to_tell_apart(got_array, expected))

    def has_shape(self, got: Any, shape: tuple, *, case: str, hint: str) -> None:
        """Pass when `got` is an array or tensor of this shape; a failure shows what came back."""
        self.count += 1
        if tuple(getattr(got, "shape", (None,))) != tuple(shape):
            self.fail(case, f"{hint} (expected shape {tuple(shape)})", got=got)

    def passed(self) -> None:
        """Report success."""
        print(f"✓ `{self.name}` passed {self.count} checks.")


def _dtype_names(dtype: Any) -> tuple[str, ...]:
    """'int64', np.int64, torch.float32 or a tuple of them, as dtype names."""
    if isinstance(dtype, tuple):
        return tuple(name for item in dtype for name in _dtype_names(item))
    if getattr(type(dtype), "__module__", "").startswith("torch"):
        return (str(dtype).removeprefix("torch."),)
    return (str(np.dtype(dtype)),)


def _error_line(err: BaseException) -> str:
    """'ValueError: message'; the grader's KernelError already carries the learner's error name."""
    try:
        text = str(err)
    except Exception:  # a learner's exception whose message itself fails
        text = "(its message could not be printed)"
    if type(err).__name__ == "KernelError":
        return text
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _mutation_hint(name: str, value: Any) -> str:
    """The likely mistake when the function changed the argument `name` in place."""
    if isinstance(value, list):
        return (f"build and return a new list instead of editing `{name}` in place (no "
                f"{name}.append, {name}[i] = ... or {name}.pop on it; copy it first with list({name}).")
    if isinstance(value, dict):
        return (f"return a new dict (and new arrays) and leave `{name}` and the arrays in it as they "
                f"were: no -= on them, no {name}[key] = ...")
    if is_tensor(value):
        return (f"work on a copy, {name}.clone(), so that `{name}` itself does not change: no in-place "
                f"operations on it ({name} /= ..., {name}[...] = ..., methods ending in _ such as "
                "requires_grad_).")
    return (f"return a new array and leave `{name}` as it was: no {name}[...] = ..., {name} -= ... "
            f"or out={name} on it; work on a copy ({name}.copy()) if you need to change one.")


def guarded(check: Callable[..., None]) -> Callable[..., None]:
    """Decorate a check function: a crash of its own code on what the learner's function
    returned (indexing a None, unpacking a number, reading a key that is not there)
    becomes a CheckFailed that says what came back, never a traceback of the check."""

    @functools.wraps(check)
    def guarded_check(*args: Any, **kwargs: Any) -> None:
        token = _RUNNING.set([[], []])
        try:
            check(*args, **kwargs)
        except CheckFailed:
            raise
        except Exception as err:
            checks, last = _RUNNING.get()
            if not checks:
                raise
            raise CheckFailed(_unreadable_message(checks[0], last, err)) from None
        finally:
            _RUNNING.reset(token)

    guarded_check.guarded = True  # type: ignore[attr-defined]
    return guarded_check


def _unreadable_message(chk: Check, last: list, err: Exception) -> str:
    """The message for a check that could not read what the learner's function returned."""
    got = last[0] if last else None
    shown = _show(got) if chk.reveal else describe(got)
    promised = "" if _is_annotation_any(chk.promise) else f" ({_type_name(chk.promise)})"
    return (f"`{chk.name}` returned something the check could not read: {shown}\n"
            f"  ({type(err).__name__}: {err})\n"
            f"Likely mistake: return what the docstring describes{promised}, with the shapes, "
            "lengths and keys it states.")
