"""Visible checks for lesson 08. Each takes your function and tests it on small cases."""

import torch

from helpers.checking import Check


def _t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _fill(shape: tuple[int, ...], phase: float, size: float = 0.5) -> torch.Tensor:
    """Deterministic numbers that look random: size * sin(1.3 k + phase), k = 0, 1, ..."""
    count = torch.Size(shape).numel()
    return (torch.sin(torch.arange(count, dtype=torch.float64) * 1.3 + phase) * size).reshape(shape)


ONES4, ZEROS4 = torch.ones(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
#: Three vectors that are already normalised (mean 0, variance 1), as rows.
NORMALISED = _t([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0], [-1.0, 1.0, 1.0, -1.0]])


def _block_weights(attention: bool = True, mlp: bool = True, plain_norms: bool = False) -> dict:
    """A small block: d_model = 4, 2 heads of d_head = 2, d_mlp = 16.

    attention=False zeroes W_o and mlp=False zeroes W_down and b_down: that sublayer then
    writes nothing. plain_norms=True makes both layer norms scale 1, shift 0.
    """
    return {
        "ln1_scale": ONES4 if plain_norms else _t([1.0, 0.5, 2.0, 1.0]),
        "ln1_shift": ZEROS4 if plain_norms else _t([0.0, 0.1, -0.1, 0.0]),
        "W_q": _fill((2, 4, 2), 0.0, 1.0), "W_k": _fill((2, 4, 2), 1.0, 1.0),
        "W_v": _fill((2, 4, 2), 2.0, 1.0),
        "W_o": _fill((2, 2, 4), 3.0, 1.0) * attention,
        "ln2_scale": ONES4 if plain_norms else _t([1.5, 1.0, 1.0, 0.5]),
        "ln2_shift": ZEROS4 if plain_norms else _t([0.0, 0.0, 0.2, 0.0]),
        "W_up": _fill((4, 16), 4.0), "b_up": _fill((16,), 5.0, 0.1),
        "W_down": _fill((16, 4), 6.0) * mlp, "b_down": _fill((4,), 7.0, 0.1) * mlp,
    }


X_BLOCK = _fill((3, 4), 8.0, 2.0) + _t([1.0, 0.0, -1.0, 0.5])  # three tokens, not normalised
X_BLOCK_2 = _fill((3, 4), 9.0, 1.5)


def _gpt_weights(blocks: list, final_scale=ONES4, final_shift=ZEROS4) -> dict:
    """vocab_size = 3, context = 4, d_model = 4. Tokens 0 and 1 are normalised vectors, and so
    are token 1 + position 1 and token 1 + position 2; position 0 is zero."""
    return {
        "token_embedding": _t([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0], [3.0, 1.0, 1.0, 3.0]]),
        "position_embedding": _t([[0.0, 0.0, 0.0, 0.0], [0.0, -2.0, 2.0, 0.0], [-2.0, 0.0, 0.0, 2.0],
                                  [0.5, 0.0, 0.0, 0.0]]),
        "blocks": blocks, "final_scale": final_scale, "final_shift": final_shift,
    }


def layer_norm(layer_norm):
    """Each row normalised on its own, with the population variance, eps, then scale and shift."""
    chk = Check("layer_norm", layer_norm)
    x = _t([[1.0, 2.0, 3.0, 4.0], [2.0, 0.0, 2.0, 0.0]])  # 2 rows of d = 4 features
    out = torch.as_tensor(chk.run(x.clone(), ONES4, ZEROS4))
    chk.true(out.shape == x.shape and torch.allclose(out.mean(dim=-1), torch.zeros(2, dtype=out.dtype),
                                                     atol=1e-6),
             case="with scale 1 and shift 0, every ROW of layer_norm(x) should have mean 0; "
                  "x = [[1, 2, 3, 4], [2, 0, 2, 0]]",
             hint="normalise each row over the LAST axis: x.mean(dim=-1, keepdim=True), not over "
                  "the rows (dim=0) or over the whole tensor.", got=out)
    plain = [[-1.341635, -0.447212, 0.447212, 1.341635], [0.999995, -0.999995, 0.999995, -0.999995]]
    chk.returns((x, ONES4, ZEROS4), plain, case="the same x, scale 1, shift 0 (row 0: mean 2.5, "
                "variance 1.25)",
                hint="divide by sqrt(variance + eps), where the variance is the mean of the squared "
                     "deviations (divide by d, as torch.var(..., unbiased=False) does; torch.std "
                     "divides by d - 1).")
    chk.returns((_t([[5.0, 5.0, 5.0, 5.0]]), ONES4, ZEROS4), [[0.0, 0.0, 0.0, 0.0]],
                case="a row of equal numbers, [[5, 5, 5, 5]]",
                hint="add eps to the variance before the square root: a row of equal numbers has "
                     "variance 0, and 0 / 0 is nan.")
    chk.returns((x, _t([1.0, 2.0, 0.5, -1.0]), _t([0.0, 1.0, 0.0, -1.0])),
                [[-1.341635, 0.105576, 0.223606, -2.341635], [0.999995, -0.99999, 0.499998, -5e-06]],
                case="scale = [1, 2, 0.5, -1], shift = [0, 1, 0, -1]",
                hint="after normalising, multiply by scale and add shift (one learned number per "
                     "feature each).")
    chk.returns((x.expand(3, 2, 4), ONES4, ZEROS4), [plain] * 3,
                case="a batch: x of shape (3, 2, 4), three copies of the same 2 rows",
                hint="reduce over dim=-1 only, with keepdim=True, so that any leading axes work.")
    chk.passed()


