"""Wrong answers to lesson 03 that learners really write."""

import numpy as np
from tqdm.auto import tqdm

from autograder.mutants import mutant, replaced
from solutions.lesson01 import dense, forward, relu
from solutions.lesson03 import backprop, gradient_step, network_loss, numerical_gradient

network_loss_mean_of_everything = replaced(network_loss, "np.sum((scores - targets) ** 2, axis=1)",
                                           "np.mean((scores - targets) ** 2, axis=1)",
                                           "SUM of the squared errors of its outputs")

network_loss_signed_errors = replaced(network_loss, "(scores - targets) ** 2", "scores - targets",
                                      "must not cancel out")

network_loss_absolute_errors = replaced(network_loss, "(scores - targets) ** 2", "np.abs(scores - targets)",
                                        "rather than taking their absolute values")

network_loss_sum_over_samples = replaced(network_loss, "np.mean(per_sample)", "np.sum(per_sample)",
                                         "not their sum")

numerical_gradient_divides_by_eps = replaced(numerical_gradient, "/ (2 * eps)", "/ eps",
                                             "divide the difference of the losses by 2 * eps")


@mutant("numerical_gradient", "nudge one entry at a time")
def numerical_gradient_all_at_once(loss_fn, theta, eps=1e-5):
    theta = np.array(theta, dtype=float)
    slope = (loss_fn(theta + eps) - loss_fn(theta - eps)) / (2 * eps)
    return np.full(theta.shape, slope)


@mutant("numerical_gradient", "use central differences")
def numerical_gradient_forward_difference(loss_fn, theta, eps=1e-5):
    theta = np.array(theta, dtype=float)
    grad = np.zeros_like(theta)
    base = loss_fn(theta)
    for index in np.ndindex(theta.shape):
        old = theta[index]
        theta[index] = old + eps
        grad[index] = (loss_fn(theta) - base) / eps
        theta[index] = old
    return grad


numerical_gradient_without_restoring = replaced(numerical_gradient, "nudged[index] = original  # put it back",
                                                "", "put each entry back")


