"""Visible checks for lesson 11. Each takes your function and tests it on small cases."""

import hashlib
import math

import numpy as np

from helpers.checking import Check, guarded

#: Cumulative frequencies (total 2**16) of a few fixed models, one list per model.
HALVES = [0, 32768, 65536]  # two symbols, 1/2 each
MIDDLE = [0, 16384, 49152, 65536]  # 1/4, 1/2, 1/4: symbol 1 straddles the middle
QUARTER = [0, 16384, 65536]  # 1/4, 3/4: symbol 1 starts exactly at a quarter
RARE = [0, 1, 49152, 65536]  # symbol 0 has probability 1/65536
#: An order-1 model over 5 symbols: row = the previous symbol (0 before the first one).
ORDER1 = [[0, 40000, 50000, 60000, 65000, 65536],
          [0, 5000, 45000, 55000, 60000, 65536],
          [0, 10000, 20000, 50000, 60000, 65536],
          [0, 30000, 32000, 34000, 36000, 65536],
          [0, 16000, 32000, 48000, 64000, 65536]]


def fixed(cum):
    """A model that predicts the same cumulative frequencies whatever came before."""
    return lambda history: cum


def order1(history):
    """The ORDER1 model: its prediction depends on the last symbol of the history."""
    return ORDER1[history[-1] if history else 0]


def lcg_text(n, seed=2024):
    """n symbols in 0..4 from a fixed pseudo-random sequence (the same on every computer)."""
    x, out = seed, []
    for _ in range(n):
        x = (1103515245 * x + 12345) % 2**31
        r = (x >> 8) % 100
        out.append(sum(r >= t for t in (50, 70, 85, 95)))
    return out


#: encode(lcg_text(600), order1), made by the course's reference coder.
LONG_600 = bytes.fromhex(
    "78d529637b17d6941666775d6f0e6a83d2a1ff7cf8e4bed5d5f915944de97b446d96b12d59667fa13fc66"
    "51b1adad775ff92688afa7199c35cbaf3d0108dd7104f65435193a30fdd9057be0576d1ded2f90ca87bcb"
    "aaec5c46197805342bf4ffc1555c906938f61201e48ab823355d5ffb9075d44ce8fa1dc810f40fdeeeadd"
    "2b353e7fdcbad9a0ba5c0f537ced28a58753f0eef53f37766474b4fef2f2f616a14d5da0f6a517111abff"
    "679172fec6")
#: Length and SHA-256 of encode(lcg_text(3000), order1).
LONG_3000 = (899, "4a64993bab936acac0a8017a979eef85b7273d2082e793aa0f23eb4e34970573")


@guarded
def code_length(learner_code_length):
    """-log2 p per symbol, added up."""
    chk = Check("code_length", learner_code_length, returns=float)
    chk.returns((np.array([0.25]),), 2.0, case="one symbol predicted with p = 1/4",
                hint="a symbol with probability p costs -log2 p bits: use np.log2 (bits), not "
                     "np.log (nats), and keep the minus sign so that the cost is positive.")
    chk.returns((np.array([0.5, 0.25, 1.0]),), 3.0, case="probabilities [1/2, 1/4, 1]",
                hint="add up the bits of all the symbols (a sum, not a mean): 1 + 2 + 0 = 3.")
    chk.returns((np.array([1 / 94] * 10),), 10 * math.log2(94),
                case="ten symbols, each a uniform guess among 94", hint="the sum of -log2 p.")
    chk.returns((np.array([]),), 0.0, case="an empty text",
                hint="an empty text costs 0 bits (a sum over nothing, not a mean).")
    chk.passed()


@guarded
def bits_per_char(learner_bits_per_char):
    """Bits of compressed data per character of text."""
    chk = Check("bits_per_char", learner_bits_per_char, returns=float)
    chk.returns((1, 8), 1.0, case="1 byte for 8 characters",
                hint="a byte is 8 bits: bits = 8 * n_bytes.")
    chk.returns((100, 400), 2.0, case="100 bytes for 400 characters",
                hint="bits per character: divide the bits by the number of characters, "
                     "8 * n_bytes / n_chars.")
    chk.passed()


