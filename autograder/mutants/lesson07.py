"""Wrong answers to lesson 07 that learners really write.

The attention, one_head and multi_head_attention mutants compute everything themselves
(or with PyTorch's own attention), so that each one shows its own mistake whatever the
other exercises of the same submission hold.
"""

import torch

from autograder.mutants import mutant, replaced
from solutions.lesson07 import attention_param_count, attention_scores, causal_mask, merge_heads, split_heads

scores_keys_first = replaced(attention_scores, "Q @ K.transpose(-2, -1)", "K @ Q.transpose(-2, -1)",
                             "not K @ Q^T")

scores_unscaled = replaced(attention_scores, " / d_k**0.5", "", "divide by sqrt(d_k)")
scores_divided_by_d_k = replaced(attention_scores, "/ d_k**0.5", "/ d_k", "not by d_k itself")
scores_full_transpose = replaced(attention_scores, "K.transpose(-2, -1)", "K.T", "not K.T")
mask_hides_diagonal = replaced(causal_mask, ".tril()", ".tril(-1)", "the diagonal (j == i) is True")
mask_lets_future_through = replaced(causal_mask, ".tril()", ".triu()", "False where j > i")

mask_of_floats = replaced(causal_mask, "torch.ones(n, n, dtype=torch.bool).tril()",
                          "torch.tril(torch.ones(n, n))", "return a boolean tensor")


@mutant("attention", "divide the scores by sqrt(d_k)")
def attention_unscaled(Q, K, V, causal=False):
    scores = Q @ K.transpose(-2, -1)
    if causal:
        n = scores.shape[-1]
        scores = scores.masked_fill(~torch.ones(n, n, dtype=torch.bool).tril(), float("-inf"))
    return torch.softmax(scores, dim=-1) @ V


@mutant("attention", "position i still sees itself")
def attention_hides_diagonal(Q, K, V, causal=False):
    scores = Q @ K.transpose(-2, -1) / K.shape[-1] ** 0.5
    if causal:
        n = scores.shape[-1]
        scores = scores.masked_fill(~torch.ones(n, n, dtype=torch.bool).tril(-1), float("-inf"))
    return torch.softmax(scores, dim=-1) @ V


@mutant("attention", "must not see positions j > i")
def attention_sees_the_future(Q, K, V, causal=False):
    scores = Q @ K.transpose(-2, -1) / K.shape[-1] ** 0.5
    if causal:  # the mask turned the wrong way: hides the past instead of the future
        n = scores.shape[-1]
        scores = scores.masked_fill(~torch.ones(n, n, dtype=torch.bool).triu(), float("-inf"))
    return torch.softmax(scores, dim=-1) @ V


@mutant("attention", "the LAST axis (dim=-1)")
def attention_softmax_over_queries(Q, K, V, causal=False):
    scores = Q @ K.transpose(-2, -1) / K.shape[-1] ** 0.5
    if causal:
        n = scores.shape[-1]
        scores = scores.masked_fill(~torch.ones(n, n, dtype=torch.bool).tril(), float("-inf"))
    return torch.softmax(scores, dim=-2) @ V


@mutant("attention", "with -inf (float('-inf')), not 0")
def attention_masks_with_zero(Q, K, V, causal=False):
    scores = Q @ K.transpose(-2, -1) / K.shape[-1] ** 0.5
    if causal:
        n = scores.shape[-1]
        scores = scores.masked_fill(~torch.ones(n, n, dtype=torch.bool).tril(), 0.0)
    return torch.softmax(scores, dim=-1) @ V


@mutant("attention", "Q.shape[-2] (not Q.shape[0])")
def attention_mask_from_first_axis(Q, K, V, causal=False):
    scores = Q @ K.transpose(-2, -1) / K.shape[-1] ** 0.5
    if causal:
        n = Q.shape[0]
        scores = scores.masked_fill(~torch.ones(n, n, dtype=torch.bool).tril(), float("-inf"))
    return torch.softmax(scores, dim=-1) @ V


@mutant("one_head", "do not add x")
def one_head_adds_the_residual(x, W_q, W_k, W_v, W_o=None, causal=False):
    out = torch.nn.functional.scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v, is_causal=causal)
    return x + (out if W_o is None else out @ W_o)


@mutant("one_head", "swapping them transposes the pattern")
def one_head_queries_and_keys_swapped(x, W_q, W_k, W_v, W_o=None, causal=False):
    out = torch.nn.functional.scaled_dot_product_attention(x @ W_k, x @ W_q, x @ W_v, is_causal=causal)
    return out if W_o is None else out @ W_o


@mutant("one_head", "pass `causal` on")
def one_head_ignores_causal(x, W_q, W_k, W_v, W_o=None, causal=False):
    out = torch.nn.functional.scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v)
    return out if W_o is None else out @ W_o


@mutant("one_head", "map the (n, d_head) attention result back")
def one_head_forgets_the_output_map(x, W_q, W_k, W_v, W_o=None, causal=False):
    return torch.nn.functional.scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v, is_causal=causal)


