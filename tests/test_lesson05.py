"""Lesson 05: BPE references hold their properties on any input, and the text's figures are computed."""

import re
import sys
from collections import Counter
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.text import load_corpus, split_corpus
from solutions import lesson05
from tests.figures import markdown_of

#: Merges learned from a text that mixes scripts, so that merged ids hold multi-byte pieces.
MIXED = "the cats sat; les chats étaient là; 東京の猫 🙂🙂 cats cats 東京 étaient"
MIXED_MERGES = lesson05.train_bpe(MIXED, 30)
ids_lists = st.lists(st.integers(0, 3), max_size=40)


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_decode_inverts_encode_for_any_text(text):
    assert lesson05.decode(lesson05.encode(text, MIXED_MERGES), MIXED_MERGES) == text


@given(st.text(max_size=60), st.integers(0, 20))
@settings(max_examples=100, deadline=None)
def test_round_trip_with_merges_learned_from_the_text_itself(text, n_merges):
    merges = lesson05.train_bpe(text, n_merges)
    ids = lesson05.encode(text, merges)
    assert lesson05.decode(ids, merges) == text
    assert len(ids) <= len(text.encode("utf-8")) - len(merges)  # each merge saves at least one
    assert len(set(merges)) == len(merges)


@given(ids_lists)
def test_pair_counts_counts_each_neighbour_pair(ids):
    counts = lesson05.pair_counts(ids)
    assert sum(counts.values()) == max(len(ids) - 1, 0)
    brute = Counter((ids[i], ids[i + 1]) for i in range(len(ids) - 1))
    assert dict(counts) == dict(brute)


@given(ids_lists, st.tuples(st.integers(0, 3), st.integers(0, 3)))
def test_merge_is_undone_by_expanding_the_new_id(ids, pair):
    merged = lesson05.merge(ids, pair, 99)
    expanded = [x for i in merged for x in (pair if i == 99 else (i,))]
    assert expanded == ids
    # greedy left to right: no occurrence of the pair is left between two kept ids
    assert all((a, b) != pair for a, b in zip(merged, merged[1:]) if 99 not in (a, b))


def test_merge_runs_left_to_right_without_overlap():
    assert lesson05.merge([5, 5, 5], (5, 5), 9) == [9, 5]
    assert lesson05.merge([5, 5, 5, 5], (5, 5), 9) == [9, 9]


def test_train_bpe_reproduces_the_classic_example():
    # aaabdaaabac: aa -> Z, ab -> Y (tied with Za: the smaller pair wins), ZY -> X; "XdXac"
    merges = lesson05.train_bpe("aaabdaaabac", 3)
    assert merges == [(97, 97), (97, 98), (256, 257)]
    assert lesson05.encode("aaabdaaabac", merges) == [258, 100, 258, 97, 99]


@given(st.text(alphabet="ab c", max_size=40), st.integers(1, 8))
@settings(deadline=None)
def test_every_learned_merge_was_the_most_frequent_pair_then(text, n_merges):
    merges = lesson05.train_bpe(text, n_merges)
    ids = list(text.encode("utf-8"))
    for k, pair in enumerate(merges):
        counts = lesson05.pair_counts(ids)
        best = max(counts.values())
        assert counts[pair] == best and pair == min(p for p, c in counts.items() if c == best)
        ids = lesson05.merge(ids, pair, 256 + k)


def test_decode_replaces_invalid_bytes():
    assert lesson05.decode([104, 105, 255], []) == "hi\ufffd"


# ---- figures stated in the lesson, recomputed as the notebook computes them ----

@cache
def lesson_data():
    train_part, held_out = split_corpus(load_corpus())
    train_text = "\n\n".join(train_part.split("\n\n")[::10])[:30_000]
    test_text = held_out[:10_000]
    return train_text, test_text, lesson05.train_bpe(train_text, 800)


def test_share_of_unknown_words():
    train_text, test_text, _ = lesson_data()
    vocab = set(re.findall(r"[a-z]+", train_text.lower()))
    words = re.findall(r"[a-z]+", test_text.lower())
    share = sum(w not in vocab for w in words) / len(words)
    assert "About 18% of the held-out words" in markdown_of("05")
    assert f"{share:.0%}" == "18%"


def test_tiny_example_figures():
    text = markdown_of("05")
    tiny = "a cat, two cats, a cat and the cats"
    counts = lesson05.pair_counts(list(tiny.encode("utf-8")))
    assert "In round 1, three pairs occur 4 times each" in text
    assert max(counts.values()) == 4 and sorted(counts.values()).count(4) == 3
    merges = lesson05.train_bpe(tiny, 6)
    assert "(32, 99), the space and `c`, won round 1" in text and merges[0] == (32, 99)
    pieces = [lesson05.decode([256 + k], merges) for k in range(6)]
    assert pieces[:3] == [" c", "at", " cat"] and pieces[5] == " cats"  # "one more round"
    assert "45th merge" in text and 300 - 256 + 1 == 45
    assert "over a million" in text and sys.maxunicode + 1 > 1_000_000
    assert "1 to 4 **bytes**" in text
    assert [len(ch.encode("utf-8")) for ch in "aé東🙂"] == [1, 2, 3, 4]


def test_real_tokenizer_splits_plurals_as_the_text_says():
    _, _, merges = lesson_data()

    def pieces(word):
        return [lesson05.decode([t], merges) for t in lesson05.encode(word, merges)]

    assert pieces(" objects")[-2:] == ["object", "s"]
    assert pieces(" returns")[-2:] == ["return", "s"]
    assert "`objects` is `object` + `s`, `returns` is `return` + `s`" in markdown_of("05")
    first = [lesson05.decode([256 + k], merges) for k in range(24)]
    assert {"e ", "th", "in", "er", " the "} <= set(first)
