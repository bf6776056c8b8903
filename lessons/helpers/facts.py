"""The facts, names and word pairs of lesson 09 (how an MLP stores a fact), and its pictures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

#: (first name, last name, sport): the facts the lesson's MLP stores, one neuron each.
FACTS = [
    ("michael", "jordan", "basketball"),
    ("michael", "phelps", "swimming"),
    ("serena", "williams", "tennis"),
    ("venus", "williams", "tennis"),
    ("lionel", "messi", "football"),
    ("tiger", "woods", "golf"),
]
FIRST_NAMES = list(dict.fromkeys(first for first, _, _ in FACTS))
LAST_NAMES = list(dict.fromkeys(last for _, last, _ in FACTS))
SPORTS = list(dict.fromkeys(sport for _, _, sport in FACTS))
#: Other words of the prompt "Michael Jordan plays the sport of": features the MLP ignores.
OTHER_WORDS = ["plays", "the", "sport", "of"]
#: Every feature of the lesson, names first: row i of a table is FEATURES[i].
FEATURES = FIRST_NAMES + LAST_NAMES + SPORTS + OTHER_WORDS

#: Names that do not go together: each shares one name with a stored fact.
MIXED_NAMES = [("michael", "williams"), ("serena", "jordan"), ("tiger", "phelps"),
               ("venus", "messi"), ("lionel", "woods")]

#: (country, capital) pairs whose average offset is "the capital-of direction" in GloVe.
#: Poland is kept out: it is the test of the direction.
CAPITALS = [
    ("france", "paris"), ("germany", "berlin"), ("italy", "rome"), ("spain", "madrid"),
    ("japan", "tokyo"), ("russia", "moscow"), ("egypt", "cairo"), ("greece", "athens"),
    ("austria", "vienna"), ("portugal", "lisbon"), ("sweden", "stockholm"), ("norway", "oslo"),
]
#: Countries left out of CAPITALS, with their real capitals, to test the direction on.
HELD_OUT = [("poland", "warsaw"), ("china", "beijing"), ("india", "delhi"),
            ("turkey", "ankara"), ("ukraine", "kiev"), ("brazil", "brasilia"),
            ("australia", "canberra"), ("canada", "ottawa")]


def inputs(table: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """The residual vectors the lesson feeds its MLP, and a label for each.

    Full names of the facts, then every first and last name alone, then MIXED_NAMES; a
    vector is the sum of the directions of its names. Returns (labels, X: (n, d)).
    """
    groups = ([(first, last) for first, last, _ in FACTS]
              + [(name,) for name in FIRST_NAMES + LAST_NAMES] + MIXED_NAMES)
    labels = [" ".join(name.capitalize() for name in group) for group in groups]
    return labels, np.stack([sum(table[name] for name in group) for group in groups])


def heatmaps(labels: list[str], activations: np.ndarray, readout: np.ndarray,
             title: str = "") -> plt.Figure:
    """Neuron activations (n_inputs, n_facts) and sport readouts (n_inputs, n_sports) side by side."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.34 * len(labels) + 1.8),
                             gridspec_kw={"width_ratios": [len(FACTS), len(SPORTS)]})
    columns = [[f"{first[0].upper()}. {last.capitalize()}" for first, last, _ in FACTS], SPORTS]
    names = ["neuron activation (one neuron per fact)", "what the MLP adds, read along each sport"]
    for ax, values, cols, name in zip(axes, [activations, readout], columns, names):
        image = ax.imshow(values, cmap="RdBu_r", vmin=-1.2, vmax=1.2, aspect="auto")
        ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
        ax.set_yticks(range(len(labels)), labels if ax is axes[0] else [])
        ax.set_title(name, fontsize=11)
        for i, j in np.ndindex(values.shape):
            if abs(values[i, j]) > 0.005:
                ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=9,
                        color="white" if abs(values[i, j]) > 0.6 else "black")
        for row in (len(FACTS) - 0.5, len(FACTS) + len(FIRST_NAMES) + len(LAST_NAMES) - 0.5):
            ax.axhline(row, color="black", linewidth=1)
    fig.colorbar(image, ax=axes, shrink=0.6)
    fig.suptitle(title)
    return fig


def invented_facts(n_people: int, n_sports: int = 10, seed: int = 0) -> tuple[list, list[str]]:
    """Many made-up facts: person i is called "first{i} last{i}" and plays a random one of
    n_sports sports. Returns (facts, features): every first name, last name and sport."""
    rng = np.random.default_rng(seed)
    sports = [f"sport{k}" for k in range(n_sports)]
    facts = [(f"first{i}", f"last{i}", sports[k])
             for i, k in enumerate(rng.integers(n_sports, size=n_people))]
    return facts, [first for first, _, _ in facts] + [last for _, last, _ in facts] + sports


def recall(facts: list, table: dict[str, np.ndarray], build_fact_mlp, mlp, firing_neurons
           ) -> dict[str, float]:
    """How well the MLP built from `facts` in `table` remembers them: four shares from 0 to 1.

    The three functions are the lesson's exercises (pass your own).
    """
    W_up, b_up, W_down = build_fact_mlp(facts, table)
    firsts = np.stack([table[first] for first, _, _ in facts])  # (n_facts, d)
    lasts = np.stack([table[last] for _, last, _ in facts])
    sports = list(dict.fromkeys(sport for _, _, sport in facts))
    answers = np.stack([table[sport] for sport in sports])  # (n_sports, d)
    full = firsts + lasts
    mixed = firsts + np.roll(lasts, 1, axis=0)  # first name of person i, last name of person i-1
    added = mlp(full, W_up, b_up, W_down) - full
    right = np.array([sports.index(sport) for _, _, sport in facts])
    return {
        "full names that fire their own neuron and no other":
            float((firing_neurons(full, W_up, b_up) == np.eye(len(facts), dtype=bool)).all(1).mean()),
        "single names that fire no neuron":
            float(1 - firing_neurons(np.concatenate([firsts, lasts]), W_up, b_up).any(1).mean()),
        "mixed names that fire no neuron":
            float(1 - firing_neurons(mixed, W_up, b_up).any(1).mean()),
        "full names whose added vector reads their own sport highest":
            float(((added @ answers.T).argmax(1) == right).mean()),
    }
