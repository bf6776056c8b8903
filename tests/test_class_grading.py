"""`python -m autograder grade`: a whole class graded in parallel, sandboxed, nothing lost.

One module fixture builds lesson 01 in a temporary course, submits a class of ordinary
and hostile submissions (tests/submissions/lesson01/), grades it once with short limits
(5 s per cell), and each test checks one outcome.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import nbgrader
from autograder.build import ROOT, all_lessons, build
from autograder.gradebook import gradebook_url
from autograder.grading.cli import grade_class, write_csv
from autograder.grading.outcome import FAILED, GRADED, INVALID, MISSING, OTHER_LESSON, Options
from autograder.grading.sandbox import sandbox_available
from autograder.mutants import mutants_of
from autograder.submissions import mutant_answers, mutant_rounds, reference_answers, submit

SUBMISSIONS = Path(__file__).parent / "submissions" / "lesson01"
LESSON = next(lesson for lesson in all_lessons() if lesson.name.startswith("01_"))
OTHER = next(lesson for lesson in all_lessons() if lesson.name.startswith("02_"))
FULL = 8.0
DENSE = 2.0  # the points of test_dense

needs_sandbox = pytest.mark.skipif(not sandbox_available()[0],
                                   reason=f"no sandbox here: {sandbox_available()[1]}")


def code_submission(course: Path, student: str, case: str, port: int) -> None:
    """The reference answers, with a hostile snippet appended to (or replacing) one exercise."""
    text = (SUBMISSIONS / f"{case}.txt").read_text()
    text = (text.replace("{course}", str(course)).replace("{root}", str(ROOT))
            .replace("{port}", str(port)))
    mode, exercise = text.splitlines()[0].removeprefix("# ").split(": ")
    answers = reference_answers(LESSON)
    answers[exercise] = text if mode == "replace" else f"{answers[exercise]}\n\n{text}"
    submit(course, LESSON, student, answers)


def edit_notebook(course: Path, student: str, change) -> None:
    """Submit the reference answers with the notebook changed by `change(cells)`."""
    folder = submit(course, LESSON, student, reference_answers(LESSON))
    path = folder / LESSON.path.name
    notebook = nbformat.read(path, as_version=4)
    change(notebook.cells)
    nbformat.write(notebook, path)


def python_prints(code: str) -> str:
    """What a new Python process running `code` in the project's folder prints (stripped)."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return result.stdout.strip()


def cell_index(cells: list, name: str) -> int:
    return next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == name)


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Graded:
    def __init__(self, course: Path, outcomes: list) -> None:
        self.course = course
        self.outcomes = {o.student: o for o in outcomes}

    def grades(self, student: str) -> dict[str, float | None]:
        with Gradebook(gradebook_url(self.course)) as gb:
            submission = gb.find_submission_notebook(LESSON.name, LESSON.name, student)
            return {g.name: g.score for g in submission.grades}

    def total(self, student: str) -> float:
        return sum(score or 0 for score in self.grades(student).values())

    def notes(self, student: str) -> str:
        return "; ".join(self.outcomes[student].notes)

    def outputs(self, student: str) -> str:
        path = self.course / "autograded" / student / LESSON.name / LESSON.path.name
        notebook = nbformat.read(path, as_version=4)
        return "\n".join(json.dumps(out) for cell in notebook.cells if cell.cell_type == "code"
                         for out in cell.outputs)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    if not sandbox_available()[0]:
        pytest.skip(sandbox_available()[1])
    course = tmp_path_factory.mktemp("class")
    build(course, [LESSON])
    nbgrader.generate_assignment(course, LESSON.name)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    submit(course, LESSON, "reference", reference_answers(LESSON))
    submit(course, LESSON, "untouched", {})
    submit(course, LESSON, "mutants", mutant_answers(mutant_rounds(LESSON)[0]))
    for case in sorted(p.stem for p in SUBMISSIONS.glob("*.txt")):
        code_submission(course, case, case, port)

    edit_notebook(course, "deleted_test", lambda cells: cells.pop(cell_index(cells, "test_dense")))

    def duplicate(cells):  # a test cell pasted twice (same grade id)
        index = cell_index(cells, "test_dense")
        pasted = copy.deepcopy(cells[index])
        pasted["id"] = "pasted-test"
        cells.insert(index + 1, pasted)
    edit_notebook(course, "duplicated_test", duplicate)

    def edit(cells):  # a wrong dense, and a test cell that no longer tests it
        cells[cell_index(cells, "dense")].source = "def dense(x, W, b):\n    return x @ W.T\n"
        cells[cell_index(cells, "test_dense")].source = 'print("all good")'
    edit_notebook(course, "edited_test", edit)

    def retype(cells):  # deleted, then typed again by hand (no nbgrader metadata)
        index = cell_index(cells, "test_dense")
        cells[index] = nbformat.v4.new_code_cell(cells[index].source)
    edit_notebook(course, "retyped_test", retype)

    folder = submit(course, LESSON, "invalid_json", {})
    (folder / LESSON.path.name).write_text('{"cells": [ this is not json')
    folder = submit(course, LESSON, "missing_notebook", {})
    (folder / LESSON.path.name).unlink()
    folder = submit(course, LESSON, "other_lesson", {})
    shutil.copyfile(OTHER.path, folder / LESSON.path.name)

    before = tree_digest(course / "submitted")
    options = Options(course=course, timeout=5, total_timeout=25, memory_mb=1024,
                      max_output_chars=100_000, csv=course / "grades.csv")
    outcomes = grade_class([LESSON.name], options, workers=2, sandbox=True, progress=False)
    write_csv(options.csv, outcomes)
    listener.close()
    graded = Graded(course, outcomes)
    graded.submitted_before, graded.submitted_after = before, tree_digest(course / "submitted")
    return graded


