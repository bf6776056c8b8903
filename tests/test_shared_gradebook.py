"""A gradebook several graders share: nbgrader's db_url on a real PostgreSQL server.

The module fixture plays two graders of one class of lesson 01. Grader A releases the
lesson into a course directory whose nbgrader_config.py points db_url at a database on the
throwaway server (the `postgres` fixture); grader B works in a copy of that course directory
(as a second machine would, with the same db_url). Each gets half of the class's
submissions, and both get two students more (who both graders reach first, at the same
moment), and both run `python -m autograder grade` at the same time. Every student leaves
out a different set of exercises, so a grade recorded for the wrong student or lost shows
as a wrong score.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from nbgrader.api import Grade, Gradebook, GradeCell, MissingEntry, SolutionCell

from autograder.build import ROOT, all_lessons
from autograder.gradebook import (
    GradebookError,
    check_gradebook,
    gradebook_url,
    lock_key,
    one_at_a_time,
    shown,
)
from autograder.grading.cli import RISK_FLAG
from autograder.grading.cli import main as grading_main
from autograder.grading.grade import register
from autograder.nbgrader import BIN, start_nbgrader
from autograder.submissions import reference_answers, submit
from tests.postgres import Server, free_port

LESSON = next(lesson for lesson in all_lessons() if lesson.name.startswith("01_"))
#: Exercises a student may leave out (a stub that raises NotImplementedError).
OPTIONAL = ("classify", "collapse", "dense")
#: Exercise -> the other exercises its tests call through the learner's function (forward
#: calls the learner's dense and relu): one of them left out costs its points too.
CALLS = {"forward": ("dense", "relu")}
#: The sandbox is tested elsewhere; these submissions are the course's own reference answers.
GRADE = ["grade", "01", "--quiet", "--workers", "1", RISK_FLAG]


def configure(course: Path, db_url: str) -> None:
    """Point `course` at the gradebook `db_url`: the line docs/deploy.md tells instructors to
    write, in the course directory's nbgrader_config.py (nbgrader reads it there too)."""
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.db_url = {db_url!r}\n")


