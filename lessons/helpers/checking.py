"""The feedback engine behind every check in the course.

A check runs the learner's function on a few chosen inputs. The first case that
fails stops the check with a `CheckFailed` whose message says three things: which
case, what was expected and what came back, and the *likely mistake* (a hint written
for the wrong answer learners really write). Visible checks in the lessons and the
hidden tests in the autograder both use it, so a learner reads the same kind of
message in the notebook and in nbgrader's feedback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class CheckFailed(AssertionError):
    """A check found a wrong answer; the message explains what and why."""


def _show(value: Any) -> str:
    """Render a value compactly for a feedback message."""
    is_tensor = not isinstance(value, type) and hasattr(value, "detach") and hasattr(value, "numpy")
    if isinstance(value, np.ndarray) or is_tensor:
        array = np.asarray(value.detach().numpy() if hasattr(value, "detach") else value)
        text = np.array2string(array, precision=4, suppress_small=True, threshold=20)
        return f"{text}  (shape {array.shape})"
    return repr(value)


class Check:
    """Checks one learner function, case by case.

    >>> chk = Check("relu", my_relu)
    >>> chk.returns((np.array([-1.0, 2.0]),), [0.0, 2.0],
    ...             case="one negative, one positive", hint="negatives become 0")
    >>> chk.passed()
    """

    def __init__(self, name: str, fn: Callable[..., Any], reveal: bool = True) -> None:
        self.name = name
        self.fn = fn
        self.reveal = reveal  # hidden tests set False: messages then omit the values
        self.count = 0

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the learner's function; a crash becomes a failure that shows the learner's error."""
        return self._call(args, kwargs, case="", hint="check the shapes of the arrays you "
                          "combine (print `x.shape`).")

    def returns(self, args: tuple, expected: Any, *, case: str, hint: str, **tolerances: Any) -> Any:
        """Call the learner's function on `args` and compare with `expected` (see `close`).

        A crash on this case is reported with this case's hint. Returns what came back.
        """
        got = self._call(args, {}, case=case, hint=hint)
        self.close(got, expected, case=case, hint=hint, **tolerances)
        return got

    def _call(self, args: tuple, kwargs: dict, *, case: str, hint: str) -> Any:
        try:
            return self.fn(*args, **kwargs)
        except NotImplementedError:
            raise CheckFailed(
                f"`{self.name}` is not written yet: replace `raise NotImplementedError()` "
                "with your code, run that cell, then run this check again."
            ) from None
        except Exception as err:
            where = f" on {case}" if case else ""
            raise CheckFailed(
                f"`{self.name}` raised {type(err).__name__}{where}: {err}\n"
                "The traceback above points at the line in your code.\n"
                f"Likely mistake: {hint}"
            ) from err

    def fail(self, case: str, hint: str, expected: Any = None, got: Any = None) -> None:
        """Stop the check with a message naming the case, the values and the likely mistake."""
        lines = [f"`{self.name}` is not right yet: {case}."]
        if self.reveal and (expected is not None or got is not None):
            lines += [f"  expected: {_show(expected)}", f"  got:      {_show(got)}"]
        lines.append(f"Likely mistake: {hint}")
        raise CheckFailed("\n".join(lines))

    def true(self, condition: bool, *, case: str, hint: str, got: Any = None) -> None:
        """Pass when `condition` holds."""
        self.count += 1
        if not condition:
            self.fail(case, hint, got=got)

    def equal(self, got: Any, expected: Any, *, case: str, hint: str) -> None:
        """Pass when `got == expected` exactly (labels, ids, shapes, strings)."""
        self.count += 1
        if got != expected:
            self.fail(case, hint, expected, got)

    def close(
        self, got: Any, expected: Any, *, case: str, hint: str, atol: float = 1e-6,
        rtol: float = 1e-5, shape_hint: str | None = None,
    ) -> None:
        """Pass when `got` has the expected shape and matches it to the tolerances."""
        self.count += 1
        expected = np.asarray(expected, dtype=float)
        try:
            got_array = np.asarray(got.detach() if hasattr(got, "detach") else got, dtype=float)
        except (TypeError, ValueError):
            self.fail(case, "return a number or a numpy array.", expected, got)
        if got_array.shape != expected.shape:
            self.fail(case, shape_hint or f"the result should have shape {expected.shape}.",
                      expected, got_array)
        if not np.allclose(got_array, expected, atol=atol, rtol=rtol, equal_nan=False):
            self.fail(case, hint, expected, got_array)

    def passed(self) -> None:
        """Report success."""
        print(f"✓ `{self.name}` passed {self.count} checks.")