@guarded
def context_counts(learner_context_counts):
    """Counts of next symbols per context, contexts read as base-V numbers."""
    chk = Check("context_counts", learner_context_counts, returns=tuple[np.ndarray, np.ndarray])
    contexts, counts = chk.run(np.array([1, 0]), 1, 2)
    chk.equal(int(np.sum(counts)), 2, case="ids [1, 0], order 1: the counts must add up to "
              "2, one per position",
              hint="put `order` zeros in front of the text, so that every position, the first "
                   "ones too, has a context and is counted: counts.sum() == len(ids).")
    chk.close(contexts, [0, 1], case="ids [1, 0], order 1: the contexts",
              hint="contexts: the distinct context numbers, sorted (np.unique).")
    chk.close(counts, [[0, 1], [1, 0]],
              case="ids [1, 0], order 1: after context 0 (the padding) comes 1; after 1 comes 0",
              hint="the context of position i is the `order` ids BEFORE it, not including "
                   "ids[i] itself; counts[j, s] counts the symbol s AT position i.")
    _, counts = chk.run(np.array([1, 0, 1, 1]), 1, 2)
    chk.close(counts, [[0, 2], [1, 1]], dtype=("int64", "int32"),
              case="ids [1, 0, 1, 1], order 1: context 0 is followed by 1 twice",
              hint="repeated (context, symbol) pairs must all be counted: counts[rows, ids] += 1 "
                   "adds only 1 per distinct pair; use np.add.at(counts, (rows, ids), 1).")
    contexts, counts = chk.run(np.array([1, 2, 0]), 2, 3)
    chk.close(contexts, [0, 1, 5],
              case="ids [1, 2, 0], order 2, V = 3: contexts (0,0) -> 0, (0,1) -> 1, (1,2) -> 5",
              hint="read a context as a base-V number with the most recent id LAST: "
                   "c_1 * V + c_2 for order 2.")
    chk.close(counts, [[0, 1, 0], [0, 0, 1], [1, 0, 0]],
              case="ids [1, 2, 0], order 2, V = 3: the counts", hint="counts[j, s] = how often s "
              "follows contexts[j].")
    contexts, counts = chk.run(np.array([3, 3, 1]), 0, 4)
    chk.close(counts, [[0, 1, 0, 2]], case="order 0: one context, the plain symbol counts",
              hint="with order 0 every position has the same context, 0.",
              shape_hint="order 0 has a single context: counts has shape (1, vocab_size).")
    chk.passed()


@guarded
def frequencies(learner_frequencies):
    """Smoothed, quantised, accumulated: integer tables for the coder."""
    chk = Check("frequencies", learner_frequencies, returns=np.ndarray)
    cum = chk.run(np.array([[6, 2, 0, 0]]), 0.5, 64)
    chk.has_shape(cum, (1, 5), case="counts [[6, 2, 0, 0]]: the shape of cum",
                  hint="cum has V + 1 columns: start each row with 0, then the running sum "
                       "(np.cumsum) of the frequencies.")
    chk.true(bool(np.all(np.diff(cum, axis=-1) >= 1)),
             case="counts [[6, 2, 0, 0]]: every symbol needs a frequency of at least 1",
             hint="a symbol with frequency 0 could never be coded (zero-frequency problem): "
                  "smooth with alpha and use freq = 1 + floor(p * (total - V)).", got=cum)
    chk.equal(int(cum[0, 0]), 0, case="counts [[6, 2, 0, 0]]: the first column",
              hint="each row of cum starts at 0.")
    cum3 = chk.run(np.array([[1, 1, 1]]), 0.5, 16)
    chk.equal(int(cum3[0, -1]), 16, case="counts [[1, 1, 1]], total 16: the last column",
              hint="every row must end at exactly `total`: add the leftover, total - (row sum "
                   "of freq), to the largest frequency (rounding alone does not add up).")
    chk.close(cum3, [[0, 6, 11, 16]], case="counts [[1, 1, 1]], alpha 0.5, total 16: three tied "
              "frequencies of 5 and a leftover of 1",
              hint="on a tie give the leftover to the FIRST of the largest frequencies (np.argmax "
                   "returns the first): freq [6, 5, 5].", dtype="int64")
    chk.close(cum, [[0, 40, 56, 60, 64]], case="counts [[6, 2, 0, 0]], alpha 0.5, total 64",
              hint="p = (counts + alpha) / (row sum + alpha * V); freq = 1 + floor(p * (total - V)); "
                   "the leftover goes to the largest freq.")
    cum = chk.run(np.array([[3, 1, 0, 0], [0, 0, 0, 0]]), 1.0, 16)
    chk.close(cum, [[0, 8, 12, 14, 16], [0, 4, 8, 12, 16]],
              case="two contexts, alpha 1, total 16; the second never seen",
              hint="smooth each row by its OWN sum (axis=-1, keepdims=True); a row of zeros "
                   "becomes uniform.")
    chk.passed()


