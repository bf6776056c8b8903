"""Run each lesson top to bottom with the reference answers, once, and keep the result.

The notebook that runs is the learner's (lessons/NN_*.ipynb) with every exercise cell
answered by its reference, exactly as a learner who solved everything would have it
(`autograder.submissions`): no hidden test runs, so none can print anything.

An executed notebook is cached under a key made of everything its outputs depend on: the
lesson, its reference answers, the modules of helpers/ and solutions/ that it imports
(found by reading the imports of its cells, then of those modules), every data file of
helpers/, and the package versions pinned in requirements.txt. An unchanged lesson is never
run twice; a changed helper runs again only the lessons that import it.
"""

from __future__ import annotations

import ast
import hashlib
import multiprocessing
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

from autograder.build import IGNORE, LESSONS, ROOT, SUPPORT, Lesson
from autograder.submissions import answered, reference_answers

#: Bump when the way lessons are executed changes, so that old cached runs are not reused.
EXECUTION_VERSION = "1"
#: Seconds one cell may run (lesson 08 trains a GPT; a busy 2-core machine is slow).
CELL_TIMEOUT = 900


class SiteFailed(RuntimeError):
    """The site was not built; the message says why."""


class LessonFailed(SiteFailed):
    """A lesson did not run top to bottom; the message names the lesson and the cell."""


#: The course's own packages a lesson imports from: a change in one of their modules runs
#: again only the lessons that import it (directly or through another of these modules).
PACKAGES = {"helpers": LESSONS / "helpers", "solutions": ROOT / "solutions"}


def _module_file(name: str) -> Path | None:
    """The file of a module of the course's packages (`helpers.gpt`), or None."""
    first, *rest = name.split(".")
    if first not in PACKAGES:
        return None
    path = PACKAGES[first].joinpath(*rest)
    candidates = [path.with_suffix(".py"), path / "__init__.py"] if rest else [path / "__init__.py"]
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def _imports(source: str) -> set[str]:
    """Modules of the course's packages that `source` imports, anywhere in it."""
    try:
        tree = ast.parse("\n".join(line for line in source.splitlines()
                                   if not line.lstrip().startswith(("%", "!"))))
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in PACKAGES}


def dependencies(lesson: Lesson) -> list[Path]:
    """The files the lesson's run depends on: the modules of helpers/ and solutions/ it
    imports (their imports too, and their packages' __init__), and every data file of helpers/."""
    notebook = nbformat.read(lesson.path, as_version=4)
    queue = [f"solutions.{lesson.module}"]
    queue += [name for cell in notebook.cells if cell.cell_type == "code" for name in _imports(cell.source)]
    seen: set[Path] = set()
    while queue:
        name = queue.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            path = _module_file(".".join(parts[:depth]))
            if path and path not in seen:
                seen.add(path)
                queue += _imports(path.read_text())
    data = [p for p in (LESSONS / "helpers").rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
            and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts]
    return sorted(seen) + sorted(data)


def cache_key(lesson: Lesson) -> str:
    """A hash of everything the lesson's executed outputs depend on."""
    digest = hashlib.sha256(EXECUTION_VERSION.encode())
    for path in [lesson.path, ROOT / "requirements.txt", *dependencies(lesson)]:
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        digest.update(str(name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cell_label(notebook: nbformat.NotebookNode, index: int) -> str:
    """How a failure names a cell: its number, its id and its first line."""
    cell = notebook.cells[index]
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {index + 1} of {len(notebook.cells)} (id {cell.get('id', '?')}: {first[:70]!r})"


def first_error(notebook: nbformat.NotebookNode) -> tuple[int, dict] | None:
    """The first cell with an error output, and that output (widgets' stored outputs too)."""
    widget_state = (notebook.metadata.get("widgets", {})
                    .get("application/vnd.jupyter.widget-state+json", {}).get("state", {}))
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                return index, output
            model_id = output.get("data", {}).get("application/vnd.jupyter.widget-view+json",
                                                  {}).get("model_id")
            for inner in _widget_outputs(widget_state, model_id):
                if inner.get("output_type") == "error":
                    return index, inner
    return None


def _widget_outputs(state: dict, model_id: str | None) -> list[dict]:
    """The outputs stored in every Output widget inside widget `model_id`."""
    model = state.get(model_id or "", {})
    found = list(model.get("state", {}).get("outputs", []))
    for child in model.get("state", {}).get("children", []):
        found += _widget_outputs(state, str(child).removeprefix("IPY_MODEL_"))
    return found


def execute(lesson: Lesson) -> nbformat.NotebookNode:
    """Run the lesson with the reference answers, in a scratch copy of its folder.

    Raises LessonFailed naming the lesson and the cell when a cell raises or times out.
    """
    notebook = answered(lesson.path, reference_answers(lesson))
    with tempfile.TemporaryDirectory(prefix=f"site-{lesson.name[:2]}-") as scratch:
        for support in SUPPORT:
            shutil.copytree(LESSONS / support, Path(scratch) / support, ignore=IGNORE)
        client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                                resources={"metadata": {"path": scratch}})
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError) as error:
            where = first_error(notebook)
            cell = cell_label(notebook, where[0]) if where else "a cell"
            summary = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
            raise LessonFailed(f"lesson {lesson.name} failed to execute at {cell}: {summary}") from None
        # a warning or a figure's caption may name the scratch folder: pages show paths from it
        text = nbformat.writes(notebook)
        if scratch in text:
            notebook = nbformat.reads(text.replace(f"{scratch}/", "").replace(scratch, "."), as_version=4)
    if where := first_error(notebook):
        output = where[1]
        raise LessonFailed(f"lesson {lesson.name} failed to execute at {cell_label(notebook, where[0])}: "
                           f"{output.get('ename')}: {output.get('evalue')}")
    return notebook


def run_into_cache(lesson: Lesson, cache: Path, log=print) -> tuple[Path, bool]:
    """Make sure `cache` holds the lesson executed with the references, as it is now.

    Returns the cached notebook's path and whether it was there already.
    """
    path = cache / f"{lesson.name}-{cache_key(lesson)}.ipynb"
    if path.exists():
        return path, True
    start = time.perf_counter()
    notebook = execute(lesson)
    cache.mkdir(parents=True, exist_ok=True)
    for stale in cache.glob(f"{lesson.name}-*.ipynb"):
        stale.unlink()
    partial = path.with_suffix(".partial")
    nbformat.write(notebook, partial)
    partial.replace(path)
    log(f"executed {lesson.name} in {time.perf_counter() - start:.0f} s")
    return path, False


def _run_in_process(job: tuple[str, str]) -> tuple[Path, bool]:
    lesson, cache = job
    return run_into_cache(Lesson(Path(lesson)), Path(cache), lambda message: print(message, flush=True))


def executed_lessons(lessons: list[Lesson], cache: Path, workers: int = 1,
                     log=print) -> dict[str, tuple[nbformat.NotebookNode, bool]]:
    """Lesson name -> (the lesson executed with the references, whether it came from the cache).

    With several workers, each lesson runs from a process of its own (a kernel client per
    thread of one process can hang).
    """
    if workers <= 1 or len(lessons) <= 1:
        runs = [run_into_cache(lesson, cache, log) for lesson in lessons]
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            runs = list(pool.map(_run_in_process, [(str(lesson.path), str(cache)) for lesson in lessons]))
    return {lesson.name: (nbformat.read(path, as_version=4), from_cache)
            for lesson, (path, from_cache) in zip(lessons, runs)}
