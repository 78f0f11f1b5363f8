"""A chart or map in the forms the reports embed: PNG for Word and PDF, SVG for HTML.

Every figure is drawn once with matplotlib (no display, the Agg backend) and exported to each
form the first time that form is read. An export costs as much as the drawing, and a Word or PDF
report reads only the PNG, a web page only the SVG, so neither pays for the other.
The SVG keeps its text as text, so a screen reader can read the labels and the HTML file stays
small; the PNG is for Word, at print resolution. Figures are drawn to read in black and white:
line styles, markers and hatching carry the meaning, colour only repeats it.
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import matplotlib
import numpy as np
import PIL.Image

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
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

    def __init__(self, title: str, alt: str, drawing: MplFigure | Backdrop,
                 svg_edits: tuple[Callable[[str], str], ...] = (), overlay: Overlay | None = None):
        self.title = title  # the caption, Danish
        self.alt = alt  # the text alternative, Danish: what the figure shows, for screen readers
        self.svg_edits = svg_edits
        self._exports = _Exports(drawing if isinstance(drawing, Backdrop) else Backdrop(drawing), overlay)
        self.width_cm = self._exports.backdrop.drawing.get_figwidth() * 2.54  # as drawn for an A4 page

    def edited(self, edit: Callable[[str], str]) -> Figure:
        """The figure with one more step for its SVG text; the two share the drawing's exports."""
        figure = Figure(self.title, self.alt, self._exports.backdrop, (*self.svg_edits, edit))
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


# What a figure adds on top of a shared drawing (its municipality highlighted): the artists added.
Overlay = Callable[[MplFigure], Sequence[Artist]]


class _Exports:
    """A figure's PNG and SVG, each exported the first time it is asked for."""

    def __init__(self, backdrop: Backdrop, overlay: Overlay | None):
        self.backdrop = backdrop
        self.overlay = overlay

    @cached_property
    def png(self) -> bytes:
        return self.backdrop.png(self.overlay)

    @cached_property
    def svg(self) -> str:
        return self.backdrop.svg(self.overlay)


class Backdrop:
    """A matplotlib drawing, laid out once and exported with or without a figure's own artists on top.

    Figures that differ only in a few artists (the funnel plot or the tile map of one year, with
    another municipality highlighted) share one backdrop: it is drawn once, and each figure adds
    its overlay, exports and takes it off again. For the PNG the backdrop's pixels are kept and
    only the overlay is drawn over them, so the 98 municipalities' committee cases draw the
    shared part once, not 98 times. A lock keeps one export at a time.
    """

    def __init__(self, drawing: MplFigure):
        self.drawing = drawing
        self._lock = threading.Lock()
        self._laid_out = False
        self._canvas: FigureCanvasAgg | None = None
        self._background = None  # the backdrop's pixels at PNG_DPI, once a figure with an overlay is exported
        self.kept: object = None  # see backdrop()

    def png(self, overlay: Overlay | None) -> bytes:
        with self._lock:
            if overlay is None:
                self._lay_out()
                png = io.BytesIO()
                self.drawing.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
                return png.getvalue()
            if self._background is None:
                with self._overlaid(overlay):
                    self._lay_out()  # with an overlay in place: room is kept for it (a legend)
                self._canvas = FigureCanvasAgg(self.drawing)
                self.drawing.set_dpi(PNG_DPI)
                self._canvas.draw()
                self._background = self._canvas.copy_from_bbox(self.drawing.bbox)
            canvas = self._canvas
            assert canvas is not None
            canvas.restore_region(self._background)
            with self._overlaid(overlay) as artists:
                for artist in sorted(artists, key=lambda a: a.get_zorder()):
                    self.drawing.draw_artist(artist)
                pixels = np.asarray(canvas.buffer_rgba()).copy()
            png = io.BytesIO()
            PIL.Image.fromarray(pixels, "RGBA").save(png, format="png", dpi=(PNG_DPI, PNG_DPI))
            return png.getvalue()

    def svg(self, overlay: Overlay | None) -> str:
        with self._lock, self._overlaid(overlay):
            self._lay_out()
            svg = io.StringIO()
            self.drawing.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        text = svg.getvalue()
        text = text[text.index("<svg"):]  # drop the XML declaration and DOCTYPE
        return re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)  # an RDF block no one reads

    @contextmanager
    def _overlaid(self, overlay: Overlay | None) -> Iterator[Sequence[Artist]]:
        artists = overlay(self.drawing) if overlay is not None else ()
        try:
            yield artists
        finally:
            for artist in artists:
                artist.remove()

    def _lay_out(self) -> None:
        """Constrained layout, once: it costs as much as an export, and run again at each export
        it settles a little differently (ticks move by hundredths of a point). Fixed after one
        pass, the figure exports alike whichever form is read first, and a web page, which
        reads only the SVG, never pays for the PNG."""
        if not self._laid_out:
            engine = self.drawing.get_layout_engine()
            if engine is not None:
                engine.execute(self.drawing)  # the layout alone, without a draw
            self.drawing.set_layout_engine("none")
            self._laid_out = True


BACKDROPS_KEPT = 6  # shared drawings kept per process: a year's funnel plot and map of each map
_backdrops: OrderedDict[Hashable, Backdrop] = OrderedDict()
_backdrops_lock = threading.Lock()


def backdrop(key: Hashable, draw: Callable[[], MplFigure], keep: object = None) -> Backdrop:
    """The shared drawing under `key` (everything it is drawn from), drawn by `draw` the first
    time; the few most recently used are kept. `keep`: objects the key names by id(), kept alive
    with the drawing so no other object can take their id while it is kept."""
    with _backdrops_lock:
        if key in _backdrops:
            _backdrops.move_to_end(key)
            return _backdrops[key]
    drawn = Backdrop(draw())
    drawn.kept = keep
    with _backdrops_lock:
        drawn = _backdrops.setdefault(key, drawn)
        while len(_backdrops) > BACKDROPS_KEPT:
            _backdrops.popitem(last=False)
    return drawn


def new_figure(width_cm: float = 16.0, height_cm: float = 9.0, margins_cm: Margins | None = None) -> MplFigure:
    """A matplotlib figure of the size it will have on the page (not managed by pyplot), laid out
    by matplotlib's constrained layout, or, given `margins_cm`, with those margins around its
    panels (see Margins)."""
    size = (width_cm / 2.54, height_cm / 2.54)
    return MplFigure(figsize=size, layout="constrained" if margins_cm is None else None)


@dataclass(frozen=True)
class Margins:
    """Fixed room around a row of panels, in cm: for a chart whose text is always of the same
    size (tick labels of at most "100 %", years, one-line titles), where constrained layout, a
    third of the drawing's time, would find the same room every time."""

    left: float
    right: float
    bottom: float
    top: float
    between: float  # between two panels

    def apply(self, figure: MplFigure, panels: int) -> None:
        width, height = figure.get_figwidth() * 2.54, figure.get_figheight() * 2.54
        panel = (width - self.left - self.right - self.between * (panels - 1)) / panels
        figure.subplots_adjust(left=self.left / width, right=1 - self.right / width, bottom=self.bottom / height,
                               top=1 - self.top / height, wspace=self.between / panel)


def exported(figure: MplFigure | Backdrop, title: str, alt: str, overlay: Overlay | None = None) -> Figure:
    """The figure (a backdrop with an overlay on top), to be exported as PNG and SVG when asked for."""
    return Figure(title, alt, figure, overlay=overlay)


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