@needs_sandbox
def test_the_class_is_graded_like_nbgrader(graded: Graded) -> None:
    assert graded.outcomes["reference"].status == GRADED
    assert graded.total("reference") == FULL and graded.notes("reference") == ""
    assert graded.total("untouched") == 0
    assert 0 < graded.total("mutants") < FULL or graded.total("mutants") == 0
    assert all(score == 0 for score in graded.grades("mutants").values())


@needs_sandbox
def test_no_submission_is_modified(graded: Graded) -> None:
    assert graded.submitted_after == graded.submitted_before


@needs_sandbox
def test_autograded_keeps_the_notebook_not_the_provided_files(graded: Graded) -> None:
    """The lesson's helpers/ reach kernels from one copy per worker: nbgrader does not copy
    them into each student's autograded/ folder (plain nbgrader would, twice)."""
    folder = graded.course / "autograded" / "reference" / LESSON.name
    assert (folder / LESSON.path.name).is_file()
    assert (graded.course / "release" / LESSON.name / "helpers").is_dir()
    assert not (folder / "helpers").exists()


def test_provided_files_are_copied_once_compiled_and_linked(tmp_path: Path) -> None:
    from autograder.grading.kernel import Scratch

    release = tmp_path / "release"
    (release / "helpers").mkdir(parents=True)
    (release / "helpers" / "tool.py").write_text("ANSWER = 42\n")
    (release / "data.csv").write_text("a,b\n")
    (release / "lesson.ipynb").write_text("{}")
    worker = tmp_path / "worker"
    first = Scratch(worker, "ada-lesson", None, release, {})
    provided = first.provided
    assert sorted(p.name for p in first.work.iterdir()) == ["data.csv", "helpers"]
    assert (first.work / "helpers").is_symlink() and (first.work / "data.csv").read_text() == "a,b\n"
    assert list((provided / "helpers" / "__pycache__").glob("tool.*.pyc"))
    assert oct((provided / "helpers" / "tool.py").stat().st_mode & 0o777) == "0o644"
    (release / "helpers" / "tool.py").write_text("ANSWER = 0\n")  # copied once: not seen again
    second = Scratch(worker, "bob-lesson", None, release, {})
    assert second.provided == provided
    assert "42" in (second.work / "helpers" / "tool.py").read_text()


def test_a_grading_process_copies_the_provided_files_before_its_first_submission(
        tmp_path: Path) -> None:
    """grade.warm_up, run while the worker imports: the lesson's provided files are in the
    worker's folder, compiled, before any submission needs them; a lesson whose release
    folder is missing costs nothing there (grading reports it, per submission)."""
    from autograder.grading.grade import warm_up

    release = tmp_path / "release" / "lesson"
    (release / "helpers").mkdir(parents=True)
    (release / "helpers" / "tool.py").write_text("ANSWER = 42\n")
    nbformat.write(nbformat.v4.new_notebook(), release / "lesson.ipynb")
    warm_up([tmp_path / "release" / "gone", release], tmp_path / "worker")
    provided = tmp_path / "worker" / ".provided" / "lesson"
    assert list((provided / "helpers" / "__pycache__").glob("tool.*.pyc"))
    assert not (tmp_path / "worker" / ".provided" / "gone").exists()


def test_the_command_compiles_the_validators_grading_uses_before_forking(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """grade.compile_validators: nbformat's strict and relaxed validators for the release's
    format are compiled once, in the command, for every grading process to inherit."""
    import nbformat.validator

    from autograder.grading.grade import compile_validators

    monkeypatch.setattr(nbformat.validator, "validators", {})
    release = tmp_path / "release" / "lesson"
    release.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), release / "lesson.ipynb")
    compile_validators([tmp_path / "release" / "gone", release])
    compiled = {key[1:] for key in nbformat.validator.validators}
    minor = nbformat.v4.nbformat_minor
    assert compiled == {(4, minor, False), (4, minor, True)}


