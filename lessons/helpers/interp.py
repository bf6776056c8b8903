"""Lesson 13's helpers: texts in and out of the course's GPT, the data the lesson measures
on, and its pictures. Nothing here is an answer to an exercise.

    >>> ids = encode("def f(x):", VOCAB, context=model.context)  # a clear error on bad input
    >>> windows = held_out_windows(VOCAB, n_windows=8, length=128)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from helpers.text import load_corpus, split_corpus

#: How a few invisible characters are drawn in plots.
_SHOWN = {" ": "␣", "\n": "⏎"}


def encode(text: str, vocab: str, context: int | None = None) -> torch.Tensor:
    """The token ids of `text`, one per character: a (T,) tensor of int64.

    Raises ValueError, naming the characters, when the text holds characters outside
    `vocab`, and naming the limit when it is longer than `context` (if given) or empty.
    """
    if not text:
        raise ValueError("the text is empty: give the model at least one character")
    unknown = sorted(set(text) - set(vocab))
    if unknown:
        listed = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise ValueError(f"the text has {len(unknown)} character(s) outside the model's vocabulary "
                         f"of {len(vocab)}: {listed}{more}. The course's GPT reads printable ASCII "
                         "and the newline only: replace or remove them.")
    if context is not None and len(text) > context:
        raise ValueError(f"the text has {len(text)} characters, but this model reads at most "
                         f"{context} at a time: cut it, for example to its last {context} "
                         f"characters, text[-{context}:]")
    index = {ch: i for i, ch in enumerate(vocab)}
    return torch.tensor([index[ch] for ch in text], dtype=torch.int64)


def decode(ids: Sequence[int] | torch.Tensor, vocab: str) -> str:
    """The text of a sequence of token ids."""
    return "".join(vocab[int(i)] for i in ids)


def shown(ch: str) -> str:
    """A character as a plot shows it: a space as ␣, a newline as ⏎."""
    return _SHOWN.get(ch, ch)


def repeated_random_tokens(n_texts: int, period: int, vocab_size: int, seed: int = 0) -> torch.Tensor:
    """n_texts texts of `period` random token ids, each written twice: (n_texts, 2 * period).

    The ids are drawn uniformly from 0 to vocab_size - 1 with a generator seeded with
    `seed`. The first half is noise that no model can predict; in the second half every
    token can be read off the first half, if the model looks there.
    """
    generator = torch.Generator().manual_seed(seed)
    half = torch.randint(vocab_size, (n_texts, period), generator=generator)
    return torch.cat([half, half], dim=1)


def held_out_ids(vocab: str) -> torch.Tensor:
    """Lesson 04's held-out text (the last tenth of the documentation topics), as ids.

    The course's GPT never saw it while it trained.
    """
    return encode(split_corpus(load_corpus())[1], vocab)


def held_out_windows(vocab: str, n_windows: int, length: int) -> torch.Tensor:
    """n_windows stretches of `length` ids, spread evenly over the held-out text: (n, length)."""
    ids = held_out_ids(vocab)
    starts = torch.linspace(0, len(ids) - length, n_windows).long()
    return torch.stack([ids[s:s + length] for s in starts.tolist()])


def next_token_loss(model: torch.nn.Module, windows: torch.Tensor) -> float:
    """The model's mean cross-entropy (nats) at predicting windows[:, 1:] from windows.

    windows: (B, T) ids. Each window gives T - 1 predictions: position t predicts t + 1.
    """
    logits = model(windows)  # (B, T, V)
    return F.cross_entropy(logits[:, :-1].flatten(0, 1), windows[:, 1:].flatten()).item()


# -- pictures --------------------------------------------------------------------------------

def _char_ticks(ax: plt.Axes, labels: Sequence[str], fontsize: float, rows: bool = True) -> None:
    """Characters as tick labels on the x axis (and the y axis)."""
    ticks = range(len(labels))
    ax.set_xticks(ticks, [shown(c) for c in labels], fontsize=fontsize, family="monospace")
    if rows:
        ax.set_yticks(ticks, [shown(c) for c in labels], fontsize=fontsize, family="monospace")


def plot_head(pattern: torch.Tensor, text: str, title: str, ax: plt.Axes | None = None) -> plt.Axes:
    """One head's attention pattern (T, T) on `text`: row i is where character i looks."""
    if ax is None:
        size = min(9.0, 2.5 + 0.16 * len(text))
        _, ax = plt.subplots(figsize=(size + 1.2, size))
    image = ax.imshow(pattern.numpy(), cmap="Blues", vmin=0, vmax=1)
    fontsize = 9 if len(text) <= 40 else 6
    if len(text) <= 80:
        _char_ticks(ax, text, fontsize)
    ax.set_xlabel("looks at (key)")
    ax.set_ylabel("position (query)")
    ax.set_title(title, fontsize=11)
    plt.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="attention")
    return ax


