"""Visible checks for lesson 07. Each takes your function and tests it on small cases."""

import torch

from helpers.checking import Check


def _t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


X = _t([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # three 2-d embeddings
EYE2 = torch.eye(2, dtype=torch.float64)
SAME_KEYS = _t([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])  # every key alike: every score in a row equal
V3 = _t([[3.0, 0.0], [0.0, 3.0], [3.0, 6.0]])
MEAN_SO_FAR = [[3.0, 0.0], [1.5, 1.5], [2.0, 3.0]]  # row i: the mean of V3's rows 0..i


def attention_scores(attention_scores):
    """Q K^T / sqrt(d_k): transposed the right way, scaled by the right amount, batched."""
    chk = Check("attention_scores", attention_scores)
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


def causal_mask(causal_mask):
    """True on and below the diagonal, False above it, as booleans."""
    chk = Check("causal_mask", causal_mask)
    mask = chk.run(1)
    chk.equal(getattr(mask, "dtype", type(mask)), torch.bool, case="the dtype of causal_mask(1)",
              hint="return a boolean tensor (dtype=torch.bool), e.g. torch.ones(n, n, "
                   "dtype=torch.bool).tril(): masked_fill and ~ need booleans.")
    chk.returns((1,), [[1.0]], case="causal_mask(1): one token, which sees itself",
                hint="position i may look at itself: the diagonal (j == i) is True.")
    chk.returns((3,), [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]],
                case="causal_mask(3) (shown as 1 = True, 0 = False)",
                hint="True where j <= i (on and below the diagonal: the past), False where j > i "
                     "(above it: the future). Row i is the token looking, column j the one looked at.")
    chk.passed()


def attention(attention):
    """Each mistake has its own case: the softmax axis, the scale, the diagonal, the future, -inf."""
    chk = Check("attention", attention)
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


def one_head(one_head):
    """x -> queries, keys, values -> attention -> (through W_o) the change."""
    chk = Check("one_head", one_head)
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


def multi_head(multi_head):
    """Heads in parallel: summed, each through its own slice of W_o, concatenated in order."""
    chk = Check("multi_head", multi_head)
    zeros = torch.zeros(2, 2, 1, dtype=torch.float64)
    W_v = _t([[[1.0], [0.0]], [[0.0], [1.0]]])  # head 0 moves x[0], head 1 moves x[1]
    same_out = _t([[[1.0, 1.0]], [[1.0, 1.0]]])  # both heads write to both coordinates
    chk.returns((X, zeros, zeros, W_v, same_out), [[4 / 3, 4 / 3]] * 3,
                case="2 heads with d_head = 1, uniform patterns; head 0 brings 2/3, head 1 brings "
                     "2/3, both written by W_o[h] = [[1, 1]]",
                hint="add the heads' changes together (sum over the heads), not their average.")
    own_out = _t([[[1.0, 0.0]], [[0.0, -1.0]]])  # head 0 writes coordinate 0, head 1 minus coordinate 1
    chk.returns((X, zeros, zeros, W_v, own_out), [[2 / 3, -2 / 3]] * 3,
                case="the same heads, now W_o[0] = [[1, 0]] and W_o[1] = [[0, -1]]",
                hint="head h's output goes through its own output map W_o[h] (shape (d_head, d_model)).")
    W_q = torch.stack([_t([[2.0, 0.0], [0.0, 0.0]]), torch.zeros(2, 2, dtype=torch.float64)])
    W_k = torch.stack([_t([[0.0, 0.0], [2.0, 0.0]]), torch.zeros(2, 2, dtype=torch.float64)])
    W_v = torch.stack([EYE2, _t([[0.0, 1.0], [1.0, 0.0]])])
    W_o = torch.stack([_t([[1.0, 0.0], [0.0, 2.0]]), _t([[0.0, 1.0], [-1.0, 0.0]])])
    two_heads = [[-0.1523143813, 2.6092575252], [0.0, 2.0], [-0.1523143813, 2.6092575252]]
    chk.returns((X, W_q, W_k, W_v, W_o), two_heads,
                case="2 heads with d_head = 2 and different maps",
                hint="concatenate head 0's d_head numbers, then head 1's, ... in the order of "
                     "W_o.reshape(n_heads * d_head, d_model); or simply add one_head(x, W_q[h], "
                     "W_k[h], W_v[h], W_o[h]) over h.")
    chk.returns((X, W_q, W_k, W_v, W_o, True), [[0.0, 0.0], [0.0, 1.5], [-0.1523143813, 2.6092575252]],
                case="the same with causal=True",
                hint="pass `causal` on to every head.")
    chk.returns((torch.stack([X, X]), W_q, W_k, W_v, W_o),
                [two_heads] * 2,
                case="a batch of 2 identical sentences, x of shape (2, 3, 2)",
                hint="sum over the heads' axis (dim=-3 after x.unsqueeze(-3)), not over the batch.")
    chk.passed()


def attention_param_count(attention_param_count):
    """Four d_model x d_head maps per head, times heads, times layers."""
    chk = Check("attention_param_count", attention_param_count)
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
