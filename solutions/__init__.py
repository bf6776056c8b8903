"""Reference answers: one module per lesson, one function per exercise.

This is the single place where a reference answer is written. The build
(`python -m autograder build`) copies each function's body into nbgrader's source
notebooks between `### BEGIN SOLUTION` and `### END SOLUTION`; the function's
signature and docstring are what the learner sees in the lesson.
"""
