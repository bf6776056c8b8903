"""Grade a whole class: parallel, warm, sandboxed (`python -m autograder grade`)."""
