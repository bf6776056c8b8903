"""Lesson 13's helpers: texts in and out of the course's GPT, the data the lesson measures
on, and its pictures. Nothing here is an answer to an exercise.

    >>> ids = encode("def f(x):", VOCAB, context=model.context)  # a clear error on bad input
    >>> windows = held_out_windows(VOCAB, n_windows=8, length=128)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from helpers.plotting import COLORS
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


def top_next_characters(model: torch.nn.Module, vocab: str, text: str, k: int = 5) -> list[tuple[str, float]]:
    """The model's k most likely next characters after `text`, with their probabilities."""
    with torch.no_grad():
        logits = model(encode(text, vocab, model.context))[-1]  # (V,): after the last character
    probabilities = torch.softmax(logits, dim=-1)
    top = probabilities.topk(k)
    return [(vocab[int(i)], float(p)) for p, i in zip(top.values, top.indices)]


def surprise(model: torch.nn.Module, tokens: torch.Tensor) -> torch.Tensor:
    """-log p (nats) of every token after the first, as the model predicts it: (B, T - 1)."""
    with torch.no_grad():
        log_p = torch.log_softmax(model(tokens)[:, :-1], dim=-1)  # (B, T - 1, V)
    return -log_p.gather(-1, tokens[:, 1:, None])[..., 0]


def repeated_held_out(vocab: str, n_texts: int, period: int) -> torch.Tensor:
    """n_texts stretches of `period` held-out characters, each written twice: (n_texts, 2 * period).

    Real documentation, unlike random characters: the first copy is partly predictable, and
    the second copy entirely, for a model that looks back.
    """
    half = held_out_windows(vocab, n_texts, period)
    return torch.cat([half, half], dim=1)


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
    if len(text) <= 64:  # longer texts keep numbered ticks: 9-point characters would overlap
        _char_ticks(ax, text, 9)
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


def plot_head_scores(previous: torch.Tensor, induction: dict[str, torch.Tensor]) -> plt.Figure:
    """Every head's previous-token score and its induction score on each kind of text (layers x heads)."""
    fig, axes = plt.subplots(1, 1 + len(induction), figsize=(4.4 * (1 + len(induction)), 4.2))
    _annotated_grid(axes[0], previous.numpy(), "previous-token score", "Purples", ".2f", 0, 1)
    for ax, (kind, scores) in zip(axes[1:], induction.items()):
        _annotated_grid(ax, scores.numpy(), f"induction score, {kind}", "Greens", ".2f", 0, 1)
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
    ax.plot(streams, losses, "o-", color=COLORS["blue"], label="logit lens on held-out text")
    ax.axhline(uniform, color="grey", linestyle="--", label=f"uniform guess ({uniform:.2f} bits)")
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
    ax.set_xticks(range(T), labels, fontsize=9, family="monospace")
    ax.set_yticks(range(n_streams), ["embed"] + [f"after block {i}" for i in range(n_streams - 1)],
                  fontsize=9)
    ax.set_xlabel("position (the patched character is marked corrupted→clean)")
    ax.set_title("Activation patching: share of the clean answer restored", fontsize=11)
    plt.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="restored")
    return ax


def plot_repeated_surprise(bits_lost: dict[str, torch.Tensor], period: int, uniform: float) -> plt.Axes:
    """The model's surprise (bits) at each position of texts written twice, averaged over texts.

    bits_lost: {kind of text: (B, 2 * period - 1)}; column t is the surprise at character t + 1.
    """
    _, ax = plt.subplots(figsize=(8, 3.6))
    colours = [COLORS["vermillion"], COLORS["blue"]]
    for (kind, lost), style, colour in zip(bits_lost.items(), [".-", "s--"], colours):
        positions = torch.arange(1, lost.shape[1] + 1)
        ax.plot(positions, lost.mean(dim=0), style, markersize=3, color=colour, label=kind)
    ax.axhline(uniform, color="grey", linestyle=":", label=f"uniform guess ({uniform:.2f} bits)")
    ax.axvline(period - 0.5, color="black", linestyle="-", linewidth=0.8)
    ax.text(period + 1, ax.get_ylim()[1] * 0.95, "the second copy starts", fontsize=9, va="top")
    ax.set_xlabel("position of the character predicted")
    ax.set_ylabel("surprise (bits), mean of 8 texts")
    ax.set_ylim(bottom=0)
    ax.set_title("Texts written twice", fontsize=11)
    ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax


#: What assets/heads_during_training.py measured, shipped beside this module.
HEAD_HISTORY = Path(__file__).with_name("heads_during_training.json")


def load_head_history(path: Path = HEAD_HISTORY) -> dict:
    """The measurements of assets/heads_during_training.py: steps, head scores and losses."""
    return json.loads(path.read_text())


def plot_head_history(history: dict, induction_head: tuple[int, int], previous_head: tuple[int, int],
                      final: dict[str, dict] | None = None) -> plt.Figure:
    """As training goes on: the previous-token head's previous-token score, the induction head's
    induction score, and how many bits per character the second copy costs less than the
    first, for each kind of text.

    final: the same measures on the finished checkpoint, {kind: {"step", "induction" (layers x
    heads), "first_copy_bits", "second_copy_bits"}}, drawn as stars at its step.
    """
    steps = history["steps"]
    (il, ih), (pl, ph) = induction_head, previous_head  # (layer, head) of each
    kinds = {"random": ("random characters", COLORS["vermillion"]),
             "held_out": ("documentation", COLORS["blue"])}
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4))
    for kind, (label, colour) in kinds.items():
        measures = [m[kind] for m in history["measures"]]
        left.plot(steps, [m["previous"][pl][ph] for m in measures], "^--", markersize=3, color=colour,
                  label=f"head {pl}.{ph}, previous-token score, {label}")
        left.plot(steps, [m["induction"][il][ih] for m in measures], "o-", markersize=3, color=colour,
                  label=f"head {il}.{ih}, induction score, {label}")
        right.plot(steps, [m["first_copy_bits"] - m["second_copy_bits"] for m in measures], "s--",
                   markersize=3, color=colour, label=label)
        if final is not None and kind in final:
            end = final[kind]
            left.plot([end["step"]], [end["induction"][il][ih]], "*",
                      markersize=12, color=colour, markeredgecolor="black",
                      label=f"induction score, {label}, checkpoint")
            right.plot([end["step"]], [end["first_copy_bits"] - end["second_copy_bits"]], "*",
                       markersize=12, color=colour, markeredgecolor="black", label=f"{label}, checkpoint")
    for ax in (left, right):
        ax.set_xlabel("training step")
        ax.legend(fontsize=9, loc="center right" if ax is left else "upper left")
    left.set_ylabel("score (0 to 1)")
    left.set_ylim(0, 1.05)
    left.set_title("The two halves of an induction circuit as the model trains", fontsize=11)
    right.set_ylabel("first copy - second copy (bits)")
    right.axhline(0, color="grey", linewidth=0.8)
    right.set_title("What the repeat saves, per character", fontsize=11)
    fig.tight_layout()
    return fig


def plot_sublayer_costs(effects: dict[str, list[tuple[float, float]]],
                        intact: tuple[float, float]) -> plt.Figure:
    """Mean probability of the intact model's answers with one sublayer mean-ablated.

    effects: {"attn": [(recall, copying) per layer], "mlp": [...]}; intact: (recall, copying).
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
    n_layers = len(effects["attn"])
    x = np.arange(n_layers)
    for ax, column, title in [(axes[0], 0, "recall prompts"), (axes[1], 1, "copying prompts")]:
        ax.bar(x - 0.2, [e[column] for e in effects["attn"]], 0.4, color=COLORS["blue"],
               label="attention ablated")
        ax.bar(x + 0.2, [e[column] for e in effects["mlp"]], 0.4, color=COLORS["orange"], hatch="//",
               label="MLP ablated")
        ax.axhline(intact[column], color="black", linestyle="--", label="intact model")
        ax.set_xticks(x, [f"block {i}" for i in range(n_layers)], fontsize=9)
        ax.set_title(title, fontsize=11)
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("p(the intact model's answer)")
    axes[1].legend(fontsize=9, loc="upper right")
    fig.suptitle("Knock out one sublayer (mean ablation): what is left of the answers?", fontsize=11)
    fig.tight_layout()
    return fig


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
