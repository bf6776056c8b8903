"""Wrong answers to lesson 09 that learners really write."""

import numpy as np

from autograder.mutants import mutant, replaced
from solutions.lesson09 import build_fact_mlp, directions, firing_neurons, mlp, mlp_param_count

directions_not_normalised = replaced(directions, "vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)",
                                     "", "divide each row by its length")

directions_unseeded = replaced(directions, "default_rng(seed)", "default_rng()",
                               "np.random.default_rng(seed)")

directions_drawn_transposed = replaced(directions, "standard_normal((len(names), d))",
                                       "standard_normal((d, len(names))).T",
                                       "rng.standard_normal((len(names), d))")

mlp_forgets_the_residual = replaced(mlp, "return x + hidden @ W_down.T", "return hidden @ W_down.T",
                                    "add the input back")

mlp_without_relu = replaced(mlp, "np.maximum(x @ W_up.T + b_up, 0.0)", "(x @ W_up.T + b_up)",
                            "apply the ReLU")

mlp_down_not_transposed = replaced(mlp, "hidden @ W_down.T", "hidden @ W_down",
                                   "Multiply the activations by W_down.T")

mlp_bias_after_relu = replaced(mlp, "np.maximum(x @ W_up.T + b_up, 0.0)",
                               "np.maximum(x @ W_up.T, 0.0) + b_up", "add b_up BEFORE the ReLU")


@mutant("mlp", "one vector per ROW")
def mlp_one_vector_only(x, W_up, b_up, W_down):
    return x + W_down @ np.maximum(W_up @ x + b_up, 0.0)


build_bias_zero = replaced(build_fact_mlp, "-np.ones(len(facts))", "np.zeros(len(facts))", "bias is -1")

build_reads_first_name_only = replaced(build_fact_mlp, "table[first] + table[last]", "table[first]",
                                       "row i reads first_i + last_i")

build_down_transposed = replaced(build_fact_mlp, ", axis=1)", ")", "one COLUMN per fact")


@mutant("build_fact_mlp", "column i writes the sport of fact i")
def build_writes_the_names(facts, table):
    W_up = np.stack([table[first] + table[last] for first, last, _ in facts])
    return W_up, -np.ones(len(facts)), W_up.T


firing_without_bias = replaced(firing_neurons, "np.maximum(x @ W_up.T + b_up, 0.0)", "x @ W_up.T",
                               "add the bias b_up before comparing")

firing_above_zero = replaced(firing_neurons, "activation > threshold", "activation > 0", "not merely above 0")

firing_returns_activations = replaced(firing_neurons, "return activation > threshold",
                                      "return np.where(activation > threshold, activation, 0.0)",
                                      "not the activations")

firing_fixed_threshold = replaced(firing_neurons, "> threshold", "> 0.5", "the `threshold` you are given")


@mutant("mlp_param_count", "AND the down-projection")
def count_up_projection_only(d_model, d_hidden, n_layers=1, bias=True):
    return n_layers * (d_model * d_hidden + (d_hidden if bias else 0))


count_without_biases = replaced(mlp_param_count, "if bias:\n        per_layer += d_hidden + d_model", "",
                                "the biases")

count_one_layer = replaced(mlp_param_count, "int(n_layers * per_layer)", "int(per_layer)",
                           "multiply by the number of layers")

firing_at_the_threshold_too = replaced(firing_neurons, "> threshold", ">= threshold", "strictly")


@mutant("mlp_param_count", "return a Python int")
def count_with_numpy(d_model, d_hidden, n_layers=1, bias=True):
    per_layer = np.sum([d_hidden * d_model, d_model * d_hidden, (d_hidden + d_model) * bias])
    return n_layers * per_layer