def test_nbgrader_checks_each_metadata_schema_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """grade.check_schemas_once: nbgrader's cell-metadata checks build one validator per
    schema, and invalid metadata fails with the error jsonschema.validate gives."""
    import jsonschema
    import nbgrader.nbgraderformat.common as common
    from nbgrader.nbgraderformat import MetadataValidator

    from autograder.grading.grade import CheckedSchemas, check_schemas_once

    monkeypatch.setattr(common, "jsonschema", jsonschema)
    check_schemas_once()
    checked = []
    monkeypatch.setattr(jsonschema.Draft4Validator, "check_schema",
                        classmethod(lambda cls, schema: checked.append(schema)))
    validator = MetadataValidator()
    cell = nbformat.v4.new_code_cell(metadata={"nbgrader": {
        "grade": True, "grade_id": "test_dense", "locked": True, "points": 2,
        "schema_version": 3, "solution": False, "task": False}})
    for _ in range(3):
        validator.validate_cell(cell)
    assert isinstance(common.jsonschema, CheckedSchemas) and len(checked) == 1
    cell.metadata.nbgrader.points = "two"
    with pytest.raises(jsonschema.ValidationError) as ours:
        validator.validate_cell(cell)
    with pytest.raises(jsonschema.ValidationError) as theirs:
        jsonschema.validate(cell.metadata.nbgrader, validator.schema)
    assert ours.value.message == theirs.value.message


def test_the_collector_is_paused_only_inside() -> None:
    """worker.collector_paused: no garbage collection while the command and the workers
    import, and the collector on again after, even when an import fails (processes forked
    later inherit it)."""
    import gc

    from autograder.grading.worker import collector_paused

    with pytest.raises(ImportError), collector_paused():
        assert not gc.isenabled()
        raise ImportError("a broken installation")
    assert gc.isenabled()


