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
from collections.abc import Callable

import numpy as np

from helpers.text import load_corpus, split_corpus

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
        for symbol in history[len(history) - self.order:] if self.order else ():
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

    vocab: every character of the whole text once, sorted ("\\n" first, so id 0 is a newline).
    """
    text = load_corpus()
    train, held_out = split_corpus(text)
    vocab = "".join(sorted(set(text)))
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
            ax.add_patch(Rectangle((left, y), right - left, 1, facecolor="tab:orange" if chosen else "white",
                                   edgecolor="grey", linewidth=0.4))
            if right - left >= label_above or chosen:
                ax.text((left + right) / 2, y + 0.5, repr(vocab[s])[1:-1], ha="center", va="center",
                        fontsize=8, fontweight="bold" if chosen else "normal")
        p = edges[symbol + 1] - edges[symbol]
        width *= p
        ax.text(1.02, y + 0.5, f"p = {p:.3f}   width = 2^{np.log2(width):.1f}", va="center", fontsize=8)
        if row + 1 < len(ids):  # the zoom: the chosen slot becomes the whole next row
            ax.add_patch(Polygon([(edges[symbol], y), (edges[symbol + 1], y), (1, y - 0.6), (0, y - 0.6)],
                                 closed=True, facecolor="tab:orange", alpha=0.15, edgecolor="none"))
    ax.set_xlim(0, 1.45)
    ax.set_ylim(-1.6 * len(ids) + 0.4, 1.2)
    ax.set_yticks([-1.6 * i + 0.5 for i in range(len(ids))],
                  [f"after {repr(''.join(vocab[s] for s in ids[:i]))}" for i in range(len(ids))])
    ax.set_xticks([0, 0.5, 1])
    ax.spines[["top", "right", "left"]].set_visible(False)


class GPTStreams:
    """A GPT as a model for the coder: the text is cut into streams of `context` characters,
    each read from a fresh start, and the coder takes them in turns.

    Symbol number h of the coder's sequence is character t of stream j, where
    (t, j) runs t = 0, 1, ..., context - 1 and, for each t, j = 0, 1, ... (every stream whose
    length exceeds t). Use `interleave` and `deinterleave` to reorder a text to and from that
    order. Stream j holds characters j * context ... (j + 1) * context - 1 of the text and its
    GPT input is a newline (id 0) followed by its own characters, so character t is predicted
    from position t of that input: at most `context` positions, as in training.

    At the start of each t, one batched GPT step computes the next character's probabilities
    for every stream at once, from the characters already coded (the history), and
    `frequencies` turns them into integer tables. Encoder and decoder make exactly the same
    calls, so they get exactly the same tables. The step keeps each layer's keys and values
    (a "KV cache"), so step t only computes the newest position of every stream.
    """

    def __init__(self, weights: dict, layer_norm: Callable, mlp: Callable, frequencies: Callable,
                 n_chars: int, context: int) -> None:
        self.w, self.layer_norm, self.mlp, self.frequencies = weights, layer_norm, mlp, frequencies
        self.n, self.context = n_chars, context
        n_streams = -(-n_chars // context)
        lengths = np.full(n_streams, context)
        lengths[-1] = n_chars - context * (n_streams - 1)
        self.active = [int((lengths > t).sum()) for t in range(context)]  # streams with a char t
        self.starts = np.concatenate([[0], np.cumsum(self.active)]).tolist()  # history length at step t
        self.reset()

    def reset(self) -> None:
        self.step, self.tables, self.cache = -1, [], [None] * len(self.w["blocks"])

    def interleave(self, ids: list[int]) -> list[int]:
        """The text's ids in coding order: character 0 of every stream, then character 1, ..."""
        return [ids[j * self.context + t] for t in range(self.context) for j in range(self.active[t])]

    def deinterleave(self, coded: list[int]) -> list[int]:
        """Back from coding order to the text's order."""
        ids = [0] * self.n
        for t in range(self.context):
            for j in range(self.active[t]):
                ids[j * self.context + t] = coded[self.starts[t] + j]
        return ids

    def __call__(self, history: list[int]) -> list[int]:
        h = len(history)
        if h == 0:
            self.reset()
        if h == self.starts[self.step + 1]:  # a new t: one GPT step for every active stream
            self.step += 1
            t = self.step
            # the character each active stream got at t - 1 (a newline, id 0, before the first)
            begin = self.starts[t - 1] if t else 0
            previous = history[begin:begin + self.active[t]] if t else [0] * self.active[t]
            self.tables = self._next_tables(previous, t)
        return self.tables[h - self.starts[self.step]]

    def _next_tables(self, previous: list[int], t: int) -> list[list[int]]:
        import torch

        with torch.no_grad():
            probs = self.next_probabilities(torch.tensor(previous), t)
        return usable_tables(self.frequencies(probs.double().numpy(), 0.0)).tolist()

    def next_probabilities(self, tokens, t: int):
        """One step of the GPT for a batch of streams: `tokens` (S,) sits at position t;
        returns (S, V) probabilities of the character that follows it."""
        import torch

        w, S = self.w, len(tokens)
        x = w["token_embedding"][tokens] + w["position_embedding"][t]  # (S, d)
        for layer, b in enumerate(w["blocks"]):
            h = self.layer_norm(x, b["ln1_scale"], b["ln1_shift"])
            q, k, v = (torch.einsum("sd,hde->she", h, b[name]) for name in ("W_q", "W_k", "W_v"))
            k, v = k[:, :, None], v[:, :, None]  # (S, H, 1, d_head): position t
            if self.cache[layer] is None:
                keys, values = k, v
            else:
                keys = torch.cat([self.cache[layer][0][:S], k], dim=-2)  # (S, H, t + 1, d_head)
                values = torch.cat([self.cache[layer][1][:S], v], dim=-2)
            self.cache[layer] = (keys, values)
            scores = (q[:, :, None, :] @ keys.transpose(-2, -1)) / keys.shape[-1] ** 0.5  # (S, H, 1, t + 1)
            heads = (torch.softmax(scores, dim=-1) @ values)[:, :, 0]  # (S, H, d_head)
            x = x + torch.einsum("she,hed->sd", heads, b["W_o"])
            x = x + self.mlp(self.layer_norm(x, b["ln2_scale"], b["ln2_shift"]),
                             b["W_up"], b["b_up"], b["W_down"], b["b_down"])
        x = self.layer_norm(x, w["final_scale"], w["final_shift"])
        return torch.softmax(x @ w["token_embedding"].T, dim=-1)  # (S, V)
