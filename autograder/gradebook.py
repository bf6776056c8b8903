"""The course's gradebook: the database nbgrader's `db_url` names, opened and checked.

nbgrader keeps grades in the database `CourseDirectory.db_url` names: sqlite:///<course>/
gradebook.db unless a config file says otherwise. One grader on one machine needs nothing
more; graders who share one gradebook (several instructors or machines grading one class,
a shared hub) point it at a PostgreSQL server (docs/deploy.md, "A gradebook several graders
share"). Every part of the course that opens the gradebook (the grader, the instructor's
commands, the LMS export, the classroom flow, the tests) takes its URL from
`gradebook_url`, which reads the config files nbgrader's own commands read, so that they
all open the same database.

`check_gradebook` connects once before a command does any work: a server that cannot be
reached or a wrong URL then stops the command with the URL (password hidden) and the
driver's error, instead of failing every submission one by one.

`one_at_a_time` makes the commands of several graders that would write the same rows take
turns: nbgrader creates a lesson's rows with "find, else add", so two first releases of one
lesson at the same moment could both add them.

`reuse_connections` lets a grading process, which opens the gradebook about ten times per
submission, connect once and check its tables once; `take_turns` makes the grading
processes of one command open it one at a time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

# nbgrader's commands run in CONFIG_DIR when the course runs them: its config file is theirs.
from autograder.nbgrader import CONFIG_DIR

if TYPE_CHECKING:
    from traitlets.config import Config

CONFIG_NAME = "nbgrader_config.py"
#: Seconds the check waits for a PostgreSQL server that does not answer (libpq's own default
#: is to wait for the operating system's TCP timeout, minutes).
CONNECT_TIMEOUT = 10
#: SQLAlchemy's drivers that connect through libpq, which takes `connect_timeout`.
LIBPQ_DRIVERS = ("psycopg", "psycopg2")


class GradebookError(Exception):
    """The gradebook cannot be opened; the message holds its URL (password hidden) and why."""


def config_folders(course: Path) -> list[Path]:
    """The folders whose nbgrader_config.py nbgrader's commands read for `course`, lowest
    priority first, as nbgrader 0.9 orders them (nbgrader/apps/baseapp.py): Jupyter's config
    folders (system, environment, the user's ~/.jupyter), the working folder (autograder/, where
    the course runs them), then the course directory itself."""
    from jupyter_core.paths import jupyter_config_path

    return [*map(Path, reversed(jupyter_config_path())), CONFIG_DIR, course]


def nbgrader_settings(course: Path) -> Config:
    """nbgrader's configuration for `course` (a traitlets Config), merged from `config_folders`."""
    from traitlets.config import Config, PyFileConfigLoader

    config = Config()
    for folder in config_folders(course):
        if (folder / CONFIG_NAME).is_file():
            config.merge(PyFileConfigLoader(CONFIG_NAME, path=str(folder)).load_config())
    return config


