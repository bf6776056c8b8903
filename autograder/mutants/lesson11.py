"""Wrong answers to lesson 11 that learners really write."""

from bisect import bisect_right

import numpy as np

from autograder.mutants import mutant


@mutant("code_length", "not np.log (nats)")
def code_length_in_nats(probs):
    return float(-np.log(probs).sum())


@mutant("code_length", "a sum, not a mean")
def code_length_mean(probs):
    return float(-np.log2(probs).mean()) if len(probs) else 0.0


@mutant("code_length", "keep the minus sign")
def code_length_negative(probs):
    return float(np.log2(probs).sum())


@mutant("bits_per_char", "a byte is 8 bits")
def bits_per_char_bytes(n_bytes, n_chars):
    return n_bytes / n_chars


@mutant("bits_per_char", "divide the bits by the number of characters")
def bits_per_char_inverted(n_bytes, n_chars):
    return n_chars / (8 * n_bytes)


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


@mutant("context_counts", "np.add.at")
def context_counts_fancy_increment(ids, order, vocab_size):
    padded = np.concatenate([np.zeros(order, dtype=np.int64), ids])
    n = len(ids)
    context = np.zeros(n, dtype=np.int64)
    for j in range(order):
        context = context * vocab_size + padded[j:j + n]
    contexts, row = np.unique(context, return_inverse=True)
    counts = np.zeros((len(contexts), vocab_size), dtype=np.int64)
    counts[row, ids] += 1
    return contexts, counts


@mutant("context_counts", "not including ids[i] itself")
def context_counts_includes_itself(ids, order, vocab_size):
    padded = np.concatenate([np.zeros(order, dtype=np.int64), ids])
    n = len(ids)
    context = np.zeros(n, dtype=np.int64)
    for j in range(order):
        context = context * vocab_size + padded[j + 1:j + 1 + n]
    contexts, row = np.unique(context, return_inverse=True)
    counts = np.zeros((len(contexts), vocab_size), dtype=np.int64)
    np.add.at(counts, (row, ids), 1)
    return contexts, counts


@mutant("context_counts", "most recent id LAST")
def context_counts_reversed_digits(ids, order, vocab_size):
    padded = np.concatenate([np.zeros(order, dtype=np.int64), ids])
    n = len(ids)
    context = np.zeros(n, dtype=np.int64)
    for j in range(order):
        context = context + padded[j:j + n] * vocab_size**j
    contexts, row = np.unique(context, return_inverse=True)
    counts = np.zeros((len(contexts), vocab_size), dtype=np.int64)
    np.add.at(counts, (row, ids), 1)
    return contexts, counts


@mutant("frequencies", "zero-frequency problem")
def frequencies_unsmoothed(counts, alpha, total=2**16):
    p = counts / np.maximum(counts.sum(axis=-1, keepdims=True), 1)
    freq = np.floor(p * total).astype(np.int64)
    freq[np.arange(len(freq)), freq.argmax(axis=-1)] += total - freq.sum(axis=-1)
    return np.concatenate([np.zeros((len(freq), 1), dtype=np.int64), np.cumsum(freq, axis=-1)], axis=-1)


@mutant("frequencies", "start each row with 0")
def frequencies_no_leading_zero(counts, alpha, total=2**16):
    p = (counts + alpha) / (counts + alpha).sum(axis=-1, keepdims=True)
    freq = 1 + np.floor(p * (total - counts.shape[-1])).astype(np.int64)
    freq[np.arange(len(freq)), freq.argmax(axis=-1)] += total - freq.sum(axis=-1)
    return np.cumsum(freq, axis=-1)


@mutant("frequencies", "rounding alone does not add up")
def frequencies_rounded(counts, alpha, total=2**16):
    p = (counts + alpha) / (counts + alpha).sum(axis=-1, keepdims=True)
    freq = np.maximum(np.round(p * total), 1).astype(np.int64)
    return np.concatenate([np.zeros((len(freq), 1), dtype=np.int64), np.cumsum(freq, axis=-1)], axis=-1)


@mutant("frequencies", "by its OWN sum")
def frequencies_global_sum(counts, alpha, total=2**16):
    p = (counts + alpha) / (counts + alpha).sum()
    p = p * len(counts)  # "normalised" over the whole table instead of per row
    freq = 1 + np.floor(p * (total - counts.shape[-1])).astype(np.int64)
    freq[np.arange(len(freq)), freq.argmax(axis=-1)] += total - freq.sum(axis=-1)
    return np.concatenate([np.zeros((len(freq), 1), dtype=np.int64), np.cumsum(freq, axis=-1)], axis=-1)


