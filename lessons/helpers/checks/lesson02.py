"""Visible checks for lesson 02. Each takes your function and tests it on small cases."""

import numpy as np

from helpers.checking import Check, guarded

ROWS = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])  # (2 samples, 3 classes)


@guarded
def logistic(learner_logistic):
    """1 / (1 + e^(-z)), elementwise."""
    chk = Check("logistic", learner_logistic, returns=np.ndarray)
    chk.returns((np.array([0.0]),), [0.5], case="z=[0]",
                hint="logistic(0) = 1 / (1 + e^0) = 1/2: add 1 to e^(-z), then take 1 over the result.")
    chk.returns((np.array([-2.0, 0.0, 2.0]),), [0.11920292, 0.5, 0.88079708], case="z=[-2, 0, 2]",
                hint="the exponent is -z, with the minus sign: large positive z must give values "
                     "near 1, large negative z values near 0.")
    chk.returns((np.array([[-1.0, 1.0], [3.0, -3.0]]),),
                [[0.26894142, 0.73105858], [0.95257413, 0.04742587]], case="a 2x2 array",
                hint="apply the formula to every entry: np.exp works on whole arrays of any shape.")
    chk.returns((np.array([-1000.0, 0.0, 1000.0]),), [0.0, 0.5, 1.0], case="z=[-1000, 0, 1000]",
                hint="write 1 / (1 + np.exp(-z)): for z = 1000, np.exp(z) / (1 + np.exp(z)) is "
                     "inf / inf = nan, while 1 / (1 + e^-1000) is 1 / (1 + 0) = 1.")
    chk.passed()


@guarded
def softmax(learner_softmax):
    """Probabilities that sum to 1 along an axis: stable, with a temperature."""
    chk = Check("softmax", learner_softmax, returns=np.ndarray)
    chk.returns((np.array([1.0, 2.0, 3.0]),), [0.09003057, 0.24472847, 0.66524096],
                case="logits [1, 2, 3]",
                hint="exponentiate every logit, then divide each by the sum of the exponentials.")
    chk.returns((np.array([1000.0, 1001.0]),), [0.26894142, 0.73105858],
                case="logits [1000, 1001] (the same gap as [0, 1])",
                hint="subtract the max logit before np.exp: np.exp(1000) overflows to inf and "
                     "inf / inf is nan. Shifting every logit by the same amount does not change "
                     "softmax, so shift the largest one to 0.")
    chk.returns((np.array([-800.0, 0.0, 800.0]),), [0.0, 0.0, 1.0],
                case="logits [-800, 0, 800] (800 apart: e^800 overflows)",
                hint="subtract the MAX logit (not the min, not the mean): then the largest becomes 0, "
                     "every e^z is at most 1, and nothing overflows however far apart the logits are.")
    chk.returns((ROWS.copy(),), [[0.09003057, 0.24472847, 0.66524096], [1 / 3, 1 / 3, 1 / 3]],
                case="a batch of 2 rows, logits [[1, 2, 3], [1, 1, 1]], default axis=-1",
                hint="normalise each row on its own: take the max and the sum along `axis` with "
                     "keepdims=True, so they keep a size-1 axis and line up with their rows. "
                     "Summing over the whole array makes all rows share one total.")
    chk.returns((np.array([[1000.0, 1001.0], [0.0, 1.0]]),),
                [[0.26894142, 0.73105858], [0.26894142, 0.73105858]],
                case="a batch whose rows sit 1000 apart: [[1000, 1001], [0, 1]]",
                hint="take the max along `axis` (keepdims=True), so each row shifts by its OWN largest "
                     "logit: one max for the whole array pushes the lower row to e^-1000 = 0, and "
                     "0 / 0 is nan.")
    chk.returns((ROWS.copy(), 0), [[0.5, 0.73105858, 0.88079708], [0.5, 0.26894142, 0.11920292]],
                case="the same batch with axis=0",
                hint="use the `axis` argument for both the max and the sum: with axis=0 each "
                     "COLUMN must sum to 1.")
    chk.returns((np.array([1.0, 2.0, 3.0]), -1, 2.0), [0.18632372, 0.30719589, 0.50648039],
                case="logits [1, 2, 3] with temperature=2",
                hint="divide the logits by the temperature (z / T) before np.exp: temperature 2 "
                     "must make the distribution flatter, not sharper.")
    chk.returns((np.array([1.0, 2.0, 3.0]), -1, 0.5), [0.01587624, 0.11731043, 0.86681333],
                case="logits [1, 2, 3] with temperature=0.5",
                hint="divide the logits by the temperature (z / T): temperature 0.5 doubles the "
                     "gaps between logits, so the largest one takes more.")
    chk.passed()


