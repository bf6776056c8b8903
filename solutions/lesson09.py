"""Lesson 09 — how an MLP stores a fact.

Conventions (those of torch's nn.Linear): a batch of residual vectors is one vector per
row, x: (n, d); the up-projection W_up: (n_neurons, d) has one row per neuron; the
down-projection W_down: (d, n_neurons) has one column per neuron.
"""

import numpy as np


def directions(names: list[str], d: int, random: bool = False, seed: int = 0) -> dict[str, np.ndarray]:
    """One direction (a vector of length 1 in d dimensions) per feature name.

    names: the feature names, e.g. ["michael", "jordan", "basketball"].
    random=False: one-hot axes; names[i] gets the i-th axis of d (d >= len(names)).
    random=True: random unit vectors. Draw them all in ONE call,
        rng = np.random.default_rng(seed); rng.standard_normal((len(names), d)),
        then divide each row by its length; names[i] gets row i.
    Returns a dict name -> (d,) array, in the order of `names`.
    """
    if random:
        vectors = np.random.default_rng(seed).standard_normal((len(names), d))  # (n_names, d)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    else:
        vectors = np.eye(len(names), d)  # row i: the i-th axis
    return dict(zip(names, vectors))


def mlp(x: np.ndarray, W_up: np.ndarray, b_up: np.ndarray, W_down: np.ndarray) -> np.ndarray:
    """The MLP block with its residual connection: x + W_down relu(W_up x + b_up).

    x: (d,) one residual vector, or (n, d) one per row (one per token).
    W_up: (n_neurons, d), row j = what neuron j reads.  b_up: (n_neurons,).
    W_down: (d, n_neurons), column j = what neuron j writes.
    Returns the new residual vectors, the same shape as x. Every row is processed on its
    own: write it with matrix products (x @ W_up.T ...), no loop over rows.
    """
    hidden = np.maximum(x @ W_up.T + b_up, 0.0)  # (..., n_neurons): the neurons' activations
    return x + hidden @ W_down.T  # (..., d): add what the neurons write to the stream


def build_fact_mlp(
    facts: list[tuple[str, str, str]], table: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights of an MLP that stores the facts "first last plays sport", one neuron per fact.

    facts: [(first, last, sport), ...], e.g. [("michael", "jordan", "basketball")].
    table: name -> direction (d,), holding every name and sport of the facts.
    Returns (W_up, b_up, W_down) for neuron i = fact i:
      W_up: (n_facts, d), row i = table[first_i] + table[last_i]   (the question);
      b_up: (n_facts,), all -1                         (only both names pass the ReLU);
      W_down: (d, n_facts), column i = table[sport_i]  (the answer).
    """
    W_up = np.stack([table[first] + table[last] for first, last, _ in facts])  # (n_facts, d)
    b_up = -np.ones(len(facts))  # (n_facts,)
    W_down = np.stack([table[sport] for _, _, sport in facts], axis=1)  # (d, n_facts)
    return W_up, b_up, W_down


def firing_neurons(
    x: np.ndarray, W_up: np.ndarray, b_up: np.ndarray, threshold: float = 0.5
) -> np.ndarray:
    """Which neurons fire: their activation relu(W_up x + b_up) is above `threshold`.

    x: (d,) or (n, d) residual vectors. W_up: (n_neurons, d), b_up: (n_neurons,).
    Returns a boolean array, (n_neurons,) for one vector or (n, n_neurons) for a batch:
    True where the neuron's activation is greater than threshold.
    """
    activation = np.maximum(x @ W_up.T + b_up, 0.0)  # (..., n_neurons)
    return activation > threshold


def mlp_param_count(d_model: int, d_hidden: int, n_layers: int = 1, bias: bool = True) -> int:
    """The number of parameters in the MLP blocks of `n_layers` layers.

    One block: the up-projection W_up (d_hidden x d_model) and the down-projection
    W_down (d_model x d_hidden); with bias=True also their biases, d_hidden numbers for
    the up-projection and d_model for the down-projection.
    Returns a Python int.
    """
    per_layer = 2 * d_model * d_hidden
    if bias:
        per_layer += d_hidden + d_model
    return int(n_layers * per_layer)
