"""The numbers the lessons work with: objects, hand-set weights and small data sets."""

from __future__ import annotations

import numpy as np

#: (R, G, B, volume) of the three objects of lesson 01.
OBJECTS = {
    "leaf": np.array([32.0, 107.0, 56.0, 11.2]),
    "flower": np.array([241.0, 200.0, 4.0, 59.5]),
    "sunflower": np.array([255.0, 235.0, 59.0, 45.3]),
}
FEATURES = ("R", "G", "B", "volume")


def toy_network() -> dict[str, np.ndarray]:
    """Hand-set weights of lesson 01's 4-3-2 leaf/flower network (fresh copies each call).

    The first hidden neuron's weights (0.10, -0.29, -0.07, 0.46) and bias 0.25 are the
    worked example of the lesson; the rest were chosen so that the verdicts come out right.
    """
    return {
        "W1": np.array([[0.10, -0.29, -0.07, 0.46],
                        [-0.20, 0.20, 0.10, 0.00],
                        [0.30, -0.10, -0.20, 0.50]]),
        "b1": np.array([0.25, 0.0, 0.0]),
        "W2": np.array([[0.05, 0.40, -0.10],
                        [0.00, -0.20, 0.30]]),
        "b2": np.array([0.0, 0.0]),
    }
