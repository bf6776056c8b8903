"""Lesson 11's machinery around the exercises: models for the coder, the compressors, timing.

Nothing here codes a symbol: the arithmetic coder, the counts and the frequency tables are
the learner's exercises, passed in as functions where they are needed.

A *model* is a function `model(history) -> cum`: from the list of symbols coded so far it
returns the next symbol's cumulative integer frequencies (a list of V + 1 ints, cum[0] == 0).
"""

from __future__ import annotations

import bz2
import lzma
import time
import zlib
from collections.abc import Callable, Sequence

import numpy as np
import torch

from helpers.gpt import scored_windows
from helpers.text import VOCAB, load_corpus, split_corpus

#: Bytes our compressed file spends on its header: the number of characters, as 4 bytes.
HEADER_BYTES = 4
#: Deflate (gzip, zlib) can look back at most 32 KiB, so that is all the priming it can use.
DEFLATE_WINDOW = 32 * 1024


#: The largest total a 32-bit coder can take: every symbol keeps a slot of at least 1.
MAX_TOTAL = 2**30


def usable_tables(cum: np.ndarray) -> np.ndarray:
    """`cum` if a 32-bit arithmetic coder can use it, else a ValueError that says why.

    Each row must start at 0, rise by at least 1 per symbol (no frequency 0) and end at a
    total of at most 2**30. A table that breaks these rules makes a coder fail or loop forever.
    """
    cum = np.asarray(cum)
    if cum.ndim != 2 or cum.shape[-1] < 2:
        raise ValueError(f"expected cumulative frequencies of shape (m, V + 1), got shape {cum.shape}")
    if (cum[:, 0] != 0).any():
        raise ValueError("every row of cumulative frequencies must start at 0: fix `frequencies` first")
    if (np.diff(cum, axis=-1) < 1).any():
        raise ValueError("some symbol has frequency 0 (or less), so it could never be coded: "
                         "fix `frequencies` first (exercise 4)")
    if (cum[:, -1] > MAX_TOTAL).any():
        raise ValueError(f"a total above 2**30 ({int(cum[:, -1].max()):,}) is too large for a 32-bit "
                         "coder: fix `frequencies` first (exercise 4)")
    return cum


class CountingModel:
    """An order-k counting model, ready for the coder: a table lookup per call.

    contexts: (m,) the sorted context numbers seen in training; cum: (m, V + 1) their
    cumulative frequencies; unseen: (V + 1,) the frequencies for a context never seen.
    The context of a history is its last `order` symbols read as a base-V number, with
    missing symbols (at the start of a text) read as 0, as `context_counts` pads.
    """

    def __init__(self, contexts: np.ndarray, cum: np.ndarray, unseen: np.ndarray, order: int) -> None:
        cum, unseen = usable_tables(cum), usable_tables(np.asarray(unseen)[None, :])[0]
        self.order = order
        self.vocab_size = cum.shape[-1] - 1
        # Python lists and a dict: far faster than numpy for one lookup at a time.
        self.table = dict(zip(np.asarray(contexts).tolist(), np.asarray(cum).tolist()))
        self.unseen = np.asarray(unseen).tolist()

    def context(self, history: list[int]) -> int:
        number = 0
        for symbol in history[max(len(history) - self.order, 0):] if self.order else ():
            number = number * self.vocab_size + symbol
        return number

    def __call__(self, history: list[int]) -> list[int]:
        return self.table.get(self.context(history), self.unseen)

    def probabilities(self, ids: np.ndarray) -> np.ndarray:
        """(n,) the probability the model gives each symbol of `ids`, all at once (numpy)."""
        ids = np.asarray(ids, dtype=np.int64)
        padded = np.concatenate([np.zeros(self.order, dtype=np.int64), ids])
        context = np.zeros(len(ids), dtype=np.int64)
        for j in range(self.order):
            context = context * self.vocab_size + padded[j:j + len(ids)]
        contexts = np.array(list(self.table), dtype=np.int64)
        cum = np.array(list(self.table.values()), dtype=np.int64).reshape(len(contexts), -1)
        order = np.argsort(contexts)
        contexts, cum = contexts[order], cum[order]
        row = np.clip(np.searchsorted(contexts, context), 0, len(contexts) - 1)
        seen = contexts[row] == context
        rows = np.where(seen[:, None], cum[row], np.asarray(self.unseen)[None, :])  # (n, V + 1)
        picked = np.arange(len(ids))
        return (rows[picked, ids + 1] - rows[picked, ids]) / rows[picked, -1]


