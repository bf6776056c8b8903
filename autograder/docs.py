"""`python -m autograder docs [--check]`: the generated parts of the teacher's pack in docs/.

    docs/mistakes.md   the whole file: every mutant (autograder/mutants/lessonNN.py), under its
                       exercise, with the hint its feedback must contain
    docs/syllabus.md   the blocks between `<!-- generated: NN -->` and `<!-- end generated -->`:
                       each lesson's exercises (from the notebooks' headings
                       `## Exercise N · Title  (⭐⭐ medium · ~10 min)` and test cells' points),
                       its reading, its measured run time (docs/benchmark-run.txt, the output of
                       benchmarks/run.py) and the learner time they add up to

With `--check` nothing is written: the command lists the files that are out of date and exits
1 (tests/test_docs.py does the same, so the docs cannot drift from the course).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.build import ROOT, Lesson, all_lessons
from autograder.mutants import Mutant, mutants_of

DOCS = ROOT / "docs"
MISTAKES = DOCS / "mistakes.md"
SYLLABUS = DOCS / "syllabus.md"
BENCHMARK = DOCS / "benchmark-run.txt"
HEADING = re.compile(r"^## Exercise (?P<number>\d+) · (?P<title>.+?)\s+"
                     r"\((?P<stars>⭐+) (?P<difficulty>\w+) · ~(?P<minutes>\d+) min\)\s*$", re.MULTILINE)
BLOCK = re.compile(r"(<!-- generated: (?P<key>\w+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.DOTALL)
#: Reading speed assumed for the lessons' prose (technical text with formulas and code).
WORDS_PER_MINUTE = 100
WORDS_ROUNDED_TO = 100
#: A lesson's learner time is rounded up to this many minutes.
ROUND_TO = 5


@dataclass(frozen=True)
class Exercise:
    """One exercise, as its notebook announces it."""

    number: int
    title: str
    name: str
    stars: str
    difficulty: str
    minutes: int
    points: float


@dataclass(frozen=True)
class LessonFacts:
    """What the syllabus says of a lesson, all read from the course."""

    lesson: Lesson
    title: str
    exercises: list[Exercise]
    words: int
    run_seconds: float | None

    @property
    def exercise_minutes(self) -> int:
        return sum(e.minutes for e in self.exercises)

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)

    @property
    def reading_minutes(self) -> int:
        return math.ceil(self.words / WORDS_PER_MINUTE)

    @property
    def learner_minutes(self) -> int:
        """Exercises + reading + running every cell, rounded up."""
        total = self.exercise_minutes + self.reading_minutes + (self.run_seconds or 0) / 60
        return ROUND_TO * math.ceil(total / ROUND_TO)


# -- reading the course ------------------------------------------------------------------------


def exercises_of(lesson: Lesson) -> list[Exercise]:
    """The lesson's exercises in order: each exercise cell with the heading before it."""
    notebook = nbformat.read(lesson.path, as_version=4)
    points = {meta["grade_id"]: float(meta.get("points", 0)) for cell in notebook.cells
              if (meta := cell.metadata.get("nbgrader", {})).get("grade")}
    found, heading = [], None
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and (match := HEADING.search(cell.source)):
            heading = match
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            name = meta["grade_id"]
            if heading is None:
                raise ValueError(f"{lesson.name}: exercise {name} has no heading "
                                 "'## Exercise N · Title  (⭐ easy · ~5 min)' before it")
            found.append(Exercise(int(heading["number"]), heading["title"], name, heading["stars"],
                                  heading["difficulty"], int(heading["minutes"]),
                                  points.get(f"test_{name}", 0.0)))
            heading = None
    return found


def lesson_title(lesson: Lesson) -> str:
    """The notebook's first heading, without its '# '."""
    notebook = nbformat.read(lesson.path, as_version=4)
    first = next(c.source for c in notebook.cells if c.cell_type == "markdown")
    return first.splitlines()[0].lstrip("# ").strip()


def prose_words(lesson: Lesson) -> int:
    """Words in the lesson's markdown cells, to the nearest hundred (so that editing a
    sentence does not make the syllabus out of date)."""
    notebook = nbformat.read(lesson.path, as_version=4)
    words = sum(len(c.source.split()) for c in notebook.cells if c.cell_type == "markdown")
    return WORDS_ROUNDED_TO * round(words / WORDS_ROUNDED_TO)


