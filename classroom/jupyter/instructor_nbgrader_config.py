"""An instructor's ~/.jupyter/nbgrader_config.py (one course; copy once per instructor).

The course's own settings (timeouts, the path grading kernels need) come from the course
repository, cloned into the instructor's home: ~/llm-course (see docs/deploy.md).
"""

from pathlib import Path

c = get_config()  # noqa: F821

COURSE_REPO = Path.home() / "llm-course"
load_subconfig(str(COURSE_REPO / "autograder" / "nbgrader_config.py"))  # noqa: F821
c.CourseDirectory.course_id = "llm-course"
c.CourseDirectory.root = str(COURSE_REPO / "autograder" / "course")  # inside the notebook root
c.CourseDirectory.student_id = "*"  # collect and grade every student
