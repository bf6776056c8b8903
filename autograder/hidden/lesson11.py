"""Hidden tests for lesson 11: random texts and models, compared with the reference."""

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check, run_through
from helpers.checking import guarded
from solutions import lesson11 as reference

#: Tables whose intervals start or end exactly on the coder's edges (a quarter, a half, three
#: quarters), where < and <= part: with total 2**32 - 1, symbol 0 of the last table ends at
#: high == half, symbol 1 of the two before starts at low == quarter and ends at 3 quarters.
EDGE_TABLES = [[0, 16384, 65536], [0, 49152, 65536], [0, 16384, 49152, 65536],
               [0, 16384, 32768, 49152, 65536], [0, 2**30, 3 * 2**30, 2**32 - 1],
               [0, 2**30, 3 * 2**30 + 1, 2**32 - 1], [0, 2**31 + 1, 2**32 - 1]]


def _random_model(rng: np.random.Generator):
    """An order-1 model over V random symbols with random integer frequencies, some of them 1."""
    V = int(rng.integers(2, 9))
    total = int(rng.choice([2**16, 2**16 - 3, 1000, 2**12, 8, 12]))  # small totals: exact edges
    tables = []
    for _ in range(V):
        freq = np.ones(V, dtype=np.int64)
        weights = rng.dirichlet(np.full(V, 0.5))
        freq += np.floor(weights * (total - V)).astype(np.int64)
        freq[int(rng.integers(V))] += total - freq.sum()
        tables.append([0, *np.cumsum(freq).tolist()])

    def model(history):
        return tables[history[-1] if history else 0]

    return V, model


def _random_text(rng: np.random.Generator, V: int) -> list[int]:
    n = int(rng.choice([0, 1, 2, int(rng.integers(3, 40)), int(rng.integers(200, 1500))]))
    return rng.integers(0, V, size=n).tolist()


def _texts_and_models(seed: int):
    """(case, symbols, model): 12 random models and texts, then a short text for each edge table."""
    rng = np.random.default_rng(seed)
    for trial in range(1, 13):
        V, model = _random_model(rng)
        symbols = _random_text(rng, V)
        yield f"hidden random text {trial} ({len(symbols)} symbols, {V}-symbol model)", symbols, model
    for i, table in enumerate(EDGE_TABLES, 1):
        V, model = len(table) - 1, _fixed(table)
        for first in range(V):  # each symbol first, when the interval is still the whole range,
            rest = rng.integers(0, V, size=int(rng.integers(1, 12))).tolist()
            for symbols in ([first], [first, *rest]):  # alone (later symbols can hide a slip)
                yield f"hidden edge case {i}.{first + 1} ({len(symbols)} symbols, intervals that " \
                      "start or end exactly on a quarter or a half)", symbols, model


def _small_tables(seed: int, n: int = 3000) -> list[tuple[list[int], list[int]]]:
    """n (cum, symbols) pairs: a fixed table of 2 to 4 symbols with a small total (3 to 16,
    or 1000), where slots often start or end exactly on the coder's edges, and a short text."""
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(n):
        total = int(rng.choice([3, 4, 5, 6, 7, 8, 10, 12, 16, 1000]))
        V = int(rng.integers(2, min(4, total) + 1))
        cuts = sorted((rng.choice(total - 1, size=V - 1, replace=False) + 1).tolist())
        cum = [0, *cuts, total]
        pairs.append((cum, rng.integers(0, V, size=int(rng.integers(1, 12))).tolist()))
    return pairs


def _fixed(cum: list[int]):
    """A model that predicts `cum` every time."""

    def model(history):
        return cum

    return model


def _encode_each(encode, pairs):
    """encode(symbols, a model predicting cum every time) for each (cum, symbols) pair."""
    return [encode(symbols, _fixed(cum)) for cum, symbols in pairs]


def _decode_each(decode, triples):
    """decode(data, n, a model predicting cum every time) for each (cum, data, n) triple."""
    return [decode(data, n, _fixed(cum)) for cum, data, n in triples]


@guarded
def code_length(learner_code_length):
    agrees_with_reference(hidden_check("code_length", learner_code_length), reference.code_length,
                          lambda rng: (rng.uniform(0.001, 1.0, size=int(rng.integers(1, 50))),),
                          hint="the sum over all symbols of -log2 p, in bits.")


