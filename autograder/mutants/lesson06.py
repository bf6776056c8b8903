"""Wrong answers to lesson 06 that learners really write.

The nearest/analogy mutants do their own arithmetic with numpy instead of calling the
notebook's other exercises: in a mutant round those are mutants too.
"""

import numpy as np

from autograder.mutants import mutant, replaced
from solutions.lesson06 import cosine_similarity, pca_2d

cosine_rows_only = replaced(cosine_similarity, "/ (row_lengths * np.linalg.norm(query))", "/ row_lengths",
                            "length of the query as well")

cosine_query_only = replaced(cosine_similarity, "(row_lengths * np.linalg.norm(query))",
                             "np.linalg.norm(query)", "divide each row's dot product by that row's length")

cosine_whole_matrix_norm = replaced(cosine_similarity, "np.linalg.norm(vectors, axis=1)",
                                    "np.linalg.norm(vectors)", "ITS OWN row")


@mutant("nearest", "kitten must not be its own neighbour")
def nearest_keeps_excluded(query, vectors, words, k=5, exclude=()):
    scores = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query))
    return [(words[i], float(scores[i])) for i in np.argsort(-scores)[:k]]


@mutant("nearest", "you should still return k words")
def nearest_excludes_after_top_k(query, vectors, words, k=5, exclude=()):
    scores = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query))
    return [(words[i], float(scores[i])) for i in np.argsort(-scores)[:k] if words[i] not in exclude]


@mutant("nearest", "HIGHEST cosine similarity")
def nearest_lowest_first(query, vectors, words, k=5, exclude=()):
    scores = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query))
    ranked = [i for i in np.argsort(scores) if words[i] not in exclude]
    return [(words[i], float(scores[i])) for i in ranked[:k]]


@mutant("nearest", "not raw dot products")
def nearest_by_dot_product(query, vectors, words, k=5, exclude=()):
    scores = vectors @ query
    ranked = [i for i in np.argsort(-scores) if words[i] not in exclude]
    return [(words[i], float(scores[i])) for i in ranked[:k]]


@mutant("analogy", "leave out the three query words")
def analogy_keeps_query_words(a, b, c, vectors, words, k=5):
    target = vectors[words.index(a)] - vectors[words.index(b)] + vectors[words.index(c)]
    scores = vectors @ target / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(target))
    return [(words[i], float(scores[i])) for i in np.argsort(-scores)[:k]]


@mutant("analogy", "the target vector is a - b + c")
def analogy_sign_flipped(a, b, c, vectors, words, k=5):
    target = vectors[words.index(a)] + vectors[words.index(b)] - vectors[words.index(c)]
    scores = vectors @ target / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(target))
    ranked = [i for i in np.argsort(-scores) if words[i] not in (a, b, c)]
    return [(words[i], float(scores[i])) for i in ranked[:k]]


@mutant("analogy", "start from a, take b away")
def analogy_from_b(a, b, c, vectors, words, k=5):
    target = vectors[words.index(b)] - vectors[words.index(a)] + vectors[words.index(c)]
    scores = vectors @ target / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(target))
    ranked = [i for i in np.argsort(-scores) if words[i] not in (a, b, c)]
    return [(words[i], float(scores[i])) for i in ranked[:k]]


pca_without_centring = replaced(pca_2d, "centred = X - X.mean(axis=0)", "centred = X",
                                "centre the points first")


@mutant("pca_2d", "directions of LARGEST variance")
def pca_smallest_components(X):
    centred = X - X.mean(axis=0)
    _, eigenvectors = np.linalg.eigh(centred.T @ centred)  # eigenvalues in ascending order
    return centred @ eigenvectors[:, :2]


pca_returns_directions = replaced(pca_2d, "return centred @ Vt[:2].T", "return Vt[:2].T",
                                  "not the directions themselves")

cosine_squeezed = replaced(cosine_similarity,
                           "return vectors @ query / (row_lengths * np.linalg.norm(query))",
                           "return (vectors @ query / (row_lengths * np.linalg.norm(query))).squeeze()",
                           "even for a single row")


@mutant("nearest", "item 0 is a str")
def nearest_words_only(query, vectors, words, k=5, exclude=()):
    scores = vectors @ query / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(query))
    return [words[i] for i in np.argsort(-scores) if words[i] not in exclude][:k]


@mutant("pca_2d", "leave `X` as it was")
def pca_centres_in_place(X):
    X -= X.mean(axis=0)
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    return X @ Vt[:2].T
