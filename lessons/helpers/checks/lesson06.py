"""Visible checks for lesson 06. Each takes your function and tests it on small cases.

The vocabularies here are tiny and made up (a few words in 2 or 3 dimensions) so that
every expected answer can be worked out by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.checking import Check, guarded

# Five words in 2-D, every vector of length 5, so each cosine is a dot product / 25.
PETS_WORDS = ["cat", "kitten", "dog", "car", "truck"]
PETS = np.array([[5.0, 0.0], [4.0, 3.0], [3.0, 4.0], [0.0, 5.0], [-3.0, 4.0]])

# A made-up royal family in 3-D: king - man + woman lands exactly on queen.
ROYAL_WORDS = ["man", "woman", "king", "queen", "prince", "princess", "apple"]
ROYAL = np.array([[1.0, 0, 2], [1, 2, 2], [5, 0, 2], [5, 2, 2], [4, 0, 3], [4, 2, 3], [0, -1, 5]])

# Six points whose spread is largest along the 3rd axis (+-4), then the 1st (+-2), then the
# 2nd (+-1). Their mean is the origin.
SPREAD = np.array([[0.0, 0, 4], [0, 0, -4], [2, 0, 0], [-2, 0, 0], [0, 1, 0], [0, -1, 0]])
SPREAD_2D = [[4.0, 0], [-4, 0], [0, 2], [0, -2], [0, 0], [0, 0]]
SHAPE_HINT = ("return one row of 2 coordinates per point: project the centred points onto "
              "the 2 directions (not the directions themselves).")

PAIRS_HINT = "return a list of (word, score) pairs, e.g. [('kitten', 0.8), ('dog', 0.6)]."


def pairs(chk: Check, got: Any, case: str) -> tuple[list[str], list[float]]:
    """Split a list of (word, score) pairs into words and scores; fail if it is not one."""
    try:
        items = list(got)
        words = [str(word) for word, _ in items]
        scores = [float(score) for _, score in items]
    except (TypeError, ValueError):
        chk.fail(case, PAIRS_HINT, got=got)
    return words, scores


def same_up_to_sign(got: np.ndarray, expected: np.ndarray, atol: float = 1e-6) -> bool:
    """True when each column of `got` equals that column of `expected` or its negative."""
    return all(np.allclose(g, e, atol=atol) or np.allclose(g, -e, atol=atol)
               for g, e in zip(got.T, expected.T))


@guarded
def cosine_similarity(learner_cosine_similarity):
    """Cosines of a vector with each row of a matrix."""
    chk = Check("cosine_similarity", learner_cosine_similarity, returns=np.ndarray)
    chk.returns((np.array([1.0, 0.0]), np.array([[1.0, 0.0], [0.0, 1.0]])), [1.0, 0.0],
                case="query [1, 0] against the rows [1, 0] and [0, 1]",
                hint="divide each score by the length of ITS OWN row, "
                     "np.linalg.norm(vectors, axis=1), not by one length for the whole matrix.")
    chk.returns((np.array([3.0, 4.0]), np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8], [-0.6, -0.8]])),
                [0.6, 0.8, 1.0, -1.0],
                case="query [3, 4] (length 5) against rows of length 1",
                hint="divide by the length of the query as well: cos = (v . q) / (|v| |q|).")
    chk.returns((np.array([0.6, 0.8]), np.array([[2.0, 0.0], [0.0, 3.0], [3.0, 4.0], [0.0, -0.5]])),
                [0.6, 0.8, 1.0, -0.8],
                case="query [0.6, 0.8] (length 1) against rows of lengths 2, 3, 5 and 0.5",
                hint="divide each row's dot product by that row's length: a longer vector "
                     "is not a more similar one.")
    chk.returns((np.array([1.0, 2.0, 2.0]), np.array([[2.0, 1.0, -2.0], [1.0, 2.0, 2.0], [0.0, 0.0, 5.0]])),
                [0.0, 1.0, 2 / 3],
                case="3-D: query [1, 2, 2] against [2, 1, -2], [1, 2, 2], [0, 0, 5]",
                hint="compute (vectors @ query) / (row lengths * query length) for any d.",
                shape_hint="return one cosine per row of `vectors`: shape (n,).")
    chk.returns((np.array([1.0, 0.0]), np.array([[-3.0, 0.0]])), [-1.0],
                case="query [1, 0] against ONE row, [-3, 0] (opposite directions: 180 degrees)",
                hint="opposite directions have cosine -1: keep the sign of the dot product.",
                shape_hint="return one cosine per row of `vectors`, even for a single row: shape "
                           "(1,), not a bare number (no squeeze).")
    chk.passed()


@guarded
def nearest(learner_nearest):
    """The k most similar words, best first, leaving out the excluded ones."""
    chk = Check("nearest", learner_nearest, returns=list[tuple[str, float]])
    case = "query [5, 0] (= cat) in the 5-word vocabulary, k=3"
    words, scores = pairs(chk, chk.run(PETS[0], PETS, PETS_WORDS, 3), case)
    chk.equal(words, ["cat", "kitten", "dog"], case=case,
              hint="sort from the HIGHEST cosine similarity down and keep the first k.")
    chk.close(scores, [1.0, 0.8, 0.6], case=case,
              hint="the scores are cosine similarities (use your cosine_similarity), "
                   "not raw dot products.")
    case = "query [7, 1] (no word of its own), k=2"
    words, scores = pairs(chk, chk.run(np.array([7.0, 1.0]), PETS, PETS_WORDS, 2), case)
    chk.equal(words, ["cat", "kitten"], case=case,
              hint="rank every word by its cosine similarity with the query, highest first.")
    chk.close(scores, [0.98995, 0.87681], case=case, atol=1e-5,
              hint="score each word by its cosine similarity with the query.")
    case = "query [4, 3] (= kitten), k=2, exclude=('kitten',)"
    words, scores = pairs(chk, chk.run(PETS[1], PETS, PETS_WORDS, 2, ("kitten",)), case)
    chk.equal(len(words), 2, case=case,
              hint="leave out the excluded words BEFORE keeping the top k: "
                   "you should still return k words.")
    chk.equal(words, ["dog", "cat"], case=case,
              hint="leave out the words in `exclude`: kitten must not be its own neighbour.")
    chk.close(scores, [0.96, 0.8], case=case, hint="score each word by its cosine similarity.")
    chk.passed()


@guarded
def analogy(learner_analogy):
    """king - man + woman in a made-up 3-D vocabulary."""
    chk = Check("analogy", learner_analogy, returns=list[tuple[str, float]])
    case = "king - man + woman in the 7-word vocabulary, k=3"
    got = chk.run("king", "man", "woman", ROYAL, ROYAL_WORDS, 3)
    words, scores = pairs(chk, got, case)
    chk.true(not {"king", "man", "woman"} & set(words), case=case, got=got,
             hint="leave out the three query words a, b and c: otherwise king - man + woman "
                  "is usually nearest to king itself.")
    chk.equal(words, ["queen", "princess", "prince"], case=case,
              hint="the target vector is a - b + c: start from a, take b away, add c.")
    chk.close(scores, [1.0, 0.96976, 0.90520], case=case, atol=1e-5,
              hint="score candidates by cosine similarity with a - b + c (use your nearest).")
    case = "queen - woman + man, k=1"
    words, _ = pairs(chk, chk.run("queen", "woman", "man", ROYAL, ROYAL_WORDS, 1), case)
    chk.equal(words, ["king"], case=case, hint="return the k best candidates, here only one.")
    chk.passed()


@guarded
def pca_2d(learner_pca_2d):
    """Projection onto the two directions of largest spread."""
    chk = Check("pca_2d", learner_pca_2d, returns=np.ndarray)
    case = "6 points centred on the origin, spread most along axis 3, then axis 1"
    got = chk.run(SPREAD.copy())
    chk.has_shape(got, (6, 2), case=case, hint=SHAPE_HINT)
    chk.true(same_up_to_sign(np.asarray(got, dtype=float), np.array(SPREAD_2D)), case=case, got=got,
             hint="keep the 2 directions of LARGEST variance, largest first (svd: the first "
                  "rows of Vt; eigh: the LAST columns, largest eigenvalue first).")
    case = "the same points moved by [10, 20, 30]"
    got = chk.run(SPREAD + [10.0, 20.0, 30.0])
    chk.has_shape(got, (6, 2), case=case, hint=SHAPE_HINT)
    chk.true(same_up_to_sign(np.asarray(got, dtype=float), np.array(SPREAD_2D)), case=case, got=got,
             hint="centre the points first: subtract the mean row, X - X.mean(axis=0). "
                  "Moving every point by the same amount must not change the picture.")
    chk.passed()