@guarded
def bits_per_char(learner_bits_per_char):
    agrees_with_reference(hidden_check("bits_per_char", learner_bits_per_char), reference.bits_per_char,
                          lambda rng: (int(rng.integers(1, 10**6)), int(rng.integers(1, 10**6))),
                          hint="8 * n_bytes / n_chars.")


@guarded
def context_counts(learner_context_counts):
    def args(rng):
        V = int(rng.integers(2, 7))
        return rng.integers(0, V, size=int(rng.integers(1, 300))), int(rng.integers(0, 4)), V

    agrees_with_reference(hidden_check("context_counts", learner_context_counts), reference.context_counts,
                          args, trials=8,
                          hint="pad with `order` zeros, read the `order` ids before each position "
                               "as a base-V number (most recent last), count with np.add.at.")


@guarded
def frequencies(learner_frequencies):
    def args(rng):
        m, V = int(rng.integers(1, 6)), int(rng.integers(2, 30))
        counts = rng.integers(0, 50, size=(m, V)) * (rng.random((m, V)) < 0.5)
        return counts, float(rng.choice([0.01, 0.1, 0.5, 1.0])), int(rng.choice([2**16, 2**10, 1000]))

    agrees_with_reference(hidden_check("frequencies", learner_frequencies), reference.frequencies, args,
                          trials=8, atol=0,
                          hint="smooth per row, freq = 1 + floor(p * (total - V)), leftover to the "
                               "largest freq (the first on ties), then a 0 and the running sum.")


@guarded
def encode(learner_encode):
    hint = ("follow the integer recipe exactly: narrow with //, the three renormalisation cases "
            "(high < half; low >= half; quarter <= low and high < half + quarter) with pending "
            "bits, the flush, np.packbits.")
    chk = hidden_check("encode", learner_encode, reference=reference.encode, crash_hint=hint)
    for case, symbols, model in _texts_and_models(seed=11):
        chk.equal(chk.call((symbols, model), case=case, hint=hint), reference.encode(symbols, model),
                  case=case, hint=hint)
    pairs = _small_tables(seed=11)
    got = run_through(chk, _encode_each, pairs)
    for i, (cum, symbols) in enumerate(pairs):
        chk.equal(got[i], reference.encode(symbols, _fixed(cum)), hint=hint,
                  case=f"hidden short text {i + 1} of {len(pairs)}, a table with a small total")
    chk.passed()


@guarded
def decode(learner_decode):
    hint = ("target = ((value - low + 1) * total - 1) // span, s = bisect_right(cum, target) - 1, "
            "narrow and renormalise as the encoder, moving value with low, reading 0s past the "
            "end of the data.")
    chk = hidden_check("decode", learner_decode, reference=reference.decode, crash_hint=hint)
    for case, symbols, model in _texts_and_models(seed=12):
        chk.equal(chk.call((reference.encode(symbols, model), len(symbols), model), case=case, hint=hint),
                  symbols, case=case, hint=hint)
    pairs = _small_tables(seed=12)
    got = run_through(chk, _decode_each, [(cum, reference.encode(symbols, _fixed(cum)), len(symbols))
                                         for cum, symbols in pairs])
    for i, (_, symbols) in enumerate(pairs):
        chk.equal(got[i], symbols, hint=hint,
                  case=f"hidden short text {i + 1} of {len(pairs)}, a table with a small total")
    chk.passed()


@guarded
def mdl_total(learner_mdl_total):
    agrees_with_reference(hidden_check("mdl_total", learner_mdl_total), reference.mdl_total,
                          lambda rng: (float(rng.uniform(0, 1e6)), int(rng.integers(0, 10**5)),
                                       int(rng.integers(1, 10**5))),
                          hint="(payload_bits + 8 * model_bytes) / n_chars.")


@guarded
def area_under_loss(learner_area_under_loss):
    agrees_with_reference(hidden_check("area_under_loss", learner_area_under_loss), reference.area_under_loss,
                          lambda rng: (rng.uniform(0.5, 5.0, size=int(rng.integers(1, 100))),
                                       int(rng.integers(1, 5000))),
                          hint="sum of the losses / ln 2, times chars_per_step.")