def measured_run_seconds(text: str) -> dict[str, float]:
    """Lesson name -> 'run all' seconds, from benchmarks/run.py's output."""
    rows = re.findall(r"^(\d\d_\w+)\s+([\d.]+)\s+[\d.]+\s+(?:yes|NO)\s*$", text, re.MULTILINE)
    return {name: float(seconds) for name, seconds in rows}


def benchmark_note(text: str) -> str:
    """When and under what load the run times were measured (the benchmark file's first line)."""
    return text.splitlines()[0].lstrip("# ").strip() if text.strip() else ""


def course_facts() -> list[LessonFacts]:
    """The facts of every lesson, in course order."""
    if str(ROOT / "lessons") not in sys.path:  # the mutants import the lessons' helpers
        sys.path.append(str(ROOT / "lessons"))
    runs = measured_run_seconds(BENCHMARK.read_text()) if BENCHMARK.exists() else {}
    return [LessonFacts(lesson, lesson_title(lesson), exercises_of(lesson), prose_words(lesson),
                        runs.get(lesson.name)) for lesson in all_lessons()]


# -- docs/mistakes.md --------------------------------------------------------------------------


def mistake_name(mutant: Mutant) -> str:
    """A mutant's name as words, without the exercise's name (or its first word) in front."""
    name = mutant.name
    for prefix in (f"{mutant.exercise}_", f"{mutant.exercise.split('_')[0]}_"):
        name = name.removeprefix(prefix)
    words = name.replace("_", " ")
    return words[:1].upper() + words[1:]


def table_cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def mutant_code(mutant: Mutant) -> str:
    """The wrong answer in a collapsed block: a one-line mistake as its change to the code it
    changes (a diff, usually of the reference), any other as a learner would type it."""
    code = (f"```diff\n{mutant.change()}\n```" if mutant.base is not None
            else f"```python\n{mutant.source.strip()}\n```")
    return f"<details><summary><code>{mutant.name}</code></summary>\n\n{code}\n\n</details>\n"


def exercise_mistakes(exercise: Exercise, mutants: list[Mutant]) -> str:
    """The section of one exercise: a table of its mistakes and hints, then their code."""
    lines = [f"### Exercise {exercise.number} · {exercise.title} (`{exercise.name}`)\n",
             "| the mistake | the feedback's hint contains |", "|---|---|"]
    lines += [f"| {table_cell(mistake_name(m))} | {table_cell(m.message)} |" for m in mutants]
    return "\n".join(lines) + "\n\n" + "\n".join(mutant_code(m) for m in mutants)


def mistakes_md(facts: list[LessonFacts]) -> str:
    """docs/mistakes.md."""
    parts = [MISTAKES_INTRO.format(count=sum(len(mutants_of(f.lesson.mutants())) for f in facts),
                                   code_note=MUTANT_CODE_NOTE)]
    for fact in facts:
        mutants = mutants_of(fact.lesson.mutants())
        parts.append(f"## {fact.title}\n")
        for exercise in fact.exercises:
            mine = [m for m in mutants if m.exercise == exercise.name]
            parts.append(exercise_mistakes(exercise, mine) if mine else
                         f"### Exercise {exercise.number} · {exercise.title} (`{exercise.name}`)\n\n"
                         "No mutant yet.\n")
    return "\n".join(parts)


MISTAKES_INTRO = """\
# The mistakes students make, exercise by exercise

<!-- Generated by `python -m autograder docs` from autograder/mutants/ and the lessons'
exercise headings: do not edit by hand. tests/test_docs.py fails when it is out of date. -->

Each row is a wrong answer that learners really write, kept in the course as a *mutant*
(`autograder/mutants/lessonNN.py`, {count} in all). The tests put every mutant in place
of the reference answer and require two things: the exercise loses its points, and the
feedback the learner reads contains the hint in the second column (the checks print it
after "Likely mistake:", with what was expected and what came).
{code_note} Use the table to prepare a lab session, to answer "why is my answer
wrong?" quickly, and to spot a mistake that many students share.
"""
#: The intro's sentence about the code under each table (the web edition leaves both out).
MUTANT_CODE_NOTE = "The code of each mutant is under its table."