def corpus_ids() -> tuple[str, np.ndarray, np.ndarray, str, str]:
    """The course's text as symbol ids: (vocab, train_ids, held_out_ids, train, held_out).

    vocab: `VOCAB`, the 96 characters every GPT of the course reads (printable ASCII and the
    newline, sorted: "\\n" first, so id 0 is a newline).
    """
    train, held_out = split_corpus(load_corpus())
    vocab = VOCAB
    index = {ch: i for i, ch in enumerate(vocab)}
    as_ids = lambda part: np.array([index[ch] for ch in part], dtype=np.int64)  # noqa: E731
    return vocab, as_ids(train), as_ids(held_out), train, held_out


def compressor_sizes(train: bytes, held_out: bytes) -> dict[str, dict[str, int]]:
    """Bytes that gzip (deflate), bz2 and xz need for `held_out`, alone and primed with `train`.

    alone:  compress(held_out), headers included.
    primed: what held_out costs for a compressor that has already read the training text.
        deflate: its dictionary (zdict) preset to the last 32 KiB of train, all it can see;
        bz2, xz: size(compress(train + held_out)) - size(compress(train)), the extra bytes
        that the held-out text adds to a file that starts with the training text.
    """
    methods = {
        "gzip": lambda data: zlib.compress(data, 9),
        "bz2": lambda data: bz2.compress(data, 9),
        "xz": lambda data: lzma.compress(data, preset=9),
    }
    sizes = {name: {"alone": len(squeeze(held_out))} for name, squeeze in methods.items()}
    primer = zlib.compressobj(9, zdict=train[-DEFLATE_WINDOW:])
    sizes["gzip"]["primed"] = len(primer.compress(held_out) + primer.flush())
    for name in ("bz2", "xz"):
        squeeze = methods[name]
        sizes[name]["primed"] = len(squeeze(train + held_out)) - len(squeeze(train))
    return sizes


def table_bytes(contexts: np.ndarray, counts: np.ndarray) -> int:
    """An honest size for an order-k count table: its nonzero counts, written out and xz-ed.

    Written as four arrays of 32-bit integers (the gaps between context numbers, how many
    symbols each context has, which symbols, their counts), then compressed with xz. A cleverer
    format could shave some of it, but not most of it.
    """
    row, symbol = np.nonzero(counts)
    parts = [np.diff(contexts, prepend=0), np.bincount(row, minlength=len(contexts)), symbol,
             counts[row, symbol]]
    return len(lzma.compress(np.concatenate(parts).astype(np.uint32).tobytes(), preset=9))


def time_coder(
    encode: Callable, decode: Callable, model: Callable[[list[int]], list[int]], symbols: list[int],
) -> dict[str, float]:
    """Encode and decode `symbols` once each; returns sizes, seconds and characters per second.

    Keys: n_chars, n_bytes, encode_seconds, decode_seconds, encode_chars_per_second,
    decode_chars_per_second, round_trip (1.0 when decode gave back exactly `symbols`, else 0.0),
    and the results themselves: data (the bytes) and decoded (the list decode returned).
    """
    start = time.perf_counter()
    data = encode(symbols, model)
    middle = time.perf_counter()
    back = decode(data, len(symbols), model)
    end = time.perf_counter()
    n = len(symbols)
    return {"n_chars": n, "n_bytes": len(data), "encode_seconds": middle - start,
            "decode_seconds": end - middle,
            "encode_chars_per_second": n / max(middle - start, 1e-9),
            "decode_chars_per_second": n / max(end - middle, 1e-9),
            "round_trip": float(list(back) == list(symbols)), "data": data, "decoded": list(back)}


def coder_benchmark(encode: Callable, decode: Callable, context_counts: Callable,
                    frequencies: Callable, order: int = 3, alpha: float = 0.05) -> dict:
    """Lesson 11's speed figure: an order-`order` counting model trained on the training text
    codes the held-out text (about 46,000 characters); see `time_coder` for the keys."""
    vocab, train_ids, held_out_ids, _, _ = corpus_ids()
    contexts, counts = context_counts(train_ids, order, len(vocab))
    cum = frequencies(counts, alpha)
    unseen = frequencies(np.zeros((1, len(vocab))), alpha)[0]
    model = CountingModel(contexts, cum, unseen, order)
    return time_coder(encode, decode, model, held_out_ids.tolist())


