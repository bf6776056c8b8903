"""`python -m autograder build ...`: see autograder/build.py."""

import sys

from autograder.build import main

if __name__ == "__main__":
    if sys.argv[1:2] != ["build"]:
        sys.exit("usage: python -m autograder build [--course DIR] [--write-lessons] [LESSON ...]")
    main(sys.argv[2:])