def course_command(course: Path, *args: str) -> subprocess.Popen:
    """`python -m autograder ARGS --course COURSE`, started now (see `finish`)."""
    return subprocess.Popen([sys.executable, "-m", "autograder", *args, "--course", str(course)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = process.communicate(timeout=900)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def run(course: Path, *args: str) -> subprocess.CompletedProcess:
    return finish(course_command(course, *args))


def answered(student: int) -> list[str]:
    """The exercises student number `student` answers (with the reference): all but a subset
    of OPTIONAL, another subset for each student (its bits)."""
    left_out = {name for bit, name in enumerate(OPTIONAL) if student >> bit & 1}
    return [exercise for exercise in LESSON.exercises() if exercise not in left_out]


def earns(exercise: str, answers: list[str]) -> bool:
    """Whether a submission answering `answers` earns the points of `exercise`."""
    return all(name in answers for name in (exercise, *CALLS.get(exercise, ())))


#: Student -> the exercises they answer.
CLASS = {f"s{i}": answered(i) for i in range(2 ** len(OPTIONAL))}
#: Students in both graders' submitted/; the others are split between them.
BOTH = ("s0", "s1")


def expected_scores(student: str, points: dict[str, float]) -> dict[str, float]:
    """Grade cell -> the score `student` earns there (`points`: grade cell -> its maximum)."""
    return {cell: points[cell] if earns(cell.removeprefix("test_"), CLASS[student]) else 0 for cell in points}


@dataclass
class Shared:
    """What the two graders left: their course directories, their runs, the gradebook."""

    courses: dict[str, Path]
    runs: dict[str, subprocess.CompletedProcess]
    url: str
    peak_connections: int
    together: int  # samples (every 0.2 s) in which both commands were running

    def grade_rows(self) -> dict[str, list[tuple[str, float]]]:
        """Student -> (grade cell, score) of every grade row of their submission."""
        with Gradebook(self.url) as gradebook:
            return {student: [(grade.name, grade.score) for grade in
                              gradebook.find_submission_notebook(LESSON.name, LESSON.name, student).grades]
                    for student in CLASS}


def two_graders(url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two graders' course directories on the gradebook `url`: the first releases lesson 01,
    the second copies its course directory (as docs/deploy.md tells graders to)."""
    first, second = (tmp_path_factory.mktemp("grader") / "course" for _ in range(2))
    configure(first, url)
    released = run(first, "release", "01")
    assert released.returncode == 0, released.stdout + released.stderr
    shutil.copytree(first, second)
    return first, second


@pytest.fixture(scope="module")
def shared(postgres: Server, tmp_path_factory: pytest.TempPathFactory) -> Shared:
    url = postgres.create_database("shared_class")
    a, b = two_graders(url, tmp_path_factory)
    students = sorted(CLASS)
    answers = reference_answers(LESSON)
    for index, student in enumerate(students):
        for course in (a, b) if student in BOTH else (a if index % 2 == 0 else b,):
            submit(course, LESSON, student, {e: answers[e] for e in CLASS[student]})
    started = {"a": course_command(a, *GRADE), "b": course_command(b, *GRADE)}
    peak = together = 0
    while any(process.poll() is None for process in started.values()):
        peak = max(peak, postgres.connections("shared_class"))
        together += all(process.poll() is None for process in started.values())
        time.sleep(0.2)
    runs = {name: finish(process) for name, process in started.items()}
    return Shared({"a": a, "b": b}, runs, url, peak, together)


def test_two_graders_at_once_lose_and_duplicate_no_grade(shared: Shared) -> None:
    assert shared.together > 10  # two seconds or more at the same time
    for name, result in shared.runs.items():
        assert result.returncode == 0, (name, result.stdout + result.stderr)
        rows = list(csv.DictReader(open(shared.courses[name] / "grades.csv")))
        submitted = {folder.name for folder in (shared.courses[name] / "submitted").iterdir()}
        assert {row["student"] for row in rows} == submitted and set(BOTH) <= submitted
        assert len(rows) == len(submitted) and {row["status"] for row in rows} == {"graded"}
    with Gradebook(shared.url) as gradebook:
        points = {cell.name: cell.max_score
                  for cell in gradebook.find_notebook(LESSON.name, LESSON.name).grade_cells}
        assert gradebook.db.query(Grade).count() == len(CLASS) * len(points)
        assert sorted(student.id for student in gradebook.students) == sorted(CLASS)
    for student, rows in shared.grade_rows().items():
        assert sorted(name for name, _ in rows) == sorted(points), student  # one row per cell
        assert dict(rows) == expected_scores(student, points), student


def test_the_graders_hold_few_connections(shared: Shared) -> None:
    """A grading command's connections are closed once it is done with them, so a class of
    any size stays far below a server's connection limit (100 by default)."""
    print(f"peak connections: {shared.peak_connections}, together: {shared.together} samples")
    assert 0 < shared.peak_connections <= 4  # two commands, each a grading process and itself


def test_nbgraders_commands_work_on_the_shared_gradebook(shared: Shared) -> None:
    """Feedback and both exports, from grader A's course directory: the export holds the whole
    class, both graders' halves; feedback shows none of the instructor's paths."""
    a = shared.courses["a"]
    for step in (run(a, "feedback", "01"), run(a, "export")):
        assert step.returncode == 0, step.stdout + step.stderr
    with open(a / "exports" / "lms_grades.csv", newline="") as f:
        totals = {row["SIS Login ID"]: float(row[LESSON.name]) for row in csv.DictReader(f)}
    assert totals == {student: sum(points for _, points in rows)
                      for student, rows in shared.grade_rows().items()}
    for folder in (a / "feedback").iterdir():
        page = (folder / LESSON.name / f"{LESSON.name}.html").read_text()
        assert str(a) not in page and str(ROOT) not in page


@pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning")  # registering prints none
def test_a_student_another_grader_adds_at_the_same_moment_is_no_failure(
        postgres: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another grader inserts a student between this grader's look-up and its insert (here:
    the student exists, but the first look-up misses). The insert breaks the unique key; the
    grader tries again, finds the row, and creates the submission once."""
    url = postgres.create_database("same_moment")
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")  # nbgrader runs alembic by name
    with Gradebook(url) as gradebook:
        gradebook.add_assignment(LESSON.name)
        gradebook.add_student("ada")
    for student in ("ada", "bob"):
        (tmp_path / "submitted" / student / LESSON.name).mkdir(parents=True)
    misses = [True]
    find_student = Gradebook.find_student

    def late_look_up(gradebook: Gradebook, student: str):
        if student == "ada" and misses and misses.pop():
            raise MissingEntry()
        return find_student(gradebook, student)

    monkeypatch.setattr(Gradebook, "find_student", late_look_up)
    register(url, tmp_path, [(LESSON.name, "ada"), (LESSON.name, "bob"), (LESSON.name, "eve")])
    assert not misses  # the look-up did miss
    with Gradebook(url) as gradebook:
        assert sorted(student.id for student in gradebook.students) == ["ada", "bob"]
        submissions = gradebook.find_assignment(LESSON.name).submissions
        assert sorted(submission.student.id for submission in submissions) == ["ada", "bob"]


def test_two_first_releases_at_once_make_the_lesson_once(postgres: Server,
                                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    """Two graders release the lesson for the first time at the same moment, from two course
    directories on one new gradebook: both succeed, and the lesson, its notebook and each of
    its cells are in the gradebook once."""
    url = postgres.create_database("two_releases")
    courses = [tmp_path_factory.mktemp("releaser") / "course" for _ in range(2)]
    for course in courses:
        configure(course, url)
    for result in map(finish, [course_command(course, "release", "01") for course in courses]):
        assert result.returncode == 0, result.stdout + result.stderr
    with Gradebook(url) as gradebook:
        assert [assignment.name for assignment in gradebook.assignments] == [LESSON.name]
        assert gradebook.db.query(GradeCell).count() == len(LESSON.exercises())
        assert gradebook.db.query(SolutionCell).count() == len(LESSON.exercises())
        assert gradebook.find_assignment(LESSON.name).max_score == 8


def test_plain_nbgrader_and_the_grader_grade_one_gradebook_at_once(
        postgres: Server, tmp_path_factory: pytest.TempPathFactory) -> None:
    """One grader runs plain `nbgrader autograde` (the README's plain path, the course's
    config) on their half of the class while another runs `python -m autograder grade` on the
    other half, at the same moment, on one gradebook: both succeed, and every student's grade
    cells are there once, with the student's own scores."""
    url = postgres.create_database("plain_and_grader")
    plain, grader = two_graders(url, tmp_path_factory)
    answers = reference_answers(LESSON)
    halves = {plain: ["s1", "s3", "s5"], grader: ["s2", "s4", "s6"]}
    for course, students in halves.items():
        for student in students:
            submit(course, LESSON, student, {e: answers[e] for e in CLASS[student]})
    plain_autograde = start_nbgrader("autograde", LESSON.name, "--force", course=plain)
    for result in map(finish, [plain_autograde, course_command(grader, *GRADE)]):
        assert result.returncode == 0 and "| ERROR]" not in result.stderr, result.stdout + result.stderr
    with Gradebook(url) as gradebook:
        notebook = gradebook.find_notebook(LESSON.name, LESSON.name)
        points = {cell.name: cell.max_score for cell in notebook.grade_cells}
        assert gradebook.db.query(Grade).count() == sum(map(len, halves.values())) * len(points)
        for student in (*halves[plain], *halves[grader]):
            rows = gradebook.find_submission_notebook(LESSON.name, LESSON.name, student).grades
            assert {grade.name: grade.score for grade in rows} == expected_scores(student, points), student


def test_one_at_a_time_holds_a_lock_that_other_commands_wait_for(postgres: Server) -> None:
    """While a command is inside `one_at_a_time(url, task)`, another connection cannot take
    the same task's lock (so a second command waits); afterwards it can. Other tasks are free."""
    url = postgres.create_database("one_at_a_time")

    def free(task: str) -> bool:
        """Whether another connection could take `task`'s lock now (it lets go at once)."""
        with psycopg.connect(url, autocommit=True) as connection:
            key = lock_key(task)
            taken = connection.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
            if taken:
                connection.execute("SELECT pg_advisory_unlock(%s)", (key,))
            return taken

    with one_at_a_time(url, "release 01_leaf_or_flower"):
        assert not free("release 01_leaf_or_flower")
        assert free("release 02_softmax_and_loss")
    assert free("release 01_leaf_or_flower")


# -- bad input --------------------------------------------------------------------------------


BAD_URLS = {
    "unreachable server": lambda server: server.url("shared_class", port=free_port()),
    "unknown database": lambda server: server.url("no_such_course"),
    "wrong password": lambda server: server.url("postgres", password="not-the-password"),
    "wrong scheme": lambda server: server.url("postgres").replace("postgresql://", "postgres://"),
}


@pytest.mark.parametrize("case", sorted(BAD_URLS))
@pytest.mark.parametrize("command", ["grade", "release"])
def test_a_gradebook_that_cannot_be_opened_stops_the_command(postgres: Server, tmp_path: Path,
                                                             case: str, command: str) -> None:
    """The command exits 1 before it builds or grades anything, with the URL (password hidden)
    and the driver's error."""
    url = BAD_URLS[case](postgres)
    course = tmp_path / "course"
    configure(course, url)
    (course / "submitted" / "ada" / LESSON.name).mkdir(parents=True)
    result = run(course, *(GRADE if command == "grade" else ["release", "01"]))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"cannot open the gradebook {shown(url)}" in result.stderr
    assert "names PostgreSQL postgresql://" in result.stderr or case != "wrong scheme"
    assert postgres.password not in result.stdout + result.stderr and "***" in shown(url)
    assert sorted(p.name for p in course.iterdir()) == ["nbgrader_config.py", "submitted"]


def test_the_grading_module_checks_the_gradebook_first(postgres: Server, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    """autograder/grading/cli.py, called on its own, stops the same way."""
    url = postgres.url("no_such_course")
    configure(tmp_path, url)
    (tmp_path / "submitted" / "ada" / LESSON.name).mkdir(parents=True)
    with pytest.raises(SystemExit) as stopped:
        grading_main([LESSON.name, "--course", str(tmp_path), "--quiet", RISK_FLAG])
    assert f"cannot open the gradebook {shown(url)}" in str(stopped.value)
    assert 'database "no_such_course" does not exist' in str(stopped.value)
    assert not (tmp_path / "autograded").exists() and not (tmp_path / "grades.csv").exists()


def test_a_server_that_never_answers_stops_the_check_at_its_timeout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A host that takes the connection and then says nothing (a firewall that swallows
    packets, a hung server): libpq would wait for the operating system's TCP timeout, minutes;
    the check gives up after CONNECT_TIMEOUT seconds (2 here), naming the URL."""
    import socket

    import autograder.gradebook

    monkeypatch.setattr(autograder.gradebook, "CONNECT_TIMEOUT", 2)
    with socket.create_server(("127.0.0.1", 0), backlog=8) as silent:  # listens, never accepts
        url = f"postgresql://ta:secret@127.0.0.1:{silent.getsockname()[1]}/course"
        start = time.monotonic()
        with pytest.raises(GradebookError) as stopped:
            check_gradebook(url)
        waited = time.monotonic() - start
    assert f"cannot open the gradebook {shown(url)}" in str(stopped.value)
    assert "timeout" in str(stopped.value).lower() and "secret" not in str(stopped.value)
    assert waited < 60, f"the check waited {waited:.0f} s, not its own timeout"


# -- which gradebook ---------------------------------------------------------------------------


def test_the_gradebook_url_is_nbgraders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """nbgrader's default without a setting; a Jupyter config folder's db_url (an instructor's
    ~/.jupyter); the course directory's own, which nbgrader reads last."""
    user, course = tmp_path / "jupyter", tmp_path / "course"
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(user))
    course.mkdir()
    assert gradebook_url(course) == f"sqlite:///{course / 'gradebook.db'}"
    configure(user, "postgresql://ta@db.example/everyone")
    assert gradebook_url(course) == "postgresql://ta@db.example/everyone"
    configure(course, "postgresql://ta@db.example/this_course")
    assert gradebook_url(course) == "postgresql://ta@db.example/this_course"


def test_a_password_is_never_shown() -> None:
    assert shown("postgresql://ta:s3cret@db.example/course") == "postgresql://ta:***@db.example/course"
    assert "s3cret" not in shown("postgresql://ta:s3cret@db.example:port/course")  # unparsable
    with pytest.raises(GradebookError, match="postgresql://ta:\\*\\*\\*@"):
        check_gradebook(f"postgresql://ta:s3cret@127.0.0.1:{free_port()}/course")
