"""Wrong answers to lesson 11 that learners really write."""

from bisect import bisect_right

import numpy as np

from autograder.mutants import mutant, replaced
from solutions.lesson11 import (
    area_under_loss,
    bits_per_char,
    code_length,
    context_counts,
    decode,
    encode,
    frequencies,
    mdl_total,
)

code_length_in_nats = replaced(code_length, "np.log2", "np.log", "not np.log (nats)")

code_length_mean = replaced(code_length, ".sum())", ".mean()) if len(probs) else 0.0", "a sum, not a mean")

code_length_negative = replaced(code_length, "-np.log2", "np.log2", "keep the minus sign")

bits_per_char_bytes = replaced(bits_per_char, "8 * n_bytes", "n_bytes", "a byte is 8 bits")

bits_per_char_inverted = replaced(bits_per_char, "8 * n_bytes / n_chars", "n_chars / (8 * n_bytes)",
                                  "divide the bits by the number of characters")


@mutant("context_counts", "put `order` zeros in front")
def context_counts_no_padding(ids, order, vocab_size):
    n = len(ids) - order
    context = np.zeros(n, dtype=np.int64)
    for j in range(order):
        context = context * vocab_size + ids[j:j + n]
    contexts, row = np.unique(context, return_inverse=True)
    counts = np.zeros((len(contexts), vocab_size), dtype=np.int64)
    np.add.at(counts, (row, ids[order:]), 1)
    return contexts, counts


context_counts_fancy_increment = replaced(context_counts, "np.add.at(counts, (row, padded[order:]), 1)",
                                          "counts[row, padded[order:]] += 1", "np.add.at")

context_counts_includes_itself = replaced(context_counts, "padded[j:j + n]", "padded[j + 1:j + 1 + n]",
                                          "not including ids[i] itself")

context_counts_reversed_digits = replaced(context_counts, "context * vocab_size + padded[j:j + n]",
                                          "context + padded[j:j + n] * vocab_size**j", "most recent id LAST")


@mutant("frequencies", "zero-frequency problem")
def frequencies_unsmoothed(counts, alpha, total=2**16):
    p = counts / np.maximum(counts.sum(axis=-1, keepdims=True), 1)
    freq = np.floor(p * total).astype(np.int64)
    freq[np.arange(len(freq)), freq.argmax(axis=-1)] += total - freq.sum(axis=-1)
    return np.concatenate([np.zeros((len(freq), 1), dtype=np.int64), np.cumsum(freq, axis=-1)], axis=-1)


frequencies_no_leading_zero = replaced(
    frequencies, "np.concatenate([zeros, np.cumsum(freq, axis=-1)], axis=-1)", "np.cumsum(freq, axis=-1)",
    "start each row with 0")


@mutant("frequencies", "rounding alone does not add up")
def frequencies_rounded(counts, alpha, total=2**16):
    p = (counts + alpha) / (counts + alpha).sum(axis=-1, keepdims=True)
    freq = np.maximum(np.round(p * total), 1).astype(np.int64)
    return np.concatenate([np.zeros((len(freq), 1), dtype=np.int64), np.cumsum(freq, axis=-1)], axis=-1)


frequencies_global_sum = replaced(frequencies, "smoothed / smoothed.sum(axis=-1, keepdims=True)",
                                  "smoothed / smoothed.sum() * len(counts)", "by its OWN sum")

encode_with_floats = replaced(
    encode, "low + span * cum[s] // total, low + span * cum[s + 1] // total - 1",
    "low + span * cum[s] / total, low + span * cum[s + 1] / total - 1", "divide with //, never /")

encode_without_flush = replaced(
    encode, "pending += 1  # flush: two more bits (and the pending ones) pin down a point of [low, high]\n"
            "    bits.append(0 if low < quarter else 1)\n"
            "    bits.extend([1 if low < quarter else 0] * pending)\n",
    "", "finish with the flush")


@mutant("encode", "followed by `pending` opposite bits")
def encode_forgets_pending(symbols, model):
    whole = 1 << 32
    half, quarter = whole >> 1, whole >> 2
    low, high, pending = 0, whole - 1, 0
    bits = []
    history = []
    for s in symbols:
        cum = model(history)
        total = cum[-1]
        span = high - low + 1
        high = low + span * cum[s + 1] // total - 1
        low = low + span * cum[s] // total
        while True:
            if high < half:
                bits.append(0)
            elif low >= half:
                bits.append(1)
                low, high = low - half, high - half
            elif low >= quarter and high < half + quarter:
                pending += 1
                low, high = low - quarter, high - quarter
            else:
                break
            low, high = 2 * low, 2 * high + 1
        history.append(s)
    pending += 1
    bits.append(0 if low < quarter else 1)
    bits.extend([1 if low < quarter else 0] * pending)
    return np.packbits(np.array(bits, dtype=np.uint8)).tobytes()


@mutant("decode", "past the end of the data, read 0 bits")
def decode_runs_off_the_end(data, n_symbols, model):
    whole = 1 << 32
    half, quarter = whole >> 1, whole >> 2
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8)).tolist()
    value = 0
    for i in range(32):
        value = 2 * value + bits[i]
    position = 32
    low, high = 0, whole - 1
    history = []
    for _ in range(n_symbols):
        cum = model(history)
        total = cum[-1]
        span = high - low + 1
        target = ((value - low + 1) * total - 1) // span
        s = bisect_right(cum, target) - 1
        high = low + span * cum[s + 1] // total - 1
        low = low + span * cum[s] // total
        while True:
            if high < half:
                pass
            elif low >= half:
                low, high, value = low - half, high - half, value - half
            elif low >= quarter and high < half + quarter:
                low, high, value = low - quarter, high - quarter, value - quarter
            else:
                break
            low, high = 2 * low, 2 * high + 1
            value = 2 * value + bits[position]
            position += 1
        history.append(s)
    return history


decode_value_stays_put = replaced(
    decode, "low, high, value = low - quarter, high - quarter, value - quarter",
    "low, high = low - quarter, high - quarter", "subtract quarter from value too")

decode_search_stops_early = replaced(
    decode, "s = bisect_right(cum, target) - 1",
    "s = 0\n"
    "        while cum[s + 1] < target:  # should be <=: the symbol whose range holds target\n"
    "            s += 1",
    "bisect_right(cum, target) - 1")

mdl_total_without_model = replaced(mdl_total, "(payload_bits + 8 * model_bytes)", "payload_bits",
                                   "the receiver needs the model too")

mdl_total_model_in_bytes = replaced(mdl_total, "8 * model_bytes", "model_bytes", "8 * model_bytes")

area_under_loss_in_nats = replaced(area_under_loss, " / np.log(2)", "", "divide by ln 2")

area_under_loss_mean = replaced(area_under_loss, "np.sum(losses)", "np.mean(losses)", "a sum, not a mean")

context_counts_in_floats = replaced(context_counts, "vocab_size), dtype=np.int64)", "vocab_size))",
                                    "asks for dtype int64")

frequencies_leftover_to_the_last_tie = replaced(frequencies, "freq.argmax(axis=-1)",
                                                'np.argsort(freq, axis=-1, kind="stable")[:, -1]',
                                                "the FIRST of the largest")

encode_flush_at_a_quarter = replaced(
    encode, "0 if low < quarter else 1)\n    bits.extend([1 if low < quarter",
    "0 if low <= quarter else 1)\n    bits.extend([1 if low <= quarter", "with low < quarter (strictly)")