def dropout(dropout):
    """Nothing happens at inference; while training, a fraction p is zeroed and the rest scaled."""
    chk = Check("dropout", dropout)
    x = _fill((4, 5), 0.0, 2.0) + 3.0
    chk.returns((x.clone(), 0.5, False), x, case="dropout(x, p=0.5, training=False): at inference",
                hint="at inference (training=False) return x unchanged: nothing is dropped and "
                     "nothing is scaled.")
    twos = torch.full((100_000,), 2.0, dtype=torch.float64)
    given = twos.clone()
    with torch.random.fork_rng():
        torch.manual_seed(0)
        out = torch.as_tensor(chk.run(given, 0.25))
    chk.true(torch.equal(given, twos), case="dropout(x, p=0.25) changed the x it was given",
             hint="return a new tensor (x * keep / (1 - p)); do not write zeros into x.")
    chk.equal(tuple(out.shape), tuple(twos.shape), case="the shape of dropout(x, p=0.25)",
              hint="return one number per entry of x, in the same shape.")
    zeroed = (out == 0).double().mean().item()
    chk.true(abs(zeroed - 0.25) < 0.01,
             case=f"dropout(x, p=0.25) on 100,000 entries zeroed {zeroed:.1%} of them, not about 25%",
             hint="drop each entry on its own, with probability p: an entry survives where "
                  "torch.rand_like(x) >= p, which happens with probability 1 - p.")
    survivors = out[out != 0]
    chk.close(survivors[:5], [2.0 / 0.75] * 5, case="the surviving entries of dropout(x=2, p=0.25)",
              hint="divide the entries you keep by (1 - p), not multiply: then their expected "
                   "value stays x (here 0.75 * 2 / 0.75 = 2).")
    mean = out.mean().item()
    chk.true(abs(mean - 2.0) < 0.03, case=f"the mean of dropout(x=2, p=0.25) is {mean:.3f}, not about 2",
             hint="zero a fraction p of the entries and divide the rest by (1 - p): the mean stays x.")
    varied = _fill((10_000,), 1.0, 1.0) + 1.5  # every entry different, none zero
    with torch.random.fork_rng():
        torch.manual_seed(1)
        out = torch.as_tensor(chk.run(varied.clone(), 0.5))
    kept = out != 0
    chk.close(out[kept], varied[kept] / 0.5, case="dropout(x, p=0.5) on 10,000 different numbers: "
              "each survivor should be its own x / (1 - p)",
              hint="keep each surviving entry's own value, divided by (1 - p): x * keep / (1 - p).")
    chk.passed()


