"""Visible checks for lesson 12. Each takes your function and tests it on small cases."""

import math

import numpy as np

from helpers.checking import Check, guarded


def outcome(fn, *args):
    """fn(*args): ["ValueError", message] if it raised a ValueError, [other error name, message]
    if it raised another, ["returned", what it returned, shortened] if it returned."""
    try:
        result = fn(*args)
    except ValueError as err:
        return ["ValueError", str(err)]
    except Exception as err:  # any other error is reported by its name
        return [type(err).__name__, str(err)]
    return ["returned", repr(result)[:200]]


def log_misfit(x, loss, fit):
    """The sum over the points of (log loss - log(E + A x^-alpha))^2 for fit = (E, A, alpha)."""
    E, A, alpha = fit
    x, loss = np.asarray(x, dtype=float), np.asarray(loss, dtype=float)
    with np.errstate(all="ignore"):
        value = float(np.sum((np.log(loss) - np.log(E + A * x ** -alpha)) ** 2))
    return value if math.isfinite(value) else math.inf


def refuses(chk, fn, args, *, case, hint):
    """Pass when fn(*args) raises a ValueError with a message (chk counts it)."""
    what, detail = outcome(fn, *args)[:2]
    if what == "NotImplementedError":
        chk.run(*args)  # reports "not written yet"
    chk.true(what == "ValueError" and detail.strip() != "", case=case, hint=hint,
             got=f"it raised {what}: {detail}" if what != "returned" else f"it returned {detail}")


@guarded
def training_flops(learner_training_flops):
    """6 x N x D, as floats."""
    chk = Check("training_flops", learner_training_flops, returns=float | np.ndarray)
    chk.returns((1_000_000, 20_000_000), 1.2e14, case="a million parameters, 20 million tokens",
                hint="about 6 operations per parameter per token: 2 forward (a multiply and an add), "
                     "4 backward. The compute is 6 * n_params * n_tokens.")
    chk.returns((10, 0), 0.0, case="no tokens at all", hint="no tokens, no compute: 6 * N * 0 = 0.")
    chk.returns((np.array([175_000_000_000]), np.array([300_000_000_000])), [3.15e23],
                case="GPT-3 as numpy integers: 175 billion parameters, 300 billion tokens",
                hint="numpy integers (int64) overflow silently past about 9.2e18, and 6 * N * D is "
                     "3.15e23 here: convert to float before multiplying (np.multiply(..., "
                     "dtype=float) or np.asarray(n, dtype=float)).", rtol=1e-9)
    chk.returns((np.array([1e4, 1e5, 1e6]), 1e8), [6e12, 6e13, 6e14],
                case="three model sizes, one number of tokens",
                hint="use array arithmetic so that an array of sizes gives an array of computes.")
    chk.passed()