def draw_zoom(model: Callable[[list[int]], list[int]], ids: list[int], vocab: str, ax,
              label_above: float = 0.04) -> None:
    """Arithmetic coding as repeated zooming: row i is the interval left after i symbols,
    stretched to full width and cut into one slot per symbol, in proportion to its
    probability; the slot of the symbol that comes is coloured, and the next row zooms into it.
    """
    from matplotlib.patches import Polygon, Rectangle

    width = 1.0  # the true width of the current interval (for the label)
    for row, symbol in enumerate(ids):
        cum = np.asarray(model(list(ids[:row])), dtype=float)
        edges = cum / cum[-1]  # (V + 1,) slot boundaries on [0, 1]
        y = -1.6 * row
        for s in range(len(edges) - 1):
            left, right = edges[s], edges[s + 1]
            chosen = s == symbol
            ax.add_patch(Rectangle((left, y), right - left, 1, facecolor="C1" if chosen else "white",
                                   edgecolor="grey", linewidth=0.4))
            if right - left >= label_above or chosen:
                ax.text((left + right) / 2, y + 0.5, repr(vocab[s])[1:-1], ha="center", va="center",
                        fontsize=10, fontweight="bold" if chosen else "normal")
        p = edges[symbol + 1] - edges[symbol]
        width *= p
        ax.text(1.02, y + 0.5, f"p = {p:.3f}   width = 2^{np.log2(width):.1f}", va="center", fontsize=10)
        if row + 1 < len(ids):  # the zoom: the chosen slot becomes the whole next row
            ax.add_patch(Polygon([(edges[symbol], y), (edges[symbol + 1], y), (1, y - 0.6), (0, y - 0.6)],
                                 closed=True, facecolor="C1", alpha=0.15, edgecolor="none"))
    ax.set_xlim(0, 1.45)
    ax.set_ylim(-1.6 * len(ids) + 0.4, 1.2)
    ax.set_yticks([-1.6 * i + 0.5 for i in range(len(ids))],
                  [f"after {repr(''.join(vocab[s] for s in ids[:i]))}" for i in range(len(ids))])
    ax.set_xticks([0, 0.5, 1])
    ax.spines[["top", "right", "left"]].set_visible(False)


class GPTCoder:
    """A GPT as a model for the coder, reading the text through windows as `evaluate` scores it.

    gpt: any module mapping (B, T) token ids, T <= gpt.context, to (B, T, V) logits, such as
    `helpers.gpt.GPT`. The coded sequence is a newline (id 0, known to both sides) followed by
    the text's n_chars characters. Windows of `context` ids start every `stride` ids
    (`helpers.gpt.scored_windows`): the first window predicts its every position, each later
    one only its last `stride`, so every character is predicted once, from at least
    context - stride characters before it (all of them near the start of the text).
    Each prediction goes through `frequencies(probabilities, 0.0)` into an integer table.

    The sender knows the text: `sender_tables(ids)` runs the GPT once per window, on the real
    characters. The receiver learns them one at a time: calling the object with the history
    runs the GPT once per character, on the same window with the characters it does not know
    yet set to 0. Causal attention makes the prediction at a position depend only on the
    positions before it, so both get the same probabilities, to the last bit, from calls of
    the same shape; the integer tables are then equal and the coder decodes exactly.
    """

    def __init__(self, gpt: torch.nn.Module, frequencies: Callable, n_chars: int,
                 stride: int | None = None) -> None:
        self.gpt, self.frequencies, self.n = gpt, frequencies, n_chars
        self.context = gpt.context
        self.stride = stride or self.context // 2
        _, scored = scored_windows(torch.zeros(n_chars + 1, dtype=torch.long), self.context, self.stride)
        window, position = torch.nonzero(scored != -100, as_tuple=True)  # in text order
        #: for character i: the start of its window, in the coded sequence, and its position there
        self.where = list(zip((window * self.stride).tolist(), position.tolist(), strict=True))

    def _tables(self, window: torch.Tensor) -> np.ndarray:
        """(context, V + 1) integer tables of one window of ids, (context,), from one GPT call."""
        self.gpt.eval()
        with torch.no_grad():
            probs = torch.softmax(self.gpt(window[None]), dim=-1)[0]  # (context, V)
        return usable_tables(np.asarray(self.frequencies(probs.double().numpy(), 0.0)))

    def sender_tables(self, ids: Sequence[int]) -> np.ndarray:
        """(n_chars, V + 1): the table the coder uses for each character of `ids`, one call per window."""
        if len(ids) != self.n:
            raise ValueError(f"this coder was set up for {self.n} characters, got {len(ids)}")
        sequence = torch.tensor([0, *ids])
        inputs, targets = scored_windows(sequence, self.context, self.stride)
        scored = (targets != -100).numpy()  # (n_windows, context): the positions each window codes
        tables = [self._tables(window)[rows] for window, rows in zip(inputs, scored, strict=True)]
        return np.concatenate(tables)

    def __call__(self, history: list[int]) -> list[int]:
        """The receiver's table for character len(history), from the characters before it only."""
        start, position = self.where[len(history)]
        # ids start .. start + position of the coded sequence (a newline, then the history)
        known = [0, *history[:position]] if start == 0 else history[start - 1:start + position]
        window = torch.tensor(known + [0] * (self.context - len(known)))
        return self._tables(window)[position].tolist()


