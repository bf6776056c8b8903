"""Wrong answers to lesson 05 that learners really write.

Each mutant is self-contained (it does not call the lesson's other exercises), because
the autograder tests one mutant per exercise at a time in a single submission: a mutant
that changes a reference changes one that calls no other exercise.
"""

from collections import Counter

from autograder.mutants import mutant, replaced
from solutions.lesson05 import decode, pair_counts

pair_counts_wraps_around = replaced(pair_counts, "ids[1:]", "ids[1:] + ids[:1]",
                                    "do not wrap around to the first")


@mutant("pair_counts", "count the last pair")
def pair_counts_skips_last_pair(ids):
    counts = {}
    for i in range(len(ids) - 2):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
    return counts


@mutant("pair_counts", "count every occurrence")
def pair_counts_each_pair_once(ids):
    return {pair: 1 for pair in zip(ids, ids[1:])}


@mutant("merge", "must not overlap")
def merge_overlapping(ids, pair, new_id):
    out = []
    for i in range(len(ids)):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
        elif i > 0 and (ids[i - 1], ids[i]) == pair:
            continue
        else:
            out.append(ids[i])
    return out


@mutant("merge", "scan from left to right")
def merge_right_to_left(ids, pair, new_id):
    out = []
    i = len(ids) - 1
    while i >= 0:
        if i > 0 and (ids[i - 1], ids[i]) == pair:
            out.append(new_id)
            i -= 2
        else:
            out.append(ids[i])
            i -= 1
    return out[::-1]


@mutant("merge", "including the last one")
def merge_drops_last_id(ids, pair, new_id):
    out = []
    i = 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


@mutant("train_bpe", "count the pairs again after every merge")
def train_bpe_counts_once(text, n_merges):
    ids = list(text.encode("utf-8"))
    counts = Counter(zip(ids, ids[1:]))
    ranked = sorted(counts, key=lambda pair: (-counts[pair], pair))
    return ranked[:n_merges]


@mutant("train_bpe", "on a tie, pick the smallest pair")
def train_bpe_first_of_ties(text, n_merges):
    ids = list(text.encode("utf-8"))
    merges = []
    for k in range(n_merges):
        counts = Counter(zip(ids, ids[1:]))
        if not counts:
            break
        best = max(counts, key=counts.get)
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == best:
                out.append(256 + k)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out
        merges.append(best)
    return merges


@mutant("train_bpe", "keep the merged sequence")
def train_bpe_forgets_the_merge(text, n_merges):
    ids = list(text.encode("utf-8"))
    merges = []
    for _ in range(n_merges):
        counts = Counter(zip(ids, ids[1:]))
        if not counts:
            break
        merges.append(min(counts, key=lambda pair: (-counts[pair], pair)))
    return merges


@mutant("encode", "not ord() of each character")
def encode_characters_not_bytes(text, merges):
    ids = [ord(c) for c in text]
    for k, pair in enumerate(merges):
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                out.append(256 + k)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out
    return ids


@mutant("encode", "merges[0] first")
def encode_last_merge_first(text, merges):
    ids = list(text.encode("utf-8"))
    for k in reversed(range(len(merges))):
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == merges[k]:
                out.append(256 + k)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out
    return ids


@mutant("encode", "not by how often each pair")
def encode_most_frequent_first(text, merges):
    ids = list(text.encode("utf-8"))
    new_ids = {pair: 256 + k for k, pair in enumerate(merges)}
    while True:
        counts = Counter(pair for pair in zip(ids, ids[1:]) if pair in new_ids)
        if not counts:
            return ids
        pair = max(counts, key=lambda p: (counts[p], -new_ids[p]))  # most frequent here
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                out.append(new_ids[pair])
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out


decode_bytes_as_characters = replaced(decode,
                                      'b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")',
                                      '"".join(chr(byte) for i in ids for byte in vocab[i])',
                                      "not two characters chr(195), chr(169)")


@mutant("decode", "look up ids 256 and up")
def decode_skips_merged_ids(ids, merges):
    return bytes(i for i in ids if i < 256).decode("utf-8", errors="replace")


decode_ignores_errors = replaced(decode, 'errors="replace"', 'errors="ignore"',
                                 "not vanish (errors='ignore')")

pair_counts_text_keys = replaced(pair_counts, "Counter(zip(ids, ids[1:]))",
                                 'Counter(f"{a},{b}" for a, b in zip(ids, ids[1:]))',
                                 "the key '1,2' is a str")


@mutant("merge", "compare the ids as numbers")
def merge_through_text(ids, pair, new_id):
    text = " ".join(map(str, ids))
    return [int(i) for i in text.replace(f"{pair[0]} {pair[1]}", str(new_id)).split()]


@mutant("merge", "instead of editing `ids` in place")
def merge_in_place(ids, pair, new_id):
    i = 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == pair:
            ids[i:i + 2] = [new_id]
        i += 1
    return ids


decode_without_byte_zero = replaced(decode, "range(256)", "range(1, 256)", "0 included")
