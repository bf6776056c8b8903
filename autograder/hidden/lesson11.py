"""Hidden tests for lesson 11: random texts and models, compared with the reference."""

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check
from solutions import lesson11 as reference


def _random_model(rng: np.random.Generator):
    """An order-1 model over V random symbols with random integer frequencies, some of them 1."""
    V = int(rng.integers(2, 9))
    total = int(rng.choice([2**16, 2**16 - 3, 1000, 2**12]))
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


def code_length(code_length):
    agrees_with_reference(hidden_check("code_length", code_length), reference.code_length,
                          lambda rng: (rng.uniform(0.001, 1.0, size=int(rng.integers(1, 50))),),
                          hint="the sum over all symbols of -log2 p, in bits.")


def bits_per_char(bits_per_char):
    agrees_with_reference(hidden_check("bits_per_char", bits_per_char), reference.bits_per_char,
                          lambda rng: (int(rng.integers(1, 10**6)), int(rng.integers(1, 10**6))),
                          hint="8 * n_bytes / n_chars.")


def context_counts(context_counts):
    def args(rng):
        V = int(rng.integers(2, 7))
        return rng.integers(0, V, size=int(rng.integers(1, 300))), int(rng.integers(0, 4)), V

    agrees_with_reference(hidden_check("context_counts", context_counts), reference.context_counts,
                          args, trials=8,
                          hint="pad with `order` zeros, read the `order` ids before each position "
                               "as a base-V number (most recent last), count with np.add.at.")


def frequencies(frequencies):
    def args(rng):
        m, V = int(rng.integers(1, 6)), int(rng.integers(2, 30))
        counts = rng.integers(0, 50, size=(m, V)) * (rng.random((m, V)) < 0.5)
        return counts, float(rng.choice([0.01, 0.1, 0.5, 1.0])), int(rng.choice([2**16, 2**10, 1000]))

    agrees_with_reference(hidden_check("frequencies", frequencies), reference.frequencies, args,
                          trials=8, atol=0,
                          hint="smooth per row, freq = 1 + floor(p * (total - V)), leftover to the "
                               "largest freq (the first on ties), then a 0 and the running sum.")


def encode(encode):
    chk = hidden_check("encode", encode)
    rng = np.random.default_rng(11)
    for trial in range(1, 9):
        V, model = _random_model(rng)
        symbols = _random_text(rng, V)
        got = chk.run(symbols, model)
        chk.true(isinstance(got, bytes), case=f"hidden random text {trial}: the type",
                 hint="return bytes.")
        chk.equal(got, reference.encode(symbols, model),
                  case=f"hidden random text {trial} ({len(symbols)} symbols, {V}-symbol model)",
                  hint="follow the integer recipe exactly: narrow with //, the three "
                       "renormalisation cases with pending bits, the flush, np.packbits.")
    chk.passed()


def decode(decode):
    chk = hidden_check("decode", decode)
    rng = np.random.default_rng(12)
    for trial in range(1, 9):
        V, model = _random_model(rng)
        symbols = _random_text(rng, V)
        data = reference.encode(symbols, model)
        got = chk.run(data, len(symbols), model)
        chk.equal(list(map(int, got)), symbols,
                  case=f"hidden random text {trial} ({len(symbols)} symbols, {V}-symbol model)",
                  hint="target = ((value - low + 1) * total - 1) // span, s = bisect_right(cum, "
                       "target) - 1, narrow and renormalise as the encoder, moving value with "
                       "low, reading 0s past the end of the data.")
    chk.passed()


def mdl_total(mdl_total):
    agrees_with_reference(hidden_check("mdl_total", mdl_total), reference.mdl_total,
                          lambda rng: (float(rng.uniform(0, 1e6)), int(rng.integers(0, 10**5)),
                                       int(rng.integers(1, 10**5))),
                          hint="(payload_bits + 8 * model_bytes) / n_chars.")


def area_under_loss(area_under_loss):
    agrees_with_reference(hidden_check("area_under_loss", area_under_loss), reference.area_under_loss,
                          lambda rng: (rng.uniform(0.5, 5.0, size=int(rng.integers(1, 100))),
                                       int(rng.integers(1, 5000))),
                          hint="sum of the losses / ln 2, times chars_per_step.")
