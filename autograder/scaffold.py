"""`python -m autograder new-lesson NN_name` and `python -m autograder new-exercise NN name`.

A lesson is a notebook and four modules that share its number (README, "where things
live"); an exercise has a place in each. These commands write every place, with the
nbgrader metadata set, so that what is left is what only a person can write. Every
slot they leave says what to write in it, and until it is written it fails its tests
saying so (a slot never passes by accident).

new-lesson NN_name    lessons/NN_name.ipynb (title, environment check, imports, a closing
                      summary), solutions/lessonNN.py, lessons/helpers/checks/lessonNN.py,
                      autograder/hidden/lessonNN.py, autograder/mutants/lessonNN.py and
                      tests/test_lessonNN.py, each with its docstring.
new-exercise NN name  in the notebook, the exercise's heading and text, its answer cell
                      (nbgrader "Autograded answer", id = name) and its test cell
                      ("Autograder tests", id test_<name>, 1 point) calling
                      `check.<name>(<name>)`; in the four modules, the reference stub, the
                      visible check, the hidden test and two mutant slots. Then the lesson
                      is built and released with nbgrader, so lessons/ holds the release.

After new-exercise a maintainer fills in three files: the reference (solutions/), the
visible check (lessons/helpers/checks/) and the two mutants (autograder/mutants/); and the
notebook's prose. The hidden test works as written, whatever the signature: it compares
with the reference on the visible check's calls with new random values (the same shapes
and kinds), with the docstring's first line as its hint; the maintainer writes arguments
of their own only where those are not inputs the docstring allows. Then the maintainer runs
`python -m autograder build --write-lessons NN_name` if the reference's signature or
docstring changed, and `python -m pytest --lessons=NN`.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import ROOT

NAME = re.compile(r"^(?P<number>\d\d)_(?P<words>[a-z][a-z0-9_]*)$")
EXERCISE = re.compile(r"^[a-z][a-z0-9_]*$")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
CLOSING = "## What you built"
SOLUTION_CELL = {"cell_type": "code", "grade": False, "locked": False, "schema_version": 3,
                 "solution": True, "task": False}
TEST_CELL = {"cell_type": "code", "grade": True, "locked": True, "points": 1, "schema_version": 3,
             "solution": False, "task": False}


class ScaffoldError(Exception):
    """A name that does not fit, or a lesson or exercise that is (or is not) there already."""


@dataclass(frozen=True)
class Places:
    """Where lesson NN lives in a project: its notebook and its four modules, and its test."""

    root: Path
    number: str

    @property
    def module(self) -> str:
        return f"lesson{self.number}"

    def notebook(self) -> Path:
        found = sorted((self.root / "lessons").glob(f"{self.number}_*.ipynb"))
        if not found:
            raise ScaffoldError(f"no lesson {self.number} in {self.root / 'lessons'}: "
                                f"create it first with  python -m autograder new-lesson {self.number}_name")
        return found[0]

    @property
    def solutions(self) -> Path:
        return self.root / "solutions" / f"{self.module}.py"

    @property
    def checks(self) -> Path:
        return self.root / "lessons" / "helpers" / "checks" / f"{self.module}.py"

    @property
    def hidden(self) -> Path:
        return self.root / "autograder" / "hidden" / f"{self.module}.py"

    @property
    def mutants(self) -> Path:
        return self.root / "autograder" / "mutants" / f"{self.module}.py"

    @property
    def tests(self) -> Path:
        return self.root / "tests" / f"test_{self.module}.py"

    def modules(self) -> list[Path]:
        return [self.solutions, self.checks, self.hidden, self.mutants]


def title_of(words: str) -> str:
    """`why_scale` -> 'Why scale': a first title, for the maintainer to improve."""
    return words.replace("_", " ").capitalize()


# ---------------------------------------------------------------------------------------
# A new lesson


HOW_THE_EXERCISES_WORK = """\
**How the exercises work.** Each exercise is a function with its docstring already
written. Replace `raise NotImplementedError()` with your code, run the cell, then run the
check cell under it. A check either prints ✓ or tells you what it expected, what it got
and the mistake that most often causes that. Your instructor also runs hidden tests on
other inputs."""

ENVIRONMENT_CELL = """\
# Run this first: it checks that this notebook can find what it needs.
try:
    from helpers.env import check_environment