def test_a_forked_kernels_manager_looks_up_no_kernel_spec(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker forks every kernel: its manager takes one fixed spec (Python, interrupted with
    a signal) instead of searching Jupyter's folders for the spec of a command never run."""
    from jupyter_client.kernelspec import KernelSpecManager

    from autograder.grading.kernel import FORKED_KERNEL_SPEC, Scratch, WorkerKernelManager

    def look_up(self: KernelSpecManager, name: str) -> None:
        raise AssertionError(f"the manager looked up the kernel spec {name!r}")

    monkeypatch.setattr(KernelSpecManager, "get_kernel_spec", look_up)
    release = tmp_path / "release"
    release.mkdir()
    scratch = Scratch(tmp_path / "worker", "ada-lesson", None, release, {})
    manager = WorkerKernelManager(worker=None, submission=scratch)
    assert manager.kernel_spec is FORKED_KERNEL_SPEC
    assert (manager.kernel_spec.language, manager.kernel_spec.interrupt_mode) == ("python", "signal")


def test_the_commands_leave_out_the_libraries_jsonschema_checks_formats_with() -> None:
    """`python -m autograder` keeps jsonschema from importing its string-format libraries
    (slow to import; no notebook schema has a format), and notebooks still validate."""
    report = ("import sys, nbformat; from autograder.__main__ import JSONSCHEMA_FORMAT_LIBRARIES as L; "
              "nbformat.validate(nbformat.v4.new_notebook()); "
              "print(sorted(name for name in L if sys.modules.get(name)))")

    def loaded(first: str) -> list[str]:
        return json.loads(python_prints(f"{first}; {report}").replace("'", '"'))

    assert loaded("import jsonschema"), "jsonschema imports none of them: nothing to leave out"
    assert loaded("import autograder.__main__") == []


def test_the_grading_command_leaves_out_nbgraders_server_extensions() -> None:
    """cli.leave_out_server_extensions: nbgrader imports, and grades, without its server
    extensions and jupyter_server's web handlers; in a process that has imported nbgrader
    already, it changes nothing."""
    leave_out = "from autograder.grading.cli import leave_out_server_extensions as leave_out"
    report = ("import autograder.grading.grade; from nbgrader.converters import Autograde; "
              "print('jupyter_server' in sys.modules)")

    def served(first: str) -> str:
        return python_prints(f"import sys; {first}; {report}")

    assert served("pass") == "True", "nbgrader no longer imports jupyter_server: nothing to leave out"
    assert served(f"{leave_out}; leave_out()") == "False"
    assert served(f"import nbgrader; {leave_out}; leave_out()") == "True"


def test_a_grading_process_opens_each_gradebook_with_one_engine_and_checks_its_tables_once(
        graded: Graded, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbgrader.api

    from autograder.gradebook import reuse_connections

    metadata = nbgrader.api.Base.metadata
    created = []  # the engines whose tables were checked (and created if missing)

    def create_all(bind, **options) -> None:
        created.append(bind)
        type(metadata).create_all(metadata, bind, **options)

    for name in ("create_engine", "inspect"):  # restored after the test
        monkeypatch.setattr(nbgrader.api, name, getattr(nbgrader.api, name))
    monkeypatch.setattr(metadata, "create_all", create_all)
    url = gradebook_url(graded.course)
    with Gradebook(url) as one, Gradebook(url) as two:
        assert one.engine is not two.engine
    assert created == [one.engine, two.engine]
    reuse_connections()
    reuse_connections()  # twice is once
    created.clear()
    with Gradebook(url) as one, Gradebook(url) as two:
        assert one.engine is two.engine
        assert one.find_student("reference").id == "reference"
    with Gradebook(url) as three:
        assert three.find_student("reference").id == "reference"
    assert created == [one.engine]


def test_a_grading_process_holds_the_lock_while_a_gradebook_is_open(
        graded: Graded, monkeypatch: pytest.MonkeyPatch) -> None:
    """The grading processes take turns at the gradebook (SQLite has one writer at a time):
    a process holds the shared lock exactly while it has a gradebook open, gives it back if
    opening fails, and, at the end of a submission, for a gradebook a failed step left open."""
    from autograder.gradebook import TURNS, Turns, end_turn, take_turns

    for name in ("__init__", "close"):
        monkeypatch.setattr(Gradebook, name, getattr(Gradebook, name))  # restored after
    monkeypatch.setattr(Gradebook, "takes_turns", False, raising=False)
    for name, value in vars(Turns()).items():
        monkeypatch.setattr(TURNS, name, value)
    lock = threading.RLock()

    def held() -> bool:  # by this thread: another one cannot take it
        free = []
        probe = threading.Thread(target=lambda: free.append(lock.acquire(blocking=False)
                                                            and (lock.release() or True)))
        probe.start()
        probe.join()
        return not free[0]

    take_turns(lock)
    take_turns(lock)  # twice is once
    url = gradebook_url(graded.course)
    assert not held()
    with Gradebook(url) as outer:
        assert held()
        with Gradebook(url):
            assert held()
        assert held() and outer.find_student("reference").id == "reference"
    assert not held()
    with pytest.raises(Exception):  # noqa: B017 (SQLAlchemy's error, whichever it is)
        Gradebook(f"sqlite:///{graded.course}/no/such/folder/gradebook.db")
    assert not held()
    left_open = Gradebook(url)
    assert held()
    end_turn()
    assert not held()
    left_open.close()  # its turn was given back already
    assert not held()


def test_grade_finds_its_lessons_without_loading_nbgrader(tmp_path: Path) -> None:
    """Loading nbgrader takes most of a second: `grade` finds the lessons by their release/
    folders first, so that its sandboxes start and load their modules meanwhile."""
    (tmp_path / "release" / LESSON.name).mkdir(parents=True)
    code = ("import sys; from pathlib import Path; from autograder.instructor import released_lessons; "
            f"print(released_lessons(Path({str(tmp_path)!r}), ['01'], by_folder=True), "
            "'nbgrader' in sys.modules)")
    assert python_prints(code) == f"['{LESSON.name}'] False"


def test_a_lesson_missing_from_the_gradebook_stops_the_command_before_grading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`grade` takes lessons by their release/ folders (so that its sandboxes start at once);
    a lesson there that the gradebook does not hold stops it, saying which and where."""
    from autograder.gradebook import GradebookError
    from autograder.grading.cli import prepare_gradebook

    monkeypatch.setenv("PATH", f"{nbgrader.BIN}{os.pathsep}{os.environ['PATH']}")  # alembic
    (tmp_path / "release" / LESSON.name).mkdir(parents=True)
    (tmp_path / "submitted" / "ada" / LESSON.name).mkdir(parents=True)
    options = Options(course=tmp_path)
    with pytest.raises(GradebookError, match=f"gradebook sqlite:///.*db has no lesson {LESSON.name}"):
        prepare_gradebook(options, [(LESSON.name, "ada")])
    with Gradebook(gradebook_url(tmp_path)) as gradebook:
        assert gradebook.students == []  # nothing registered
    assert options.db_url == ""


@needs_sandbox
def test_grade_table_has_a_status_per_student(graded: Graded) -> None:
    rows = {row["student"]: row for row in csv.DictReader(open(graded.course / "grades.csv"))}
    assert set(rows) == set(graded.outcomes)
    assert rows["reference"]["status"] == "graded" and rows["reference"]["score"] == "8"
    assert rows["untouched"]["status"] == "graded" and rows["untouched"]["score"] == "0"
    assert rows["invalid_json"]["status"] == "not gradable (invalid notebook)"
    assert rows["invalid_json"]["score"] == "0"  # what nbgrader's export will say, too
    assert rows["missing_notebook"]["status"] == "not gradable (missing notebook)"
    assert rows["other_lesson"]["status"] == "not gradable (notebook of another lesson)"


@needs_sandbox
@pytest.mark.parametrize(("student", "status"), [
    ("invalid_json", INVALID), ("missing_notebook", MISSING), ("other_lesson", OTHER_LESSON)])
def test_ungradable_notebooks_are_recorded_as_zero(graded: Graded, student: str, status: str) -> None:
    assert graded.outcomes[student].status == status
    assert graded.total(student) == 0  # in the gradebook, as nbgrader records a missing notebook


@needs_sandbox
def test_infinite_loop_in_a_graded_function(graded: Graded) -> None:
    grades = graded.grades("loop_in_function")
    assert grades["test_dense"] == 0 and grades["test_relu"] > 0
    assert "cell timeout" in graded.notes("loop_in_function")


@needs_sandbox
def test_an_answer_cell_that_never_finishes_earns_nothing_for_its_exercise(graded: Graded) -> None:
    """A loop after a right answer: the answer cell never finishes, so its exercise earns
    nothing (plain nbgrader gives full marks); the other exercises are graded as usual."""
    grades = graded.grades("loop_after_answer")
    assert grades["test_dense"] == 0
    assert graded.total("loop_after_answer") == FULL - DENSE
    assert "answer cell dense did not finish within 5 s" in graded.notes("loop_after_answer")
    assert "this exercise earns nothing" in graded.outputs("loop_after_answer")


@needs_sandbox
def test_a_duplicated_test_cell_is_graded_once(graded: Graded) -> None:
    assert graded.outcomes["duplicated_test"].status == GRADED
    assert graded.total("duplicated_test") == FULL  # never above the maximum
    notes = graded.notes("duplicated_test")
    assert "test cell test_dense appears 2 times (the last copy is graded, once)" in notes
    assert "old version" not in notes


@needs_sandbox
def test_a_kernel_that_dies_after_its_cell_is_named_by_the_cell_running(graded: Graded) -> None:
    notes = graded.notes("exits_from_a_thread")
    assert graded.outcomes["exits_from_a_thread"].status == GRADED
    assert "kernel died (cell" in notes, notes
    assert graded.grades("exits_from_a_thread")["test_dense"] == DENSE


def test_a_kernel_death_names_the_cell_it_died_in_not_where_it_was_noticed() -> None:
    """The worker's clock of the death picks the cell that was running then."""
    from autograder.grading.execute import CONTEXT, SandboxedExecute

    class Worker:
        def call(self, op: str) -> dict:
            return {"status": -9, "died_at": 11.5}

    execute = SandboxedExecute()
    execute.started = {13: 10.0, 14: 11.0, 17: 12.0}
    saved = CONTEXT.worker
    CONTEXT.worker = Worker()
    try:
        assert execute.cell_running_at_death(17) == 14
    finally:
        CONTEXT.worker = saved


def test_slow_output_is_a_notice_not_a_cell_timeout(monkeypatch) -> None:
    """nbclient's "Timeout waiting for IOPub output" comes after the cell's reply: the cell
    finished, so it is graded on what arrived, with a note that is not "cell timeout"."""
    from nbclient.exceptions import CellTimeoutError
    from nbconvert.preprocessors import ExecutePreprocessor

    from autograder.grading.execute import CONTEXT, SandboxedExecute

    def slow(self, cell, resources, index):
        cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text="partial"))
        raise CellTimeoutError("Timeout waiting for IOPub output")

    monkeypatch.setattr(ExecutePreprocessor, "preprocess_cell", slow)
    monkeypatch.setattr(CONTEXT, "notes", [])
    execute = SandboxedExecute()
    execute.started = {}
    cell = nbformat.v4.new_code_cell("print('x' * 10**8)")
    execute.execute_with_hidden_tests(cell, {}, 3, {})
    assert not [o for o in cell.outputs if o.output_type == "error"]
    assert "slow output" in CONTEXT.notes[0] and "cell timeout" not in "; ".join(CONTEXT.notes)


