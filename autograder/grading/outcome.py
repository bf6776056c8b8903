"""What grading a class produces and takes: statuses, one grade-table row, the options.

Kept free of heavy imports (nbformat, nbgrader), so that the grading command can start its
sandboxed workers before it loads them (see cli.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

GRADED = "graded"
NO_SUBMISSION = "no submission"
MISSING = "not gradable (missing notebook)"
INVALID = "not gradable (invalid notebook)"
OTHER_LESSON = "not gradable (notebook of another lesson)"
FAILED = "grading failed"


@dataclass
class Outcome:
    """One row of the grade table."""

    student: str
    lesson: str
    status: str
    score: float | None = None
    max_score: float | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def row(self) -> dict:
        return {"student": self.student, "lesson": self.lesson, "status": self.status,
                "score": "" if self.score is None else f"{self.score:g}",
                "max_score": "" if self.max_score is None else f"{self.max_score:g}",
                "notes": "; ".join(self.notes), "seconds": f"{self.seconds:.1f}"}


@dataclass
class Options:
    course: Path
    timeout: int | None = None  # per cell; None: the course config's
    total_timeout: float = 600.0
    memory_mb: int = 4096  # address space allowed above the warm worker's
    max_output_chars: int = 200_000
    csv: Path | None = None
    #: The gradebook's URL (nbgrader's db_url), found and checked once per command
    #: (cli.prepare_gradebook) before any submission is graded.
    db_url: str = ""
    #: Run every cell of every submission, not only the cells its grades depend on.
    full: bool = False
    #: Seconds a grading process may spend on one submission beyond its total time (nbgrader's
    #: own work, waiting for the gradebook) before the command stops it as hung.
    grader_grace: float = 60.0
