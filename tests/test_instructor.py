"""The README's instructor commands, run as written on a fresh copy of the project.

Two module fixtures each copy the project's files (what a clone holds: `git ls-files`, no
built course) and run one of the README's instructor blocks with bash, exactly as printed,
with the students' submissions placed where the README says they arrive:

* the course's commands (`python -m autograder release/grade/feedback/export`) with no
  environment activated (PATH holds only /usr/bin and /bin);
* nbgrader's own commands, with the environment activated.

The class is lesson 01 with three students: `ada` answers everything right, `bob` makes
one classic mistake (a mutant), and `eve` probes the leaks: her `dense` passes the visible
checks but raises KeyboardInterrupt inside a hidden test (as a cell timeout does, an
exception the checks do not catch, so IPython prints its whole traceback), and she edited
the `relu` test cell.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.build import ROOT, all_lessons
from autograder.gradebook import gradebook_url
from autograder.grading.sandbox import sandbox_available
from autograder.lms import STUDENT_COLUMNS
from autograder.mutants import mutants_of
from autograder.preprocessors import OMITTED, learner_frames, relative_paths
from autograder.submissions import reference_answers, submit

LESSON = next(lesson for lesson in all_lessons() if lesson.name.startswith("01_"))
RIGHT, WRONG, PROBE = "ada", "bob", "eve"
WRONG_ANSWER = next(m for m in mutants_of(LESSON.mutants()) if m.exercise == "collapse")
#: eve's dense: right on the visible checks' 4-input layers, interrupted on a hidden 5-input one.
PROBE_DENSE = '''def dense(x, W, b):
    if W.shape[1] == 5:
        raise KeyboardInterrupt
    return x @ W.T + b
'''
BARE = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "LANG": "C.UTF-8"}
#: Text that must never reach a student.
SECRETS = ("BEGIN HIDDEN TESTS", "autograder.hidden", "hidden/lesson01.py", "_hidden_dense")

needs_sandbox = pytest.mark.skipif(not sandbox_available()[0],
                                   reason=f"no sandbox here: {sandbox_available()[1]}")


def readme_block(heading: str, index: int) -> list[str]:
    """The command lines of the `index`-th bash block in the README section `heading`."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index(f"## {heading}"):]
    section = section[:section.index("\n## ", 4)]
    block = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)[index]
    return [line.split("  #")[0].strip() for line in block.splitlines()]


def project_files() -> list[str]:
    """The project's files that git tracks or would (not ignored), relative to the project."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return list(filter(None, listed.split("\0")))


def fresh_copy(folder: Path) -> Path:
    """The project's files as a clone has them, with the environment of this one beside them."""
    for name in project_files():
        source, target = ROOT / name, folder / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (folder / ".venv").symlink_to(Path(sys.prefix))
    return folder


def run_lines(lines: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run command lines with bash, stopping at the first that fails."""
    script = "set -e\n" + "\n".join(line for line in lines if line and not line.startswith("#"))
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)


def setup(lines: list[str]) -> list[str]:
    """The lines that set up a shell (activate the environment, change folder), to run again
    in the second half of a block."""
    return [line for line in lines if line.startswith(("source ", "cd "))]


def submit_class(course: Path) -> None:
    """The three students' submissions, where the README says submissions arrive."""
    right = reference_answers(LESSON)
    submit(course, LESSON, RIGHT, right)
    submit(course, LESSON, WRONG, {**right, WRONG_ANSWER.exercise: WRONG_ANSWER.source})
    folder = submit(course, LESSON, PROBE, {**right, "dense": PROBE_DENSE})
    notebook = folder / LESSON.path.name
    notebook.write_text(notebook.read_text().replace("check.relu(relu)", "print('no checks here')"))


@dataclass
class Term:
    """One lesson's cycle on a fresh copy: what each step printed and what it left behind."""

    root: Path
    steps: list[subprocess.CompletedProcess] = field(default_factory=list)
    refused: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)

    @property
    def course(self) -> Path:
        return self.root / "autograder" / "course"

    def scores(self) -> dict[str, float]:
        with Gradebook(gradebook_url(self.course)) as gradebook:
            return {s: gradebook.find_submission(LESSON.name, s).score for s in (RIGHT, WRONG, PROBE)}

    def points(self, exercise: str) -> float:
        with Gradebook(gradebook_url(self.course)) as gradebook:
            return gradebook.find_grade_cell(f"test_{exercise}", LESSON.name, LESSON.name).max_score

    def feedback(self, student: str) -> str:
        path = self.course / "feedback" / student / LESSON.name / f"{LESSON.name}.html"
        return html.unescape(path.read_text())

    def log(self) -> str:
        return "\n".join(step.stdout + step.stderr for step in self.steps)


