"""The course's plotting style (lessons/helpers/plotting.py) and the figures that use it:
colours that colour-blind learners tell apart, series that differ by more than colour,
readable text, labels that do not hide each other, widget labels that are not cut short."""

from __future__ import annotations

import ast
import re

import matplotlib
import nbformat
import numpy as np
import pytest

from autograder.build import ROOT, all_lessons
from helpers import plotting
from helpers.env import check_environment

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: Machado, Oliveira & Fernandes (2009), severity 1: linear-RGB matrices that simulate
#: protanopia, deuteranopia and tritanopia.
COLOUR_BLINDNESS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
    "typical vision": np.eye(3).tolist(),
}
#: Smallest CIELAB distance between two palette colours, as each kind of vision sees them
#: (matplotlib's default tab10 palette falls to about 5 under protanopia).
MIN_DELTA_E = 15
#: A widget's label is cut ("temperat…") past this many characters unless its width is set.
WIDGET_LABEL_CHARS = 8


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of linear-RGB colours, (n, 3)."""
    xyz = rgb @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                          [0.0193, 0.1192, 0.9505]]).T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def smallest_difference(colours: list[str], simulation: list[list[float]]) -> float:
    srgb = np.array([matplotlib.colors.to_rgb(c) for c in colours])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    seen = lab(np.clip(linear @ np.array(simulation).T, 0, 1))
    distances = np.linalg.norm(seen[:, None] - seen[None], axis=-1)
    return float(distances[np.triu_indices(len(colours), 1)].min())


@pytest.mark.parametrize("vision", list(COLOUR_BLINDNESS))
def test_the_palette_stays_apart_for_colour_blind_eyes(vision):
    simulation = COLOUR_BLINDNESS[vision]
    assert smallest_difference(list(plotting.COLORS.values()), simulation) >= MIN_DELTA_E
    tab10 = list(matplotlib.colors.TABLEAU_COLORS.values())[:len(plotting.COLORS)]
    if vision in ("protanopia", "deuteranopia"):  # the yardstick: the default palette fails
        assert smallest_difference(tab10, simulation) < MIN_DELTA_E


def test_series_differ_by_more_than_colour():
    styles = [plotting.series_style(i, points=True) for i in range(len(plotting.CYCLE))]
    assert len({str(s["linestyle"]) for s in styles}) == len(styles)
    assert len({s["marker"] for s in styles}) == len(styles)
    assert len({s["color"] for s in styles}) == len(styles) and plotting.COLORS["yellow"] not in \
        [s["color"] for s in styles]  # yellow is too faint on white for a line


def test_every_lesson_draws_in_the_course_style():
    """The first cell of every lesson (check_environment) sets the style: C0, C1, ... are the
    palette, with a new dash each, and text is at least 10 points."""
    matplotlib.rcdefaults()
    check_environment(["matplotlib"])
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()
    assert cycle["color"] == [plotting.COLORS[name] for name in plotting.CYCLE]
    assert len(set(map(str, cycle["linestyle"]))) == len(cycle["color"])
    fig, ax = plt.subplots()
    lines = [ax.plot([0, 1], [i, i])[0] for i in range(3)]
    assert [line.get_color() for line in lines] == cycle["color"][:3]
    assert len({line.get_linestyle() for line in lines}) == 3
    plt.close(fig)
    for key in ("font.size", "axes.labelsize", "xtick.labelsize", "ytick.labelsize", "legend.fontsize"):
        size = matplotlib.font_manager.FontProperties(size=matplotlib.rcParams[key])
        assert size.get_size_in_points() >= 10, key
    for lesson in all_lessons():
        first = next(c for c in nbformat.read(lesson.path, as_version=4).cells if c.cell_type == "code")
        assert re.search(r"check_environment\(\[[^\]]*\"matplotlib\"", first.source), lesson.name
    matplotlib.rcdefaults()


def code_sources() -> dict[str, str]:
    """Every lesson's code cells and every helper module, by a readable name."""
    sources = {path.name: path.read_text() for path in (ROOT / "lessons" / "helpers").glob("*.py")}
    for lesson in all_lessons():
        cells = nbformat.read(lesson.path, as_version=4).cells
        sources[lesson.name] = "\n".join(c.source for c in cells if c.cell_type == "code")
    return sources


def test_no_figure_sets_unreadably_small_text():
    small = [(name, match.group(0)) for name, source in code_sources().items()
             for match in re.finditer(r"\b(?:fontsize|labelsize|title_fontsize)=([0-9.]+)", source)
             if float(match.group(1)) < plotting.MIN_FONT_SIZE]
    small += [(name, word) for name, source in code_sources().items()
              for word in re.findall(r"(?:fontsize|labelsize)=\"(xx-small|x-small)\"", source)]
    assert small == []


def test_the_style_sets_text_of_10_points_or_more_and_figures_no_less_than_9():
    """The sizes plotting.py's docstring states."""
    text_sizes = [size for key, size in plotting.RC.items()
                  if key == "font.size" or key.endswith(("labelsize", "titlesize", "fontsize"))]
    assert len(text_sizes) == 8 and min(text_sizes) >= 10
    assert plotting.MIN_FONT_SIZE == 9


def widget_labels_cut_short(source: str) -> list[str]:
    """Widgets whose label is longer than fits and whose label width is not set."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    cut = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if name.endswith(("Slider", "Dropdown", "Text", "Buttons")) and "description" in keywords:
            label = keywords["description"]
            text = label.value if isinstance(label, ast.Constant) else ast.unparse(label)
            if len(str(text)) > WIDGET_LABEL_CHARS and "style" not in keywords:
                cut.append(str(text))
        if name in ("interact", "interactive"):  # a tuple or a value: labelled by its name
            cut += [key for key, value in keywords.items() if len(key) > WIDGET_LABEL_CHARS
                    and isinstance(value, (ast.Tuple, ast.Constant, ast.List))]
    return cut


def test_widget_labels_are_not_cut_short():
    cut = {}
    for lesson in all_lessons():
        for cell in nbformat.read(lesson.path, as_version=4).cells:
            if cell.cell_type == "code" and (found := widget_labels_cut_short(cell.source)):
                cut.setdefault(lesson.name, []).extend(found)
    assert cut == {}
    assert widget_labels_cut_short('widgets.FloatSlider(description="temperature")') == ["temperature"]


def test_labels_are_placed_where_they_hide_no_other():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(24, 2)) * [1.0, 0.3]  # crowded, like the word maps of lesson 06
    words = [f"word{i:02d}" for i in range(len(points))]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(points[:, 0], points[:, 1])
    texts = plotting.label_points(ax, points[:, 0], points[:, 1], words)
    renderer = fig.canvas.get_renderer()
    boxes = [plotting.text_box(t, renderer) for t in texts]
    overlapping = [(a, b) for i, a in enumerate(words) for j, b in enumerate(words)
                   if i < j and boxes[i].overlaps(boxes[j])]
    assert [t.get_text() for t in texts] == words and overlapping == []
    naive = [ax.annotate(w, p, textcoords="offset points", xytext=(4, 3)) for w, p in zip(words, points)]
    naive_boxes = [plotting.text_box(t, renderer) for t in naive]
    assert any(naive_boxes[i].overlaps(naive_boxes[j])  # the yardstick: the old way overlaps
               for i in range(len(words)) for j in range(i + 1, len(words)))
    plt.close(fig)
