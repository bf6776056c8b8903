"""nbgrader preprocessors that keep plain `nbgrader autograde` + `generate_feedback` honest.

Both are configured in autograder/nbgrader_config.py, so every documented path (the course's
commands, plain nbgrader run from autograder/, the formgrader on a hub) uses them.

`RestoreHiddenTests` (Autograde, before OverwriteCells) removes the cause of nbgrader's false
"Attribute 'checksum' for cell test_... has changed!" warnings (nbgrader#1961).
`generate_assignment` records each test cell in the gradebook *with* its hidden tests and
checksums that source; the release drops the hidden-test region, so an untouched test cell
in a submission never matches the recorded checksum, and OverwriteCells reports a change on
every test cell of every submission (and restores the recorded source, which is how the
hidden tests get in). This preprocessor gives an untouched test cell (one whose source is
exactly the release's form of the recorded source) its recorded source first: its checksum
then matches and nothing is reported. A test cell the learner really edited still differs,
so OverwriteCells still warns about it and restores it, as before.

`ScrubFeedback` (GenerateFeedback) keeps the instructor's side out of what students read. A
graded cell whose hidden test is interrupted (a cell timeout, or an exception the checks do
not catch, such as a KeyboardInterrupt raised by the learner's code) shows IPython's full
traceback: the test cell's own lines (`### BEGIN HIDDEN TESTS` and the hidden call), frames
of autograder/hidden/*.py with their source, and the instructor's absolute paths. In graded
test cells this keeps only the learner's own frames (their cells) and the error line;
everywhere it turns the project's, the course directory's and the environment's absolute
paths into relative ones.
"""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

from autograder.gradebook import sqlite_file

PROJECT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: A traceback entry that starts a frame: IPython's "Cell In[7], line 5" or "File /x.py:25, in f",
#: or Python's plain 'File "/x.py", line 25, in f'.
FRAME = re.compile(r'^\s*(?:Cell In\[(?P<cell>\d+)\], line \d+'
                   r'|File "?(?P<file>[^"\n]+?)"?(?::\d+|, line \d+))')
OMITTED = "  (frames of the course's checks and hidden tests are not shown)"


# -- the checksum false alarm ----------------------------------------------------------------


def released_form(cell: NotebookNode, clearer: ClearHiddenTests) -> str:
    """A source cell's text as `generate_assignment` releases it: the hidden-test region removed."""
    released = copy.deepcopy(cell)
    clearer._remove_hidden_test_region(released)
    return released.source


class RestoreHiddenTests(NbGraderPreprocessor):
    """Give each untouched test cell its recorded source (with the hidden tests) before
    OverwriteCells compares checksums, so that only real edits are reported."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        meta = resources["nbgrader"]
        self.recorded = recorded_sources(meta["db_url"], meta["notebook"], meta["assignment"])
        self.clearer = ClearHiddenTests(parent=self)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        recorded = self.recorded.get(grade_id)
        if recorded is not None and recorded.source != cell.source and utils.is_grade(cell):
            if released_form(recorded, self.clearer).rstrip() == cell.source.rstrip():
                cell.source = recorded.source
        return cell, resources


def recorded_sources(db_url: str, notebook: str, assignment: str) -> dict[str, NotebookNode]:
    """grade id -> the source cell recorded by generate_assignment (as a minimal cell)."""
    with Gradebook(db_url) as gradebook:
        try:
            cells = gradebook.find_notebook(notebook, assignment).source_cells
        except MissingEntry:
            return {}
        return {cell.name: NotebookNode(cell_type=cell.cell_type, source=cell.source,
                                        metadata={"nbgrader": {"grade_id": cell.name, "grade": True}})
                for cell in cells}


# -- a cell copied in the notebook ----------------------------------------------------------


class ForgetDuplicateIds(NbGraderPreprocessor):
    """A learner who copies a test or answer cell copies its nbgrader metadata (grade id and
    all): keep the metadata on the last copy, as nbgrader's DeduplicateIds does, and make
    the other copies plain code cells. (DeduplicateIds leaves them an empty `nbgrader`
    entry, which nbgrader then rejects as "an old version of the nbgrader metadata format",
    failing the whole submission.) The exercise is graded once."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        seen: set[str] = set()
        for cell in reversed(nb.cells):
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id is None:
                continue
            if grade_id in seen:
                del cell.metadata["nbgrader"]
            seen.add(grade_id)
        return nb, resources