@needs_sandbox
def test_memory_bomb(graded: Graded) -> None:
    assert "memory limit (cell" in graded.notes("memory_bomb")
    assert graded.outcomes["memory_bomb"].status == GRADED


@needs_sandbox
def test_fork_bomb(graded: Graded) -> None:
    notes = graded.notes("fork_bomb")
    assert "processes started by the submission were stopped" in notes and "cell timeout" in notes
    assert "os.fork refused" in graded.outputs("fork_bomb")
    assert graded.total("fork_bomb") == FULL - DENSE  # its answer cell never finished


@needs_sandbox
def test_processes_do_not_outlive_grading(graded: Graded) -> None:
    assert "1 processes started by the submission were stopped" in graded.notes("daemon")
    assert "sleep 600" in graded.notes("daemon")
    assert graded.total("daemon") == FULL
    table = subprocess.run(["ps", "-eo", "uid=,args="], capture_output=True, text=True).stdout
    sandboxed = [line for line in table.splitlines() if int(line.split()[0]) >= 200_000]
    assert not [line for line in sandboxed if "sleep 600" in line]  # kernels' uids: 200000+


@needs_sandbox
def test_sys_exit_is_an_error_in_its_cell_only(graded: Graded) -> None:
    assert "sys.exit() called" in graded.notes("sys_exit")
    assert graded.total("sys_exit") == FULL


@needs_sandbox
@pytest.mark.parametrize(("student", "earned"), [("os_exit", {"test_dense"}),
                                                 ("killed_kernel", {"test_dense", "test_relu"})])
def test_dead_kernel_keeps_the_grades_before_it(graded: Graded, student: str, earned: set) -> None:
    assert "kernel died (cell" in graded.notes(student)
    grades = graded.grades(student)
    assert {name for name, score in grades.items() if score} == earned
    assert "not run: the kernel died" in graded.outputs(student)


