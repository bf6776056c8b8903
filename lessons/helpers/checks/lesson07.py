"""Visible checks for lesson 07. Each takes your function and tests it on small cases."""

from collections.abc import Callable
from typing import Any

import torch

from helpers.attention import count_matrix_products
from helpers.checking import Check, guarded


def _t(values: list) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


X = _t([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # three 2-d embeddings
EYE2 = torch.eye(2, dtype=torch.float64)
SAME_KEYS = _t([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])  # every key alike: every score in a row equal
V3 = _t([[3.0, 0.0], [0.0, 3.0], [3.0, 6.0]])
MEAN_SO_FAR = [[3.0, 0.0], [1.5, 1.5], [2.0, 3.0]]  # row i: the mean of V3's rows 0..i


@guarded
def attention_scores(fn: Callable[..., Any]) -> None:
    """Q K^T / sqrt(d_k): transposed the right way, scaled by the right amount, batched."""
    chk = Check("attention_scores", fn)
    Q = _t([[1.0], [2.0]])  # two queries, d_k = 1 (no scaling needed)
    K = _t([[1.0], [-1.0], [3.0]])  # three keys
    chk.returns((Q, K), [[1.0, -1.0, 3.0], [2.0, -2.0, 6.0]],
                case="2 queries and 3 keys of length d_k = 1",
                hint="row i is query i, column j is key j: Q @ K^T, not K @ Q^T.",
                shape_hint="the result has one row per query and one column per key: Q @ K^T "
                           "is (n_queries, n_keys), not K @ Q^T.")
    Q = _t([[1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, -1.0]])
    K = _t([[1.0, 1.0, 1.0, 1.0], [2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 3.0, 1.0]])
    chk.returns((Q, K), [[1.5, 1.0, 3.0], [0.0, 0.0, -0.5]],
                case="2 queries and 3 keys of length d_k = 4 (raw dot products [[3, 2, 6], [0, 0, -1]])",
                hint="divide by sqrt(d_k), the square root of the key length K.shape[-1] "
                     "(here 2), not by d_k itself.")
    Qb, Kb = torch.stack([Q, 2 * Q]), torch.stack([K, K])  # a batch of 2
    chk.returns((Qb, Kb), [[[1.5, 1.0, 3.0], [0.0, 0.0, -0.5]], [[3.0, 2.0, 6.0], [0.0, 0.0, -1.0]]],
                case="a batch of 2 pairs, Q and K of shape (2, n, 4)",
                hint="transpose only the last two axes (K.transpose(-2, -1) or K.mT), not K.T, "
                     "so that leading batch and head axes broadcast.")
    chk.passed()


@guarded
def causal_mask(fn: Callable[..., Any]) -> None:
    """True on and below the diagonal, False above it, as booleans."""
    chk = Check("causal_mask", fn, returns=torch.Tensor)
    mask = chk.run(1)
    chk.equal(getattr(mask, "dtype", type(mask)), torch.bool, case="the dtype of causal_mask(1)",
              hint="return a boolean tensor (dtype=torch.bool), True or False in each entry: "
                   "masking with masked_fill and flipping with ~ need booleans.")
    chk.returns((1,), [[1.0]], case="causal_mask(1): one token, which sees itself",
                hint="position i may look at itself: the diagonal (j == i) is True.")
    chk.returns((3,), [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]],
                case="causal_mask(3) (shown as 1 = True, 0 = False)",
                hint="True where j <= i (on and below the diagonal: the past), False where j > i "
                     "(above it: the future). Row i is the token looking, column j the one looked at.")
    chk.passed()


@guarded
def attention(fn: Callable[..., Any]) -> None:
    """Each mistake has its own case: the softmax axis, the scale, the diagonal, the future, -inf."""
    chk = Check("attention", fn)
    Q = _t([[1.0, 0.0], [0.0, 2.0], [-1.0, 3.0]])
    chk.returns((Q, SAME_KEYS, V3), [[2.0, 3.0]] * 3,
                case="every key the same, so each query must spread its attention evenly "
                     "(the answer: every row is the mean of V)",
                hint="take the softmax over the keys, the LAST axis (dim=-1): each query's row of "
                     "weights must sum to 1, not each key's column.")
    Q = _t([[2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    K = _t([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]])
    expected_pattern = [[0.5761168848, 0.2119415576, 0.2119415576],
                        [0.2119415576, 0.5761168848, 0.2119415576],
                        [0.2740686191, 0.2740686191, 0.4518627619]]
    chk.returns((Q, K, torch.eye(3, dtype=torch.float64)), expected_pattern,
                case="3 queries, 3 keys of length d_k = 4, V = the identity (so the output is the "
                     "pattern itself), no mask",
                hint="divide the scores by sqrt(d_k) before the softmax (use attention_scores).")
    same_values = _t([[1.0, 2.0]] * 3)
    chk.returns((Q, K, same_values, True), [[1.0, 2.0]] * 3,
                case="causal=True with every value row [1, 2] (any weights that sum to 1 give [1, 2])",
                hint="with the causal mask, position i still sees itself (j <= i). Hiding the "
                     "diagonal leaves the first row with only -inf scores, and its softmax is nan.")
    alike = _t([[4.0, 4.0]] * 3)
    chk.returns((alike, alike, V3, True), MEAN_SO_FAR,
                case="causal=True, every query and key alike, so row i is the mean of the values "
                     "of tokens 0..i",
                hint="with causal=True, position i must not see positions j > i: the future gets "
                     "weight 0 (mask the scores where causal_mask is False; pass causal on).")
    chk.returns((_t([[1.0, 1.0]] * 3), _t([[-2.0, -2.0]] * 3), V3, True), MEAN_SO_FAR,
                case="causal=True, every score equal and negative (-2.83)",
                hint="fill the masked scores with -inf (float('-inf')), not 0, and before the "
                     "softmax: exp(-inf) = 0, but exp(0) = 1 still gives the future weight.")
    eye3 = torch.eye(3, dtype=torch.float64)
    chk.returns((torch.stack([Q, Q]), torch.stack([K, K]), torch.stack([eye3, eye3])),
                [expected_pattern] * 2,
                case="a batch of 2: Q and K of shape (2, 3, 4), V of shape (2, 3, 3), no mask",
                hint="work on the last two axes (K.transpose(-2, -1), softmax(dim=-1)) so that "
                     "leading batch and head axes broadcast.")
    chk.returns((alike.expand(2, 2, 3, 2), alike.expand(2, 2, 3, 2), V3.expand(2, 2, 3, 2), True),
                [[MEAN_SO_FAR] * 2] * 2,
                case="causal=True on a (batch 2, heads 2, n 3, d 2) input",
                hint="build the mask from the sequence length n = Q.shape[-2] (not Q.shape[0]) and "
                     "let it broadcast over the leading axes.")
    chk.passed()


@guarded
def one_head(fn: Callable[..., Any]) -> None:
    """x -> queries, keys, values -> attention -> (through W_o) the change."""
    chk = Check("one_head", fn)
    zeros = torch.zeros(2, 2, dtype=torch.float64)
    W_v = _t([[1.0, 2.0], [0.0, 1.0]])  # values x @ W_v: [[1, 2], [0, 1], [1, 3]]
    chk.returns((X, zeros, zeros, W_v), [[2 / 3, 2.0]] * 3,
                case="W_q = W_k = 0 (every score 0, every weight 1/3), values x @ W_v = "
                     "[[1, 2], [0, 1], [1, 3]], W_o None",
                hint="the head returns the pattern times the values x @ W_v, and only that: "
                     "do not add x (the caller adds the change to the embedding).")
    W_q, W_k = _t([[2.0, 0.0], [0.0, 0.0]]), _t([[0.0, 0.0], [2.0, 0.0]])
    chk.returns((X, W_q, W_k, EYE2), [[0.5143522854, 0.9712954293], [2 / 3, 2 / 3],
                                      [0.5143522854, 0.9712954293]],
                case="W_q = [[2, 0], [0, 0]], W_k = [[0, 0], [2, 0]], W_v = identity, W_o None",
                hint="queries are x @ W_q and keys are x @ W_k: swapping them transposes the "
                     "pattern (who looks and who is looked at).")
    chk.returns((X, W_q, W_k, EYE2, None, True), [[1.0, 0.0], [0.5, 0.5], [0.5143522854, 0.9712954293]],
                case="the same with causal=True",
                hint="pass `causal` on to attention(..., causal).")
    W_q, W_k = _t([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]), _t([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    W_v, W_o = _t([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]]), _t([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])
    chk.returns((X, W_q, W_k, W_v, W_o),
                [[1.7041886963, -0.2722515951], [2.3424836736, -0.9520697280],
                 [2.1025208631, -0.5696240255]],
                case="d_model = 2, d_head = 3, with an output map W_o of shape (3, 2)",
                hint="when W_o is given, map the attention result back with @ W_o.",
                shape_hint="when W_o is given, map the (n, d_head) attention result back to "
                           "(n, d_model) with @ W_o.")
    chk.returns((torch.stack([X, X.flip(0)]), W_q, W_k, W_v, W_o, True),
                [[[3.0, -2.0], [1.9213724270, -0.9213724270], [2.1025208631, -0.5696240255]],
                 [[3.0, -1.0], [1.9213724270, -0.2809149514], [1.7041886963, -0.2722515951]]],
                case="a batch of 2 sentences, x of shape (2, 3, 2), causal=True",
                hint="x @ W_q works on any leading axes; let attention handle the batch.")
    chk.passed()


def _labelled(*shape: int) -> torch.Tensor:
    """A tensor whose last two axes read as (position t, number c): entry 10 * t + c."""
    t, c = torch.meshgrid(torch.arange(shape[-2]), torch.arange(shape[-1]), indexing="ij")
    return (10.0 * t + c).to(torch.float64).expand(*shape).clone()


LABELLED = _labelled(3, 4)  # (T=3, C=4): row t is [10t, 10t + 1, 10t + 2, 10t + 3]
LABELLED_HEADS = [[[0.0, 1.0], [10.0, 11.0], [20.0, 21.0]],  # head 0: numbers 0-1 of every position
                  [[2.0, 3.0], [12.0, 13.0], [22.0, 23.0]]]  # head 1: numbers 2-3
SPLIT_HINT = ("head h's sequence is the h-th block of d_head neighbouring numbers at every position: "
              "entry [h, t] is x[t, h*d_head:(h+1)*d_head], a contiguous block (not every "
              "n_heads-th number). Keep positions apart: a reshape of (T, C) straight into "
              "(n_heads, T, d_head) mixes positions; go through (T, n_heads, d_head), then swap "
              "the heads axis and the positions axis.")
SPLIT_SHAPE_HINT = ("the result is (..., n_heads, T, d_head): the heads axis comes BEFORE the "
                    "positions axis, so that attention, which works on the last two axes, sees "
                    "one (T, d_head) sequence per head.")
def _leading_hint(name: str, shapes: str, unpacking: str) -> str:
    """The hint for code that assumes one fixed number of axes."""
    return (f"{name} may come with any number of leading axes: {shapes}, ... Count axes from the "
            f"end (-1, -2, ...) instead of unpacking {unpacking} = {name}.shape.")


LEADING_HINT = _leading_hint("x", "(T, C), (B, T, C), (B, n, T, C)", "B, T, C")


@guarded
def split_heads(fn: Callable[..., Any]) -> None:
    """Blocks of numbers, not positions, go to the heads; the heads axis before the positions."""
    chk = Check("split_heads", fn)
    batch = torch.stack([LABELLED, LABELLED + 100])  # (B=2, T=3, C=4)
    chk.returns((batch, 2), [LABELLED_HEADS, (torch.tensor(LABELLED_HEADS) + 100).tolist()],
                case="a batch x of shape (B=2, T=3, C=4), n_heads=2; entry [b, t, c] is 100b + 10t + c, "
                     "so each number tells its text b, its position t and its place c",
                hint=SPLIT_HINT, shape_hint=SPLIT_SHAPE_HINT)
    chk.returns((LABELLED, 2), LABELLED_HEADS, case="x of shape (T=3, C=4), no batch axis, n_heads=2",
                hint=LEADING_HINT, shape_hint=LEADING_HINT)
    chk.returns((LABELLED, 4), [[[float(10 * t + h)] for t in range(3)] for h in range(4)],
                case="x of shape (T=3, C=4), n_heads=4, so d_head=1: head h gets number h of every position",
                hint=SPLIT_HINT, shape_hint=SPLIT_SHAPE_HINT)
    chk.returns((LABELLED, 1), [LABELLED.tolist()], case="x of shape (T=3, C=4), n_heads=1: one head "
                "that holds everything", hint=SPLIT_HINT, shape_hint=SPLIT_SHAPE_HINT)
    chk.returns((LABELLED.expand(2, 2, 3, 4), 2), [[LABELLED_HEADS] * 2] * 2,
                case="x of shape (2, 2, T=3, C=4), two leading axes, n_heads=2",
                hint=LEADING_HINT, shape_hint=LEADING_HINT)
    chk.passed()


MERGE_HINT = ("row t of the result is head 0's d_head numbers at position t, then head 1's, and "
              "so on: merge_heads(split_heads(x, n_heads)) must give x back. Swap the heads axis "
              "and the positions axis back before joining the heads' numbers; joining straight "
              "from (n_heads, T, d_head) into (T, C) mixes positions.")


MERGE_LEADING_HINT = _leading_hint("z", "(n_heads, T, d_head), (B, n_heads, T, d_head)",
                                   "B, n_heads, T, d_head")


@guarded
def merge_heads(fn: Callable[..., Any]) -> None:
    """The inverse of split_heads: positions back in front, heads' blocks side by side in order."""
    chk = Check("merge_heads", fn)
    heads = torch.tensor(LABELLED_HEADS, dtype=torch.float64)  # (n_heads=2, T=3, d_head=2)
    chk.returns((torch.stack([heads, heads + 100]),), [LABELLED.tolist(), (LABELLED + 100).tolist()],
                case="z of shape (B=2, n_heads=2, T=3, d_head=2), the split of a (2, 3, 4) batch whose "
                     "entry [b, t, c] is 100b + 10t + c",
                hint=MERGE_HINT,
                shape_hint="the result is (..., T, n_heads * d_head): one row per position.")
    chk.returns((heads,), LABELLED, case="z of shape (n_heads=2, T=3, d_head=2), no batch axis",
                hint=MERGE_LEADING_HINT, shape_hint=MERGE_LEADING_HINT)
    three_heads = _labelled(2, 3).T.reshape(3, 2, 1)  # (n_heads=3, T=2, d_head=1): head h holds number h
    chk.returns((three_heads,), _labelled(2, 3),
                case="z of shape (n_heads=3, T=2, d_head=1): head h holds number h of each position",
                hint=MERGE_HINT, shape_hint="the result is (..., T, n_heads * d_head): here (2, 3).")
    chk.passed()


X4 = _t([[1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, -1.0], [2.0, 1.0, 0.0, 1.0]])  # (T=3, C=4)
ZEROS4 = torch.zeros(4, 4, dtype=torch.float64)
W_Q4 = _t([[2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 2.0, 0.0]])
W_K4 = _t([[0.0, 2.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 2.0]])
W_V4 = _t([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, -1.0]])
W_O4 = _t([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
TWO_HEADS = [[1.0, 2.0069625699, 0.9712954293, 1.0], [2.8756017831, 2.0034873977, 0.9443762572, 1.0],
             [2.9856661073, 3.9861230012, 0.9997942759, 1.0]]
HEADS_HINT = ("head h owns column block h of W_q, W_k and W_v (columns h*d_head to (h+1)*d_head) "
              "and row block h of W_o, and divides its scores by sqrt(d_head), the width of one "
              "head (C // n_heads, here 2), not by sqrt(C).")


@guarded
def multi_head_attention(fn: Callable[..., Any]) -> None:
    """Values and W_o, the causal default, the scale, the split into heads, batches, no loop."""
    chk = Check("multi_head_attention", fn)
    zeros = torch.zeros(2, 2, dtype=torch.float64)
    W_v, W_o = _t([[1.0, 2.0], [0.0, 1.0]]), _t([[1.0, 0.0], [1.0, -1.0]])
    chk.returns((X, zeros, zeros, W_v, W_o, 1, False), [[8 / 3, -2.0]] * 3,
                case="one head (n_heads=1), causal=False, W_q = W_k = 0 so that every weight is 1/3: "
                     "the values x @ W_v = [[1, 2], [0, 1], [1, 3]] average to [2/3, 2], then go "
                     "through W_o = [[1, 0], [1, -1]]",
                hint="each position gets the pattern's average of the values x @ W_v, times W_o "
                     "as given (head h's output map is row block h of W_o, not a block of its "
                     "columns, nor its transpose), and only that: do not add x (the caller does).",
                shape_hint="the result has the shape of x: (..., T, C).")
    chk.returns((X, zeros, zeros, W_v, W_o, 1), [[3.0, -2.0], [2.0, -1.5], [8 / 3, -2.0]],
                case="the same, called without the causal argument",
                hint="causal=True is the default: position t averages the values of positions 0..t "
                     "only. Pass `causal` on to your attention.")
    W_q, W_k = _t([[2.0, 0.0], [0.0, 0.0]]), _t([[0.0, 0.0], [2.0, 0.0]])
    chk.returns((X, W_q, W_k, EYE2, EYE2, 1, False),
                [[0.5143522854, 0.9712954293], [2 / 3, 2 / 3], [0.5143522854, 0.9712954293]],
                case="one head, causal=False, W_q = [[2, 0], [0, 0]], W_k = [[0, 0], [2, 0]], "
                     "W_v = W_o = identity",
                hint="the scores are queries x @ W_q against keys x @ W_k, divided by sqrt(d_head) "
                     "(with one head, d_head = C), then a softmax over the keys.")
    chk.returns((X4, ZEROS4, ZEROS4, W_V4, W_O4, 2), [[1.0, 4.0, 0.0, 1.0], [0.0, 3.0, 0.5, 1.0],
                                                      [1.0, 8 / 3, 2 / 3, 1.0]],
                case="two heads (C=4, d_head=2), causal, W_q = W_k = 0 so that position t averages "
                     "the values of positions 0..t in every head",
                hint="split the (T, C) queries, keys and values into heads without mixing positions "
                     "(use split_heads and merge_heads); head h's output map is row block h of W_o "
                     "(rows h*d_head to (h+1)*d_head).")
    chk.returns((X4, W_Q4, W_K4, W_V4, W_O4, 2, False), TWO_HEADS,
                case="two heads (C=4, d_head=2), causal=False, each head with its own queries and keys",
                hint=HEADS_HINT)
    batch = torch.stack([X4, X4.flip(0)])
    flipped = TWO_HEADS[::-1]  # without the mask, reversing the positions reverses the rows
    chk.returns((batch, W_Q4, W_K4, W_V4, W_O4, 2, False), [TWO_HEADS, flipped],
                case="a batch x of shape (B=2, T=3, C=4): the sentence above and the same reversed",
                hint=LEADING_HINT)
    chk.returns((X4.expand(2, 2, 3, 4), W_Q4, W_K4, W_V4, W_O4, 2, False), [[TWO_HEADS] * 2] * 2,
                case="x of shape (2, 2, T=3, C=4), two leading axes", hint=LEADING_HINT)
    learner = chk.caller(case="x of shape (T=3, C=4) with n_heads = 1, 2 and 4, counting matrix products",
                         hint=HEADS_HINT)
    counts = [count_matrix_products(learner, X4, W_Q4, W_K4, W_V4, W_O4, n_heads) for n_heads in (1, 2, 4)]
    chk.true(len(set(counts)) == 1,
             case=f"counting matrix products (@, matmul, einsum, ...): {counts[0]}, {counts[1]} and "
                  f"{counts[2]} with n_heads = 1, 2 and 4 on the same (3, 4) x",
             hint="one matrix product per map (queries, keys, values, output) for all heads at "
                  "once, and one attention call on all heads: no loop over the heads. Multiply x "
                  "by the whole (C, C) map, then split the result into heads.")
    chk.passed()


@guarded
def attention_param_count(fn: Callable[..., Any]) -> None:
    """Four d_model x d_head maps per head, times heads, times layers."""
    chk = Check("attention_param_count", fn)
    chk.equal(chk.run(4, 2), 32, case="attention_param_count(d_model=4, d_head=2)",
              hint="a head has four d_model x d_head maps: query, key, value-down and value-up. "
                   "The value map is split into two small maps, not one d_model x d_model matrix.")
    chk.equal(chk.run(4, 2, 3, 5), 480,
              case="attention_param_count(d_model=4, d_head=2, n_heads=3, n_layers=5)",
              hint="multiply one head's count by the number of heads per layer and the number "
                   "of layers: every head of every layer has its own weights.")
    chk.equal(chk.run(12_288, 128), 6_291_456, case="one GPT-3 head (d_model=12,288, d_head=128)",
              hint="4 * d_model * d_head.")
    chk.passed()
