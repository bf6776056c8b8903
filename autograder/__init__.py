"""The nbgrader course: config, build, hidden tests and mutants.

    autograder/nbgrader_config.py   nbgrader's settings for this course
    autograder/build.py             lessons + solutions + hidden tests -> nbgrader source notebooks
    autograder/hidden/lessonNN.py   hidden tests, one function per exercise
    autograder/mutants/lessonNN.py  plausible wrong answers, each with the message it must get
    autograder/scaffold.py          new-lesson and new-exercise: every place a lesson or an exercise lives
"""

from pathlib import Path

#: The project's folder (lessons/, solutions/, autograder/, ...): the one place it is defined.
ROOT = Path(__file__).resolve().parent.parent
#: The nbgrader course directory every command uses unless given --course.
DEFAULT_COURSE = ROOT / "autograder" / "course"
