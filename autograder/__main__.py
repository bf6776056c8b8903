"""`python -m autograder COMMAND ...`: the course's commands for instructors and maintainers.

    release, collect, grade, feedback, export   the instructor's flow (autograder/instructor.py)
    build                                       lessons + solutions + hidden tests -> course/source/
    docs                                        regenerate the generated parts of docs/
    site                                        the web edition, every lesson in HTML (autograder/site/)
    new-lesson, new-exercise                    scaffold a lesson or an exercise (autograder/scaffold.py)
"""

import sys

# nbformat imports jsonschema, which imports, if installed, one library per string format it
# can check ("iri", "uri", "date-time", "color"...). No notebook schema has a format, and
# nothing here asks jsonschema to check one. rfc3987_syntax builds a parser as it is imported
# (about a second, `python -X importtime`), the others take about 30 ms together: most of a
# command's start-up. A None entry in sys.modules makes those optional imports fail, for every
# command. Only jsonschema imports them.
JSONSCHEMA_FORMAT_LIBRARIES = ("rfc3987_syntax", "rfc3987", "rfc3986_validator", "rfc3339_validator",
                               "fqdn", "webcolors", "jsonpointer", "uri_template", "isoduration")
for name in JSONSCHEMA_FORMAT_LIBRARIES:
    sys.modules.setdefault(name, None)

USAGE = """usage: python -m autograder COMMAND [...]   (COMMAND --help for its options)

the instructor's flow, for one lesson or several (by name or number, e.g. 01):
  release LESSON ... [--to-exchange]   build the lessons and release them with nbgrader
  collect LESSON ...                   collect submissions from nbgrader's exchange (on a hub)
  grade LESSON ... [--workers N]       grade every submission, in parallel, sandboxed
  feedback LESSON ... [--to-exchange]  write each graded submission's HTML feedback
  export [LESSON ...]                  nbgrader's grades CSV and a CSV for Canvas or Moodle
every command takes --course DIR (default: autograder/course)

for maintainers:
  build [--write-lessons] [LESSON ...] lessons + solutions + hidden tests -> course/source/
  docs [--check]                       regenerate docs/mistakes.md and the syllabus's tables
  site [LESSON ...] [--out DIR]        the web edition in _site/: every lesson executed with the
                                       references, showing the learner's stubs (docs/web-edition.md)
  new-lesson NN_name                   a new lesson: its notebook and its modules, each with slots
  new-exercise NN name                 a new exercise in every place it lives, each slot saying
                                       what to write"""

INSTRUCTOR_COMMANDS = ("release", "collect", "grade", "feedback", "export")

if __name__ == "__main__":
    command, argv = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command in INSTRUCTOR_COMMANDS:
        from autograder.instructor import main

        main(command, argv)
    elif command == "build":
        from autograder.build import main as build

        build(argv)
    elif command == "docs":
        from autograder.docs import main as docs

        docs(argv)
    elif command == "site":
        from autograder.site import main as site

        site(argv)
    elif command in ("new-lesson", "new-exercise"):
        from autograder.scaffold import main as scaffold

        scaffold(command, argv)
    else:
        sys.exit(USAGE)
