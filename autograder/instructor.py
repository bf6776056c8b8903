"""The instructor's commands: release, collect, grade, feedback and export, one family.

    python -m autograder release LESSON [LESSON ...] [--to-exchange]   build + nbgrader generate_assignment
    python -m autograder collect LESSON [LESSON ...]                   nbgrader collect (on a hub)
    python -m autograder grade LESSON [LESSON ...] [--workers N ...]   the course's parallel, sandboxed grader
    python -m autograder feedback LESSON [LESSON ...] [--to-exchange]  nbgrader generate_feedback
    python -m autograder export [LESSON ...] [--missing-as-zero]       nbgrader's CSV and a CSV for an LMS

Every command takes `--course DIR` (default: autograder/course) and runs from the project's
folder with no environment activated: nbgrader's tools (and the `alembic` nbgrader calls by
name) are found beside this Python. A lesson is named in full (`01_leaf_or_flower`) or by its number
(`01` or `1`). nbgrader's own exit codes do not say whether anything was done (`nbgrader
export` exits 0 after "No notebooks were matched"), so each command checks what it should
have produced and exits 1 with a sentence saying what is missing and what to run.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Callable
from pathlib import Path

from autograder import nbgrader
from autograder.build import DEFAULT_COURSE, all_lessons, build
from autograder.gradebook import (
    GradebookError,
    check_gradebook,
    gradebook_lessons,
    gradebook_url,
    one_at_a_time,
    sqlite_file,
)

EXPORTS = "exports"
NBGRADER_CSV = "nbgrader_grades.csv"
LMS_CSV = "lms_grades.csv"
LMS_PLUGIN = "autograder.lms.LmsCsvExportPlugin"


class InstructorError(Exception):
    """Something the instructor asked for cannot be done; the message says why and what to do."""


# -- lessons and course directories ----------------------------------------------------------


def resolve(names: list[str], known: list[str], where: str) -> list[str]:
    """Full lesson names for `names`, each given in full or by its number ("01" or "1")."""
    resolved = []
    for name in names:
        matches = [k for k in known if name == k or (name.isdigit() and k[:2] == f"{int(name):02d}")]
        if not matches:
            raise InstructorError(f"no lesson {name!r} {where}; the lessons there are: "
                                  f"{', '.join(known) or '(none)'}")
        resolved.append(matches[0])
    return list(dict.fromkeys(resolved))


def course_lessons() -> list[str]:
    """Every lesson of the course, from lessons/."""
    return [lesson.name for lesson in all_lessons()]


def released(course: Path) -> list[str]:
    """The lessons released in `course` (in its gradebook and its release/ folder). Raises
    GradebookError if its gradebook cannot be opened (nbgrader's db_url: a server, a wrong URL)."""
    url = gradebook_url(course)
    file = sqlite_file(url)
    if file is not None and not file.is_file():
        raise InstructorError(f"{course} is not a course directory yet (no {file.name}): "
                              "release a lesson first, e.g.  python -m autograder release 01")
    check_gradebook(url)
    return sorted(set(release_folders(course)) & gradebook_lessons(url))


def release_folders(course: Path) -> list[str]:
    """The lessons with a folder in `course`'s release/ (no gradebook read, no nbgrader loaded)."""
    release = course / "release"
    return sorted(p.name for p in release.iterdir() if p.is_dir()) if release.is_dir() else []


def released_lessons(course: Path, names: list[str], *, by_folder: bool = False) -> list[str]:
    """`names` resolved among the lessons released in `course` (all of them if `names` is empty);
    by_folder: among its release/ folders, without reading the gradebook unless there are
    none (it then says why: a gradebook that cannot be opened, a course never released)."""
    available = (by_folder and release_folders(course)) or released(course)
    if not available:
        raise InstructorError(f"no lesson has been released in {course}: "
                              "run  python -m autograder release LESSON  first")
    return resolve(names, available, f"released in {course}") if names else available


def student_folders(course: Path, stage: str, lesson: str) -> list[str]:
    """Students with a folder for `lesson` under `course/<stage>/` (submitted, autograded, feedback)."""
    root = course / stage
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / lesson).is_dir())