@guarded
def squared_error(learner_squared_error):
    """The mean, over all entries, of the squared differences."""
    chk = Check("squared_error", learner_squared_error, returns=float)
    chk.returns((np.array([3.0]), np.array([1.0])), 4.0, case="predicted [3], target [1]",
                hint="square each difference: (3 - 1)^2 = 4. Plain differences can be negative, "
                     "so +0.2 and -0.2 would cancel out to 0, and a wrong answer would look perfect.")
    chk.returns((np.array([0.6, 0.4]), np.array([0.8, 0.2])), 0.04,
                case="predicted [0.6, 0.4], target [0.8, 0.2]",
                hint="average the squared differences (np.mean), do not just add them up: "
                     "(0.2^2 + 0.2^2) / 2 = 0.04.")
    chk.returns((np.array([[0.6, 0.4], [0.1, 0.9]]), np.array([[0.8, 0.2], [0.0, 1.0]])), 0.025,
                case="a batch of 2 rows",
                hint="one number for the whole batch: the mean over ALL entries (np.mean with no "
                     "axis).")
    chk.passed()


@guarded
def cross_entropy(learner_cross_entropy):
    """-log of the right label's probability, averaged over the samples, computed stably."""
    chk = Check("cross_entropy", learner_cross_entropy, returns=float)
    chk.returns((np.array([[-8.125, 24.375]]), np.array([1])), 0.0,
                case="the flower's scores [[-8.125, 24.375]], right label 1 (flower)",
                hint="take the log of the probability: the flower gets p = 0.99999999999999, so "
                     "the loss -log p is almost 0. Without the log you would get -p, about -1.")
    chk.returns((np.array([[3.0, 3.0]]), np.array([1])), np.log(2),
                case="logits [[3, 3]], right label 1: p = 1/2",
                hint="keep the minus sign: log p is negative for p < 1, and the loss -log p is "
                     "positive (here log 2 = 0.693 nats).")
    batch = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1.2, 0.2, 3.0]])
    chk.returns((batch, np.array([0, 2, 2])), 1.0136417,
                case="a batch of 3 samples with labels [0, 2, 2]",
                hint="use each sample's own label: row i contributes -log p[i, labels[i]] "
                     "(index with [np.arange(n), labels]), then average over the n samples.")
    chk.returns((np.array([[0.0, 1000.0]]), np.array([0])), 1000.0,
                case="logits [[0, 1000]], right label 0: very sure, and wrong",
                hint="compute log-probabilities with log-sum-exp, (z - m) - log(sum(exp(z - m))) "
                     "with m the row's max: np.log(softmax(z)) gives log(0) = -inf when e^(-1000) "
                     "rounds to 0, and np.exp(1000) overflows.")
    chk.returns((np.array([[1000.0, 1001.0], [0.0, 2.0]]), np.array([0, 1])), 0.72009485,
                case="two rows 1000 apart, [[1000, 1001], [0, 2]], labels [0, 1]",
                hint="take each row's OWN max (axis=-1, keepdims=True) for log-sum-exp: one max for "
                     "the whole array leaves the lower row at e^-1001 = 0, and log 0 = -inf.")
    chk.passed()
