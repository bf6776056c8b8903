"""The classroom flow, start to finish, through a real JupyterHub (tests and benchmark share it).

The instructor builds and releases a lesson through nbgrader's exchange (formgrader API of
their own server); each student fetches it, answers in the notebook (contents API) and
submits (assignment API of their own server); the instructor collects, grades, releases
feedback; each student fetches their feedback. Timings of each step are recorded.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

from autograder import nbgrader
from autograder.build import Lesson, all_lessons, build
from autograder.gradebook import gradebook_url
from autograder.mutants import Mutant, mutants_of
from autograder.submissions import reference_answers
from classroom.hub import COURSE_ID, ROOT, Classroom

INSTRUCTOR = "instructor"
RIGHT, WRONG = "ada", "bob"


def lesson_01() -> Lesson:
    return next(lesson for lesson in all_lessons() if lesson.name.startswith("01_"))


def grade(course: Path, lesson: Lesson) -> None:
    """The instructor's grading step: the course's grading command (sandboxed, parallel;
    autograder/grading/), then nbgrader's own feedback."""
    subprocess.run([sys.executable, "-m", "autograder", "grade", lesson.name,
                    "--course", str(course), "--quiet"], cwd=ROOT, check=True)
    nbgrader.generate_feedback(course, lesson.name)


def answer(notebook: dict, answers: dict[str, str]) -> dict:
    """The notebook (contents-API JSON) with the named exercise cells replaced by `answers`."""
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id") in answers:
            cell["source"] = answers[meta["grade_id"]]
    return notebook


@dataclass
class FlowResult:
    lesson: Lesson
    wrong: Mutant  # the mistake the wrong student made
    max_score: float = 0.0
    points_lost: float = 0.0  # the points of the exercise the wrong student got wrong
    scores: dict[str, float] = field(default_factory=dict)  # gradebook, per student
    cell_scores: dict[str, dict[str, float]] = field(default_factory=dict)  # student -> cell -> points
    feedback: dict[str, dict[str, str]] = field(default_factory=dict)  # student -> {path: html}
    exchange_feedback: list[str] = field(default_factory=list)  # files in the exchange
    listed: dict[str, list[str]] = field(default_factory=dict)  # assignment list per student
    timings: dict[str, float] = field(default_factory=dict)
    left_running: list[int] = field(default_factory=list)  # processes alive after stop()
    alive_during: int = 0  # processes the classroom had running (hub, proxy, servers, kernels)


def feedback_files(room: Classroom, student: str, lesson: Lesson) -> dict[str, str]:
    """Every feedback file the student's own server shows, path -> text."""
    files = {}
    folder = f"{lesson.name}/feedback"
    for stamp in room.listing(student, folder):
        for item in room.listing(student, stamp["path"]):
            files[item["path"]] = room.get(student, f"api/contents/{item['path']}",
                                           content=1, format="text").json()["content"]
    return files


def run(root: Path) -> FlowResult:
    """The whole classroom flow in `root` (a fresh folder); everything started is stopped."""
    lesson = lesson_01()
    # The mistake goes in the last exercise, which no later exercise calls: it costs exactly
    # that exercise's points.
    last = lesson.exercises()[-1]
    wrong = next(m for m in mutants_of(lesson.mutants()) if m.exercise == last)
    right_answers = reference_answers(lesson)
    answers = {RIGHT: right_answers, WRONG: {**right_answers, wrong.exercise: wrong.source}}
    result = FlowResult(lesson=lesson, wrong=wrong)
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.timings[step] = now - clock
        clock = now

    room = Classroom(root, INSTRUCTOR, [RIGHT, WRONG])
    try:
        room.start()
        lap("hub start")
        room.spawn()  # the three servers start while the instructor builds the assignment
        build(room.course, [lesson])
        nbgrader.generate_assignment(room.course, lesson.name)
        lap("instructor: build, generate (servers starting)")
        room.wait_for_servers()
        lap("servers ready (3)")
        room.formgrader("release", lesson.name)
        lap("instructor: release")

        notebook = f"{lesson.name}/{lesson.path.name}"
        for student, their_answers in answers.items():
            room.assignments(student, "fetch", lesson.name)
            answered = answer(room.read_notebook(student, notebook), their_answers)
            room.write_notebook(student, notebook, answered)
            room.assignments(student, "submit", lesson.name)
            listed = room.get(student, "assignments", course_id=COURSE_ID).json()["value"]
            result.listed[student] = sorted({a["assignment_id"] for a in listed})
        lap("students: fetch, answer, submit")

        room.formgrader("collect", lesson.name)
        lap("instructor: collect")
        grade(room.course, lesson)
        lap("instructor: grade")
        room.formgrader("release_feedback", lesson.name)
        lap("instructor: release feedback")

        for student in answers:
            room.assignments(student, "fetch_feedback", lesson.name)
            result.feedback[student] = feedback_files(room, student, lesson)
        lap("students: fetch feedback")

        released = room.exchange / COURSE_ID / "feedback"
        result.exchange_feedback = sorted(p.name for p in released.iterdir())
        with Gradebook(gradebook_url(room.course)) as gradebook:
            result.max_score = gradebook.find_assignment(lesson.name).max_score
            result.points_lost = gradebook.find_grade_cell(
                f"test_{wrong.exercise}", lesson.name, lesson.name).max_score
            for student in answers:
                result.scores[student] = gradebook.find_submission(lesson.name, student).score
                notebook = gradebook.find_submission_notebook(lesson.name, lesson.name, student)
                result.cell_scores[student] = {g.name: g.score for g in notebook.grades}
        result.alive_during = len(room.alive())
    finally:
        room.stop()
        lap("stop")
        result.left_running = room.alive()
    result.timings["total"] = sum(result.timings.values())
    return result
