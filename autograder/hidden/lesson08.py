"""Hidden tests for lesson 08: random shapes, weights and sublayers, compared with the reference;
dropout, which is random, by its properties; the training loop on a seeded toy model."""

from collections.abc import Callable

import numpy as np
import torch

from autograder.hidden.common import agree, agrees_with_reference, hidden_check, run_through
from helpers.checking import guarded
from helpers.checks.lesson08 import toy_mean_loss, toy_model, toy_text
from solutions import lesson08 as reference

Sublayer = Callable[[torch.Tensor], torch.Tensor]


def _normal(rng: np.random.Generator, *shape: int, size: float = 1.0) -> torch.Tensor:
    return torch.from_numpy(rng.normal(size=shape) * size)  # float64


def _leading(rng: np.random.Generator) -> tuple[int, ...]:
    """No leading axes, a batch, or two batch axes."""
    return tuple(int(k) for k in rng.integers(1, 4, size=int(rng.integers(0, 3))))


def _random_sublayer(A: torch.Tensor, b: torch.Tensor) -> Sublayer:
    """A nonlinear map of the last axis, (..., C) -> (..., C), different for every A and b."""
    def sublayer(x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x @ A + b)

    return sublayer


def _sublayer(rng: np.random.Generator, d: int) -> Sublayer:
    return _random_sublayer(_normal(rng, d, d), _normal(rng, d, size=0.5))


def _scaling(factor: float) -> Sublayer:
    """Stands in for dropout: scales by a fixed factor, so where it acts shows in the result."""
    def drop(x: torch.Tensor) -> torch.Tensor:
        return x * factor

    return drop


@guarded
def layer_norm(learner_layer_norm):
    def args(rng):
        d = int(rng.integers(2, 9))
        x = _normal(rng, *_leading(rng), int(rng.integers(1, 5)), d, size=3) + rng.normal() * 5
        return x, 1 + _normal(rng, d, size=0.5), _normal(rng, d)

    agrees_with_reference(hidden_check("layer_norm", learner_layer_norm), reference.layer_norm, args,
                          hint="over the last axis: (x - mean) / sqrt(variance + eps), the variance "
                               "dividing by d; then * scale + shift.")


@guarded
def dropout(learner_dropout):
    chk = hidden_check("dropout", learner_dropout, reference=reference.dropout,
                       crash_hint="while training, keep each entry where torch.rand_like(x) >= p and "
                                  "divide what you keep by (1 - p); at inference return x.")
    rng = np.random.default_rng(0)
    for trial, p in enumerate((0.1, 0.3, 0.6), start=1):
        x = torch.from_numpy(rng.uniform(0.5, 2.0, size=(50, 40, 30)))  # 60,000 entries, none zero
        case = f"hidden case {trial} of 3 (p = {p})"
        chk.close(chk.run(x.clone(), p, False), x, case=f"{case}, training=False",
                  hint="at inference (training=False) return x unchanged.")
        with torch.random.fork_rng():
            torch.manual_seed(trial)
            out = torch.as_tensor(chk.run(x.clone(), p))
        chk.true(out.shape == x.shape, case=f"{case}: the shape", hint="keep the shape of x.")
        kept = out != 0
        zeroed = 1 - kept.double().mean().item()
        chk.true(abs(zeroed - p) < 0.015, case=f"{case}: the fraction of zeroed entries",
                 hint="zero each entry independently with probability p.")
        chk.close(out[kept], x[kept] / (1 - p), case=f"{case}: the surviving entries",
                  hint="divide each surviving entry by (1 - p).")
    chk.passed()


@guarded
def mlp(learner_mlp):
    def args(rng):
        d, d_mlp = int(rng.integers(1, 6)), int(rng.integers(1, 9))
        return (_normal(rng, *_leading(rng), int(rng.integers(1, 5)), d), _normal(rng, d, d_mlp),
                _normal(rng, d_mlp), _normal(rng, d_mlp, d), _normal(rng, d))

    agrees_with_reference(hidden_check("mlp", learner_mlp), reference.mlp, args,
                          hint="the dense layer up with its bias, GELU, the dense layer down with its "
                               "bias; for any sizes and leading axes.")


@guarded
def block(learner_block):
    def args(rng):
        d = int(rng.integers(2, 6))
        x = _normal(rng, int(rng.integers(1, 4)), int(rng.integers(1, 6)), d)
        return (x, _sublayer(rng, d), _sublayer(rng, d), _sublayer(rng, d), _sublayer(rng, d),
                _scaling(float(rng.uniform(0.3, 0.9))))

    agrees_with_reference(hidden_check("block", learner_block), reference.block, args,
                          hint="x + drop(attn(ln_1(x))), then the same with ln_2 and mlp on the new "
                               "stream; for random sublayers and sizes.")


@guarded
def gpt_forward(learner_gpt_forward):
    def args(rng):
        d, vocab, T = int(rng.integers(2, 6)), int(rng.integers(2, 9)), int(rng.integers(1, 6))
        context = T + int(rng.integers(0, 4))
        tokens = torch.from_numpy(rng.integers(0, vocab, size=(int(rng.integers(1, 4)), T)))
        blocks = [_sublayer(rng, d) for _ in range(int(rng.integers(0, 4)))]
        return (tokens, _normal(rng, vocab, d), _normal(rng, context, d), blocks, _sublayer(rng, d),
                _scaling(float(rng.uniform(0.3, 0.9))))

    agrees_with_reference(hidden_check("gpt_forward", learner_gpt_forward), reference.gpt_forward, args,
                          hint="token + position embeddings (positions 0 to T - 1), drop once, every "
                               "block in order, ln_f, then the dot products with every token's "
                               "embedding (no softmax); for random sizes, T up to the context.")


