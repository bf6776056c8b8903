"""Lesson 08: the references agree with PyTorch's own modules, the tiny GPT trains below its
stated bound, the parameter counter reproduces GPT-1, GPT-2 and GPT-3, and the text's
figures hold."""

import math

import pytest
import torch
from torch import nn

from helpers import gpt
from solutions import lesson08
from tests.figures import assert_stated, markdown_of

F = nn.functional
generator = torch.Generator().manual_seed(0)


def randn(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=generator, dtype=torch.float64)


def random_block(d_model: int = 12, n_heads: int = 3) -> dict:
    """Block weights with every norm, bias and map random (not the helper's initial values)."""
    w = gpt.block_weights(d_model, n_heads, generator=generator, dtype=torch.float64)
    return {name: weight + 0.3 * randn(*weight.shape) for name, weight in w.items()}


class TorchBlock(nn.Module):
    """The same pre-norm block from PyTorch's modules: LayerNorm, MultiheadAttention, Linear, GELU."""

    def __init__(self, w: dict) -> None:
        super().__init__()
        n_heads, d_model, d_head = w["W_q"].shape
        self.ln1, self.ln2 = nn.LayerNorm(d_model).double(), nn.LayerNorm(d_model).double()
        self.attention = nn.MultiheadAttention(d_model, n_heads, bias=False, batch_first=True).double()
        self.up = nn.Linear(d_model, 4 * d_model).double()
        self.down = nn.Linear(4 * d_model, d_model).double()
        with torch.no_grad():
            for norm, name in ((self.ln1, "ln1"), (self.ln2, "ln2")):
                norm.weight.copy_(w[f"{name}_scale"])
                norm.bias.copy_(w[f"{name}_shift"])
            # in_proj_weight is (3 d_model, d_model): rows h*d_head.. of the query part are head h's query map
            for part, name in enumerate(("W_q", "W_k", "W_v")):
                maps = w[name].permute(0, 2, 1).reshape(n_heads * d_head, d_model)
                self.attention.in_proj_weight[part * d_model:(part + 1) * d_model] = maps
            self.attention.out_proj.weight.copy_(w["W_o"].reshape(n_heads * d_head, d_model).T)
            self.up.weight.copy_(w["W_up"].T)
            self.up.bias.copy_(w["b_up"])
            self.down.weight.copy_(w["W_down"].T)
            self.down.bias.copy_(w["b_down"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[-2]
        future = torch.ones(n, n, dtype=torch.bool).triu(1)  # True = may NOT look
        h = self.ln1(x)
        x = x + self.attention(h, h, h, attn_mask=future, need_weights=False)[0]
        return x + self.down(F.gelu(self.up(self.ln2(x))))


def test_layer_norm_matches_torch():
    x, scale, shift = randn(3, 5, 7) * 4 + 2, randn(7), randn(7)
    expected = F.layer_norm(x, (7,), scale, shift, eps=1e-5)
    torch.testing.assert_close(lesson08.layer_norm(x, scale, shift), expected)


def test_dropout_behaves_like_torchs():
    x = torch.rand(200, 300, generator=generator, dtype=torch.float64) + 0.5
    torch.manual_seed(0)
    ours, theirs = lesson08.dropout(x, 0.3), F.dropout(x, 0.3, training=True)
    for out in (ours, theirs):
        kept = out != 0
        assert abs(kept.double().mean().item() - 0.7) < 0.01
        torch.testing.assert_close(out[kept], x[kept] / 0.7)
    assert torch.equal(lesson08.dropout(x, 0.3, training=False), F.dropout(x, 0.3, training=False))


def test_mlp_matches_a_torch_sequential():
    d = 6
    net = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)).double()
    x = randn(2, 5, d)
    up, down = net[0], net[2]
    got = lesson08.mlp(x, up.weight.T, up.bias, down.weight.T, down.bias)
    torch.testing.assert_close(got, net(x))


def test_block_matches_pytorchs_multihead_attention():
    w = random_block()
    x = randn(2, 7, 12)
    with torch.no_grad():
        torch.testing.assert_close(lesson08.block(x, w), TorchBlock(w)(x))


def test_gpt_forward_matches_a_torch_gpt():
    weights = gpt.gpt_weights(20, 12, 2, 3, 9, generator=generator, dtype=torch.float64)
    weights["blocks"] = [random_block(), random_block()]
    weights["final_scale"], weights["final_shift"] = randn(12), randn(12)
    tokens = torch.randint(20, (3, 8), generator=generator)
    with torch.no_grad():
        x = F.embedding(tokens, weights["token_embedding"]) + weights["position_embedding"][:8]
        for w in weights["blocks"]:
            x = TorchBlock(w)(x)
        x = F.layer_norm(x, (12,), weights["final_scale"], weights["final_shift"])
        expected = F.linear(x, weights["token_embedding"])  # the tied unembedding
    torch.testing.assert_close(lesson08.gpt_forward(tokens, weights), expected)


