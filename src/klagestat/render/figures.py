"""A chart or map in the forms the reports embed: PNG for Word and PDF, SVG for HTML.

Every figure is drawn once with matplotlib (no display, the Agg backend) and exported twice.
The SVG keeps its text as text, so a screen reader can read the labels and the HTML file stays
small; the PNG is for Word, at print resolution. Figures are drawn to read in black and white:
line styles, markers and hatching carry the meaning, colour only repeats it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Figure:
    title: str  # the caption, Danish
    alt: str  # the text alternative, Danish: what the figure shows, for screen readers
    png: bytes
    svg: str  # one <svg> element, without XML declaration, for inlining in HTML
    width_cm: float  # the width it is drawn for on an A4 page


def new_figure(width_cm: float = 16.0, height_cm: float = 9.0) -> MplFigure:
    """A matplotlib figure of the size it will have on the page (not managed by pyplot)."""
    return MplFigure(figsize=(width_cm / 2.54, height_cm / 2.54), layout="constrained")


def exported(figure: MplFigure, title: str, alt: str) -> Figure:
    """The figure as PNG and SVG."""
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
    svg = io.StringIO()
    figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    text = svg.getvalue()
    text = text[text.index("<svg"):]  # drop the XML declaration and DOCTYPE
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)  # an RDF block no one reads
    text = re.sub(r"<svg ", f'<svg role="img" aria-label="{_attribute(alt)}" ', text, count=1)
    return Figure(title, alt, png.getvalue(), text, figure.get_figwidth() * 2.54)


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
