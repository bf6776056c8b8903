"""Lesson 09: the references agree with PyTorch, and what the text claims is computed."""

import numpy as np
import pytest
import torch

from helpers.facts import (
    CAPITALS,
    FACTS,
    FEATURES,
    HELD_OUT,
    MIXED_NAMES,
    SPORTS,
    inputs,
    invented_facts,
    recall,
)
from solutions import lesson06, lesson09
from tests.figures import assert_stated, markdown_of

rng = np.random.default_rng(0)
TABLE = lesson09.directions(FEATURES, 20)
TABLE_1000 = lesson09.directions(FEATURES, 1000, random=True, seed=0)


def encode(names, table):
    return sum((table[name] for name in names), np.zeros(len(next(iter(table.values())))))


def activations_and_readout(table):
    W_up, b_up, W_down = lesson09.build_fact_mlp(FACTS, table)
    _, X = inputs(table)
    sports = np.stack([table[sport] for sport in SPORTS])
    readout = (lesson09.mlp(X, W_up, b_up, W_down) - X) @ sports.T
    return np.maximum(X @ W_up.T + b_up, 0.0), readout, lesson09.firing_neurons(X, W_up, b_up)


def test_mlp_matches_a_torch_block_with_its_residual():
    d, m = 7, 5
    x, W_up, b_up, W_down = rng.normal(size=(4, d)), rng.normal(size=(m, d)), rng.normal(size=m), \
        rng.normal(size=(d, m))
    up, down = torch.nn.Linear(d, m), torch.nn.Linear(m, d, bias=False)
    with torch.no_grad():
        up.weight.copy_(torch.from_numpy(W_up))
        up.bias.copy_(torch.from_numpy(b_up))
        down.weight.copy_(torch.from_numpy(W_down))
        xt = torch.from_numpy(x).float()
        expected = (xt + down(torch.relu(up(xt)))).numpy()
    np.testing.assert_allclose(lesson09.mlp(x, W_up, b_up, W_down), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(lesson09.mlp(x[0], W_up, b_up, W_down), expected[0], rtol=1e-4,
                               atol=1e-5)


def test_param_count_matches_torch():
    for d_model, d_hidden, bias in [(12, 48, True), (5, 3, False)]:
        block = torch.nn.Sequential(torch.nn.Linear(d_model, d_hidden, bias=bias), torch.nn.GELU(),
                                    torch.nn.Linear(d_hidden, d_model, bias=bias))
        expected = sum(p.numel() for p in block.parameters())
        assert lesson09.mlp_param_count(d_model, d_hidden, 3, bias) == 3 * expected


def test_directions_are_unit_vectors_and_seeded():
    vectors = np.stack(list(TABLE_1000.values()))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0)
    again = lesson09.directions(FEATURES, 1000, random=True, seed=0)
    assert all(np.array_equal(TABLE_1000[name], again[name]) for name in FEATURES)
    assert list(TABLE) == FEATURES and np.array_equal(np.stack(list(TABLE.values())), np.eye(19, 20))


def test_feature_counts_in_the_text():
    assert_stated("09", "19", len(FEATURES), 0)
    assert "`d = 20`" in markdown_of("09")


def test_one_row_is_an_and_gate():
    row = TABLE["michael"] + TABLE["jordan"]
    reads = [encode(names, TABLE) @ row for names in
             [["michael", "jordan"], ["michael"], ["jordan"], ["michael", "phelps"], ["the"]]]
    assert reads == [2, 1, 1, 1, 0]
    assert np.maximum(np.array(reads) - 1, 0).tolist() == [1, 0, 0, 0, 0]


def test_one_hot_facts_fire_exactly_their_neuron_and_add_their_sport():
    activations, readout, fired = activations_and_readout(TABLE)
    n = len(FACTS)
    expected_fired = np.zeros_like(fired)
    expected_fired[:n] = np.eye(n, dtype=bool)  # full names first; single and mixed names fire nothing
    assert np.array_equal(fired, expected_fired)
    np.testing.assert_array_equal(activations, expected_fired.astype(float))
    right = np.zeros_like(readout)
    right[np.arange(n), [SPORTS.index(sport) for *_, sport in FACTS]] = 1
    np.testing.assert_array_equal(readout, right)


def test_michael_williams_shares_a_name_with_four_people():
    assert ("michael", "williams") in MIXED_NAMES
    assert sum(first == "michael" or last == "williams" for first, last, _ in FACTS) == 4
    assert "four stored people" in markdown_of("09")


def test_prompt_tokens_in_parallel():
    W_up, b_up, W_down = lesson09.build_fact_mlp(FACTS, TABLE)
    holds = [["michael"], ["michael", "jordan"], ["plays"], ["the"], ["sport"], ["of"]]
    X = np.stack([encode(names, TABLE) for names in holds])
    out = lesson09.mlp(X, W_up, b_up, W_down)
    assert (out @ TABLE["basketball"]).tolist() == [0, 1, 0, 0, 0, 0]
    np.testing.assert_array_equal(out, np.stack([lesson09.mlp(x, W_up, b_up, W_down) for x in X]))