@mutant("split_heads", "mixes positions")
def split_heads_reshaped_straight(x, n_heads):
    # (T, C) read straight into (n_heads, T, d_head): a head's "position" t mixes several positions
    return x.reshape(*x.shape[:-2], n_heads, x.shape[-2], x.shape[-1] // n_heads)


split_heads_not_transposed = replaced(split_heads, "return pieces.transpose(-3, -2)", "return pieces",
                                      "the heads axis comes BEFORE the positions axis")


@mutant("split_heads", "not every n_heads-th number")
def split_heads_interleaved(x, n_heads):
    # head h takes numbers h, h + n_heads, ... instead of the block h*d_head:(h+1)*d_head
    return x.unflatten(-1, (-1, n_heads)).movedim(-1, -3)


@mutant("split_heads", "any number of leading axes")
def split_heads_batch_only(x, n_heads):
    B, T, C = x.shape
    return x.view(B, T, n_heads, C // n_heads).transpose(1, 2)


@mutant("merge_heads", "joining straight from (n_heads, T, d_head) into (T, C) mixes positions")
def merge_heads_reshaped_straight(z):
    return z.reshape(*z.shape[:-3], z.shape[-2], z.shape[-3] * z.shape[-1])


merge_heads_interleaved = replaced(merge_heads, "z.transpose(-3, -2).flatten(-2)",
                                   "z.movedim(-3, -1).flatten(-2)",
                                   "head 0's d_head numbers at position t, then head 1's")


@mutant("merge_heads", "any number of leading axes")
def merge_heads_batch_only(z):
    B, n_heads, T, d_head = z.shape
    return z.transpose(1, 2).reshape(B, T, n_heads * d_head)


@mutant("multi_head_attention", "divided by sqrt(d_head)")
def multi_head_attention_unscaled(x, W_q, W_k, W_v, W_o, n_heads, causal=True):
    q, k, v = ((x @ W).unflatten(-1, (n_heads, -1)).transpose(-3, -2) for W in (W_q, W_k, W_v))
    z = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal, scale=1.0)
    return z.transpose(-3, -2).flatten(-2) @ W_o


@mutant("multi_head_attention", "not by sqrt(C)")
def multi_head_attention_scaled_by_width(x, W_q, W_k, W_v, W_o, n_heads, causal=True):
    q, k, v = ((x @ W).unflatten(-1, (n_heads, -1)).transpose(-3, -2) for W in (W_q, W_k, W_v))
    scale = x.shape[-1] ** -0.5  # 1/sqrt(C): the whole width instead of one head's
    z = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal, scale=scale)
    return z.transpose(-3, -2).flatten(-2) @ W_o


@mutant("multi_head_attention", "without mixing positions")
def multi_head_attention_reshaped_straight(x, W_q, W_k, W_v, W_o, n_heads, causal=True):
    T, C = x.shape[-2:]
    q, k, v = ((x @ W).reshape(*x.shape[:-2], n_heads, T, C // n_heads) for W in (W_q, W_k, W_v))
    z = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
    return z.reshape(*x.shape[:-2], T, C) @ W_o


@mutant("multi_head_attention", "row block h of W_o")
def multi_head_attention_output_columns(x, W_q, W_k, W_v, W_o, n_heads, causal=True):
    d_head = x.shape[-1] // n_heads
    out = 0
    for h in range(n_heads):  # like W_q, the output map sliced by columns, transposed to fit
        block = slice(h * d_head, (h + 1) * d_head)
        z = torch.nn.functional.scaled_dot_product_attention(
            x @ W_q[:, block], x @ W_k[:, block], x @ W_v[:, block], is_causal=causal)
        out = out + z @ W_o[:, block].T
    return out


@mutant("multi_head_attention", "no loop over the heads")
def multi_head_attention_loops_over_heads(x, W_q, W_k, W_v, W_o, n_heads, causal=True):
    d_head = x.shape[-1] // n_heads
    out = 0
    for h in range(n_heads):  # right, but one small product per head and per map
        block = slice(h * d_head, (h + 1) * d_head)
        z = torch.nn.functional.scaled_dot_product_attention(
            x @ W_q[:, block], x @ W_k[:, block], x @ W_v[:, block], is_causal=causal)
        out = out + z @ W_o[block]
    return out


@mutant("multi_head_attention", "causal=True is the default")
def multi_head_attention_never_masks(x, W_q, W_k, W_v, W_o, n_heads, causal=True):
    q, k, v = ((x @ W).unflatten(-1, (n_heads, -1)).transpose(-3, -2) for W in (W_q, W_k, W_v))
    z = torch.nn.functional.scaled_dot_product_attention(q, k, v)
    return z.transpose(-3, -2).flatten(-2) @ W_o


param_count_three_maps = replaced(attention_param_count, "4 * d_model", "3 * d_model",
                                  "four d_model x d_head maps")


@mutant("attention_param_count", "not one d_model x d_model matrix")
def param_count_full_value_map(d_model, d_head, n_heads=1, n_layers=1):
    return (3 * d_model * d_head + d_model * d_model) * n_heads * n_layers


param_count_one_layer = replaced(attention_param_count, " * n_layers", "", "the number of layers")
