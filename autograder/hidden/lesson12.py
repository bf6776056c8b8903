"""Hidden tests for lesson 12: random sizes, laws and runs, compared with the reference."""

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check, run_through
from helpers.checking import guarded
from helpers.checks.lesson12 import log_misfit, outcome
from solutions import lesson12 as reference


@guarded
def training_flops(learner_training_flops):
    def args(rng):
        n = rng.integers(1_000, 10**12, size=int(rng.integers(1, 6)))
        d = rng.integers(1_000, 10**13, size=n.shape)
        kind = int(rng.integers(3))
        if kind == 0:  # Python ints
            return int(n[0]), int(d[0])
        if kind == 1:  # numpy integer arrays (6 N D far beyond int64)
            return n, d
        return n.astype(float), float(d[0])  # floats, broadcast

    agrees_with_reference(hidden_check("training_flops", learner_training_flops), reference.training_flops,
                          args, trials=6, rtol=1e-9, atol=0,
                          hint="6 * N * D computed with floats (numpy integers overflow past 9.2e18).")


def power_law_points(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """3 to 12 points on E + A x^-alpha with a little noise; the power-law term is still
    20% to 200% of E at the largest x, so the floor is well determined."""
    n = int(rng.integers(3, 13))
    E, alpha = rng.uniform(0.5, 2.5), rng.uniform(0.1, 0.8)
    low = rng.uniform(2, 6)
    x = np.unique(np.round(10 ** rng.uniform(low, low + rng.uniform(1.5, 3), size=n)))
    while len(x) < 3:
        x = np.unique(np.append(x, np.round(10 ** rng.uniform(low, low + 3))))
    A = E * rng.uniform(0.2, 2) * x.max() ** alpha
    noise = rng.choice([0, 0.003, 0.01, 0.03])
    loss = (E + A * x**-alpha) * np.exp(rng.normal(0, noise, size=len(x)))
    order = rng.permutation(len(x))
    return x[order], loss[order]


@guarded
def fit_power_law(learner_fit_power_law):
    chk = hidden_check("fit_power_law", learner_fit_power_law, reference=reference.fit_power_law)
    rng = np.random.default_rng(12)
    for trial in range(1, 9):
        x, loss = power_law_points(rng)
        best = log_misfit(x, loss, reference.fit_power_law(x, loss))
        fit = chk.call((x, loss), case=f"hidden random case {trial} of 8",
                       hint="for each E in [0, min(loss)), the least-squares line through (log x, "
                            "log(loss - E)); keep the E whose curve fits log loss best.")
        case = f"hidden random case {trial} of 8 ({len(x)} points)"
        chk.true(0 <= fit[0] < loss.min() and fit[1] > 0, case=case, got=fit,
                 hint="E must lie in [0, min(loss)) and A must be positive.")
        chk.true(log_misfit(x, loss, fit) <= 1.01 * best + 1e-6, case=case, got=fit,
                 hint="choose E by the misfit of log loss itself, sum (log loss - log(E + A "
                      "x^-alpha))^2, and search E finely (a thousand values, or zoom in).")
    x, loss = np.array([0.5, 1.0, 2.0, 4.0, 8.0]), 1.2 + 0.8 * np.array([0.5, 1.0, 2.0, 4.0, 8.0]) ** -0.5
    fit = chk.call((x, loss), case="hidden case: x from 0.5 to 8 (any positive x is allowed)",
                   hint="accept every positive, finite x, also below 1: only x <= 0 has no logarithm.")
    chk.true(log_misfit(x, loss, fit) <= 1.01 * log_misfit(x, loss, reference.fit_power_law(x, loss)) + 1e-6,
             case="hidden case: x from 0.5 to 8", got=fit,
             hint="choose E by the misfit of log loss itself, and search E finely.")
    impossible = "raise ValueError with a message when the fit is impossible"
    for args, what in [(([2e3, 5e4], [2.0, 1.7]), "two points"),
                       (([1e2, 1e2, 1e3, 1e3], [3.0, 3.1, 2.0, 2.2]), "four points at two different x"),
                       (([1e2, 1e3, 1e4, 1e5], [3.0, 2.0, -1.0, 1.5]), "a negative loss"),
                       (([1e2, 0.0, 1e4], [3.0, 2.5, 1.5]), "an x of 0"),
                       (([1e2, 1e3, float("inf")], [3.0, 2.5, 1.5]), "an infinite x"),
                       (([1e2, 1e3, 1e4, 1e5], [3.0, 2.5, 2.0]), "four x and three losses"),
                       (([1e2, 1e3, 1e4], [3.0, 2.5, 2.0, 1.8]), "three x and four losses"),
                       (([1e2, 1e3, 1e4, 1e5], [3.0, float("nan"), 2.0, 1.8]), "a loss that is nan"),
                       (([1e2, 1e3, 1e4, 1e5], [3.0, 2.5, float("inf"), 1.8]), "an infinite loss"),
                       (([1e2, 1e3, 1e4, 1e5], [3.0, 2.5, 0.0, 1.8]), "a loss of 0")]:
        what_came, detail = run_through(chk, outcome, *args)[:2]
        chk.true(what_came == "ValueError" and detail.strip() != "", case=f"hidden case: {what}",
                 hint=f"{impossible} (x and loss of different lengths, fewer than 3 different x, "
                      "or an x or loss that is not a positive, finite number).",
                 got=f"it raised {what_came}" if what_came != "returned" else "it returned a fit")
    chk.passed()


@guarded
def predict_loss(learner_predict_loss):
    def args(rng):
        shape = [(), (int(rng.integers(1, 9)),), (2, 3)][int(rng.integers(3))]
        x = 10 ** rng.uniform(0, 12, size=shape)
        alpha = float(rng.uniform(0.05, 1.0))
        if shape and rng.random() < 0.5:  # integers, and a whole-number alpha
            x, alpha = np.round(x).astype(np.int64) + 1, int(rng.integers(1, 3))
        return float(x) if shape == () else x, float(rng.uniform(0, 3)), float(rng.uniform(1, 500)), alpha

    agrees_with_reference(hidden_check("predict_loss", learner_predict_loss), reference.predict_loss, args,
                          trials=8, rtol=1e-9, hint="E + A * x**(-alpha), computed with floats.")


@guarded
def pareto_frontier(learner_pareto_frontier):
    def args(rng):
        n = int(rng.integers(1, 40))
        compute = 10 ** np.round(rng.uniform(8, 12, size=n), 1)  # rounded: ties happen
        loss = np.round(rng.uniform(1.2, 2.6, size=n), 1)
        if n > 2:  # an exact duplicate run
            compute[-1], loss[-1] = compute[0], loss[0]
        return compute, loss

    agrees_with_reference(hidden_check("pareto_frontier", learner_pareto_frontier), reference.pareto_frontier,
                          args, trials=8,
                          hint="run i is beaten when another run has compute <= its compute and loss "
                               "< its loss, or compute < its compute and loss <= its loss.")


@guarded
def compute_optimal(learner_compute_optimal):
    def args(rng):
        compute = 10 ** rng.uniform(10, 25, size=int(rng.integers(1, 5))) if rng.random() < 0.5 \
            else float(10 ** rng.uniform(10, 25))
        return (compute, float(rng.uniform(10, 500)), float(rng.uniform(0.1, 0.8)),
                float(rng.uniform(10, 500)), float(rng.uniform(0.1, 0.8)))

    agrees_with_reference(hidden_check("compute_optimal", learner_compute_optimal), reference.compute_optimal,
                          args, trials=8, rtol=1e-6, atol=0,
                          hint="N_opt = G (C/6)^(beta/(alpha+beta)) with G = (alpha A / (beta B))^"
                               "(1/(alpha+beta)), and D_opt = C / (6 N_opt).")
