"""Visible checks for lesson 04. Each takes your function and tests it on small cases."""

from __future__ import annotations

import numpy as np
import torch

from helpers.checking import Check, guarded
from helpers.text import ALPHABET

#: "humpty dumpt" in the a=1, b=2 code, and the "y" that should follow it.
HUMPTY = [8, 21, 13, 16, 20, 25, 0, 4, 21, 13, 16, 20]
Y = 25


def as_ints(values):
    """A list of Python ints from a list or array of ids (anything else is returned as it is)."""
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        return values


@guarded
def encode(learner_encode):
    """Characters to ids: positions in the vocabulary, counted from 0."""
    chk = Check("encode", learner_encode, returns=list[int])
    chk.returns_exactly(("abc", ALPHABET), [1, 2, 3],
              case='encode("abc", ALPHABET)',
              hint="a character's id is its position in vocab, counted from 0 (vocab[0] is "
                   "the space, so a is 1): do not add 1.")
    chk.returns_exactly(("humpty dumpt", ALPHABET), HUMPTY,
              case='encode("humpty dumpt", ALPHABET)',
              hint="look each character up in vocab (the space is vocab[0]); its ASCII code "
                   "(ord) is a different number.")
    chk.returns_exactly(("ba!", "!ab"), [2, 1, 0],
              case='encode("ba!", vocab="!ab")',
              hint="use the vocab you are given, whatever its order.")
    chk.returns_exactly(("", ALPHABET), [], case='encode("", ALPHABET)',
              hint="an empty text has no characters: return an empty list.")
    chk.passed()


@guarded
def decode(learner_decode):
    """Ids back to characters, as one string."""
    chk = Check("decode", learner_decode, returns=str)
    got = chk.run(HUMPTY + [Y], ALPHABET)
    chk.equal(got, "humpty dumpty", case="decode(the ids of 'humpty dumpty', ALPHABET)",
              hint="id i is the character vocab[i] (ids count from 0): do not subtract 1.")
    chk.returns_exactly((np.array([2, 1, 0]), "!ab"), "ba!",
              case='decode(np.array([2, 1, 0]), vocab="!ab")',
              hint="use the vocab you are given; ids may come as a numpy array.")
    chk.returns_exactly(([], "!ab"), "", case='decode([], vocab="!ab")',
              hint="no ids make the empty string: \"\".join of nothing is \"\".")
    chk.passed()


@guarded
def build_vocabulary(learner_build_vocabulary):
    """Distinct characters, sorted, one string."""
    chk = Check("build_vocabulary", learner_build_vocabulary, returns=str)
    got = chk.run("hello world")
    chk.true(len(set(got)) == len(got), got=got, case='build_vocabulary("hello world")',
             hint="each distinct character once: a set drops the repeats.")
    chk.equal(got, " dehlorw", case='build_vocabulary("hello world")',
              hint="sort the characters (sorted(...)): a set has no fixed order, and the ids "
                   "must be the same every time.")
    chk.returns_exactly(("Humpty Dumpty",), " DHmptuy", case='build_vocabulary("Humpty Dumpty")',
              hint="keep capitals: 'H' and 'h' are different characters with different ids.")
    chk.returns_exactly(("",), "", case='build_vocabulary("")',
              hint="an empty text has no characters: return the empty string.")
    chk.passed()