def _encode_case(chk, symbols, model, expected, *, case, hint):
    chk.equal(chk.call((symbols, model), case=case, hint=hint).hex(), expected, case=case, hint=hint)


@guarded
def encode(learner_encode):
    """Exact bytes on small cases, then a long text."""
    chk = Check("encode", learner_encode, returns=bytes)
    _encode_case(chk, [], fixed(HALVES), "40", case="the empty text",
                 hint="finish with the flush even when there is nothing to code: pending += 1, "
                      "then 0 and `pending` 1s (low < quarter), here the bits 01 -> byte 0x40.")
    _encode_case(chk, [0], fixed(HALVES), "20", case="[0] with probabilities [1/2, 1/2]",
                 hint="narrow: high = low + span * cum[s + 1] // total - 1, low = low + span * cum[s] "
                      "// total; then emit 0 while high < half, and flush: bits 0 01 -> 0x20.")
    _encode_case(chk, [1], fixed(HALVES), "a0", case="[1] with probabilities [1/2, 1/2]",
                 hint="when low >= half emit 1 and subtract half from low and high before doubling; "
                      "bits 1 01 -> 0xa0.")
    _encode_case(chk, [1, 1, 1, 0], fixed(MIDDLE), "72",
                 case="[1, 1, 1, 0] with [1/4, 1/2, 1/4]: symbol 1 straddles the middle",
                 hint="pending bits: when quarter <= low and high < half + quarter, add 1 to "
                      "pending and subtract quarter; the next bit you emit is followed by "
                      "`pending` opposite bits (here 0 111, then 0, then the flush 01).")
    _encode_case(chk, [1], fixed(QUARTER), "80",
                 case="[1] with [1/4, 3/4]: the interval is [quarter, whole - 1], low exactly a quarter",
                 hint="flush with low < quarter (strictly): here low == quarter, so emit 1 and then "
                      "`pending` 0s (bits 1 0 -> 0x80).")
    _encode_case(chk, [0, 0, 0], fixed(RARE), "00000000000040",
                 case="[0, 0, 0] where symbol 0 has probability 1/65536",
                 hint="a rare symbol narrows the interval to 1/65536 of its width: emit all the "
                      "bits it forces (16 per symbol here) in the renormalisation loop.")
    _encode_case(chk, [3, 0, 4, 4, 1], order1, "f35080",
                 case="[3, 0, 4, 4, 1] with a model that depends on the previous symbol",
                 hint="call model(history) with the symbols coded BEFORE the current one "
                      "(start with [], append s after coding it).")
    got = chk.run(lcg_text(3000), order1)
    chk.equal((len(got), hashlib.sha256(got).hexdigest()), LONG_3000,
              case="a long text (3000 symbols, order-1 model): length and SHA-256 of the bytes",
              hint="if the short cases pass, suspect precision: keep low, high and span as Python "
                   "integers and divide with //, never / (floats drift after a few dozen bits).")
    chk.passed()