def mlp(mlp):
    """Up, GELU, down: the activation in the right place, both biases, any leading axes."""
    chk = Check("mlp", mlp)
    x = _t([[1.0, -2.0]])  # one token, d_model = 2; d_mlp = 8
    W_up = _t([[1, -1, 0.5, -0.5, 0, 0, 2, -2], [0, 0, 1, -1, 1, -1, 0.5, -0.5]])
    no_bias_up, no_bias_down = torch.zeros(8, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    chk.returns((x, W_up, no_bias_up, _t([[3.0, 2.0]] * 8), no_bias_down), [[13.721871, 9.147914]],
                case="no biases; the hidden layer reads [1, -1, -1.5, 1.5, -2, 2, 1, -1] before "
                     "its activation",
                hint="apply GELU (torch.nn.functional.gelu) to the hidden layer. GELU is not ReLU: "
                     "small negative numbers pass a little (GELU(-1) is about -0.16).")
    chk.returns((x, W_up, no_bias_up, _t([[-1.0, 0.5]] * 8), no_bias_down), [[-4.573957, 2.286978]],
                case="no biases, and an output that is negative",
                hint="no activation after W_down: the MLP's output is added to the residual stream "
                     "as it is, negative numbers included.")
    b_up, b_down = _t([0.5, -0.5, 1, 0, 0, -1, 0.25, 0]), _t([0.5, -1.0])
    chk.returns((x, W_up, b_up, _t([[-1.0, 0.5]] * 8), b_down), [[-3.800226, 1.150113]],
                case="with biases b_up = [0.5, -0.5, 1, 0, 0, -1, 0.25, 0] and b_down = [0.5, -1]",
                hint="add b_up before the GELU and b_down at the very end.")
    chk.returns((x.expand(2, 3, 2), W_up, no_bias_up, _t([[3.0, 2.0]] * 8), no_bias_down),
                [[[13.721871, 9.147914]] * 3] * 2,
                case="a batch: x of shape (2, 3, 2), six copies of the same token",
                hint="x @ W_up works for any leading axes; do not transpose or reshape x.")
    chk.passed()


def block(block):
    """The residual connections, pre-norm, the causal mask, and attention before the MLP."""
    chk = Check("block", block)
    chk.returns((NORMALISED.clone(), _block_weights(attention=False, mlp=False, plain_norms=True)),
                NORMALISED, atol=1e-4,
                case="attention and MLP both write nothing (W_o = 0, W_down = 0, b_down = 0): "
                     "the block must return x itself",
                hint="add each sublayer's output to x, the residual connection: "
                     "x = x + multi_head(...), then x = x + mlp(...).")
    chk.returns((X_BLOCK.clone(), _block_weights(attention=False)),
                [[1.30038, -1.18104, -1.93224, 1.1823], [0.89912, 1.43077, -0.13366, -0.46729],
                 [0.1533, 2.89724, 1.39671, -1.115]], atol=1e-4,
                case="attention writes nothing (W_o = 0), the MLP is on",
                hint="pre-norm: layer-normalise what goes INTO each sublayer, x + mlp(layer_norm(x, "
                     "ln2...)), and leave the sum itself alone (no layer norm after the addition).")
    full = _block_weights()
    first = torch.as_tensor(chk.run(X_BLOCK.clone(), full))
    changed = X_BLOCK.clone()
    changed[-1] = _t([3.0, -3.0, 0.0, 1.0])
    second = torch.as_tensor(chk.run(changed, full))
    chk.true(first.shape == second.shape == X_BLOCK.shape and torch.allclose(first[:-1], second[:-1]),
             case="changing the LAST token changed the block's output at earlier positions",
             hint="the attention must be causal: pass causal=True to multi_head.")
    chk.returns((X_BLOCK.clone(), full),
                [[1.36455, 4.25675, 0.9128, -2.7334], [1.12126, 5.58263, 1.86544, -3.54962],
                 [0.44517, 4.55947, 1.99414, -2.45761]], atol=1e-4,
                case="the whole block, attention and MLP both on",
                hint="the MLP reads x AFTER attention's change has been added: first x = x + "
                     "multi_head(layer_norm(x, ln1...)), then layer_norm(x, ln2...) of that new x.")
    chk.returns((torch.stack([X_BLOCK, X_BLOCK_2]), full),
                [[[1.36455, 4.25675, 0.9128, -2.7334], [1.12126, 5.58263, 1.86544, -3.54962],
                  [0.44517, 4.55947, 1.99414, -2.45761]],
                 [[-0.08252, 4.69726, 2.59554, -3.30865], [0.45664, 4.91851, 2.17475, -3.75502],
                  [0.4238, 3.80966, 1.61436, -2.94598]]], atol=1e-4,
                case="a batch of 2 sequences, x of shape (2, 3, 4)",
                hint="use only operations that work on the last axes (layer_norm, multi_head, mlp), "
                     "so that a batch axis passes through.")
    chk.passed()


def gpt_forward(gpt_forward):
    """Embeddings with positions, the blocks, the final layer norm, the tied unembedding."""
    chk = Check("gpt_forward", gpt_forward)
    chk.returns((torch.tensor([1]), _gpt_weights([])), [[0.0, 4.0, 0.0]], atol=1e-4,
                shape_hint="one row of logits per token, (..., n, vocab_size): for n tokens add only "
                           "the first n rows of the position embedding, position_embedding[:n].",
                case="no blocks, one token (id 1) whose embedding is [1, 1, -1, -1]; the "
                     "token embeddings are the rows [1, -1, 1, -1], [1, 1, -1, -1], [3, 1, 1, 3]",
                hint="return the logits themselves, x @ token_embedding.T (one score per "
                     "vocabulary entry); the softmax comes later, in the loss or when sampling.")
    chk.returns((torch.tensor([1, 1, 1]), _gpt_weights([])),
                [[0.0, 4.0, 0.0], [4.0, 0.0, 0.0], [-4.0, 0.0, 0.0]], atol=1e-4,
                shape_hint="one row of logits per token, (..., n, vocab_size): for n tokens add only "
                           "the first n rows of the position embedding, position_embedding[:n].",
                case="no blocks, the same token three times: only the positions tell them apart",
                hint="add the position embedding of each position: position_embedding[:n], the "
                     "first n rows, for a sequence of n tokens.")
    chk.returns((torch.tensor([2]), _gpt_weights([], _t([2.0, 1.0, 1.0, 1.0]), _t([0.0, 0.0, 0.0, 1.0]))),
                [[0.0, 0.0, 10.0]], atol=1e-4,
                case="no blocks, token 2 = [3, 1, 1, 3], final_scale = [2, 1, 1, 1], "
                     "final_shift = [0, 0, 0, 1]",
                hint="apply the final layer norm (final_scale, final_shift) after the blocks and "
                     "before the unembedding.")
    chk.returns((torch.tensor([[0, 2, 1], [2, 2, 0]]), _gpt_weights([_block_weights()])),
                [[[0.54703, -1.80641, 3.5267], [0.44994, -2.08529, 3.38366], [-0.53652, 1.82564, -3.51841]],
                 [[0.38031, 1.80203, -3.55078], [1.0263, -2.33499, 3.08132], [0.24964, -2.97322, 2.66411]]],
                atol=1e-4, case="one block, a batch of 2 sequences of 3 tokens",
                hint="run x through block(x, w) for each w in weights['blocks'], in order, between "
                     "the embeddings and the final layer norm.")
    chk.passed()


def gpt_param_count(gpt_param_count):
    """Each part of the count on its own: embeddings, the final norm, weights, biases, layers."""
    chk = Check("gpt_param_count", gpt_param_count)
    count = chk.run
    chk.equal(count(4, 0, 11, 5) - count(4, 0, 10, 5), 4,
              case="what one more vocabulary entry adds (d_model = 4, no blocks)",
              hint="count the token embedding once, vocab_size x d_model: the unembedding reuses "
                   "the same matrix (GPT ties the two).")
    chk.equal(count(4, 0, 10, 6) - count(4, 0, 10, 5), 4,
              case="what one more position of context adds (d_model = 4, no blocks)",
              hint="count the position embedding: one row of d_model numbers per position, "
                   "context x d_model.")
    chk.true(count(8, 2, 10, 5) > count(8, 1, 10, 5),
             case="a model with 2 blocks should have more parameters than one with 1 block",
             hint="multiply the count of one block by n_layers: every block has weights of its own.")
    chk.equal(count(4, 0, 10, 5), 68, case="gpt_param_count(d_model=4, n_layers=0, vocab_size=10, "
              "context=5)", hint="with no blocks there are the two embeddings and the final "
              "layer norm, whose scale and shift hold d_model numbers each.")
    per_block = count(1000, 1, 10, 5) - count(1000, 0, 10, 5)
    chk.equal(round(per_block / 1e6), 12,
              case="what one block adds with d_model = 1000, in millions (rounded)",
              hint="a block holds 12 d_model² weights: 4 d² in attention (query, key, value, "
                   "output) and 8 d² in the MLP (d x 4d up, 4d x d down).")
    chk.equal(per_block, 12_013_000, case="what one block adds with d_model = 1000, exactly",
              hint="count the biases and the norms too: 4 d for attention's four maps, 4 d + d "
                   "for the MLP, and two layer norms with 2 d each (13 d in all).")
    chk.equal(count(8, 3, 10, 5) - count(8, 0, 10, 5), 3 * (count(8, 1, 10, 5) - count(8, 0, 10, 5)),
              case="what three blocks add, compared with three times what one block adds",
              hint="multiply the whole count of one block (weights, biases and norms) by n_layers.")
    chk.passed()
