"""Shared fixtures: the course built, released, submitted and graded once per test run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder import nbgrader
from autograder.build import Lesson, all_lessons, build
from autograder.mutants import Mutant, mutants_of
from autograder.submissions import mutant_answers, reference_answers, submit


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--lessons", default="", help="comma-separated lesson numbers to test, "
                     "e.g. --lessons=01,03 (default: every lesson)")


def selected_lessons(config: pytest.Config) -> list[Lesson]:
    """The lessons named by --lessons, or all of them."""
    wanted = [n.strip() for n in config.getoption("--lessons").split(",") if n.strip()]
    return [lesson for lesson in all_lessons() if not wanted or lesson.name[:2] in wanted]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize over lessons (`lesson`), their exercises (`exercise`) and mutants (`mutant`)."""
    lessons = selected_lessons(metafunc.config)
    if "lesson" in metafunc.fixturenames:
        metafunc.parametrize("lesson", lessons, ids=[lesson.name for lesson in lessons])
    if "exercise" in metafunc.fixturenames:
        pairs = [(lesson, name) for lesson in lessons for name in lesson.exercises()]
        metafunc.parametrize("exercise", pairs, ids=[f"{les.module}-{n}" for les, n in pairs])
    if "mutant" in metafunc.fixturenames:
        pairs = [(lesson, m) for lesson in lessons for m in mutants_of(lesson.mutants())]
        metafunc.parametrize("mutant", pairs, ids=[f"{les.module}-{m.name}" for les, m in pairs])


def mutant_rounds(lesson: Lesson) -> list[list[Mutant]]:
    """Round k holds the k-th mutant of every exercise: one submission grades them all."""
    by_exercise = [[m for m in mutants_of(lesson.mutants()) if m.exercise == name]
                   for name in lesson.exercises()]
    depth = max(map(len, by_exercise))
    return [[ms[k] for ms in by_exercise if k < len(ms)] for k in range(depth)]


def crashing_answers(lesson: Lesson) -> dict[str, str]:
    """Reference answers, except that the last exercise divides by zero when called."""
    last = lesson.exercises()[-1]
    return {**reference_answers(lesson), last: f"def {last}(*args, **kwargs):\n    return 1 / 0\n"}


@dataclass
class GradedCourse:
    """A course directory after build, release, submission, autograde and feedback."""

    root: Path
    rounds: dict[str, list[list[Mutant]]] = field(default_factory=dict)
    crashed: Lesson | None = None  # the lesson with a "crash" submission

    def scores(self, lesson: Lesson, student: str) -> dict[str, float]:
        """grade_id -> points earned, for one student's submission of one lesson."""
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission_notebook(lesson.name, lesson.name, student)
            return {grade.name: grade.score for grade in submission.grades}

    def max_scores(self, lesson: Lesson) -> dict[str, float]:
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            notebook = gradebook.find_notebook(lesson.name, lesson.name)
            return {cell.name: cell.max_score for cell in notebook.grade_cells}

    def feedback(self, lesson: Lesson, student: str) -> str:
        return (self.root / "feedback" / student / lesson.name / f"{lesson.name}.html").read_text()

    def autograded(self, lesson: Lesson, student: str) -> Path:
        return self.root / "autograded" / student / lesson.name / lesson.path.name


@pytest.fixture(scope="session")
def graded_course(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> GradedCourse:
    """Build and release the lessons, submit the reference, the untouched release and
    the mutant rounds, then autograde and generate feedback with nbgrader itself."""
    lessons = selected_lessons(request.config)
    course = GradedCourse(build(tmp_path_factory.mktemp("course"), lessons))
    for lesson in lessons:
        nbgrader.generate_assignment(course.root, lesson.name)
        submit(course.root, lesson, "reference", reference_answers(lesson))
        submit(course.root, lesson, "untouched", {})
        course.rounds[lesson.name] = mutant_rounds(lesson)
        for k, mutants in enumerate(course.rounds[lesson.name]):
            submit(course.root, lesson, f"mutants{k}", mutant_answers(mutants))
        if course.crashed is None:
            submit(course.root, lesson, "crash", crashing_answers(lesson))
            course.crashed = lesson
        nbgrader.autograde(course.root, lesson.name)
        nbgrader.generate_feedback(course.root, lesson.name)
    return course
