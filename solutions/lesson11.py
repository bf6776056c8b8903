"""Lesson 11 — prediction is compression.

Conventions: a text is a list of integer symbol ids 0 .. V-1. A model is a function
`model(history) -> cum`: given the list of symbols already coded (oldest first), it returns
the next symbol's cumulative integer frequencies, a list of V + 1 ints with cum[0] == 0 and
cum[V] == total; symbol s owns the cum[s + 1] - cum[s] >= 1 integers from cum[s] up to
cum[s + 1] - 1, so its probability is (cum[s + 1] - cum[s]) / total.
"""

from bisect import bisect_right
from collections.abc import Callable

import numpy as np


def code_length(probs: np.ndarray) -> float:
    """The total number of bits an ideal code spends on a text: the sum of -log2 p.

    probs: (n,) the probability the model gave to each symbol that actually came, one per
    position of the text. A symbol predicted with probability p costs -log2 p bits.
    Returns a float (0.0 for an empty array).
    """
    return float(-np.log2(probs).sum())


def bits_per_char(n_bytes: int, n_chars: int) -> float:
    """The size of a compressed text in bits per character of the original.

    n_bytes: the size of the compressed data in bytes (8 bits each); n_chars: the number of
    characters of the text it encodes. Returns a float.
    """
    return 8 * n_bytes / n_chars


