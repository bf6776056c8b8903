"""Visible checks for lesson 10. Each takes your function and tests it on small cases."""

import math

import torch

from helpers.checking import Check, guarded


def _unit_rows(n: int, d: int, seed: int) -> torch.Tensor:
    """Seeded random unit vectors for the checks (not your function: the checks need
    inputs that do not depend on your answers)."""
    V = torch.randn(n, d, generator=torch.Generator().manual_seed(seed))
    return V / V.norm(dim=1, keepdim=True)


def _sorted(values) -> torch.Tensor:
    return torch.sort(torch.as_tensor(values).flatten()).values


@guarded
def random_unit_vectors(learner_random_unit_vectors):
    """Shape, unit length, every direction possible, and the seeded draw."""
    chk = Check("random_unit_vectors", learner_random_unit_vectors, returns=torch.Tensor)
    V = chk.run(5, 3, torch.Generator().manual_seed(0))
    chk.has_shape(V, (5, 3), case="n=5, d=3: the shape",
                  hint="return one vector per row: shape (n, d).")
    chk.close(V.norm(dim=1), [1.0] * 5, case="n=5, d=3: the length of each row", atol=1e-5,
              hint="divide each row by its length: V / V.norm(dim=1, keepdim=True) "
                   "(dim=1 is along a row).")
    many = chk.run(4000, 2, torch.Generator().manual_seed(1))
    chk.true(bool((many < 0).any()) and many.mean(dim=0).abs().max().item() < 0.05,
             case="4000 vectors in 2 dimensions should point every way, on average nowhere",
             got=many.mean(dim=0),
             hint="draw with torch.randn (Gaussian: both signs, the same in every direction), "
                  "not torch.rand (uniform on [0, 1): every coordinate positive).")
    chk.returns((2, 3, torch.Generator().manual_seed(0)),
                [[0.573981, -0.109295, -0.811542], [0.305795, -0.583433, -0.752393]],
                case="n=2, d=3 with torch.Generator().manual_seed(0)", atol=1e-5, dtype=torch.float32,
                hint="draw all the numbers at once with torch.randn(n, d, generator=generator), "
                     "then scale each row, so that the same seed gives the same vectors.")
    chk.passed()


@guarded
def pairwise_angles(learner_pairwise_angles):
    """One angle per pair, in degrees, for unit and non-unit rows, never nan."""
    chk = Check("pairwise_angles", learner_pairwise_angles, returns=torch.Tensor)
    s = math.sqrt(0.5)
    units = torch.tensor([[1.0, 0.0], [0.0, 1.0], [s, s]])
    got = chk.run(units)
    chk.has_shape(got, (3,),
                  case="3 vectors make 3 pairs: (0, 1), (0, 2), (1, 2)",
                  hint="one angle per pair i < j, n (n - 1) / 2 of them: leave out each row with "
                       "itself (i == j, always 0 degrees) and count each pair once (a triangle "
                       "above the diagonal, torch.triu(..., diagonal=1)).")
    chk.close(_sorted(got), [45.0, 45.0, 90.0], atol=1e-3,
              case="rows [1, 0], [0, 1], [0.71, 0.71] (angles sorted)",
              hint="return degrees, not radians: torch.rad2deg (or * 180 / pi) after arccos.")
    longer = torch.tensor([[3.0, 0.0], [0.0, 0.5], [1.0, 1.0]])
    chk.close(_sorted(chk.run(longer)), [45.0, 45.0, 90.0], atol=1e-3,
              case="rows [3, 0], [0, 0.5], [1, 1]: the same directions, other lengths",
              hint="divide each row by its length before the dot products: the cosine is "
                   "(u . v) / (|u| |v|), and only for unit vectors is it the dot product.")
    twins = torch.tensor([[0.1, 0.3, 0.5, 0.1], [0.1, 0.3, 0.5, 0.1], [0.0, 0.0, 0.0, 1.0]])
    got = _sorted(chk.run(twins))
    chk.true(not bool(torch.isnan(got).any()), got=got,
             case="two identical rows (their angle is 0) and a third one",
             hint="clamp the cosines to [-1, 1] before arccos: rounding can make a cosine "
                  "1.0000002, and arccos of that is nan.")
    chk.close(got, [0.0, 80.406, 80.406], atol=0.05,
              case="two identical rows (their angle is 0) and a third one",
              hint="the angle between a vector and a copy of itself is 0 degrees.")
    opposite = torch.cat([twins[:1], -twins[:1], twins[2:]])
    got = _sorted(chk.run(opposite))
    chk.true(not bool(torch.isnan(got).any()), got=got,
             case="two opposite rows (their angle is 180 degrees) and a third one",
             hint="clamp the cosines on BOTH sides, to [-1, 1]: rounding can make the cosine of "
                  "opposite vectors -1.0000001, and arccos of that is nan.")
    chk.close(got, [80.406, 99.594, 180.0], atol=0.05,
              case="two opposite rows (their angle is 180 degrees) and a third one",
              hint="opposite directions make 180 degrees: cosine -1.")
    chk.passed()