except ModuleNotFoundError:
    raise SystemExit("Open this notebook from the course's lessons/ folder "
                     "(the helpers/ folder must sit beside it).") from None
check_environment(["numpy"])"""

#: module -> its docstring, for a new lesson (`{n}` the number, `{title}` the title).
MODULE_DOCSTRINGS = {
    "solutions": '"""Lesson {n} — {title}.\n\nThe reference answers, one function per exercise: '
                 "each one's signature and docstring\nare what the learner sees in the notebook, "
                 'its body is the answer (solutions/__init__.py).\n"""\n',
    "checks": '"""Visible checks for lesson {n}. Each takes your function and tests it on small cases."""\n',
    "hidden": '"""Hidden tests for lesson {n}: seeded random inputs, compared with the reference."""\n',
    "mutants": '"""Wrong answers to lesson {n} that learners really write."""\n',
}

LESSON_TEST = '''\
"""Lesson {n}: the references agree with an independent computation, and the text's figures
are computed (tests/figures.py: `assert_stated`)."""
'''


def lesson_notebook(number: str, title: str) -> nbformat.NotebookNode:
    """A new lesson: its title and introduction, the environment check, the imports, a summary."""
    intro = (f"# {number} · {title}\n\n"
             "(Write here what this lesson is about, and what the learner can do by its end:\n\n"
             "* one line per skill.)\n\n" + HOW_THE_EXERCISES_WORK)
    imports = f"import numpy as np\n\nfrom helpers.checks import lesson{number} as check"
    closing = (f"{CLOSING}\n\n* (One line per idea the learner now holds.)\n\n"
               "(Next: what the following lesson builds on this one.)")
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC,
                                                  "language_info": {"name": "python"}})
    notebook.cells = [nbformat.v4.new_markdown_cell(intro), nbformat.v4.new_code_cell(ENVIRONMENT_CELL),
                      nbformat.v4.new_code_cell(imports), nbformat.v4.new_markdown_cell(closing)]
    for i, cell in enumerate(notebook.cells):
        cell.id = f"cell-{i:02d}"
    return notebook


def new_lesson(name: str, root: Path = ROOT) -> list[Path]:
    """Create lesson `NN_name`: its notebook, its four modules and its test file. Returns them."""
    match = NAME.match(name)
    if not match:
        raise ScaffoldError(f"a lesson's name is two digits, an underscore and words in snake case, "
                            f"e.g. 14_attention_heads (not {name!r})")
    number, title = match["number"], title_of(match["words"])
    places = Places(root, number)
    taken = sorted((root / "lessons").glob(f"{number}_*.ipynb"))
    existing = [path for path in [*taken, *places.modules(), places.tests] if path.exists()]
    if existing:
        raise ScaffoldError(f"lesson {number} exists already: {', '.join(map(str, existing))}")
    notebook = root / "lessons" / f"{name}.ipynb"
    nbformat.write(lesson_notebook(number, title), notebook)
    for key, path in zip(MODULE_DOCSTRINGS, places.modules()):
        path.write_text(MODULE_DOCSTRINGS[key].format(n=number, title=title))
    places.tests.write_text(LESSON_TEST.format(n=number))
    return [notebook, *places.modules(), places.tests]


# ---------------------------------------------------------------------------------------
# A new exercise: one template per place (`{name}`, `{n}` the lesson's number)


REFERENCE = '''

def {name}(x: np.ndarray) -> np.ndarray:
    """TODO, the learner reads this docstring: one line saying what `{name}` computes.

    Then each argument with its shape and meaning, and what comes back (shape and type).
    Replace the signature too: its type hints are the promise every check holds the
    learner to (the return annotation is the promised type of the result).
    """
    raise NotImplementedError("write the reference answer to {name} in solutions/lesson{n}.py")
'''

