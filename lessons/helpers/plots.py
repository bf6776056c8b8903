"""Pictures the lessons draw more than once."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers.plotting import COLORS


def draw_network(
    weights: list[np.ndarray],
    activations: list[np.ndarray] | None = None,
    names: list[list[str]] | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Draw a dense network: circles for neurons, lines for weights.

    weights: one (n_out, n_in) matrix per layer. A line's colour and dash are its weight's
    sign (blue solid positive, vermillion dashed negative) and its width the weight's size. `activations`, one
    vector per layer (inputs first), writes each neuron's value in its circle.
    """
    sizes = [weights[0].shape[1]] + [W.shape[0] for W in weights]
    ax = ax or plt.subplots(figsize=(2.6 * len(sizes), 3.2))[1]
    positions = [np.linspace(1, -1, n) * (n - 1) / max(sizes) for n in sizes]
    largest = max(np.abs(W).max() for W in weights)
    for layer, W in enumerate(weights):
        for j, i in np.ndindex(W.shape):
            ax.plot([layer, layer + 1], [positions[layer][i], positions[layer + 1][j]],
                    color=COLORS["blue"] if W[j, i] > 0 else COLORS["vermillion"],
                    linestyle="-" if W[j, i] > 0 else "--",
                    linewidth=0.5 + 3 * abs(W[j, i]) / largest, alpha=0.6, zorder=1)
    for layer, ys in enumerate(positions):
        for k, y in enumerate(ys):
            ax.add_patch(plt.Circle((layer, y), 0.24, facecolor="white", edgecolor="black",
                                    zorder=2))
            if activations is not None:
                ax.text(layer, y, f"{activations[layer][k]:.3g}", ha="center", va="center",
                        fontsize=9, zorder=3)
            if names is not None and names[layer]:
                side = -0.27 if layer == 0 else 0.27
                ax.text(layer + side, y, names[layer][k], ha="right" if layer == 0 else "left",
                        va="center", fontsize=10)
    ax.set_xlim(-0.8, len(sizes) - 0.2)
    ax.set_ylim(-1.2, 1.2)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