@mutant("numerical_gradient", "arrays of any shape")
def numerical_gradient_one_dimensional(loss_fn, theta, eps=1e-5):
    theta = np.array(theta, dtype=float)
    grad = np.zeros_like(theta)
    for i in range(len(theta)):
        old = theta[i].copy()
        theta[i] = old + eps
        up = loss_fn(theta)
        theta[i] = old - eps
        down = loss_fn(theta)
        theta[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


gradient_step_uphill = replaced(gradient_step, "value - learning_rate", "value + learning_rate",
                                "step AGAINST the gradient")

gradient_step_without_learning_rate = replaced(gradient_step, "value - learning_rate * grads[name]",
                                               "value - grads[name]",
                                               "multiply the gradient by the learning rate")


@mutant("gradient_step", "no -= on them")
def gradient_step_in_place(params, grads, learning_rate):
    for name in params:
        params[name] -= learning_rate * grads[name]
    return params


backprop_without_the_two = replaced(backprop, "2 * (scores - targets) / len(x)",
                                    "(scores - targets) / len(x)", "brings a factor 2")

backprop_sum_not_mean = replaced(backprop, "(scores - targets) / len(x)", "(scores - targets)",
                                 "divide d_scores by n_samples")

backprop_ignores_relu = replaced(backprop, "d_z = d_h * (z > 0)", "d_z = d_h",
                                 "only where its input z was positive")


@mutant("backprop", "for W1 that is d_z.T @ x")
def backprop_transposed(x, targets, W1, b1, W2, b2):
    z = dense(x, W1, b1)
    h = relu(z)
    d_scores = 2 * (dense(h, W2, b2) - targets) / len(x)
    d_z = (d_scores @ W2) * (z > 0)
    return {"W1": x.T @ d_z, "b1": d_z.sum(axis=0), "W2": h.T @ d_scores, "b2": d_scores.sum(axis=0)}


# What train's mutants change: the reference's train with the loss, the gradients and the step
# written in, so that each mutant's own mistake shows whatever the submission's network_loss,
# backprop and gradient_step hold (in a mutant round they are mutants too). Not a mutant.
def train_on_its_own(params, x, targets, epochs, learning_rate):
    losses = []
    for _ in tqdm(range(epochs)):
        z = x @ params["W1"].T + params["b1"]
        h = np.maximum(z, 0.0)
        scores = h @ params["W2"].T + params["b2"]
        losses.append(float(np.mean(np.sum((scores - targets) ** 2, axis=1))))
        d_scores = 2 * (scores - targets) / len(x)
        d_z = (d_scores @ params["W2"]) * (z > 0)
        grads = {"W1": d_z.T @ x, "b1": d_z.sum(axis=0), "W2": d_scores.T @ h, "b2": d_scores.sum(axis=0)}
        params = {name: value - learning_rate * grads[name] for name, value in params.items()}
    return params, losses


train_forgets_the_new_params = replaced(train_on_its_own, "params = {name:", "new_params = {name:",
                                        "params = gradient_step(params, grads", exercise="train")


@mutant("train", "the loss at the START of each epoch")
def train_records_after_the_step(params, x, targets, epochs, learning_rate):
    losses = []
    for _ in tqdm(range(epochs)):
        params = gradient_step(params, backprop(x, targets, **params), learning_rate)
        losses.append(network_loss(x, targets, **params))
    return params, losses


@mutant("train", "on the WHOLE data set")
def train_on_one_sample(params, x, targets, epochs, learning_rate):
    # Written in, as train_on_its_own is: in a mutant round, gradient_step is a mutant that
    # changes params in place, which would fail this train for another exercise's reason.
    losses = []
    for epoch in tqdm(range(epochs)):
        losses.append(float(np.mean(np.sum((forward(x, **params) - targets) ** 2, axis=1))))
        i = epoch % len(x)
        one_x, one_target = x[i:i + 1], targets[i:i + 1]
        z = one_x @ params["W1"].T + params["b1"]
        h = np.maximum(z, 0.0)
        d_scores = 2 * (h @ params["W2"].T + params["b2"] - one_target)
        d_z = (d_scores @ params["W2"]) * (z > 0)
        grads = {"W1": d_z.T @ one_x, "b1": d_z.sum(axis=0), "W2": d_scores.T @ h, "b2": d_scores.sum(axis=0)}
        params = {name: value - learning_rate * grads[name] for name, value in params.items()}
    return params, losses


@mutant("network_loss", "return a Python float")
def network_loss_as_an_array(x, targets, W1, b1, W2, b2):
    per_sample = np.sum((forward(x, W1, b1, W2, b2) - targets) ** 2, axis=1, keepdims=True)
    return per_sample.mean(axis=0)


@mutant("numerical_gradient", "leave `theta` as it was")
def numerical_gradient_nudges_theta_itself(loss_fn, theta, eps=1e-5):
    grad = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        theta[index] += eps
        up = loss_fn(theta)
        theta[index] -= 2 * eps
        down = loss_fn(theta)
        theta[index] += eps
        grad[index] = (up - down) / (2 * eps)
    return grad


@mutant("gradient_step", "the gradient of the same NAME")
def gradient_step_pairs_by_position(params, grads, learning_rate):
    return {name: value - learning_rate * grad
            for (name, value), grad in zip(params.items(), grads.values())}


backprop_relu_passes_at_zero = replaced(backprop, "(z > 0)", "(z >= 0)", "not z >= 0")


train_updates_params_in_place = replaced(
    train_on_its_own,
    "params = {name: value - learning_rate * grads[name] for name, value in params.items()}\n",
    "for name in params: params[name] -= learning_rate * grads[name]",
    "leave `params` and the arrays in it as they", exercise="train")
