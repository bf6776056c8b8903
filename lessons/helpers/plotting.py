"""The course's plotting style, in one place: every lesson's figures use it.

`helpers.env.check_environment`, the first cell of every lesson, calls `use_course_style()`,
so no notebook sets colours or font sizes of its own unless a figure needs to.

* Colours: the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2002), whose
  colours stay apart for the common kinds of colour blindness. `COLORS` names them;
  series take them in the order of `CYCLE`, so "C0", "C1", ... in a lesson are these.
  Yellow is left out of the cycle: on white it is too faint for a line.
* Series differ by more than colour: each step of the cycle also changes the line's dash
  (`series_style(i)` adds a marker, for plots of points).
* Readable sizes: the style's own text is 10 points or larger, text a figure sets itself
  no smaller than `MIN_FONT_SIZE` (9 points); figures drawn at 100 dpi.
"""

from __future__ import annotations

from typing import Any

#: The Okabe-Ito palette, by name.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky blue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",
}
#: The order series take colours in ("C0" is blue, "C1" orange, ...).
CYCLE = ["blue", "orange", "green", "vermillion", "purple", "sky blue", "black"]
#: One dash pattern per step of the cycle: solid, dashed, dotted, dash-dot, then longer patterns.
DASHES: list[Any] = ["-", "--", ":", "-.", (0, (6, 2, 1, 2, 1, 2)), (0, (8, 3)), (0, (1, 4))]
#: One marker per step of the cycle, for series drawn as points.
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
#: The thin line from a label placed away from its point back to the point.
LEADER = {"arrowstyle": "-", "color": "grey", "linewidth": 0.5}
#: The smallest font size (points) a figure may set for its own text.
MIN_FONT_SIZE = 9

RC: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "figure.titlesize": 13,
    "lines.linewidth": 2.0,
    "lines.markersize": 7,
    "axes.grid": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "viridis",
}


def series_style(i: int, points: bool = False) -> dict[str, Any]:
    """The colour and dash of series i (and its marker, with points=True): keyword
    arguments for `plt.plot`."""
    style = {"color": COLORS[CYCLE[i % len(CYCLE)]], "linestyle": DASHES[i % len(DASHES)]}
    if points:
        style["marker"] = MARKERS[i % len(MARKERS)]
    return style


def use_course_style() -> None:
    """Make the course's style matplotlib's default (fonts, sizes, palette, dashes)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(RC)
    mpl.rcParams["axes.prop_cycle"] = (cycler(color=[COLORS[name] for name in CYCLE])
                                       + cycler(linestyle=DASHES))


def text_box(annotation: Any, renderer: Any) -> Any:
    """The screen box of an annotation's text alone (without its line to the point)."""
    from matplotlib.text import Text

    annotation.update_positions(renderer)
    return Text.get_window_extent(annotation, renderer)


def label_points(ax: Any, xs: Any, ys: Any, labels: list[str], fontsize: float = 10,
                 pad: float = 2.0) -> list[Any]:
    """Write each label beside its point where it overlaps no label already placed.

    Tries eight places around the point (right, left, above, below and the corners), then
    the same places further out; a label moved away from its point gets a thin grey line to
    it. Call it after the axes' limits and the figure's layout are set (it measures in
    screen space). Returns the text objects.
    """
    ax.autoscale_view()
    renderer = ax.figure.canvas.get_renderer()
    places = [((5, 3), "left", "bottom"), ((-5, 3), "right", "bottom"), ((5, -3), "left", "top"),
              ((-5, -3), "right", "top"), ((0, 6), "center", "bottom"), ((0, -6), "center", "top"),
              ((7, 0), "left", "center"), ((-7, 0), "right", "center")]
    placed, texts = [], []
    for x, y, label in zip(xs, ys, labels):
        chosen = None
        for scale in (1, 2.5, 4, 6):
            for (dx, dy), ha, va in places:
                line = {"arrowprops": LEADER} if scale > 1 else {}
                text = ax.annotate(label, (x, y), textcoords="offset points",
                                   xytext=(dx * scale, dy * scale), ha=ha, va=va, fontsize=fontsize,
                                   **line)
                box = text_box(text, renderer).padded(pad)
                if not any(box.overlaps(other) for other in placed):
                    chosen = (text, box)
                    break
                text.remove()
            if chosen:
                break
        if chosen is None:  # nowhere free: the first place, overlapping
            text = ax.annotate(label, (x, y), textcoords="offset points", xytext=places[0][0],
                               ha="left", va="bottom", fontsize=fontsize)
            chosen = (text, text_box(text, renderer).padded(pad))
        placed.append(chosen[1])
        texts.append(chosen[0])
    return texts
