"""Hidden tests for lesson 07: random inputs, compared with the reference and with PyTorch."""

import copy
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from autograder.hidden.common import agree, agrees_with_reference, hidden_check, run_through
from helpers.attention import count_matrix_products
from helpers.checking import Check, guarded
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


def _heads_args(rng: np.random.Generator) -> tuple:
    """x (..., T, C) with C = n_heads * d_head, and n_heads."""
    lead, T, n_heads, d_head = _leading(rng), int(rng.integers(1, 7)), int(rng.integers(1, 5)), int(
        rng.integers(1, 5))
    return _normal(rng, *lead, T, n_heads * d_head), n_heads


def _split_args(rng: np.random.Generator) -> tuple:
    x, n_heads = _heads_args(rng)
    return (x, n_heads)


def _merge_args(rng: np.random.Generator) -> tuple:
    x, n_heads = _heads_args(rng)
    return (reference.split_heads(x, n_heads).clone(),)


def _multi_head_args(rng: np.random.Generator) -> tuple:
    x, n_heads = _heads_args(rng)
    C = x.shape[-1]
    return (x, *(_normal(rng, C, C) for _ in range(4)), n_heads, bool(rng.integers(2)))


@guarded
def attention_scores(fn: Callable[..., Any]) -> None:
    agrees_with_reference(hidden_check("attention_scores", fn), reference.attention_scores,
                          lambda rng: _qkv(rng)[:2],
                          hint="Q @ K.transpose(-2, -1) / sqrt(d_k), for any leading axes and sizes.")


@guarded
def causal_mask(fn: Callable[..., Any]) -> None:
    chk = hidden_check("causal_mask", fn, reference=reference.causal_mask,
                       crash_hint="an (n, n) boolean tensor, for any n >= 1.")
    for n in (2, 5, 9):
        got = chk.run(n)
        chk.equal(getattr(got, "dtype", None), torch.bool, case=f"the dtype of causal_mask({n})",
                  hint="return a boolean tensor (dtype=torch.bool).")
        chk.close(got, reference.causal_mask(n), case=f"causal_mask({n})",
                  hint="True where j <= i, False where j > i, as an (n, n) tensor.")
    chk.passed()


@guarded
def attention(fn: Callable[..., Any]) -> None:
    """The learner's attention must agree with PyTorch's own, and must not see the future."""
    chk = hidden_check("attention", fn, reference=reference.attention,
                       crash_hint="work on the last two axes only, so that any leading axes broadcast; "
                                  "take the mask's size from the scores.")
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


@guarded
def one_head(fn: Callable[..., Any]) -> None:
    with_output = itertools.cycle([False, True])  # every other case has an output map W_o
    agrees_with_reference(hidden_check("one_head", fn), reference.one_head,
                          lambda rng: _one_head_args(rng, next(with_output)), trials=6,
                          hint="attention(x @ W_q, x @ W_k, x @ W_v, causal), then @ W_o when W_o "
                               "is given; for any leading axes and sizes.")


def _matches_reference(chk: Check, reference_fn: Callable[..., Any],
                       make_args: Callable[[np.random.Generator], tuple], *, hint: str, trials: int = 6,
                       seed: int = 0) -> None:
    """As `agrees_with_reference`, without reporting success: more cases follow on `chk`."""
    rng = np.random.default_rng(seed)
    for trial in range(1, trials + 1):
        args = make_args(rng)
        expected = reference_fn(*copy.deepcopy(args))
        case = f"hidden random case {trial} of {trials}"
        agree(chk, chk.call(copy.deepcopy(args), case=case, hint=hint), expected, case=case, hint=hint)