@guarded
def decode(learner_decode):
    """Decode bytes made by the reference coder."""
    chk = Check("decode", learner_decode, returns=list[int])
    chk.returns((bytes.fromhex("40"), 0, fixed(HALVES)), [], case="b'\\x40', 0 symbols",
                hint="value starts as the first 32 bits, but the data may be shorter: past the "
                     "end of the data, read 0 bits.")
    chk.returns((bytes.fromhex("20"), 1, fixed(HALVES)), [0], case="b'\\x20', 1 symbol, [1/2, 1/2]",
                hint="past the end of the data read 0 bits; the symbol is the s with "
                     "cum[s] <= target < cum[s + 1].")
    chk.returns((bytes.fromhex("80"), 1, fixed(HALVES)), [1],
                case="b'\\x80', 1 symbol, [1/2, 1/2]: value is exactly where symbol 1 begins",
                hint="target = ((value - low + 1) * total - 1) // span, and s is the LAST symbol "
                     "with cum[s] <= target (bisect_right(cum, target) - 1).")
    chk.returns((bytes.fromhex("72"), 4, fixed(MIDDLE)), [1, 1, 1, 0],
                case="b'\\x72', 4 symbols, [1/4, 1/2, 1/4]: the middle case",
                hint="in the middle case subtract quarter from value too (and half, when you "
                     "subtract half from low and high): value must move with low.")
    chk.returns_exactly((bytes.fromhex("50"), 3, fixed(QUARTER)), [1, 0, 1],
                        case="b'\\x50', 3 symbols, [1/4, 3/4]: low lands exactly on a quarter",
                        hint="the cases compare with >= and <: low >= quarter and high < half + "
                             "quarter, exactly as the encoder does.")
    chk.returns((bytes.fromhex("00000000000040"), 3, fixed(RARE)), [0, 0, 0],
                case="symbol 0 with probability 1/65536, three times",
                hint="after each case double value and add the next bit, as you double low.")
    chk.returns((bytes.fromhex("f35080"), 5, order1), [3, 0, 4, 4, 1],
                case="5 symbols, a model that depends on the previous symbol",
                hint="call model(history) with the symbols decoded so far (start with []).")
    chk.returns((LONG_600, 600, order1), lcg_text(600), case="600 symbols, order-1 model",
                hint="target = ((value - low + 1) * total - 1) // span; s = bisect_right(cum, "
                     "target) - 1; then narrow and renormalise exactly as the encoder does.")
    chk.passed()


@guarded
def mdl_total(learner_mdl_total):
    """Payload plus model, per character."""
    chk = Check("mdl_total", learner_mdl_total, returns=float)
    chk.returns((800.0, 0, 400), 2.0, case="800 payload bits, no model, 400 characters",
                hint="per character: divide the total bits by n_chars.")
    chk.returns((0.0, 10, 10), 8.0, case="0 payload bits, a 10-byte model, 10 characters",
                hint="the receiver needs the model too: add the model's size in bits, "
                     "8 * model_bytes.")
    chk.returns((1000.0, 25, 100), 12.0, case="1000 payload bits, a 25-byte model, 100 characters",
                hint="(payload_bits + 8 * model_bytes) / n_chars.")
    chk.passed()


@guarded
def area_under_loss(learner_area_under_loss):
    """Sum of losses, in bits, times characters per step."""
    chk = Check("area_under_loss", learner_area_under_loss, returns=float)
    chk.returns((np.array([math.log(2)]), 1), 1.0, case="one step, loss ln 2 nats, 1 character",
                hint="the losses are in nats: divide by ln 2 (np.log(2)) for bits.")
    chk.returns((np.array([math.log(2), 2 * math.log(2)]), 10), 30.0,
                case="two steps (1 and 2 bits per character), 10 characters each",
                hint="every character of every step costs loss / ln 2 bits: add up over the steps "
                     "(a sum, not a mean) and multiply by chars_per_step.")
    chk.passed()
