"""Visible checks for lesson 05. Each takes your function and tests it on small cases."""

from helpers.checking import Check, guarded


@guarded
def pair_counts(learner_pair_counts):
    """Neighbouring pairs, each counted as often as it occurs, none invented."""
    chk = Check("pair_counts", learner_pair_counts, returns=dict[tuple[int, int], int])
    ids = [1, 2, 1, 2, 3]
    got = chk.run(list(ids))
    chk.true((3, 1) not in got, case="ids=[1, 2, 1, 2, 3] gave the pair (3, 1)",
             hint="the last id has no right neighbour: do not wrap around to the first "
                  "(n ids make n - 1 pairs).", got=dict(got))
    chk.true(got.get((2, 3), 0) == 1, case="ids=[1, 2, 1, 2, 3] lost the last pair (2, 3)",
             hint="count the last pair (ids[-2], ids[-1]) too: zip(ids, ids[1:]) stops at the "
                  "right place, range(len(ids) - 2) stops one pair early.", got=dict(got))
    chk.equal(dict(got), {(1, 2): 2, (2, 1): 1, (2, 3): 1}, case="ids=[1, 2, 1, 2, 3]",
              hint="count every occurrence: (1, 2) appears twice, so its count is 2.")
    chk.returns_exactly(([7],), {}, case="ids=[7] (one id, no pairs)",
              hint="a sequence of one id has no pairs: return an empty dict.")
    chk.returns_exactly(([4, 4, 4],), {(4, 4): 2}, case="ids=[4, 4, 4]",
              hint="pairs overlap when counting: [4, 4, 4] holds (4, 4) twice.")
    chk.returns_exactly(([],), {}, case="ids=[] (no ids at all)",
              hint="an empty sequence has no pairs: return an empty dict.")
    chk.returns_exactly(([1, 12, 1, 21],), {(1, 12): 1, (12, 1): 1, (1, 21): 1},
              case="ids=[1, 12, 1, 21] (ids of two digits)",
              hint="keep each pair as a tuple of two ints, (a, b): written as text, '1 12' and "
                   "'11 2' look alike.")
    chk.passed()


@guarded
def merge(learner_merge):
    """Left to right, non-overlapping, nothing lost, input untouched."""
    chk = Check("merge", learner_merge, returns=list[int])
    chk.returns_exactly(([1, 2, 3, 1, 2, 4], (1, 2), 9), [9, 3, 9, 4],
              case="merge([1, 2, 3, 1, 2, 4], (1, 2), 9)",
              hint="keep the ids that are not part of a pair, including the last one: "
                   "[1, 2, 3, 1, 2, 4] becomes [9, 3, 9, 4].")
    chk.returns_exactly(([1, 2, 3], (5, 6), 9), [1, 2, 3], case="merge([1, 2, 3], (5, 6), 9)",
              hint="when the pair does not occur, return the ids unchanged.")
    chk.returns_exactly(([5, 5, 5, 5], (5, 5), 9), [9, 9], case="merge([5, 5, 5, 5], (5, 5), 9)",
              hint="occurrences must not overlap: after writing new_id for ids[i], ids[i+1], "
                   "continue at i + 2, so four 5s become two 9s, not three.")
    chk.returns_exactly(([5, 5, 5], (5, 5), 9), [9, 5], case="merge([5, 5, 5], (5, 5), 9)",
              hint="scan from left to right: the FIRST two 5s merge, so [5, 5, 5] becomes "
                   "[9, 5], not [5, 9].")
    chk.returns_exactly(([12, 1, 2], (2, 1), 300), [12, 1, 2], case="merge([12, 1, 2], (2, 1), 300)",
              hint="compare the ids as numbers, pair by pair, (ids[i], ids[i+1]) == pair: in the "
                   "text '12 1 2' the pair '2 1' seems to occur, but 12 is not 2.")
    chk.returns_exactly(([], (1, 2), 9), [], case="merge([], (1, 2), 9)",
              hint="no ids, nothing to merge: return an empty list.")
    chk.passed()