def plot_all_heads(patterns: torch.Tensor, text: str) -> plt.Figure:
    """Every head's pattern on one text: patterns (n_layers, n_heads, T, T), a grid of heatmaps."""
    n_layers, n_heads = patterns.shape[:2]
    fig, axes = plt.subplots(n_layers, n_heads, figsize=(2.3 * n_heads, 2.3 * n_layers),
                             squeeze=False, sharex=True, sharey=True)
    for layer in range(n_layers):
        for head in range(n_heads):
            ax = axes[layer, head]
            ax.imshow(patterns[layer, head].numpy(), cmap="Blues", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"head {layer}.{head}", fontsize=10)
    fig.suptitle(f"every head on {text[:40]!r}{'...' if len(text) > 40 else ''} "
                 "(row: query, column: key)", fontsize=11)
    fig.tight_layout()
    return fig


def _annotated_grid(ax: plt.Axes, values: np.ndarray, title: str, cmap: str, fmt: str,
                    vmin: float | None = None, vmax: float | None = None, label: str = "") -> None:
    """A layers x heads heatmap with each cell's value written in it."""
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    n_layers, n_heads = values.shape
    middle = (np.nanmax(values) + np.nanmin(values)) / 2 if vmax is None else (vmin + vmax) / 2
    for layer in range(n_layers):
        for head in range(n_heads):
            value = values[layer, head]
            ax.text(head, layer, format(value, fmt), ha="center", va="center", fontsize=9,
                    color="white" if value > middle else "black")
    ax.set_xticks(range(n_heads))
    ax.set_yticks(range(n_layers))
    ax.set_xlabel("head")
    ax.set_ylabel("layer")
    ax.set_title(title, fontsize=11)
    plt.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=label)