@guarded
def split_heads(fn: Callable[..., Any]) -> None:
    chk = hidden_check("split_heads", fn, reference=reference.split_heads,
                       crash_hint="(..., T, C) -> (..., n_heads, T, d_head) for any leading axes: count "
                                  "axes from the end.")
    _matches_reference(chk, reference.split_heads, _split_args,
                          hint="entry [..., h, t, :] is x[..., t, h*d_head:(h+1)*d_head]: "
                               "(..., T, C) -> (..., T, n_heads, d_head) -> (..., n_heads, T, d_head), "
                               "for any leading axes.")
    rng = np.random.default_rng(11)
    for trial in range(1, 4):
        x, n_heads = _heads_args(rng)
        chk.close(chk.run(x.clone(), n_heads)[..., 0, :, :], x[..., : x.shape[-1] // n_heads],
                  case=f"hidden random case {trial} of 3: head 0 of x",
                  hint="head 0 holds the first d_head numbers of every position, in order of position.")
    chk.passed()


@guarded
def merge_heads(fn: Callable[..., Any]) -> None:
    chk = hidden_check("merge_heads", fn, reference=reference.merge_heads,
                       crash_hint="(..., n_heads, T, d_head) -> (..., T, C) for any leading axes: count "
                                  "axes from the end.")
    _matches_reference(chk, reference.merge_heads, _merge_args,
                          hint="(..., n_heads, T, d_head) -> (..., T, n_heads, d_head) -> (..., T, C): "
                               "row t is head 0's vector at t, then head 1's, ...")
    rng = np.random.default_rng(12)
    for trial in range(1, 4):
        x, n_heads = _heads_args(rng)
        chk.close(chk.run(reference.split_heads(x, n_heads).clone()), x,
                  case=f"hidden random case {trial} of 3: merge_heads(split_heads(x, n_heads)) == x",
                  hint="merge_heads undoes split_heads: swap the heads and positions axes back, "
                       "then join the heads' blocks in head order.")
    chk.passed()


def _torch_multihead(x: torch.Tensor, W_q: torch.Tensor, W_k: torch.Tensor, W_v: torch.Tensor,
                     W_o: torch.Tensor, n_heads: int, causal: bool) -> torch.Tensor:
    """torch.nn.MultiheadAttention (no biases) with the same four (C, C) maps, on x (B, T, C)."""
    C, T = x.shape[-1], x.shape[-2]
    layer = torch.nn.MultiheadAttention(C, n_heads, bias=False, batch_first=True, dtype=x.dtype)
    with torch.no_grad():  # torch computes x @ weight.T; its head h owns block h as ours does
        layer.in_proj_weight.copy_(torch.cat([W_q, W_k, W_v], dim=1).T)
        layer.out_proj.weight.copy_(W_o.T)
        future = torch.ones(T, T, dtype=torch.bool).triu(1)  # torch: True = may NOT look
        return layer(x, x, x, attn_mask=future if causal else None, need_weights=False)[0]


@guarded
def multi_head_attention(fn: Callable[..., Any]) -> None:
    """Agrees with the reference and with torch.nn.MultiheadAttention; no loop over the heads."""
    chk = hidden_check("multi_head_attention", fn, reference=reference.multi_head_attention,
                       crash_hint="x is (..., T, C) with any leading axes and C = n_heads * d_head; "
                                  "the four maps are (C, C).")
    _matches_reference(chk, reference.multi_head_attention, _multi_head_args,
                          hint="queries, keys and values x @ W_q, x @ W_k, x @ W_v split into heads "
                               "(column block h is head h's), attention in each head scaled by "
                               "1/sqrt(d_head), heads merged back, then @ W_o; for any leading axes.")
    rng = np.random.default_rng(17)
    for causal in (False, True):
        B, T, n_heads, d_head = 2, int(rng.integers(3, 7)), int(rng.integers(2, 5)), int(rng.integers(1, 4))
        C = n_heads * d_head
        x, maps = _normal(rng, B, T, C), [_normal(rng, C, C) for _ in range(4)]
        chk.close(chk.run(x.clone(), *(w.clone() for w in maps), n_heads, causal),
                  _torch_multihead(x, *maps, n_heads, causal), atol=1e-8, rtol=1e-6,
                  case=f"x of shape (B={B}, T={T}, C={C}), n_heads={n_heads}, causal={causal}, "
                       "compared with torch.nn.MultiheadAttention",
                  hint="each head attends on its own block of d_head numbers, with scores divided "
                       "by sqrt(d_head) (d_head = C // n_heads, not C); the heads' results, side by "
                       "side in head order, go through W_o.")
    x, maps = _normal(rng, 2, 5, 8), [_normal(rng, 8, 8) for _ in range(4)]
    counts = [run_through(chk, count_matrix_products, x, *maps, n_heads) for n_heads in (1, 4)]
    chk.true(counts[0] == counts[1],
             case=f"counting matrix products: {counts[0]} with n_heads=1 and {counts[1]} with n_heads=4",
             hint="one matrix product per map for all heads at once, and one attention call on all "
                  "heads together: no loop over the heads. Multiply x by the whole (C, C) map, then "
                  "split the result into heads.")
    chk.passed()


@guarded
def attention_param_count(fn: Callable[..., Any]) -> None:
    chk = hidden_check("attention_param_count", fn, reference=reference.attention_param_count,
                       crash_hint="an int from the four sizes alone: each head has four d_model x d_head "
                                  "maps (query, key, value, output), in every head of every layer.")
    rng = np.random.default_rng(3)
    for _ in range(5):
        args = tuple(int(k) for k in rng.integers(1, 200, size=4))
        chk.equal(chk.run(*args), reference.attention_param_count(*args), case=f"{args}",
                  hint="4 * d_model * d_head * n_heads * n_layers.")
    chk.passed()
