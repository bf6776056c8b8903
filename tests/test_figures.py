"""Every figure a lesson's text states is recomputed here and must match the text.

Each test names the exact string the lesson's markdown shows, so a changed weight or a
changed sentence cannot drift apart silently.
"""

from __future__ import annotations

import nbformat
import numpy as np

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


def test_lesson01_worked_neuron():
    from helpers.data import OBJECTS, toy_network

    from solutions.lesson01 import dense

    net = toy_network()
    first_neuron = net["W1"][:1]  # (1, 4)
    assert_stated("01", "-26.6", dense(OBJECTS["leaf"], first_neuron, [0.0])[0], 1)
    assert_stated("01", "-26.35", dense(OBJECTS["leaf"], first_neuron, net["b1"][:1])[0], 2)


def test_lesson01_verdicts_come_out_right():
    from helpers.data import OBJECTS, toy_network

    from solutions.lesson01 import classify, forward

    objects = list(OBJECTS)
    verdicts = classify(forward(np.stack(list(OBJECTS.values())), **toy_network()))
    assert dict(zip(objects, verdicts)) == {"leaf": "leaf", "flower": "flower",
                                            "sunflower": "flower"}
