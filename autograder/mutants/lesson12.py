"""Wrong answers to lesson 12 that learners really write."""

import numpy as np

from autograder.mutants import mutant, replaced
from solutions.lesson12 import compute_optimal, predict_loss, training_flops

training_flops_forward_only = replaced(training_flops, "6.0 *", "2.0 *",
                                       "2 forward (a multiply and an add), 4 backward")


@mutant("training_flops", "overflow silently")
def training_flops_integers(n_params, n_tokens):
    return 6 * n_params * n_tokens * 1.0


training_flops_without_six = replaced(training_flops, "6.0 * ", "", "6 * n_params * n_tokens")


@mutant("fit_power_law", "irreducible")
def fit_power_law_without_floor(x, loss):
    x = np.asarray(x, dtype=float)
    loss = np.asarray(loss, dtype=float)
    if len(np.unique(x)) < 3 or (loss <= 0).any() or (x <= 0).any() or not np.isfinite(loss).all() \
            or not np.isfinite(x).all():
        raise ValueError("need 3 points and positive numbers")
    slope, intercept = np.polyfit(np.log(x), np.log(loss), 1)  # a straight line: no E at all
    return 0.0, float(np.exp(intercept)), float(-slope)


@mutant("fit_power_law", "alpha is minus the slope")
def fit_power_law_slope_as_alpha(x, loss):
    x, loss = np.asarray(x, dtype=float), np.asarray(loss, dtype=float)
    if len(x) != len(loss) or len(np.unique(x)) < 3 or not np.all(loss > 0) or not np.all(x > 0) \
            or not np.isfinite(x).all() or not np.isfinite(loss).all():
        raise ValueError("impossible fit")
    best = None
    for E in np.linspace(0, loss.min(), 1000, endpoint=False):
        slope, intercept = np.polyfit(np.log(x), np.log(loss - E), 1)
        misfit = np.sum((np.log(loss) - np.log(E + np.exp(intercept) * x**slope)) ** 2)
        if best is None or misfit < best[0]:
            best = (misfit, E, np.exp(intercept), slope)
    return float(best[1]), float(best[2]), float(best[3])  # the slope itself as alpha


@mutant("fit_power_law", "np.linspace(0, loss.min(), G) includes min(loss)")
def fit_power_law_floor_reaches_min(x, loss):
    x, loss = np.asarray(x, dtype=float), np.asarray(loss, dtype=float)
    if len(x) != len(loss) or len(np.unique(x)) < 3 or not np.all(loss > 0) or not np.all(x > 0) \
            or not np.isfinite(x).all() or not np.isfinite(loss).all():
        raise ValueError("impossible fit")
    E = np.linspace(0, loss.min(), 1000)  # the last E equals min(loss): log 0
    y = np.log(loss - E[:, None])
    slope = ((y - y.mean(1, keepdims=True)) * (np.log(x) - np.log(x).mean())).sum(1) / \
        ((np.log(x) - np.log(x).mean()) ** 2).sum()
    A = np.exp(y.mean(1) - slope * np.log(x).mean())
    misfit = ((np.log(loss) - np.log(E[:, None] + A[:, None] * x ** slope[:, None])) ** 2).sum(1)
    best = int(np.argmin(misfit))
    return float(E[best]), float(A[best]), float(-slope[best])


@mutant("fit_power_law", "three unknowns need three points")
def fit_power_law_no_checks(x, loss):
    x, loss = np.asarray(x, dtype=float), np.asarray(loss, dtype=float)
    best = (np.inf, 0.0, 1.0, 0.0)
    for E in np.linspace(0, loss.min(), 1000, endpoint=False):
        slope, intercept = np.polyfit(np.log(x), np.log(loss - E), 1)
        misfit = np.sum((np.log(loss) - np.log(E + np.exp(intercept) * x**slope)) ** 2)
        if misfit < best[0]:
            best = (misfit, E, np.exp(intercept), -slope)
    return float(best[1]), float(best[2]), float(best[3])


predict_loss_positive_exponent = replaced(predict_loss, "-alpha", "alpha",
                                          "with a minus sign in the exponent")

predict_loss_without_floor = replaced(predict_loss, "E + ", "", "add the irreducible loss E")

predict_loss_integer_power = replaced(predict_loss, "np.power(x, -alpha, dtype=float)", "x**-alpha",
                                      "integers to negative integer powers")


@mutant("pareto_frontier", "strictly better in one of the two")
def pareto_frontier_ties_beat(compute, loss):
    compute, loss = np.asarray(compute, dtype=float), np.asarray(loss, dtype=float)
    n = len(compute)
    others = ~np.eye(n, dtype=bool)
    beaten = (compute[None, :] <= compute[:, None]) & (loss[None, :] <= loss[:, None]) & others
    return ~beaten.any(axis=1)


@mutant("pareto_frontier", "keep the runs in the order given")
def pareto_frontier_assumes_sorted(compute, loss):
    loss = np.asarray(loss, dtype=float)
    best_before = np.minimum.accumulate(np.concatenate([[np.inf], loss]))[:-1]
    return loss < best_before


@mutant("pareto_frontier", "use <= for compute")
def pareto_frontier_strict_compute(compute, loss):
    compute, loss = np.asarray(compute, dtype=float), np.asarray(loss, dtype=float)
    beaten = (compute[None, :] < compute[:, None]) & (loss[None, :] <= loss[:, None])
    return ~beaten.any(axis=1)


@mutant("compute_optimal", "remember compute = 6 N D")
def compute_optimal_without_six(compute, A, alpha, B, beta):
    scale = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    n_opt = scale * np.power(compute, beta / (alpha + beta), dtype=float)
    return n_opt, compute / n_opt


compute_optimal_swapped_exponent = replaced(compute_optimal, "a = beta / (alpha + beta)",
                                            "a = alpha / (alpha + beta)",
                                            "N grows with the exponent of D, beta, on top")

compute_optimal_without_coefficients = replaced(compute_optimal,
                                                "scale = (alpha * A / (beta * B)) ** (1 / (alpha + beta))",
                                                "scale = 1.0", "G = (alpha A / (beta B))")