@guarded
def windows(learner_windows):
    """All (context, next id) pairs, sliding by one."""
    chk = Check("windows", learner_windows, returns=tuple[np.ndarray, np.ndarray])
    cases = [
        (np.array(HUMPTY + [Y]), 12, [HUMPTY], [Y], '"humpty dumpty" (13 ids) with context_length=12'),
        (np.array([5, 6, 7, 8, 9]), 2, [[5, 6], [6, 7], [7, 8]], [7, 8, 9],
         "ids=[5, 6, 7, 8, 9] with context_length=2"),
        (np.array([5, 6, 7]), 3, np.zeros((0, 3)), np.zeros(0),
         "ids=[5, 6, 7] with context_length=3: a sequence exactly as long as the window, no pairs"),
    ]
    for ids, context_length, X_expected, y_expected, case in cases:
        X, y = chk.run(ids, context_length)
        chk.close(X, X_expected, case=f"X for {case}",
                  hint="row i is the window ids[i : i + context_length].",
                  shape_hint="there is one pair per start i = 0, 1, ..., n - context_length - 1: "
                             "the window slides by one id, and the last window must still have "
                             "a next id after it. X has shape (n - context_length, context_length) "
                             "even with no pairs: np.array of an empty list has shape (0,), so index "
                             "ids with the starts (ids[starts[:, None] + np.arange(context_length)]).")
        chk.close(y, y_expected, case=f"y for {case}",
                  hint="the target is the id AFTER the window, ids[i + context_length], not the "
                       "last id inside it.")
    chk.passed()


@guarded
def embed(learner_embed):
    """Rows of the embedding matrix, one per id."""
    chk = Check("embed", learner_embed, returns=torch.Tensor)
    E = torch.arange(20.0).reshape(4, 5)  # vocab_size 4, d_embed 5: row i is [5i, ..., 5i + 4]
    chk.returns((torch.tensor([3, 0]), E.clone()), [[15.0, 16, 17, 18, 19], [0, 1, 2, 3, 4]],
                case="ids=[3, 0], E of shape (4, 5) with rows [0..4], [5..9], [10..14], [15..19]",
                hint="the vector of id i is ROW i of E, counted from 0: index E with the ids.",
                shape_hint="take ROWS of E (one per id), not columns: the result has shape "
                           "ids.shape + (d_embed,).")
    ids = torch.tensor([[1, 0, 2], [0, 0, 1]])  # (batch 2, context 3); id 3 never occurs
    chk.returns((ids, E.clone()), E[ids.flatten()].reshape(2, 3, 5),
                case="a (2, 3) batch of windows that never uses the last character",
                hint="if you build one-hot vectors, give them num_classes=E.shape[0] columns "
                     "(the vocabulary size, not the largest id present) and a float dtype; "
                     "simpler: index the rows of E directly.")
    E_trainable = E.clone().requires_grad_()
    out = chk.run(torch.tensor([[2, 1]]), E_trainable)
    chk.true(isinstance(out, torch.Tensor) and out.requires_grad,
             got=f"{type(out).__name__} with requires_grad={getattr(out, 'requires_grad', None)}",
             case="E requires gradients, as in training",
             hint="use torch operations only (no numpy, no .detach()), so that gradients "
                  "flow back to E and the embeddings can learn.")
    chk.passed()


def draws(sample_next, logits, temperature, n_draws, seed):
    """n_draws ids from sample_next, all drawn with one generator seeded with `seed`."""
    generator = torch.Generator().manual_seed(seed)
    return [int(sample_next(logits.clone(), temperature, generator)) for _ in range(n_draws)]


def frequencies(sample_next, logits, temperature, n_draws=800, seed=0):
    """The share of each id among n_draws seeded draws from sample_next."""
    return np.bincount(draws(sample_next, logits, temperature, n_draws, seed),
                       minlength=len(logits)) / n_draws