@needs_sandbox
@pytest.mark.parametrize("student", ["deleted_test", "retyped_test"])
def test_deleted_or_retyped_test_cell_is_restored(graded: Graded, student: str) -> None:
    kind = "deleted" if student == "deleted_test" else "re-typed"
    assert f"test cell {kind}: test_dense (restored)" in graded.notes(student)
    assert graded.total(student) == FULL


@needs_sandbox
def test_edited_test_cell_is_restored(graded: Graded) -> None:
    assert "test cell edited: test_dense (restored)" in graded.notes("edited_test")
    assert graded.grades("edited_test")["test_dense"] == 0


@needs_sandbox
def test_patching_the_checks_does_not_fool_the_hidden_tests(graded: Graded) -> None:
    assert graded.grades("patches_checks")["test_dense"] == 0
    assert "dense (hidden tests)" in graded.outputs("patches_checks")


def errors(graded: Graded, student: str) -> list[tuple[str, str, str]]:
    """(test cell or "", exception name, what the learner reads) of every error in a student's
    autograded notebook, in order, ANSI colours removed."""
    path = graded.course / "autograded" / student / LESSON.name / LESSON.path.name
    notebook = nbformat.read(path, as_version=4)
    return [(cell.metadata.get("nbgrader", {}).get("grade_id", ""), out.ename,
             re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(out.traceback)))
            for cell in notebook.cells if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "error"]


def check_source_lines() -> set[str]:
    """The longer lines of the checks' own code (lesson 01's checks and the check engine)."""
    lines = set()
    for path in [ROOT / "lessons" / "helpers" / "checking.py",
                 ROOT / "lessons" / "helpers" / "checks" / "lesson01.py"]:
        lines |= {line.strip() for line in path.read_text().splitlines() if len(line.strip()) > 12}
    return lines


@needs_sandbox
def test_a_failed_check_shows_one_compact_block(graded: Graded) -> None:
    """In the graded notebook a failed check reads as one block, never a traceback through the
    check's code: the exercise and the case, expected and got, the likely mistake; when the
    learner's code raised, their own frames, one source line each. Any other error keeps
    Python's compact traceback (the grading kernel's xmode is Plain: IPython's default
    highlights lines around every frame, slowly)."""
    first_mutant = next(m for m in mutants_of(LESSON.mutants()) if m.exercise == "dense")
    source = check_source_lines()

    cell, ename, text = next(e for e in errors(graded, "mutants") if e[0] == "test_dense")
    assert ename == "CheckFailed"
    assert text.startswith("`dense` is not right yet: "), text
    lines = text.splitlines()
    assert lines[1].startswith("  expected: ") and lines[2].startswith("  got: "), text
    assert first_mutant.message in text.split("\nLikely mistake: ", 1)[1], text
    assert "Traceback" not in text and "File " not in text and "checking.py" not in text
    assert [line for line in lines if line.strip() in source] == []

    failed = [e for e in errors(graded, "raises_in_helper") if e[1] == "CheckFailed"]
    cell, ename, text = failed[0]
    assert cell == "test_relu" and text.startswith("`relu` raised an error on "), text
    assert "IndexError" in text and "Likely mistake: " in text
    assert re.search(r"Cell In\[\d+\], line \d+, in relu\n +return keep_positive\(z\)\n"
                     r".*, in keep_positive\n +return z\[len\(z\)\]", text), text
    assert "Traceback" not in text and "File " not in text and "checking.py" not in text
    assert [line for line in text.splitlines() if line.strip() in source] == []

    plain = next(text for cell, ename, text in errors(graded, "raises_in_helper")
                 if cell == "relu" and ename == "IndexError")  # the answer cell tries relu once
    assert plain.startswith("Traceback (most recent call last):"), plain
    assert "---->" not in plain and "return z[len(z)]" in plain


@needs_sandbox
def test_no_secrets_no_writes_no_network(graded: Graded) -> None:
    printed = graded.outputs("reads_and_writes")
    assert "blocked read" in printed and "blocked write" in printed and "blocked connect" in printed
    assert "LEAKED" not in printed
    assert not list(graded.course.rglob("pwned.txt")) and not (ROOT / "pwned.txt").exists()
    assert graded.total("reads_and_writes") == FULL


