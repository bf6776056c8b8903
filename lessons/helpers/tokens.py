"""Showing tokens: text cut into pieces, each piece on its own coloured background."""

from __future__ import annotations

import html

#: Light background colours, cycled so that neighbouring tokens always differ.
COLOURS = ("#fde2a7", "#b9e3c6", "#c9d7f8", "#f7c6d9", "#d9c8f0", "#c8eef0")


def show_pieces(pieces: list[str], ids: list[int] | None = None) -> str:
    """HTML for a list of text pieces (one per token), each on a coloured background.

    Spaces show as a faint dot and newlines as a faint arrow, so that tokens made of
    whitespace stay visible. With `ids`, hovering a piece shows its token id.
    """
    spans = []
    for k, piece in enumerate(pieces):
        shown = html.escape(piece).replace(" ", "<span style='color:#999'>·</span>")
        shown = shown.replace("\n", "<span style='color:#999'>↵</span><br>")
        title = f" title='id {ids[k]}'" if ids is not None else ""
        spans.append(f"<span{title} style='background:{COLOURS[k % len(COLOURS)]};"
                     f"padding:1px 0;margin-right:1px;border-radius:3px'>{shown}</span>")
    return ("<div style='font-family:monospace;font-size:14px;line-height:1.9'>"
            + "".join(spans) + "</div>")