def context_counts(ids: np.ndarray, order: int, vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Count which symbol follows each context of `order` symbols (an order-k counting model).

    ids: (n,) integer symbol ids in 0 .. vocab_size-1. Put `order` zeros in front of the text,
    so that every position i has a context: the `order` ids just before it. Read a context as
    a number written in base vocab_size, most recent symbol last:
        context = ((c_1 * V + c_2) * V + ...) * V + c_order     (c_order = the id just before i).
    order = 0 has the single context 0.
    Returns
        contexts: (m,) the distinct contexts that occur, sorted increasingly (np.unique);
        counts: (m, vocab_size) integers; counts[j, s] = how many times symbol s follows
            context contexts[j]. counts.sum() == n.
    """
    padded = np.concatenate([np.zeros(order, dtype=np.int64), np.asarray(ids, dtype=np.int64)])
    n = len(ids)
    context = np.zeros(n, dtype=np.int64)  # (n,)
    for j in range(order):
        context = context * vocab_size + padded[j:j + n]  # the id `order - j` places back
    contexts, row = np.unique(context, return_inverse=True)  # row[i]: which context position i has
    counts = np.zeros((len(contexts), vocab_size), dtype=np.int64)
    np.add.at(counts, (row, padded[order:]), 1)  # repeated (row, symbol) pairs all add up
    return contexts, counts


def frequencies(counts: np.ndarray, alpha: float, total: int = 2**16) -> np.ndarray:
    """Turn counts into the integer cumulative frequencies an arithmetic coder needs.

    counts: (m, V) counts per context (a context never seen is a row of zeros).
    1. Smooth: p = (counts + alpha) / (its row sum + alpha * V), so that no symbol gets p = 0.
    2. Quantise: freq = 1 + floor(p * (total - V)), integers, every one >= 1; then add what is
       left over, total - (row sum of freq), to the largest freq of the row (the first one
       if there is a tie), so that every row sums to exactly `total`.
    3. Accumulate: cum = [0, freq_0, freq_0 + freq_1, ..., total].
    Returns cum: (m, V + 1) int64, each row starting at 0 and ending at total.
    """
    smoothed = counts + alpha  # (m, V)
    p = smoothed / smoothed.sum(axis=-1, keepdims=True)
    V = counts.shape[-1]
    freq = 1 + np.floor(p * (total - V)).astype(np.int64)  # (m, V), each >= 1
    rows = np.arange(len(freq))
    freq[rows, freq.argmax(axis=-1)] += total - freq.sum(axis=-1)  # rows now sum to total
    zeros = np.zeros((len(freq), 1), dtype=np.int64)
    return np.concatenate([zeros, np.cumsum(freq, axis=-1)], axis=-1)


def encode(symbols: list[int], model: Callable[[list[int]], list[int]]) -> bytes:
    """Arithmetic-code `symbols` with the probabilities of `model`: 32-bit integers, no floats.

    symbols: the text as a list of ids. model(history) -> cum, see the module's conventions;
    call it with `history`, the list of the symbols coded so far (start with [], append each
    symbol after coding it). With whole = 2**32, half = 2**31, quarter = 2**30:
    start with low = 0, high = whole - 1, pending = 0 and an empty list of bits. For each s:
        span = high - low + 1
        high = low + span * cum[s + 1] // total - 1;  low = low + span * cum[s] // total
        then repeat until none of the three cases applies:
          high < half:   emit 0 (then `pending` 1s, and set pending = 0)
          low >= half:   emit 1 (then `pending` 0s, and set pending = 0); low -= half; high -= half
          quarter <= low and high < half + quarter:  pending += 1; low -= quarter; high -= quarter
          and after each case: low = 2 * low; high = 2 * high + 1.
    Flush at the end: pending += 1, then emit 0 (then `pending` 1s) if low < quarter, else emit
    1 (then `pending` 0s). Pack the bits into bytes, first bit = most significant bit of the
    first byte, the last byte padded with 0s: np.packbits(np.array(bits, dtype=np.uint8)).tobytes().
    Returns the compressed bytes.
    """
    whole = 1 << 32
    half, quarter = whole >> 1, whole >> 2
    low, high, pending = 0, whole - 1, 0
    bits: list[int] = []
    history: list[int] = []
    for s in symbols:
        cum = model(history)  # the prediction for this position, from the symbols before it
        total = cum[-1]  # what the frequencies add up to
        span = high - low + 1  # how many integers [low, high] holds
        low, high = low + span * cum[s] // total, low + span * cum[s + 1] // total - 1  # s's slot
        while True:
            if high < half:  # the interval is in the lower half: the next bit is 0
                bits.append(0)
                bits.extend([1] * pending)
                pending = 0
            elif low >= half:  # in the upper half: the next bit is 1
                bits.append(1)
                bits.extend([0] * pending)
                pending = 0
                low, high = low - half, high - half
            elif low >= quarter and high < half + quarter:  # straddles the middle: decide later
                pending += 1
                low, high = low - quarter, high - quarter
            else:
                break
            low, high = 2 * low, 2 * high + 1
        history.append(s)
    pending += 1  # flush: two more bits (and the pending ones) pin down a point of [low, high]
    bits.append(0 if low < quarter else 1)
    bits.extend([1 if low < quarter else 0] * pending)
    return np.packbits(np.array(bits, dtype=np.uint8)).tobytes()


def decode(data: bytes, n_symbols: int, model: Callable[[list[int]], list[int]]) -> list[int]:
    """Decode `n_symbols` symbols from the bytes `encode` made, with the same model.

    Unpack the bits (np.unpackbits(np.frombuffer(data, dtype=np.uint8))); past the end of the
    data, read 0s. value = the first 32 bits as an integer; low = 0, high = 2**32 - 1. For each
    of the n_symbols steps, with cum = model(history) (history = the symbols decoded so far):
        span = high - low + 1
        target = ((value - low + 1) * total - 1) // span
        s = the symbol with cum[s] <= target < cum[s + 1]   (bisect.bisect_right(cum, target) - 1)
        narrow low and high exactly as `encode` does, then repeat the same three cases, doing
        to `value` what is done to low (subtract half, or quarter) and after each case
        value = 2 * value + the next bit.
    Returns the list of decoded symbols.
    """
    whole = 1 << 32
    half, quarter = whole >> 1, whole >> 2
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8)).tolist()
    bits += [0] * 32  # past the end of the data: 0s
    value = 0
    for bit in bits[:32]:
        value = 2 * value + bit
    position = 32
    low, high = 0, whole - 1
    history: list[int] = []
    for _ in range(n_symbols):
        cum = model(history)  # the same prediction the encoder had at this position
        total = cum[-1]  # what the frequencies add up to
        span = high - low + 1  # how many integers [low, high] holds
        target = ((value - low + 1) * total - 1) // span  # value, on the scale of cum
        s = bisect_right(cum, target) - 1  # the symbol whose slot holds target
        low, high = low + span * cum[s] // total, low + span * cum[s + 1] // total - 1
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


def mdl_total(payload_bits: float, model_bytes: int, n_chars: int) -> float:
    """The minimum-description-length cost of a text, in bits per character.

    A receiver who has nothing must get both the model (model_bytes bytes) and the text
    coded with it (payload_bits bits). n_chars: the length of the text.
    Returns (payload bits + model bits) / n_chars.
    """
    return (payload_bits + 8 * model_bytes) / n_chars


def area_under_loss(losses: np.ndarray, chars_per_step: int) -> float:
    """The bits needed to send the training data with a model that learns as it goes.

    losses: (n_steps,) the training loss of each step, in nats per character (PyTorch's
    cross-entropy), each measured on a batch BEFORE the step that learns from it.
    chars_per_step: how many characters each step's batch predicts.
    Every character of a batch costs loss / ln 2 bits. Returns the total over all steps, in bits.
    """
    return float(np.sum(losses) * chars_per_step / np.log(2))