@needs_sandbox
def test_the_sandbox_shows_only_its_allowlist(graded: Graded) -> None:
    """Student code sees the system's programs and libraries, the few files of /etc that
    Python's libraries read, the Python installation and its own worker's folder (not the
    other slot's, though both workers share a sandbox): the submission lists every path it can
    see, outside those trees, and that is all of them. Its network is empty, loopback too."""
    from autograder.grading.sandbox import ALLOWED_ETC, SYSTEM_LINKS

    path = graded.course / "autograded" / "lists_what_it_can_read" / LESSON.name / LESSON.path.name
    printed = "".join(out.get("text", "") for cell in nbformat.read(path, as_version=4).cells
                      if cell.cell_type == "code" for out in cell.outputs)
    lines = printed.splitlines()
    worker = next(line.split(" ", 1)[1] for line in lines if line.startswith("WORKER "))
    visible = {line.split(" ", 1)[1] for line in lines if line.startswith("VISIBLE ")}

    def chain(path: str) -> set[str]:  # the path and its parents
        return {str(p) for p in [Path(path), *Path(path).parents] if p != Path("/")}

    expected = {"/usr", "/etc", "/dev", "/proc", "/tmp"}
    expected |= {f"/{name}" for name in SYSTEM_LINKS if os.path.lexists(f"/{name}")}
    expected |= {f"/etc/{name}" for name in ALLOWED_ETC if os.path.exists(f"/etc/{name}")}
    for prefix in (sys.prefix, os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)):
        expected |= chain(prefix)
    expected |= chain(worker)
    assert visible == expected, (sorted(visible - expected), sorted(expected - visible))
    assert str(ROOT) not in "\n".join(visible - chain(sys.prefix))
    assert "LOOPBACK refused: " in printed, printed[-300:]
    assert graded.total("lists_what_it_can_read") == FULL


@needs_sandbox
def test_huge_output_is_truncated(graded: Graded) -> None:
    assert "output truncated" in graded.notes("huge_output")
    path = graded.course / "autograded" / "huge_output" / LESSON.name / LESSON.path.name
    assert path.stat().st_size < 2_000_000
    unfinished = "answer cell dense did not finish" in graded.notes("huge_output")  # 5 s here
    assert graded.total("huge_output") == (FULL - DENSE if unfinished else FULL)


@needs_sandbox
def test_feedback_shows_verdicts_not_hidden_tests(graded: Graded) -> None:
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(graded.course)
    config.CourseDirectory.assignment_id = LESSON.name
    config.CourseDirectory.student_id = "mutants"
    config.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades", "autograder.grading.feedback.HideHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
    converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    converter.start()
    html = (graded.course / "feedback" / "mutants" / LESSON.name / f"{LESSON.name}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in html and "autograder.hidden" not in html
    assert "hidden tests run here" in html
    assert "Likely mistake" in html


def test_workers_import_what_the_lesson_imports_when_it_runs(tmp_path: Path) -> None:
    """What a notebook and its own package import at the top, not what their functions import
    when called: a warm worker with torch costs about a second more to start."""
    from autograder.grading.sandbox import imported_modules

    cells = [{"cell_type": "code",
              "source": "import numpy as np\nfrom helpers.checks import Check\n%matplotlib inline"},
             {"cell_type": "code", "source": "def later():\n    import torch\n"}]
    (tmp_path / "lesson.ipynb").write_text(json.dumps({"cells": cells}))
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "checks.py").write_text(
        "import math\ntry:\n    import scipy\nexcept ImportError:\n    pass\n"
        "class Check:\n    import fractions\n    def run(self):\n        import sqlite3\n")
    assert imported_modules(tmp_path) == ["fractions", "math", "numpy", "scipy"]


KERNEL_START = """
import os, sys, tempfile
from jupyter_client.connect import write_connection_file
from autograder.grading import worker
worker.preimport([])
folder = tempfile.mkdtemp()
connection = os.path.join(folder, "kernel.json")
write_connection_file(connection, transport="ipc", ip=os.path.join(folder, "kernel"))
warm = set(sys.modules)
read, write = os.pipe()
if os.fork() == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the kernel's banner
    os.environ.update(HOME=folder, IPYTHONDIR=os.path.join(folder, ".ipython"))
    from ipykernel.kernelapp import IPKernelApp
    IPKernelApp.instance().initialize(["-f", connection, "--IPKernelApp.transport=ipc",
                                       "--HistoryManager.hist_file=:memory:"])
    os.write(write, " ".join(sorted(set(sys.modules) - warm)).encode())
    os._exit(0)
os.close(write)
print(os.read(read, 100_000).decode())
"""


def test_a_forked_kernel_imports_nothing_its_worker_did_not_import_first() -> None:
    """Every module a kernel's start-up imports is imported once, by the warm worker, instead
    of once per submission (worker.PREIMPORT)."""
    assert python_prints(KERNEL_START) == ""


