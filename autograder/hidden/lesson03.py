"""Hidden tests for lesson 03: random networks and functions against the reference, and a
training run on the leaf/flower data judged by what it reaches (never by exact floats)."""

import copy

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check
from helpers.checking import guarded
from helpers.leaf_flower import TARGET_ACCURACY, init_params, load_leaf_flower
from solutions import lesson03 as reference
from solutions.lesson01 import forward


def _network(rng: np.random.Generator) -> tuple:
    """A random batch, targets and 2-layer network of random sizes; the first sample is all
    zeros and about half the hidden biases are 0, so that some hidden neurons read exactly 0."""
    n, n_in, n_hidden, n_out = rng.integers(1, 7, size=4)
    x, b1 = rng.normal(size=(n, n_in)), rng.normal(size=n_hidden)
    x[0] = 0.0
    b1[rng.random(n_hidden) < 0.5] = 0.0
    return (x, rng.normal(size=(n, n_out)), rng.normal(size=(n_hidden, n_in)), b1,
            rng.normal(size=(n_out, n_hidden)), rng.normal(size=n_out))


@guarded
def network_loss(learner_network_loss):
    agrees_with_reference(hidden_check("network_loss", learner_network_loss), reference.network_loss,
                          _network, hint="forward, then the squared errors summed over each "
                          "sample's outputs, then the mean over the samples.")


@guarded
def numerical_gradient(learner_numerical_gradient):
    def smooth_function(rng):
        shape = tuple(rng.integers(1, 4, size=int(rng.integers(1, 3))))
        a, b = rng.normal(size=shape), rng.normal(size=shape)
        theta = rng.normal(size=shape)

        def smooth(t):
            return float(np.sum(a * np.tanh(t)) + np.sum(t * b) ** 2)

        return smooth, theta

    agrees_with_reference(hidden_check("numerical_gradient", learner_numerical_gradient),
                          reference.numerical_gradient, smooth_function,
                          hint="central differences with the default eps = 1e-5, one entry at a "
                               "time, for a theta of any shape.")


@guarded
def gradient_step(learner_gradient_step):
    def params_grads_rate(rng):
        params = {name: rng.normal(size=shape) for name, shape in
                  [("W1", (3, 4)), ("b1", (3,)), ("W2", (2, 3)), ("b2", (2,))]}
        names = list(rng.permutation(list(params)))  # the gradients' keys in another order
        return params, {name: rng.normal(size=params[name].shape) for name in names}, \
            float(rng.uniform(0.01, 1.0))

    agrees_with_reference(hidden_check("gradient_step", learner_gradient_step), reference.gradient_step,
                          params_grads_rate, trials=3, seed=3,
                          hint="params[name] - learning_rate * grads[name] for every name, in a new "
                               "dict, leaving the given arrays alone.")


@guarded
def backprop(learner_backprop):
    agrees_with_reference(hidden_check("backprop", learner_backprop), reference.backprop, _network,
                          hint="the chain rule through both layers, for any layer sizes and batch "
                               "size (ReLU passes gradient only where z > 0); compare with "
                               "numerical_gradient to find the wrong parameter.")


EPOCHS, LEARNING_RATE = 300, 0.1


@guarded
def train(learner_train):
    """Train from a seeded start on the normalised leaf/flower data; judge what it reaches."""
    chk = hidden_check("train", learner_train, reference=reference.train,
                       crash_hint="each epoch: network_loss, backprop and gradient_step on the "
                                  "whole data set; return (params, losses).")
    x_raw, labels = load_leaf_flower()
    x = (x_raw - x_raw.mean(axis=0)) / x_raw.std(axis=0)
    targets = np.eye(2)[labels]
    start = init_params(seed=1)
    case = f"{EPOCHS} epochs at learning rate {LEARNING_RATE} on the leaf/flower data"
    got = chk.run(copy.deepcopy(start), x, targets, EPOCHS, LEARNING_RATE)
    chk.true(isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], dict), case=case,
             hint="return a tuple (params, losses).")
    params, losses = got
    chk.true(len(losses) == EPOCHS, case=case, got=len(losses),
             hint="record exactly one loss per epoch.")
    initial = reference.network_loss(x, targets, **start)
    chk.true(abs(float(losses[0]) - initial) < 1e-6, case=f"{case}: the first loss", got=losses[0],
             hint="losses[0] is the loss of the starting params, before any step.")
    chk.true(float(losses[-1]) < 0.5 * initial, case=f"{case}: the loss fell by less than half",
             hint="each epoch: the loss and the gradient on the whole data set, then "
                  "params = gradient_step(params, grads, learning_rate).")
    accuracy = float(np.mean(np.argmax(forward(x, **params), axis=1) == labels))
    chk.true(accuracy >= TARGET_ACCURACY, case=f"{case}: accuracy below {TARGET_ACCURACY:.0%}",
             got=accuracy, hint="train on the whole data set every epoch and return the params "
                                "after the last step.")
    chk.passed()
