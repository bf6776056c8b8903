"""Wrong answers to lesson 10 that learners really write."""

import numpy as np
import torch

from autograder.mutants import mutant, replaced
from solutions.lesson10 import exact_share, pack, pairwise_angles, random_unit_vectors, share_within

vectors_not_normalised = replaced(random_unit_vectors, "return V / V.norm(dim=1, keepdim=True)", "return V",
                                  "divide each row by its length")

vectors_normalised_by_column = replaced(random_unit_vectors, "dim=1", "dim=0",
                                        "divide each row by its length")

vectors_from_the_unit_cube = replaced(random_unit_vectors, "torch.randn(", "torch.rand(", "not torch.rand")

angles_with_the_diagonal = replaced(pairwise_angles, "diagonal=1", "diagonal=0",
                                    "leave out each row with itself")

angles_in_radians = replaced(pairwise_angles, "torch.rad2deg(torch.arccos(cos[pairs].clamp(-1.0, 1.0)))",
                             "torch.arccos(cos[pairs].clamp(-1.0, 1.0))", "not radians")

angles_of_raw_dot_products = replaced(pairwise_angles, "U = V / V.norm(dim=1, keepdim=True)", "U = V",
                                      "divide each row by its length before the dot products")

angles_without_clamp = replaced(pairwise_angles, ".clamp(-1.0, 1.0)", "", "clamp the cosines to [-1, 1]")
share_within_two_degrees = replaced(share_within, "<= band", "<= 2 * band", "do not double it")
share_without_abs = replaced(share_within, ".abs()", "", "with an absolute value")
share_as_a_count = replaced(share_within, ".mean()", ".sum()", "not the count")
share_with_a_fixed_band = replaced(share_within, "<= band", "<= 1.0", "use the `band` argument")
exact_share_cosine_exponent = replaced(exact_share, "(d - 2)", "(d - 3)", "sin(theta) ** (d - 2)")
exact_share_exponent_d_minus_1 = replaced(exact_share, "(d - 2)", "(d - 1)", "sin(theta) ** (d - 2)")


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


pack_without_renormalising = replaced(pack,
                                      "with torch.no_grad():\n            V /= V.norm(dim=1, keepdim=True)",
                                      "", "rescale each row to length 1")

pack_climbing_the_loss = replaced(pack, "loss = loss_fn(cos)", "loss = -loss_fn(cos)",
                                  "do not negate the loss")

pack_with_the_diagonal = replaced(pack, "cos.fill_diagonal_(0.0)", "",
                                  "set the diagonal of the cosine matrix to 0")

pack_in_place = replaced(pack, "V = V.clone().requires_grad_(True)", "V.requires_grad_(True)",
                         "work on a copy, V.clone()")

vectors_in_float64 = replaced(random_unit_vectors, "generator=generator)",
                              "generator=generator, dtype=torch.float64)", "dtype float32")

angles_clamped_above_only = replaced(pairwise_angles, ".clamp(-1.0, 1.0)", ".clamp(max=1.0)", "on BOTH sides")


@mutant("pairwise_angles", "work on a copy, V.clone()")
def angles_normalise_in_place(V):
    V /= V.norm(dim=1, keepdim=True)
    cos = V @ V.T
    pairs = torch.ones_like(cos, dtype=torch.bool).triu(diagonal=1)
    return torch.rad2deg(torch.arccos(cos[pairs].clamp(-1.0, 1.0)))


share_within_strictly = replaced(share_within, "<= band", "< band", "not <")
share_as_a_tensor = replaced(share_within, ".item()", "", "return a Python float")

exact_share_as_an_array = replaced(exact_share, "return float(mass(90 - band, 90 + band) / mass(0, 180))",
                                   "return np.asarray(mass(90 - band, 90 + band) / mass(0, 180))",
                                   "return a Python float")
