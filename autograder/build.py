"""Build nbgrader's source notebooks from lessons/ + solutions/ + autograder/hidden/.

A lesson notebook is exactly what students get. Two kinds of cell carry nbgrader
metadata, and the build fills them in:

* an **exercise cell** (`solution: true`, `grade_id` = the exercise's name) becomes the
  reference function from `solutions/lessonNN.py`: its signature and docstring, then its
  body between `### BEGIN SOLUTION` and `### END SOLUTION`;
* a **test cell** (`grade: true`, `grade_id` = `test_<exercise>`) keeps its visible
  checks and gains a call to `autograder/hidden/lessonNN.py:<exercise>` between
  `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`.

A third kind, a **provided cell** (metadata `"course": {"provided": ["lesson01.dense", ...]}`),
is filled with those references in full: a later lesson reuses an earlier lesson's
answers without anyone copying them by hand.

`nbgrader generate_assignment` turns the source back into the release, which must equal
lessons/ (a test holds this). After changing a reference's signature or docstring, run
`python -m autograder build --write-lessons` to refresh the stubs in lessons/.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import shutil
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from autograder import DEFAULT_COURSE, ROOT
from autograder.hidden import BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS

if TYPE_CHECKING:
    import nbformat

# nbformat (0.1 s to import) is imported where a notebook is read or written: `grade` reads
# the lessons' names from here before it starts its sandboxes, and should not wait for it.

LESSONS = ROOT / "lessons"
#: What every assignment folder carries beside its notebook.
SUPPORT = ("helpers",)
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
PROVIDED_HEADER = "# Provided: answers from earlier lessons (run this cell; nothing to write here).\n\n"


@dataclass(frozen=True)
class Lesson:
    """One lesson notebook and the modules that go with it (all named `lessonNN`)."""

    path: Path

    @property
    def name(self) -> str:
        """The nbgrader assignment name, e.g. `01_leaf_or_flower`."""
        return self.path.stem

    @property
    def module(self) -> str:
        return f"lesson{self.name[:2]}"

    def solutions(self) -> ModuleType:
        """The reference answers: solutions/lessonNN.py."""
        return importlib.import_module(f"solutions.{self.module}")

    def checks(self) -> ModuleType:
        """The visible checks: lessons/helpers/checks/lessonNN.py."""
        return importlib.import_module(f"helpers.checks.{self.module}")

    def hidden(self) -> ModuleType:
        """The hidden tests: autograder/hidden/lessonNN.py."""
        return importlib.import_module(f"autograder.hidden.{self.module}")

    def mutants(self) -> ModuleType:
        """The wrong answers: autograder/mutants/lessonNN.py."""
        return importlib.import_module(f"autograder.mutants.{self.module}")

    def exercises(self) -> list[str]:
        """The exercise names, in notebook order."""
        import nbformat

        notebook = nbformat.read(self.path, as_version=4)
        return [meta["grade_id"] for cell in notebook.cells
                if (meta := cell.metadata.get("nbgrader", {})).get("solution")]


def all_lessons() -> list[Lesson]:
    """Every lesson in lessons/, in course order."""
    return [Lesson(path) for path in sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))]


def split_function(fn: Callable[..., Any]) -> tuple[str, str]:
    """Split a function's source into its head (signature and docstring) and its body."""
    source = textwrap.dedent(inspect.getsource(fn))
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef) and ast.get_docstring(node), (
        f"{fn.__qualname__} must be a function with a docstring")
    lines = source.splitlines()
    docstring_end = node.body[0].end_lineno  # 1-based line where the docstring closes
    return "\n".join(lines[:docstring_end]), "\n".join(lines[docstring_end:]).strip("\n")


def solution_cell(fn: Callable[..., Any]) -> str:
    """The source-notebook form of an exercise: head, then the body as a solution region."""
    head, body = split_function(fn)
    return f"{head}\n    ### BEGIN SOLUTION\n{body}\n    ### END SOLUTION"