def test_gelu_gate_leaks_as_stated():
    gelu = torch.nn.functional.gelu(torch.tensor([1.0, 0.0, -1.0]), approximate="tanh").numpy()
    assert 0.8 < gelu[0] < 1 and gelu[1] == 0 and gelu[2] < 0


def test_random_directions_interfere_a_little():
    vectors = np.stack(list(TABLE_1000.values()))
    overlaps = (vectors @ vectors.T)[~np.eye(len(vectors), dtype=bool)]
    assert abs(overlaps.std() * np.sqrt(1000) - 1) < 0.1  # typical size about 1/sqrt(d)
    assert 0 < np.abs(overlaps).max() < 0.1
    activations, readout, fired = activations_and_readout(TABLE)
    activations_r, readout_r, fired_r = activations_and_readout(TABLE_1000)
    assert np.array_equal(fired_r, fired)
    worst = max((activations_r * (activations == 0)).max(), np.abs(readout_r - readout).max())
    assert_stated("09", "0.16", worst, 2)


def test_more_directions_than_dimensions():
    facts, features = invented_facts(1000, n_sports=10, seed=0)
    assert f"{len(features):,}" == "2,010" and "2,010" in markdown_of("09")
    table = lesson09.directions(features, 1000, random=True, seed=1)
    shares = recall(facts, table, lesson09.build_fact_mlp, lesson09.mlp, lesson09.firing_neurons)
    assert set(shares.values()) == {1.0}


def test_recall_falls_apart_in_few_dimensions_and_is_perfect_by_200():
    facts, features = invented_facts(500, n_sports=10, seed=0)
    assert f"{len(features):,}" == "1,010" and "1,010" in markdown_of("09")
    functions = lesson09.build_fact_mlp, lesson09.mlp, lesson09.firing_neurons
    table = lesson09.directions(features, 10, random=True, seed=1)
    small = recall(facts, table, *functions)
    assert min(small.values()) < 0.5
    # "wrong neurons fire, right ones stay silent, wrong sports come out"
    W_up, b_up, _ = lesson09.build_fact_mlp(facts, table)
    full = np.stack([table[first] + table[last] for first, last, _ in facts])
    fired = lesson09.firing_neurons(full, W_up, b_up)
    assert (fired & ~np.eye(len(facts), dtype=bool)).any() and not np.diag(fired).all()
    assert small["full names whose added vector reads their own sport highest"] < 1
    for d in (200, 500, 1000):
        table = lesson09.directions(features, d, random=True, seed=1)
        assert set(recall(facts, table, *functions).values()) == {1.0}


@pytest.fixture(scope="module")
def glove():
    from helpers.glove import load_glove

    return load_glove()


def test_capital_of_direction_turns_poland_into_warsaw(glove):
    assert len(CAPITALS) == 12 and "twelve pairs" in markdown_of("09")
    assert "poland" not in dict(CAPITALS)
    offset = np.mean([glove[capital] - glove[country] for country, capital in CAPITALS], axis=0)
    alone = [word for word, _ in lesson06.nearest(glove["poland"], glove.vectors, glove.words, 5)]
    assert "warsaw" not in alone and {"hungary", "bulgaria"} <= set(alone)
    moved = lesson06.nearest(glove["poland"] + offset, glove.vectors, glove.words, 5)
    assert moved[0][0] == "warsaw" and dict(moved)["warsaw"] > dict(moved)["poland"]
    firsts = {}
    for country, _ in HELD_OUT:
        found = lesson06.nearest(glove[country] + offset, glove.vectors, glove.words, 1,
                                 exclude=(country,))
        firsts[country] = found[0][0]
    hits = [country for country, capital in HELD_OUT if firsts[country] == capital]
    assert hits == ["poland", "china", "india", "turkey", "ukraine"]
    assert "Five of the eight" in markdown_of("09") and len(HELD_OUT) == 8
    assert (firsts["brazil"], firsts["australia"], firsts["canada"]) == ("janeiro", "sydney", "vancouver")


def test_gpt3_mlp_sizes():
    d_model, d_hidden = 12_288, 49_152
    assert d_hidden == 4 * d_model
    for figure in ("12,288", "49,152", "96 layers", "175 billion"):
        assert figure in markdown_of("09")
    per_layer = lesson09.mlp_param_count(d_model, d_hidden)
    all_layers = lesson09.mlp_param_count(d_model, d_hidden, 96)
    assert_stated("09", "1.2", per_layer / 1e9, 1)
    assert_stated("09", "116", all_layers / 1e9, 0)
    assert_stated("09", "66", 100 * all_layers / 175e9, 0)
    assert 0.6 < all_layers / 175e9 < 0.7  # "about two thirds"
