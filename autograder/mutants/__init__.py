"""Mutants: the wrong answers learners really write, one module per lesson.

Each mutant is a function decorated with `@mutant(exercise, message)`. The tests put
it in place of the reference answer and require two things: the exercise loses its
points, and the feedback contains `message`, the sentence that names the mistake.
"""

from __future__ import annotations

import inspect
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

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def source(self) -> str:
        """The mutant as a learner would type it in the exercise cell: `def <exercise>(...)`."""
        code = textwrap.dedent(inspect.getsource(self.fn))
        code = code[code.index("def "):]  # drop the decorator
        return re.sub(r"^def \w+\(", f"def {self.exercise}(", code, count=1)


def mutant(exercise: str, message: str) -> Callable[[Callable[..., Any]], Mutant]:
    """Declare the decorated function a wrong answer to `exercise` whose feedback says `message`."""
    return lambda fn: Mutant(exercise, message, fn)


def mutants_of(module: ModuleType) -> list[Mutant]:
    """The mutants a lesson's module declares, in the order they are written."""
    return [value for value in vars(module).values() if isinstance(value, Mutant)]
