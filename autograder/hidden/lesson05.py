"""Hidden tests for lesson 05: random sequences and texts, compared with the reference."""

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check
from helpers.checking import guarded
from solutions import lesson05 as reference

#: Small alphabets make repeated pairs, ties and runs like "aaaa" likely.
LETTERS = list("ab c\né東🙂")
#: Ids that collide when written as text ("1 12" and "11 2"), with a few single digits.
IDS = [0, 1, 2, 11, 12, 21]


def _ids(rng: np.random.Generator, longest: int = 25) -> list[int]:
    symbols = IDS[:3] if rng.random() < 0.5 else IDS
    return [int(i) for i in rng.choice(symbols, size=int(rng.integers(0, longest)))]


def _text(rng: np.random.Generator, longest: int = 40) -> str:
    return "".join(rng.choice(LETTERS, size=int(rng.integers(0, longest))))


@guarded
def pair_counts(learner_pair_counts):
    agrees_with_reference(hidden_check("pair_counts", learner_pair_counts), reference.pair_counts,
                          lambda rng: (_ids(rng),), trials=20, seed=5,
                          hint="for n ids, count the n - 1 pairs (ids[i], ids[i+1]), each as often as it "
                               "occurs; no wraparound; keys are (a, b) tuples of ints.")


@guarded
def merge(learner_merge):
    def args(rng):
        ids = _ids(rng)
        return ids, tuple(int(i) for i in rng.choice(IDS[:3] + IDS[3:4], size=2)), 300

    agrees_with_reference(hidden_check("merge", learner_merge), reference.merge, args, trials=20, seed=5,
                          hint="scan left to right, replace each occurrence by new_id, jump past both "
                               "ids (no overlaps), and keep every other id, in a new list.")


@guarded
def train_bpe(learner_train_bpe):
    def args(rng):
        return _text(rng), int(rng.integers(0, 8))

    agrees_with_reference(hidden_check("train_bpe", learner_train_bpe), reference.train_bpe, args,
                          trials=20, seed=5,
                          hint="from the UTF-8 bytes: count, merge the most frequent pair (ties: the "
                               "smallest pair) as id 256 + k, record it, repeat; stop early when no "
                               "pair is left.")


@guarded
def encode(learner_encode):
    def args(rng):
        merges = reference.train_bpe(_text(rng, longest=100), int(rng.integers(0, 20)))
        return _text(rng, longest=60), merges

    agrees_with_reference(hidden_check("encode", learner_encode), reference.encode, args, trials=20, seed=5,
                          hint="UTF-8 bytes, then merges[0], merges[1], ... in learned order, as ids "
                               "256, 257, ...")


@guarded
def decode(learner_decode):
    def round_trip(rng):
        text, merges = _text(rng), reference.train_bpe(_text(rng, longest=60), 8)
        return reference.encode(text, merges), merges

    def raw_bytes(rng):  # arbitrary bytes, 0 included: often not valid UTF-8
        merges = reference.train_bpe(_text(rng, longest=60), 5)
        return [int(i) for i in rng.integers(0, 256 + len(merges), size=12)] + [0], merges

    agrees_with_reference(hidden_check("decode", learner_decode), reference.decode,
                          lambda rng: round_trip(rng) if rng.random() < 0.5 else raw_bytes(rng),
                          trials=20, seed=5,
                          hint="join the bytes of every id (256 + k is vocab[a] + vocab[b] for "
                               "merges[k] = (a, b)), then .decode('utf-8', errors='replace').")
