"""Lesson 07: the references agree with PyTorch, the hand-made example tells its story, and
the text's figures are computed."""

import pytest
import torch

from helpers import attention as toy
from solutions import lesson07
from tests.figures import assert_stated, markdown_of

sdpa = torch.nn.functional.scaled_dot_product_attention
generator = torch.Generator().manual_seed(0)


def randn(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=generator, dtype=torch.float64)


@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_torch(causal):
    Q, K, V = randn(2, 3, 7, 5), randn(2, 3, 7, 5), randn(2, 3, 7, 4)
    torch.testing.assert_close(lesson07.attention(Q, K, V, causal), sdpa(Q, K, V, is_causal=causal))


def test_scores_and_mask_match_torch_conventions():
    Q, K = randn(4, 6), randn(5, 6)
    torch.testing.assert_close(lesson07.attention_scores(Q, K), Q @ K.T / 6**0.5)
    mask = lesson07.causal_mask(5)
    assert mask.dtype == torch.bool
    Q, K, V = randn(5, 3), randn(5, 3), randn(5, 2)
    torch.testing.assert_close(sdpa(Q, K, V, attn_mask=mask), sdpa(Q, K, V, is_causal=True))


def test_causal_attention_never_sees_a_later_token():
    Q, K, V = randn(6, 4), randn(6, 4), randn(6, 3)
    before = lesson07.attention(Q, K, V, causal=True)
    for tensor in (Q, K, V):
        tensor[4] = 100.0
    after = lesson07.attention(Q, K, V, causal=True)
    torch.testing.assert_close(after[:4], before[:4], rtol=0, atol=0)
    assert not torch.allclose(after[4:], before[4:])


def random_layer(C: int) -> list[torch.Tensor]:
    """Four random (C, C) maps: W_q, W_k, W_v, W_o."""
    return [randn(C, C) / C**0.5 for _ in range(4)]


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_matches_torch_multihead_attention(causal):
    """torch's layer stores the same four (C, C) maps, transposed; its head h owns block h too."""
    B, T, n_heads, d_head = 2, 6, 3, 4
    C = n_heads * d_head
    x, (W_q, W_k, W_v, W_o) = randn(B, T, C), random_layer(C)
    mha = torch.nn.MultiheadAttention(C, n_heads, bias=False, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([W_q, W_k, W_v], dim=1).T)
        mha.out_proj.weight.copy_(W_o.T)
        future = ~lesson07.causal_mask(T)  # torch: True = may NOT look
        expected, _ = mha(x, x, x, attn_mask=future if causal else None, need_weights=False)
    torch.testing.assert_close(lesson07.multi_head_attention(x, W_q, W_k, W_v, W_o, n_heads, causal),
                               expected)


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_is_the_sum_of_its_heads(causal):
    """Both views: the heads' changes summed (row blocks of W_o), or concatenated and projected."""
    n_heads, d_head = 4, 3
    C = n_heads * d_head
    x, (W_q, W_k, W_v, W_o) = randn(2, 5, C), random_layer(C)
    blocks = [slice(h * d_head, (h + 1) * d_head) for h in range(n_heads)]
    summed = sum(lesson07.one_head(x, W_q[:, b], W_k[:, b], W_v[:, b], W_o[b, :], causal) for b in blocks)
    results = [lesson07.one_head(x, W_q[:, b], W_k[:, b], W_v[:, b], None, causal) for b in blocks]
    batched = lesson07.multi_head_attention(x, W_q, W_k, W_v, W_o, n_heads, causal)
    torch.testing.assert_close(batched, summed)
    torch.testing.assert_close(batched, torch.cat(results, dim=-1) @ W_o)


def test_one_head_is_multi_head_attention_with_one_head():
    x, (W_q, W_k, W_v, W_o) = randn(5, 6), random_layer(6)
    torch.testing.assert_close(lesson07.one_head(x, W_q, W_k, W_v, W_o, True),
                               lesson07.multi_head_attention(x, W_q, W_k, W_v, W_o, 1, True))


def test_split_and_merge_heads_are_inverse_and_keep_positions_apart():
    x = randn(2, 5, 12)
    heads = lesson07.split_heads(x, 4)
    assert heads.shape == (2, 4, 5, 3)
    torch.testing.assert_close(heads[:, 1, 2], x[:, 2, 3:6], rtol=0, atol=0)
    torch.testing.assert_close(lesson07.merge_heads(heads), x, rtol=0, atol=0)


def test_the_reference_makes_six_matrix_products_whatever_the_heads():
    """The text's "six": three projections, two in attention, one output; and six per head
    when the heads run one at a time."""
    x, maps = randn(2, 5, 8), random_layer(8)
    for n_heads in (1, 2, 4, 8):
        assert toy.count_matrix_products(lesson07.multi_head_attention, x, *maps, n_heads) == 6
        d_head = 8 // n_heads
        head_maps = (*(w[:, :d_head] for w in maps[:3]), maps[3][:d_head])
        assert toy.count_matrix_products(lesson07.one_head, x, *head_maps, True) == 6
    text = " ".join(markdown_of("07").split())
    assert ("with the reference answer, six (three for queries, keys and values, two inside "
            "attention, one for `W_O`)") in text
    assert "The long way, one head at a time, makes six per head" in text


