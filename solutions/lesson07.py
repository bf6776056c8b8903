"""Lesson 07 — attention."""

import torch


def attention_scores(Q: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """How well each query matches each key: Q K^T / sqrt(d_k).

    Q: (..., n_queries, d_k), one query vector per row.
    K: (..., n_keys, d_k), one key vector per row.
    Any leading axes (batches, heads) broadcast.
    Returns (..., n_queries, n_keys): entry [i, j] is the dot product of query i with
    key j, divided by the square root of d_k (the length of one key vector).
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
    """Scaled dot-product attention: each query gets a weighted average of the values.

    Q: (..., n, d_k), K: (..., n, d_k), V: (..., n, d_v); any leading axes broadcast.
    1. scores = attention_scores(Q, K), shape (..., n, n);
    2. if causal: set the scores where causal_mask(n) is False to -inf (float("-inf"));
    3. pattern = softmax of the scores over the keys (the last axis): each row sums to 1;
    4. the result is pattern @ V, shape (..., n, d_v).
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
    Queries x @ W_q, keys x @ W_k and values x @ W_v go through your `attention` (pass
    `causal` on). Returns the result mapped through W_o, (..., n, d_model): the change to
    add to each embedding. If W_o is None, returns the attention result, (..., n, d_head).
    Do not add x yourself: the caller adds the change.
    """
    out = attention(x @ W_q, x @ W_k, x @ W_v, causal)  # (..., n, d_head)
    return out if W_o is None else out @ W_o


def multi_head(
    x: torch.Tensor, W_q: torch.Tensor, W_k: torch.Tensor, W_v: torch.Tensor,
    W_o: torch.Tensor, causal: bool = False,
) -> torch.Tensor:
    """Several heads side by side on the same x; their changes are added up.

    x: (..., n, d_model).
    W_q, W_k, W_v: (n_heads, d_model, d_head); W_o: (n_heads, d_head, d_model).
    Head h uses W_q[h], W_k[h], W_v[h] and its own output map W_o[h].
    Returns (..., n, d_model): the sum over the heads of each head's change.
    A loop over one_head works. All heads at once: x.unsqueeze(-3) is (..., 1, n, d_model),
    and (..., 1, n, d_model) @ (n_heads, d_model, d_head) is (..., n_heads, n, d_head).
    """
    x = x.unsqueeze(-3)  # (..., 1, n, d_model): one copy shared by every head
    heads = attention(x @ W_q, x @ W_k, x @ W_v, causal)  # (..., n_heads, n, d_head)
    return (heads @ W_o).sum(dim=-3)  # each head through its own W_o[h], then summed


def attention_param_count(d_model: int, d_head: int, n_heads: int = 1, n_layers: int = 1) -> int:
    """The number of weights in the attention heads of a model (no biases).

    Each head has four d_model x d_head maps: query, key, value-down and value-up (the
    value-up map is d_head x d_model, the same size). There are n_heads heads in each of
    n_layers layers, each with its own weights.
    """
    return 4 * d_model * d_head * n_heads * n_layers
