"""Figures stated in a lesson's text, recomputed by the tests and matched to the text.

A test names the exact string the lesson's markdown shows, so a changed weight and a
changed sentence cannot drift apart silently.
"""

from __future__ import annotations

import nbformat

from autograder.build import all_lessons


def markdown_of(number: str) -> str:
    """All markdown text of lesson `number` ("01", "02", ...)."""
    lesson = next(lesson for lesson in all_lessons() if lesson.name.startswith(number))
    cells = nbformat.read(lesson.path, as_version=4).cells
    return "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")


def assert_stated(number: str, text: str, value: float, decimals: int) -> None:
    """The lesson's markdown shows `text`, and `value` rounds to it."""
    assert text in markdown_of(number), f"lesson {number} no longer states {text!r}"
    assert f"{value:.{decimals}f}" == text, f"lesson {number} states {text}, computed {value}"