def test_gpt_forward_is_causal():
    weights = gpt.gpt_weights(20, 12, 2, 3, 9, generator=generator, dtype=torch.float64)
    tokens = torch.randint(20, (9,), generator=generator)
    changed = tokens.clone()
    changed[-1] = (changed[-1] + 1) % 20
    before, after = lesson08.gpt_forward(tokens, weights), lesson08.gpt_forward(changed, weights)
    torch.testing.assert_close(before[:-1], after[:-1])
    assert not torch.allclose(before[-1], after[-1])


class GPT2Layout(nn.Module):
    """GPT-2's layout from PyTorch's modules, biases everywhere, the unembedding tied."""

    def __init__(self, d: int, n_layers: int, vocab: int, context: int) -> None:
        super().__init__()
        self.token, self.position = nn.Embedding(vocab, d), nn.Embedding(context, d)
        self.blocks = nn.ModuleList(nn.ModuleDict({
            "ln1": nn.LayerNorm(d), "qkv": nn.Linear(d, 3 * d), "out": nn.Linear(d, d),
            "ln2": nn.LayerNorm(d), "up": nn.Linear(d, 4 * d), "down": nn.Linear(4 * d, d),
        }) for _ in range(n_layers))
        self.final = nn.LayerNorm(d)
        self.unembed = nn.Linear(d, vocab, bias=False)
        self.unembed.weight = self.token.weight  # tied: counted once by parameters()


@pytest.mark.parametrize("shape", [(16, 3, 50, 20), (8, 1, 7, 5), (32, 0, 11, 4)])
def test_param_counter_matches_pytorchs_count_of_gpt2s_layout(shape):
    model = GPT2Layout(*shape)
    assert lesson08.gpt_param_count(*shape) == sum(p.numel() for p in model.parameters())


def test_the_tiny_gpt_lacks_exactly_the_attention_biases():
    model = gpt.TinyGPT(gpt.gpt_weights(94), forward=lesson08.gpt_forward)
    ours = sum(p.numel() for p in model.parameters())
    counted = lesson08.gpt_param_count(gpt.D_MODEL, gpt.N_LAYERS, 94, gpt.CONTEXT)
    assert counted - ours == 4 * gpt.D_MODEL * gpt.N_LAYERS
    assert 50_000 < ours < 200_000 and "about a hundred thousand" in markdown_of("08")


PUBLISHED = {"GPT-1": ((768, 12, 40_478, 512), 117e6, "117M"),
             "GPT-2": ((1_600, 48, 50_257, 1_024), 1.5e9, "1.5B"),
             "GPT-3": ((12_288, 96, 50_257, 2_048), 175e9, "175B")}


@pytest.mark.parametrize("model", PUBLISHED)
def test_the_counter_reproduces_the_published_sizes(model):
    shape, size, stated = PUBLISHED[model]
    assert stated in markdown_of("08")
    assert abs(lesson08.gpt_param_count(*shape) / size - 1) < 0.05


def test_gpt2s_paper_figure_and_gpt3s_shares():
    text = markdown_of("08")
    assert "1,542M" in text and abs(lesson08.gpt_param_count(*PUBLISHED["GPT-2"][0]) / 1542e6 - 1) < 0.015
    d, n_layers = 12_288, 96
    count = lesson08.gpt_param_count(*PUBLISHED["GPT-3"][0])
    assert_stated("08", "66", 100 * n_layers * 8 * d**2 / count, 0)
    assert "a third in attention" in text and round(3 * n_layers * 4 * d**2 / count) == 1


def test_the_lesson_states_the_tiny_gpts_shape():
    text = markdown_of("08")
    assert (f"`d_model` = {gpt.D_MODEL}, {gpt.N_LAYERS} blocks of {gpt.N_HEADS} heads, "
            f"a context of {gpt.CONTEXT} characters") in text
    assert f"32 × 32 = {gpt.BATCH_SIZE * gpt.CONTEXT:,}" in text
    assert gpt.BATCH_SIZE == gpt.CONTEXT == 32


def test_the_tiny_gpt_trains_below_the_stated_bound():
    """A seeded property of the lesson's training run, not its exact numbers."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the lesson does
    try:
        chars, train_ids, held_out_ids = gpt.load_text_data()
        model = gpt.TinyGPT(gpt.gpt_weights(len(chars), generator=torch.Generator().manual_seed(0)),
                            forward=lesson08.gpt_forward)
        before = gpt.mean_loss(model, held_out_ids)
        losses = gpt.train(model, train_ids)
        after = gpt.mean_loss(model, held_out_ids)
    finally:
        torch.set_num_threads(threads)
    assert len(losses) == gpt.STEPS
    assert abs(losses[0] - math.log(len(chars))) < 1.0  # starts around the uniform guess
    assert sum(losses[-20:]) / 20 < gpt.LOSS_BOUND
    assert after < gpt.LOSS_BOUND < before
    assert_stated("08", "2.2", gpt.LOSS_BOUND, 1)
    assert "ends below 2.2" in markdown_of("08")
