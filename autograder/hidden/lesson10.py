"""Hidden tests for lesson 10: random sizes and seeds, compared with the reference or,
for the packing optimiser, checked by the properties a correct packing has."""

import math

import numpy as np
import torch

from autograder.hidden.common import agree, agrees_with_reference, hidden_check
from helpers.checking import describe, guarded
from solutions import lesson10 as reference


@guarded
def random_unit_vectors(learner_random_unit_vectors):
    hint = "torch.randn(n, d, generator=generator), each row divided by its length (float32)."
    chk = hidden_check("random_unit_vectors", learner_random_unit_vectors,
                       reference=reference.random_unit_vectors, crash_hint=hint)
    rng = np.random.default_rng(10)
    for trial in range(1, 6):
        n, d, seed = int(rng.integers(1, 50)), int(rng.integers(1, 300)), int(rng.integers(1000))
        expected = reference.random_unit_vectors(n, d, torch.Generator().manual_seed(seed))
        got = chk.run(n, d, torch.Generator().manual_seed(seed))
        agree(chk, got, expected, atol=1e-5, case=f"hidden random case {trial} of 5 (n={n}, d={d})",
              hint=hint)
    chk.passed()


@guarded
def pairwise_angles(learner_pairwise_angles):
    hint = "one angle in degrees per pair i < j of rows of any length, cosines clamped to [-1, 1]."
    chk = hidden_check("pairwise_angles", learner_pairwise_angles, reference=reference.pairwise_angles,
                       crash_hint=hint)
    rng = np.random.default_rng(0)
    for trial in range(1, 6):
        n, d = int(rng.integers(2, 40)), int(rng.integers(2, 60))
        V = rng.normal(size=(n, d)) * rng.uniform(0.1, 5.0, size=(n, 1))
        V[1] = -V[0] * rng.uniform(0.1, 5.0)  # an opposite pair: cosine -1, up to rounding
        V = torch.tensor(V, dtype=torch.float32)
        case = f"hidden random case {trial} of 5 ({n} rows in {d} dimensions)"
        got = chk.call((V.clone(),), case=case, hint=hint)
        chk.has_shape(got, (n * (n - 1) // 2,), case=case, hint=hint)
        agree(chk, torch.sort(got).values, torch.sort(reference.pairwise_angles(V)).values,
              case=case, hint=hint, atol=1e-3)
    chk.passed()


@guarded
def share_within(learner_share_within):
    def angles_and_band(rng):
        band = float(rng.integers(1, 30))
        angles = rng.uniform(0, 180, size=int(rng.integers(1, 500)))
        angles[: len(angles) // 4] = rng.choice([90.0 - band, 90.0 + band])  # on the band's edges
        return torch.tensor(angles), band

    agrees_with_reference(hidden_check("share_within", learner_share_within), reference.share_within,
                          angles_and_band,
                          hint="the fraction of angles with |angle - 90| <= band.")


@guarded
def exact_share(learner_exact_share):
    def dimension_and_band(rng):
        return int(rng.integers(2, 5000)), float(rng.uniform(0.2, 20.0))

    agrees_with_reference(hidden_check("exact_share", learner_exact_share), reference.exact_share,
                          dimension_and_band, atol=1e-5,
                          hint="integral of sin(theta) ** (d - 2) over the band divided by the "
                               "integral over 0 to 180 degrees, theta in radians.")


@guarded
def pack(learner_pack):
    hint = ("Adam on a copy of V, the loss of the cosines (diagonal 0) each step, rows rescaled to "
            "length 1 after each step; return V.detach().")
    chk = hidden_check("pack", learner_pack, reference=reference.pack, crash_hint=hint)
    rng = np.random.default_rng(10)
    for trial in range(1, 4):
        n, d = int(rng.integers(20, 40)), int(rng.integers(5, 9))
        V = torch.randn(n, d, generator=torch.Generator().manual_seed(int(rng.integers(1000))))
        V = V / V.norm(dim=1, keepdim=True)
        margin = 2 * math.sqrt((n - d) / (d * (n - 1)))  # twice Welch's floor on the max

        def tolerance(cos, margin=margin):
            return (cos.abs() - margin).relu().pow(2).mean()

        def loss_of(U):
            return tolerance((U @ U.T).fill_diagonal_(0.0)).item()

        case = f"hidden random case {trial} of 3 ({n} vectors in {d} dimensions)"
        packed = chk.call((V, tolerance, 300, 0.03, False), case=case, hint=hint).detach()
        chk.has_shape(packed, (n, d), case=case, hint="return the packed vectors, one per row")
        chk.true(torch.allclose(packed.norm(dim=1), torch.ones(n), atol=1e-4), case=case,
                 got=describe(packed), hint="return rows rescaled to length 1 after every step.")
        chk.true(loss_of(packed) < 0.2 * loss_of(V), case=case,
                 hint="the loss should fall to under a fifth of its start in 300 Adam steps: "
                      "minimise the loss of the cosines, diagonal set to 0.")
    chk.passed()
