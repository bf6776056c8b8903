"""Visible checks for lesson 08. Each takes your function and tests it on small cases."""

import torch
import torch.nn.functional as F

from helpers.checking import Check, guarded


def _t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _fill(shape: tuple[int, ...], phase: float, size: float = 0.5) -> torch.Tensor:
    """Deterministic numbers that look random: size * sin(1.3 k + phase), k = 0, 1, ..."""
    count = torch.Size(shape).numel()
    return (torch.sin(torch.arange(count, dtype=torch.float64) * 1.3 + phase) * size).reshape(shape)


ONES4, ZEROS4 = torch.ones(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
#: Three vectors that are already normalised (mean 0, variance 1), as rows.
NORMALISED = _t([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0], [-1.0, 1.0, 1.0, -1.0]])


#: A batch of one sequence of three 2-d vectors, for the block's checks.
X3 = _t([[[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]])


def _same(x: torch.Tensor) -> torch.Tensor:
    return x


def _zero(x: torch.Tensor) -> torch.Tensor:
    return torch.zeros_like(x)


def _plus_one(x: torch.Tensor) -> torch.Tensor:
    return x + 1


def _double(x: torch.Tensor) -> torch.Tensor:
    return 2 * x


def _square(x: torch.Tensor) -> torch.Tensor:
    return x * x


def _half(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x


def _triple(x: torch.Tensor) -> torch.Tensor:
    return 3 * x


def _negate(x: torch.Tensor) -> torch.Tensor:
    return -x


#: vocab_size 3, d_model 2, context 4: the embeddings of lesson 08's small gpt_forward checks.
TOKEN_EMBEDDING = _t([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])
POSITION_EMBEDDING = _t([[0.0, 0.0], [1.0, 1.0], [-1.0, 2.0], [0.0, 0.0]])


@guarded
def layer_norm(learner_layer_norm):
    """Each row normalised on its own, with the population variance, eps, then scale and shift."""
    chk = Check("layer_norm", learner_layer_norm, returns=torch.Tensor)
    x = _t([[1.0, 2.0, 3.0, 4.0], [2.0, 0.0, 2.0, 0.0]])  # 2 rows of d = 4 features
    out = chk.run(x.clone(), ONES4, ZEROS4)
    chk.true(out.is_floating_point(), case="layer_norm(x, scale 1, shift 0) should give floating-point "
             "numbers", got=out, hint="return the normalised numbers themselves, (x - mean) / sqrt(variance "
             "+ eps): no rounding to integers (.long(), .int()) and no comparison (>, <) at the end.")
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


@guarded
def dropout(learner_dropout):
    """Nothing happens at inference; while training, a fraction p is zeroed and the rest scaled."""
    chk = Check("dropout", learner_dropout, returns=torch.Tensor)
    x = _fill((4, 5), 0.0, 2.0) + 3.0
    chk.returns((x.clone(), 0.5, False), x, case="dropout(x, p=0.5, training=False): at inference",
                hint="at inference (training=False) return x unchanged: nothing is dropped and "
                     "nothing is scaled.")
    twos = torch.full((100_000,), 2.0, dtype=torch.float64)
    given = twos.clone()
    with torch.random.fork_rng():
        torch.manual_seed(0)
        out = chk.run(given, 0.25)
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
        out = chk.run(varied.clone(), 0.5)
    kept = out != 0
    chk.close(out[kept], varied[kept] / 0.5, case="dropout(x, p=0.5) on 10,000 different numbers: "
              "each survivor should be its own x / (1 - p)",
              hint="keep each surviving entry's own value, divided by (1 - p): x * keep / (1 - p).")
    chk.passed()


@guarded
def mlp(learner_mlp):
    """Up, GELU, down: the activation in the right place, both biases, any leading axes."""
    chk = Check("mlp", learner_mlp, returns=torch.Tensor)
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


@guarded
def block(learner_block):
    """The residual stream, pre-norm, attention before the MLP, dropout on each sublayer's output.

    The sublayers are simple functions (x + 1, 2x, x squared, ...) so that each way of wiring
    them gives a different, easy-to-check result.
    """
    chk = Check("block", learner_block, returns=torch.Tensor)
    x = X3
    chk.returns((x.clone(), _same, _zero, _same, _zero, _same), x,
                case="attention and the MLP both return zeros, so the block must return x itself",
                hint="add each sublayer's output to the stream x (the residual connection) instead "
                     "of replacing x with it.")
    chk.returns((x.clone(), _plus_one, _same, _zero, _same, _same), 2 * x + 1,
                case="ln_1(x) = x + 1, attn(x) = x, ln_2 returns zeros, mlp(x) = x, no dropout "
                     "(the answer: x + attn(ln_1(x)) = 2x + 1, then + mlp(ln_2(...)) = + 0)",
                hint="pre-norm: the sublayer reads the NORMALISED stream, attn(ln_1(x)), and its "
                     "output is added to the stream x itself; never normalise the sum.")
    chk.returns((x.clone(), _same, _double, _same, _square, _same), 3 * x + 9 * x * x,
                case="norms do nothing, attn(x) = 2x, mlp(x) = x squared, no dropout (the answer: "
                     "after attention the stream is 3x, then 3x + (3x) squared)",
                hint="attention first, then the MLP, and the MLP reads the stream AFTER attention's "
                     "change was added (not the block's input x).")
    chk.returns((x.clone(), _same, _double, _same, _square, _half), 2 * x + 2 * x * x,
                case="attn(x) = 2x, mlp(x) = x squared, drop(x) = x / 2 (the answer: x + (2x)/2 = 2x, "
                     "then 2x + (2x) squared / 2)",
                hint="apply drop to each sublayer's OUTPUT before adding it, x + drop(attn(ln_1(x))); "
                     "the stream itself is never dropped.")
    batch = torch.cat([x, -x, 2 * x])  # (3, 3, 2)
    chk.returns((batch.clone(), _same, _double, _same, _square, _half), 2 * batch + 2 * batch * batch,
                case="a batch of 3 sequences, x of shape (3, 3, 2), with the sublayers of the last case",
                hint="use only the sublayers and + on whole tensors: nothing in a block depends on "
                     "the batch size.")
    chk.passed()


@guarded
def gpt_forward(learner_gpt_forward):
    """Token and position embeddings, dropout once, the blocks in order, ln_f, the tied unembedding.

    vocab_size 3, d_model 2, context 4; token embeddings [1, 0], [0, 1], [1, -1] and position
    embeddings [0, 0], [1, 1], [-1, 2], [0, 0].
    """
    chk = Check("gpt_forward", learner_gpt_forward, returns=torch.Tensor)
    embeddings = (TOKEN_EMBEDDING, POSITION_EMBEDDING)
    chk.returns((torch.tensor([[1]]), *embeddings, [], _same, _same), [[[0.0, 1.0, -1.0]]],
                case="one sequence of one token (id 1, vector [0, 1]), no blocks, ln_f and drop do "
                     "nothing: the logits are the dot products of [0, 1] with each token's vector",
                hint="the logits are the final vectors times the token embedding transposed, "
                     "x @ token_embedding.T: one score per vocabulary entry, and no softmax.",
                shape_hint="return (B, T, vocab_size) logits: x @ token_embedding.T for x of shape "
                           "(B, T, d_model).")
    chk.returns((torch.tensor([[2, 2, 0]]), *embeddings, [], _same, _same),
                [[[1.0, -1.0, 2.0], [2.0, 0.0, 2.0], [0.0, 2.0, -2.0]]],
                case="tokens [2, 2, 0]: positions 0, 1 and 2 add [0, 0], [1, 1] and [-1, 2]",
                hint="add the position embedding of each position 0 to T - 1: the FIRST T rows of "
                     "position_embedding, for a sequence of T tokens.")
    chk.returns((torch.tensor([[1]]), *embeddings, [_plus_one, _triple], _same, _same), [[[3.0, 6.0, -3.0]]],
                case="token 1 through two blocks, x + 1 then 3x: [0, 1] -> [1, 2] -> [3, 6]",
                hint="apply the blocks one after the other, in the order given, each to the output "
                     "of the one before.")
    chk.returns((torch.tensor([[1]]), *embeddings, [_plus_one, _triple], _negate, _same),
                [[[-3.0, -6.0, 3.0]]],
                case="the same, with ln_f(x) = -x",
                hint="apply ln_f once, after the last block and before the unembedding.")
    chk.returns((torch.tensor([[1]]), *embeddings, [_plus_one], _same, _half), [[[1.0, 1.5, -0.5]]],
                case="drop(x) = x / 2 and one block x + 1: dropout acts once, on the embeddings "
                     "([0, 0.5]), before the blocks",
                hint="apply drop to the sum of the token and position embeddings, once, before the "
                     "first block (not after the blocks, not on the logits).")
    chk.returns((torch.tensor([[1, 0], [2, 1]]), *embeddings, [_plus_one], _same, _same),
                [[[1.0, 2.0, -1.0], [3.0, 2.0, 1.0]], [[2.0, 0.0, 2.0], [2.0, 3.0, -1.0]]],
                case="a batch of 2 sequences of 2 tokens, one block x + 1",
                hint="index the embedding with the whole (B, T) tensor of ids, token_embedding[tokens], "
                     "and add the (T, d_model) positions: they broadcast over the batch.")
    chk.passed()


@guarded
def get_batch(learner_get_batch):
    """Random windows with one seeded draw, targets moved one step on, every start allowed."""
    chk = Check("get_batch", learner_get_batch)
    ids = torch.arange(100, 130)  # 30 ids whose values show where they were taken
    got = chk.run(ids.clone(), 4, 5, torch.Generator().manual_seed(0))
    chk.true(isinstance(got, tuple) and len(got) == 2, case="get_batch(30 ids, 4, 5, seed 0)",
             hint="return two tensors, (inputs, targets).", got=got)
    inputs, targets = got
    chk.close(inputs, [[119, 120, 121, 122, 123], [114, 115, 116, 117, 118], [108, 109, 110, 111, 112],
                       [110, 111, 112, 113, 114]],
              case="the inputs of get_batch(ids 100..129, batch_size 4, context 5) with a generator "
                   "seeded 0 (the starts drawn are 19, 14, 8, 10)",
              hint="draw all batch_size starts with ONE call torch.randint(len(ids) - context, "
                   "(batch_size,), generator=generator), then take ids[s : s + context] for each start.")
    chk.close(targets, inputs + 1, case="the targets of the same batch: each input's next id",
              hint="the targets are the same windows moved one step on: ids[s + 1 : s + context + 1].")
    chk.equal(str(getattr(inputs, "dtype", None)), str(ids.dtype), case="the dtype of the inputs",
              hint="take the windows out of ids (index it): ids are integers and must stay integers.")
    whole = chk.run(ids.clone(), 3, 29, torch.Generator().manual_seed(5))
    chk.close(whole[0], ids[:-1].expand(3, 29), case="30 ids and context 29: the only window starts at 0",
              hint="starts go from 0 to len(ids) - context - 1; with len(ids) = context + 1 the only "
                   "start is 0.")
    generator = torch.Generator().manual_seed(1)
    first, second = chk.run(ids, 2, 3, generator)[0], chk.run(ids, 2, 3, generator)[0]
    chk.true(not torch.equal(torch.as_tensor(first), torch.as_tensor(second)),
             case="two calls with the same generator gave the same batch",
             hint="draw with the generator you were given (generator=generator), so that each call "
                  "moves it on; do not create a new one inside.")
    chk.passed()


@guarded
def learning_rate(learner_learning_rate):
    """A straight climb over the warm-up, then half a cosine down to a tenth, at the last step."""
    chk = Check("learning_rate", learner_learning_rate)
    schedule = [0.5, 1.0, 1.0, 0.9554359905560885, 0.8305704108364301, 0.6501344202803414,
                0.44986557971965857, 0.26942958916356996, 0.14456400944391146, 0.1]
    chk.returns((0, 10, 1.0, 2), schedule[0], case="learning_rate(step 0, steps 10, max_lr 1, warmup 2)",
                hint="during the warm-up step s gets max_lr * (s + 1) / warmup: the first step is "
                     "not 0, or the first update would do nothing.")
    chk.returns((1, 10, 1.0, 2), schedule[1], case="learning_rate(step 1, ...): the last warm-up step",
                hint="the warm-up ends at max_lr: step warmup - 1 gets max_lr * warmup / warmup.")
    chk.returns((2, 10, 1.0, 2), schedule[2], case="learning_rate(step 2, ...): the cosine's start",
                hint="the cosine starts at max_lr at step `warmup` (progress 0).")
    last = chk.run(9, 10, 1.0, 2)
    chk.true(last != 0, case="learning_rate(step 9, ...): the last step", got=last,
             hint="the cosine ends at min_lr = max_lr / 10 (not 0): a rate of 0 would waste the "
                  "last steps.")
    chk.close(last, schedule[9], case="learning_rate(step 9, ...): the last step",
              hint="the last step is steps - 1, and it gets exactly max_lr / 10: progress = (step - "
                   "warmup) / (steps - 1 - warmup) reaches 1 there.")
    for step in (3, 5, 7):
        chk.returns((step, 10, 1.0, 2), schedule[step], case=f"learning_rate(step {step}, ...)",
                    hint="min_lr + (max_lr - min_lr) * (1 + cos(pi * progress)) / 2, with min_lr = "
                         "max_lr / 10 (not 0).")
    chk.returns((0, 5, 0.3, 0), 0.3, case="learning_rate(step 0, steps 5, max_lr 0.3, warmup 0): no warm-up",
                hint="with warmup = 0 the cosine starts at step 0, at max_lr (and nothing divides by 0).")
    chk.returns((2, 3, 0.5, 2), 0.05, case="learning_rate(step 2, steps 3, max_lr 0.5, warmup 2): the "
                "cosine has a single step",
                hint="when steps - 1 - warmup is 0, take progress = 1: the rate is max_lr / 10.")
    chk.passed()


def toy_text(n: int, seed: int) -> torch.Tensor:
    """n ids of 7 symbols, each mostly (4 times in 5) followed by the next one, mod 7."""
    generator = torch.Generator().manual_seed(seed)
    jumps = torch.where(torch.rand(n - 1, generator=generator) < 0.8, 1, 3)
    return torch.cat([torch.zeros(1, dtype=torch.long), jumps.cumsum(0) % 7])


def toy_model(seed: int, p_drop: float = 0.0) -> torch.nn.Module:
    """A bigram model (embedding, dropout, then a linear map to 7 scores), seeded: a quick
    model to train. With p_drop > 0 its losses depend on the seed of torch's generator and on
    the model being in training mode, as a GPT's do."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Embedding(7, 8), torch.nn.Dropout(p_drop), torch.nn.Linear(8, 7))


def toy_mean_loss(model: torch.nn.Module, ids: torch.Tensor) -> float:
    """The evaluation train_gpt is given: mean next-id loss over ids, in eval mode.

    A plain function (no decorator): the course's grader sends it to the learner's kernel
    as source code."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        loss = F.cross_entropy(model(ids[None, :-1])[0], ids[1:]).item()
    model.train(was_training)
    return loss


@guarded
def train_gpt(learner_train_gpt):
    """A seeded run on a bigram model: the first losses, the schedule, fresh gradients, evaluations."""
    chk = Check("train_gpt", learner_train_gpt, returns=dict[str, list], modifies=("model",))
    train_ids, held_out_ids = toy_text(300, 1), toy_text(80, 2)
    model = toy_model(0)
    start = [p.detach().clone() for p in model.parameters()]
    case = ("30 steps of batch 4, context 8, max_lr 0.05, eval_every 10, seed 3, on a bigram model "
            "of a 7-symbol text")
    history = chk.run(model, train_ids, held_out_ids, context=8, steps=30, batch_size=4, max_lr=0.05,
                      eval_every=10, evaluate=toy_mean_loss, seed=3)
    chk.true(isinstance(history, dict) and {"train", "held_out"} <= set(history), case=case, got=history,
             hint='return a dict {"train": [...], "held_out": [...]}.')
    losses, evaluations = history["train"], history["held_out"]
    chk.equal(len(losses), 30, case=f"{case}: the number of training losses",
              hint="record the loss of every step (loss.item()), one per step.")
    chk.true(all(loss == loss for loss in map(float, losses)), case=f"{case}: some losses are nan",
             got=losses, hint="the run diverged. Likely causes: a learning rate far too large (set it "
                              "from learning_rate(...)), gradients that pile up because zero_grad is "
                              "missing, or logits and targets flattened to shapes that do not match.")
    chk.close(losses[0], 2.178412437438965, atol=1e-4, case=f"{case}: the loss of step 0",
              hint="step 0's loss is the untrained model's on the first batch: seed torch with "
                   "torch.manual_seed(seed), take the batch from get_batch(train_ids, batch_size, "
                   "context, torch.Generator().manual_seed(seed)), and average the cross-entropy over "
                   "EVERY position of every window (logits (B, T, V) flattened to (B*T, V)).")
    chk.close(losses[1], 2.0803933143615723, atol=1e-4, case=f"{case}: the loss of step 1",
              hint="before each update set every parameter group's 'lr' to learning_rate(step, steps, "
                   "max_lr, warmup=steps // 10): step 0 uses max_lr / warmup, not max_lr. The optimiser "
                   "is AdamW with betas (0.9, 0.95) and weight_decay 0.1.")
    chk.close(losses[2:4], [1.9432165622711182, 1.733594298362732], atol=1e-3,
              case=f"{case}: the losses of steps 2 and 3",
              hint="each step's gradient must be that step's alone: optimizer.zero_grad() before "
                   "loss.backward() (otherwise gradients add up), then clip_grad_norm_(..., 1.0), "
                   "then optimizer.step().")
    chk.true(all(isinstance(pair, (tuple, list)) and len(pair) == 2 for pair in evaluations),
             case=f"{case}: the held-out evaluations", got=evaluations,
             hint='record each evaluation as a pair (step, loss): "held_out" is a list of '
                  "(s + 1, evaluate(model, held_out_ids)).")
    chk.equal([step for step, _ in evaluations], [10, 20, 30], case=f"{case}: the steps evaluated",
              hint="evaluate after step s when (s + 1) is a multiple of eval_every, and after the last "
                   "step; record (s + 1, evaluate(model, held_out_ids)).")
    chk.close([loss for _, loss in evaluations], [0.8616970181465149, 0.5880221128463745, 0.5405672192573547],
              atol=1e-3, case=f"{case}: the held-out losses",
              hint="evaluate the held-out ids (not the training ids) with the evaluate function given, "
                   "after the step's update.")
    chk.true(any(not torch.equal(p.detach(), p0) for p, p0 in zip(model.parameters(), start, strict=True)),
             case=f"{case}: the model's weights did not change",
             hint="train the model you were given (its parameters, in place), not a copy.")
    chk.passed()


@guarded
def gpt_param_count(learner_gpt_param_count):
    """Each part of the count on its own: embeddings, the final norm, weights, biases, layers."""
    chk = Check("gpt_param_count", learner_gpt_param_count, returns=int)
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