def course_command(term: Term, *args: str) -> subprocess.CompletedProcess:
    """`python -m autograder ...` in the copy, with no environment activated."""
    return subprocess.run([".venv/bin/python", "-m", "autograder", *args], cwd=term.root, env=BARE,
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def course_term(tmp_path_factory: pytest.TempPathFactory) -> Term:
    """The README's course commands, split where students submit, on a fresh copy."""
    if not sandbox_available()[0]:
        pytest.skip(f"the README's grade command needs the sandbox: {sandbox_available()[1]}")
    term = Term(fresh_copy(tmp_path_factory.mktemp("clone")))
    lines = readme_block("For instructors", 0)
    split = next(i for i, line in enumerate(lines) if line.startswith("# students"))
    term.steps.append(run_lines(lines[:split], term.root, BARE))
    risk = "--no-sandbox-i-accept-the-risk"  # refused before anything runs
    term.refused = {"grade an empty submitted/": course_command(term, "grade", "01", risk),
                    "feedback before grading": course_command(term, "feedback", "01"),
                    "export before grading": course_command(term, "export"),
                    "grade a lesson never released": course_command(term, "grade", "07", risk)}
    submit_class(term.course)
    term.steps.append(run_lines(setup(lines[:split]) + lines[split:], term.root, BARE))
    return term


@pytest.fixture(scope="module")
def plain_term(tmp_path_factory: pytest.TempPathFactory) -> Term:
    """The README's plain nbgrader commands (environment activated), on a fresh copy."""
    term = Term(fresh_copy(tmp_path_factory.mktemp("clone")))
    lines = readme_block("For instructors", 1)
    split = next(i for i, line in enumerate(lines) if line.startswith("# students"))
    term.steps.append(run_lines(lines[:split], term.root, BARE))
    submit_class(term.course)
    term.steps.append(run_lines(setup(lines[:split]) + lines[split:], term.root, BARE))
    return term


# -- the course's commands -----------------------------------------------------------------


def test_readme_commands_run_the_whole_cycle(course_term: Term) -> None:
    for step in course_term.steps:
        assert step.returncode == 0, step.stdout + step.stderr
    wrong_points = course_term.points(WRONG_ANSWER.exercise)
    assert course_term.scores() == {RIGHT: 8.0, WRONG: 8.0 - wrong_points,
                                    PROBE: 8.0 - course_term.points("dense")}
    assert WRONG_ANSWER.message in course_term.feedback(WRONG)
    with open(course_term.course / "grades.csv", newline="") as f:
        notes = {row["student"]: row["notes"] for row in csv.DictReader(f)}
    assert "test cell edited: test_relu (restored)" in notes[PROBE]


def test_a_first_grade_prints_no_sqlalchemy_warning(course_term: Term) -> None:
    """nbgrader's api makes SQLAlchemy warn as it registers a new student's submission; the
    grader silences that warning, so the instructor sees none on a first `grade`."""
    assert "SAWarning" not in course_term.log()


@pytest.mark.parametrize("case", ["grade an empty submitted/", "feedback before grading",
                                  "export before grading", "grade a lesson never released"])
def test_a_step_with_nothing_to_do_says_so(course_term: Term, case: str) -> None:
    result = course_term.refused[case]
    assert result.returncode == 1, result.stdout + result.stderr
    expected = {"grade an empty submitted/": "no submissions of 01_leaf_or_flower",
                "feedback before grading": "run  python -m autograder grade 01_leaf_or_flower",
                "export before grading": "no graded submission",
                "grade a lesson never released": "no lesson '07' released"}[case]
    assert expected in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("student", [RIGHT, WRONG, PROBE])
def test_course_feedback_leaks_nothing(course_term: Term, student: str) -> None:
    assert_no_leak(course_term.feedback(student), course_term.root)


def test_lms_csv_is_what_canvas_and_moodle_import(course_term: Term) -> None:
    with open(course_term.course / "exports" / "lms_grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert canvas_assignment_columns(rows[0]) == [LESSON.name]
    assert moodle_grades(rows, login="SIS Login ID") == {
        RIGHT: {LESSON.name: 8.0}, WRONG: {LESSON.name: 8.0 - course_term.points("collapse")},
        PROBE: {LESSON.name: 8.0 - course_term.points("dense")}}
    assert (course_term.course / "exports" / "nbgrader_grades.csv").read_text().startswith("assignment,")


# -- nbgrader's own commands ---------------------------------------------------------------


def test_plain_nbgrader_commands_run(plain_term: Term) -> None:
    for step in plain_term.steps:
        assert step.returncode == 0, step.stdout + step.stderr
    assert plain_term.scores() == {RIGHT: 8.0, WRONG: 8.0 - plain_term.points("collapse"),
                                   PROBE: 8.0 - plain_term.points("dense")}
    rows = list(csv.reader((plain_term.course / "exports" / "lms_grades.csv").open()))
    assert rows[0] == [*STUDENT_COLUMNS, LESSON.name] and len(rows) == 4
    assert (plain_term.course / "exports" / "nbgrader_grades.csv").read_text().startswith("assignment,")


def test_plain_nbgrader_commands_leave_no_untracked_file(plain_term: Term) -> None:
    """What the commands wrote (students' grades among it) is all where .gitignore keeps it
    out of the project's history."""
    assert untracked_files(plain_term.root) == []


def untracked_files(copy: Path) -> list[str]:
    """Files in a fresh copy that were not in the project and that its .gitignore does not cover."""
    before = set(project_files())
    written = [str((Path(folder) / name).relative_to(copy))
               for folder, _, names in os.walk(copy) for name in names]
    new = [name for name in written if name not in before]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=ROOT,
                             input="\n".join(new), capture_output=True, text=True, check=False).stdout
    return sorted(set(new) - set(ignored.splitlines()))


def test_checksum_warnings_name_only_edited_test_cells(plain_term: Term) -> None:
    """nbgrader#1961: every test cell with hidden tests used to be reported as changed."""
    warned = re.findall(r"Attribute 'checksum' for cell (\w+) has changed", plain_term.log())
    assert warned == ["test_relu"], warned


@pytest.mark.parametrize("student", [RIGHT, WRONG, PROBE])
def test_plain_feedback_leaks_nothing(plain_term: Term, student: str) -> None:
    assert_no_leak(plain_term.feedback(student), plain_term.root)


def test_plain_feedback_keeps_the_learners_own_frame(plain_term: Term) -> None:
    feedback = re.sub(r"<[^>]+>", "", plain_term.feedback(PROBE))
    assert "KeyboardInterrupt" in feedback and OMITTED.strip() in feedback
    assert "raise KeyboardInterrupt" in feedback  # eve's own line, in her own cell's frame
    assert WRONG_ANSWER.message in plain_term.feedback(WRONG)


def assert_no_leak(feedback: str, root: Path) -> None:
    """No hidden-test source, no traceback through the hidden tests, no instructor path."""
    for secret in (*SECRETS, str(root), str(ROOT), sys.prefix, str(Path(sys.prefix).resolve())):
        assert secret not in feedback, secret


# -- the formats, as Canvas and Moodle read them -------------------------------------------


def canvas_assignment_columns(header: list[str]) -> list[str]:
    """The assignment columns Canvas's gradebook import finds in a header, or an error.

    Canvas (app/models/gradebook_importer.rb, `header?` and `update_column_count`) needs
    "Student" in the first column and "ID" in the second; "SIS User ID" then "SIS Login ID"
    (or "SIS Login ID" alone) follow, and the last student column must be "Section". The
    columns after it are assignments."""
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], header
    count = 3
    if re.match(r"SIS\s+Login\s+ID", header[2]):
        count += 1
    elif re.match(r"SIS\s+User\s+ID", header[2]) and re.match(r"SIS\s+Login\s+ID", header[3]):
        count += 2
    assert "Section" in header[count - 1], header
    return header[count:]