# -- what feedback may show ------------------------------------------------------------------


def instructor_roots(course: str = "", db_url: str = "") -> list[str]:
    """Absolute folders whose paths are the instructor's business, longest first, each with a
    trailing slash: site-packages, the course directory, a SQLite gradebook's folder, the
    project, the environment."""
    roots = {str(Path(p)) for p in sys.path if p.endswith("site-packages")}
    if course:
        roots.add(str(Path(course)))
    if (gradebook_file := sqlite_file(db_url)) is not None:
        roots.add(str(gradebook_file.parent))
    roots |= {str(PROJECT / "lessons"), str(PROJECT), sys.prefix, sys.base_prefix}
    return sorted((root.rstrip("/") + "/" for root in roots if len(root) > 1), key=len, reverse=True)


def relative_paths(text: str, roots: Iterable[str]) -> str:
    """`text` with every absolute path under one of `roots` made relative to it."""
    for root in roots:
        text = text.replace(root, "")
    return text


def learner_frames(traceback: list[str], own_cell: int | None) -> list[str]:
    """An IPython traceback with only the learner's frames: entries that start a frame in a
    cell other than the test cell itself (`own_cell`), and every entry that starts no frame
    (the header and the error line). Says so when frames were left out."""
    kept, omitted = [], False
    for entry in traceback:
        match = FRAME.match(ANSI.sub("", entry))
        if match is None or (match["cell"] is not None and int(match["cell"]) != own_cell):
            kept.append(entry)
        else:
            omitted = True
    if omitted:
        kept.insert(len(kept) - 1 if kept else 0, OMITTED)
    return kept


def scrub_output(output: NotebookNode, roots: list[str], own_cell: int | None, graded: bool) -> None:
    """Make one output safe to show a student (in place)."""
    if output.get("output_type") == "error":
        if graded:
            output["traceback"] = learner_frames(output.get("traceback", []), own_cell)
        output["traceback"] = [relative_paths(line, roots) for line in output.get("traceback", [])]
        output["evalue"] = relative_paths(output.get("evalue", ""), roots)
    elif output.get("output_type") == "stream":
        output["text"] = relative_paths(output.get("text", ""), roots)
    for mimetype, value in output.get("data", {}).items():
        if mimetype.startswith("text/") and isinstance(value, str):
            output["data"][mimetype] = relative_paths(value, roots)


class ScrubFeedback(NbGraderPreprocessor):
    """In feedback: graded test cells show only the learner's frames of a traceback; no output
    shows the instructor's absolute paths."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        self.roots = instructor_roots(CourseDirectory(config=self.config).root,
                                      resources.get("nbgrader", {}).get("db_url", ""))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        if cell.cell_type == "code":
            graded = utils.is_grade(cell) and not utils.is_solution(cell)
            for output in cell.outputs:
                scrub_output(output, self.roots, cell.get("execution_count"), graded)
        return cell, resources


def feedback_preprocessors() -> list[str]:
    """GenerateFeedback's chain for this course (autograder/nbgrader_config.py)."""
    return [
        "nbgrader.preprocessors.GetGrades",
        "autograder.grading.feedback.HideHiddenTests",
        "autograder.preprocessors.ScrubFeedback",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]


def autograde_sanitizers() -> list[str]:
    """Autograde's sanitize chain for plain `nbgrader autograde`: nbgrader's own, with
    ForgetDuplicateIds before DeduplicateIds and RestoreHiddenTests just before OverwriteCells."""
    return [
        "nbgrader.preprocessors.ClearOutput",
        "autograder.preprocessors.ForgetDuplicateIds",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "autograder.preprocessors.RestoreHiddenTests",
        "nbgrader.preprocessors.OverwriteCells",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
