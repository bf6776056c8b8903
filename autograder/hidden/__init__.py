"""Hidden tests: one module per lesson, one function per exercise, named like the exercise.

Each function takes the learner's function and compares it with the reference in
`solutions/` on seeded random inputs. The build places a call to it in the exercise's
graded test cell between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`.
"""