def test_counting_sees_every_kind_of_matrix_product():
    a, b = randn(3, 3), randn(3, 3)

    def products(a, b):
        return [a @ b, torch.matmul(a, b), a.mm(b), torch.einsum("ij,jk->ik", a, b),
                torch.nn.functional.linear(a, b), torch.bmm(a[None], b[None])]

    assert toy.count_matrix_products(products, a, b) == 6
    assert toy.count_matrix_products(torch.add, a, b) == 0


def test_layer_maps_put_each_head_in_its_blocks():
    heads = [*toy.toy_heads().values(), toy.silent_head()]
    W = toy.layer_maps(heads)
    assert all(w.shape == (toy.D_MODEL, toy.D_MODEL) for w in W.values())
    torch.testing.assert_close(W["W_q"][:, 3:6], heads[1]["W_q"])
    torch.testing.assert_close(W["W_o"][6:9, :], heads[2]["W_o"])
    with pytest.raises(ValueError, match="n_heads \\* d_head must equal d_model"):
        toy.layer_maps(heads[:2])


def pattern(head: dict, x: torch.Tensor, causal: bool = True) -> torch.Tensor:
    return lesson07.attention(x @ head["W_q"], x @ head["W_k"], torch.eye(len(x), dtype=x.dtype), causal)


def test_the_hand_made_heads_tell_the_lessons_story():
    heads, E = toy.toy_heads(), toy.token_embeddings()
    X = E + toy.position_embeddings(len(toy.TOKENS))
    creature, forest, roamed = (toy.TOKENS.index(w) for w in ("creature", "forest", "roamed"))
    fluffy, blue, verdant = (toy.TOKENS.index(w) for w in ("fluffy", "blue", "verdant"))
    # without positions, the masked noun head: creature looks at fluffy and blue ...
    naive = pattern(heads["adjectives -> noun"], E)
    assert naive[creature, [fluffy, blue]].sum() > 0.95
    # ... and gets roughly half a unit of each (the text says so)
    change = lesson07.one_head(E, **heads["adjectives -> noun"], causal=True)[creature]
    for feature in ("fluffy", "blue"):
        assert 0.45 < change[toy.FEATURES.index(feature)] < 0.55
    # ... but forest splits its attention over all three adjectives
    assert (naive[forest, [fluffy, blue, verdant]] > 0.3).all()
    # with positions, forest looks at verdant and creature still at fluffy and blue
    nearby = pattern(heads["adjectives -> noun, nearby only"], X)
    assert nearby[forest, verdant] > 0.9
    assert nearby[creature, [fluffy, blue]].sum() > 0.95
    # the verb head needs the mask to find its subject
    assert pattern(heads["verb -> who did it"], X)[roamed, creature] > 0.85
    assert pattern(heads["verb -> who did it"], X, causal=False)[roamed, forest] > 0.4


def test_the_toy_figures_in_the_text():
    text = " ".join(markdown_of("07").split())  # line breaks read as spaces
    assert toy.D_MODEL == 12 and "Ours has 12" in text
    assert toy.D_HEAD == 3 and "here 3" in text
    assert toy.THETA == 0.6 and "angle `0.6 p`" in text
    assert toy.LOOK_BACK == 1.5 and "a step and a half back" in text
    assert len(toy.TOKENS) - 1 == 7 and "here 7 have their answer" in text


def test_the_layer_and_split_figures_in_the_text():
    text = " ".join(markdown_of("07").split())
    assert 4 * toy.D_HEAD == toy.D_MODEL == 12 and toy.D_HEAD == 3
    assert "Our embeddings have 12 coordinates and our heads 3 numbers each, so four heads fill" in text
    labelled = 10 * torch.arange(3)[:, None] + torch.arange(6)  # the notebook's (T, C) = (3, 6)
    heads = lesson07.split_heads(labelled, 3).tolist()
    assert heads[1] == [[2, 3], [12, 13], [22, 23]]
    assert "head 1's sequence is `[[2, 3], [12, 13], [22, 23]]`" in text
    assert [head[0] for head in heads] == [[0, 1], [2, 3], [4, 5]]
    assert "head 0 must hold channels 0-1 of every position, head 1 channels 2-3, head 2 channels 4-5" in text


def test_gpt3_figures():
    count = lesson07.attention_param_count
    assert_stated("07", "6.3", count(12_288, 128) / 1e6, 1)
    assert_stated("07", "604", count(12_288, 128, n_heads=96) / 1e6, 0)
    assert_stated("07", "58", count(12_288, 128, n_heads=96, n_layers=96) / 1e9, 0)
    assert_stated("07", "33", 100 * count(12_288, 128, n_heads=96, n_layers=96) / 175e9, 0)
    text = " ".join(markdown_of("07").split())  # line breaks read as spaces
    assert f"{96 * 96:,}" == "9,216" and "9,216 heads" in text
    assert f"{2048**2:,}" == "4,194,304" and "2,048 tokens at a time: 4,194,304 weights" in text
    assert 96 * 128 == 12_288 and "96 heads of 128 numbers concatenate to exactly 12,288" in text
    assert 4 * 12_288**2 == count(12_288, 128, n_heads=96)  # a layer as four (C, C) maps
    assert "604 million: exactly four square `12,288 × 12,288` maps" in text
