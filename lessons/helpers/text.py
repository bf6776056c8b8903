"""Real English text for the character-level lessons, read offline from Python itself.

Python's standard library ships the text of its own reference documentation in
`pydoc_data.topics` (it is what `help("assert")` prints): a dict of about 80 topics,
together about 465,000 characters of English prose and code examples. Nothing is
downloaded and no corpus is copied into this course.

    >>> text = load_corpus()
    >>> train, held_out = split_corpus(text)

`load_corpus` always returns the same string for a given Python version (the topics are
joined in a fixed order). The exact text, and so its length and its set of characters,
can differ a little between Python versions: lessons print these numbers rather than
assume them.
"""

from __future__ import annotations

import hashlib
import string
from functools import cache

#: The 27 symbols of the simplest code for text: a space, then a=1, b=2, ..., z=26.
ALPHABET = " " + string.ascii_lowercase

#: Typographic characters of the documentation and the plain ASCII that replaces them.
_PLAIN = {
    "\u2018": "'", "\u2019": "'",  # ‘ ’
    "\u201c": '"', "\u201d": '"',  # “ ”
    "\u2013": "-", "\u2014": "--",  # – —
    "\u2026": "...",  # …
    "\u00df": "ss",  # ß
    "\t": "    ",
}
#: Every character `load_corpus` may return: printable ASCII and the newline.
_KEPT = set(string.printable) - set("\t\r\x0b\x0c")


def clean(text: str) -> str:
    """Plain ASCII text: typographic quotes and dashes become ASCII, other characters
    outside printable ASCII (and "\\r") are dropped, and trailing spaces of lines removed."""
    text = "".join(_PLAIN.get(ch, ch) for ch in text)
    text = "".join(ch for ch in text if ch in _KEPT)
    return "\n".join(line.rstrip() for line in text.split("\n"))


@cache
def load_corpus() -> str:
    """The documentation topics of `pydoc_data` as one cleaned string.

    Topics are taken in sorted order of their names, each cleaned with `clean` and
    stripped, separated by a blank line; the string ends with a newline. Cached: every
    call returns the same string.
    """
    from pydoc_data.topics import topics

    return "\n\n".join(clean(topics[name]).strip() for name in sorted(topics)) + "\n"


def split_corpus(text: str, held_out_fraction: float = 0.1) -> tuple[str, str]:
    """Split `text` into a training part and a held-out part that follows it.

    The held-out part is the last `held_out_fraction` of the text (a model never sees it
    while it learns, so it measures how well the model does on new text). The cut is
    moved back to the start of its line, so no line is split between the two.
    Returns (train, held_out) with train + held_out == text.
    """
    if not 0 < held_out_fraction < 1:
        raise ValueError(f"held_out_fraction must lie between 0 and 1, got {held_out_fraction}")
    cut = len(text) - round(len(text) * held_out_fraction)
    cut = text.rfind("\n", 0, cut) + 1  # the start of the line that holds the cut
    return text[:cut], text[cut:]


#: The vocabulary of every GPT in the course: each character `clean` may return, sorted.
VOCAB = "".join(sorted(_KEPT))

#: Folders of the standard library whose docstrings are left out: tests, the IDLE editor
#: and demos are not documentation.
_SKIPPED_FOLDERS = {"test", "tests", "idlelib", "turtledemo", "lib2to3", "site-packages", "__pycache__"}


def _docstrings_of(source: str) -> list[str]:
    """The docstrings of a module's source, its own and its classes' and functions'."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return [doc for node in ast.walk(tree) if isinstance(node, kinds) and (doc := ast.get_docstring(node))]


@cache
def load_docstrings(min_length: int = 40) -> str:
    """The docstrings of Python's standard library, cleaned, one after another.

    Read from the library's source files (nothing is imported or downloaded), in sorted
    order of their paths, skipping tests, IDLE and demos and docstrings shorter than
    `min_length` characters; each is cleaned with `clean` and followed by a blank line.
    A second, larger text in the style of the documentation: more to learn from for the
    GPT that lessons 11 to 13 use. Cached.
    """
    import sysconfig
    from pathlib import Path

    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(path for path in root.rglob("*.py")
                   if not _SKIPPED_FOLDERS.intersection(path.relative_to(root).parts))
    docs = [clean(doc).strip() for path in files
            for doc in _docstrings_of(path.read_text(encoding="utf-8", errors="replace"))]
    return "".join(doc + "\n\n" for doc in docs if len(doc) >= min_length)


def long_lines(text: str, min_length: int = 40) -> set[str]:
    """The distinct lines of `text` that have at least `min_length` characters, stripped."""
    return {line.strip() for line in text.split("\n") if len(line.strip()) >= min_length}


def long_training_text() -> tuple[str, str]:
    """(train, held_out) for the course's longer-trained GPT.

    held_out is lesson 04's held-out text (the last tenth of the documentation topics), so
    every model of the course is measured on the same characters. train is the rest of
    the topics, then the standard library's docstrings without any paragraph that shares a
    line of 40 or more characters with the held-out text: the two never overlap.
    """
    train, held_out = split_corpus(load_corpus())
    held_lines = long_lines(held_out)
    paragraphs = [p for p in load_docstrings().split("\n\n") if p and not long_lines(p) & held_lines]
    return train + "\n" + "".join(p + "\n\n" for p in paragraphs), held_out


def text_fingerprint(train: str, held_out: str) -> str:
    """16 hex digits that identify a (train, held_out) split.

    A checkpoint or a study's result is only comparable on the same text, and the text is
    built from the running Python's own documentation, so each one records this fingerprint.
    """
    return hashlib.sha256((train + "\0" + held_out).encode()).hexdigest()[:16]


def long_training_primer() -> str:
    """The characters of `long_training_text()`'s train, reordered for a compressor to read
    before the held-out text: the docstrings first and the topics' training part last.

    gzip only remembers its last 32 KiB and bz2 works in blocks of 900 kB, so what they read
    last is what helps them; the topics are the text most like the held-out text. This is
    "the same text" that lesson 11 and benchmarks/checkpoint.py prime the compressors with.
    """
    topics, _ = split_corpus(load_corpus())
    train, _ = long_training_text()
    return train[len(topics):] + topics
