"""Lesson 01: the references agree with PyTorch, and the text's figures are computed."""

import numpy as np
import torch

from helpers.data import OBJECTS, toy_network
from solutions import lesson01
from tests.figures import assert_stated

rng = np.random.default_rng(0)


def test_dense_matches_torch_linear():
    x, W, b = rng.normal(size=(6, 4)), rng.normal(size=(3, 4)), rng.normal(size=3)
    expected = torch.nn.functional.linear(*map(torch.from_numpy, (x, W, b))).numpy()
    np.testing.assert_allclose(lesson01.dense(x, W, b), expected)


def test_forward_matches_a_torch_network():
    net = toy_network()
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    with torch.no_grad():
        for layer, (W, b) in zip(model[::2], [("W1", "b1"), ("W2", "b2")]):
            layer.weight.copy_(torch.from_numpy(net[W]))
            layer.bias.copy_(torch.from_numpy(net[b]))
        x = np.stack(list(OBJECTS.values()))
        expected = model(torch.from_numpy(x).float()).numpy()
    np.testing.assert_allclose(lesson01.forward(x, **net), expected, rtol=1e-5)


def test_collapse_is_the_same_function_and_relu_is_not():
    net = toy_network()
    x = rng.normal(size=(10, 4)) * 100
    W, b = lesson01.collapse(net["W1"], net["b1"], net["W2"], net["b2"])
    linear = lesson01.dense(lesson01.dense(x, net["W1"], net["b1"]), net["W2"], net["b2"])
    np.testing.assert_allclose(lesson01.dense(x, W, b), linear)
    assert not np.allclose(lesson01.forward(x, **net), linear)


def test_relu_leaves_its_input_alone():
    z = np.array([-1.0, 2.0])
    lesson01.relu(z)
    assert z.tolist() == [-1.0, 2.0]


def test_worked_neuron_figures():
    first_neuron = toy_network()["W1"][:1]  # (1, 4)
    leaf = OBJECTS["leaf"]
    assert_stated("01", "-26.6", lesson01.dense(leaf, first_neuron, np.zeros(1))[0], 1)
    assert_stated("01", "-26.35", lesson01.dense(leaf, first_neuron, toy_network()["b1"][:1])[0], 2)


def test_verdicts_come_out_right():
    verdicts = lesson01.classify(lesson01.forward(np.stack(list(OBJECTS.values())), **toy_network()))
    assert dict(zip(OBJECTS, map(str, verdicts))) == {
        "leaf": "leaf", "flower": "flower", "sunflower": "flower"}
