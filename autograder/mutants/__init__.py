"""Mutants: the wrong answers learners really write, one module per lesson.

Each mutant is a wrong answer to an exercise and the sentence its feedback must contain.
The tests put it in place of the reference answer and require two things: the exercise
loses its points, and the feedback contains that sentence (the hint that names the mistake).

A mistake of one line is written as one line: the reference with one fragment replaced,

    dense_without_bias = replaced(dense, "x @ W.T + b", "x @ W.T", "add the bias b")

(the fragment must occur exactly once in the reference's code, outside its docstring; a
fragment that does not is an error when the module is imported). A wrong answer that is a
different program is written out as a function:

    @mutant("relu", "return a new array")
    def relu_in_place(z):
        z[z < 0] = 0
        return z
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import linecache
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class Mutant:
    """A wrong answer to `exercise` and the hint that its feedback must contain."""

    exercise: str
    message: str
    fn: Callable[..., Any]
    #: A replaced mutant: the function it changes and the learner's code of the mutant.
    base: Callable[..., Any] | None = None
    code: str = ""
    #: The name it is bound to in its module (a replaced mutant's function is named like the exercise).
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.fn.__name__

    @property
    def source(self) -> str:
        """The mutant as a learner would type it in the exercise cell: `def <exercise>(...)`."""
        if self.code:
            return self.code
        code = textwrap.dedent(inspect.getsource(self.fn))
        code = code[code.index("def "):]  # drop the decorator
        return re.sub(r"^def \w+\(", f"def {self.exercise}(", code, count=1)

    def change(self) -> str:
        """A replaced mutant's difference from the function it changes, as a unified diff."""
        if self.base is None:
            return ""
        before = _learner_source(self.base, self.exercise).splitlines()
        lines = difflib.unified_diff(before, self.code.splitlines(), n=1, lineterm="")
        return "\n".join(line for line in lines if not line.startswith(("---", "+++", "@@")))


def mutant(exercise: str, message: str) -> Callable[[Callable[..., Any]], Mutant]:
    """Declare the decorated function a wrong answer to `exercise` whose feedback says `message`."""
    return lambda fn: Mutant(exercise, message, fn)


def _learner_source(fn: Callable[..., Any], exercise: str) -> str:
    code = textwrap.dedent(inspect.getsource(fn))
    return re.sub(r"^def \w+\(", f"def {exercise}(", code[code.index("def "):], count=1)


def _code_spans(source: str) -> list[tuple[int, int]]:
    """The character spans of a function's source outside its docstring."""
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    first = node.body[0]
    if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        return [(0, len(source))]
    starts = [0, *(i + 1 for i, ch in enumerate(source) if ch == "\n")]
    doc_start = starts[first.lineno - 1] + first.col_offset
    doc_end = starts[first.end_lineno - 1] + first.end_col_offset
    return [(0, doc_start), (doc_end, len(source))]


def replaced(base: Callable[..., Any], fragment: str, replacement: str, message: str, *,
             exercise: str | None = None) -> Mutant:
    """A wrong answer that is `base` (the reference, usually) with `fragment` replaced.

    `fragment` must occur exactly once in `base`'s code outside its docstring: otherwise
    this raises ValueError when the mutants' module is imported. `exercise` defaults to
    `base`'s name. The mutant runs in `base`'s module's namespace (a copy of it), so it
    calls what `base` calls; in a graded notebook it calls the learner's functions.
    """
    exercise = exercise or base.__name__
    where = f"{base.__module__}.{base.__qualname__}"
    source = _learner_source(base, exercise)
    spans = _code_spans(source)
    found = [start + i for start, end in spans
             for i in _occurrences(source[start:end], fragment)]
    if len(found) != 1:
        raise ValueError(
            f"replaced({where}, {fragment!r}, ...) for {exercise!r} ({message!r}): the fragment occurs "
            f"{len(found)} times in the code of {where} (its docstring left out); it must occur "
            "exactly once: " + ("quote more of its line" if found else "copy it from that code as written"))
    at, end = found[0], found[0] + len(fragment)
    line_start = source.rfind("\n", 0, at) + 1
    if fragment.endswith("\n"):  # the fragment ends its line
        line_end = end - 1
    else:
        line_end = source.find("\n", end) if "\n" in source[end:] else len(source)
    after = source[end:line_end] if line_end >= end else ""
    if "  # " in after or "  # " in fragment:  # the comment explains the reference, not the mistake
        after = after[:after.index("  # ")] if "  # " in after else ""
    line = source[line_start:at] + replacement + after
    code = (source[:line_start] + line.rstrip() + source[line_end:] if line.strip()
            else source[:line_start] + source[line_end + 1:])  # nothing left: the line goes
    filename = f"<mutant of {where}: {fragment!r} -> {replacement!r}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace = dict(base.__globals__)
    exec(compile(code, filename, "exec"), namespace)
    return Mutant(exercise, message, namespace[exercise], base=base, code=code)


def _occurrences(text: str, fragment: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(fragment), text)] if fragment else []


def mutants_of(module: ModuleType) -> list[Mutant]:
    """The mutants a lesson's module declares, in the order they are written, each named by
    the name it is bound to."""
    return [dataclasses.replace(value, label=key) if value.base is not None else value
            for key, value in vars(module).items() if isinstance(value, Mutant)]
