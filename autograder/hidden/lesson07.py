"""Hidden tests for lesson 07: random inputs, compared with the reference and with PyTorch."""

import itertools

import numpy as np
import torch

from autograder.hidden.common import agrees_with_reference, hidden_check
from solutions import lesson07 as reference

sdpa = torch.nn.functional.scaled_dot_product_attention


def _normal(rng: np.random.Generator, *shape: int) -> torch.Tensor:
    return torch.from_numpy(rng.normal(size=shape))  # float64


def _leading(rng: np.random.Generator) -> tuple[int, ...]:
    """No leading axes, a batch, or a batch and heads."""
    return tuple(int(k) for k in rng.integers(1, 4, size=int(rng.integers(0, 3))))


def _qkv(rng: np.random.Generator) -> tuple[torch.Tensor, ...]:
    lead = _leading(rng)
    n, d_k, d_v = (int(k) for k in rng.integers(1, [8, 9, 6]))
    return _normal(rng, *lead, n, d_k), _normal(rng, *lead, n, d_k), _normal(rng, *lead, n, d_v)


def _one_head_args(rng: np.random.Generator, with_output: bool) -> tuple:
    lead, n = _leading(rng), int(rng.integers(1, 7))
    d_model, d_head = int(rng.integers(2, 7)), int(rng.integers(1, 5))
    W_o = _normal(rng, d_head, d_model) if with_output else None
    return (_normal(rng, *lead, n, d_model), *(_normal(rng, d_model, d_head) for _ in range(3)), W_o,
            bool(rng.integers(2)))


def _multi_head_args(rng: np.random.Generator) -> tuple:
    lead, n, n_heads = _leading(rng), int(rng.integers(1, 7)), int(rng.integers(1, 5))
    d_model, d_head = int(rng.integers(2, 7)), int(rng.integers(1, 5))
    maps = [_normal(rng, n_heads, d_model, d_head) for _ in range(3)]
    return (_normal(rng, *lead, n, d_model), *maps, _normal(rng, n_heads, d_head, d_model),
            bool(rng.integers(2)))


def attention_scores(attention_scores):
    agrees_with_reference(hidden_check("attention_scores", attention_scores), reference.attention_scores,
                          lambda rng: _qkv(rng)[:2],
                          hint="Q @ K.transpose(-2, -1) / sqrt(d_k), for any leading axes and sizes.")


def causal_mask(causal_mask):
    chk = hidden_check("causal_mask", causal_mask)
    for n in (2, 5, 9):
        got = chk.run(n)
        chk.equal(getattr(got, "dtype", None), torch.bool, case=f"the dtype of causal_mask({n})",
                  hint="return a boolean tensor (dtype=torch.bool).")
        chk.close(got, reference.causal_mask(n), case=f"causal_mask({n})",
                  hint="True where j <= i, False where j > i, as an (n, n) tensor.")
    chk.passed()


def attention(attention):
    """The learner's attention must agree with PyTorch's own, and must not see the future."""
    chk = hidden_check("attention", attention)
    rng = np.random.default_rng(7)
    for causal in (False, True):
        for trial in range(1, 5):
            Q, K, V = _qkv(rng)
            expected = sdpa(Q, K, V, is_causal=causal)
            chk.close(chk.run(Q.clone(), K.clone(), V.clone(), causal), expected, atol=1e-5, rtol=1e-5,
                      case=f"random case {trial} with causal={causal}, compared with "
                           "torch.nn.functional.scaled_dot_product_attention",
                      hint="softmax(Q K^T / sqrt(d_k)) over the last axis, with -inf where j > i "
                           "when causal, then @ V; on any leading axes.")
    Q, K, V = _normal(rng, 2, 3, 6, 4), _normal(rng, 2, 3, 6, 4), _normal(rng, 2, 3, 6, 5)
    before = chk.run(Q.clone(), K.clone(), V.clone(), True)
    for t in (3, 5):
        Q2, K2, V2 = Q.clone(), K.clone(), V.clone()
        for tensor in (Q2, K2, V2):
            tensor[..., t, :] = _normal(rng, 2, 3, tensor.shape[-1]) * 10
        after = chk.run(Q2, K2, V2, True)
        chk.close(after[..., :t, :], before[..., :t, :], atol=1e-12, rtol=0,
                  case=f"causal=True: the token at position {t} of 6 was changed, and the outputs "
                       f"at positions 0..{t - 1} changed with it",
                  hint="with causal=True no position may see a later one: mask j > i with -inf "
                       "before the softmax.")
    chk.passed()


def one_head(one_head):
    with_output = itertools.cycle([False, True])  # every other case has an output map W_o
    agrees_with_reference(hidden_check("one_head", one_head), reference.one_head,
                          lambda rng: _one_head_args(rng, next(with_output)), trials=6,
                          hint="attention(x @ W_q, x @ W_k, x @ W_v, causal), then @ W_o when W_o "
                               "is given; for any leading axes and sizes.")


def multi_head(multi_head):
    agrees_with_reference(hidden_check("multi_head", multi_head), reference.multi_head, _multi_head_args,
                          hint="the sum over heads h of one_head(x, W_q[h], W_k[h], W_v[h], W_o[h], causal).")


def attention_param_count(attention_param_count):
    chk = hidden_check("attention_param_count", attention_param_count)
    rng = np.random.default_rng(3)
    for _ in range(5):
        args = tuple(int(k) for k in rng.integers(1, 200, size=4))
        chk.equal(chk.run(*args), reference.attention_param_count(*args), case=f"{args}",
                  hint="4 * d_model * d_head * n_heads * n_layers.")
    chk.passed()