def nbgrader_step(command: str, *args: str, course: Path) -> None:
    """An nbgrader command; its failure becomes an InstructorError carrying nbgrader's log."""
    try:
        nbgrader.nbgrader(command, *args, course=course)
    except RuntimeError as err:
        raise InstructorError(str(err)) from None


# -- release ---------------------------------------------------------------------------------


def release(course: Path, lessons: list[str], *, to_exchange: bool = False) -> list[str]:
    """Build each lesson (lessons + solutions + hidden tests) and generate its release."""
    wanted = [lesson for lesson in all_lessons() if lesson.name in lessons]
    build(course, wanted)
    lines = []
    for lesson in wanted:
        with one_at_a_time(gradebook_url(course), f"release {lesson.name}"):
            nbgrader_step("generate_assignment", lesson.name, "--force", course=course)
        notebook = course / "release" / lesson.name / lesson.path.name
        if not notebook.is_file():
            raise InstructorError(f"nbgrader made no release of {lesson.name} (expected {notebook})")
        if to_exchange:
            nbgrader_step("release_assignment", lesson.name, "--force", course=course)
        lines.append(f"released {lesson.name}: {len(lesson.exercises())} exercises, "
                     f"{max_score(course, lesson.name):g} points -> {notebook.parent}"
                     + (" and the exchange" if to_exchange else ""))
    return lines


def max_score(course: Path, lesson: str) -> float:
    """The points a lesson is worth, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(gradebook_url(course)) as gradebook:
        return gradebook.find_assignment(lesson).max_score


# -- collect ---------------------------------------------------------------------------------


def collect(course: Path, lessons: list[str]) -> list[str]:
    """Collect submissions from the exchange (a hub) into course/submitted/."""
    lines = []
    for lesson in lessons:
        nbgrader_step("collect", lesson, "--update", course=course)
        students = student_folders(course, "submitted", lesson)
        if not students:
            raise InstructorError(f"no submissions of {lesson} were collected: none in the exchange "
                                  "yet, or this machine's exchange is not the students' one "
                                  "(c.Exchange.root in nbgrader_config.py)")
        lines.append(f"collected {lesson}: {len(students)} submissions in {course / 'submitted'}")
    return lines


# -- grade -----------------------------------------------------------------------------------


#: The grading command's options (autograder/grading/cli.py) that take a value; the others are flags.
GRADE_VALUE_OPTIONS = ("--workers", "--csv", "--timeout", "--total-timeout", "--memory")
GRADE_FLAGS = ("--no-sandbox-i-accept-the-risk", "--quiet", "--full")


def grade_parser() -> argparse.ArgumentParser:
    """The grading command's arguments, as far as this wrapper needs them; the rest is passed on."""
    parser = argparse.ArgumentParser(prog="python -m autograder grade", add_help=False)
    parser.add_argument("lessons", nargs="*")
    parser.add_argument("--course", type=Path, default=DEFAULT_COURSE)
    for option in GRADE_VALUE_OPTIONS:
        parser.add_argument(option, default=argparse.SUPPRESS)
    for flag in GRADE_FLAGS:
        parser.add_argument(flag, action="store_true", default=argparse.SUPPRESS)
    return parser


def grade(argv: list[str]) -> list[str]:
    """Check the lessons and submissions, grade them with autograder/grading, then check the table."""
    from autograder.grading.cli import RISK_FLAG, main
    from autograder.grading.sandbox import sandbox_available

    if "-h" in argv or "--help" in argv or (not sandbox_available()[0] and RISK_FLAG not in argv):
        main(argv)  # its help, or its refusal to grade without the sandbox
        return []
    args, rest = grade_parser().parse_known_args(argv)
    if rest:
        raise InstructorError(f"unknown arguments: {' '.join(rest)} (see  python -m autograder grade --help)")
    course = args.course.resolve()
    if not args.lessons:
        raise InstructorError("name the lessons to grade, e.g.  python -m autograder grade 01")
    # By their release/ folders: the grading command checks them in the gradebook after it
    # has started its sandboxes, which then load their modules while it loads nbgrader.
    lessons = released_lessons(course, args.lessons, by_folder=True)
    for lesson in lessons:
        if not student_folders(course, "submitted", lesson):
            raise InstructorError(f"no submissions of {lesson} in {course / 'submitted'} "
                                  f"(expected submitted/<student>/{lesson}/; on a hub, run  "
                                  f"python -m autograder collect {lesson}  first)")
    main([*lessons, *passed_on(args, course)])
    table = Path(getattr(args, "csv", None) or course / "grades.csv")
    return check_grade_table(table, lessons)


