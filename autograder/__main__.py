"""`python -m autograder build ...` (autograder/build.py) or `... grade ...` (autograder/grading)."""

import sys

USAGE = ("usage: python -m autograder build [--course DIR] [--write-lessons] [LESSON ...]\n"
         "       python -m autograder grade LESSON [LESSON ...] [--course DIR] [--workers N]")

if __name__ == "__main__":
    command, argv = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "build":
        from autograder.build import main
    elif command == "grade":
        from autograder.grading.cli import main
    else:
        sys.exit(USAGE)
    main(argv)
