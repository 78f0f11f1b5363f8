"""A chart or map in the forms the reports embed: PNG for Word and PDF, SVG for HTML.

Every figure is drawn once with matplotlib (no display, the Agg backend) and exported to each
form the first time that form is read. An export costs as much as the drawing, and a Word or PDF
report reads only the PNG, so it never pays for the SVG.
The SVG keeps its text as text, so a screen reader can read the labels and the HTML file stays
small; the PNG is for Word, at print resolution. Figures are drawn to read in black and white:
line styles, markers and hatching carry the meaning, colour only repeats it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from functools import cached_property

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402

PNG_DPI = 200
FONT = "DejaVu Sans"  # ships with matplotlib: nothing is looked up on the machine

plt.rcParams.update({
    "font.family": FONT,
    "font.size": 9,
    "svg.fonttype": "none",  # text stays <text>, readable and selectable
    "svg.hashsalt": "klagestat",  # the same figure gives the same SVG, run after run
    "axes.spines.top": False,
    "axes.spines.right": False,
})


class Figure:
    """A drawn figure; `png` and `svg` are exported from the drawing the first time each is read.

    `svg_edits` post-process the SVG text in order (maps.with_titles adds a <title> per
    municipality), also only when the SVG is read.
    """

    def __init__(self, title: str, alt: str, drawing: MplFigure, svg_edits: tuple[Callable[[str], str], ...] = ()):
        self.title = title  # the caption, Danish
        self.alt = alt  # the text alternative, Danish: what the figure shows, for screen readers
        self.width_cm = drawing.get_figwidth() * 2.54  # the width it is drawn for on an A4 page
        self.svg_edits = svg_edits
        self._exports = _Exports(drawing)

    def edited(self, edit: Callable[[str], str]) -> Figure:
        """The figure with one more step for its SVG text; the two share the drawing's exports."""
        figure = Figure(self.title, self.alt, self._exports.drawing, (*self.svg_edits, edit))
        figure._exports = self._exports
        return figure

    @property
    def png(self) -> bytes:
        return self._exports.png

    @cached_property
    def svg(self) -> str:
        """One <svg> element, without XML declaration, for inlining in HTML."""
        text = re.sub(r"<svg ", f'<svg role="img" aria-label="{_attribute(self.alt)}" ', self._exports.svg, count=1)
        for edit in self.svg_edits:
            text = edit(text)
        return text


class _Exports:
    """A matplotlib figure as PNG and as SVG, each exported the first time it is asked for."""

    def __init__(self, drawing: MplFigure):
        self.drawing = drawing

    @cached_property
    def png(self) -> bytes:
        png = io.BytesIO()
        self.drawing.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
        return png.getvalue()

    @cached_property
    def svg(self) -> str:
        # Constrained layout runs again at each export and settles a little differently after a
        # first pass (ticks move by hundredths of a point). So the SVG is always exported after
        # the PNG, and a figure gives the same SVG whichever form is read first; a Word report,
        # which reads only the PNG, pays for neither the SVG nor this.
        self.png  # noqa: B018 - exported for its effect on the layout
        svg = io.StringIO()
        self.drawing.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        text = svg.getvalue()
        text = text[text.index("<svg"):]  # drop the XML declaration and DOCTYPE
        return re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)  # an RDF block no one reads


def new_figure(width_cm: float = 16.0, height_cm: float = 9.0) -> MplFigure:
    """A matplotlib figure of the size it will have on the page (not managed by pyplot)."""
    return MplFigure(figsize=(width_cm / 2.54, height_cm / 2.54), layout="constrained")


def exported(figure: MplFigure, title: str, alt: str) -> Figure:
    """The figure, to be exported as PNG and SVG when asked for."""
    return Figure(title, alt, figure)


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
