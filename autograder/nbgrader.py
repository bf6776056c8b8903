"""Run nbgrader's own commands on a course directory, with this course's config."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
PROJECT = CONFIG_DIR.parent
#: nbgrader's console script and the `alembic` it calls live beside this Python.
BIN = Path(sys.executable).parent


def nbgrader_environment() -> dict[str, str]:
    """The environment nbgrader runs in: this environment's tools first on PATH (nbgrader runs
    `alembic` by name), and the project importable before nbgrader reads its command line
    (`--exporter=autograder.lms.LmsCsvExportPlugin` is imported then, before the config file
    adds the project to sys.path)."""
    path = os.pathsep.join([str(BIN), os.environ.get("PATH", "")])
    python_path = os.pathsep.join(filter(None, [str(PROJECT), str(PROJECT / "lessons"),
                                                os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PATH": path, "PYTHONPATH": python_path}


class NbgraderError(RuntimeError):
    """An nbgrader command failed; its message holds nbgrader's ERROR lines."""


def error_lines(log: str) -> str:
    """nbgrader's ERROR entries from its log (each with the lines that continue it, such as a
    traceback), or the log's last lines when it has none."""
    kept, keeping = [], False
    for line in log.splitlines():
        if line.startswith("["):  # a new log entry: "[AutogradeApp | ERROR] ..."
            keeping = "| ERROR]" in line or "| CRITICAL]" in line
        if keeping:
            kept.append(line)
    return "\n".join(kept)[-6000:] if kept else "\n".join(log.splitlines()[-30:])


def start_nbgrader(command: str, *args: str, course: Path) -> subprocess.Popen:
    """Start `nbgrader <command> <args>` on `course`, in the course's config folder and
    environment; its output is piped (read it with `communicate`)."""
    return subprocess.Popen([str(BIN / "nbgrader"), command, *args, f"--CourseDirectory.root={course}"],
                            cwd=CONFIG_DIR, env=nbgrader_environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def nbgrader(command: str, *args: str, course: Path) -> subprocess.CompletedProcess:
    """Run `nbgrader <command> <args>` on `course`; raise with nbgrader's ERROR lines if it fails."""
    process = start_nbgrader(command, *args, course=course)
    stdout, stderr = process.communicate()
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    if result.returncode != 0 or "| ERROR]" in result.stderr:
        raise NbgraderError(f"nbgrader {command} failed ({result.returncode}):\n"
                            f"{error_lines(result.stderr)}")
    return result


def generate_assignment(course: Path, assignment: str) -> None:
    """Release `assignment`: solutions cleared, hidden tests removed, into course/release/."""
    nbgrader("generate_assignment", assignment, "--force", course=course)


def autograde(course: Path, assignment: str, *options: str) -> None:
    """Grade every submission of `assignment` found in course/submitted/ (`options`: more of
    nbgrader's, e.g. "--Execute.timeout=600")."""
    nbgrader("autograde", assignment, "--force", *options, course=course)


def generate_feedback(course: Path, assignment: str) -> None:
    """Write HTML feedback for every graded submission into course/feedback/."""
    nbgrader("generate_feedback", assignment, "--force", course=course)