def hidden_tests(lesson: Lesson, exercise: str) -> str:
    """The hidden-test region appended to an exercise's graded test cell."""
    return (
        f"{BEGIN_HIDDEN_TESTS}\n"
        f"from autograder.hidden.{lesson.module} import {exercise} as _hidden_{exercise}\n"
        f"_hidden_{exercise}({exercise})\n"
        f"{END_HIDDEN_TESTS}"
    )


def provided_cell(names: list[str]) -> str:
    """Earlier lessons' reference answers, e.g. ["lesson01.dense"], as a ready-made cell."""
    sources = []
    for name in names:
        module, function = name.split(".")
        reference = getattr(importlib.import_module(f"solutions.{module}"), function)
        sources.append(textwrap.dedent(inspect.getsource(reference)).strip())
    return PROVIDED_HEADER + "\n\n\n".join(sources)


def source_notebook(lesson: Lesson) -> nbformat.NotebookNode:
    """The lesson with every exercise answered by its reference and hidden tests added."""
    import nbformat

    notebook = nbformat.read(lesson.path, as_version=4)
    references = lesson.solutions()
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = solution_cell(getattr(references, meta["grade_id"]))
        elif meta.get("grade"):
            exercise = meta["grade_id"].removeprefix("test_")
            cell.source = f"{cell.source.rstrip()}\n\n{hidden_tests(lesson, exercise)}"
        elif names := cell.metadata.get("course", {}).get("provided"):
            cell.source = provided_cell(names)
    return notebook


def build(course: Path = DEFAULT_COURSE, lessons: list[Lesson] | None = None) -> Path:
    """Write `course/source/<lesson>/` for each of `lessons` (None: every lesson; an empty list:
    none): the notebook and its support files."""
    import nbformat

    for lesson in all_lessons() if lessons is None else lessons:
        folder = course / "source" / lesson.name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        nbformat.write(source_notebook(lesson), folder / lesson.path.name)
        for support in SUPPORT:
            shutil.copytree(LESSONS / support, folder / support, ignore=IGNORE)
    return course


def write_lessons(course: Path, lessons: list[Lesson] | None = None) -> None:
    """Copy the released notebooks of `lessons` (None: every lesson; an empty list: none) back
    into lessons/ (after `nbgrader generate_assignment`)."""
    for lesson in all_lessons() if lessons is None else lessons:
        shutil.copyfile(course / "release" / lesson.name / lesson.path.name, lesson.path)


def chosen_lessons(names: list[str]) -> list[Lesson]:
    """The lessons `names` stand for, each in full or by its number (every lesson if `names` is
    empty). Raises InstructorError, naming the lessons there are, for a name that matches none."""
    from autograder.instructor import resolve

    if not names:
        return all_lessons()
    by_name = {lesson.name: lesson for lesson in all_lessons()}
    return [by_name[name] for name in resolve(names, list(by_name), "in lessons/")]


def main(argv: list[str] | None = None) -> None:
    """`python -m autograder build [--course DIR] [--write-lessons] [LESSON ...]`; exits 1,
    saying which lessons there are, if a LESSON matches none."""
    from autograder.instructor import InstructorError
    from autograder.nbgrader import generate_assignment

    parser = argparse.ArgumentParser(prog="python -m autograder build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lessons", nargs="*",
                        help="lessons by name or number, e.g. 01 (default: every lesson)")
    parser.add_argument("--course", type=Path, default=DEFAULT_COURSE,
                        help="nbgrader course directory to write (default: autograder/course)")
    parser.add_argument("--write-lessons", action="store_true",
                        help="release with nbgrader and copy the release back into lessons/")
    args = parser.parse_args(argv)
    try:
        lessons = chosen_lessons(args.lessons)
    except InstructorError as err:
        sys.exit(f"error: {err}")
    build(args.course, lessons)
    print(f"built {len(lessons)} source notebooks in {args.course / 'source'}")
    if args.write_lessons:
        for lesson in lessons:
            generate_assignment(args.course, lesson.name)
        write_lessons(args.course, lessons)
        print("lessons/ now holds the release")