def from_tables(tables: np.ndarray) -> Callable[[list[int]], list[int]]:
    """The sender's model for the coder: the precomputed table of character len(history)."""
    return lambda history: tables[len(history)].tolist()


def table_probabilities(tables: np.ndarray, ids: Sequence[int]) -> np.ndarray:
    """(n,) the probability each table gives the character that came: freq / total, exactly."""
    ids = np.asarray(ids)
    rows = np.arange(len(ids))
    return (tables[rows, ids + 1] - tables[rows, ids]) / tables[rows, -1]


def code_with_gpt(encode: Callable, decode: Callable, frequencies: Callable, gpt: torch.nn.Module,
                  ids: list[int], n_decoded: int) -> dict:
    """The sender encodes all of `ids` with a GPT (`GPTCoder`); the receiver decodes the first n_decoded.

    Decoding costs one GPT call per character, so a lesson decodes a slice live; the whole
    text decodes the same way, only longer (benchmarks/gpt_decoding.py times it).
    Keys: data (the coded bytes), probabilities ((n,) the exact probability the coder's
    table gave each character that came), tables ((n, V + 1)), encode_seconds (the GPT
    calls and the coder), decode_seconds, decoded (the list the receiver got back) and
    round_trip (1.0 when it equals ids[:n_decoded], else 0.0).
    """
    coder = GPTCoder(gpt, frequencies, len(ids))
    start = time.perf_counter()
    tables = coder.sender_tables(ids)
    data = encode(ids, from_tables(tables))
    middle = time.perf_counter()
    back = list(decode(data, n_decoded, coder))
    end = time.perf_counter()
    return {"data": data, "probabilities": table_probabilities(tables, ids), "tables": tables,
            "encode_seconds": middle - start, "decode_seconds": end - middle, "decoded": back,
            "round_trip": float(back == list(ids[:n_decoded]))}


#: How each receiver setting of a race is drawn: a colour-blind-safe colour (Okabe and Ito's
#: palette) and a hatching, so that the settings differ in print and in grey too.
SETTING_STYLES = [("#bbbbbb", ""), ("#56b4e9", "//"), ("#e69f00", "xx")]


def draw_race(race: dict[str, tuple[float, str]], ax, cut_at: float | None = None) -> None:
    """Horizontal bars of bits per character, grouped by what the receiver already has.

    race: name -> (bits per character, what the receiver has); within a group, best first.
    cut_at: bars longer than this are cut there, marked with a zigzag and labelled with their
    value, so that the axis stays linear and the short bars, the interesting ones, stay readable.
    Without it the axis turns logarithmic when the entries span more than a factor of 30.
    """
    from matplotlib.patches import Patch

    settings = list(dict.fromkeys(has for _, has in race.values()))
    ranked = sorted(race.items(), key=lambda item: (settings.index(item[1][1]), item[1][0]))
    values = [bpc for _, (bpc, _) in ranked]
    for row, (_, (bpc, has)) in enumerate(ranked):
        colour, hatch = SETTING_STYLES[settings.index(has)]
        cut = cut_at is not None and bpc > cut_at
        ax.barh(row, cut_at if cut else bpc, color=colour, hatch=hatch, edgecolor="black", linewidth=0.6)
        if cut:  # a white zigzag across the bar near its end: the bar goes on beyond the axis
            zig = cut_at * (0.93 + 0.012 * np.array([0, 1, 0, 1, 0]))
            ax.fill_betweenx(row + np.array([-0.5, -0.25, 0, 0.25, 0.5]), zig, zig + cut_at * 0.02,
                             color="white", zorder=3)
        ax.annotate(f"{bpc:.2f}" + (" (cut)" if cut else ""), (cut_at if cut else bpc, row), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=10)
    ax.set_yticks(range(len(ranked)), [name for name, _ in ranked], fontsize=10)
    ax.invert_yaxis()
    if cut_at is not None:
        ax.set_xlim(0, min(max(values), cut_at) * 1.18)
    elif max(values) / min(values) > 30:
        ax.set_xscale("log")
        ax.set_xlim(min(values) / 1.3, max(values) * 3)
    else:
        ax.set_xlim(0, max(values) * 1.15)
    ax.set_xlabel("bits per character of the held-out text (shorter is better)")
    ax.legend(handles=[Patch(facecolor=colour, hatch=hatch, edgecolor="black", label=f"receiver has {has}")
                       for has, (colour, hatch) in zip(settings, SETTING_STYLES, strict=False)],
              loc="lower right", fontsize=10)
