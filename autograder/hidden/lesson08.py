"""Hidden tests for lesson 08: random shapes and weights, compared with the reference;
dropout, which is random, by its properties."""

import numpy as np
import torch

from autograder.hidden.common import agrees_with_reference, hidden_check
from solutions import lesson08 as reference


def _normal(rng: np.random.Generator, *shape: int, size: float = 1.0) -> torch.Tensor:
    return torch.from_numpy(rng.normal(size=shape) * size)  # float64


def _leading(rng: np.random.Generator) -> tuple[int, ...]:
    """No leading axes, a batch, or two batch axes."""
    return tuple(int(k) for k in rng.integers(1, 4, size=int(rng.integers(0, 3))))


def _block_weights(rng: np.random.Generator, d_model: int, n_heads: int, d_head: int) -> dict:
    """Random weights for one block, layer norms included (not scale 1, shift 0)."""
    d_mlp, small = 4 * d_model, d_model**-0.5
    return {
        "ln1_scale": 1 + _normal(rng, d_model, size=0.3), "ln1_shift": _normal(rng, d_model, size=0.3),
        "W_q": _normal(rng, n_heads, d_model, d_head, size=small),
        "W_k": _normal(rng, n_heads, d_model, d_head, size=small),
        "W_v": _normal(rng, n_heads, d_model, d_head, size=small),
        "W_o": _normal(rng, n_heads, d_head, d_model, size=small),
        "ln2_scale": 1 + _normal(rng, d_model, size=0.3), "ln2_shift": _normal(rng, d_model, size=0.3),
        "W_up": _normal(rng, d_model, d_mlp, size=small), "b_up": _normal(rng, d_mlp, size=0.3),
        "W_down": _normal(rng, d_mlp, d_model, size=0.5 * small), "b_down": _normal(rng, d_model, size=0.3),
    }


def _sizes(rng: np.random.Generator) -> tuple[int, int, int, int]:
    """n tokens, d_model, n_heads, d_head."""
    n_heads, d_head = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    return int(rng.integers(2, 7)), int(rng.integers(2, 7)), n_heads, d_head


def layer_norm(layer_norm):
    def args(rng):
        d = int(rng.integers(2, 9))
        x = _normal(rng, *_leading(rng), int(rng.integers(1, 5)), d, size=3) + rng.normal() * 5
        return x, 1 + _normal(rng, d, size=0.5), _normal(rng, d)

    agrees_with_reference(hidden_check("layer_norm", layer_norm), reference.layer_norm, args,
                          hint="over the last axis: (x - mean) / sqrt(variance + eps), the variance "
                               "dividing by d; then * scale + shift.")


def dropout(dropout):
    chk = hidden_check("dropout", dropout)
    rng = np.random.default_rng(0)
    for trial, p in enumerate((0.1, 0.3, 0.6), start=1):
        x = torch.from_numpy(rng.uniform(0.5, 2.0, size=(50, 40, 30)))  # 60,000 entries, none zero
        case = f"hidden case {trial} of 3 (p = {p})"
        chk.close(chk.run(x.clone(), p, False), x, case=f"{case}, training=False",
                  hint="at inference (training=False) return x unchanged.")
        given = x.clone()
        with torch.random.fork_rng():
            torch.manual_seed(trial)
            out = torch.as_tensor(chk.run(given, p))
        chk.true(torch.equal(given, x), case=f"{case}: x was modified",
                 hint="return a new tensor; do not write into x.")
        chk.true(out.shape == x.shape, case=f"{case}: the shape", hint="keep the shape of x.")
        kept = out != 0
        zeroed = 1 - kept.double().mean().item()
        chk.true(abs(zeroed - p) < 0.015, case=f"{case}: the fraction of zeroed entries",
                 hint="zero each entry independently with probability p.")
        chk.close(out[kept], x[kept] / (1 - p), case=f"{case}: the surviving entries",
                  hint="divide each surviving entry by (1 - p).")
    chk.passed()


def mlp(mlp):
    def args(rng):
        d, d_mlp = int(rng.integers(1, 6)), int(rng.integers(1, 9))
        return (_normal(rng, *_leading(rng), int(rng.integers(1, 5)), d), _normal(rng, d, d_mlp),
                _normal(rng, d_mlp), _normal(rng, d_mlp, d), _normal(rng, d))

    agrees_with_reference(hidden_check("mlp", mlp), reference.mlp, args,
                          hint="gelu(x @ W_up + b_up) @ W_down + b_down, for any sizes and leading axes.")


def block(block):
    def args(rng):
        n, d_model, n_heads, d_head = _sizes(rng)
        return (_normal(rng, *_leading(rng), n, d_model) + 1.0,
                _block_weights(rng, d_model, n_heads, d_head))

    agrees_with_reference(hidden_check("block", block), reference.block, args,
                          hint="x = x + multi_head(layer_norm(x, ln1...), ..., causal=True); then "
                               "x = x + mlp(layer_norm(x, ln2...), ...).")


def gpt_forward(gpt_forward):
    def args(rng):
        n, d_model, n_heads, d_head = _sizes(rng)
        vocab, context = int(rng.integers(2, 9)), n + int(rng.integers(1, 4))
        weights = {
            "token_embedding": _normal(rng, vocab, d_model),
            "position_embedding": _normal(rng, context, d_model),
            "blocks": [_block_weights(rng, d_model, n_heads, d_head) for _ in range(int(rng.integers(1, 4)))],
            "final_scale": 1 + _normal(rng, d_model, size=0.3),
            "final_shift": _normal(rng, d_model, size=0.3),
        }
        return torch.from_numpy(rng.integers(0, vocab, size=(*_leading(rng), n))), weights

    agrees_with_reference(hidden_check("gpt_forward", gpt_forward), reference.gpt_forward, args,
                          hint="token + position embeddings, every block in order, the final layer "
                               "norm, then @ token_embedding.T (no softmax).")


def gpt_param_count(gpt_param_count):
    chk = hidden_check("gpt_param_count", gpt_param_count)
    rng = np.random.default_rng(0)
    for trial in range(1, 6):
        d_model, n_layers, vocab, context = (int(k) for k in rng.integers(1, [2000, 100, 100_000, 5000]))
        chk.equal(chk.run(d_model, n_layers, vocab, context),
                  reference.gpt_param_count(d_model, n_layers, vocab, context),
                  case=f"hidden random case {trial} of 5",
                  hint="(vocab + context) d + n_layers (12 d² + 13 d) + 2 d, for any sizes.")
    chk.passed()