@guarded
def sample_next(learner_sample_next):
    """Argmax at temperature 0, seeded draws from softmax(logits / T) otherwise."""
    chk = Check("sample_next", learner_sample_next, returns=int)
    hint_zero = ("temperature 0 means no randomness: return the id of the largest score "
                 "(torch.argmax), without dividing by 0.")
    chk.returns((torch.tensor([1.0, 3.0, 2.0]), 0.0, torch.Generator().manual_seed(0)), 1,
                case="logits=[1, 3, 2], temperature=0", hint=hint_zero)
    logits = torch.tensor([1.0, 2.0, 3.0])
    hint_draw = ("draw at random from the probabilities softmax(logits / temperature) "
                 "(torch.multinomial): not always the largest score, and not from the raw scores.")
    for temperature, expected in [(1.0, [0.090, 0.245, 0.665]), (0.5, [0.016, 0.117, 0.867]),
                                  (2.0, [0.186, 0.307, 0.506])]:
        case = f"share of each id in 800 draws, logits=[1, 2, 3], temperature={temperature}"
        hint = hint_draw if temperature == 1.0 else (
            "divide the scores by the temperature before the softmax (not multiply): a low "
            "temperature sharpens the probabilities, a high one flattens them.")
        got_freq = frequencies(chk.caller(case=case, hint=hint), logits, temperature)
        chk.close(got_freq, expected, case=case, hint=hint, atol=0.08, rtol=0)  # 4.5 sigma
    case = "share of each id in 100 draws, float32 logits [1, 3, 2], temperature 0.01"
    hint = ("use torch.softmax(logits / temperature, dim=-1), or subtract the max before torch.exp: "
            "in float32, e^(3 / 0.01) = e^300 overflows to inf, and inf / inf is nan.")
    chk.close(frequencies(chk.caller(case=case, hint=hint), torch.tensor([1.0, 3.0, 2.0]), 0.01,
                          n_draws=100), [0.0, 1.0, 0.0], case=case, hint=hint, atol=0.02, rtol=0)
    logits = torch.tensor([0.3, -1.2, 2.0, 0.5, 0.0, 1.1, -0.4, 0.9])
    first = draws(chk.run, logits, 1.0, n_draws=20, seed=5)
    second = draws(chk.run, logits, 1.0, n_draws=20, seed=5)
    chk.equal(first, second,
              case="two generators seeded alike, 20 draws each at temperature 1",
              hint="pass generator=generator to torch.multinomial: the draws must come from the "
                   "generator you are given, so a seed makes them repeatable.")
    chk.true(all(0 <= int(i) < len(logits) for i in first), got=first,
             case="ids drawn from 8 logits", hint="return an id between 0 and vocab_size - 1.")
    chk.passed()


def context3_model(x: torch.Tensor) -> torch.Tensor:
    """A stand-in model with context_length 3 and vocab_size 5.

    It reads a (1, 3) tensor of ids (a, b, c) and scores next id (a + 2c + 1) % 5 far above
    the others, so greedy generation is predictable.
    """
    if tuple(x.shape) != (1, 3):
        raise ValueError(f"the model reads exactly context_length=3 ids, a (1, 3) tensor; "
                         f"it was given shape {tuple(x.shape)}")
    a, c = int(x[0, 0]), int(x[0, -1])
    logits = torch.zeros(1, 5)
    logits[0, (a + 2 * c + 1) % 5] = 10.0
    return logits


def uniform_model(x: torch.Tensor) -> torch.Tensor:
    """A stand-in model that finds every one of its 5 ids equally likely."""
    return torch.zeros(x.shape[0], 5)


@guarded
def generate(learner_generate):
    """Predict, append, slide, repeat."""
    chk = Check("generate", learner_generate, returns=list[int])
    prompt = [1, 2, 3, 4]
    hint_window = ("the window slides: at every step give the model the LAST context_length ids "
                   "(ids[-context_length:]), including the ones you just appended.")
    got = chk.run(context3_model, list(prompt), 4, 3, 0.0, torch.Generator().manual_seed(0))
    chk.true(len(got) == 8, got=got, case="prompt [1, 2, 3, 4], n_new=4",
             hint="return the prompt followed by the n_new new ids: 4 + 4 ids here.")
    chk.equal(as_ints(got), [1, 2, 3, 4, 1, 1, 2, 1],
              case="greedy (temperature 0) from prompt [1, 2, 3, 4] with a model of context 3",
              hint=hint_window)
    runs = [as_ints(chk.run(uniform_model, [0, 0, 0], 30, 3, 1.0, torch.Generator().manual_seed(1)))
            for _ in range(2)]
    chk.true(runs[0] == runs[1] and len(set(runs[0][3:])) > 1, got=runs[0],
             case="30 ids from a model that finds all 5 ids equally likely, temperature 1, seeded",
             hint="draw each id with sample_next(logits, temperature, generator), passing on the "
                  "temperature and generator you were given.")
    chk.passed()