VISIBLE_CHECK = '''

@guarded
def {name}(learner_{name}):
    """TODO: what this check tries, in one line."""
    chk = Check("{name}", learner_{name})
    # TODO: small cases with literal expected values, simplest first, one for each mistake
    # learners make, each with the hint for that mistake (helpers/checking.py lists the calls):
    #     chk.returns((np.array([1.0, 2.0]),), [2.0, 4.0], case="x=[1, 2]", hint="...")
    chk.fail("its visible check is not written yet",
             "write it in lessons/helpers/checks/lesson{n}.py, then delete this line.")
    chk.passed()
'''

HIDDEN_TEST = '''

@guarded
def {name}(learner_{name}):
    """The reference's results on the visible check's calls with new random values (same
    shapes and kinds). TODO if that is not enough: a make_args of your own where the contract
    constrains the values or the visible check's shapes miss what a right answer must handle
    (batches, odd sizes, edge values); a hint of your own if the docstring's first line is not
    one (autograder/hidden/common.py)."""
    chk = hidden_check("{name}", learner_{name})
    hint = inspect.getdoc(reference.{name}).splitlines()[0]
    make_args = like_the_visible_calls(visible.{name}, reference.{name})
    agrees_with_reference(chk, reference.{name}, make_args, hint=hint)
'''

MUTANT_SLOT = '''

@mutant("{name}", "TODO: words of the hint this mistake's feedback must contain")
def {name}_mistake_{k}(x):
    """TODO: a wrong answer to `{name}` that learners really write; rename the function after
    the mistake. When it is the reference with one fragment changed, write it in one line:
        {name}_<mistake> = replaced({name}, "<fragment of the reference>", "<the wrong one>",
                                   "<words of the hint>")
    (import the reference: from solutions.lesson{n} import {name})."""
    raise NotImplementedError("write mutant {k} of {name} in autograder/mutants/lesson{n}.py")
'''

#: place -> the imports its templates use.
IMPORTS = {
    "solutions": ["import numpy as np"],
    "checks": ["from helpers.checking import Check, guarded"],
    "hidden": ["import inspect",
               "from autograder.hidden.common import agrees_with_reference, hidden_check, "
               "like_the_visible_calls",
               "from helpers.checking import guarded", "from helpers.checks import lesson{n} as visible",
               "from solutions import lesson{n} as reference"],
    "mutants": ["from autograder.mutants import mutant"],
}


def exercise_cells(name: str, number_in_lesson: int) -> list[nbformat.NotebookNode]:
    """The heading and text, the answer cell and the test cell of exercise `name`."""
    text = nbformat.v4.new_markdown_cell(
        f"## Exercise {number_in_lesson} · {title_of(name)}  (⭐ easy · ~5 min)\n\n"
        f"(Write here what `{name}` computes and why it matters, with a small worked example; "
        "the learner reads this first, then the function's docstring.)")
    answer = nbformat.v4.new_code_cell(f"def {name}():\n    raise NotImplementedError()",
                                       metadata={"deletable": False,
                                                 "nbgrader": {**SOLUTION_CELL, "grade_id": name}})
    test = nbformat.v4.new_code_cell(f"check.{name}({name})\n", metadata={
        "deletable": False, "editable": False, "nbgrader": {**TEST_CELL, "grade_id": f"test_{name}"}})
    for cell, suffix in ((text, "text"), (answer, "answer"), (test, "test")):
        cell.id = f"{name}-{suffix}"[:64].replace("_", "-")
    return [text, answer, test]


def exercises_in(notebook: nbformat.NotebookNode) -> list[str]:
    return [meta["grade_id"] for cell in notebook.cells
            if (meta := cell.metadata.get("nbgrader", {})).get("solution")]


def ensure_imports(path: Path, lines: list[str]) -> None:
    """Add the import lines `path` lacks after its docstring (ruff's isort then orders them)."""
    text = path.read_text()
    missing = [line for line in lines if line not in text]
    if not missing:
        return
    docstring = re.match(r'\s*(""".*?"""\n)', text, re.DOTALL)
    at = docstring.end() if docstring else 0
    path.write_text(f"{text[:at]}\n" + "\n".join(missing) + "\n" + text[at:])