@guarded
def share_within(learner_share_within):
    """Fractions, both sides of 90, the band's width, the band argument."""
    chk = Check("share_within", learner_share_within, returns=float)
    chk.returns((torch.tensor([90.0, 180.0]),), 0.5, case="angles [90, 180]: one of two",
                hint="return the fraction (count / number of angles), not the count.")
    chk.returns((torch.tensor([85.0, 89.5, 90.0, 93.0]),), 0.5,
                case="angles [85, 89.5, 90, 93], band=1",
                hint="measure the distance from 90 with an absolute value, |angle - 90| <= band: "
                     "angles far BELOW 90 must not count.")
    chk.returns((torch.tensor([88.5, 89.2, 90.9, 91.5]),), 0.5,
                case="angles [88.5, 89.2, 90.9, 91.5], band=1",
                hint="the band reaches `band` degrees on each side of 90 (89 to 91 for band=1): "
                     "do not double it.")
    chk.returns((torch.tensor([80.0, 87.0, 94.0, 100.0]), 5.0), 0.5,
                case="angles [80, 87, 94, 100], band=5",
                hint="use the `band` argument instead of a fixed 1 degree.")
    chk.returns((torch.tensor([89.0, 91.0, 88.0, 92.0]),), 0.5,
                case="angles [89, 91, 88, 92], band=1: two of them exactly on the band's edge",
                hint="the band includes its edges: |angle - 90| <= band (not <), so 89 and 91 "
                     "count for band=1.")
    chk.passed()


@guarded
def exact_share(learner_exact_share):
    """Whole range, the closed forms in 2 and 3 dimensions, and two dimensions that matter."""
    chk = Check("exact_share", learner_exact_share, returns=float)
    chk.returns((3, 90.0), 1.0, rtol=1e-4,
                case="d=3, band=90: 0 to 180 degrees, every angle",
                hint="integrate from 90 - band to 90 + band degrees and divide by the integral "
                     "over the whole range, 0 to 180 degrees, so that all angles add up to 1.")
    chk.returns((2, 1.0), 1 / 90, rtol=1e-4,
                case="d=2, band=1: in the plane every angle is equally likely, 2 / 180",
                hint="in d=2 the density sin(theta) ** (d - 2) is flat (sin ** 0 = 1): the share "
                     "is the band's width, 2 degrees, out of 180.")
    chk.returns((3, 1.0), math.sin(math.radians(1.0)), rtol=1e-4,
                case="d=3, band=1: every height on a sphere is equally likely, so sin(1 degree)",
                hint="the angle's density is sin(theta) ** (d - 2), theta in RADIANS (np.radians "
                     "before np.sin): the cosine's density (1 - c^2) ** ((d - 3) / 2) times "
                     "sin(theta), from dc = -sin(theta) dtheta.")
    chk.returns((100, 1.0), 0.137525, rtol=1e-4, case="d=100, band=1",
                hint="use a fine grid (about 100,001 points) for each integral.")
    chk.returns((10_000, 1.0), 0.919057, rtol=1e-4, case="d=10,000, band=1",
                hint="at d=10,000 the density is a narrow spike at 90 degrees: the grid over "
                     "0 to 180 must be fine (about 100,001 points) to catch it.")
    chk.passed()


@guarded
def pack(learner_pack):
    """The loss sees cosines with a zero diagonal; rows stay unit; the worst pair improves."""
    chk = Check("pack", learner_pack, returns=torch.Tensor)
    V = _unit_rows(12, 4, seed=0)
    seen = []

    def tolerance(cos):
        seen.append((tuple(cos.shape), cos.detach().diagonal().abs().max().item()))
        return (cos.abs() - 0.5).relu().pow(2).mean()

    packed = chk.run(V, tolerance, 150, 0.05, False)
    chk.equal(len(seen), 150, case="calls of loss_fn for steps=150",
              hint="compute the loss once per step, steps times.")
    chk.equal(seen[0][0], (12, 12), case="the shape of the matrix given to loss_fn for 12 vectors",
              hint="give loss_fn the (n, n) matrix of all cosines, V @ V.T.")
    chk.true(max(diagonal for _, diagonal in seen) == 0.0, got=max(d for _, d in seen),
             case="the diagonal of the cosines given to loss_fn",
             hint="set the diagonal of the cosine matrix to 0 before calling loss_fn "
                  "(cos.fill_diagonal_(0.0)): a row with itself is not a pair.")
    chk.has_shape(packed, (12, 4), case="12 vectors in 4 dimensions: the shape",
                  hint="return the packed vectors, shape (n, d).")
    chk.true(not packed.requires_grad, case="the returned tensor requires grad",
             hint="return V.detach(): plotting and numpy need a tensor without gradient.")
    chk.close(packed.norm(dim=1), [1.0] * 12, atol=1e-4,
              case="the lengths of the packed rows",
              hint="after every step rescale each row to length 1 "
                   "(inside torch.no_grad(): V /= V.norm(dim=1, keepdim=True)).")
    before = (V @ V.T).fill_diagonal_(0.0).abs().max().item()
    after = (packed @ packed.T).fill_diagonal_(0.0).abs().max().item()
    chk.true(after < 0.6 and after < before - 0.1, got=(round(before, 3), round(after, 3)),
             case="largest |cos| before and after 150 steps (should fall, here below 0.6)",
             hint="minimise: optimizer.zero_grad(), loss.backward(), optimizer.step(). "
                  "Adam steps AGAINST the gradient; do not negate the loss.")
    chk.passed()
