"""Lesson 10 (superposition): the exact angle density, packing bounds, and the pictures.

Nothing here is an exercise. The functions take plain arrays (angles in degrees, weight
matrices) so they work with whatever your own exercise functions return.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from helpers.plotting import COLORS, series_style

#: The sparsities of the toy models: the chance that a feature is 0 in an example.
SPARSITIES = (0.0, 0.7, 0.9, 0.97, 0.99, 0.997)


def angle_density(d: int, degrees: np.ndarray) -> np.ndarray:
    """Density, per degree, of the angle between two random directions in d dimensions.

    Proportional to sin(theta) ** (d - 2); normalised with the closed form
    integral_0^pi sin^(d-2) = sqrt(pi) Gamma((d-1)/2) / Gamma(d/2), in log space so that
    d = 10,000 neither overflows nor underflows.
    """
    theta = np.radians(np.asarray(degrees, dtype=float))
    if d == 2:  # sin^0 = 1: every angle equally likely
        return np.full_like(theta, 1 / 180)
    log_norm = 0.5 * math.log(math.pi) + math.lgamma((d - 1) / 2) - math.lgamma(d / 2)
    with np.errstate(divide="ignore"):  # log 0 = -inf at 0 and 180 degrees, exp(-inf) = 0
        log_sin = np.log(np.sin(theta).clip(0.0, 1.0))
    return np.exp((d - 2) * log_sin - log_norm + math.log(math.pi / 180))


def welch_bound(n: int, d: int) -> float:
    """Welch's floor on the MEAN squared cosine over all pairs of n unit vectors in d dims.

    sum_{i,j} (v_i . v_j)^2 = ||V^T V||_F^2 >= (trace V^T V)^2 / d = n^2 / d; take away the
    n diagonal terms and divide by the n (n - 1) ordered pairs: (n - d) / (d (n - 1)).
    Zero when n <= d (an orthonormal set attains it).
    """
    return max(0.0, (n - d) / (d * (n - 1)))


def levenstein_bound(n: int, d: int) -> float:
    """Levenstein's floor on the LARGEST |cosine| when n > d (d + 1) / 2 (else 0)."""
    if n <= d * (d + 1) / 2:
        return 0.0
    return math.sqrt((3 * n - d * d - 2 * d) / ((d + 2) * (n - d)))


def max_cosine_bound(n: int, d: int) -> float:
    """The best of the two floors on the largest |cosine|: the square root of Welch's mean
    (the largest is at least the root mean square) and Levenstein's."""
    return max(math.sqrt(welch_bound(n, d)), levenstein_bound(n, d))


