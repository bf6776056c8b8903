"""Lesson 05 — tokens: byte-pair encoding from scratch."""

from collections import Counter


def pair_counts(ids: list[int]) -> dict[tuple[int, int], int]:
    """Count every pair of neighbours in a sequence of ids.

    ids: a list of n ints. The pairs are (ids[0], ids[1]), (ids[1], ids[2]), ...,
    (ids[n-2], ids[n-1]): n - 1 of them, and the last id does not wrap around to the first.
    Returns a dict {(a, b): how many times b directly follows a}, e.g.
    pair_counts([1, 2, 1, 2]) == {(1, 2): 2, (2, 1): 1}. A collections.Counter is a dict too.
    """
    return Counter(zip(ids, ids[1:]))


def merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every occurrence of `pair` in `ids` by the single id `new_id`.

    Scan from left to right; where ids[i], ids[i+1] == pair, write new_id and jump past
    both, so occurrences never overlap: merge([5, 5, 5], (5, 5), 9) == [9, 5].
    ids: a list of ints (not modified). Returns a new list, shorter by one per replacement.
    """
    out = []
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def train_bpe(text: str, n_merges: int) -> list[tuple[int, int]]:
    """Learn `n_merges` byte-pair merges from `text`.

    Start from the UTF-8 bytes of the text (ids 0-255). Then n_merges times: count the
    pairs (pair_counts), pick the most frequent pair, give it the next new id (256 for the
    first merge, 257 for the second, ...), replace it everywhere (merge) and record it.
    Ties: among pairs with the same count, pick the smallest pair, comparing (a, b)
    as tuples (the smaller a, then the smaller b). Stop early if no pair is left.
    Returns the merges in the order they were learned: merges[k] became id 256 + k.
    """
    ids = list(text.encode("utf-8"))
    merges = []
    for k in range(n_merges):
        counts = pair_counts(ids)
        if not counts:
            break
        best = min(counts, key=lambda pair: (-counts[pair], pair))  # most frequent, then smallest
        ids = merge(ids, best, 256 + k)
        merges.append(best)
    return merges


def encode(text: str, merges: list[tuple[int, int]]) -> list[int]:
    """Turn text into token ids with learned merges.

    Start from the UTF-8 bytes of the text, then apply the merges in the order they were
    learned: merges[0] (as id 256) first, then merges[1] (as id 257), and so on.
    Returns the list of token ids.
    """
    ids = list(text.encode("utf-8"))
    for k, pair in enumerate(merges):
        ids = merge(ids, pair, 256 + k)
    return ids


def decode(ids: list[int], merges: list[tuple[int, int]]) -> str:
    """Turn token ids back into text: the exact inverse of encode.

    Build the vocabulary, a table id -> bytes: ids 0-255 are the single bytes, and id
    256 + k is the bytes of merges[k] = (a, b) joined, vocab[a] + vocab[b]. Join the bytes
    of all the ids, then decode them once as UTF-8 with errors="replace", so that bytes
    which do not form a valid character show up as "\ufffd" instead of vanishing.
    """
    vocab = {i: bytes([i]) for i in range(256)}
    for k, (a, b) in enumerate(merges):
        vocab[256 + k] = vocab[a] + vocab[b]
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