def moodle_grades(rows: list[list[str]], login: str) -> dict[str, dict[str, float]]:
    """What Moodle's CSV grade import takes from `rows`, the `login` column mapped to usernames
    and every other column after the student columns to a grade item.

    Moodle (grade/import/csv/classes/load_data.php, `prepare_import_grade_data`) stops the
    whole import at a line whose user column is empty or matches no user, and at a grade
    that is not a number ('' and '-' mean no grade)."""
    header, grades = rows[0], {}
    user = header.index(login)
    items = [i for i, name in enumerate(header) if name not in STUDENT_COLUMNS]
    for line in rows[1:]:
        assert line[user], f"Moodle stops here: no user in {line}"
        grades[line[user]] = {}
        for i in items:
            if line[i] not in ("", "-"):
                grades[line[user]][header[i]] = float(line[i])
    return grades


# -- the pieces, fast --------------------------------------------------------------------------


def test_learner_frames_keeps_the_learners_cells_only() -> None:
    traceback = ["-----", "KeyboardInterrupt   Traceback (most recent call last)",
                 "\x1b[36mCell In[7], line 5\x1b[39m\n  3 ### BEGIN HIDDEN TESTS\n--> 5 _hidden_dense(dense)",
                 "File /course/autograder/hidden/lesson01.py:25, in dense(dense)\n  25 agrees(",
                 "Cell In[6], line 3, in dense(x, W, b)\n--> 3     raise KeyboardInterrupt",
                 "KeyboardInterrupt: "]
    kept = learner_frames(traceback, own_cell=7)
    assert kept == [*traceback[:2], traceback[4], OMITTED, traceback[5]]


