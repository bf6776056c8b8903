"""Hidden tests for lesson 06: small random vocabularies (not GloVe), compared with the reference."""

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check
from helpers.checks.lesson06 import pairs, same_up_to_sign
from solutions import lesson06 as reference


def _vocabulary(rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """A random vocabulary: 8 to 30 words named w0, w1, ... with vectors of 3 to 8 numbers,
    of very different lengths (as real word vectors are)."""
    n, d = int(rng.integers(8, 31)), int(rng.integers(3, 9))
    vectors = rng.normal(size=(n, d)) * rng.uniform(0.2, 5.0, size=(n, 1))
    return vectors, [f"w{i}" for i in range(n)]


def _same_pairs(chk, got, expected, case: str, hint: str) -> None:
    words, scores = pairs(chk, got, case)
    chk.equal(words, [word for word, _ in expected], case=case, hint=hint)
    chk.close(scores, [score for _, score in expected], case=case, hint=hint)


def cosine_similarity(cosine_similarity):
    def query_and_rows(rng):
        vectors, _ = _vocabulary(rng)
        return rng.normal(size=vectors.shape[1]) * rng.uniform(0.1, 10.0), vectors

    agrees_with_reference(hidden_check("cosine_similarity", cosine_similarity),
                          reference.cosine_similarity, query_and_rows,
                          hint="(vectors @ query) / (each row's length * the query's length), "
                               "for any n and d.")


def nearest(nearest):
    chk = hidden_check("nearest", nearest)
    rng = np.random.default_rng(6)
    for trial in range(1, 6):
        vectors, words = _vocabulary(rng)
        query = vectors[int(rng.integers(len(words)))] + 0.1 * rng.normal(size=vectors.shape[1])
        k = int(rng.integers(1, 5))
        exclude = tuple(rng.choice(words, size=int(rng.integers(0, 4)), replace=False).tolist())
        _same_pairs(chk, chk.run(query, vectors, words, k, exclude),
                    reference.nearest(query, vectors, words, k, exclude),
                    case=f"hidden random vocabulary {trial} of 5, k={k}, {len(exclude)} excluded",
                    hint="the k words of highest cosine similarity, best first, after leaving "
                         "out the excluded words.")
    chk.passed()


def analogy(analogy):
    chk = hidden_check("analogy", analogy)
    rng = np.random.default_rng(7)
    for trial in range(1, 6):
        vectors, words = _vocabulary(rng)
        a, b, c = rng.choice(words, size=3, replace=False).tolist()
        k = int(rng.integers(1, 5))
        _same_pairs(chk, chk.run(a, b, c, vectors, words, k),
                    reference.analogy(a, b, c, vectors, words, k),
                    case=f"hidden random vocabulary {trial} of 5, k={k}",
                    hint="the k words nearest to a - b + c, leaving out a, b and c.")
    chk.passed()


def pca_2d(pca_2d):
    chk = hidden_check("pca_2d", pca_2d)
    rng = np.random.default_rng(8)
    for trial in range(1, 6):
        n, d = int(rng.integers(5, 15)), int(rng.integers(3, 7))
        X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.normal(size=d) * 10
        got = chk.run(X.copy())
        case = f"hidden random points {trial} of 5: {n} points in {d} dimensions"
        chk.equal(np.shape(got), (n, 2), case=case, hint="return one row of 2 coordinates per point.")
        chk.true(same_up_to_sign(np.asarray(got, dtype=float), reference.pca_2d(X)), case=case,
                 hint="centre the points, then project them onto the 2 directions of largest "
                      "variance, largest first (each column's sign may be either).")
    chk.passed()
