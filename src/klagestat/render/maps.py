"""Maps of the 98 municipalities: a tile grid (one equal square each) and real boundaries.

Both maps colour each municipality the same way, either by its reversal rate or by its funnel
class, and both read in black and white (see figures.py):
- by rate: five bins of whole percents on a sequential palette whose lightness alone orders them;
- by class: above and below the national rate differ by hatching as well as by colour (lines
  for above, dots for below), within normal variation is plain light grey;
- no cases: a white municipality with a light outline, "Ingen sager" in the legend.
The highlighted municipality gets a thick black outline and its name and value in the legend.

matplotlib can't write an SVG <title>, so each municipality is drawn as one artist with a gid
("tile-101", "kommune-101") and its group in the exported SVG gets a <title> afterwards,
"København: 30 %": a browser shows it on hover and a screen reader can read it. (Afterwards is
when the SVG is first read: a Word report, which embeds the PNG, never exports the SVG.)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure
from matplotlib.legend import Legend
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from klagestat.catalogue import load_tile_grid
from klagestat.domain.catalogue import Catalogue
from klagestat.domain.statistics import FUNNEL_NAMES_DA, FunnelClass

from . import numbers
from .figures import Figure, backdrop, exported, new_figure

if TYPE_CHECKING:  # what ingest.boundaries reads; render only draws it
    from klagestat.ingest.boundaries import Boundaries

NO_DATA = "Ingen sager"
BIN_STEPS = (5, 10, 20)  # percentage points per middle bin: the narrowest that fits wins
# Blues after ColorBrewer, lightness (CIE L*) 90, 79, 64, 50, 30: the order survives a
# black-and-white print, and the lowest bin is still darker than a white no-data tile.
RATE_COLOURS = ("#d4e4f4", "#9ecae1", "#5ba3d0", "#2b7bba", "#08468b")
DARK_TEXT_FROM = 3  # bins from this index on are dark enough to need white labels
NO_DATA_EDGE = "0.6"
GAP_COLOUR = "white"  # the lines between municipalities
HIGHLIGHT_WIDTH = 2.2
HATCH_COLOUR = "0.15"


@dataclass(frozen=True)
class Style:
    """How one municipality (and its legend entry) is drawn."""

    label: str  # the legend's text, Danish
    face: str
    hatch: str | None = None
    text: str = "black"  # the tile label's colour
    edge: str = GAP_COLOUR


CLASS_STYLES = {
    FunnelClass.ABOVE: Style("Over landsplan", "#f4a582", "///"),
    FunnelClass.WITHIN: Style("Inden for normal variation", "#d9d9d9"),
    FunnelClass.BELOW: Style("Under landsplan", "#92c5de", "..."),
}
CLASS_VALUES = FUNNEL_NAMES_DA  # the value in a municipality's <title> and in the alt text
NO_DATA_STYLE = Style(NO_DATA, "white", edge=NO_DATA_EDGE)
# Per 10,000 inhabitants a gap is no population or no figure, not "no cases" (0 cases is a figure).
NO_FIGURE_STYLE = Style("Intet tal", "white", edge=NO_DATA_EDGE)
BLANK_STYLES = (NO_DATA_STYLE, NO_FIGURE_STYLE)

# ---- colouring, shared by both maps ----------------------------------------------------------


@dataclass(frozen=True)
class RateBin:
    low: int  # whole percents, both ends included
    high: int

    @property
    def label(self) -> str:
        if self.low == self.high:
            return f"{self.low}{numbers.PERCENT_SPACE}%"
        return f"{self.low}–{self.high}{numbers.PERCENT_SPACE}%"


def whole_percent(rate: Fraction) -> int:
    """The rate as the whole percent a reader sees ("30 %"), so a tile's bin matches its label."""
    return int(numbers.round_half_up(rate * 100))