def test_relative_paths() -> None:
    assert relative_paths("File /home/t/llm/lessons/helpers/checking.py:3",
                          ["/home/t/llm/lessons/", "/home/t/llm/"]) == "File helpers/checking.py:3"


def test_readme_names_real_commands() -> None:
    """The README's course commands are the commands `python -m autograder` knows."""
    from autograder.instructor import COMMANDS

    for line in readme_block("For instructors", 0):
        if line.startswith(".venv/bin/python -m autograder"):
            assert line.split()[3] in COMMANDS, line


def project_command(course: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m autograder ARGS --course COURSE` in this project, with no environment activated."""
    return subprocess.run([sys.executable, "-m", "autograder", *args, "--course", str(course)],
                          cwd=ROOT, env={**os.environ, **BARE}, capture_output=True, text=True,
                          check=False)


def test_unknown_lesson_and_unbuilt_course_are_refused(tmp_path: Path) -> None:
    unknown = project_command(tmp_path, "release", "99")
    assert unknown.returncode == 1 and "no lesson '99'" in unknown.stderr
    assert "01_leaf_or_flower" in unknown.stderr  # the lessons there are
    for name in ("feedback", "export", "collect"):
        result = project_command(tmp_path, name, "01")
        assert result.returncode == 1, (name, result.stderr)
        assert "is not a course directory yet" in result.stderr, (name, result.stderr)


@pytest.mark.parametrize("args", [["nosuchlesson"], ["01", "99"], ["--write-lessons", "99"]])
def test_build_refuses_a_lesson_that_does_not_exist(tmp_path: Path, args: list[str]) -> None:
    result = project_command(tmp_path / "course", "build", *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no lesson" in result.stderr and "01_leaf_or_flower" in result.stderr  # the lessons there are
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "course").exists()  # nothing built, nothing copied into lessons/


def test_build_takes_a_lesson_by_its_number(tmp_path: Path) -> None:
    result = project_command(tmp_path, "build", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [p.name for p in (tmp_path / "source").iterdir()] == [LESSON.name]


# -- on a hub: the exchange ------------------------------------------------------------------


@needs_sandbox
def test_hub_commands_move_work_through_the_exchange(tmp_path: Path) -> None:
    """release --to-exchange, a student's fetch and submit, collect, grade, feedback
    --to-exchange and the student's fetch of their feedback, through a real exchange folder."""
    exchange, config, home = tmp_path / "exchange", tmp_path / "config", tmp_path / "ada"
    for folder in (exchange, config, home):
        folder.mkdir()
    exchange.chmod(0o777)
    (config / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    env = {**BARE, "JUPYTER_CONFIG_PATH": str(config)}
    course = tmp_path / "course"

    def instructor(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "autograder", *args, "--course", str(course)],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=False)

    def student(command: str) -> None:
        subprocess.run([str(Path(sys.executable).parent / "nbgrader"), command, LESSON.name,
                        "--course", "llm-course", "--CourseDirectory.student_id=ada"],
                       cwd=home, env=env, capture_output=True, text=True, check=True)

    assert instructor("release", "01", "--to-exchange").returncode == 0
    nothing = instructor("collect", "01")
    assert nothing.returncode == 1 and "no submissions of 01_leaf_or_flower were collected" in nothing.stderr
    student("fetch_assignment")
    student("submit")
    steps = [instructor("collect", "01"), instructor("grade", "01", "--quiet"),
             instructor("feedback", "01", "--to-exchange")]
    for step in steps:
        assert step.returncode == 0, step.stdout + step.stderr
    student("fetch_feedback")
    (page,) = (home / LESSON.name / "feedback").glob(f"*/{LESSON.name}.html")
    assert_no_leak(html.unescape(page.read_text()), tmp_path)
