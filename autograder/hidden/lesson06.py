"""Hidden tests for lesson 06: small random vocabularies (not GloVe), compared with the reference."""

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check
from helpers.checking import guarded
from helpers.checks.lesson06 import same_up_to_sign
from solutions import lesson06 as reference


def _vocabulary(rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """A random vocabulary: 8 to 30 words named w0, w1, ... with vectors of 3 to 8 numbers,
    of very different lengths (as real word vectors are)."""
    n, d = int(rng.integers(8, 31)), int(rng.integers(3, 9))
    vectors = rng.normal(size=(n, d)) * rng.uniform(0.2, 5.0, size=(n, 1))
    return vectors, [f"w{i}" for i in range(n)]


@guarded
def cosine_similarity(learner_cosine_similarity):
    def query_and_rows(rng):
        vectors, _ = _vocabulary(rng)
        vectors = vectors[: int(rng.choice([1, len(vectors)]))]  # one row now and then
        return rng.normal(size=vectors.shape[1]) * rng.uniform(0.1, 10.0), vectors

    agrees_with_reference(hidden_check("cosine_similarity", learner_cosine_similarity),
                          reference.cosine_similarity, query_and_rows,
                          hint="(vectors @ query) / (each row's length * the query's length), "
                               "for any n and d.")


@guarded
def nearest(learner_nearest):
    def query_and_vocabulary(rng):
        vectors, words = _vocabulary(rng)
        query = vectors[int(rng.integers(len(words)))] + 0.1 * rng.normal(size=vectors.shape[1])
        exclude = tuple(rng.choice(words, size=int(rng.integers(0, 4)), replace=False).tolist())
        return query, vectors, words, int(rng.integers(1, 5)), exclude

    agrees_with_reference(hidden_check("nearest", learner_nearest), reference.nearest, query_and_vocabulary,
                          seed=6, hint="the k words of highest cosine similarity, best first, as "
                                       "(word, similarity) pairs, after leaving out the excluded words.")


@guarded
def analogy(learner_analogy):
    def question(rng):
        vectors, words = _vocabulary(rng)
        a, b, c = rng.choice(words, size=3, replace=False).tolist()
        return a, b, c, vectors, words, int(rng.integers(1, 5))

    agrees_with_reference(hidden_check("analogy", learner_analogy), reference.analogy, question, seed=7,
                          hint="the k words nearest to a - b + c, leaving out a, b and c.")


@guarded
def pca_2d(learner_pca_2d):
    chk = hidden_check("pca_2d", learner_pca_2d, reference=reference.pca_2d,
                       crash_hint="centre the points, then project them onto the first two rows of "
                                  "Vt from np.linalg.svd(centred, full_matrices=False).")
    rng = np.random.default_rng(8)
    for trial in range(1, 6):
        n, d = int(rng.integers(3, 15)), int(rng.integers(3, 7))  # more dimensions than points too
        X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.normal(size=d) * 10
        got = chk.run(X.copy())
        case = f"hidden random points {trial} of 5: {n} points in {d} dimensions"
        chk.has_shape(got, (n, 2), case=case, hint="return one row of 2 coordinates per point.")
        chk.true(same_up_to_sign(got, reference.pca_2d(X)), case=case,
                 hint="centre the points, then project them onto the 2 directions of largest "
                      "variance, largest first (each column's sign may be either).")
    chk.passed()
