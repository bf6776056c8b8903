"""Hidden tests for lesson 05: random sequences and texts, compared with the reference."""

import copy

import numpy as np

from autograder.hidden.common import hidden_check
from solutions import lesson05 as reference

#: Small alphabets make repeated pairs, ties and runs like "aaaa" likely.
LETTERS = list("ab c\né東🙂")


def _ids(rng: np.random.Generator, n_symbols: int = 3, longest: int = 25) -> list[int]:
    return [int(i) for i in rng.integers(0, n_symbols, size=int(rng.integers(0, longest)))]


def _text(rng: np.random.Generator, longest: int = 40) -> str:
    return "".join(rng.choice(LETTERS, size=int(rng.integers(0, longest))))


def _agrees(chk, reference_fn, make_args, *, hint: str, convert=lambda x: x, trials: int = 20,
            seed: int = 5) -> None:
    """Learner and reference give the same result (after `convert`) on seeded random args."""
    rng = np.random.default_rng(seed)
    for trial in range(1, trials + 1):
        args = make_args(rng)
        expected = reference_fn(*copy.deepcopy(args))
        got = chk.run(*copy.deepcopy(args))
        try:
            same = convert(got) == convert(expected)
        except (TypeError, ValueError):
            same = False
        chk.true(same, case=f"hidden random case {trial} of {trials}", hint=hint)
    chk.passed()


def pair_counts(pair_counts):
    _agrees(hidden_check("pair_counts", pair_counts), reference.pair_counts,
            lambda rng: (_ids(rng),), convert=dict,
            hint="for n ids, count the n - 1 pairs (ids[i], ids[i+1]), each as often as it "
                 "occurs; no wraparound.")


def merge(merge):
    def args(rng):
        ids = _ids(rng)
        return ids, tuple(int(i) for i in rng.integers(0, 3, size=2)), 7

    _agrees(hidden_check("merge", merge), reference.merge, args, convert=list,
            hint="scan left to right, replace each occurrence by new_id, jump past both ids "
                 "(no overlaps), and keep every other id.")


def train_bpe(train_bpe):
    def args(rng):
        return _text(rng), int(rng.integers(0, 8))

    _agrees(hidden_check("train_bpe", train_bpe), reference.train_bpe, args,
            convert=lambda merges: [tuple(pair) for pair in merges],
            hint="from the UTF-8 bytes: count, merge the most frequent pair (ties: the smallest "
                 "pair) as id 256 + k, record it, repeat; stop early when no pair is left.")


def encode(encode):
    def args(rng):
        merges = reference.train_bpe(_text(rng, longest=100), int(rng.integers(0, 20)))
        return _text(rng, longest=60), merges

    _agrees(hidden_check("encode", encode), reference.encode, args, convert=list,
            hint="UTF-8 bytes, then merges[0], merges[1], ... in learned order, as ids 256, 257, ...")


def decode(decode):
    def round_trip(rng):
        text, merges = _text(rng), reference.train_bpe(_text(rng, longest=60), 8)
        return reference.encode(text, merges), merges

    def raw_bytes(rng):  # arbitrary bytes: often not valid UTF-8
        merges = reference.train_bpe(_text(rng, longest=60), 5)
        return [int(i) for i in rng.integers(0, 256 + len(merges), size=12)], merges

    _agrees(hidden_check("decode", decode), reference.decode,
            lambda rng: round_trip(rng) if rng.random() < 0.5 else raw_bytes(rng),
            hint="join the bytes of every id (256 + k is vocab[a] + vocab[b] for merges[k] = "
                 "(a, b)), then .decode('utf-8', errors='replace').")