def summarize(angles: torch.Tensor) -> dict[str, float]:
    """What a packing did, from the pairwise angles (degrees) alone.

    worst angle: the pair farthest from 90 degrees, as its distance from 90;
    max |cos|: its cosine; p99.9 |cos|: the 99.9th percentile of |cos| (the tail);
    mean cos^2: compare with Welch's floor; within 1 deg: the share in 89-91;
    near-duplicates: pairs with |cos| > 0.9 (vectors piled onto one line).
    """
    angles = torch.as_tensor(angles, dtype=torch.float64)
    cos = torch.cos(torch.deg2rad(angles)).abs()
    tail_sample = cos[:: max(1, len(cos) // 2_000_000)]  # torch.quantile has a size limit
    return {
        "worst |angle - 90|": (angles - 90).abs().max().item(),
        "max |cos|": cos.max().item(),
        "p99.9 |cos|": torch.quantile(tail_sample, 0.999).item(),
        "mean cos^2": (cos ** 2).mean().item(),
        "within 1 deg": ((angles - 90).abs() <= 1).double().mean().item(),
        "near-duplicates": int((cos > 0.9).sum().item()),
    }


def print_table(rows: dict[str, dict[str, float]]) -> None:
    """Print `summarize` results side by side, one column per packing."""
    names = list(rows)
    keys = list(next(iter(rows.values())))
    print(f"{'':>20}" + "".join(f"{name:>22}" for name in names))
    for key in keys:
        cells = "".join(f"{rows[name][key]:>22,}" if isinstance(rows[name][key], int)
                        else f"{rows[name][key]:>22.4f}" for name in names)
        print(f"{key:>20}{cells}")


def plot_angle_histograms(runs: dict[str, torch.Tensor], floor: float | None = None) -> plt.Figure:
    """One histogram of |cosine| per run, log count scale so the tails show.

    runs: name -> pairwise angles in degrees. floor: a lower bound on the largest |cos|,
    drawn as a dashed line (no packing can put its worst pair left of it).
    """
    fig, axes = plt.subplots(1, len(runs), figsize=(4.2 * len(runs), 3.2), sharey=True)
    for ax, (name, angles) in zip(np.atleast_1d(axes), runs.items()):
        cos = torch.cos(torch.deg2rad(torch.as_tensor(angles, dtype=torch.float64))).abs()
        ax.hist(cos.numpy(), bins=np.linspace(0, 1, 101), color=COLORS["blue"])
        ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("|cos| of the angle between a pair")
        if floor:
            ax.axvline(floor, color=COLORS["vermillion"], linestyle="--", linewidth=1.5)
    np.atleast_1d(axes)[0].set_ylabel("pairs (log scale)")
    fig.tight_layout()
    return fig


def toy_feature_stats(W: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """For one toy model W: (n_hidden, n_features), each feature's length ||W_i|| and how
    much of the OTHER features lies along its direction, sum_{j != i} (W_i_hat . W_j)^2
    (0: the feature has a dimension to itself; large: it shares, in superposition)."""
    norms = W.norm(dim=0)  # (n_features,)
    directions = W / norms.clamp(min=1e-6)
    overlap = (directions.T @ W) ** 2  # (n_features, n_features)
    overlap.fill_diagonal_(0.0)
    return norms.numpy(), overlap.sum(dim=1).numpy()


def plot_toy_models(Ws: torch.Tensor, sparsities: tuple[float, ...]) -> plt.Figure:
    """W^T W (top) and the feature lengths (bottom), one column per sparsity.

    Ws: (n_models, n_hidden, n_features). In the bars, black means the feature has its own
    dimension, yellow that it shares its direction with others.
    """
    n_models = len(Ws)
    fig, axes = plt.subplots(2, n_models, figsize=(2.6 * n_models, 6.2),
                             gridspec_kw={"height_ratios": [1, 1.1]})
    for k, (W, sparsity) in enumerate(zip(Ws, sparsities)):
        axes[0, k].imshow((W.T @ W).numpy(), cmap="RdBu", vmin=-1.2, vmax=1.2)
        axes[0, k].set_title(f"sparsity {sparsity}")
        axes[0, k].set_xticks([])
        axes[0, k].set_yticks([])
        norms, shared = toy_feature_stats(W)
        colours = plt.cm.viridis(np.clip(shared, 0, 1) * 0.9 + 0.05) if shared.size else None
        axes[1, k].barh(range(len(norms)), norms, color=colours)
        axes[1, k].invert_yaxis()
        axes[1, k].set_xlim(0, 1.3)
        axes[1, k].set_yticks([])
        axes[1, k].set_xlabel("||W_i||")
    axes[0, 0].set_ylabel("W^T W")
    axes[1, 0].set_ylabel("features (0 on top)")
    fig.tight_layout()
    return fig


def draw_features_2d(W: torch.Tensor, ax: plt.Axes, title: str = "") -> None:
    """Each column of a (2, n_features) W as an arrow in the plane of the 2 hidden dims."""
    for i, (x, y) in enumerate(W.T.tolist()):
        style = series_style(i)
        ax.annotate("", xy=(x, y), xytext=(0, 0),
                    arrowprops={"arrowstyle": "->", "color": style["color"], "linewidth": 2,
                                "linestyle": style["linestyle"]})
        ax.text(1.15 * x, 1.15 * y, str(i), color=style["color"], ha="center", va="center",
                fontsize=12, fontweight="bold")
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.5, 1.5)
    ax.set_aspect("equal")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.axvline(0, color="grey", linewidth=0.5)
    ax.set_title(title)


def train_toy_models(
    n_features: int, n_hidden: int, sparsities: tuple[float, ...], steps: int = 1500,
    lr: float = 0.01, batch: int = 256, seed: int = 0, progress: bool = True,
) -> torch.Tensor:
    """Anthropic's toy model of superposition, one model per sparsity, trained together.

    Each example: feature i is 0 with probability `sparsity`, else uniform on [0, 1].
    Model: h = W x (the bottleneck, n_hidden < n_features), x_hat = ReLU(W^T h + b).
    Loss: squared error weighted by the importance 0.7 ** i (feature 0 matters most).
    Returns W: (n_models, n_hidden, n_features); column i of W[k] is feature i's direction.
    """
    from tqdm.auto import tqdm

    generator = torch.Generator().manual_seed(seed)
    k = len(sparsities)
    importance = 0.7 ** torch.arange(n_features)
    W = (torch.randn(k, n_hidden, n_features, generator=generator) / math.sqrt(n_hidden))
    W.requires_grad_(True)
    b = torch.zeros(k, 1, n_features, requires_grad=True)
    present = 1 - torch.tensor(sparsities).view(k, 1, 1)  # the chance a feature is nonzero
    optimizer = torch.optim.Adam([W, b], lr=lr)
    for _ in tqdm(range(steps), desc="toy models", disable=not progress):
        x = torch.rand(k, batch, n_features, generator=generator)
        x = x * (torch.rand(k, batch, n_features, generator=generator) < present)  # sparse
        h = x @ W.transpose(1, 2)  # (k, batch, n_hidden): the bottleneck
        x_hat = torch.relu(h @ W + b)  # (k, batch, n_features)
        loss = (importance * (x - x_hat) ** 2).mean(dim=(1, 2)).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return W.detach()


def capacity_log10(d: int, band_degrees: float) -> float:
    """log10 of e^(d eps^2 / 4), eps = sin(band): how many random directions the cap bound
    P(|cos| > eps) <= 2 exp(-d eps^2 / 2) guarantees can all be within `band` of 90 degrees."""
    eps = math.sin(math.radians(band_degrees))
    return d * eps**2 / 4 / math.log(10)
