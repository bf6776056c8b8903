"""Wrong answers to lesson 10 that learners really write."""

import numpy as np
import torch
from tqdm.auto import tqdm

from autograder.mutants import mutant


@mutant("random_unit_vectors", "divide each row by its length")
def vectors_not_normalised(n, d, generator):
    return torch.randn(n, d, generator=generator)


@mutant("random_unit_vectors", "divide each row by its length")
def vectors_normalised_by_column(n, d, generator):
    V = torch.randn(n, d, generator=generator)
    return V / V.norm(dim=0, keepdim=True)


@mutant("random_unit_vectors", "not torch.rand")
def vectors_from_the_unit_cube(n, d, generator):
    V = torch.rand(n, d, generator=generator)
    return V / V.norm(dim=1, keepdim=True)


@mutant("pairwise_angles", "leave out each row with itself")
def angles_with_the_diagonal(V):
    U = V / V.norm(dim=1, keepdim=True)
    cos = U @ U.T
    pairs = torch.ones_like(cos, dtype=torch.bool).triu(diagonal=0)
    return torch.rad2deg(torch.arccos(cos[pairs].clamp(-1.0, 1.0)))


@mutant("pairwise_angles", "not radians")
def angles_in_radians(V):
    U = V / V.norm(dim=1, keepdim=True)
    cos = U @ U.T
    pairs = torch.ones_like(cos, dtype=torch.bool).triu(diagonal=1)
    return torch.arccos(cos[pairs].clamp(-1.0, 1.0))


@mutant("pairwise_angles", "divide each row by its length before the dot products")
def angles_of_raw_dot_products(V):
    cos = V @ V.T
    pairs = torch.ones_like(cos, dtype=torch.bool).triu(diagonal=1)
    return torch.rad2deg(torch.arccos(cos[pairs].clamp(-1.0, 1.0)))


@mutant("pairwise_angles", "clamp the cosines to [-1, 1]")
def angles_without_clamp(V):
    U = V / V.norm(dim=1, keepdim=True)
    cos = U @ U.T
    pairs = torch.ones_like(cos, dtype=torch.bool).triu(diagonal=1)
    return torch.rad2deg(torch.arccos(cos[pairs]))


@mutant("share_within", "do not double it")
def share_within_two_degrees(angles, band=1.0):
    return ((angles - 90.0).abs() <= 2 * band).float().mean().item()


@mutant("share_within", "with an absolute value")
def share_without_abs(angles, band=1.0):
    return ((angles - 90.0) <= band).float().mean().item()


@mutant("share_within", "not the count")
def share_as_a_count(angles, band=1.0):
    return ((angles - 90.0).abs() <= band).float().sum().item()


@mutant("share_within", "use the `band` argument")
def share_with_a_fixed_band(angles, band=1.0):
    return ((angles - 90.0).abs() <= 1.0).float().mean().item()


@mutant("exact_share", "sin(theta) ** (d - 2)")
def exact_share_cosine_exponent(d, band=1.0):
    def mass(low_degrees, high_degrees):
        theta = np.linspace(np.radians(low_degrees), np.radians(high_degrees), 100_001)
        return np.trapezoid(np.sin(theta) ** (d - 3), theta)

    return float(mass(90 - band, 90 + band) / mass(0, 180))


@mutant("exact_share", "sin(theta) ** (d - 2)")
def exact_share_exponent_d_minus_1(d, band=1.0):
    def mass(low_degrees, high_degrees):
        theta = np.linspace(np.radians(low_degrees), np.radians(high_degrees), 100_001)
        return np.trapezoid(np.sin(theta) ** (d - 1), theta)

    return float(mass(90 - band, 90 + band) / mass(0, 180))


@mutant("exact_share", "divide by the integral over the whole range")
def exact_share_not_normalised(d, band=1.0):
    theta = np.linspace(np.radians(90 - band), np.radians(90 + band), 100_001)
    return float(np.trapezoid(np.sin(theta) ** (d - 2), theta))


@mutant("exact_share", "RADIANS")
def exact_share_in_degrees(d, band=1.0):
    def mass(low_degrees, high_degrees):
        theta = np.linspace(low_degrees, high_degrees, 100_001)
        return np.trapezoid(np.abs(np.sin(theta)) ** (d - 2), theta)

    return float(mass(90 - band, 90 + band) / mass(0, 180))


@mutant("pack", "rescale each row to length 1")
def pack_without_renormalising(V, loss_fn, steps=200, lr=0.01, progress=True):
    V = V.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([V], lr=lr)
    for _ in tqdm(range(steps), disable=not progress):
        cos = V @ V.T
        cos.fill_diagonal_(0.0)
        loss = loss_fn(cos)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return V.detach()


@mutant("pack", "do not negate the loss")
def pack_climbing_the_loss(V, loss_fn, steps=200, lr=0.01, progress=True):
    V = V.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([V], lr=lr)
    for _ in tqdm(range(steps), disable=not progress):
        cos = V @ V.T
        cos.fill_diagonal_(0.0)
        loss = -loss_fn(cos)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            V /= V.norm(dim=1, keepdim=True)
    return V.detach()


@mutant("pack", "set the diagonal of the cosine matrix to 0")
def pack_with_the_diagonal(V, loss_fn, steps=200, lr=0.01, progress=True):
    V = V.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([V], lr=lr)
    for _ in tqdm(range(steps), disable=not progress):
        loss = loss_fn(V @ V.T)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            V /= V.norm(dim=1, keepdim=True)
    return V.detach()


@mutant("pack", "work on a copy, V.clone()")
def pack_in_place(V, loss_fn, steps=200, lr=0.01, progress=True):
    V.requires_grad_(True)
    optimizer = torch.optim.Adam([V], lr=lr)
    for _ in tqdm(range(steps), disable=not progress):
        cos = V @ V.T
        cos.fill_diagonal_(0.0)
        loss = loss_fn(cos)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            V /= V.norm(dim=1, keepdim=True)
    return V.detach()


@mutant("random_unit_vectors", "dtype float32")
def vectors_in_float64(n, d, generator):
    V = torch.randn(n, d, generator=generator, dtype=torch.float64)
    return V / V.norm(dim=1, keepdim=True)


@mutant("pairwise_angles", "on BOTH sides")
def angles_clamped_above_only(V):
    U = V / V.norm(dim=1, keepdim=True)
    cos = U @ U.T
    pairs = torch.ones_like(cos, dtype=torch.bool).triu(diagonal=1)
    return torch.rad2deg(torch.arccos(cos[pairs].clamp(max=1.0)))


@mutant("pairwise_angles", "work on a copy, V.clone()")
def angles_normalise_in_place(V):
    V /= V.norm(dim=1, keepdim=True)
    cos = V @ V.T
    pairs = torch.ones_like(cos, dtype=torch.bool).triu(diagonal=1)
    return torch.rad2deg(torch.arccos(cos[pairs].clamp(-1.0, 1.0)))


@mutant("share_within", "not <")
def share_within_strictly(angles, band=1.0):
    return ((angles - 90.0).abs() < band).float().mean().item()


@mutant("share_within", "return a Python float")
def share_as_a_tensor(angles, band=1.0):
    return ((angles - 90.0).abs() <= band).float().mean()


@mutant("exact_share", "return a Python float")
def exact_share_as_an_array(d, band=1.0):
    def mass(low_degrees, high_degrees):
        theta = np.linspace(np.radians(low_degrees), np.radians(high_degrees), 100_001)
        return np.trapezoid(np.sin(theta) ** (d - 2), theta)

    return np.asarray(mass(90 - band, 90 + band) / mass(0, 180))
