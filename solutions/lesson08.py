"""Lesson 08 — the transformer block.

Conventions (those of lesson 07): one vector per row, x: (..., n, d_model); a map from
d_in to d_out numbers is a (d_in, d_out) matrix applied as x @ W. The block's attention
is lesson 07's multi_head, with the causal mask on.
"""

import torch

from solutions.lesson07 import multi_head


def layer_norm(x: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Layer normalisation of each vector along the LAST axis, then a learned scale and shift.

    x: (..., d), one vector of d numbers per row. scale, shift: (d,), one number per feature.
    For each row: subtract its mean, divide by sqrt(its variance + eps), where the variance
    is the mean of the squared deviations (divide by d, not d - 1), then multiply by scale
    and add shift. Returns a tensor of the same shape as x.
    """
    mean = x.mean(dim=-1, keepdim=True)  # (..., 1): one mean per row
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # (..., 1): divided by d
    return (x - mean) / torch.sqrt(var + eps) * scale + shift


def dropout(x: torch.Tensor, p: float, training: bool = True) -> torch.Tensor:
    """Inverted dropout: while training, zero each entry with probability p, scale the rest.

    x: a tensor of any shape; p: the drop probability, 0 <= p < 1.
    training=True: each entry independently becomes 0 with probability p; the entries that
        survive are divided by (1 - p), so that the expected value of every entry stays x.
        Draw the coins with torch.rand_like(x): an entry survives where that number is >= p.
    training=False (inference): return x unchanged.
    Returns a new tensor of the same shape (x itself is not modified).
    """
    if not training:
        return x
    keep = torch.rand_like(x) >= p  # True with probability 1 - p
    return x * keep / (1 - p)


def mlp(
    x: torch.Tensor, W_up: torch.Tensor, b_up: torch.Tensor, W_down: torch.Tensor, b_down: torch.Tensor
) -> torch.Tensor:
    """The MLP of a transformer block: up to d_mlp neurons, GELU, back down to d_model.

    x: (..., d_model). W_up: (d_model, d_mlp), b_up: (d_mlp,); W_down: (d_mlp, d_model),
    b_down: (d_model,). In GPT, d_mlp = 4 * d_model.
    Returns GELU(x @ W_up + b_up) @ W_down + b_down, shape (..., d_model), with GELU from
    torch.nn.functional.gelu. No activation on the output.
    """
    hidden = torch.nn.functional.gelu(x @ W_up + b_up)  # (..., d_mlp)
    return hidden @ W_down + b_down


def block(x: torch.Tensor, w: dict[str, torch.Tensor]) -> torch.Tensor:
    """One transformer block, pre-norm (as in GPT-2 and GPT-3).

    x: (..., n, d_model), the residual stream: one vector per token.
    w: the block's weights, a dict with
        "ln1_scale", "ln1_shift", "ln2_scale", "ln2_shift": (d_model,) each;
        "W_q", "W_k", "W_v": (n_heads, d_model, d_head); "W_o": (n_heads, d_head, d_model);
        "W_up", "b_up", "W_down", "b_down": the MLP's weights (see mlp).
    1. x = x + multi_head(layer_norm(x, ln1), W_q, W_k, W_v, W_o, causal=True)
    2. x = x + mlp(layer_norm(x, ln2), W_up, b_up, W_down, b_down)
    Use your layer_norm and mlp, and lesson 07's multi_head. Returns (..., n, d_model).
    """
    normed = layer_norm(x, w["ln1_scale"], w["ln1_shift"])
    x = x + multi_head(normed, w["W_q"], w["W_k"], w["W_v"], w["W_o"], causal=True)
    normed = layer_norm(x, w["ln2_scale"], w["ln2_shift"])
    return x + mlp(normed, w["W_up"], w["b_up"], w["W_down"], w["b_down"])


def gpt_forward(tokens: torch.Tensor, weights: dict) -> torch.Tensor:
    """A whole GPT, from token ids to one score (logit) per vocabulary entry per position.

    tokens: (..., n) integer token ids, n <= context.
    weights: a dict with
        "token_embedding": (vocab_size, d_model); "position_embedding": (context, d_model);
        "blocks": a list of block weight dicts (see block), applied in order;
        "final_scale", "final_shift": (d_model,), the final layer norm.
    1. x = the token embedding of each token + the position embedding of its position
       (positions 0, 1, ..., n - 1: the first n rows);
    2. pass x through block(x, w) for each w in weights["blocks"], in order;
    3. x = layer_norm(x, final_scale, final_shift);
    4. logits = x @ token_embedding.T: the unembedding is the token embedding matrix,
       transposed (GPT ties the two).
    Returns the logits, (..., n, vocab_size). No softmax.
    """
    n = tokens.shape[-1]
    x = weights["token_embedding"][tokens] + weights["position_embedding"][:n]  # (..., n, d)
    for w in weights["blocks"]:
        x = block(x, w)
    x = layer_norm(x, weights["final_scale"], weights["final_shift"])
    return x @ weights["token_embedding"].T  # (..., n, vocab_size)


def gpt_param_count(d_model: int, n_layers: int, vocab_size: int, context: int) -> int:
    """The number of parameters of a GPT-2-style model, biases included.

    Embeddings: a token embedding (vocab_size x d_model), used again as the unembedding
    (count it once), and a position embedding (context x d_model).
    Each of the n_layers blocks:
        attention: query, key, value and output maps, d_model x d_model each, and a bias of
            d_model numbers for each of the four;
        MLP: d_model x 4*d_model up (bias 4*d_model) and 4*d_model x d_model down (bias d_model);
        two layer norms, each with a scale and a shift of d_model numbers.
    After the last block: one more layer norm (scale and shift).
    Returns an int.
    """
    embeddings = (vocab_size + context) * d_model
    attention = 4 * d_model * d_model + 4 * d_model
    mlp = d_model * 4 * d_model + 4 * d_model + 4 * d_model * d_model + d_model
    norms = 2 * 2 * d_model
    return embeddings + n_layers * (attention + mlp + norms) + 2 * d_model
