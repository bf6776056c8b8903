"""nbgrader's settings for this course. `python -m autograder ...` uses them; to run nbgrader's
own commands, activate the environment and run them from this folder:

    source .venv/bin/activate && cd autograder && nbgrader generate_assignment 01_leaf_or_flower

The course directory (source/, release/, submitted/, autograded/, feedback/ and
gradebook.db) is autograder/course/; `python -m autograder build` writes its source/.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent

c = get_config()  # noqa: F821 (nbgrader provides get_config when it loads this file)

c.CourseDirectory.course_id = "llm-course"
c.CourseDirectory.root = str(HERE / "course")

# Hidden tests import the references and the check helpers, and the feedback preprocessor
# below lives in autograder/: nbgrader itself and its grading kernels need the project's path.
# Added once, however often this file is read (the course reads it for every submission it
# grades and every time it looks up the gradebook's URL).
PATHS = [str(PROJECT), str(PROJECT / "lessons")]
sys.path[:0] = [path for path in PATHS if path not in sys.path]
os.environ["PYTHONPATH"] = os.pathsep.join(
    dict.fromkeys(filter(None, [*PATHS, *os.environ.get("PYTHONPATH", "").split(os.pathsep)])))

# Seconds per cell while grading: generous, since the longest reference cell (training a tiny
# GPT in lesson 08) takes tens of seconds on a busy 2-core machine.
c.Execute.timeout = 120
# After a cell's reply, nbgrader waits `iopub_timeout` seconds (nbclient's default: 4) for the
# cell's last outputs and then fails the whole submission ("Timeout waiting for IOPub output",
# logged as an ERROR); a busy machine can take longer than that to deliver a long printout.
# Starting a kernel (60 s by default) can also take long there.
c.Execute.iopub_timeout = 30
c.Execute.startup_timeout = 300

# Feedback names each exercise and shows each test's verdict and message, never the hidden
# tests' code, a traceback through them, or the instructor's absolute paths.
from autograder.grading.feedback import use_course_template  # noqa: E402 (needs the path above)
from autograder.preprocessors import autograde_sanitizers, feedback_preprocessors  # noqa: E402

use_course_template(c)
c.GenerateFeedback.preprocessors = feedback_preprocessors()

# Plain `nbgrader autograde` runs cells with the grader's RearmingExecute: nbclient's client
# can miss a cell's reply (a lost wake-up of pyzmq's sockets) and then waits out the cell's
# whole timeout; this client re-arms its sockets while it waits.
from nbgrader.converters import Autograde  # noqa: E402
from nbgrader.preprocessors import Execute  # noqa: E402

from autograder.grading.execute import RearmingExecute  # noqa: E402

c.Autograde.autograde_preprocessors = [
    RearmingExecute if step is Execute else step
    for step in Autograde.class_traits()["autograde_preprocessors"].default()]

# Plain `nbgrader autograde`: untouched test cells get their hidden tests back before nbgrader
# compares checksums, so it reports only test cells a learner really edited (nbgrader#1961).
c.Autograde.sanitize_preprocessors = autograde_sanitizers()