def rate_bins(percents: list[int]) -> tuple[RateBin, ...]:
    """Five bins of round percentages: "0–29 %", "30–39 %", "40–49 %", "50–59 %", "60–100 %".

    The three middle bins are 5, 10 or 20 points wide, the narrowest that holds the middle of the
    values (from the 20th to the 80th percentile) when they start at the round number below it;
    the outer two take the rest, down to 0 % and up to 100 %, so an outlier (2 cases, 100 %)
    doesn't stretch the scale for everyone.
    """
    ordered = sorted(percents) or [0, 100]
    middle_low = ordered[math.floor(0.2 * (len(ordered) - 1))]
    middle_high = ordered[math.ceil(0.8 * (len(ordered) - 1))]
    for step in BIN_STEPS:
        # Outer bins at least one step wide, so none of them is empty by construction.
        start = min(max(middle_low // step * step, step), 100 - 4 * step)
        if middle_high < start + 3 * step:
            break
    inner = [RateBin(start + i * step, start + (i + 1) * step - 1) for i in range(3)]
    return (RateBin(0, start - 1), *inner, RateBin(start + 3 * step, 100))


def amount_bins(values: list, count: int = 5) -> list[tuple]:
    """Up to `count` bins of cases per 10,000 inhabitants (values rounded to tenths, sorted), cut
    at the quintiles so each holds about as many municipalities: (low, high, label), both ends
    included, as the tenths a reader sees."""
    if not values:
        return [(Decimal(0), Decimal(10**9), "–")]
    step = Decimal("0.1")
    cuts = sorted({values[math.ceil(len(values) * i / count) - 1] for i in range(1, count)})
    bins, low = [], values[0]
    for cut in cuts:
        if cut >= low and cut < values[-1]:
            bins.append((low, cut))
            low = cut + step
    bins.append((low, values[-1]))

    def text(value: Decimal) -> str:
        return numbers.per_10000(Fraction(value))

    labels = [text(lo) if lo == hi else f"{text(lo)}–{text(hi)}" for lo, hi in bins]
    # The outer bins reach to 0 and beyond the highest value, so a rounding never falls outside.
    bins[0] = (Decimal(0), bins[0][1])
    bins[-1] = (bins[-1][0], Decimal(10**9))
    return [(lo, hi, label) for (lo, hi), label in zip(bins, labels)]


@dataclass(frozen=True)
class Colouring:
    styles: dict[str, Style]  # municipality code → how it is drawn
    values: dict[str, str]  # municipality code → its value in Danish ("30 %", "ingen sager")
    legend: tuple[Style, ...]  # in legend order
    summary: str  # what the colours show, for the alt text


def colouring_of(catalogue: Catalogue, rates, classes, legend_title: str, per_10000=None) -> Colouring:
    """How each municipality is drawn, for the report maps and the web page's map alike: give
    exactly one of `rates`, `classes` and `per_10000` (code → value; missing or None: no figure)."""
    given = [g for g in (rates, classes, per_10000) if g is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of rates, classes and per_10000")
    codes = list(catalogue.municipalities)
    # Codes outside the catalogue's municipalities (the nation, a region) have no place on the map.
    known = {code: value for code, value in given[0].items() if code in catalogue.municipalities}
    missing = [code for code in codes if known.get(code) is None]
    if per_10000 is not None:
        tenths = {code: numbers.round_half_up(value, 1) for code, value in known.items() if value is not None}
        bins = amount_bins(sorted(tenths.values()))
        palette = [Style(label, colour, text="white" if i >= DARK_TEXT_FROM else "black")
                   for i, ((_, _, label), colour) in enumerate(zip(bins, RATE_COLOURS))]
        styles = {code: palette[next(i for i, (low, high, _) in enumerate(bins) if low <= t <= high)]
                  for code, t in tenths.items()}
        values = {code: f"{numbers.per_10000(known[code])} pr. 10.000 indbyggere" for code in tenths}
        legend = list(palette)
        summary = (f"{legend_title}: fra {numbers.per_10000(Fraction(min(tenths.values())))} til "
                   f"{numbers.per_10000(Fraction(max(tenths.values())))}, vist i {len(bins)} intervaller."
                   if tenths else "")
    elif rates is not None:
        percents = {code: whole_percent(rate) for code, rate in known.items() if rate is not None}
        bins = rate_bins(list(percents.values()))
        palette = [Style(b.label, colour, text="white" if i >= DARK_TEXT_FROM else "black")
                   for i, (b, colour) in enumerate(zip(bins, RATE_COLOURS))]
        styles = {code: palette[_bin_index(bins, p)] for code, p in percents.items()}
        values = {code: numbers.municipal_percent(known[code]) for code in percents}
        legend = list(palette)
        summary = _rate_summary(catalogue, percents, bins, legend_title)
    else:
        present = {code: FunnelClass(c) for code, c in known.items() if c is not None}
        styles = {code: CLASS_STYLES[c] for code, c in present.items()}
        values = {code: CLASS_VALUES[c] for code, c in present.items()}
        legend = list(CLASS_STYLES.values())
        summary = _class_summary(present, legend_title)
    blank = NO_FIGURE_STYLE if per_10000 is not None else NO_DATA_STYLE
    for code in missing:
        styles[code] = blank
        values[code] = blank.label.lower()
    if missing:
        legend.append(blank)
    if per_10000 is not None:
        nothing, some = "ingen af kommunerne har et tal (intet folketal eller ingen sager)", "har intet tal"
    else:
        nothing, some = "ingen af kommunerne har sager", "har ingen sager"
    if len(missing) == len(codes):
        summary = f"{legend_title}: {nothing}."
    elif missing:
        summary += f" {_municipalities(len(missing))} {some}."
    return Colouring(styles, values, tuple(legend), summary)


def _bin_index(bins: tuple[RateBin, ...], percent: int) -> int:
    return next(i for i, b in enumerate(bins) if percent <= b.high)


def _municipalities(n: int) -> str:
    return f"{n} kommune" if n == 1 else f"{n} kommuner"


def _named(catalogue: Catalogue, codes: list[str]) -> str:
    """"Læsø", "Læsø og Samsø" or "Læsø og 4 andre" for the alt text."""
    names = [catalogue.municipalities[c].name for c in codes]
    if len(names) <= 2:
        return " og ".join(names)
    return f"{names[0]} og {len(names) - 1} andre"


def _rate_summary(catalogue: Catalogue, percents: dict[str, int], bins, legend_title: str) -> str:
    if not percents:
        return ""  # said by the caller: no municipality has cases
    scale = f"vist i fem intervaller fra {bins[0].label} til {bins[-1].label}"
    low, high = min(percents.values()), max(percents.values())
    lowest = [c for c, p in percents.items() if p == low]
    highest = [c for c, p in percents.items() if p == high]
    low_text, high_text = (numbers.percent(Fraction(p, 100)) for p in (low, high))
    if low == high:
        return f"{legend_title}: {low_text} i alle kommuner med sager, {scale}."
    return (f"{legend_title}: fra {low_text} ({_named(catalogue, lowest)}) til {high_text} "
            f"({_named(catalogue, highest)}), {scale}.")


def _class_summary(present: dict[str, FunnelClass], legend_title: str) -> str:
    counts = [f"{sum(1 for c in present.values() if c is cls)} {CLASS_VALUES[cls]}" for cls in FunnelClass]
    return f"{legend_title}: {counts[0]}, {counts[1]} og {counts[2]}."


def _highlight_sentence(catalogue: Catalogue, highlight: str | None, colouring: Colouring) -> str:
    if highlight is None:
        return ""
    name = catalogue.municipalities[highlight].name
    return f" Fremhævet med tyk sort ramme: {name}, {colouring.values[highlight]}."


def _check_highlight(catalogue: Catalogue, highlight: str | None) -> None:
    if highlight is not None and highlight not in catalogue.municipalities:
        raise ValueError(f"highlight {highlight!r} is not a municipality of the catalogue")


def _legend(figure: MplFigure, catalogue: Catalogue, colouring: Colouring,
            highlight: str | None, legend_title: str) -> Legend:
    """The legend below the map, so it never covers a municipality; the highlight is its last entry."""
    handles = [Patch(facecolor=s.face, hatch=s.hatch, hatchcolor=HATCH_COLOUR,
                     edgecolor="0.6" if s.face == "white" or s.hatch else s.face,
                     linewidth=0.6, label=s.label)
               for s in colouring.legend]
    if highlight is not None:
        name = catalogue.municipalities[highlight].name
        handles.append(Patch(facecolor="white", edgecolor="black", linewidth=HIGHLIGHT_WIDTH,
                             label=f"{name}: {colouring.values[highlight]}"))
    return figure.legend(handles=handles, loc="outside lower center", ncols=min(4, math.ceil(len(handles) / 2)),
                  title=legend_title, frameon=False, fontsize=7, title_fontsize=8,
                  handlelength=1.6, handleheight=1.2, columnspacing=1.4)


def _styled(patch, style: Style, linewidth: float) -> None:
    patch.set_facecolor(style.face)
    patch.set_edgecolor(style.edge)
    patch.set_linewidth(linewidth)
    if style.hatch:
        patch.set_hatch(style.hatch)
        patch.set_hatchcolor(HATCH_COLOUR)  # dark lines on the light fill, not the white edge


# ---- SVG titles -------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def with_titles(figure: Figure, titles: Mapping[str, str]) -> Figure:
    """The figure with a <title> first in each SVG group whose id is a key of `titles`.

    The titles go in when the SVG is exported (see figures.Figure), so a Word report, which
    embeds only the PNG, never exports the SVG at all.
    """
    return figure.edited(partial(_insert_titles, dict(titles)))


def _insert_titles(titles: dict[str, str], svg: str) -> str:
    for gid, text in titles.items():
        opening = f'<g id="{gid}">'
        if svg.count(opening) != 1:
            raise RuntimeError(f"expected one SVG group {gid!r}, found {svg.count(opening)}")
        svg = svg.replace(opening, f"{opening}\n   <title>{_escape(text)}</title>", 1)
    return svg


def _titles(catalogue: Catalogue, colouring: Colouring, prefix: str) -> dict[str, str]:
    return {f"{prefix}-{code}": f"{m.name}: {colouring.values[code]}"
            for code, m in catalogue.municipalities.items()}


# ---- tile map ---------------------------------------------------------------------------------

TILE_GAP = 0.08  # between neighbouring tiles, in tile widths
TILE_SIZE = 1 - TILE_GAP


def tile_abbreviations(catalogue: Catalogue) -> dict[str, str]:
    """A three-letter label for each municipality, derived from its name and unique among them.

    The first three letters ("ODE"), or the initials of a double name and the letters after
    ("HTA" for Høje-Taastrup). Where several names share these ("FRE" for the five Frederik…
    names), each gets its first two letters and the letter that tells it apart from the others:
    Frederiksberg "FRB", Frederikshavn "FRH", Fredensborg "FRN".
    """
    names = {code: m.name.upper() for code, m in catalogue.municipalities.items()}
    first: dict[str, str] = {}
    for code, name in names.items():
        parts = [p for p in re.split(r"[-\s]+", name) if p]
        initials = "".join(p[0] for p in parts[:-1])
        first[code] = (initials + parts[-1])[:3]
    groups: dict[str, list[str]] = {}
    for code in names:
        groups.setdefault(first[code], []).append(code)
    result = {codes[0]: abbreviation for abbreviation, codes in groups.items() if len(codes) == 1}
    used = set(result.values())
    for codes in (g for g in groups.values() if len(g) > 1):
        letters = {code: re.sub(r"[^\w]", "", names[code]) for code in codes}
        for code in codes:
            word = letters[code]
            # The first letter where this name leaves every other name of the group behind.
            split = max(len(_common_prefix(word, letters[other])) for other in codes if other != code)
            for letter in word[split:]:
                candidate = word[:2] + letter
                if letter != word[1] and candidate not in used:
                    break
            else:
                raise ValueError(f"no unique abbreviation for {catalogue.municipalities[code].name}")
            result[code] = candidate
            used.add(candidate)
    return dict(sorted(result.items(), key=lambda kv: int(kv[0])))


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def tile_map(
    catalogue: Catalogue,
    *,
    rates: Mapping[str, Fraction | None] | None = None,
    classes: Mapping[str, FunnelClass | None] | None = None,
    highlight: str | None,
    title: str,
    legend_title: str,
) -> Figure:
    """Every municipality as an equal square, placed roughly as on a map of Denmark.

    Give exactly one of `rates` (coloured in five bins) and `classes` (above / within / below
    the national rate); a municipality missing from it, or given None, has no cases.
    """
    _check_highlight(catalogue, highlight)
    grid = load_tile_grid()
    if set(grid) != set(catalogue.municipalities):
        raise ValueError("the tile grid and the catalogue have different municipalities")
    colouring = colouring_of(catalogue, rates, classes, legend_title)

    def draw() -> MplFigure:
        labels = tile_abbreviations(catalogue)
        rows = max(r for r, _ in grid.values()) + 1
        cols = max(c for _, c in grid.values()) + 1
        figure = new_figure(16.0, 11.5)
        ax = figure.add_subplot()
        for code in catalogue.municipalities:
            row, col = grid[code]
            style = colouring.styles[code]
            tile = Rectangle((col + TILE_GAP / 2, row + TILE_GAP / 2), TILE_SIZE, TILE_SIZE, gid=f"tile-{code}")
            _styled(tile, style, 0.8 if style in BLANK_STYLES else 0.0)
            ax.add_patch(tile)
            text = ax.text(col + 0.5, row + 0.5, labels[code], ha="center", va="center",
                           fontsize=5.5, color=style.text)
            if style.hatch:  # a white ground under the letters, so the hatching doesn't cross them
                text.set_bbox({"boxstyle": "square,pad=0.12", "facecolor": "white", "edgecolor": "none"})
        _frame(ax, (-0.2, cols + 0.2), (rows + 0.2, -0.2))  # row 0 at the top
        return figure

    def outline(ax: Axes) -> Patch:
        row, col = grid[highlight]
        return Rectangle((col + TILE_GAP / 2, row + TILE_GAP / 2), TILE_SIZE, TILE_SIZE, fill=False,
                         edgecolor="black", linewidth=HIGHLIGHT_WIDTH, zorder=3)

    shared = backdrop(("tile map", id(catalogue), _colouring_key(rates, classes), legend_title), draw,
                      keep=catalogue)
    alt = (f"Kort over Danmarks {len(grid)} kommuner, én lige stor firkant for hver kommune, "
           f"placeret omtrent som på et danmarkskort med Bornholm længst mod øst. "
           f"{colouring.summary}{_highlight_sentence(catalogue, highlight, colouring)}")
    overlay = partial(_highlighted, catalogue, colouring, highlight, legend_title, outline)
    return with_titles(exported(shared, title, alt, overlay), _titles(catalogue, colouring, "tile"))


def _colouring_key(rates: Mapping[str, Fraction | None] | None,
                   classes: Mapping[str, FunnelClass | None] | None) -> tuple:
    """What a map's colours are drawn from, as a key for its shared drawing."""
    return (None if rates is None else tuple(sorted(rates.items())),
            None if classes is None else tuple(sorted(classes.items())))


def _highlighted(catalogue: Catalogue, colouring: Colouring, highlight: str | None, legend_title: str,
                 outline: Callable[[Axes], Patch], figure: MplFigure) -> list[Artist]:
    """A map's own artists over the shared drawing: the highlighted municipality's outline and
    the legend, which names it."""
    artists: list[Artist] = []
    if highlight is not None:
        ax = figure.axes[0]
        patch = outline(ax)
        patch.set_clip_on(False)  # as every patch of the map (see _frame)
        ax.add_patch(patch)
        artists.append(patch)
    artists.append(_legend(figure, catalogue, colouring, highlight, legend_title))
    return artists


def _frame(ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    """Limits around everything drawn, equal scales, no axes."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_axis_off()
    # Everything lies inside the limits, so nothing needs clipping, and unclipped the SVG has no
    # clip-path references (url(#…)) that an HTML check for outside resources would stumble on.
    for patch in ax.patches:
        patch.set_clip_on(False)


# ---- map on real boundaries -------------------------------------------------------------------

BORNHOLM = "400"
BORNHOLM_GAP = 0.25  # between the rest of Denmark and Bornholm's box, in degrees of latitude


def geo_map(
    catalogue: Catalogue,
    boundaries: Boundaries,
    *,
    rates: Mapping[str, Fraction | None] | None = None,
    classes: Mapping[str, FunnelClass | None] | None = None,
    highlight: str | None,
    title: str,
    legend_title: str,
) -> Figure:
    """The municipalities on their real boundaries (read by `ingest.boundaries`), coloured as
    `tile_map`. Bornholm is drawn in a box just east of Zealand: its shape and scale are kept,
    not its distance.
    """
    _check_highlight(catalogue, highlight)
    colouring = colouring_of(catalogue, rates, classes, legend_title)
    placed = placed_boundaries(boundaries)
    shapes = placed.shapes
    bx0, by0, bx1, by1 = placed.bornholm_box
    x0, y0, x1, y1 = placed.bounds

    def draw() -> MplFigure:
        figure = new_figure(16.0, 14.5)
        ax = figure.add_subplot()
        for code in catalogue.municipalities:
            style = colouring.styles[code]
            patch = PathPatch(_compound_path(shapes[code]), gid=f"kommune-{code}")
            _styled(patch, style, 0.5 if style in BLANK_STYLES else 0.25)
            ax.add_patch(patch)
        ax.add_patch(Rectangle((bx0, by0), bx1 - bx0, by1 - by0, fill=False, edgecolor="0.5", linewidth=0.6))
        margin = 0.05
        _frame(ax, (x0 - margin, x1 + margin), (y0 - margin, y1 + margin))
        return figure

    def outline(ax: Axes) -> Patch:
        return PathPatch(_compound_path(shapes[highlight]), fill=False, edgecolor="black",
                         linewidth=HIGHLIGHT_WIDTH * 0.6, zorder=3)

    shared = backdrop(("geo map", id(catalogue), id(boundaries), _colouring_key(rates, classes), legend_title),
                      draw, keep=(catalogue, boundaries))
    alt = (f"Kort over Danmarks {len(catalogue.municipalities)} kommuner med kommunegrænser; "
           "Bornholm er flyttet tættere på Sjælland og vist i en boks. "
           f"{colouring.summary}{_highlight_sentence(catalogue, highlight, colouring)}")
    overlay = partial(_highlighted, catalogue, colouring, highlight, legend_title, outline)
    return with_titles(exported(shared, title, alt, overlay), _titles(catalogue, colouring, "kommune"))


@dataclass(frozen=True)
class PlacedBoundaries:
    shapes: dict[str, list[np.ndarray]]  # code → rings, projected, Bornholm moved
    bornholm_box: tuple[float, float, float, float]  # x0, y0, x1, y1 of the box around Bornholm
    bounds: tuple[float, float, float, float]  # x0, y0, x1, y1 of everything, the box included


def placed_boundaries(boundaries: Boundaries) -> PlacedBoundaries:
    """The boundaries as `geo_map` draws them (the web page's map too): Bornholm moved to just
    east of the rest, in a box."""
    shapes = dict(boundaries.shapes)
    # The boundaries have every municipality. Bornholm moves west, to just beyond the rest.
    main = np.vstack([ring for code, rings in shapes.items() if code != BORNHOLM for ring in rings])
    (x0, y0), (x1, y1) = main.min(axis=0), main.max(axis=0)
    shift = x1 + 1.5 * BORNHOLM_GAP - np.vstack(shapes[BORNHOLM])[:, 0].min()
    shapes[BORNHOLM] = [ring + (shift, 0.0) for ring in shapes[BORNHOLM]]
    island = np.vstack(shapes[BORNHOLM])
    pad = BORNHOLM_GAP / 2
    (bx0, by0), (bx1, by1) = island.min(axis=0) - pad, island.max(axis=0) + pad
    # Bornholm lies east of everything else, so the box's right edge is the right edge of all.
    bounds = (float(x0), float(min(y0, by0)), float(bx1), float(max(y1, by1)))
    return PlacedBoundaries(shapes, (float(bx0), float(by0), float(bx1), float(by1)), bounds)


def _compound_path(rings: list[np.ndarray]) -> MplPath:
    """All of a municipality's rings as one path, so it is one SVG group with one <title>."""
    vertices, codes = [], []
    for ring in rings:
        vertices.append(ring)
        vertices.append(ring[:1])  # CLOSEPOLY's vertex is ignored but must be there
        codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY]
    return MplPath(np.vstack(vertices), codes)