@guarded
def fit_power_law(learner_fit_power_law):
    """Three unknowns from points; clear errors for impossible fits."""
    chk = Check("fit_power_law", learner_fit_power_law, returns=tuple[float, float, float])
    method = ("for a trial E, fit the least-squares line through (log x, log(loss - E)); try many "
              "E in [0, min(loss)) and keep the fit whose curve is closest to log loss.")
    x = np.array([1e3, 1e4, 1e5, 1e6])
    loss = 1.5 + 30 * x ** -0.4
    case = "four points exactly on 1.5 + 30 x^-0.4"
    fit = chk.call((x, loss), case=case, hint=method)
    chk.true(all(np.isfinite(fit)), case=f"{case}: E, A and alpha must be numbers, not nan", got=fit,
             hint="a nan comes from the log of 0 or of a negative number: E must stay below min(loss) "
                  "(np.linspace(0, loss.min(), G) includes min(loss) itself; pass endpoint=False).")
    chk.true(fit[2] > 0, case=f"{case}: the loss falls as x grows, so alpha must be positive",
             got=fit, hint="alpha is minus the slope of the line through (log x, log(loss - E)), "
                           "and A = exp(its intercept).")
    chk.close(fit[0], 1.5, case=f"{case}: E", atol=0.01,
              hint="fit the irreducible loss E too: for a given E, log(loss - E) against log x is a "
                   "straight line (slope -alpha, intercept log A); try many E in [0, min(loss)) "
                   "and keep the one whose curve E + A x^-alpha fits log loss best.")
    chk.true(log_misfit(x, loss, fit) < 1e-6, case=f"{case}: the curve must pass through them",
             hint="search E finely enough (a thousand values of E in [0, min(loss)), or zoom in "
                  "around the best), and take A and alpha from the least-squares line at that E.",
             got=f"(E, A, alpha) = {fit}, misfit {log_misfit(x, loss, fit):.3g}")
    chk.close(fit, [1.5, 30.0, 0.4], case=f"{case}: (E, A, alpha)", rtol=0.05, atol=0.01,
              hint="return (E, A, alpha) in this order, as three floats.")
    x = [10.0, 100.0, 1000.0, 10_000.0, 100_000.0]
    fit = chk.call((x, [4 * value**-0.25 for value in x]), case="five points on 4 x^-0.25, as lists",
                   hint="accept lists: np.asarray(x, dtype=float).")
    chk.close(fit, [0.0, 4.0, 0.25], case="five points on 4 x^-0.25 (no floor), given as lists",
              hint="E may be 0: start the values of E you try at 0; accept lists "
                   "(np.asarray(x, dtype=float)).", rtol=0.02, atol=0.01)
    x = np.array([6464, 14304, 25216, 84336, 199040])
    loss = np.array([1.81, 1.63, 1.55, 1.42, 1.36])
    fit = chk.call((x, loss), case="five noisy points given as integer sizes",
                   hint="integer x: compute with floats (np.asarray(x, dtype=float)).")
    chk.true(log_misfit(x, loss, fit) <= 2.3620e-5 * 1.01 + 1e-6 and 0 <= fit[0] < loss.min(),
             case="five noisy points (sizes and losses like the study's): the best fit has misfit "
                  "2.362e-05 with E = 1.242, A = 30.85, alpha = 0.4557",
             hint="keep E in [0, min(loss)) and choose it by the misfit of log loss itself, "
                  "sum (log loss - log(E + A x^-alpha))^2, searched finely enough (a thousand "
                  "values of E, or zoom in around the best).",
             got=f"(E, A, alpha) = {fit}, misfit {log_misfit(x, loss, fit):.4g}")
    x = np.array([25216, 6464, 199040, 25216, 84336, 14304])
    loss = np.array([1.55, 1.81, 1.36, 1.57, 1.42, 1.63])
    fit = chk.call((x, loss), case="six points, unsorted, two at the same x", hint=method)
    chk.true(log_misfit(x, loss, fit) <= 1.7506e-4 * 1.01 + 1e-6,
             case="six points in no particular order, two of them at the same x (two seeds): "
                  "the best fit has misfit 1.751e-04",
             hint="the fit must not depend on the order of the points, and two runs at the same "
                  "x are simply two points.",
             got=f"(E, A, alpha) = {fit}, misfit {log_misfit(x, loss, fit):.4g}")
    x = np.array([100.0, 1000.0, 10_000.0])
    fit = chk.call((x, 2 + 5 * x**-0.5), case="exactly three points", hint=method)
    chk.close(fit, [2.0, 5.0, 0.5], case="exactly three points, on 2 + 5 x^-0.5",
              hint="three points are enough for three unknowns.", rtol=0.05, atol=0.01)
    impossible = "raise ValueError(\"...\") with a sentence that says what is wrong"
    refuses(chk, learner_fit_power_law, ([1e3, 1e4], [2.0, 1.5]), case="only two points",
            hint=f"three unknowns need three points: {impossible} when there are fewer than 3 "
                 "different x.")
    refuses(chk, learner_fit_power_law, ([1e3, 1e3, 1e4], [2.0, 2.1, 1.5]),
            case="three points but only two different x",
            hint=f"count the different values of x (np.unique): {impossible}.")
    refuses(chk, learner_fit_power_law, ([], []), case="no points at all", hint=f"{impossible}.")
    refuses(chk, learner_fit_power_law, ([1e3, 1e4, 1e5], [2.0, 0.0, 1.5]), case="a loss of 0",
            hint=f"log 0 is -inf and the fit would come out nan: {impossible} when a loss is not "
                 "positive.")
    refuses(chk, learner_fit_power_law, ([1e3, -1e4, 1e5], [2.0, 1.8, 1.5]), case="a negative x",
            hint=f"{impossible} when an x is not positive (its log does not exist).")
    refuses(chk, learner_fit_power_law, ([1e3, 1e4, 1e5], [2.0, float("nan"), 1.5]),
            case="a loss that is nan", hint=f"{impossible} when a number is not finite (np.isfinite).")
    refuses(chk, learner_fit_power_law, ([1e3, 1e4, 1e5, 1e6], [2.0, 1.8, 1.5]), case="4 x but 3 losses",
            hint=f"{impossible} when x and loss differ in length.")
    chk.passed()


@guarded
def predict_loss(learner_predict_loss):
    """E + A x^-alpha, for numbers and arrays."""
    chk = Check("predict_loss", learner_predict_loss, returns=float | np.ndarray)
    chk.returns((1000.0, 1.5, 30.0, 0.4), 1.5 + 30 * 1000**-0.4,
                case="x = 1000, E = 1.5, A = 30, alpha = 0.4",
                hint="the loss is E + A * x**(-alpha), with a minus sign in the exponent (the loss "
                     "falls as x grows); add the irreducible loss E.")
    chk.returns((1e12, 1.7, 400.0, 0.3), 1.7 + 400 * 1e12**-0.3, case="x = 1e12: close to the floor E",
                hint="add the irreducible loss E: the curve tends to E, not to 0, for huge x.")
    chk.returns((np.array([1, 2, 4]), 1.0, 8.0, 1), [9.0, 5.0, 3.0],
                case="integer x = [1, 2, 4] and integer alpha = 1",
                hint="numpy refuses integers to negative integer powers: compute with floats "
                     "(np.asarray(x, dtype=float), or np.power(x, -alpha, dtype=float)).")
    chk.returns((np.array([[1e3, 1e4], [1e5, 1e6]]), 0.5, 10.0, 0.5),
                0.5 + 10 * np.array([[1e3, 1e4], [1e5, 1e6]]) ** -0.5,
                case="a 2 x 2 array of x", hint="work on the whole array: the result has x's shape.")
    chk.passed()