def sort_imports(paths: list[Path], root: Path) -> None:
    """Order the imports as the lint configuration wants them (ruff, rule I), if ruff is here."""
    subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "--select", "I", "--quiet",
                    *map(str, paths)], cwd=root, capture_output=True, check=False)


def new_exercise(number: str, name: str, root: Path = ROOT, release: bool = True) -> list[Path]:
    """Add exercise `name` to lesson `number` in every place it lives. Returns the files changed."""
    if not EXERCISE.match(name):
        raise ScaffoldError(f"an exercise's name is a Python function name in snake case (not {name!r})")
    places = Places(root, f"{int(number):02d}")
    notebook_path = places.notebook()
    notebook = nbformat.read(notebook_path, as_version=4)
    if name in exercises_in(notebook):
        raise ScaffoldError(f"{notebook_path.name} has an exercise {name!r} already")
    missing = [path for path in places.modules() if not path.exists()]
    if missing:
        raise ScaffoldError(f"lesson {places.number} lacks {', '.join(map(str, missing))}")
    for path in places.modules():
        if re.search(rf"^(def {name}\(|{name} = )", path.read_text(), re.MULTILINE):
            raise ScaffoldError(f"{path} defines {name} already")

    closing = next((i for i, cell in enumerate(notebook.cells)
                    if cell.cell_type == "markdown" and cell.source.startswith(CLOSING)), len(notebook.cells))
    notebook.cells[closing:closing] = exercise_cells(name, len(exercises_in(notebook)) + 1)
    nbformat.write(notebook, notebook_path)

    fill = {"name": name, "n": places.number}
    templates = {"solutions": REFERENCE, "checks": VISIBLE_CHECK, "hidden": HIDDEN_TEST,
                 "mutants": MUTANT_SLOT.format(k=1, **fill) + MUTANT_SLOT.format(k=2, **fill)}
    for key, path in zip(IMPORTS, places.modules()):
        ensure_imports(path, [line.format(**fill) for line in IMPORTS[key]])
        template = templates[key] if key == "mutants" else templates[key].format(**fill)
        path.write_text(path.read_text().rstrip("\n") + "\n" + template)
    sort_imports(places.modules(), root)
    if release:
        release_lesson(root, notebook_path.stem)
    return [notebook_path, *places.modules()]


def release_lesson(root: Path, lesson: str) -> None:
    """`python -m autograder build --write-lessons <lesson>` in `root`: the answer cell becomes
    the reference's stub and lessons/ the release (with nbgrader's checksums)."""
    subprocess.run([sys.executable, "-m", "autograder", "build", "--write-lessons", lesson],
                   cwd=root, check=True)


def main(command: str, argv: list[str]) -> None:
    """`new-lesson NN_name` or `new-exercise NN name`."""
    parser = argparse.ArgumentParser(prog=f"python -m autograder {command}", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    if command == "new-lesson":
        parser.add_argument("lesson", help="NN_name, e.g. 14_attention_heads")
    else:
        parser.add_argument("lesson", help="the lesson's number, e.g. 14")
        parser.add_argument("name", help="the exercise's function name, e.g. head_scores")
        parser.add_argument("--no-release", action="store_true",
                            help="do not build and release the lesson afterwards (no nbgrader run)")
    args = parser.parse_args(argv)
    try:
        if command == "new-lesson":
            written = new_lesson(args.lesson)
            follow = (f"next: python -m autograder new-exercise {args.lesson[:2]} <name>; and in "
                      "docs/syllabus.md a section for the lesson (objectives, prerequisites and "
                      f"`<!-- generated: {args.lesson[:2]} -->`), then  python -m autograder docs")
        else:
            written = new_exercise(args.lesson, args.name, release=not args.no_release)
            follow = ("fill in each TODO (the reference first), then run  python -m autograder build "
                      f"--write-lessons  and  python -m pytest --lessons={int(args.lesson):02d}")
    except ScaffoldError as err:
        sys.exit(f"error: {err}")
    print("wrote " + ", ".join(str(path.relative_to(ROOT)) for path in written))
    print(follow)