@guarded
def get_batch(learner_get_batch):
    chk = hidden_check("get_batch", learner_get_batch, reference=reference.get_batch)
    rng = np.random.default_rng(4)
    for trial in range(1, 7):
        context = int(rng.integers(1, 9))
        n = context + 1 + int(rng.integers(0, 30)) * (trial > 1)  # case 1: exactly context + 1 ids
        ids = torch.from_numpy(rng.integers(0, 50, size=n))
        batch_size, seed = int(rng.integers(1, 6)), int(rng.integers(1000))
        case = f"hidden random case {trial} of 6 ({n} ids, context {context}, batch {batch_size})"
        expected = reference.get_batch(ids, batch_size, context, torch.Generator().manual_seed(seed))
        got = chk.call((ids.clone(), batch_size, context, torch.Generator().manual_seed(seed)),
                       case=case, hint="one torch.randint draw of batch_size starts in 0..N - context - 1 "
                                       "with the generator; inputs ids[s : s + context], targets one on.")
        agree(chk, got, expected, case=case, hint="one torch.randint draw of batch_size starts from 0 to "
              "N - context - 1 with the given generator; inputs ids[s : s + context], targets one on.")
    chk.passed()


@guarded
def learning_rate(learner_learning_rate):
    def args(rng):
        steps = int(rng.integers(1, 200))
        warmup = int(rng.integers(0, steps))
        step = int(rng.choice([0, steps - 1, warmup, int(rng.integers(0, steps))]))
        return step, steps, float(rng.uniform(1e-4, 1.0)), warmup

    agrees_with_reference(hidden_check("learning_rate", learner_learning_rate), reference.learning_rate,
                          args, trials=12,
                          hint="a straight climb to max_lr over the warm-up (step s: max_lr (s + 1) / "
                               "warmup), then half a cosine from max_lr to max_lr / 10 at step steps - 1.")


def _train_toy(train: Callable, seed: int, steps: int, batch_size: int, context: int,
               eval_every: int) -> dict:
    """Train a fresh toy model of `seed` with `train` (a learner's train_gpt or the reference).

    The model has dropout and starts in evaluation mode: a loop that does not seed torch's
    generator, or does not switch the model to training mode, gets other losses."""
    model = toy_model(seed, p_drop=0.2).eval()
    return train(model, toy_text(400, seed + 1), toy_text(90, seed + 2), context=context, steps=steps,
                 batch_size=batch_size, max_lr=0.03, eval_every=eval_every, evaluate=toy_mean_loss, seed=seed)


def _leaves_its_texts_alone(train: Callable) -> bool:
    """Whether two steps of `train` on a toy model leave the two texts it was given unchanged
    (the helper calls `train` directly, so no Check guards its arguments)."""
    texts = toy_text(400, 1), toy_text(90, 2)
    given = tuple(text.clone() for text in texts)
    train(toy_model(0), *given, context=5, steps=2, batch_size=2, max_lr=0.03, eval_every=2,
          evaluate=toy_mean_loss, seed=0)
    return all(map(torch.equal, given, texts))


@guarded
def train_gpt(learner_train_gpt):
    chk = hidden_check("train_gpt", learner_train_gpt, reference=reference.train_gpt,
                       returns=dict[str, list], crash_hint="batches from get_batch, the cross-entropy "
                       "over every position, zero_grad, backward, clipping, step.")
    for trial, (seed, steps, batch_size, context, eval_every) in enumerate(
            [(11, 40, 6, 10, 15), (12, 45, 3, 5, 20)], start=1):
        case = f"hidden case {trial} of 2: a toy model, {steps} steps, evaluations every {eval_every}"
        expected = _train_toy(reference.train_gpt, seed, steps, batch_size, context, eval_every)
        got = run_through(chk, _train_toy, seed, steps, batch_size, context, eval_every,
                          returns=chk.promise)
        agree(chk, got, expected, case=case, atol=1e-3, rtol=1e-3,
              hint="seed torch and a batch generator with `seed`; each step: learning_rate(...) for "
                   "every group, get_batch, mean cross-entropy over every position, zero_grad, backward, "
                   "clip to 1.0, step; evaluate after every eval_every steps and after the last.")
    chk.true(run_through(chk, _leaves_its_texts_alone),
             case="hidden case 3: train_gpt changed its argument train_ids or held_out_ids",
             hint="read the texts, never write into them: get_batch slices windows out of "
                  "train_ids and evaluate only reads held_out_ids.")
    chk.passed()


@guarded
def gpt_param_count(learner_gpt_param_count):
    chk = hidden_check("gpt_param_count", learner_gpt_param_count, reference=reference.gpt_param_count,
                       crash_hint="an int from the four sizes alone: (vocab_size + context) d_model + "
                                  "n_layers (12 d_model² + 13 d_model) + 2 d_model.")
    rng = np.random.default_rng(0)
    for trial in range(1, 6):
        d_model, n_layers, vocab, context = (int(k) for k in rng.integers(1, [2000, 100, 100_000, 5000]))
        chk.equal(chk.run(d_model, n_layers, vocab, context),
                  reference.gpt_param_count(d_model, n_layers, vocab, context),
                  case=f"hidden random case {trial} of 5",
                  hint="(vocab + context) d + n_layers (12 d² + 13 d) + 2 d, for any sizes.")
    chk.passed()