def gradebook_url(course: Path) -> str:
    """The gradebook's URL for `course`: nbgrader's `CourseDirectory.db_url` as configured,
    else nbgrader's default, sqlite:///<course>/gradebook.db."""
    from nbgrader.coursedir import CourseDirectory

    config = nbgrader_settings(course)
    config.CourseDirectory.root = str(Path(course).resolve())
    return CourseDirectory(config=config).db_url


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for a server's database (or SQLite in memory)."""
    from sqlalchemy.engine import make_url

    if not url.startswith("sqlite:"):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def shown(url: str) -> str:
    """`url` fit to print: its password replaced by ***, even when SQLAlchemy cannot parse it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # not a URL, or a port that is not a number
        return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


def driver_error(err: BaseException) -> str:
    """The driver's own words for a failed connection, without SQLAlchemy's wrapping (the
    failed statement, a link to its docs)."""
    original = getattr(err, "orig", None) or err
    return " ".join(str(original).split()) or type(original).__name__


def check_gradebook(url: str) -> None:
    """Connect to the gradebook at `url` once; raise GradebookError, saying where and why,
    if that fails: a URL SQLAlchemy cannot read, a database kind with no driver installed,
    a server that does not answer, a database or user it does not know. (A SQLite file that
    does not exist yet is created, as nbgrader would create it.)"""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
        libpq = parsed.get_dialect().driver in LIBPQ_DRIVERS
        engine = create_engine(parsed, connect_args={"connect_timeout": CONNECT_TIMEOUT} if libpq else {})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as err:  # whatever the URL or its driver raise, the command must stop
        hint = " (SQLAlchemy names PostgreSQL postgresql://)" if url.startswith("postgres://") else ""
        raise GradebookError(
            f"cannot open the gradebook {shown(url)}: {driver_error(err)}{hint}\n(nbgrader's "
            "CourseDirectory.db_url, set in nbgrader_config.py; see docs/deploy.md, "
            "'A gradebook several graders share')") from None


def gradebook_lessons(url: str) -> set[str]:
    """The lessons (nbgrader's assignments) the gradebook at `url` holds."""
    from nbgrader.api import Gradebook

    with Gradebook(url) as gradebook:
        return {assignment.name for assignment in gradebook.assignments}


def lock_key(task: str) -> int:
    """The PostgreSQL advisory lock's number for `task` (a 32-bit number, as the lock takes)."""
    return zlib.crc32(task.encode())


@contextlib.contextmanager
def one_at_a_time(url: str, task: str) -> Iterator[None]:
    """Run the block while holding a lock named `task` on the gradebook's PostgreSQL server:
    another command holding the same lock on the same database waits until this one is done.

    The lock is a PostgreSQL advisory lock, tied to a connection of its own: it is freed if
    the command dies. A SQLite gradebook (one machine) needs none: the block just runs.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if make_url(url).get_backend_name() != "postgresql":
        yield
        return
    key = lock_key(task)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        engine.dispose()


def reuse_connections() -> None:
    """From now on, in this process, nbgrader opens each gradebook URL with one engine, and
    makes sure of its tables once.

    nbgrader's `Gradebook` makes a new SQLAlchemy engine every time it is opened: a new
    connection, and SQLAlchemy's cache of compiled statements thrown away. It also lists the
    database's tables and creates any that are missing, every time. Grading one submission
    opens it about ten times (nbgrader's converter and preprocessors, and ours), each time
    holding the gradebook lock (`take_turns`). Here each URL gets one engine, which keeps
    its connection and compiled statements, and its tables are checked once (nothing drops
    them). Call it only in a process that will not fork: two processes must not share an
    engine's connections (the grading processes call it as they start).
    """
    import nbgrader.api

    if hasattr(nbgrader.api.create_engine, "cache_info"):
        return
    nbgrader.api.create_engine = functools.cache(nbgrader.api.create_engine)
    # An engine's inspector keeps what it has read (its info cache): its tables, listed once.
    nbgrader.api.inspect = functools.cache(nbgrader.api.inspect)
    metadata = nbgrader.api.Base.metadata
    metadata.create_all = functools.cache(metadata.create_all)  # once per bind (engine)


@dataclasses.dataclass
class Turns:
    """This process's share of the gradebook lock (`take_turns`)."""

    lock: Any = None  # the lock the grading processes share (None: no turns taken)
    held: int = 0  # gradebooks open now, each holding the lock once
    round: int = 0  # `end_turn` starts a new one: a gradebook of an older one holds nothing


TURNS = Turns()


def take_turns(lock: Any) -> None:
    """From now on, in this process, an open nbgrader `Gradebook` holds `lock` (a
    multiprocessing RLock the command's grading processes share) until it is closed.

    A SQLite gradebook takes one writer at a time, and nbgrader reads rows and writes them
    in one transaction: two processes doing so at once can fail with "database is locked".
    Every read and write of nbgrader and of this course goes through a `Gradebook` it opens
    and closes, so holding the lock exactly while one is open keeps them apart, and leaves
    the rest of grading (the notebook's run, nbgrader's checks of cell metadata, files)
    free to run side by side.
    """
    import nbgrader.api

    TURNS.lock, TURNS.held = lock, 0
    gradebook = nbgrader.api.Gradebook
    if getattr(gradebook, "takes_turns", False):
        return
    opened, closed = gradebook.__init__, gradebook.close

    def open_in_turn(self, *args, **kwargs) -> None:
        TURNS.lock.acquire()
        TURNS.held += 1
        self.turn = TURNS.round
        try:
            opened(self, *args, **kwargs)
        except BaseException:
            give_back(self)
            raise

    def close_ending_turn(self) -> None:
        try:
            closed(self)
        finally:
            give_back(self)

    gradebook.__init__, gradebook.close = open_in_turn, close_ending_turn
    gradebook.takes_turns = True


def give_back(gradebook: Any) -> None:
    """Release the lock `gradebook` took, once, unless `end_turn` has already."""
    if gradebook.__dict__.pop("turn", None) == TURNS.round:
        release_one()


def release_one() -> None:
    TURNS.held -= 1
    TURNS.lock.release()


def end_turn() -> None:
    """Release the lock for every gradebook this process left open (a step that failed
    before closing its own): the other grading processes must not wait for it forever."""
    while TURNS.held > 0:
        release_one()
    TURNS.round += 1
