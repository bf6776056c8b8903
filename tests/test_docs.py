"""The teacher's pack in docs/ holds for every lesson and stays in sync with the course."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder import docs
from autograder.build import ROOT, all_lessons
from autograder.mutants import mutants_of

DOCS = ROOT / "docs"
SEEDS = Path("/work/shared/seeds")
#: Primary sources the reading list must cite (by a stable part of their address).
REQUIRED_SOURCES = {
    "3Blue1Brown's neural-network chapters": "3blue1brown.com/lessons/neural-networks",
    "3Blue1Brown on attention": "3blue1brown.com/lessons/attention",
    "3Blue1Brown on facts in MLPs": "3blue1brown.com/lessons/mlp",
    "Attention Is All You Need": "arxiv.org/abs/1706.03762",
    "GPT-1": "language_understanding_paper.pdf",
    "GPT-2": "language_models_are_unsupervised_multitask_learners.pdf",
    "GPT-3": "arxiv.org/abs/2005.14165",
    "Toy Models of Superposition": "transformer-circuits.pub/2022/toy_model",
    "Feed-forward layers are key-value memories (Geva et al.)": "2021.emnlp-main.446",
    "Language Modeling Is Compression (Delétang et al.)": "arxiv.org/abs/2309.10668",
    "Scaling laws (Kaplan et al. 2020)": "arxiv.org/abs/2001.08361",
    "Compute-optimal training (Hoffmann et al. 2022)": "arxiv.org/abs/2203.15556",
    "Induction heads (Olsson et al. 2022)": "in-context-learning-and-induction-heads",
    "The logit lens (nostalgebraist)": "interpreting-gpt-the-logit-lens",
    "ROME (Meng et al.)": "arxiv.org/abs/2202.05262",
}


def sections(path: Path, level: str = "##") -> dict[str, str]:
    """Heading -> text under it, for the headings of one level."""
    parts = re.split(rf"^{level} (.+)$", path.read_text(), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def lesson_number(lesson) -> str:
    return lesson.name[:2]


def test_generated_docs_are_up_to_date() -> None:
    assert docs.stale() == [], "run  python -m autograder docs  and commit the result"


def test_every_mutant_is_in_the_mistakes_table() -> None:
    text = (DOCS / "mistakes.md").read_text()
    for lesson in all_lessons():
        for mutant in mutants_of(lesson.mutants()):
            assert f"<code>{mutant.name}</code>" in text and mutant.message in text, mutant.name


def test_every_exercise_announces_its_difficulty_and_time() -> None:
    for lesson in all_lessons():
        exercises = docs.exercises_of(lesson)  # raises if an exercise has no heading
        assert [e.name for e in exercises] == lesson.exercises()
        assert [e.number for e in exercises] == list(range(1, len(exercises) + 1)), lesson.name
        for exercise in exercises:
            assert exercise.difficulty in ("easy", "medium", "hard"), exercise
            assert len(exercise.stars) == ("easy", "medium", "hard").index(exercise.difficulty) + 1
            assert exercise.minutes > 0 and exercise.points > 0, exercise


def test_syllabus_has_objectives_and_prerequisites_for_every_lesson() -> None:
    lessons = sections(DOCS / "syllabus.md", "###")
    for lesson in all_lessons():
        heading = next((h for h in lessons if h.startswith(f"{lesson_number(lesson)} ·")), None)
        assert heading, f"docs/syllabus.md has no section for {lesson.name}"
        assert "Objectives:" in lessons[heading] and "Prerequisites:" in lessons[heading], heading


def semester_weeks() -> dict[str, list[int]]:
    """Lesson number -> the weeks the syllabus's 16-week semester plan gives it."""
    plan = sections(DOCS / "syllabus.md", "###")["A 16-week semester"]
    weeks: dict[str, list[int]] = {}
    for first, last, lessons in re.findall(r"^\| (\d+)(?:-(\d+))? \| ([\d, ]+) \|", plan, re.M):
        for lesson in lessons.split(", "):
            weeks[lesson] = list(range(int(first), int(last or first) + 1))
    return weeks


def test_the_semester_plan_gives_two_weeks_to_the_longest_lessons_it_names() -> None:
    weeks = semester_weeks()
    assert sorted(weeks) == [lesson_number(lesson) for lesson in all_lessons()]
    assert sorted({week for taken in weeks.values() for week in taken}) == list(range(1, 17))
    text = " ".join((DOCS / "syllabus.md").read_text().split())
    named = re.findall(r"\d\d", re.search(r"The longest lessons \(([^)]*)\)", text)[1])
    assert sorted(lesson for lesson, taken in weeks.items() if len(taken) == 2) == named
    by_time = sorted(docs.course_facts(), key=lambda fact: fact.learner_minutes)
    assert sorted(lesson_number(fact.lesson) for fact in by_time[-len(named):]) == named