def passed_on(args: argparse.Namespace, course: Path) -> list[str]:
    """The grading command's options as given, for autograder/grading/cli.py."""
    options = ["--course", str(course)]
    for option in GRADE_VALUE_OPTIONS:
        if hasattr(args, dest := option.removeprefix("--").replace("-", "_")):
            options += [option, str(getattr(args, dest))]
    return options + [flag for flag in GRADE_FLAGS
                      if hasattr(args, flag.removeprefix("--").replace("-", "_"))]


def check_grade_table(table: Path, lessons: list[str]) -> list[str]:
    """Raise if the grading command graded nothing or failed on a submission."""
    with open(table, newline="") as f:
        rows = [row for row in csv.DictReader(f) if row.get("lesson") in lessons]
    failed = [f"{row['student']} / {row['lesson']}" for row in rows if row["status"] == "grading failed"]
    if not rows:
        raise InstructorError(f"nothing was graded (the grade table {table} has no row for "
                              f"{', '.join(lessons)})")
    if failed:
        raise InstructorError(f"grading failed for {len(failed)} of {len(rows)} submissions "
                              f"({', '.join(failed[:10])}); their notes are in {table}")
    return []


# -- feedback --------------------------------------------------------------------------------


def feedback(course: Path, lessons: list[str], *, to_exchange: bool = False) -> list[str]:
    """Write each graded submission's HTML feedback into course/feedback/<student>/<lesson>/."""
    lines = []
    for lesson in lessons:
        graded = student_folders(course, "autograded", lesson)
        if not graded:
            raise InstructorError(f"no graded submissions of {lesson} in {course / 'autograded'}: "
                                  f"run  python -m autograder grade {lesson}  first")
        nbgrader_step("generate_feedback", lesson, "--force", course=course)
        missing = [s for s in graded if not list((course / "feedback" / s / lesson).glob("*.html"))]
        if missing:
            raise InstructorError(f"nbgrader wrote no feedback for {len(missing)} graded submissions "
                                  f"of {lesson}: {', '.join(missing[:10])}")
        if to_exchange:
            nbgrader_step("release_feedback", lesson, course=course)
        lines.append(f"feedback on {lesson} for {len(graded)} students -> {course / 'feedback'}"
                     f"/<student>/{lesson}/" + (" and the exchange" if to_exchange else ""))
    return lines


# -- export ----------------------------------------------------------------------------------


def export(course: Path, lessons: list[str], *, missing_as_zero: bool = False) -> list[str]:
    """nbgrader's own CSV and the LMS CSV (autograder/lms.py) of `lessons`, in course/exports/."""
    from autograder.lms import graded_students

    if not graded_students(gradebook_url(course), lessons):
        raise InstructorError(f"no graded submission of {', '.join(lessons)} in {course}: "
                              "run  python -m autograder grade LESSON  first")
    folder = course / EXPORTS
    folder.mkdir(exist_ok=True)
    chosen = [f"--ExportPlugin.assignment={lesson}" for lesson in lessons]
    nbgrader_step("export", f"--to={folder / NBGRADER_CSV}", *chosen, course=course)
    lms = [f"--exporter={LMS_PLUGIN}", f"--to={folder / LMS_CSV}", *chosen]
    if missing_as_zero:
        lms.append("--LmsCsvExportPlugin.missing_score=0")
    nbgrader_step("export", *lms, course=course)
    for name in (NBGRADER_CSV, LMS_CSV):
        if not (folder / name).is_file() or len((folder / name).read_text().splitlines()) < 2:
            raise InstructorError(f"nbgrader export wrote no grades to {folder / name}")
    points = ", ".join(f"{lesson} {max_score(course, lesson):g}" for lesson in lessons)
    return [f"nbgrader's grades: {folder / NBGRADER_CSV}",
            f"grades for Canvas or Moodle: {folder / LMS_CSV}  (points per lesson: {points}; "
            "see docs/instructor-guide.md, 'Grades into an LMS')"]


