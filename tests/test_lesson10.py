"""Lesson 10: the exact share agrees with independent formulas, the references behave, and
every figure the text states (the seeds' 89-91 degree figures among them) is computed."""

import math

import numpy as np
import pytest
import torch

from helpers.superposition import (
    SPARSITIES,
    angle_density,
    capacity_log10,
    levenstein_bound,
    max_cosine_bound,
    summarize,
    toy_feature_stats,
    train_toy_models,
    welch_bound,
)
from solutions import lesson10
from tests.figures import assert_stated, markdown_of

DIMS = [2, 3, 10, 100, 1_000, 10_000]


# The lesson runs torch on one thread; so do these tests (seeded runs give its numbers).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def simulated():
    """The lesson's simulation: 1,000 random directions per dimension, seed 0."""
    return {d: lesson10.share_within(lesson10.pairwise_angles(
        lesson10.random_unit_vectors(1000, d, torch.Generator().manual_seed(0)))) for d in DIMS}


@pytest.fixture(scope="module")
def exact():
    return {d: lesson10.exact_share(d) for d in DIMS}


def cosine_route(d: int, band: float = 1.0) -> float:
    """An independent formula: integrate the cosine's density (1 - c^2)^((d-3)/2) over
    |c| <= sin(band), normalised by the Beta function B(1/2, (d-1)/2) via lgamma."""
    s = math.sin(math.radians(band))
    c = np.linspace(-s, s, 200_001)
    log_beta = math.lgamma(0.5) + math.lgamma((d - 1) / 2) - math.lgamma(d / 2)
    return float(np.trapezoid(np.exp((d - 3) / 2 * np.log1p(-c**2) - log_beta), c))


def test_exact_share_matches_the_closed_forms_in_two_and_three_dimensions():
    assert lesson10.exact_share(2) == pytest.approx(1 / 90, rel=1e-9)
    assert lesson10.exact_share(3) == pytest.approx(math.sin(math.radians(1)), rel=1e-9)
    assert lesson10.exact_share(3, band=30) == pytest.approx(0.5, rel=1e-9)


@pytest.mark.parametrize("d", [4, 10, 100, 1_000, 10_000, 50_000])
def test_exact_share_matches_the_cosine_density_and_the_beta_function(d):
    assert lesson10.exact_share(d) == pytest.approx(cosine_route(d), rel=1e-7)
    mpmath = pytest.importorskip("mpmath")
    if d <= 1_000:  # mpmath's incomplete beta converges slowly for huge parameters
        a, s = mpmath.mpf(d - 1) / 2, mpmath.sin(mpmath.radians(1))
        beta = float(mpmath.betainc(a, a, (1 - s) / 2, (1 + s) / 2, regularized=True))
        assert lesson10.exact_share(d) == pytest.approx(beta, rel=1e-8)


@pytest.mark.parametrize("d", [2, 3, 10, 100, 10_000])
def test_the_plotted_density_integrates_to_one_and_to_the_exact_share(d):
    degrees = np.linspace(0, 180, 360_001)
    density = angle_density(d, degrees)
    assert np.trapezoid(density, degrees) == pytest.approx(1.0, abs=1e-6)
    band = (degrees >= 89) & (degrees <= 91)
    assert np.trapezoid(density[band], degrees[band]) == pytest.approx(
        lesson10.exact_share(d), rel=1e-5)


def test_random_unit_vectors_are_uniform_on_the_sphere():
    V = lesson10.random_unit_vectors(20_000, 3, torch.Generator().manual_seed(3))
    assert torch.allclose(V.norm(dim=1), torch.ones(len(V)), atol=1e-6)
    # Archimedes: on the sphere in 3-d every height z is equally likely (uniform on [-1, 1])
    counts = torch.histc(V[:, 2], bins=10, min=-1, max=1)
    assert counts.min() > 0.9 * 2000 and counts.max() < 1.1 * 2000


