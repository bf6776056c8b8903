"""Visible checks for lesson 03. Each takes your function and tests it on small cases."""

import numpy as np

from helpers.checking import Check, guarded

# A network whose hidden neuron j just reads input j, and whose output k reads hidden neuron k:
# its scores are (relu(x[0]), relu(x[1])), easy to follow by hand.
READ_THROUGH = {"W1": np.eye(3, 4), "b1": np.zeros(3),
                "W2": np.eye(2, 3), "b2": np.zeros(2)}

# A small 4-3-2 network with round numbers, for the gradient checks.
SMALL = {"W1": np.array([[1.0, 0.0, 0.0, 0.5], [0.0, 1.0, -1.0, 0.0], [0.5, 0.5, 0.0, 0.0]]),
         "b1": np.array([0.0, 0.5, -1.0]),
         "W2": np.array([[1.0, -1.0, 0.5], [0.0, 0.5, 1.0]]),
         "b2": np.array([0.0, 0.5])}
LEAF_THEN_FLOWER = np.array([[1.0, 0.0], [0.0, 1.0]])  # targets of two samples


def _fresh(params: dict) -> dict:
    return {name: value.copy() for name, value in params.items()}


@guarded
def network_loss(learner_network_loss):
    """Squared errors added over a sample's outputs, averaged over the samples."""
    chk = Check("network_loss", learner_network_loss, returns=float)
    chk.returns((np.array([[2.0, 1.0, 0.0, 0.0]]), np.array([[1.0, 0.0]]), *READ_THROUGH.values()),
                2.0, case="one sample, scores [2, 1], targets [1, 0]: errors 1 and 1",
                hint="a sample's loss is the SUM of the squared errors of its outputs "
                     "(np.sum(..., axis=1)); only then average over the samples.")
    chk.returns((np.array([[2.0, 0.0, 0.0, 0.0]]), np.array([[1.0, 1.0]]), *READ_THROUGH.values()),
                2.0, case="one sample, scores [2, 0], targets [1, 1]: errors +1 and -1",
                hint="square each difference: an error of +1 and one of -1 must not cancel out.")
    chk.returns((np.array([[3.0, 0.0, 0.0, 0.0]]), np.array([[1.0, 0.0]]), *READ_THROUGH.values()),
                4.0, case="one sample, scores [3, 0], targets [1, 0]: errors 2 and 0",
                hint="square the differences, (score - target) ** 2, rather than taking "
                     "their absolute values.")
    chk.returns((np.array([[2.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]), LEAF_THEN_FLOWER,
                 *READ_THROUGH.values()),
                1.5, case="two samples with losses 2 and 1",
                hint="the data set's loss is the MEAN over samples (divide by n_samples), "
                     "not their sum.")
    chk.returns((np.array([[-2.0, 1.0, 0.0, 0.0]]), np.array([[0.0, 0.0]]), *READ_THROUGH.values()),
                1.0, case="one sample whose first hidden neuron reads -2",
                hint="get the scores with lesson 01's forward(x, W1, b1, W2, b2): ReLU included.")
    chk.passed()


@guarded
def numerical_gradient(learner_numerical_gradient):
    """Central differences, one entry at a time, on functions whose slopes we know."""
    chk = Check("numerical_gradient", learner_numerical_gradient, returns=np.ndarray)
    chk.returns((lambda theta: 3.0 * theta[0], np.array([1.5])), [3.0],
                case="loss(theta) = 3 * theta[0] at theta = [1.5]: slope 3",
                hint="the two points theta + eps and theta - eps are 2 * eps apart: divide the "
                     "difference of the losses by 2 * eps.")
    chk.returns((lambda theta: 2.0 * theta[0] - 3.0 * theta[1], np.array([0.5, 1.0])), [2.0, -3.0],
                case="loss(theta) = 2 * theta[0] - 3 * theta[1]: slopes 2 and -3",
                hint="nudge one entry at a time, keeping the others where they are: each entry "
                     "gets its own slope.")
    chk.returns((lambda theta: np.sum(theta ** 3), np.array([1.0, 2.0]), 1e-2), [3.0001, 12.0001],
                case="loss(theta) = sum(theta ** 3) at [1, 2] with eps = 0.01",
                hint="use central differences (loss(theta + eps) - loss(theta - eps)) / (2 * eps): "
                     "a one-sided difference (loss(theta + eps) - loss(theta)) / eps is less accurate.")
    chk.returns((lambda theta: theta[0] * theta[1], np.array([2.0, 3.0]), 1e-3), [3.0, 2.0],
                case="loss(theta) = theta[0] * theta[1] at [2, 3] with eps = 0.001",
                hint="put each entry back to its original value before nudging the next one.")
    weights = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    chk.returns((lambda theta: np.sum(weights * theta ** 2), np.ones((2, 3))), 2 * weights,
                case="a 2x3 theta, loss(theta) = sum(weights * theta ** 2)",
                hint="make it work for arrays of any shape: loop over np.ndindex(theta.shape) "
                     "and give the result theta's shape.")
    chk.passed()


@guarded
def gradient_step(learner_gradient_step):
    """New arrays, one small step against the gradient."""
    chk = Check("gradient_step", learner_gradient_step, returns=dict[str, np.ndarray])

    def step(params, grads, learning_rate, *, case, hint, expected):
        got = chk.run(params, grads, learning_rate)
        chk.true(isinstance(got, dict) and set(got) == set(params), case=case, got=got,
                 hint="return a dict with the same names (keys) as params.")
        for name in params:
            chk.close(got[name], expected[name], case=f"{case}, parameter {name!r}", hint=hint)

    step({"w": np.array([1.0, 2.0])}, {"w": np.array([0.5, -1.0])}, 1.0,
         case="w = [1, 2], gradient [0.5, -1], learning rate 1",
         hint="step AGAINST the gradient: subtract it (params - learning_rate * grads).",
         expected={"w": [0.5, 3.0]})
    step({"w": np.array([1.0, 2.0])}, {"w": np.array([0.5, -1.0])}, 0.1,
         case="w = [1, 2], gradient [0.5, -1], learning rate 0.1",
         hint="multiply the gradient by the learning rate before subtracting it.",
         expected={"w": [0.95, 2.1]})
    params = {"W": np.array([[1.0, 0.0], [0.0, 1.0]]), "b": np.array([0.0, 0.5])}
    grads = {"W": np.array([[2.0, -2.0], [0.0, 4.0]]), "b": np.array([1.0, -1.0])}
    step(params, grads, 0.5, case="two parameters W and b, learning rate 0.5",
         hint="update every parameter in the dict, each with its own gradient.",
         expected={"W": [[0.0, 1.0], [0.0, -1.0]], "b": [-0.5, 1.0]})
    step(params, {"b": grads["b"], "W": grads["W"]}, 0.5,
         case="the same, with the gradients' keys in another order (b first, then W)",
         hint="pair each parameter with the gradient of the same NAME, grads[name], not with "
              "the gradient in the same position: two dicts need not list their keys in the "
              "same order.",
         expected={"W": [[0.0, 1.0], [0.0, -1.0]], "b": [-0.5, 1.0]})
    chk.passed()


@guarded
def backprop(learner_backprop):
    """The chain rule on a small network, checked gradient by gradient."""
    chk = Check("backprop", learner_backprop, returns=dict[str, np.ndarray])

    def gradients(x, targets, *, case, hint, expected):
        got = chk.run(x, targets, *_fresh(SMALL).values())
        chk.true(isinstance(got, dict) and set(got) == {"W1", "b1", "W2", "b2"}, case=case,
                 got=got, hint="return a dict with the keys 'W1', 'b1', 'W2' and 'b2'.")
        for name in ("W2", "b2", "W1", "b1"):
            chk.close(got[name], expected[name], case=f"{case}: the gradient of {name}",
                      hint=hint, shape_hint=f"the gradient of {name} has {name}'s shape "
                      f"{SMALL[name].shape}: for W1 that is d_z.T @ x (d_scores.T @ h for W2).")

    gradients(np.array([[2.0, 1.0, 0.0, 2.0]]), np.array([[1.0, 0.0]]),
              case="one sample, every hidden neuron positive",
              hint="d_scores = 2 * (scores - targets) / n_samples: the derivative of a square "
                   "brings a factor 2.",
              expected={"W1": [[3.0, 1.5, 0.0, 3.0], [0.5, 0.25, 0.0, 0.5], [8.5, 4.25, 0.0, 8.5]],
                        "b1": [1.5, 0.25, 4.25],
                        "W2": [[4.5, 2.25, 0.75], [10.5, 5.25, 1.75]], "b2": [1.5, 3.5]})
    gradients(np.array([[2.0, 1.0, 0.0, 2.0], [1.0, 3.0, 1.0, 0.0]]), LEAF_THEN_FLOWER,
              case="two samples, every hidden neuron positive",
              hint="the loss is the MEAN over samples: divide d_scores by n_samples, and add up "
                   "the samples' contributions to each weight (a matrix product sums over them).",
              expected={"W1": [[0.5, -2.25, -1.0, 1.5], [2.125, 5.75, 1.875, 0.25],
                               [5.5, 5.875, 1.25, 4.25]],
                        "b1": [-0.25, 2.0, 3.375],
                        "W2": [[1.25, -1.375, -0.625], [7.0, 7.0, 2.625]], "b2": [-0.25, 3.5]})
    gradients(np.array([[2.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, -4.0]]), LEAF_THEN_FLOWER,
              case="two samples, the second one's hidden neurons all negative (ReLU gives 0)",
              hint="ReLU passes the gradient back only where its input z was positive: "
                   "d_z = d_h * (z > 0).",
              expected={"W1": [[1.5, 0.75, 0.0, 1.5], [0.25, 0.125, 0.0, 0.25],
                               [4.25, 2.125, 0.0, 4.25]],
                        "b1": [0.75, 0.125, 2.125],
                        "W2": [[2.25, 1.125, 0.375], [5.25, 2.625, 0.875]], "b2": [0.75, 1.25]})
    gradients(np.array([[2.0, 1.0, 1.5, 2.0]]), np.array([[1.0, 0.0]]),
              case="one sample whose hidden neuron 1 reads exactly z = 0",
              hint="ReLU passes the gradient back only where z > 0, strictly: at z = 0 it passes "
                   "nothing (d_z = d_h * (z > 0), not z >= 0).",
              expected={"W1": [[9.0, 4.5, 6.75, 9.0], [0.0, 0.0, 0.0, 0.0], [8.5, 4.25, 6.375, 8.5]],
                        "b1": [4.5, 0.0, 4.25],
                        "W2": [[13.5, 0.0, 2.25], [6.0, 0.0, 1.0]], "b2": [4.5, 2.0]})
    chk.passed()


@guarded
def train(learner_train):
    """Three epochs on two samples: the recorded losses tell what the loop did."""
    chk = Check("train", learner_train, returns=tuple[dict[str, np.ndarray], list[float]])
    x = np.array([[2.0, 1.0, 0.0, 2.0], [1.0, 3.0, 1.0, 0.0]])
    start = _fresh(SMALL)
    case = "3 epochs, learning rate 0.02, on two samples"
    got = chk.run(start, x, LEAF_THEN_FLOWER, 3, 0.02)
    chk.true(isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], dict), case=case,
             hint="return a tuple (params, losses): the trained dict and the list of losses.")
    params, losses = got
    chk.equal(len(losses), 3, case=case, hint="record one loss per epoch: losses.append(...) "
                                             "inside the loop.")
    chk.close(losses[0], 3.84375, case=f"{case}: the first recorded loss",
              hint="record the loss at the START of each epoch, before the step: losses[0] is "
                   "the loss of the params you were given.")
    chk.true(losses[1] < losses[0], case=f"{case}: the loss did not fall", got=losses,
             hint="keep what gradient_step returns (params = gradient_step(params, grads, "
                  "learning_rate)), or every epoch starts again from the same weights.")
    chk.close(losses, [3.84375, 0.6271446063281245, 0.3351388767298139], case=f"{case}: the losses",
              hint="compute the loss and the gradient on the WHOLE data set (all of x and "
                   "targets), not on one sample or a part of it.")
    chk.close(params["b2"], [0.0013089115, 0.4015034773],
              case=f"{case}: b2 after training",
              hint="return the params after the last epoch's step.")
    chk.passed()
