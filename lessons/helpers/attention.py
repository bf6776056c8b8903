"""Lesson 07's hand-made model: a sentence, readable embeddings and three attention heads.

Real embeddings and heads are learned, and no single coordinate of them means anything
you could name. Here every coordinate has a name (`FEATURES`) and every weight was set by
hand, so that you can read what each head looks for and what it moves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch

SENTENCE = "a fluffy blue creature roamed the verdant forest"
TOKENS = SENTENCE.split()

#: The named coordinates of the embedding space (d_model = 12). The last two hold position.
FEATURES = ["noun", "adjective", "verb", "article", "fluffy", "blue", "green",
            "creature", "forest", "motion", "pos_cos", "pos_sin"]
D_MODEL = len(FEATURES)
D_HEAD = 3

#: Bar hatchings that tell the series of `plot_features` apart without colour.
HATCHES = ("", "///", "...", "xx")

#: The generic meaning of each word: the same vector wherever the word appears.
WORDS = {
    "a": {"article": 1.0},
    "the": {"article": 1.0},
    "fluffy": {"adjective": 1.0, "fluffy": 1.0},
    "blue": {"adjective": 1.0, "blue": 1.0},
    "verdant": {"adjective": 1.0, "green": 1.0},
    "creature": {"noun": 1.0, "creature": 1.0},
    "forest": {"noun": 1.0, "forest": 1.0},
    "green": {"adjective": 1.0, "green": 1.0},
    "roamed": {"verb": 1.0, "motion": 1.0},
}

#: Each position turns the (pos_cos, pos_sin) pair this many radians round a circle.
THETA = 0.6
#: How many steps back the query of the "nearby only" head looks.
LOOK_BACK = 1.5


def _vector(features: dict[str, float]) -> torch.Tensor:
    v = torch.zeros(D_MODEL, dtype=torch.float64)
    for name, value in features.items():
        v[FEATURES.index(name)] = value
    return v


def token_embeddings(tokens: list[str] = TOKENS) -> torch.Tensor:
    """The lookup: one row per token, (n_tokens, d_model). No context, no position."""
    return torch.stack([_vector(WORDS[token]) for token in tokens])


def position_embeddings(n: int, theta: float = THETA) -> torch.Tensor:
    """One row per position p = 0..n-1, (n, d_model): the point (cos p*theta, sin p*theta)
    in the two position coordinates, zeros elsewhere."""
    p = torch.arange(n, dtype=torch.float64)
    out = torch.zeros(n, D_MODEL, dtype=torch.float64)
    out[:, FEATURES.index("pos_cos")] = torch.cos(theta * p)
    out[:, FEATURES.index("pos_sin")] = torch.sin(theta * p)
    return out


def _head(asker: str, sought: str, moved: list[str], strength: float = 6.0,
          look_back: float | None = None) -> dict[str, torch.Tensor]:
    """Four maps of one head: tokens with feature `asker` look for tokens with feature
    `sought`; what comes back are the `moved` features of the tokens found.

    With `look_back`, the query also carries the position `look_back` steps earlier,
    and the key carries each token's own position, so nearby tokens match best.
    """
    W_q = torch.zeros(D_MODEL, D_HEAD, dtype=torch.float64)
    W_k = torch.zeros(D_MODEL, D_HEAD, dtype=torch.float64)
    W_v = torch.zeros(D_MODEL, D_HEAD, dtype=torch.float64)
    W_o = torch.zeros(D_HEAD, D_MODEL, dtype=torch.float64)
    cos, sin = FEATURES.index("pos_cos"), FEATURES.index("pos_sin")
    W_q[FEATURES.index(asker), 0] = strength  # query coordinate 0: "I am looking for `sought`"
    W_k[FEATURES.index(sought), 0] = 1.0  # key coordinate 0: "I am `sought`"
    if look_back is not None:
        # query coordinates 1-2: my own position turned back by look_back steps ...
        c, s = math.cos(look_back * THETA), math.sin(look_back * THETA)
        W_q[[cos, sin, cos, sin], [1, 1, 2, 2]] = strength * torch.tensor([c, s, -s, c],
                                                                         dtype=torch.float64)
        # ... key coordinates 1-2: where I am. Their dot product peaks look_back steps back.
        W_k[[cos, sin], [1, 2]] = 1.0
    for k, name in enumerate(moved):  # value-down picks the features, value-up puts them back
        W_v[FEATURES.index(name), k] = 1.0
        W_o[k, FEATURES.index(name)] = 1.0
    return {"W_q": W_q, "W_k": W_k, "W_v": W_v, "W_o": W_o}


def toy_heads() -> dict[str, dict[str, torch.Tensor]]:
    """Three hand-made heads, each a dict of W_q, W_k, W_v (d_model, 3) and W_o (3, d_model)."""
    colours = ["fluffy", "blue", "green"]
    return {
        "adjectives -> noun": _head("noun", "adjective", colours),
        "adjectives -> noun, nearby only": _head("noun", "adjective", colours, look_back=LOOK_BACK),
        "verb -> who did it": _head("verb", "noun", ["creature", "forest"]),
    }


def layer_maps(heads: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """One attention layer's four (C, C) maps, made of the heads' own maps.

    Head h's query, key and value maps (C, d_head) become column block h of W_q, W_k and
    W_v; its output map (d_head, C) becomes row block h of W_o. The heads must fill the
    layer exactly: len(heads) * d_head == C.
    """
    maps = {name: torch.cat([head[name] for head in heads], dim=1) for name in ("W_q", "W_k", "W_v")}
    maps["W_o"] = torch.cat([head["W_o"] for head in heads], dim=0)
    if maps["W_o"].shape[0] != maps["W_o"].shape[1]:
        raise ValueError(f"{len(heads)} heads of d_head = {heads[0]['W_o'].shape[0]} do not fill "
                         f"d_model = {maps['W_o'].shape[1]}: n_heads * d_head must equal d_model")
    return maps


def silent_head(d_model: int = D_MODEL, d_head: int = D_HEAD) -> dict[str, torch.Tensor]:
    """A head whose four maps are all zero: it looks evenly and adds nothing."""
    shapes = {"W_q": (d_model, d_head), "W_k": (d_model, d_head), "W_v": (d_model, d_head),
              "W_o": (d_head, d_model)}
    return {name: torch.zeros(shape, dtype=torch.float64) for name, shape in shapes.items()}


#: The functions that multiply matrices (or batches of them), as PyTorch names them.
MATRIX_PRODUCTS = (
    "matmul", "__matmul__", "__rmatmul__", "mm", "bmm", "mv", "einsum", "linear", "tensordot",
    "addmm", "baddbmm", "addbmm", "chain_matmul", "multi_dot", "scaled_dot_product_attention",
)


def count_matrix_products(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
    """How many times fn(*args, **kwargs) calls one of PyTorch's matrix products.

    A call counts once whatever the size of the matrices or the number of leading (batch,
    head) axes it multiplies at once. Everything the class needs is defined inside the
    function, so that the course's grader can send it to a learner's kernel as source.
    """
    import torch.overrides

    class Counter(torch.overrides.TorchFunctionMode):
        def __init__(self, names: tuple[str, ...]) -> None:
            super().__init__()
            self.names, self.count = names, 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            self.count += getattr(func, "__name__", "") in self.names
            return func(*args, **(kwargs or {}))

    with Counter(MATRIX_PRODUCTS) as counter:
        fn(*args, **kwargs)
    return counter.count


def plot_pattern(pattern: torch.Tensor, tokens: list[str] = TOKENS, ax: plt.Axes | None = None,
                 title: str = "") -> plt.Axes:
    """Heatmap of an attention pattern: row i = the query of token i, column j = the key of
    token j, each cell the weight token i puts on token j (each row sums to 1)."""
    weights = np.asarray(pattern.detach(), dtype=float)
    ax = ax or plt.subplots(figsize=(5.2, 4.4))[1]
    ax.imshow(weights, cmap="Blues", vmin=0, vmax=1)  # the figures print the weights too
    for i, j in np.ndindex(weights.shape):
        if weights[i, j] >= 0.005:
            ax.text(j, i, f"{weights[i, j]:.2f}".lstrip("0"), ha="center", va="center", fontsize=9,
                    color="white" if weights[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(tokens)), tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(tokens)), tokens)
    ax.set_xlabel("key: the token looked at")
    ax.set_ylabel("query: the token looking")
    ax.set_title(title)
    return ax


def plot_features(vectors: dict[str, torch.Tensor], ax: plt.Axes | None = None,
                  title: str = "") -> plt.Axes:
    """Grouped bars: the named coordinates of a few embedding vectors, side by side.

    The series differ in colour and in hatching, and the legend sits above the bars.
    """
    ax = ax or plt.subplots(figsize=(8, 2.8))[1]
    width = 0.8 / len(vectors)
    for k, (label, v) in enumerate(vectors.items()):
        ax.bar(np.arange(D_MODEL) + (k - (len(vectors) - 1) / 2) * width,
               np.asarray(v.detach(), dtype=float), width, label=label,
               hatch=HATCHES[k % len(HATCHES)], edgecolor="black", linewidth=0.5)
    ax.set_xticks(range(D_MODEL), FEATURES, rotation=45, ha="right")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.legend(fontsize=9, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(vectors), frameon=False)
    if title:
        ax.set_title(title, pad=24)
    return ax