def plot_head_scores(previous: torch.Tensor, induction: torch.Tensor) -> plt.Figure:
    """The previous-token and induction scores of every head, side by side (layers x heads)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    _annotated_grid(axes[0], previous.numpy(), "previous-token score", "Purples", ".2f", 0, 1)
    _annotated_grid(axes[1], induction.numpy(), "induction score", "Greens", ".2f", 0, 1)
    fig.tight_layout()
    return fig


def plot_ablation(zero: torch.Tensor, mean: torch.Tensor) -> plt.Figure:
    """The rise in held-out loss (nats) when each head is ablated, by zeros and by its mean."""
    top = max(zero.max().item(), mean.max().item())
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    _annotated_grid(axes[0], zero.numpy(), "zero ablation", "Reds", ".3f", 0, top, "loss rise (nats)")
    _annotated_grid(axes[1], mean.numpy(), "mean ablation", "Reds", ".3f", 0, top, "loss rise (nats)")
    fig.tight_layout()
    return fig


def plot_lens_losses(losses: Sequence[float], uniform: float) -> plt.Axes:
    """Held-out loss (bits per character) of the prediction read after each block."""
    _, ax = plt.subplots(figsize=(6.5, 3.4))
    streams = range(len(losses))
    ax.plot(streams, losses, "o-", color="tab:blue", label="logit lens on held-out text")
    ax.axhline(uniform, color="tab:gray", linestyle="--", label=f"uniform guess ({uniform:.2f} bits)")
    ax.set_xticks(streams, ["embed"] + [f"block {i}" for i in range(len(losses) - 1)], fontsize=9)
    ax.set_ylabel("bits per character")
    ax.set_xlabel("read the residual stream after")
    ax.set_title("The prediction forms layer by layer", fontsize=11)
    ax.legend(fontsize=9)
    return ax


def plot_lens_text(probabilities: torch.Tensor, top: list[list[str]], text: str) -> plt.Axes:
    """For each stream (row) and position (column) of `text`: the probability given to the
    character that really comes next (colour) and the stream's top guess (written)."""
    n_streams, T = probabilities.shape
    _, ax = plt.subplots(figsize=(0.42 * T + 2, 0.42 * n_streams + 1.6))
    image = ax.imshow(probabilities.numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    for row in range(n_streams):
        for t in range(T):
            ax.text(t, row, shown(top[row][t]), ha="center", va="center", fontsize=9, family="monospace",
                    color="black" if probabilities[row, t] > 0.5 else "white")
    ax.set_xticks(range(T), [shown(c) for c in text], fontsize=9, family="monospace")
    ax.set_yticks(range(n_streams), ["embed"] + [f"block {i}" for i in range(n_streams - 1)], fontsize=9)
    ax.set_xlabel("input character (the guess in each cell is for the character after it)")
    ax.set_title("Logit lens: each row reads the stream after one more block", fontsize=11)
    plt.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="p(the true next character)")
    return ax


def plot_patching(restored: torch.Tensor, clean: str, corrupted: str) -> plt.Axes:
    """Share of the logit difference each patch restores: streams (rows) x positions (columns)."""
    n_streams, T = restored.shape
    _, ax = plt.subplots(figsize=(0.3 * T + 2.5, 0.45 * n_streams + 1.8))
    image = ax.imshow(restored.numpy(), cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    labels = [shown(c) if c == d else f"{shown(d)}→{shown(c)}" for c, d in zip(clean, corrupted)]
    ax.set_xticks(range(T), labels, fontsize=8, family="monospace")
    ax.set_yticks(range(n_streams), ["embed"] + [f"after block {i}" for i in range(n_streams - 1)],
                  fontsize=9)
    ax.set_xlabel("position (the patched character is marked corrupted→clean)")
    ax.set_title("Activation patching: share of the clean answer restored", fontsize=11)
    plt.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="restored")
    return ax


def head_browser(patterns_of: Callable[[str], torch.Tensor], n_layers: int, n_heads: int,
                 text: str) -> None:
    """A widget: pick a layer, a head and type a text; see that head's attention pattern.

    patterns_of(text) must return (n_layers, n_heads, T, T) for the text, or raise
    ValueError with a message for the learner (a bad character, a text too long).
    """
    import ipywidgets as widgets

    def show(layer: int, head: int, text: str) -> None:
        try:
            patterns = patterns_of(text)
        except ValueError as err:
            print(err)
            return
        except NotImplementedError:
            print("Write attention_patterns (exercise 2) first: this browser uses it.")
            return
        plot_head(patterns[layer, head], text, f"head {layer}.{head}")
        plt.show()

    widgets.interact(show, layer=widgets.IntSlider(0, 0, n_layers - 1, description="layer"),
                     head=widgets.IntSlider(0, 0, n_heads - 1, description="head"),
                     text=widgets.Text(text, description="text", continuous_update=False,
                                       layout=widgets.Layout(width="90%")))


def bits(nats: float) -> float:
    """A loss in nats as bits."""
    return nats / math.log(2)
