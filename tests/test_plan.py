"""The grader's fast path (autograder/grading/plan.py): which cells a submission's grades
depend on, and when a submission must run every cell. Pure static reading: no kernel."""

from __future__ import annotations

import nbformat
import pytest

from autograder.grading.plan import SKIPPED_TEXT, plan_cells, suspect
from autograder.submissions import answered, reference_answers


def notebook(*cells: tuple[str, dict]) -> nbformat.NotebookNode:
    """A notebook of code cells: (source, nbgrader metadata or {})."""
    nb = nbformat.v4.new_notebook()
    for source, meta in cells:
        cell = nbformat.v4.new_code_cell(source)
        if meta:
            cell.metadata["nbgrader"] = meta
        nb.cells.append(cell)
    return nb


ANSWER = {"grade_id": "f", "solution": True, "grade": False}
TEST = {"grade_id": "test_f", "grade": True, "solution": False, "points": 1}
RELEASE = [
    ("import numpy as np\nfrom helpers.checks import lesson01 as check", {}),  # 0
    ("data = np.arange(3)", {}),  # 1
    ("def f(x):\n    raise NotImplementedError()", ANSWER),  # 2
    ("check.f(f)", TEST),  # 3
    ("import matplotlib.pyplot as plt\nplt.plot(f(data))", {}),  # 4: a plot: no grade needs it
    ("model = train(f, steps=10_000)", {}),  # 5: a training demo
]


def plan_for(answer: str, *extra: tuple[str, dict]):
    release = notebook(*RELEASE)
    cells = [(answer, ANSWER) if meta is ANSWER else (source, meta) for source, meta in RELEASE]
    return plan_cells(notebook(*cells[:3], *extra, *cells[3:]), release)  # extras: before the test


def test_cells_no_grade_reads_are_skipped() -> None:
    plan = plan_for("def f(x):\n    return np.asarray(x) * 2")
    assert plan.run == {0, 2, 3}


@pytest.mark.parametrize(("answer", "reason"), [
    ("def f(x):\n    return globals()['data']", "globals"),
    ("def f(x):\n    return eval('x')", "eval"),
    ("def f(x):\n    global calls\n    calls = 1\n    return x", "global calls"),
    ("def f(x, seen=[]):\n    seen.append(x)\n    return x", "mutable default"),
    ("def f(x):\n    return x * data", "reads the global `data`"),
    ("def f(x):\n    cache['x'] = x\n    return x", "changes the global `cache`"),
    ("%time def f(x): return x", "magic"),
    ("def f(x:\n", "does not parse"),
])
def test_learner_code_a_static_reading_cannot_follow_runs_every_cell(answer: str, reason: str) -> None:
    plan = plan_for(answer)
    assert plan.run is None and reason in plan.reason


def test_the_learners_own_cells_run_with_what_they_read() -> None:
    plan = plan_for("def f(x):\n    return x", ("print(f(data))", {}))
    assert plan.run == {0, 1, 2, 3, 4}  # the learner's cell (3) and `data` (1)


def test_a_cell_that_changes_what_a_graded_cell_reads_runs() -> None:
    release = notebook(("import numpy as np\nfrom helpers.checks import lesson01 as check", {}),
                       ("table = {}", {}), ("table['a'] = 1", {}),
                       ("def f(x):\n    raise NotImplementedError()", ANSWER),
                       ("check.f(f, table)", TEST), ("print(table)", {}))
    assert plan_cells(release, release).run == {0, 1, 2, 3, 4}


def test_errors_a_skipped_cell_could_explain_send_the_submission_to_a_full_run() -> None:
    name_error = nbformat.v4.new_output("error", ename="NameError", evalue="name 'data' is not defined",
                                        traceback=[])
    failed_check = nbformat.v4.new_output("error", ename="CheckFailed", evalue="dense: wrong shape",
                                          traceback=[])
    assert suspect([failed_check]) is None
    assert suspect([failed_check, name_error]).startswith("NameError")
    assert "not run" in SKIPPED_TEXT


def test_every_lessons_reference_takes_the_fast_path(lesson) -> None:
    """Every lesson's reference answers skip some cells and never fall back statically."""
    release = nbformat.read(lesson.path, as_version=4)
    plan = plan_cells(answered(lesson.path, reference_answers(lesson)), release)
    code = [i for i, cell in enumerate(release.cells) if cell.cell_type == "code"]
    assert plan.run is not None, plan.reason
    assert set(code) - plan.run, "no cell skipped"
