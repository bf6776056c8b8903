"""Feedback that names each exercise and does not leak the hidden tests.

`use_course_template(c)` (called by autograder/nbgrader_config.py) makes nbgrader's feedback
page name every test cell by its exercise ("Exercise `dense`") in the score summary and in
the cell's heading, where nbgrader's own template says "Test cell" and "Grade cell:
test_dense": templates/course_feedback/exercises.html.j2 extends nbgrader's feedback page.

Add to nbgrader's GenerateFeedback (autograder/nbgrader_config.py):

    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "autograder.grading.feedback.HideHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]

A graded cell's hidden-test region is replaced by one comment line; its outputs (pass/fail,
the points nbgrader shows, and the hidden test's teaching message, which never states the
expected values) stay.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbgrader
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.hidden import BEGIN_HIDDEN_TESTS, HIDDEN_TESTS_REGION

PLACEHOLDER = "# (hidden tests run here, on inputs you have not seen: their verdict is below)"
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: nbgrader's own templates (the course template extends its feedback/index.html.j2).
NBGRADER_TEMPLATES = Path(nbgrader.__file__).resolve().parent / "server_extensions/formgrader/templates"


def use_course_template(c: Any) -> None:
    """Set nbgrader's feedback exporter (a traitlets config `c`) to the course's template."""
    c.HTMLExporter.template_name = "course_feedback"  # its conf.json: based on nbgrader's "feedback"
    c.HTMLExporter.template_file = "exercises.html.j2"
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), str(NBGRADER_TEMPLATES)]


class HideHiddenTests(NbGraderPreprocessor):
    """Replace hidden-test regions in the feedback with a placeholder comment."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and BEGIN_HIDDEN_TESTS in cell.source:
            cell.source = HIDDEN_TESTS_REGION.sub(PLACEHOLDER + "\n", cell.source).rstrip("\n")
        return cell, resources
