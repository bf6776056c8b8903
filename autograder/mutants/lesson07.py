"""Wrong answers to lesson 07 that learners really write.

The attention, one_head and multi_head mutants compute everything themselves (or with
PyTorch's own attention), so that each one shows its own mistake whatever the other
exercises of the same submission hold.
"""

import torch

from autograder.mutants import mutant


@mutant("attention_scores", "not K @ Q^T")
def scores_keys_first(Q, K):
    return K @ Q.transpose(-2, -1) / K.shape[-1] ** 0.5


@mutant("attention_scores", "divide by sqrt(d_k)")
def scores_unscaled(Q, K):
    return Q @ K.transpose(-2, -1)


@mutant("attention_scores", "not by d_k itself")
def scores_divided_by_d_k(Q, K):
    return Q @ K.transpose(-2, -1) / K.shape[-1]


@mutant("attention_scores", "not K.T")
def scores_full_transpose(Q, K):
    return Q @ K.T / K.shape[-1] ** 0.5


@mutant("causal_mask", "the diagonal (j == i) is True")
def mask_hides_diagonal(n):
    return torch.ones(n, n, dtype=torch.bool).tril(-1)


@mutant("causal_mask", "False where j > i")
def mask_lets_future_through(n):
    return torch.ones(n, n, dtype=torch.bool).triu()


@mutant("causal_mask", "return a boolean tensor")
def mask_of_floats(n):
    return torch.tril(torch.ones(n, n))


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


@mutant("multi_head", "not their average")
def multi_head_averages(x, W_q, W_k, W_v, W_o, causal=False):
    x = x.unsqueeze(-3)
    heads = torch.nn.functional.scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v, is_causal=causal)
    return (heads @ W_o).mean(dim=-3)


@mutant("multi_head", "its own output map W_o[h]")
def multi_head_shares_the_first_output_map(x, W_q, W_k, W_v, W_o, causal=False):
    x = x.unsqueeze(-3)
    heads = torch.nn.functional.scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v, is_causal=causal)
    return (heads @ W_o[0]).sum(dim=-3)


@mutant("multi_head", "concatenate head 0's d_head numbers, then head 1's")
def multi_head_interleaves_the_heads(x, W_q, W_k, W_v, W_o, causal=False):
    x = x.unsqueeze(-3)
    heads = torch.nn.functional.scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v, is_causal=causal)
    joined = heads.movedim(-3, -1).flatten(-2)  # (..., n, d_head * n_heads), interleaved
    return joined @ W_o.reshape(-1, W_o.shape[-1])


@mutant("multi_head", "pass `causal` on to every head")
def multi_head_ignores_causal(x, W_q, W_k, W_v, W_o, causal=False):
    x = x.unsqueeze(-3)
    heads = torch.nn.functional.scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v)
    return (heads @ W_o).sum(dim=-3)


@mutant("attention_param_count", "four d_model x d_head maps")
def param_count_three_maps(d_model, d_head, n_heads=1, n_layers=1):
    return 3 * d_model * d_head * n_heads * n_layers


@mutant("attention_param_count", "not one d_model x d_model matrix")
def param_count_full_value_map(d_model, d_head, n_heads=1, n_layers=1):
    return (3 * d_model * d_head + d_model * d_model) * n_heads * n_layers


@mutant("attention_param_count", "the number of layers")
def param_count_one_layer(d_model, d_head, n_heads=1, n_layers=1):
    return 4 * d_model * d_head * n_heads
