"""Make the leaf/flower data set: 200 objects, each (R, G, B, volume) and a label.

Run from the repository root:  python assets/make_leaf_flower.py
It writes assets/leaf_flower.csv and the identical copy lessons/helpers/leaf_flower.csv
(the copy travels with the lessons' helpers into every nbgrader assignment folder).

The objects are drawn from a few kinds, each with a typical colour and size. Leaves are
mostly green and small, but a third of them are autumn leaves whose colours overlap the
yellow and red flowers, so colour alone does not settle every case; flowers are larger,
with some overlap in size too. Everything is seeded: the file is the same on every run.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = (ROOT / "assets" / "leaf_flower.csv", ROOT / "lessons" / "helpers" / "leaf_flower.csv")
SEED = 3
HEADER = ("R", "G", "B", "volume", "label")

#: (label, kind, count, mean (R, G, B), spread (R, G, B), median volume, spread of log volume)
KINDS = [
    ("leaf", "green leaf", 70, (60, 130, 50), (20, 30, 20), 8.0, 0.6),
    ("leaf", "autumn leaf", 30, (200, 120, 30), (30, 40, 20), 9.0, 0.6),
    ("flower", "yellow flower", 30, (245, 210, 40), (10, 20, 25), 40.0, 0.5),
    ("flower", "red flower", 25, (220, 40, 50), (20, 20, 20), 35.0, 0.5),
    ("flower", "pink flower", 20, (240, 150, 190), (12, 25, 20), 30.0, 0.5),
    ("flower", "white flower", 15, (240, 240, 235), (10, 10, 12), 30.0, 0.5),
    ("flower", "purple flower", 10, (130, 60, 190), (25, 20, 30), 25.0, 0.5),
]


def make_rows(seed: int = SEED) -> list[tuple]:
    """The data set as rows (R, G, B, volume, label), shuffled.

    Colours are normal around each kind's mean, rounded and clipped to 0..255; volumes are
    log-normal around each kind's median, rounded to one decimal.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for label, _kind, count, mean, spread, median, log_spread in KINDS:
        rgb = np.clip(np.round(rng.normal(mean, spread, size=(count, 3))), 0, 255).astype(int)
        volume = np.round(median * np.exp(log_spread * rng.normal(size=count)), 1)
        rows += [(*map(int, colour), float(v), label) for colour, v in zip(rgb, volume)]
    return [rows[i] for i in rng.permutation(len(rows))]


def write(path: Path, rows: list[tuple]) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


if __name__ == "__main__":
    rows = make_rows()
    for path in OUTPUTS:
        write(path, rows)
        print(f"wrote {path.relative_to(ROOT)}: {len(rows)} objects")