@guarded
def train_bpe(learner_train_bpe):
    """The learned merges, in order, with the documented tie rule."""
    chk = Check("train_bpe", learner_train_bpe, returns=list[tuple[int, int]])
    got = chk.run("abababcab", 2)
    chk.true(len(got) == 2,
             case="train_bpe('abababcab', 2) should return a list of 2 merges",
             hint="return the list of the pairs you merged, one (a, b) tuple per merge.", got=got)
    chk.true(len({tuple(pair) for pair in got}) == len(got),
             case="train_bpe('abababcab', 2) learned the same pair twice",
             hint="keep the merged sequence: ids = merge(ids, pair, new_id), or the same pair "
                  "wins every round.", got=got)
    chk.equal([tuple(pair) for pair in got], [(97, 98), (256, 256)], case="train_bpe('abababcab', 2)",
              hint="count the pairs again after every merge: 'ab' -> 256 creates the pair "
                   "(256, 256), the most frequent pair of the second round.")
    chk.returns_exactly(("aaabdaaabac", 3), [(97, 97), (97, 98), (256, 257)],
              case="train_bpe('aaabdaaabac', 3); in round 2, (256, 97) and (97, 98) both occur twice",
              hint="on a tie, pick the smallest pair, comparing (a, b) tuples: "
                   "min(counts, key=lambda p: (-counts[p], p)). max(counts, key=counts.get) "
                   "returns whichever tied pair the dict happens to hold first.")
    chk.returns_exactly(("ééé", 1), [(195, 169)], case="train_bpe('ééé', 1)",
              hint="start from the UTF-8 bytes, list(text.encode('utf-8')): é is the two "
                   "bytes 195, 169.")
    chk.returns_exactly(("ab", 5), [(97, 98)], case="train_bpe('ab', 5)",
              hint="stop early when no pair is left to merge (pair_counts returns {}).")
    chk.returns_exactly(("", 3), [], case="train_bpe('', 3)",
              hint="an empty text has no pairs: return an empty list of merges.")
    chk.passed()


@guarded
def encode(learner_encode):
    """UTF-8 bytes, then the merges in the order they were learned."""
    chk = Check("encode", learner_encode, returns=list[int])
    chk.returns_exactly(("héllo", []), [104, 195, 169, 108, 108, 111], case="encode('héllo', [])",
              hint="start from the UTF-8 bytes, list(text.encode('utf-8')), not ord() of each "
                   "character: é is the two bytes 195, 169.")
    merges = [(97, 98), (98, 99)]
    chk.returns_exactly(("ab", merges), [256], case="encode('ab', [(97, 98), (98, 99)])",
              hint="merges[k] becomes id 256 + k: merges[0] is 256, merges[1] is 257.")
    chk.returns_exactly(("abc", merges), [256, 99], case="encode('abc', [(97, 98), (98, 99)])",
              hint="apply the merges in the order they were learned, merges[0] first: "
                   "(97, 98) turns 'abc' into [256, 99] before (98, 99) gets its turn.")
    chk.returns_exactly(("abcbc", merges), [256, 99, 257], case="encode('abcbc', [(97, 98), (98, 99)])",
              hint="apply the merges in the order they were learned, not by how often each pair "
                   "appears in this text: (97, 98) first, although (98, 99) is more frequent here.")
    chk.returns_exactly(("aaaa", [(97, 97), (256, 256)]), [257],
              case="encode('aaaa', [(97, 97), (256, 256)])",
              hint="a later merge may join ids made by earlier merges: apply every merge in turn "
                   "to the result of the previous one.")
    chk.passed()


@guarded
def decode(learner_decode):
    """Bytes of every id, joined, then decoded once as UTF-8 with errors='replace'."""
    chk = Check("decode", learner_decode, returns=str)
    chk.returns_exactly(([104, 105], []), "hi", case="decode([104, 105], [])",
              hint="look up the byte of each id and decode the joined bytes as UTF-8.")
    chk.returns_exactly(([104, 0, 105], []), "h\x00i", case="decode([104, 0, 105], []): byte 0 too",
              hint="ids 0 to 255 are ALL the single bytes, 0 included: bytes([i]) for i in range(256).")
    chk.returns_exactly(([104, 195, 169], []), "hé", case="decode([104, 195, 169], [])",
              hint="join all the bytes first, then decode them once as UTF-8: é is the two bytes "
                   "195, 169, not two characters chr(195), chr(169).")
    merges = [(104, 105), (256, 33)]  # 256 = 'hi', 257 = 'hi!'
    chk.returns_exactly(([257, 32, 256], merges), "hi! hi",
              case="decode([257, 32, 256], [(104, 105), (256, 33)])",
              hint="look up ids 256 and up in the vocabulary too: id 256 + k stands for the "
                   "bytes of merges[k] = (a, b), vocab[a] + vocab[b].")
    chk.returns_exactly(([104, 105, 255], []), "hi\ufffd", case="decode([104, 105, 255], []): "
              "byte 255 never occurs in UTF-8",
              hint="decode with errors='replace': a byte that is not valid UTF-8 must show up "
                   "as '\ufffd', not vanish (errors='ignore') or crash.")
    text = "naïve café, 東京, 🙂"
    chk.returns_exactly((list(text.encode("utf-8")), []), text, case=f"decode the bytes of {text!r}",
              hint="join the bytes of all ids, then decode them once with .decode('utf-8').")
    chk.passed()