# -- the command line ------------------------------------------------------------------------


def with_course(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--course", type=Path, default=DEFAULT_COURSE,
                        help="nbgrader course directory (default: autograder/course)")
    return parser


def release_main(argv: list[str]) -> list[str]:
    parser = with_course(argparse.ArgumentParser(prog="python -m autograder release",
                                                 description="Build lessons and release them with nbgrader."))
    parser.add_argument("lessons", nargs="*", help="lessons by name or number, e.g. 01 (or --all)")
    parser.add_argument("--all", action="store_true", help="every lesson of the course")
    parser.add_argument("--to-exchange", action="store_true",
                        help="also copy the release to nbgrader's exchange (on a hub)")
    args = parser.parse_args(argv)
    if not args.lessons and not args.all:
        raise InstructorError("name the lessons to release, e.g.  python -m autograder release 01  "
                              "(or --all)")
    lessons = course_lessons() if args.all else resolve(args.lessons, course_lessons(), "in lessons/")
    course = args.course.resolve()
    course.mkdir(parents=True, exist_ok=True)  # where a SQLite gradebook goes
    check_gradebook(gradebook_url(course))
    return release(course, lessons, to_exchange=args.to_exchange)


def lessons_main(prog: str, description: str, argv: list[str],
                 extra: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    """Parse `LESSON ... [--course DIR]` (and `extra` options) for a command on released lessons."""
    parser = with_course(argparse.ArgumentParser(prog=f"python -m autograder {prog}",
                                                 description=description))
    parser.add_argument("lessons", nargs="*",
                        help="lessons by name or number (default for export: every released lesson)")
    if extra:
        extra(parser)
    args = parser.parse_args(argv)
    args.course = args.course.resolve()
    if not args.lessons and prog != "export":
        raise InstructorError(f"name the lessons, e.g.  python -m autograder {prog} 01")
    args.lessons = released_lessons(args.course, args.lessons)
    return args


def exchange_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to-exchange", action="store_true",
                        help="also release the feedback to nbgrader's exchange (on a hub)")


def zero_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--missing-as-zero", action="store_true",
                        help="a lesson a student never submitted counts 0 (default: left blank)")


def collect_main(argv: list[str]) -> list[str]:
    args = lessons_main("collect", "Collect submissions from nbgrader's exchange (on a hub).", argv)
    return collect(args.course, args.lessons)


def feedback_main(argv: list[str]) -> list[str]:
    args = lessons_main("feedback", "Write HTML feedback for every graded submission.", argv, exchange_option)
    return feedback(args.course, args.lessons, to_exchange=args.to_exchange)


def export_main(argv: list[str]) -> list[str]:
    args = lessons_main("export", "Export grades: nbgrader's CSV and a CSV for Canvas or Moodle.",
                        argv, zero_option)
    return export(args.course, args.lessons, missing_as_zero=args.missing_as_zero)


COMMANDS: dict[str, Callable[[list[str]], list[str]]] = {
    "release": release_main, "collect": collect_main, "grade": grade,
    "feedback": feedback_main, "export": export_main,
}


def use_environment_tools() -> None:
    """Put this Python's bin folder first on PATH: nbgrader runs `alembic` by name."""
    os.environ["PATH"] = os.pathsep.join([str(nbgrader.BIN), os.environ.get("PATH", "")])


def main(command: str, argv: list[str]) -> None:
    """Run one instructor command; print what it did, or exit 1 with what went wrong."""
    use_environment_tools()
    try:
        for line in COMMANDS[command](argv):
            print(line)
    except (InstructorError, GradebookError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