def test_pairwise_angles_match_a_loop_over_torch_cosine_similarity():
    V = torch.randn(7, 5, generator=torch.Generator().manual_seed(1)) * 3
    loop = [math.degrees(math.acos(torch.nn.functional.cosine_similarity(V[i], V[j], dim=0)))
            for i in range(7) for j in range(i + 1, 7)]
    np.testing.assert_allclose(lesson10.pairwise_angles(V).numpy(), loop, atol=1e-3)


def test_pack_improves_the_worst_pair_and_keeps_unit_rows():
    V = lesson10.random_unit_vectors(200, 20, torch.Generator().manual_seed(0))
    margin = 1.6 * max_cosine_bound(200, 20)
    packed = lesson10.pack(V, lambda cos: (cos.abs() - margin).relu().pow(2).mean(), 200, 0.01,
                           progress=False)
    before, after = summarize(lesson10.pairwise_angles(V)), summarize(lesson10.pairwise_angles(packed))
    assert torch.allclose(packed.norm(dim=1), torch.ones(200), atol=1e-5)
    assert after["max |cos|"] < margin + 0.03 < before["max |cos|"]
    assert after["mean cos^2"] >= welch_bound(200, 20) - 1e-9  # no packing beats Welch


def test_bounds():
    assert welch_bound(100, 100) == 0.0
    assert welch_bound(1_000, 100) == pytest.approx(900 / 99_900)
    assert levenstein_bound(1_000, 100) == 0.0  # only for n > d (d + 1) / 2 = 5,050
    assert levenstein_bound(10_000, 100) == pytest.approx(0.1400, abs=1e-4)


def test_the_seeds_89_to_91_degree_figures(simulated, exact):
    for shares in (simulated, exact):
        assert 0.005 < shares[2] < 0.02 and 0.005 < shares[3] < 0.02  # "about 1%"
        assert round(100 * shares[100]) == 14  # "about 14%"
        assert shares[1_000] > 0.40  # "over 40%"
        assert shares[10_000] > 0.90  # "over 90%"
        for d in DIMS:
            assert abs(simulated[d] - exact[d]) < 0.005  # "within a fraction of a point"
    assert_stated("10", "1.1", 100 * exact[2], 1)
    assert_stated("10", "1.7", 100 * exact[3], 1)
    assert_stated("10", "14", 100 * exact[100], 0)
    assert_stated("10", "13.8", 100 * exact[100], 1)
    assert_stated("10", "41.9", 100 * exact[1_000], 1)
    assert_stated("10", "91.9", 100 * exact[10_000], 1)


def test_spread_and_band_edge_figures():
    assert_stated("10", "0.0175", math.sin(math.radians(1)), 4)
    assert_stated("10", "1.75", math.sin(math.radians(1)) * math.sqrt(10_000), 2)
    assert_stated("10", "0.31", math.cos(math.radians(72)), 2)


def test_capacity_figures():
    assert "10^40" in markdown_of("10")
    assert round(capacity_log10(12_288, 10)) == 40


def test_full_size_packing_figures():
    """3Blue1Brown's size, 10,000 vectors against the lesson's 1,000: the matrix of cosines."""
    V = lesson10.random_unit_vectors(10, 100, torch.Generator().manual_seed(0))
    text = " ".join(markdown_of("10").split())
    assert (10_000 / 1_000) ** 2 == 100 and "a hundred times the work" in text
    assert 10_000**2 == 100e6 and "100 million" in text
    assert V.dtype == torch.float32 and 10_000**2 * V.element_size() == 400e6 and "400 MB" in text


@pytest.fixture(scope="module")
def packing_report():
    """The lesson's three packings of 1,000 vectors in 100 dimensions, as its cells run them."""
    V = lesson10.random_unit_vectors(1_000, 100, torch.Generator().manual_seed(0))
    floor = max_cosine_bound(1_000, 100)
    losses = {"mean cos^2": lambda cos: (cos**2).mean(),
              "tolerance": lambda cos: (cos.abs() - 1.6 * floor).relu().pow(2).mean(),
              "too tight": lambda cos: (cos.abs() - 0.5 * floor).relu().pow(2).mean()}
    report = {"random": summarize(lesson10.pairwise_angles(V))}
    for name, loss in losses.items():
        packed = lesson10.pack(V, loss, steps=200, lr=0.01, progress=False)
        report[name] = summarize(lesson10.pairwise_angles(packed))
    return report, floor


