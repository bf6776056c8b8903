"""Lesson 06 — word vectors."""

import numpy as np


def cosine_similarity(query: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """The cosine of the angle between `query` and each row of `vectors`.

    query: (d,) one vector.  vectors: (n, d) one vector per row.
    Returns (n,): entry i is  (vectors[i] . query) / (|vectors[i]| * |query|),
    from -1 (opposite directions) through 0 (at right angles) to 1 (the same direction).
    No Python loop: one matrix-vector product and the lengths of the rows.
    """
    row_lengths = np.linalg.norm(vectors, axis=1)  # (n,)
    return vectors @ query / (row_lengths * np.linalg.norm(query))


def nearest(
    query: np.ndarray, vectors: np.ndarray, words: list[str], k: int = 5,
    exclude: tuple[str, ...] = (),
) -> list[tuple[str, float]]:
    """The k words whose vectors point most nearly the same way as `query`.

    query: (d,).  vectors: (n_words, d); row i is the vector of words[i].
    exclude: words that must not appear in the answer (e.g. the query word itself).
    Returns k (word, cosine similarity) pairs, highest similarity first, none of them
    in `exclude`. Use your `cosine_similarity`.
    """
    scores = cosine_similarity(query, vectors)  # (n_words,)
    ranked = np.argsort(-scores)  # row numbers, best first
    # At most len(exclude) of the best k + len(exclude) words can be excluded.
    best = [i for i in ranked[: k + len(exclude)] if words[i] not in exclude]
    return [(words[i], float(scores[i])) for i in best[:k]]


def analogy(
    a: str, b: str, c: str, vectors: np.ndarray, words: list[str], k: int = 5
) -> list[tuple[str, float]]:
    """Solve "b is to a as c is to ?" with the vector a - b + c.

    For example king - man + woman: "man is to king as woman is to ?".
    vectors: (n_words, d); row i is the vector of words[i] (`words.index(a)` finds a's row).
    Returns the k words nearest to a - b + c, as (word, cosine similarity) pairs, best
    first, leaving out the three query words a, b and c. Use your `nearest`.
    """
    target = vectors[words.index(a)] - vectors[words.index(b)] + vectors[words.index(c)]  # (d,)
    return nearest(target, vectors, words, k, exclude=(a, b, c))


def pca_2d(X: np.ndarray) -> np.ndarray:
    """Project the rows of X onto their two principal components.

    X: (n, d) one point per row.  Returns (n, 2): column 0 is each point's coordinate
    along the direction in which the points vary most, column 1 along the direction of
    greatest variation at right angles to the first. Centre the points first (subtract
    the mean row), then take the directions from np.linalg.svd (rows of Vt, largest
    singular value first) or np.linalg.eigh of the covariance matrix (columns, smallest
    eigenvalue first). The sign of each column is arbitrary: either is accepted.
    """
    centred = X - X.mean(axis=0)  # (n, d)
    _, _, Vt = np.linalg.svd(centred, full_matrices=False)  # rows of Vt: directions, best first
    return centred @ Vt[:2].T  # (n, 2)