# -- docs/syllabus.md --------------------------------------------------------------------------


def seconds_text(seconds: float | None) -> str:
    return "not measured" if seconds is None else f"{seconds:.0f} s"


def lesson_block(fact: LessonFacts) -> str:
    """A lesson's generated syllabus block: its exercises, then its times."""
    lines = ["| # | exercise | difficulty | time | points |", "|---|---|---|---|---|"]
    lines += [f"| {e.number} | {e.title} (`{e.name}`) | {e.stars} {e.difficulty} | ~{e.minutes} min "
              f"| {e.points:g} |" for e in fact.exercises]
    lines += ["", f"Exercises: {len(fact.exercises)}, about {fact.exercise_minutes} min, "
              f"{fact.points:g} points. Reading: about {fact.words:,} words, {fact.reading_minutes} min. "
              f"Run top to bottom with the reference answers: {seconds_text(fact.run_seconds)}. "
              f"Expected learner time: about {fact.learner_minutes} min."]
    return "\n".join(lines) + "\n"


def overview_block(facts: list[LessonFacts]) -> str:
    """The syllabus's table of every lesson."""
    lines = ["| lesson | exercises | points | exercise time | reading | run time | learner time |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {f.title} | {len(f.exercises)} | {f.points:g} | ~{f.exercise_minutes} min "
              f"| ~{f.reading_minutes} min | {seconds_text(f.run_seconds)} | ~{f.learner_minutes} min |"
              for f in facts]
    total = sum(f.learner_minutes for f in facts)
    lines += ["", f"In all: {sum(len(f.exercises) for f in facts)} exercises, "
              f"{sum(f.points for f in facts):g} points, about {total / 60:.0f} hours of learner time."]
    if BENCHMARK.exists():
        lines.append(f"Run times: {benchmark_note(BENCHMARK.read_text())}.")
    return "\n".join(lines) + "\n"


def filled_syllabus(text: str, facts: list[LessonFacts]) -> str:
    """The syllabus with each generated block rewritten from the course."""
    blocks = {fact.lesson.name[:2]: lesson_block(fact) for fact in facts}
    blocks["overview"] = overview_block(facts)

    def fill(match: re.Match) -> str:
        key = match["key"]
        if key not in blocks:
            raise ValueError(f"docs/syllabus.md: no lesson {key} for a generated block")
        return f"{match.group(1)}{blocks[key]}{match.group(4)}"

    return BLOCK.sub(fill, text)


def missing_blocks(text: str, facts: list[LessonFacts]) -> list[str]:
    """Lessons (and the overview) that have no generated block in the syllabus."""
    present = {match["key"] for match in BLOCK.finditer(text)}
    return [key for key in ["overview", *(f.lesson.name[:2] for f in facts)] if key not in present]


# -- the command -------------------------------------------------------------------------------


def generated() -> dict[Path, str]:
    """Each generated file and the text it should hold."""
    facts = course_facts()
    return {MISTAKES: mistakes_md(facts), SYLLABUS: filled_syllabus(SYLLABUS.read_text(), facts)}


def stale() -> list[str]:
    """Why the docs are out of date (empty when they are not)."""
    problems = [f"{path.relative_to(ROOT)} is out of date" for path, text in generated().items()
                if not path.exists() or path.read_text() != text]
    missing = missing_blocks(SYLLABUS.read_text(), course_facts())
    return problems + [f"docs/syllabus.md has no block '<!-- generated: {key} -->'" for key in missing]


def main(argv: list[str] | None = None) -> None:
    """Write the generated docs, or with --check list what is out of date."""
    parser = argparse.ArgumentParser(prog="python -m autograder docs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if out of date")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            sys.exit("run  python -m autograder docs  and commit the result")
        print("docs are up to date")
        return
    for path, text in generated().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    for key in missing_blocks(SYLLABUS.read_text(), course_facts()):
        print(f"docs/syllabus.md has no block '<!-- generated: {key} -->' yet: add one", file=sys.stderr)