@mutant("encode", "divide with //, never /")
def encode_with_floats(symbols, model):
    whole = 1 << 32
    half, quarter = whole >> 1, whole >> 2
    low, high, pending = 0, whole - 1, 0
    bits = []
    history = []
    for s in symbols:
        cum = model(history)
        total = cum[-1]
        span = high - low + 1
        high = low + span * cum[s + 1] / total - 1
        low = low + span * cum[s] / total
        while True:
            if high < half:
                bits.append(0)
                bits.extend([1] * pending)
                pending = 0
            elif low >= half:
                bits.append(1)
                bits.extend([0] * pending)
                pending = 0
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


@mutant("encode", "finish with the flush")
def encode_without_flush(symbols, model):
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
                bits.extend([1] * pending)
                pending = 0
            elif low >= half:
                bits.append(1)
                bits.extend([0] * pending)
                pending = 0
                low, high = low - half, high - half
            elif low >= quarter and high < half + quarter:
                pending += 1
                low, high = low - quarter, high - quarter
            else:
                break
            low, high = 2 * low, 2 * high + 1
        history.append(s)
    return np.packbits(np.array(bits, dtype=np.uint8)).tobytes()


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


@mutant("decode", "subtract quarter from value too")
def decode_value_stays_put(data, n_symbols, model):
    whole = 1 << 32
    half, quarter = whole >> 1, whole >> 2
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8)).tolist() + [0] * 32
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
                low, high = low - quarter, high - quarter
            else:
                break
            low, high = 2 * low, 2 * high + 1
            value = 2 * value + (bits[position] if position < len(bits) else 0)
            position += 1
        history.append(s)
    return history


@mutant("decode", "bisect_right(cum, target) - 1")
def decode_search_stops_early(data, n_symbols, model):
    whole = 1 << 32
    half, quarter = whole >> 1, whole >> 2
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8)).tolist() + [0] * 32
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
        s = 0
        while cum[s + 1] < target:  # should be <=: the symbol whose range holds target
            s += 1
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
            value = 2 * value + (bits[position] if position < len(bits) else 0)
            position += 1
        history.append(s)
    return history


@mutant("mdl_total", "the receiver needs the model too")
def mdl_total_without_model(payload_bits, model_bytes, n_chars):
    return payload_bits / n_chars


@mutant("mdl_total", "8 * model_bytes")
def mdl_total_model_in_bytes(payload_bits, model_bytes, n_chars):
    return (payload_bits + model_bytes) / n_chars


@mutant("area_under_loss", "divide by ln 2")
def area_under_loss_in_nats(losses, chars_per_step):
    return float(np.sum(losses) * chars_per_step)


@mutant("area_under_loss", "a sum, not a mean")
def area_under_loss_mean(losses, chars_per_step):
    return float(np.mean(losses) * chars_per_step / np.log(2))


@mutant("context_counts", "asks for dtype int64")
def context_counts_in_floats(ids, order, vocab_size):
    padded = np.concatenate([np.zeros(order, dtype=np.int64), ids])
    n = len(ids)
    context = np.zeros(n, dtype=np.int64)
    for j in range(order):
        context = context * vocab_size + padded[j:j + n]
    contexts, row = np.unique(context, return_inverse=True)
    counts = np.zeros((len(contexts), vocab_size))
    np.add.at(counts, (row, padded[order:]), 1)
    return contexts, counts


@mutant("frequencies", "the FIRST of the largest")
def frequencies_leftover_to_the_last_tie(counts, alpha, total=2**16):
    p = (counts + alpha) / (counts + alpha).sum(axis=-1, keepdims=True)
    freq = 1 + np.floor(p * (total - counts.shape[-1])).astype(np.int64)
    freq[np.arange(len(freq)), np.argsort(freq, axis=-1, kind="stable")[:, -1]] += total - freq.sum(axis=-1)
    return np.concatenate([np.zeros((len(freq), 1), dtype=np.int64), np.cumsum(freq, axis=-1)], axis=-1)


@mutant("encode", "with low < quarter (strictly)")
def encode_flush_at_a_quarter(symbols, model):
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
                bits.extend([1] * pending)
                pending = 0
            elif low >= half:
                bits.append(1)
                bits.extend([0] * pending)
                pending = 0
                low, high = low - half, high - half
            elif low >= quarter and high < half + quarter:
                pending += 1
                low, high = low - quarter, high - quarter
            else:
                break
            low, high = 2 * low, 2 * high + 1
        history.append(s)
    pending += 1
    bits.append(0 if low <= quarter else 1)
    bits.extend([1 if low <= quarter else 0] * pending)
    return np.packbits(np.array(bits, dtype=np.uint8)).tobytes()
