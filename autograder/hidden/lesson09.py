"""Hidden tests for lesson 09: random tables, facts and weights, compared with the reference."""

import numpy as np

from autograder.hidden.common import agrees_with_reference, hidden_check
from helpers.checks.lesson09 import table_rows
from solutions import lesson09 as reference


def _facts(rng: np.random.Generator) -> tuple[list[tuple[str, str, str]], dict[str, np.ndarray]]:
    """2 to 6 invented people (first names shared now and then), their sports, and a random
    table of directions in 8 to 40 dimensions."""
    n = int(rng.integers(2, 7))
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


def directions(directions):
    chk = hidden_check("directions", directions)
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


def mlp(mlp):
    agrees_with_reference(hidden_check("mlp", mlp), reference.mlp, _weights,
                          hint="x + relu(x @ W_up.T + b_up) @ W_down.T, for any sizes.")


def build_fact_mlp(build_fact_mlp):
    agrees_with_reference(hidden_check("build_fact_mlp", build_fact_mlp), reference.build_fact_mlp,
                          _facts, hint="row i = table[first_i] + table[last_i], bias -1, "
                                       "column i = table[sport_i], for any facts and any table.")


def firing_neurons(firing_neurons):
    chk = hidden_check("firing_neurons", firing_neurons)
    rng = np.random.default_rng(10)
    for trial in range(1, 6):
        x, W_up, b_up, _ = _weights(rng)
        threshold = float(rng.uniform(0.0, 1.0))
        got = np.asarray(chk.run(x, W_up, b_up, threshold))
        chk.equal(got.tolist(), reference.firing_neurons(x, W_up, b_up, threshold).tolist(),
                  case=f"hidden random case {trial} of 5, threshold={threshold:.2f}",
                  hint="True where relu(x @ W_up.T + b_up) > threshold, one row per input.")
    chk.passed()


def mlp_param_count(mlp_param_count):
    chk = hidden_check("mlp_param_count", mlp_param_count)
    rng = np.random.default_rng(11)
    for trial in range(1, 6):
        d_model, d_hidden, n_layers = (int(k) for k in rng.integers(1, 5000, size=3))
        bias = bool(trial % 2)
        got = chk.run(d_model, d_hidden, n_layers, bias)
        chk.equal(int(got), reference.mlp_param_count(d_model, d_hidden, n_layers, bias),
                  case=f"hidden case {trial} of 5: d_model={d_model}, d_hidden={d_hidden}, "
                       f"n_layers={n_layers}, bias={bias}",
                  hint="n_layers * (2 * d_model * d_hidden, plus d_hidden + d_model with biases).")
    chk.passed()
