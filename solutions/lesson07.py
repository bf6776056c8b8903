"""Lesson 07 — attention.

Conventions: one vector per row, so a sequence of T embeddings is a (T, d) tensor and a
batch of B sequences is (B, T, d); a map from d_in to d_out numbers is a (d_in, d_out)
matrix applied as x @ W. Every function accepts any number of leading (batch) axes.
"""

import torch


def attention_scores(Q: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """How well each query matches each key, scaled so that softmax stays soft.

    Q: (..., n_queries, d_k), one query vector per row.
    K: (..., n_keys, d_k), one key vector per row.
    Leading axes (batches, heads) are the same for Q and K, or broadcast.
    Returns (..., n_queries, n_keys): entry [i, j] is the dot product of query i with
    key j divided by sqrt(d_k), where d_k is the length of one key vector.
    """
    d_k = K.shape[-1]
    return Q @ K.transpose(-2, -1) / d_k**0.5


def causal_mask(n: int) -> torch.Tensor:
    """Which positions may look at which, when no position may look ahead.

    Returns an (n, n) tensor of dtype torch.bool: entry [i, j] is True when the token at
    position i may look at position j, that is when j <= i (itself and the past), and
    False when j > i (the future).
    """
    return torch.ones(n, n, dtype=torch.bool).tril()


def attention(Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor, causal: bool = False) -> torch.Tensor:
    """Scaled dot-product attention: each query gets a weighted average of the value vectors.

    Q: (..., n, d_k), K: (..., n, d_k), V: (..., n, d_v); leading axes broadcast.
    The weights of query i form row i of the attention pattern, softmax over the keys j
    of the scaled scores (attention_scores). With causal=True, query i gives weight
    exactly 0 to every key j > i, and its weights over j <= i still sum to 1.
    Returns (..., n, d_v): row i is sum over j of pattern[i, j] * V[j].
    """
    scores = attention_scores(Q, K)  # (..., n, n)
    if causal:
        scores = scores.masked_fill(~causal_mask(scores.shape[-1]), float("-inf"))
    pattern = torch.softmax(scores, dim=-1)  # over the keys: row i is where token i looks
    return pattern @ V


def one_head(
    x: torch.Tensor, W_q: torch.Tensor, W_k: torch.Tensor, W_v: torch.Tensor,
    W_o: torch.Tensor | None = None, causal: bool = False,
) -> torch.Tensor:
    """One attention head: from the embeddings x to the change it proposes for each of them.

    x: (..., n, d_model), one embedding per row.
    W_q, W_k: (d_model, d_head), the query and key maps.
    W_v: (d_model, d_head), the value map (value-down).
    W_o: (d_head, d_model) or None, the output map (value-up) back into embedding space.
    The head attends (with your `attention`, causal or not) from the queries of x to the
    keys of x and averages the values of x. Returns (..., n, d_model), the result mapped
    back through W_o: the change to add to each embedding; or, when W_o is None, the
    attention result itself, (..., n, d_head). The head does not add x: the caller does.
    """
    out = attention(x @ W_q, x @ W_k, x @ W_v, causal)  # (..., n, d_head)
    return out if W_o is None else out @ W_o


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """Cut every vector into n_heads equal pieces and give each head its own sequence.

    x: (..., T, C) with C divisible by n_heads; d_head = C // n_heads.
    Returns (..., n_heads, T, d_head): entry [..., h, t, :] is the h-th piece of x[..., t, :],
    that is x[..., t, h * d_head : (h + 1) * d_head]. A view or a copy, x is not changed.
    """
    pieces = x.unflatten(-1, (n_heads, -1))  # (..., T, n_heads, d_head)
    return pieces.transpose(-3, -2)  # (..., n_heads, T, d_head)


def merge_heads(z: torch.Tensor) -> torch.Tensor:
    """The inverse of split_heads: put the heads' pieces of each position side by side.

    z: (..., n_heads, T, d_head). Returns (..., T, n_heads * d_head): row t is head 0's
    vector at t, then head 1's, and so on, so that merge_heads(split_heads(x, h)) == x.
    """
    return z.transpose(-3, -2).flatten(-2)  # (..., T, n_heads, d_head) -> (..., T, C)


def multi_head_attention(
    x: torch.Tensor, W_q: torch.Tensor, W_k: torch.Tensor, W_v: torch.Tensor, W_o: torch.Tensor,
    n_heads: int, causal: bool = True,
) -> torch.Tensor:
    """All the heads of one attention layer at once, on a batch of sequences.

    x: (..., T, C), the embeddings: one text (T, C), a batch (B, T, C), ...
    W_q, W_k, W_v: (C, C). With d_head = C // n_heads, column block h of each (columns
    h * d_head to (h + 1) * d_head) is head h's query, key or value map.
    W_o: (C, C). Its row block h (rows h * d_head to (h + 1) * d_head) is head h's output map.
    Each head attends on its own d_head-wide queries, keys and values (causal or not);
    the heads' results, side by side in head order, are mapped through W_o.
    Returns (..., T, C): the sum over the heads of each head's change, which equals
    one_head(x, W_q[:, block h], W_k[:, block h], W_v[:, block h], W_o[block h, :]) summed over h.
    Use one matrix product per map (Q, K, V and the output), whatever the number of heads.
    """
    q, k, v = (split_heads(x @ W, n_heads) for W in (W_q, W_k, W_v))  # (..., n_heads, T, d_head)
    z = attention(q, k, v, causal)  # (..., n_heads, T, d_head)
    return merge_heads(z) @ W_o  # (..., T, C)


def attention_param_count(d_model: int, d_head: int, n_heads: int = 1, n_layers: int = 1) -> int:
    """The number of weights in the attention heads of a model (no biases).

    Each head has four d_model x d_head maps: query, key, value-down and value-up (the
    value-up map is d_head x d_model, the same size). There are n_heads heads in each of
    n_layers layers, each with its own weights.
    """
    return 4 * d_model * d_head * n_heads * n_layers
