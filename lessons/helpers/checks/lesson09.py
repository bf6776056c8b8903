"""Visible checks for lesson 09. Each takes your function and tests it on small cases.

The features live on one-hot axes in a few dimensions, so every expected number can be
worked out by hand: axis 0 is michael, 1 jordan, 2 phelps, 3 basketball, 4 swimming.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.checking import Check, guarded

NAMES = ["michael", "jordan", "phelps", "basketball", "swimming"]
TABLE = dict(zip(NAMES, np.eye(len(NAMES), 6)))  # 5 one-hot directions in d = 6
FACTS = [("michael", "jordan", "basketball"), ("michael", "phelps", "swimming")]
# The weights that store FACTS in TABLE: neuron 0 is Michael Jordan, neuron 1 Michael Phelps.
W_UP = np.array([[1.0, 1, 0, 0, 0, 0], [1, 0, 1, 0, 0, 0]])
B_UP = np.array([-1.0, -1.0])
W_DOWN = np.array([[0.0, 0], [0, 0], [0, 0], [1, 0], [0, 1], [0, 0]])

# rows of np.random.default_rng(0).standard_normal((2, 3)), each divided by its length
RANDOM_2x3 = [[0.18881711923692265, -0.19839032737660414, 0.9617636786063786],
              [0.16021416297716448, -0.818128926665578, 0.5522648652001644]]


def table_rows(chk: Check, got: Any, names: list[str], case: str) -> np.ndarray:
    """Check that `got` is a dict with exactly `names` as keys, in order; return its rows stacked."""
    chk.true(isinstance(got, dict), case=case, got=type(got).__name__,
             hint="return a dict that maps each name to its direction: dict(zip(names, vectors)).")
    chk.equal(list(got), names, case=case,
              hint="one entry per name, in the order of `names`.")
    return np.stack([np.asarray(got[name], dtype=float) for name in names])


@guarded
def directions(learner_directions):
    """One-hot axes, then seeded random unit vectors."""
    chk = Check("directions", learner_directions, returns=dict[str, np.ndarray])
    names = ["michael", "jordan", "basketball"]
    case = "directions(['michael', 'jordan', 'basketball'], d=4)"
    rows = table_rows(chk, chk.run(names, 4), names, case)
    chk.close(rows, np.eye(3, 4), case=case,
              hint="with random=False, names[i] gets the i-th axis: row i of np.eye(len(names), d).",
              shape_hint="each direction is a vector of d numbers.")
    case = "directions(['a', 'b'], d=3, random=True, seed=0)"
    rows = table_rows(chk, chk.run(["a", "b"], 3, random=True, seed=0), ["a", "b"], case)
    chk.close(np.linalg.norm(rows, axis=1), [1.0, 1.0], case=case + ": the lengths of the vectors",
              hint="divide each row by its length, np.linalg.norm(v, axis=1, keepdims=True), so "
                   "that every direction has length 1.")
    chk.close(rows, RANDOM_2x3, case=case,
              hint="draw every vector in ONE call, rng.standard_normal((len(names), d)) with "
                   "rng = np.random.default_rng(seed), and give row i to names[i]: the same "
                   "seed must give the same directions.")
    again = table_rows(chk, chk.run(["a", "b"], 3, random=True, seed=0), ["a", "b"], case)
    chk.close(again, RANDOM_2x3, case="the same call a second time",
              hint="use np.random.default_rng(seed) so that the same seed gives the same directions.")
    chk.passed()


@guarded
def mlp(learner_mlp):
    """The block on hand-made weights that isolate each step, then on a batch."""
    chk = Check("mlp", learner_mlp, returns=np.ndarray)
    x = np.zeros(3)
    W_up = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]])  # 2 neurons reading 3 numbers
    W_down = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])  # what they write, one column each
    chk.returns((x, W_up, np.array([1.0, 2.0]), W_down), [1.0, 4.0, 3.0],
                case="x = 0, biases [1, 2] (so the neurons read 1 and 2), W_down of shape (3, 2)",
                hint="W_down is (d, n_neurons): its column j is what neuron j writes. "
                     "Multiply the activations by W_down.T (hidden @ W_down.T).")
    one = (np.array([[1.0, 0.0, 0.0]]), np.zeros(1), np.array([[0.0], [1.0], [0.0]]))
    x = np.array([1.0, 0.0, 0.0])
    chk.returns((x, *one), [1.0, 1.0, 0.0],
                case="x = [1, 0, 0], one neuron that reads x[0] and writes [0, 1, 0]",
                hint="add the input back: the block returns x + what the neurons write "
                     "(the residual connection).")
    chk.returns((x, -one[0], *one[1:]), [1.0, 0.0, 0.0],
                case="x = [1, 0, 0], one neuron that reads -x[0], i.e. -1",
                hint="apply the ReLU to the neurons: one that reads below 0 writes nothing.")
    chk.returns((x, 0.5 * one[0], np.array([-1.0]), one[2]), [1.0, 0.0, 0.0],
                case="x = [1, 0, 0], one neuron reading 0.5 * x[0] with bias -1",
                hint="add b_up BEFORE the ReLU: relu(x @ W_up.T + b_up).")
    batch = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    chk.returns((batch, W_up, np.array([0.0, -1.0]), W_down), [[2.0, 0.0, 1.0], [2.0, 1.0, 2.0],
                                                             [0.0, 0.0, 0.0]],
                case="a batch of 3 residual vectors, one per row",
                hint="treat x as one vector per ROW: x @ W_up.T works for (d,) and (n, d); "
                     "W_up @ x only for a single vector.")
    chk.passed()


@guarded
def build_fact_mlp(learner_build_fact_mlp):
    """Michael Jordan plays basketball, Michael Phelps swims, on one-hot axes."""
    chk = Check("build_fact_mlp", learner_build_fact_mlp, returns=tuple[np.ndarray, np.ndarray, np.ndarray])
    case = "facts [('michael', 'jordan', 'basketball'), ('michael', 'phelps', 'swimming')]"
    got = chk.run(FACTS, TABLE)
    chk.true(isinstance(got, tuple) and len(got) == 3, case=case, got=got,
             hint="return three arrays: W_up, b_up, W_down.")
    W_up, b_up, W_down = got
    chk.close(W_up, W_UP, case=case + ": W_up (axes: michael, jordan, phelps, basketball, "
              "swimming, unused)",
              hint="row i reads first_i + last_i: table[first] + table[last].",
              shape_hint="W_up has one ROW per fact: shape (n_facts, d).")
    chk.close(b_up, B_UP, case=case + ": b_up",
              hint="every neuron's bias is -1: the full name reads 2 - 1 = 1, a single name "
                   "1 - 1 = 0, so only both names together get through the ReLU.",
              shape_hint="one bias per neuron: shape (n_facts,).")
    chk.close(W_down, W_DOWN, case=case + ": W_down",
              hint="column i writes the sport of fact i: table[sport_i], not the names.",
              shape_hint="W_down has one COLUMN per fact: shape (d, n_facts); stack the sport "
                         "directions with axis=1 (or transpose).")
    chk.passed()


@guarded
def firing_neurons(learner_firing_neurons):
    """Which of the Jordan and Phelps neurons fire, for names alone and together."""
    chk = Check("firing_neurons", learner_firing_neurons, returns=np.ndarray)

    def same(got: Any, expected: list, case: str, hint: str) -> None:
        chk.has_shape(got, np.shape(expected), case=case,
                      hint="one True/False per neuron for each input row: shape (n, n_neurons) "
                           "for a batch, (n_neurons,) for one vector.")
        chk.true(got.dtype == bool, case=case, got=got,
                 hint="return True/False (activation > threshold), not the activations.")
        chk.equal(got.tolist(), expected, case=case, hint=hint)

    names = np.stack([TABLE["michael"] + TABLE["jordan"], TABLE["michael"], TABLE["phelps"],
                      TABLE["michael"] + TABLE["phelps"]])
    same(chk.run(names, W_UP, B_UP), [[True, False], [False, False], [False, False],
                                      [False, True]],
         case="a batch: 'Michael Jordan', 'Michael', 'Phelps', 'Michael Phelps'",
         hint="add the bias b_up before comparing: a single name reads 1, and 1 - 1 = 0 "
              "does not fire.")
    x = TABLE["michael"] + TABLE["jordan"]
    same(chk.run(x, W_UP, B_UP), [True, False], case="'Michael Jordan' alone (one vector)",
         hint="for one vector (d,) return one True/False per neuron: x @ W_up.T works for "
              "one vector and for a batch.")
    faint = TABLE["michael"] + 0.2 * TABLE["jordan"]
    same(chk.run(faint, W_UP, B_UP), [False, False],
         case="'Michael' with a faint 0.2 of 'Jordan' (an activation of 0.2)",
         hint="a neuron fires when its activation is above `threshold` (0.5 by default), not "
              "merely above 0: interference leaves small positive activations.")
    same(chk.run(faint, W_UP, B_UP, 0.1), [True, False], case="the same with threshold=0.1",
         hint="compare with the `threshold` you are given, not a fixed number.")
    edge = TABLE["michael"] + 0.5 * TABLE["jordan"]
    same(chk.run(edge, W_UP, B_UP), [False, False],
         case="'Michael' with 0.5 of 'Jordan': an activation of exactly 0.5, the threshold",
         hint="a neuron fires when its activation is ABOVE the threshold, strictly "
              "(activation > threshold): exactly 0.5 does not fire.")
    chk.passed()


@guarded
def mlp_param_count(learner_mlp_param_count):
    """Small blocks counted by hand."""
    chk = Check("mlp_param_count", learner_mlp_param_count, returns=int)

    def count(args: tuple, kwargs: dict, expected: int, case: str, hint: str) -> None:
        chk.equal(chk.call(args, kwargs, case=case, hint=hint), expected, case=case, hint=hint)

    count((2, 3), {"bias": False}, 12, case="d_model=2, d_hidden=3, bias=False",
          hint="two matrices: the up-projection (d_hidden x d_model) AND the down-projection "
               "(d_model x d_hidden).")
    count((2, 3), {}, 17, case="d_model=2, d_hidden=3, with biases",
          hint="the biases: d_hidden numbers for the up-projection plus d_model for the down.")
    count((2, 3, 4), {}, 68, case="d_model=2, d_hidden=3, n_layers=4",
          hint="every layer has its own MLP: multiply by the number of layers.")
    chk.passed()
