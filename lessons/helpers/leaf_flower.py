"""The leaf/flower data set (lesson 03 onwards) and the random start of a 4-3-2 network.

200 objects, each described by (R, G, B, volume) like the objects of lesson 01 and
labelled leaf or flower. The CSV beside this file is a copy of assets/leaf_flower.csv,
made by assets/make_leaf_flower.py (see assets/README.md for how and why).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

#: The file ships inside helpers/, which every lesson folder and nbgrader assignment carries.
CSV_PATH = Path(__file__).with_name("leaf_flower.csv")
#: Output neuron i of the network stands for LABELS[i].
LABELS = ("leaf", "flower")
#: The accuracy a training run of lesson 03 must reach on the data set.
TARGET_ACCURACY = 0.95


def load_leaf_flower(path: Path | str = CSV_PATH) -> tuple[np.ndarray, np.ndarray]:
    """Read the data set.

    Returns x: (n_objects, 4) floats (R, G, B, volume), raw as measured, and
    labels: (n_objects,) ints, 0 for leaf and 1 for flower (an index into LABELS).
    """
    with Path(path).open(newline="") as file:
        rows = list(csv.DictReader(file))
    x = np.array([[float(row[name]) for name in ("R", "G", "B", "volume")] for row in rows])
    labels = np.array([LABELS.index(row["label"]) for row in rows])
    return x, labels


def init_params(seed: int = 0, sizes: tuple[int, int, int] = (4, 3, 2),
                scale: float = 0.5) -> dict[str, np.ndarray]:
    """A randomly initialised 2-layer network: weights normal(0, scale), biases zero.

    Returns {"W1": (n_hidden, n_in), "b1": (n_hidden,), "W2": (n_out, n_hidden), "b2": (n_out,)},
    the same numbers for the same seed.
    """
    n_in, n_hidden, n_out = sizes
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0.0, scale, size=(n_hidden, n_in)),
        "b1": np.zeros(n_hidden),
        "W2": rng.normal(0.0, scale, size=(n_out, n_hidden)),
        "b2": np.zeros(n_out),
    }
