"""Wrong answers to lesson 09 that learners really write."""

import numpy as np

from autograder.mutants import mutant


@mutant("directions", "divide each row by its length")
def directions_not_normalised(names, d, random=False, seed=0):
    if random:
        vectors = np.random.default_rng(seed).standard_normal((len(names), d))
    else:
        vectors = np.eye(len(names), d)
    return dict(zip(names, vectors))


@mutant("directions", "np.random.default_rng(seed)")
def directions_unseeded(names, d, random=False, seed=0):
    if random:
        vectors = np.random.default_rng().standard_normal((len(names), d))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    else:
        vectors = np.eye(len(names), d)
    return dict(zip(names, vectors))


@mutant("directions", "rng.standard_normal((len(names), d))")
def directions_drawn_transposed(names, d, random=False, seed=0):
    if random:
        vectors = np.random.default_rng(seed).standard_normal((d, len(names))).T
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    else:
        vectors = np.eye(len(names), d)
    return dict(zip(names, vectors))


@mutant("mlp", "add the input back")
def mlp_forgets_the_residual(x, W_up, b_up, W_down):
    return np.maximum(x @ W_up.T + b_up, 0.0) @ W_down.T


@mutant("mlp", "apply the ReLU")
def mlp_without_relu(x, W_up, b_up, W_down):
    return x + (x @ W_up.T + b_up) @ W_down.T


@mutant("mlp", "Multiply the activations by W_down.T")
def mlp_down_not_transposed(x, W_up, b_up, W_down):
    return x + np.maximum(x @ W_up.T + b_up, 0.0) @ W_down


@mutant("mlp", "add b_up BEFORE the ReLU")
def mlp_bias_after_relu(x, W_up, b_up, W_down):
    return x + (np.maximum(x @ W_up.T, 0.0) + b_up) @ W_down.T


@mutant("mlp", "one vector per ROW")
def mlp_one_vector_only(x, W_up, b_up, W_down):
    return x + W_down @ np.maximum(W_up @ x + b_up, 0.0)


@mutant("build_fact_mlp", "bias is -1")
def build_bias_zero(facts, table):
    W_up = np.stack([table[first] + table[last] for first, last, _ in facts])
    W_down = np.stack([table[sport] for _, _, sport in facts], axis=1)
    return W_up, np.zeros(len(facts)), W_down


@mutant("build_fact_mlp", "row i reads first_i + last_i")
def build_reads_first_name_only(facts, table):
    W_up = np.stack([table[first] for first, _, _ in facts])
    W_down = np.stack([table[sport] for _, _, sport in facts], axis=1)
    return W_up, -np.ones(len(facts)), W_down


@mutant("build_fact_mlp", "one COLUMN per fact")
def build_down_transposed(facts, table):
    W_up = np.stack([table[first] + table[last] for first, last, _ in facts])
    W_down = np.stack([table[sport] for _, _, sport in facts])
    return W_up, -np.ones(len(facts)), W_down


@mutant("build_fact_mlp", "column i writes the sport of fact i")
def build_writes_the_names(facts, table):
    W_up = np.stack([table[first] + table[last] for first, last, _ in facts])
    return W_up, -np.ones(len(facts)), W_up.T


@mutant("firing_neurons", "add the bias b_up before comparing")
def firing_without_bias(x, W_up, b_up, threshold=0.5):
    return x @ W_up.T > threshold


@mutant("firing_neurons", "not merely above 0")
def firing_above_zero(x, W_up, b_up, threshold=0.5):
    return np.maximum(x @ W_up.T + b_up, 0.0) > 0


@mutant("firing_neurons", "not the activations")
def firing_returns_activations(x, W_up, b_up, threshold=0.5):
    activation = np.maximum(x @ W_up.T + b_up, 0.0)
    return np.where(activation > threshold, activation, 0.0)


@mutant("firing_neurons", "the `threshold` you are given")
def firing_fixed_threshold(x, W_up, b_up, threshold=0.5):
    return np.maximum(x @ W_up.T + b_up, 0.0) > 0.5


@mutant("mlp_param_count", "AND the down-projection")
def count_up_projection_only(d_model, d_hidden, n_layers=1, bias=True):
    return n_layers * (d_model * d_hidden + (d_hidden if bias else 0))


@mutant("mlp_param_count", "the biases")
def count_without_biases(d_model, d_hidden, n_layers=1, bias=True):
    return n_layers * 2 * d_model * d_hidden


@mutant("mlp_param_count", "multiply by the number of layers")
def count_one_layer(d_model, d_hidden, n_layers=1, bias=True):
    return 2 * d_model * d_hidden + (d_hidden + d_model if bias else 0)


@mutant("firing_neurons", "strictly")
def firing_at_the_threshold_too(x, W_up, b_up, threshold=0.5):
    return np.maximum(x @ W_up.T + b_up, 0.0) >= threshold


@mutant("mlp_param_count", "return a Python int")
def count_with_numpy(d_model, d_hidden, n_layers=1, bias=True):
    per_layer = np.sum([d_hidden * d_model, d_model * d_hidden, (d_hidden + d_model) * bias])
    return n_layers * per_layer
