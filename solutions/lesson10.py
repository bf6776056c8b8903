"""Lesson 10 — superposition: many nearly orthogonal directions in few dimensions."""

from collections.abc import Callable

import numpy as np
import torch
from tqdm.auto import tqdm


def random_unit_vectors(n: int, d: int, generator: torch.Generator) -> torch.Tensor:
    """n directions drawn uniformly at random in d dimensions, as unit vectors.

    Draw all the numbers at once with torch.randn(n, d, generator=generator), then divide
    each row by its length. (A Gaussian cloud looks the same from every direction, so its
    rows, scaled to length 1, point every way with equal chance.)
    Returns V: (n, d) float32, one unit vector per row.
    """
    V = torch.randn(n, d, generator=generator)  # (n, d)
    return V / V.norm(dim=1, keepdim=True)


def pairwise_angles(V: torch.Tensor) -> torch.Tensor:
    """The angle, in degrees, between every pair of rows of V.

    V: (n, d), rows of any nonzero length. Divide each row by its length, take all the dot
    products at once, keep one entry per pair i < j (no row with itself, no pair twice),
    clamp the cosines to [-1, 1] (rounding can push them just past 1) and take arccos.
    Returns (n * (n - 1) / 2,) angles in degrees, between 0 and 180, in any order.
    """
    U = V / V.norm(dim=1, keepdim=True)  # (n, d) unit rows
    cos = U @ U.T  # (n, n) all the cosines
    pairs = torch.ones_like(cos, dtype=torch.bool).triu(diagonal=1)  # i < j
    return torch.rad2deg(torch.arccos(cos[pairs].clamp(-1.0, 1.0)))


def share_within(angles: torch.Tensor, band: float = 1.0) -> float:
    """The fraction of the angles (in degrees) that lie within `band` degrees of 90.

    angles: (n_pairs,). With band=1 this counts the angles between 89 and 91 degrees.
    Returns a Python float between 0 and 1.
    """
    return ((angles - 90.0).abs() <= band).float().mean().item()


def exact_share(d: int, band: float = 1.0) -> float:
    """The chance that two random directions in d dimensions make an angle within `band`
    degrees of 90, from the exact distribution of the angle (no simulation).

    The angle theta between two random directions has density proportional to
    sin(theta) ** (d - 2) on [0, pi]. Integrate that density numerically (np.trapezoid)
    over the band, 90 - band to 90 + band degrees, and divide by its integral over the whole
    range, 0 to 180 degrees. Use a fine grid of about 100,001 points for each integral.
    Returns a Python float between 0 and 1.
    """
    def mass(low_degrees: float, high_degrees: float) -> float:
        theta = np.linspace(np.radians(low_degrees), np.radians(high_degrees), 100_001)
        return np.trapezoid(np.sin(theta) ** (d - 2), theta)

    return float(mass(90 - band, 90 + band) / mass(0, 180))


def pack(
    V: torch.Tensor,
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    steps: int = 200,
    lr: float = 0.01,
    progress: bool = True,
) -> torch.Tensor:
    """Gradient descent that pushes the rows of V toward mutual orthogonality.

    V: (n, d) unit vectors, one per row. Work on a copy: V itself must not change.
    loss_fn: takes the (n, n) matrix of cosines between the rows, with its diagonal set to
    0 (a row with itself is not a pair), and returns a scalar loss to minimise.
    Each step: the cosines (the rows have length 1, so they are the dot products), the
    loss, backward, one step of torch.optim.Adam (learning rate lr), then rescale every row
    to length 1 again so the vectors stay on the unit sphere.
    Show a tqdm progress bar over the steps when `progress` is True.
    Returns the packed vectors: (n, d) unit rows, a tensor that does not require grad.
    """
    V = V.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([V], lr=lr)
    for _ in tqdm(range(steps), disable=not progress, desc="packing"):
        cos = V @ V.T  # (n, n)
        cos.fill_diagonal_(0.0)  # no pair of a row with itself
        loss = loss_fn(cos)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            V /= V.norm(dim=1, keepdim=True)  # back onto the sphere
    return V.detach()
