"""Run each lesson top to bottom with the reference answers, once, and keep the result.

The notebook that runs is the learner's (lessons/NN_*.ipynb) with every exercise cell
answered by its reference, exactly as a learner who solved everything would have it
(`autograder.submissions`): no hidden test runs, so none can print anything.

An executed notebook is cached under a key made of everything its outputs depend on: the
lesson, its reference answers, the modules of helpers/ and solutions/ that it imports
(found by reading the imports of its cells, then of those modules), every data file of
helpers/, and the package versions pinned in requirements.txt. An unchanged lesson is never
run twice; a changed helper runs again only the lessons that import it.

Cells run with the grader's client (`autograder.grading.execute.Rearming`), which cannot
miss a cell's reply. A lesson that does not run top to bottom (a cell raises, times out,
or kills its kernel; a process executing lessons dies) raises LessonFailed, naming the
lesson and the cell.
"""

from __future__ import annotations

import ast
import hashlib
import multiprocessing
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from autograder.build import IGNORE, LESSONS, ROOT, SUPPORT, Lesson
from autograder.grading.execute import Rearming
from autograder.submissions import answered, reference_answers

#: Bump when the way lessons are executed changes, so that old cached runs are not reused.
EXECUTION_VERSION = "1"
#: Seconds one cell may run: several times the slowest cell of any lesson (a training loop)
#: on a busy 2-core machine, so that a cell that never ends fails the build in minutes.
CELL_TIMEOUT = 300


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


class LessonClient(Rearming, NotebookClient):
    """nbclient's client with the grader's re-arming wait; it knows which cell it is running
    (`running`, an index) and, given a `progress` file, writes that cell's label into it as
    the cell starts (a process that dies mid-lesson leaves the file behind)."""

    def __init__(self, notebook: nbformat.NotebookNode, progress: Path | None = None, **kwargs) -> None:
        super().__init__(notebook, **kwargs)
        self.running: int | None = None
        self.progress = progress

    async def async_execute_cell(self, cell, cell_index: int, execution_count: int | None = None,
                                 store_history: bool = True):
        self.running = cell_index
        if self.progress is not None:
            self.progress.write_text(cell_label(self.nb, cell_index))
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)


def _why(error: Exception) -> str:
    """A failed run's reason, in one line."""
    if isinstance(error, CellTimeoutError):
        return f"timed out after {CELL_TIMEOUT} s"
    if isinstance(error, DeadKernelError):
        return "the kernel died (os._exit, a signal, or out of memory)"
    return f"{error.ename}: {error.evalue}"


def execute(lesson: Lesson, progress: Path | None = None) -> nbformat.NotebookNode:
    """Run the lesson with the reference answers, in a scratch copy of its folder.

    Raises LessonFailed naming the lesson and the cell when a cell raises, times out or
    kills its kernel. `progress`: a file that names the running cell (see LessonClient).
    """
    notebook = answered(lesson.path, reference_answers(lesson))
    with tempfile.TemporaryDirectory(prefix=f"site-{lesson.name[:2]}-") as scratch:
        for support in SUPPORT:
            shutil.copytree(LESSONS / support, Path(scratch) / support, ignore=IGNORE)
        client = LessonClient(notebook, progress, timeout=CELL_TIMEOUT, kernel_name="python3",
                              resources={"metadata": {"path": scratch}})
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            cell = cell_label(notebook, client.running) if client.running is not None else "its start"
            raise LessonFailed(f"lesson {lesson.name} failed to execute at {cell}: {_why(error)}") from None
        # a warning or a figure's caption may name the scratch folder: pages show paths from it
        text = nbformat.writes(notebook)
        if scratch in text:
            notebook = nbformat.reads(text.replace(f"{scratch}/", "").replace(scratch, "."), as_version=4)
    if where := first_error(notebook):
        output = where[1]
        raise LessonFailed(f"lesson {lesson.name} failed to execute at {cell_label(notebook, where[0])}: "
                           f"{output.get('ename')}: {output.get('evalue')}")
    return notebook


def run_into_cache(lesson: Lesson, cache: Path, log=print,
                   progress: Path | None = None) -> tuple[Path, bool]:
    """Make sure `cache` holds the lesson executed with the references, as it is now.

    Returns the cached notebook's path and whether it was there already.
    """
    path = cache / f"{lesson.name}-{cache_key(lesson)}.ipynb"
    if path.exists():
        return path, True
    start = time.perf_counter()
    notebook = execute(lesson, progress)
    cache.mkdir(parents=True, exist_ok=True)
    for stale in cache.glob(f"{lesson.name}-*.ipynb"):
        stale.unlink()
    partial = path.with_suffix(".partial")
    nbformat.write(notebook, partial)
    partial.replace(path)
    log(f"executed {lesson.name} in {time.perf_counter() - start:.0f} s")
    return path, False


def _run_in_process(job: tuple[str, str, str]) -> tuple[Path, bool]:
    """run_into_cache in a worker process; the lesson's progress file (in the folder
    `job[2]`) is left behind only if the process dies."""
    lesson, cache, progress = job
    file = Path(progress) / Path(lesson).stem
    try:
        return run_into_cache(Lesson(Path(lesson)), Path(cache), lambda message: print(message, flush=True),
                              file)
    finally:
        file.unlink(missing_ok=True)


def _worker_died(progress: Path) -> LessonFailed:
    """The failure of a build whose worker process died: the lessons and cells it left running."""
    running = [f"lesson {file.name} at {file.read_text()}" for file in sorted(progress.iterdir())]
    where = f"while running {'; '.join(running)}" if running else "before any lesson's cell ran"
    return LessonFailed(f"a process executing lessons died (killed, or out of memory?) {where}")


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
        with (tempfile.TemporaryDirectory(prefix="site-progress-") as progress,
              ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool):
            try:
                runs = list(pool.map(_run_in_process,
                                     [(str(lesson.path), str(cache), progress) for lesson in lessons]))
            except BrokenProcessPool:
                raise _worker_died(Path(progress)) from None
    return {lesson.name: (nbformat.read(path, as_version=4), from_cache)
            for lesson, (path, from_cache) in zip(lessons, runs)}
