"""The scaffold: `new-lesson` and `new-exercise` in a copy of the project, then the pipeline.

The copy gets a lesson 99 and an exercise `scale_rows` (two arrays). Unfilled, every slot
fails saying what to write. Filled in as a maintainer would (the reference, the visible check
and the mutants: three files; the hidden test as written), the lesson builds and releases,
and the course's own tests pass on
it: the checks and hidden tests in-process, every mutant caught, the release equal to
lessons/, and nbgrader grading the references, the stubs and the mutants.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import ROOT

LESSON, EXERCISE = "99_scaffold_trial", "scale_rows"
#: What the pipeline needs of the project (no data sets, no docs, no classroom).
COPIED = ("autograder", "lessons", "solutions", "tests", "pyproject.toml")
IGNORED = shutil.ignore_patterns("course", "__pycache__", "*.pyc", ".ipynb_checkpoints", "*.pt")


def run(project: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, *args], cwd=project, capture_output=True, text=True,
                            timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with lesson 99 and its exercise scaffolded."""
    copy = tmp_path_factory.mktemp("project")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=IGNORED)
        else:
            shutil.copy(source, copy / name)
    run(copy, "-m", "autograder", "new-lesson", LESSON)
    run(copy, "-m", "autograder", "new-exercise", "99", EXERCISE)
    return copy


def module_files(project: Path) -> dict[str, Path]:
    return {"solutions": project / "solutions" / "lesson99.py",
            "checks": project / "lessons" / "helpers" / "checks" / "lesson99.py",
            "hidden": project / "autograder" / "hidden" / "lesson99.py",
            "mutants": project / "autograder" / "mutants" / "lesson99.py"}


def test_the_exercise_has_its_cells_with_nbgrader_metadata(project):
    notebook = nbformat.read(project / "lessons" / f"{LESSON}.ipynb", as_version=4)
    nbformat.validate(notebook)
    headings = [c.source for c in notebook.cells if c.source.startswith("## Exercise 1 · ")]
    assert headings and "(⭐ easy · ~5 min)" in headings[0]
    answer = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == EXERCISE)
    test = next(c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == f"test_{EXERCISE}")
    assert answer.metadata.nbgrader["solution"] and not answer.metadata.nbgrader["grade"]
    assert test.metadata.nbgrader["grade"] and test.metadata.nbgrader["points"] > 0
    assert test.metadata.nbgrader["locked"] and not test.metadata.get("editable", True)
    assert "checksum" in answer.metadata.nbgrader, "the lesson was released with nbgrader"
    assert answer.source.startswith(f"def {EXERCISE}(") and "raise NotImplementedError()" in answer.source
    assert test.source.strip() == f"check.{EXERCISE}({EXERCISE})"
    assert notebook.cells[-1].source.startswith("## What you built"), "exercises go before the summary"
    assert "from helpers.checks import lesson99 as check" in "".join(c.source for c in notebook.cells)
    for path in [*module_files(project).values(), project / "tests" / "test_lesson99.py"]:
        assert path.read_text().startswith('"""'), f"{path} starts with its docstring"


def test_every_slot_fails_saying_what_to_write(project):
    script = f"""
import json, sys
sys.path.insert(0, "lessons")
import numpy as np
from helpers.checking import CheckFailed
from autograder.mutants import mutants_of
from autograder.hidden import lesson99 as hidden
from helpers.checks import lesson99 as checks
from solutions import lesson99 as reference
said = {{}}
for name, call in [("reference", lambda: reference.{EXERCISE}(np.ones(2))),
                   ("check", lambda: checks.{EXERCISE}(lambda x: 2 * x)),
                   ("hidden", lambda: hidden.{EXERCISE}(lambda x: 2 * x))]:
    try:
        call()
    except (NotImplementedError, CheckFailed) as err:
        said[name] = str(err)
mutants = mutants_of(__import__("autograder.mutants.lesson99", fromlist=["x"]))
for m in mutants:
    try:
        m.fn(np.ones(2))
    except NotImplementedError as err:
        said[m.name] = str(err)
print(json.dumps(said))
"""
    said = json.loads(run(project, "-c", script).stdout)
    assert f"write the reference answer to {EXERCISE} in solutions/lesson99.py" in said["reference"]
    assert "visible check is not written yet" in said["check"]
    assert "visible check is not written yet" in said["hidden"]  # it draws like the visible check
    assert [said[f"{EXERCISE}_mistake_{k}"] for k in (1, 2)] == [
        f"write mutant {k} of {EXERCISE} in autograder/mutants/lesson99.py" for k in (1, 2)]


FILLED = {
    "solutions": ('''def scale_rows(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Multiply each row of x by its own weight.

    x: (n, d), w: (n,). Returns a new (n, d) array whose row i is w[i] * x[i] (x and w are
    not changed).
    """
    return x * w[:, None]
''', []),
    "checks": ('''@guarded
def scale_rows(learner_scale_rows):
    """A square x (a weight per column would look right on its shape) and a tall one."""
    chk = Check("scale_rows", learner_scale_rows)
    chk.returns((np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([10.0, -1.0])), [[10.0, 20.0], [-3.0, -4.0]],
                case="x=[[1, 2], [3, 4]], w=[10, -1]", hint="one weight per ROW: w[:, None], not w.")
    chk.returns((np.ones((3, 1)), np.array([1.0, 2.0, 3.0])), [[1.0], [2.0], [3.0]],
                case="a (3, 1) x", hint="one weight per ROW: w[:, None], not w.")
    chk.passed()
''', ["import numpy as np"]),
    "mutants": ('''scale_rows_by_column = replaced(scale_rows, "x * w[:, None]", "x * w",
                                "one weight per ROW")


@mutant("scale_rows", "return a new array")
def scale_rows_in_place(x, w):
    x *= w[:, None]
    return x
''', ["from autograder.mutants import mutant, replaced", "from solutions.lesson99 import scale_rows"]),
}


def fill_in(path: Path, function: str, imports: list[str]) -> None:
    """Replace the scaffold's slots (everything from the first def or decorator) with `function`."""
    text = path.read_text()
    head = text[:min(text.index(marker) for marker in ("\n@", "\ndef ") if marker in text)].rstrip()
    for line in imports:
        lines = head.splitlines()
        same = [i for i, old in enumerate(lines) if old.startswith(line.split(" import ")[0] + " import ")]
        if same:  # from the same module: the filled-in line names more
            lines[same[0]] = line
        else:
            lines.insert(next(i for i, old in enumerate(lines) if old.startswith(("import", "from"))), line)
        head = "\n".join(lines)
    path.write_text(head + "\n\n\n" + function)


def test_a_filled_in_exercise_passes_the_courses_tests(project):
    files = module_files(project)
    before = {path: path.read_text() for path in project.rglob("*") if path.suffix in (".py", ".ipynb")
              and "course" not in path.parts}
    for key, (function, imports) in FILLED.items():
        fill_in(files[key], function, imports)
    changed = [path for path, text in before.items() if path.read_text() != text]
    assert len(changed) <= 3, changed
    run(project, "-m", "ruff", "check", "--fix", "--select", "I", *map(str, changed))
    run(project, "-m", "ruff", "check", *map(str, files.values()))
    run(project, "-m", "autograder", "build", "--write-lessons", LESSON)
    run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--lessons=99",
        "tests/test_checks.py", "tests/test_release.py", "tests/test_grading.py", timeout=1200)
