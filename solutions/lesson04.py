"""Lesson 04 — from numbers to next characters."""

from collections.abc import Callable

import numpy as np
import torch


def encode(text: str, vocab: str) -> list[int]:
    """Turn text into integer ids: each character's id is its position in `vocab`.

    vocab: a string of distinct characters; vocab[i] is the character with id i.
    With vocab = " abcdefghijklmnopqrstuvwxyz", space is 0, a is 1, b is 2, ...
    Returns one id per character of `text`, as a list of ints.
    """
    position = {ch: i for i, ch in enumerate(vocab)}  # character -> id
    return [position[ch] for ch in text]


def decode(ids: list[int], vocab: str) -> str:
    """Turn integer ids back into text: id i is the character vocab[i].

    ids: a list (or 1-D array) of ints. Returns one string; decode(encode(t, v), v) == t.
    """
    return "".join(vocab[i] for i in ids)


def build_vocabulary(text: str) -> str:
    """The vocabulary of `text`: each distinct character once, in sorted order, as one string."""
    return "".join(sorted(set(text)))


def windows(ids: np.ndarray, context_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (context, next id) training pair of a sequence of ids.

    ids: (n,) integer ids. Pair i reads the window ids[i : i + context_length] and must
    predict the id that follows it, ids[i + context_length].
    Returns X: (n - context_length, context_length), one window per row, and
    y: (n - context_length,), the id after each window.
    """
    starts = np.arange(len(ids) - context_length)  # (n_pairs,)
    X = ids[starts[:, None] + np.arange(context_length)]  # (n_pairs, context_length)
    y = ids[context_length:]  # (n_pairs,)
    return X, y


def embed(ids: torch.Tensor, E: torch.Tensor) -> torch.Tensor:
    """Look up the vector of each id: row ids[...] of the embedding matrix E.

    ids: a LongTensor of any shape, e.g. (batch, context_length).
    E: (vocab_size, d_embed); row i is the vector of character i.
    Returns ids.shape + (d_embed,), e.g. (batch, context_length, d_embed). Use torch
    operations only, so that gradients reach E when the model trains.
    """
    return E[ids]


def sample_next(logits: torch.Tensor, temperature: float, generator: torch.Generator) -> int:
    """Draw the next id from the scores `logits`, softened or sharpened by `temperature`.

    logits: (vocab_size,) one score per character. The probabilities are
    softmax(logits / temperature); draw one id from them with torch.multinomial, passing
    `generator` so that a seeded generator gives the same draws every time.
    temperature == 0 means no randomness: return the id of the largest score.
    Returns the id as a Python int.
    """
    if temperature == 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits / temperature, dim=-1)  # (vocab_size,)
    return int(torch.multinomial(probs, num_samples=1, generator=generator))


def generate(
    model: Callable[[torch.Tensor], torch.Tensor],
    prompt: list[int],
    n_new: int,
    context_length: int,
    temperature: float,
    generator: torch.Generator,
) -> list[int]:
    """Generate n_new ids, one at a time, each predicted from the ids before it.

    model: maps a (1, context_length) LongTensor of ids to (1, vocab_size) logits.
    prompt: at least context_length ids to start from.
    At each step, give the model the LAST context_length ids as a (1, context_length)
    tensor, draw the next id from its logits with your sample_next, and append it.
    Returns the prompt followed by the n_new new ids (a list of ints).
    """
    ids = list(prompt)
    for _ in range(n_new):
        window = torch.tensor([ids[-context_length:]])  # (1, context_length)
        logits = model(window)[0]  # (vocab_size,)
        ids.append(sample_next(logits, temperature, generator))
    return ids
