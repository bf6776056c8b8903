"""What every hidden test does: compare the learner's function with the reference.

    hidden_check(name, fn, **options)     a Check whose messages never show expected values
    agrees_with_reference(chk, reference, make_args, *, hint, trials=5, seed=0, atol=1e-6)
    agree(chk, got, expected, *, case, hint, atol=1e-6, rtol=1e-5)
    like_the_visible_calls(visible_check, reference)   a make_args from the visible check's calls
    run_through(chk, helper, *args, returns=Any, **kwargs)

`agree` compares any result with the reference's, item by item through tuples, lists and
dicts: the same kind of value first (an array and not a list, a tensor and not an array,
the same numeric dtype kind and float width), then the same values (to the tolerances for
numbers, exactly for ids, labels and strings). The engine's own rules (arguments left
unchanged, no None, the promised type, never a crash on what came back) apply to every call.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import io
from collections.abc import Callable
from typing import Any

import numpy as np

from helpers.checking import Check, is_tensor

#: Draws tried for arguments the reference accepts before the visible call is used as it was.
DRAWS = 20


def hidden_check(name: str, fn: Callable[..., Any], **options: Any) -> Check:
    """A `Check` whose failure messages do not reveal the hidden expected values.

    Options are Check's: reference= (its return annotation is the promised type),
    returns=, modifies=, crash_hint= (the hint when the learner's function raises).
    """
    return Check(f"{name} (hidden tests)", fn, reveal=False, **options)


def run_through(chk: Check, helper: Callable[..., Any], *args: Any, returns: Any = Any,
                **kwargs: Any) -> Any:
    """helper(the learner's function, *args, **kwargs); a crash is reported as `chk.run` does.

    `returns` is the promised type of what the helper returns: `chk.promise` for a helper that
    returns the learner's result as it came (default: anything but None). A helper that
    returns a report around the result leaves it to the test, `chk.promised(result, case=...)`.

    Under the course's grader the learner's function is a proxy to their kernel and every
    call is a trip there; the helper (a plain function that calls it many times, e.g. to
    count 3,000 random draws) is then sent to the kernel and runs in one trip.
    """
    calling = getattr(chk.fn, "calling", None)
    target = calling(helper) if calling else functools.partial(helper, chk.fn)
    through = Check(chk.name, target, reveal=chk.reveal, crash_hint=chk.crash_hint, returns=returns)
    return through.run(*args, **kwargs)


_EXACT = (str, bytes, bool, int, np.integer, np.bool_, type(None))


def _numeric(value: Any) -> bool:
    return isinstance(value, (float, int, np.number)) and not isinstance(value, (bool, np.bool_))


def _dtype(value: Any) -> tuple[str, str]:
    """(numpy dtype kind, dtype name) of an array or tensor: ('f', 'float32'); ('?', name) if odd."""
    name = str(value.dtype).removeprefix("torch.")
    try:
        return np.dtype(name).kind, name
    except TypeError:
        return "?", name


DTYPE_HINTS = {"b": "True/False values, e.g. from a comparison.",
               "f": "floating-point numbers of that width.",
               "i": "whole numbers (integers), not floats.", "u": "whole numbers (integers), not floats."}


def same_kind(chk: Check, got: Any, expected: Any, *, case: str) -> None:
    """Fail unless `got` is the kind of value `expected` is: container, numeric dtype kind, width."""
    if is_tensor(expected) or isinstance(expected, np.ndarray):
        tensor = is_tensor(expected)
        chk.true(is_tensor(got) if tensor else isinstance(got, np.ndarray), case=case, got=got,
                 hint=f"return a {'torch tensor' if tensor else 'numpy array'}, as the docstring says.")
        (expected_kind, expected_name), (got_kind, got_name) = _dtype(expected), _dtype(got)
        wrong_width = expected_kind == "f" and got_name != expected_name
        if expected_kind in DTYPE_HINTS and (got_kind != expected_kind or wrong_width):
            chk.fail(case, f"return values of dtype {expected_name} (this is {got_name}): "
                           f"{DTYPE_HINTS[expected_kind]}", got=got)
    elif isinstance(expected, float) and not isinstance(expected, np.floating):
        chk.true(isinstance(got, float), case=case, got=got,
                 hint="return a Python float: float(...) or .item() of a one-element array.")


def agree(chk: Check, got: Any, expected: Any, *, case: str, hint: str, atol: float = 1e-6,
          rtol: float = 1e-5) -> None:
    """Pass when `got` matches the reference's `expected`, through tuples, lists and dicts."""
    if isinstance(expected, (tuple, list)) and not all(isinstance(v, _EXACT) for v in expected):
        name = type(expected).__name__
        chk.true(type(got) is type(expected) and len(got) == len(expected), case=case,
                 got=got, hint=f"return a {name} of {len(expected)} items.")
        for got_item, expected_item in zip(got, expected):
            agree(chk, got_item, expected_item, case=case, hint=hint, atol=atol, rtol=rtol)
    elif isinstance(expected, dict):
        chk.true(isinstance(got, dict) and set(got) == set(expected), case=case, got=got,
                 hint=f"return a dict with the keys {sorted(map(str, expected))}.")
        for key in expected:
            agree(chk, got[key], expected[key], case=f"{case}, {key!r}", hint=hint, atol=atol, rtol=rtol)
    elif isinstance(expected, np.ndarray) and expected.dtype.kind in "USO":  # labels, words
        chk.true(isinstance(got, np.ndarray) and got.shape == expected.shape, case=case,
                 got=got, hint=f"return a numpy array of shape {expected.shape}.")
        chk.equal(got.tolist(), expected.tolist(), case=case, hint=hint)
    elif is_tensor(expected) or isinstance(expected, np.ndarray) or _numeric(expected):
        same_kind(chk, got, expected, case=case)
        chk.close(got, expected, case=case, hint=hint, atol=atol, rtol=rtol)
    else:
        chk.equal(got, expected, case=case, hint=hint)


def agrees_with_reference(
    chk: Check,
    reference: Callable[..., Any],
    make_args: Callable[[np.random.Generator], tuple],
    *,
    hint: str,
    trials: int = 5,
    seed: int = 0,
    atol: float = 1e-6,
    rtol: float = 1e-5,
) -> None:
    """Run learner and reference on `trials` seeded random argument tuples; results must `agree`.

    The reference gets deep copies and the learner's function copies of its own (the engine
    fails it for changing them). The reference's return annotation becomes the promised
    type, and `hint` the hint for a crash.
    """
    chk.reference = chk.reference or reference
    rng = np.random.default_rng(seed)
    cases = [make_args(rng) for _ in range(trials)]
    prefetch = getattr(chk.fn, "prefetch", None)
    if prefetch is not None:  # the course's grader: the calls below take one trip to the kernel
        prefetch(cases)
    for trial, args in enumerate(cases, start=1):
        with np.errstate(all="ignore"):  # the reference overflows to the right limit too
            expected = reference(*copy.deepcopy(args))
        case = f"hidden random case {trial} of {trials}"
        got = chk.call(args, case=case, hint=hint)
        agree(chk, got, expected, case=case, hint=hint, atol=atol, rtol=rtol)
    chk.passed()


def visible_calls(visible_check: Callable[[Callable[..., Any]], None],
                  reference: Callable[..., Any]) -> list[tuple]:
    """The positional arguments of every call the visible check makes, recorded while it
    checks the reference (what it prints is dropped; a keyword-only argument is not kept)."""
    signature, calls = inspect.signature(reference), []

    @functools.wraps(reference)
    def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append(copy.deepcopy(signature.bind(*args, **kwargs).args))
        return reference(*args, **kwargs)

    with contextlib.redirect_stdout(io.StringIO()):
        visible_check(recording)
    return calls


def like(value: Any, rng: np.random.Generator) -> Any:
    """A random value like `value`, of the same type and shape: each entry of a float array,
    a float tensor or a Python float is multiplied by a random factor between 0.5 and 2 (so
    signs and zeros stay), an integer or boolean array or tensor is shuffled (ids stay ids the
    function knows), tuples and lists are drawn item by item; anything else is kept."""
    if type(value) in (list, tuple):  # not a named tuple: its fields may mean something
        return type(value)(like(item, rng) for item in value)
    if isinstance(value, float):
        return value * float(rng.uniform(0.5, 2.0))
    array = value.detach().cpu().numpy() if is_tensor(value) else value
    if not isinstance(array, np.ndarray):
        return value
    if array.dtype.kind == "f":
        drawn = array * rng.uniform(0.5, 2.0, size=array.shape).astype(array.dtype)
    elif array.dtype.kind in "iub":
        drawn = rng.permutation(array.ravel()).reshape(array.shape)
    else:
        return value
    if is_tensor(value):
        import torch

        return torch.from_numpy(np.ascontiguousarray(drawn)).to(value.dtype)
    return drawn


def like_the_visible_calls(visible_check: Callable[[Callable[..., Any]], None],
                           reference: Callable[..., Any]) -> Callable[[np.random.Generator], tuple]:
    """A `make_args` for `agrees_with_reference` that needs no knowledge of the signature:
    each draw takes one of the visible check's calls at random and makes its arguments `like`
    them: the same shapes and kinds, new values. A draw the reference raises on is drawn
    again, and the visible call is used as it was after DRAWS of them.

    Use it where random values of the visible check's shapes are inputs the docstring allows;
    where the contract constrains the values (probabilities that sum to 1, sorted ids), write
    a make_args that draws what it allows."""
    calls = visible_calls(visible_check, reference)
    if not calls:
        raise ValueError(f"the visible check of {reference.__name__} never calls it: "
                         "nothing to make hidden arguments like")

    def make_args(rng: np.random.Generator) -> tuple:
        call = calls[int(rng.integers(len(calls)))]
        for _ in range(DRAWS):
            args = like(call, rng)
            try:
                with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                    reference(*copy.deepcopy(args))
            except Exception:  # not an input the reference accepts: draw again
                continue
            return args
        return copy.deepcopy(call)

    return make_args
