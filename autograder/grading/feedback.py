"""Feedback that does not leak the hidden tests.

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

import re

from nbgrader.preprocessors import NbGraderPreprocessor

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n?.*?### END HIDDEN TESTS", re.DOTALL)
PLACEHOLDER = "# (hidden tests run here, on inputs you have not seen: their verdict is below)"


class HideHiddenTests(NbGraderPreprocessor):
    """Replace hidden-test regions in the feedback with a placeholder comment."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and "BEGIN HIDDEN TESTS" in cell.source:
            cell.source = HIDDEN.sub(PLACEHOLDER, cell.source)
        return cell, resources
