"""What every hidden test does: compare the learner's function with the reference."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from helpers.checking import Check


def hidden_check(name: str, fn: Callable[..., Any]) -> Check:
    """A `Check` whose failure messages do not reveal the hidden expected values."""
    return Check(f"{name}" + " (hidden tests)", fn, reveal=False)


def run_through(chk: Check, helper: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """helper(the learner's function, *args, **kwargs); a crash is reported as `chk.run` does.

    Under the course's grader the learner's function is a proxy to their kernel and every
    call is a trip there; the helper (a plain function that calls it many times, e.g. to
    count 3,000 random draws) is then sent to the kernel and runs in one trip.
    """
    calling = getattr(chk.fn, "calling", None)
    target = calling(helper) if calling else functools.partial(helper, chk.fn)
    return Check(chk.name, target, reveal=chk.reveal).run(*args, **kwargs)


def agrees_with_reference(
    chk: Check,
    reference: Callable[..., Any],
    make_args: Callable[[np.random.Generator], tuple],
    *,
    hint: str,
    trials: int = 5,
    seed: int = 0,
    atol: float = 1e-6,
) -> None:
    """Run learner and reference on `trials` seeded random argument tuples; results must match.

    The learner gets deep copies, so a function that modifies its inputs cannot change
    what the reference sees. Tuples of results (e.g. (W, b)) are compared item by item.
    """
    rng = np.random.default_rng(seed)
    for trial in range(1, trials + 1):
        args = make_args(rng)
        expected = reference(*copy.deepcopy(args))
        got = chk.run(*copy.deepcopy(args))
        case = f"hidden random case {trial} of {trials}"
        if isinstance(expected, tuple):
            chk.true(isinstance(got, tuple) and len(got) == len(expected), case=case,
                     hint=f"return a tuple of {len(expected)} results.")
            for got_item, expected_item in zip(got, expected, strict=True):
                chk.close(got_item, expected_item, case=case, hint=hint, atol=atol)
        else:
            chk.close(got, expected, case=case, hint=hint, atol=atol)
    chk.passed()