@guarded
def pareto_frontier(learner_pareto_frontier):
    """Runs that no other run beats on both compute and loss."""
    chk = Check("pareto_frontier", learner_pareto_frontier, returns=np.ndarray)

    def mask(compute, loss, expected, *, case, hint):
        got = chk.call((np.array(compute, dtype=float), np.array(loss, dtype=float)), case=case, hint=hint)
        chk.has_shape(got, (len(expected),), case=case, hint="return one True/False per run: shape (n,).")
        chk.true(isinstance(got, np.ndarray) and got.dtype == bool, case=f"{case}: the kind of result",
                 hint="return a numpy array of booleans (a comparison gives one), one per run.", got=got)
        chk.equal(got.tolist(), expected, case=case, hint=hint)

    mask([1e9], [2.0], [True], case="a single run", hint="a run alone is on the frontier.")
    mask([], [], [], case="no runs", hint="no runs: return an empty boolean array, np.zeros(0, dtype=bool).")
    mask([1e9, 1e10, 1e11], [2.0, 1.8, 1.7], [True, True, True],
         case="three runs, each cheaper one worse", hint="more compute and a lower loss is not "
         "beaten: a run is off the frontier only when a run with no more compute did better.")
    mask([1e9, 1e10, 1e11], [2.0, 2.1, 1.7], [True, False, True],
         case="a run that costs more than another and is worse",
         hint="run i is beaten when some run j has compute_j <= compute_i and loss_j < loss_i.")
    mask([1e11, 1e9, 1e10], [1.7, 2.0, 2.1], [True, True, False],
         case="the same runs, not sorted by compute",
         hint="keep the runs in the order given: compare every run with every other run "
              "(or sort, take the running minimum, and put the answers back in the given order).")
    mask([1e9, 1e9, 1e10], [2.0, 2.0, 1.9], [True, True, True],
         case="two identical runs (a tie)", hint="two runs with the same compute and the same loss "
         "do not beat each other: a run beats another only when it is strictly better in one of the two.")
    mask([1e9, 1e9, 1e10], [2.0, 1.9, 1.8], [False, True, True],
         case="the same compute, different losses",
         hint="with equal compute, the run with the lower loss beats the other (use <= for compute).")
    mask([1e9, 1e10], [2.0, 2.0], [True, False], case="the same loss, different compute",
         hint="with equal loss, the cheaper run beats the other (use <= for the loss, and require "
              "one of the two to be strictly better).")
    chk.passed()


@guarded
def compute_optimal(learner_compute_optimal):
    """The split of a budget that minimises E + A/N^alpha + B/D^beta under 6ND = C."""
    chk = Check("compute_optimal", learner_compute_optimal,
                returns=tuple[float | np.ndarray, float | np.ndarray])
    chk.returns((6e10, 1.0, 0.3, 1.0, 0.3), (1e5, 1e5),
                case="a symmetric law (A = B, alpha = beta) and 6e10 FLOPs",
                hint="with the same law for N and D the best split is N = D = sqrt(compute / 6): "
                     "remember compute = 6 N D.", rtol=1e-6)
    chk.returns((5.76e23, 406.4, 0.34, 410.7, 0.28), (3.2189859e10, 2.9823057e12),
                case="Hoffmann et al.'s fitted law (A = 406.4, alpha = 0.34, B = 410.7, beta = 0.28) "
                     "and Chinchilla's budget, 5.76e23 FLOPs",
                hint="setting the derivative along 6 N D = C to 0 gives N_opt = G * (C / 6)**(beta / "
                     "(alpha + beta)) with G = (alpha A / (beta B))**(1 / (alpha + beta)); N grows "
                     "with the exponent of D, beta, on top.", rtol=1e-6)
    budgets = np.array([1e12, 1e15])
    got = chk.call((budgets, 50.0, 0.5, 20.0, 0.25), case="two budgets at once",
                   hint="work on arrays: np.power and / apply to every budget.")
    chk.close(got, ([4.7051801e4, 4.7051801e5], [3.5421952e6, 3.5421952e8]), rtol=1e-6,
              case="two budgets at once, a law with alpha = 0.5 and beta = 0.25",
              hint="N_opt = G * (C / 6)**(beta / (alpha + beta)) and D_opt = C / (6 N_opt), on arrays.")
    chk.close(6 * np.asarray(got[0]) * np.asarray(got[1]), budgets, rtol=1e-9,
              case="two budgets: 6 N D must spend each budget exactly",
              hint="D_opt = compute / (6 * N_opt): every FLOP of the budget is spent.")
    chk.passed()
