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


def test_multi_head_matches_torch_multihead_attention():
    """torch concatenates the heads and projects: our sum over heads is the same thing."""
    n_heads, d_head, n = 3, 4, 6
    d_model = n_heads * d_head
    x = randn(2, n, d_model)
    W_q, W_k, W_v = randn(n_heads, d_model, d_head), randn(n_heads, d_model, d_head), randn(
        n_heads, d_model, d_head)
    W_o = randn(n_heads, d_head, d_model)
    mha = torch.nn.MultiheadAttention(d_model, n_heads, bias=False, batch_first=True,
                                      dtype=torch.float64)
    with torch.no_grad():
        # torch's in-projection computes x @ weight.T; head h owns columns h*d_head:(h+1)*d_head
        in_maps = [w.permute(1, 0, 2).reshape(d_model, d_model) for w in (W_q, W_k, W_v)]
        mha.in_proj_weight.copy_(torch.cat(in_maps, dim=1).T)
        mha.out_proj.weight.copy_(W_o.reshape(d_model, d_model).T)
    for causal in (False, True):
        future = torch.ones(n, n, dtype=torch.bool).triu(1)  # torch: True = may NOT look
        expected, _ = mha(x, x, x, attn_mask=future if causal else None, need_weights=False)
        torch.testing.assert_close(lesson07.multi_head(x, W_q, W_k, W_v, W_o, causal), expected)


def test_one_head_is_multi_head_with_one_head():
    x, W_q, W_k, W_v, W_o = randn(5, 6), randn(6, 2), randn(6, 2), randn(6, 2), randn(2, 6)
    torch.testing.assert_close(lesson07.one_head(x, W_q, W_k, W_v, W_o, True),
                               lesson07.multi_head(x, *(w[None] for w in (W_q, W_k, W_v, W_o)), True))


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