def test_syllabus_run_times_come_from_the_benchmark_output() -> None:
    measured = docs.measured_run_seconds((DOCS / "benchmark-run.txt").read_text())
    assert measured, "docs/benchmark-run.txt holds no benchmark rows"
    assert set(measured) <= {lesson.name for lesson in all_lessons()}


def test_the_guides_grading_times_are_the_benchmarks() -> None:
    """The instructor guide quotes benchmarks/class_grading.py's output, kept in
    docs/benchmark-grading.txt: per lesson, the grader's time and serial nbgrader's, from one
    run of the script that found identical scores."""
    measured = set()
    text = (DOCS / "benchmark-grading.txt").read_text()
    for lesson, block in re.findall(r"^\d+ submissions of (\d\d)_(.*?)(?=^\d+ submissions of |\Z)",
                                    text, flags=re.M | re.S):
        serial = re.search(r"serial nbgrader autograde:\s+([\d.]+) s", block)[1]
        ours = re.search(r"python -m autograder grade:\s+([\d.]+) s", block)[1]
        assert "identical scores: yes" in block, block
        measured.add((lesson, ours, serial))
    guide = " ".join((DOCS / "instructor-guide.md").read_text().split())
    quoted = re.findall(r"lesson (\d\d) in ([\d.]+) s \((?:serial `nbgrader autograde`: )?([\d.]+) s\)",
                        guide)
    assert quoted, "the guide quotes no grading time"
    assert set(quoted) <= measured, set(quoted) - measured


def test_glossary_covers_every_lesson_in_both_languages() -> None:
    glossary = sections(DOCS / "glossary.md")
    for lesson in all_lessons():
        heading = next((h for h in glossary if h.startswith(f"{lesson_number(lesson)} ·")), None)
        assert heading, f"docs/glossary.md has no section for {lesson.name}"
    for heading, text in glossary.items():
        rows = [row for row in text.splitlines() if row.startswith("| ") and not row.startswith("| English")]
        assert rows, heading
        for row in rows:
            cells = [cell.strip() for cell in row.strip("|").split(" | ")]
            assert len(cells) == 4 and all(cells), row
            english, chinese, definition, chinese_definition = cells
            assert re.search(r"[\u4e00-\u9fff]", chinese + chinese_definition), row
            assert not re.search(r"[\u4e00-\u9fff]", english + definition), row


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source articles are not on this machine")
def test_glossary_definitions_are_not_copied_from_the_source_articles() -> None:
    """Twelve Chinese characters in a row, the same as in a source article, would be a copy."""
    seeds = "".join(path.read_text() for path in SEEDS.glob("*.txt"))
    for run in re.findall(r"[\u4e00-\u9fff，、；：（）]{12,}", (DOCS / "glossary.md").read_text()):
        for start in range(len(run) - 11):
            assert run[start:start + 12] not in seeds, run


def test_reading_list_has_sources_for_every_lesson() -> None:
    reading = sections(DOCS / "reading-list.md")
    for lesson in all_lessons():
        heading = next((h for h in reading if h.startswith(f"{lesson_number(lesson)} ·")), None)
        assert heading, f"docs/reading-list.md has no section for {lesson.name}"
        assert "<https://" in reading[heading] or "<http://" in reading[heading], heading
    text = (DOCS / "reading-list.md").read_text()
    missing = [name for name, address in REQUIRED_SOURCES.items() if address not in text]
    assert missing == []


def test_links_between_documents_resolve() -> None:
    for path in [*DOCS.glob("*.md"), ROOT / "README.md"]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text()):
            assert (path.parent / target).exists(), f"{path.name}: {target}"
        for name in re.findall(r"`((?:docs/)?[\w-]+\.md)`", path.read_text()):
            candidates = [path.parent / name, ROOT / name, DOCS / name]
            assert any(c.exists() for c in candidates), f"{path.name}: {name}"


def test_the_readme_states_the_checks_time_limit() -> None:
    """The README's time limit of a check's call is the checks' own (helpers/checking.py)."""
    from helpers.checking import CALL_SECONDS

    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"if one call runs for {CALL_SECONDS:g} seconds" in readme