def test_refuses_without_bubblewrap(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", LESSON.name,
                             "--course", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": str(Path(sys.executable).parent)}, check=False)
    assert result.returncode != 0
    assert "refusing to grade" in result.stderr and "--no-sandbox-i-accept-the-risk" in result.stderr


@needs_sandbox
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's, graded in-process
def test_watchdog_stops_a_submission_past_its_total_time(graded: Graded, monkeypatch) -> None:
    """A cell still running when the total time (plus the watchdog's grace) is up: the
    sandbox is stopped, whatever the kernel is doing, and the submission still gets a grade."""
    from autograder.grading import grade as grading
    from autograder.grading.sandbox import Worker

    answers = reference_answers(LESSON)
    answers["dense"] += "\n\nimport time\ntime.sleep(60)  # outlasts the total time below\n"
    submit(graded.course, LESSON, "sleeps_past_total", answers)
    monkeypatch.setattr(grading, "WATCHDOG_GRACE", 0.0)
    options = Options(course=graded.course, timeout=120, total_timeout=3.0, memory_mb=1024,
                      db_url=gradebook_url(graded.course))  # as grade_class sets it
    worker = Worker.alone(graded.course.parent / "watchdog-worker", sandbox=True,
                          preimport=["numpy"], private=[ROOT, graded.course], uid=299_999).ready()
    try:
        outcome = grading.grade(options, LESSON.name, "sleeps_past_total", worker=worker)
    finally:
        worker.close()
    assert outcome.status == GRADED and outcome.seconds < 30
    assert "grading time limit: the sandbox was stopped after 3 s" in "; ".join(outcome.notes)
    assert "kernel died" in "; ".join(outcome.notes)
    assert not worker.alive()


@needs_sandbox
def test_stopping_one_slot_leaves_the_other_answering(tmp_path: Path) -> None:
    """The watchdog stops one slot's worker (and its kernels); the worker beside it, forked
    from the same process in the same sandbox, goes on answering."""
    from autograder.grading.sandbox import Workers

    workers = Workers([tmp_path / "w0", tmp_path / "w1"], sandbox=True, private=[ROOT],
                      uids=[299_997, 299_998])
    try:
        stopped, other = workers[0].ready(), workers[1].ready()
        stopped.stop()
        deadline = time.monotonic() + 10
        while stopped.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not stopped.alive()
        assert other.alive() and other.kernel_status() is None
    finally:
        workers.close()
    assert workers.process.returncode == 0  # its last worker closed, it ended by itself


@needs_sandbox
def test_a_grader_that_dies_or_hangs_fails_only_its_submission(graded: Graded, tmp_path: Path,
                                                                monkeypatch) -> None:
    """The grader's own code crashing (os._exit) on one submission and hanging on another:
    those two are "grading failed", and the rest of the class is graded all the same."""
    from autograder.grading import grade as grading

    course = tmp_path / "course"
    shutil.copytree(graded.course, course)
    for folder in (course / "submitted").iterdir():
        if folder.name not in ("reference", "mutants"):
            shutil.rmtree(folder)
    for student in ("crashes", "hangs"):
        shutil.copytree(course / "submitted" / "reference", course / "submitted" / student)
    original = grading.grade

    def grade(options, lesson, student, **kwargs):  # runs in the (forked) grading processes
        if student == "crashes":
            os._exit(3)
        if student == "hangs":
            time.sleep(3600)
        return original(options, lesson, student, **kwargs)

    monkeypatch.setattr(grading, "grade", grade)
    options = Options(course=course, timeout=5, total_timeout=3, grader_grace=2, memory_mb=1024)
    outcomes = {o.student: o for o in grade_class([LESSON.name], options, workers=2,
                                                  sandbox=True, progress=False)}
    assert outcomes["reference"].status == outcomes["mutants"].status == GRADED
    assert outcomes["reference"].score == FULL
    assert outcomes["mutants"].score == graded.outcomes["mutants"].score
    for student in ("crashes", "hangs"):
        assert outcomes[student].status == FAILED
        assert "died or stopped answering" in "; ".join(outcomes[student].notes)


@needs_sandbox
def test_nothing_outlives_a_killed_grading_command(graded: Graded, tmp_path: Path) -> None:
    """Killing the command (say, by a CI timeout) ends its grading processes and sandboxes."""
    course = tmp_path / "course"
    shutil.copytree(graded.course, course)
    command = subprocess.Popen([sys.executable, "-m", "autograder", "grade", LESSON.name,
                                "--course", str(course), "--workers", "2", "--quiet"],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def tree() -> dict[int, str]:  # the command and its descendants: pid -> command line
        table = subprocess.run(["ps", "-ww", "-eo", "pid=,ppid=,stat=,args="], capture_output=True,
                               text=True).stdout
        rows = [line.split(None, 3) for line in table.splitlines()]
        found, added = {command.pid: ""}, True
        while added:
            added = False
            for pid, ppid, stat, args in (row for row in rows if len(row) == 4):
                if int(ppid) in found and int(pid) not in found and not stat.startswith("Z"):
                    found[int(pid)], added = args, True
        return found

    def alive(pids: set[int]) -> set[int]:  # not yet gone (a zombie is gone)
        left = set()
        for pid in pids:
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    left.add(pid)
        return left

    def started(processes: dict[int, str]) -> bool:
        """The sandbox, the process that imports for both workers and the two workers, and
        the two grading processes (forks of the command, under its command line)."""
        kinds = [("bwrap" in args.split(" ", 1)[0], '"slots": [' in args,
                  " -m autograder grade " in args) for args in processes.values()]
        return (any(k[0] for k in kinds) and sum(k[1] for k in kinds) >= 3
                and sum(k[2] for k in kinds) >= 2)

    try:
        deadline = time.monotonic() + 60
        while not started(processes := tree()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert started(processes), processes
    finally:
        command.kill()
        command.wait()
    deadline = time.monotonic() + 10
    while alive(set(processes) - {command.pid}) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive(set(processes) - {command.pid}) == set()