def test_packing_figures(packing_report):
    report, floor = packing_report
    random, tolerance = report["random"], report["tolerance"]
    collapsed, too_tight = report["mean cos^2"], report["too tight"]
    assert_stated("10", "0.45", random["max |cos|"], 2)
    assert_stated("10", "0.15", tolerance["max |cos|"], 2)
    assert_stated("10", "64", 90 - random["worst |angle - 90|"], 0)
    assert_stated("10", "81", 90 - tolerance["worst |angle - 90|"], 0)
    assert_stated("10", "0.095", floor, 3)
    assert_stated("10", "0.0100", random["mean cos^2"], 4)
    assert_stated("10", "0.0091", tolerance["mean cos^2"], 4)
    assert_stated("10", "0.0090", welch_bound(1_000, 100), 4)
    assert_stated("10", "12.0", 100 * tolerance["within 1 deg"], 1)
    assert_stated("10", "13.8", 100 * random["within 1 deg"], 1)
    assert_stated("10", "90", 100 * collapsed["within 1 deg"], 0)
    assert_stated("10", "1.00", collapsed["max |cos|"], 2)
    assert collapsed["near-duplicates"] > 2_000 and "over two thousand" in markdown_of("10")
    assert too_tight["near-duplicates"] > 100 and too_tight["max |cos|"] > 0.9
    assert tolerance["near-duplicates"] == 0 and random["near-duplicates"] == 0


@pytest.fixture(scope="module")
def toy_models():
    return (train_toy_models(20, 5, SPARSITIES, progress=False),
            train_toy_models(5, 2, SPARSITIES, seed=2, progress=False))


def test_toy_models_go_into_superposition_as_sparsity_grows(toy_models):
    W_toys, W_planes = toy_models
    kept = [int((toy_feature_stats(W)[0] > 0.5).sum()) for W in W_toys]
    shared = [int(((toy_feature_stats(W)[0] > 0.5) & (toy_feature_stats(W)[1] > 0.05)).sum())
              for W in W_toys]
    assert kept[0] == 5 and shared[0] == 0  # dense: 5 features, one axis each
    assert kept == sorted(kept) and kept[-1] == 12 == shared[-1]  # sparse: 12, all sharing
    assert "12 features in 5 dimensions" in markdown_of("10")
    planes = {s: W.norm(dim=0) > 0.5 for s, W in zip(SPARSITIES, W_planes)}
    assert {s: int(kept.sum()) for s, kept in planes.items()} == {
        0.0: 2, 0.7: 4, 0.9: 4, 0.97: 5, 0.99: 4, 0.997: 5}  # what the slider's titles show
    for sparsity in (0.97, 0.997):  # a pentagon: neighbours 72 degrees apart
        pentagon = W_planes[SPARSITIES.index(sparsity)]
        angles = sorted(lesson10.pairwise_angles((pentagon / pentagon.norm(dim=0)).T).tolist())
        np.testing.assert_allclose(angles[:5], 72, atol=6)
    for sparsity in (0.7, 0.9, 0.99):  # four features in two head-to-tail pairs
        W = W_planes[SPARSITIES.index(sparsity)][:, planes[sparsity]]
        angles = sorted(lesson10.pairwise_angles((W / W.norm(dim=0)).T).tolist())
        np.testing.assert_allclose(angles[-2:], 180, atol=6)
        np.testing.assert_allclose(angles[:4], 90, atol=10)
    text = markdown_of("10").replace("\n", " ")
    assert "At sparsities 0.7 and 0.9, four features pair up head to tail" in text
    assert "At 0.97 and at the sparsest, 0.997, all five fan out into a pentagon, 72 degrees" in text
    assert "At 0.99 training settles on four in pairs" in text and SPARSITIES[-1] == 0.997


def test_sparse_hidden_dimensions_are_polysemantic(toy_models):
    W_sparse = toy_models[0][-1]
    assert all(int((row.abs() > 0.3).sum()) >= 3 for row in W_sparse)
