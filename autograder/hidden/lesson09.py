"""Hidden tests for lesson 09: random tables, facts and weights, compared with the reference."""

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check
from helpers.checking import guarded
from helpers.checks.lesson09 import table_rows
from solutions import lesson09 as reference


def _facts(rng: np.random.Generator) -> tuple[list[tuple[str, str, str]], dict[str, np.ndarray]]:
    """1 to 6 invented people (first names shared now and then), their sports, and a random
    table of directions in 8 to 40 dimensions."""
    n = int(rng.integers(1, 7))
    firsts = [f"first{i}" for i in rng.integers(0, n, size=n)]  # repeats: shared first names
    facts = [(first, f"last{i}", f"sport{rng.integers(0, 3)}") for i, first in enumerate(firsts)]
    names = sorted({name for fact in facts for name in fact})
    table = reference.directions(names, int(rng.integers(len(names), 41)), random=True,
                                 seed=int(rng.integers(1000)))
    return facts, table


def _weights(rng: np.random.Generator) -> tuple:
    """A batch x (n, d) and random MLP weights W_up (m, d), b_up (m,), W_down (d, m)."""
    n, d, m = (int(k) for k in rng.integers(1, 9, size=3))
    return (rng.normal(size=(n, d)), rng.normal(size=(m, d)), rng.normal(size=m),
            rng.normal(size=(d, m)))


@guarded
def directions(learner_directions):
    chk = hidden_check("directions", learner_directions, reference=reference.directions,
                       crash_hint="one-hot: rows of np.eye(len(names), d); random: "
                                  "np.random.default_rng(seed).standard_normal((len(names), d)).")
    rng = np.random.default_rng(9)
    for trial in range(1, 6):
        n = int(rng.integers(1, 6))
        names = [f"feature{i}" for i in rng.permutation(10)[:n]]
        d, seed, random = int(rng.integers(n, 12)), int(rng.integers(1000)), bool(trial % 2)
        case = f"hidden case {trial} of 5: {n} names, d={d}, random={random}"
        got = table_rows(chk, chk.run(names, d, random=random, seed=seed), names, case)
        expected = np.stack(list(reference.directions(names, d, random=random, seed=seed).values()))
        chk.close(got, expected, case=case,
                  hint="one-hot: row i of np.eye(len(names), d); random: "
                       "np.random.default_rng(seed).standard_normal((len(names), d)), each row "
                       "divided by its length.")
    chk.passed()


@guarded
def mlp(learner_mlp):
    agrees_with_reference(hidden_check("mlp", learner_mlp), reference.mlp, _weights,
                          hint="x + relu(x @ W_up.T + b_up) @ W_down.T, for any sizes.")


@guarded
def build_fact_mlp(learner_build_fact_mlp):
    agrees_with_reference(hidden_check("build_fact_mlp", learner_build_fact_mlp), reference.build_fact_mlp,
                          _facts, hint="row i = table[first_i] + table[last_i], bias -1, "
                                       "column i = table[sport_i], for any facts and any table.")


@guarded
def firing_neurons(learner_firing_neurons):
    def inputs_and_threshold(rng):
        x, W_up, b_up, _ = _weights(rng)
        if rng.random() < 0.5:  # the threshold exactly on one of the activations
            threshold = float(np.maximum(x @ W_up.T + b_up, 0.0).flat[int(rng.integers(len(b_up)))])
        else:
            threshold = float(rng.uniform(0.0, 1.0))
        return x[0] if rng.random() < 0.3 else x, W_up, b_up, threshold

    agrees_with_reference(hidden_check("firing_neurons", learner_firing_neurons), reference.firing_neurons,
                          inputs_and_threshold, trials=8, seed=10,
                          hint="True where relu(x @ W_up.T + b_up) > threshold (strictly), one row per "
                               "input, for one vector and for a batch.")


@guarded
def mlp_param_count(learner_mlp_param_count):
    def sizes(rng):
        d_model, d_hidden, n_layers = (int(k) for k in rng.integers(1, 5000, size=3))
        return d_model, d_hidden, n_layers, bool(rng.integers(2))

    agrees_with_reference(hidden_check("mlp_param_count", learner_mlp_param_count), reference.mlp_param_count,
                          sizes, seed=11, hint="n_layers * (2 * d_model * d_hidden, plus d_hidden + "
                                              "d_model with biases), as a Python int.")
