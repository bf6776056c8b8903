"""Hidden tests for lesson 04: random texts, vocabularies, windows and models vs the reference.

The sampler and the generator draw random numbers, so they are tested by properties
(argmax at temperature 0, shares of draws near softmax(logits / T), seeded repeatability),
never by the exact draws of the reference.
"""

import numpy as np
import torch

from autograder.hidden.common import agrees_with_reference, hidden_check, run_through
from helpers.checking import guarded
from helpers.checks.lesson04 import as_ints, draws, frequencies
from solutions import lesson04 as reference

SYMBOLS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?()'\"\n-_"


def _text_and_vocab(rng: np.random.Generator) -> tuple[str, str]:
    """A random vocabulary (in random order, up to 30 characters: ids of two digits) and a
    random text written in it (empty now and then)."""
    vocab = "".join(rng.permutation(list(SYMBOLS))[: int(rng.integers(3, 30))])
    text = "".join(rng.choice(list(vocab), size=int(rng.choice([0, rng.integers(1, 60)]))))
    return text, vocab


@guarded
def encode(learner_encode):
    chk = hidden_check("encode", learner_encode, reference=reference.encode,
                       crash_hint="id = the character's position in vocab, for any vocab.")
    rng = np.random.default_rng(40)
    for trial in range(1, 6):
        text, vocab = _text_and_vocab(rng)
        chk.equal(as_ints(chk.run(text, vocab)), reference.encode(text, vocab),
                  case=f"hidden random text and vocabulary {trial} of 5",
                  hint="id = the character's position in vocab, counted from 0, for any vocab.")
    chk.passed()


@guarded
def decode(learner_decode):
    chk = hidden_check("decode", learner_decode, reference=reference.decode,
                       crash_hint="one string of the characters vocab[i], for any vocab.")
    rng = np.random.default_rng(41)
    for trial in range(1, 6):
        text, vocab = _text_and_vocab(rng)
        ids = reference.encode(text, vocab)
        chk.equal(chk.run(list(ids), vocab), text, case=f"hidden random ids {trial} of 5",
                  hint="one string of the characters vocab[i], for any vocab.")
    chk.passed()


@guarded
def build_vocabulary(learner_build_vocabulary):
    chk = hidden_check("build_vocabulary", learner_build_vocabulary, reference=reference.build_vocabulary,
                       crash_hint="every distinct character of the text once, sorted, as one string.")
    rng = np.random.default_rng(42)
    for trial in range(1, 6):
        text, _ = _text_and_vocab(rng)
        chk.equal(chk.run(text), reference.build_vocabulary(text),
                  case=f"hidden random text {trial} of 5",
                  hint="every distinct character once, sorted, joined into one string.")
    chk.passed()


@guarded
def windows(learner_windows):
    def ids_and_context(rng):
        context_length = int(rng.integers(1, 8))
        return rng.integers(0, 30, size=context_length + int(rng.integers(0, 20))), context_length

    agrees_with_reference(hidden_check("windows", learner_windows), reference.windows, ids_and_context,
                          hint="X[i] = ids[i : i + context_length], y[i] = ids[i + context_length], "
                               "for every i from 0 to n - context_length - 1.")


@guarded
def embed(learner_embed):
    def ids_and_matrix(rng):
        vocab_size, d_embed = (int(n) for n in rng.integers(2, 12, size=2))
        shape = tuple(int(n) for n in rng.integers(1, 5, size=int(rng.integers(1, 3))))
        return (torch.from_numpy(rng.integers(0, vocab_size, size=shape)),
                torch.from_numpy(rng.normal(size=(vocab_size, d_embed))))

    agrees_with_reference(hidden_check("embed", learner_embed), reference.embed, ids_and_matrix,
                          hint="row ids[...] of E, for ids of any shape: the result has shape "
                               "ids.shape + (d_embed,).")


@guarded
def sample_next(learner_sample_next):
    chk = hidden_check("sample_next", learner_sample_next, reference=reference.sample_next,
                       crash_hint="torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1, "
                                  "generator=generator), and the argmax at temperature 0.")
    rng = np.random.default_rng(43)
    for trial in range(1, 4):
        logits = torch.from_numpy(rng.normal(size=int(rng.integers(4, 9))) * 1.5).float()
        chk.equal(int(chk.run(logits.clone(), 0, torch.Generator().manual_seed(trial))),
                  int(torch.argmax(logits)), case=f"hidden random logits {trial} of 3, temperature 0",
                  hint="temperature 0: the id of the largest score.")
        for temperature in (0.6, 1.7, 0.02):  # 0.02: e^(logit / T) overflows float32
            expected = torch.softmax(logits / temperature, dim=-1).numpy()
            shares = run_through(chk, frequencies, logits, temperature, n_draws=2000, seed=trial)
            chk.close(shares, expected,
                      case=f"share of each id in 2000 draws, hidden random logits {trial} of 3, "
                           f"temperature {temperature}",
                      hint="draw from softmax(logits / temperature) with torch.multinomial.",
                      atol=0.05, rtol=0)  # 4.5 sigma
        chk.equal(run_through(chk, draws, logits, 1.0, 15, seed=trial),
                  run_through(chk, draws, logits, 1.0, 15, seed=trial),
                  case=f"hidden random logits {trial} of 3, two generators seeded alike",
                  hint="draw with the generator you are given (generator=generator).")
    chk.passed()


def _modular_model(vocab_size: int, context_length: int, weights: list[int]):
    """A stand-in model: a huge score on sum(weights * window) % vocab_size."""

    def model(x: torch.Tensor) -> torch.Tensor:
        if tuple(x.shape) != (1, context_length):
            raise ValueError(f"the model reads exactly context_length={context_length} ids, a "
                             f"(1, {context_length}) tensor; it was given shape {tuple(x.shape)}")
        logits = torch.zeros(1, vocab_size)
        logits[0, int(torch.tensor(weights) @ x[0]) % vocab_size] = 10.0
        return logits

    return model


@guarded
def generate(learner_generate):
    chk = hidden_check("generate", learner_generate, reference=reference.generate,
                       crash_hint="give the model a (1, context_length) tensor of the LAST "
                                  "context_length ids; append each new id to a copy of the prompt.")
    rng = np.random.default_rng(44)
    for trial in range(1, 6):
        vocab_size, context_length = int(rng.integers(3, 12)), int(rng.integers(1, 6))
        model = _modular_model(vocab_size, context_length,
                               [int(w) for w in rng.integers(1, 7, size=context_length)])
        prompt = [int(i) for i in rng.integers(0, vocab_size, size=context_length + int(rng.integers(0, 4)))]
        n_new = int(rng.integers(1, 12))
        expected = reference.generate(model, list(prompt), n_new, context_length, 0.0,
                                      torch.Generator().manual_seed(0))
        chk.equal(as_ints(chk.run(model, list(prompt), n_new, context_length, 0.0,
                                  torch.Generator().manual_seed(0))), expected,
                  case=f"hidden greedy generation {trial} of 5",
                  hint="prompt + new ids; each new id from the model's scores on the LAST "
                       "context_length ids, with temperature 0 taking the largest score.")
    chk.passed()
