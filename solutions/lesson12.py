"""Lesson 12 — why scale: training compute, power laws, and the compute-optimal model.

Conventions: N is a model's number of parameters, D the number of tokens it trains on,
C its training compute in floating-point operations (FLOPs) and L a held-out loss (nats
per token). Numbers may be Python numbers or numpy arrays.
"""

import numpy as np


def training_flops(n_params: float | np.ndarray, n_tokens: float | np.ndarray) -> float | np.ndarray:
    """The compute of a training run, in floating-point operations: about 6 x N x D.

    n_params: the model's number of parameters N; n_tokens: the number of tokens D it
    trains on. Each may be a number or a numpy array (of ints or floats); arrays broadcast.
    Returns 6 * N * D as a float, or a float array when an input is an array, exact for
    any size (GPT-3's 175 billion parameters times 300 billion tokens included).
    """
    return 6.0 * np.multiply(n_params, n_tokens, dtype=float)  # floats: int64 would overflow


def fit_power_law(x: np.ndarray, loss: np.ndarray) -> tuple[float, float, float]:
    """Fit loss = E + A * x**(-alpha): an irreducible loss E plus a power law in x.

    x: (n,) positive numbers (parameters, tokens or FLOPs); loss: (n,) positive losses
    measured at them, in the same order.
    For a trial floor E (0 <= E < min(loss)), A and alpha come from the least-squares
    straight line through the points (log x, log(loss - E)): its slope is -alpha and its
    intercept log A. Of all trial floors, return the fit whose curve E + A * x**(-alpha) is
    closest to the points in log space, the smallest sum over the points of
        (log loss_i - log(E + A * x_i**(-alpha)))**2
    (to within 1% of the smallest, or 1e-6; a fit with an even smaller sum is right too).
    Raises ValueError, with a message that says what is wrong, when x and loss have
    different lengths, when there are fewer than 3 different values of x (three unknowns
    need three points), or when any x or loss is not a positive, finite number.
    Returns (E, A, alpha) as three floats.
    """
    x, loss = np.asarray(x, dtype=float), np.asarray(loss, dtype=float)
    if x.ndim != 1 or x.shape != loss.shape:
        raise ValueError(f"x and loss must be two 1-D lists of the same length, got shapes "
                         f"{x.shape} and {loss.shape}")
    if not (np.isfinite(x).all() and np.isfinite(loss).all() and (x > 0).all() and (loss > 0).all()):
        raise ValueError("every x and every loss must be a positive, finite number (the fit takes logs)")
    if len(np.unique(x)) < 3:
        raise ValueError(f"a fit of 3 numbers (E, A, alpha) needs points at 3 different x or more, "
                         f"got {len(np.unique(x))}")
    log_x, log_loss = np.log(x), np.log(loss)
    x_centred = log_x - log_x.mean()  # (n,)
    low, high = 0.0, loss.min()  # E lies in [0, min(loss))
    for _ in range(4):  # 200 values of E, then zoom in around the best one, four times
        E = np.linspace(low, high, 201)[:-1]  # (G,) candidates, never min(loss) itself
        y = np.log(loss - E[:, None])  # (G, n): for each E, a straight line in log-log space
        slope = (y * x_centred).sum(axis=1) / (x_centred**2).sum()  # (G,) least squares
        A, alpha = np.exp(y.mean(axis=1) - slope * log_x.mean()), -slope  # (G,) each
        curve = E[:, None] + A[:, None] * x ** -alpha[:, None]  # (G, n)
        misfit = ((log_loss - np.log(curve)) ** 2).sum(axis=1)  # (G,)
        best = int(np.argmin(misfit))
        step = E[1] - E[0]
        low, high = max(E[best] - step, 0.0), min(E[best] + step, loss.min())
    return float(E[best]), float(A[best]), float(alpha[best])


def predict_loss(x: float | np.ndarray, E: float, A: float, alpha: float) -> float | np.ndarray:
    """The loss a fitted power law predicts: E + A * x**(-alpha).

    x: a positive number or a numpy array of them; E, A, alpha: a fit (see fit_power_law).
    Returns a float, or a float array of the same shape as x.
    """
    return E + A * np.power(x, -alpha, dtype=float)


def pareto_frontier(compute: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Which runs are on the compute frontier: the lowest loss reached for the compute spent.

    compute, loss: (n,) the training compute and the held-out loss of n runs (n may be 0).
    Run i is on the frontier unless another run beats it: it spent no more compute and
    reached a lower loss, or it spent less compute and reached no higher a loss. Two
    runs with the same compute and the same loss are both on it, or both off.
    Returns an (n,) boolean array, True for the runs on the frontier, in the order given.
    """
    compute, loss = np.asarray(compute, dtype=float), np.asarray(loss, dtype=float)
    cheaper_or_equal = compute[None, :] <= compute[:, None]  # [i, j]: j spent no more than i
    lower_or_equal = loss[None, :] <= loss[:, None]  # [i, j]: j reached no higher a loss than i
    strictly = (compute[None, :] < compute[:, None]) | (loss[None, :] < loss[:, None])
    beaten = (cheaper_or_equal & lower_or_equal & strictly).any(axis=1)  # (n,)
    return ~beaten


def compute_optimal(compute: float | np.ndarray, A: float, alpha: float, B: float,
                    beta: float) -> tuple[float | np.ndarray, float | np.ndarray]:
    """Split a compute budget between parameters and tokens so that the loss is lowest.

    Assume the loss of N parameters trained on D tokens is L(N, D) = E + A * N**(-alpha)
    + B * D**(-beta) (E does not move the minimum), and that training costs
    compute = 6 * N * D FLOPs. compute: a budget in FLOPs, a number or a numpy array;
    A, alpha, B, beta: positive numbers.
    Returns (N_opt, D_opt): the N and D with 6 * N * D = compute that make L(N, D)
    smallest, as floats (arrays of the shape of compute when it is an array).
    """
    a = beta / (alpha + beta)  # N_opt grows as compute**a, D_opt as compute**(1 - a)
    scale = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    n_opt = scale * np.power(np.divide(compute, 6.0), a, dtype=float)
    return n_opt, compute / (6.0 * n_opt)
