"""Grades an LMS gradebook imports: one row per student, one column per lesson.

An nbgrader export plugin, so it works from `python -m autograder export` and from plain
nbgrader alike (run in autograder/, with the environment activated):

    nbgrader export --exporter=autograder.lms.LmsCsvExportPlugin --to=course/exports/lms_grades.csv

The columns are those of a Canvas gradebook export, which Canvas's gradebook import reads
back: `Student` (the name, "Last, First"), `ID` (Canvas's own user id: left blank, nbgrader
does not know it), `SIS User ID`, `SIS Login ID` (nbgrader's student id, which on a hub is the
login), `Section`, then one column per lesson headed by its name, holding the lesson's score
in points. Canvas finds each student by `ID`, then `SIS User ID`, then `SIS Login ID`, then
the name (its app/models/gradebook_importer.rb); a lesson column whose header matches no
assignment becomes a new assignment. Moodle's CSV grade import takes any columns: map
`SIS Login ID` to the username (or `SIS User ID` to the ID number) and each lesson column to
a grade item or a new one. There is no "Points Possible" row: Canvas treats one as optional,
but Moodle stops an import at a row that maps to no user. A lesson a student never submitted
is blank (no grade, in both) unless `missing_score` says otherwise. Sources and steps:
docs/instructor-guide.md, "Grades into an LMS".
"""

from __future__ import annotations

import csv

from nbgrader.api import Gradebook, MissingEntry, Student
from nbgrader.plugins import ExportPlugin
from traitlets import Unicode

#: Canvas's student columns, in the order its importer requires (Section closes them).
STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def display_name(student: Student) -> str:
    """The student's name as Canvas sorts it ("Last, First"), or their id if nbgrader has none."""
    parts = [part for part in (student.last_name, student.first_name) if part]
    return ", ".join(parts) or student.id


def lesson_score(gradebook: Gradebook, lesson: str, student: str, missing: str) -> str:
    """A student's points in a lesson, late penalty taken off as `nbgrader export` does, or
    `missing` without a submission."""
    try:
        submission = gradebook.find_submission(lesson, student)
    except MissingEntry:
        return missing
    return f"{round(max(0.0, submission.score - (submission.late_submission_penalty or 0.0)), 2):g}"


def lms_rows(gradebook: Gradebook, lessons: list[str], students: list[str] | None = None,
             missing: str = "") -> list[list[str]]:
    """The header and one row per student (all of the gradebook's unless `students` are named)."""
    chosen = [s for s in gradebook.students if not students or s.id in students]
    rows = [[*STUDENT_COLUMNS, *lessons]]
    for student in sorted(chosen, key=lambda s: s.id):
        scores = [lesson_score(gradebook, lesson, student.id, missing) for lesson in lessons]
        rows.append([display_name(student), "", student.lms_user_id or "", student.id, "", *scores])
    return rows


def graded_students(db_url: str, lessons: list[str]) -> list[str]:
    """Students with at least one graded submission of `lessons`."""
    with Gradebook(db_url) as gradebook:
        return sorted({submission.student.id for lesson in lessons
                       for submission in gradebook.find_assignment(lesson).submissions})


class LmsCsvExportPlugin(ExportPlugin):
    """nbgrader export plugin: a CSV for Canvas's or Moodle's gradebook import."""

    missing_score = Unicode("", help="What a lesson a student never submitted shows: blank (no "
                                     "grade) by default, or e.g. 0.").tag(config=True)

    def export(self, gradebook: Gradebook) -> None:
        lessons = [str(a) for a in self.assignment] or sorted(a.name for a in gradebook.assignments)
        destination = self.to or "lms_grades.csv"
        self.log.info("Exporting grades for an LMS to %s", destination)
        rows = lms_rows(gradebook, lessons, [str(s) for s in self.student], self.missing_score)
        with open(destination, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
