"""Hidden tests: one module per lesson, one function per exercise, named like the exercise.

Each function takes the learner's function and compares it with the reference in
`solutions/` on seeded random inputs. The build places a call to it in the exercise's
graded test cell between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`.
"""

from __future__ import annotations

import re

BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
#: A hidden-test region of a cell's source, with the newlines after its markers; group 1 is
#: its code.
HIDDEN_TESTS_REGION = re.compile(rf"{BEGIN_HIDDEN_TESTS}\n?(.*?){END_HIDDEN_TESTS}\n?", re.DOTALL)
