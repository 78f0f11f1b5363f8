"""The map on the web page: the 98 municipalities as hand-written SVG, each a link.

The same layouts (the tile grid, or real boundaries with Bornholm in a box) and the same
colours, bins and hatching as the report maps in maps.py, so the page and the committee case
agree; what matplotlib can't give is added here: every municipality is an <a> to its profile,
focusable, with a <title> and an aria-label saying its name, rate and number of cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from matplotlib.colors import to_hex

from klagestat.analysis.rates import RateRow
from klagestat.catalogue import load_tile_grid
from klagestat.domain.catalogue import Catalogue
from klagestat.domain.statistics import FUNNEL_LEVELS

from . import numbers
from .maps import (
    BLANK_STYLES,
    CLASS_VALUES,
    HATCH_COLOUR,
    TILE_GAP,
    Style,
    colouring_of,
    placed_boundaries,
    tile_abbreviations,
)

if TYPE_CHECKING:  # what ingest.boundaries reads; render only draws it
    from klagestat.ingest.boundaries import Boundaries

COLOURINGS = {  # ?colour= → legend title; the first is the front page's
    "funnel": "Sammenlignet med landsplan",
    "rate": "Omgørelsesprocent",
    "per10000": "Omgjorte sager pr. 10.000 indbyggere",
}
CLASS_LEVEL = FUNNEL_LEVELS[0]  # the funnel class the map shows: 95 %, as the committee case says it
TILE = 40  # a tile's width in SVG units
GEO_WIDTH = 640  # the geographic map's width in SVG units
HATCH_SIZE = 6


@dataclass(frozen=True)
class LegendEntry:
    label: str
    fill: str  # a colour, or url(#…) of a hatching pattern inside the map's SVG
    edge: str


@dataclass(frozen=True)
class WebMap:
    svg: str  # one <svg> element, escaped throughout
    legend: tuple[LegendEntry, ...]
    summary: str  # what the colours show, in Danish (maps.py's alt text)


@dataclass(frozen=True)
class GeoOutline:
    paths: dict[str, str]  # code → SVG path data
    bornholm_box: tuple[float, float, float, float]  # x, y, width, height
    width: float
    height: float


def web_map(catalogue: Catalogue, rows: Iterable[RateRow], colour: str, link: Callable[[str], str],
            outline: GeoOutline | None = None) -> WebMap:
    """The municipalities' rows (one map, one year) on the tile grid, or on real boundaries
    (`geo_outline`), coloured by `colour` ("rate", "funnel" or "per10000"); `link(code)` is each
    one's address."""
    if colour not in COLOURINGS:
        raise ValueError(f"unknown colouring {colour!r}")
    rows = list(rows)
    with_cases = {r.area.code: r for r in rows if r.area.code in catalogue.municipalities and r.denominator}
    if colour == "rate":
        colouring = colouring_of(catalogue, {c: r.rate for c, r in with_cases.items()}, None, COLOURINGS[colour])
    elif colour == "per10000":
        # A municipality without reversed cases has 0 per 10,000 inhabitants: a figure, not a gap.
        amounts = {r.area.code: r.reversed_per_10000 for r in rows if r.area.code in catalogue.municipalities}
        colouring = colouring_of(catalogue, None, None, COLOURINGS[colour], per_10000=amounts)
        with_cases = {r.area.code: r for r in rows if r.area.code in catalogue.municipalities}
    else:
        colouring = colouring_of(catalogue, None, {c: r.funnel.get(CLASS_LEVEL) for c, r in with_cases.items()},
                                 COLOURINGS[colour])
    patterns = {style: f"hatch-{i}" for i, style in enumerate(s for s in colouring.legend if s.hatch)}

    def fill(style: Style) -> str:
        return f"url(#{patterns[style]})" if style in patterns else to_hex(style.face)

    titles = {code: _title(m.name, with_cases.get(code), colour) for code, m in catalogue.municipalities.items()}
    if outline is None:
        body, width, height = _tiles(catalogue, colouring.styles, fill, titles, link)
    else:
        body, width, height = _areas(catalogue, outline, colouring.styles, fill, titles, link)
    defs = "".join(_pattern(patterns[s], s) for s in patterns)
    svg = (f'<svg class="web-map" viewBox="0 0 {width:g} {height:g}" role="group" '
           f'aria-label="{escape(colouring.summary)}" xmlns="http://www.w3.org/2000/svg">'
           f"<defs>{defs}</defs>{body}</svg>")
    # Edges as the report map's legend draws them: grey around white and hatched swatches.
    legend = tuple(LegendEntry(s.label, fill(s), to_hex("0.6" if s.face == "white" or s.hatch else s.face))
                   for s in colouring.legend)
    return WebMap(svg, legend, colouring.summary)


def _title(name: str, row: RateRow | None, colour: str) -> str:
    if colour == "per10000":
        if row is None or row.reversed_per_10000 is None:
            return f"{name}: intet folketal eller ingen tal"
        return (f"{name}: {numbers.per_10000(row.reversed_per_10000)} omgjorte sager pr. 10.000 indbyggere "
                f"({numbers.count(row.counts.reversed)} omgjorte, {numbers.count(row.inhabitants.average)} indbyggere)")
    if row is None or not row.denominator:
        return f"{name}: ingen sager"
    n = row.denominator
    text = f"{name}: {numbers.municipal_percent(row.rate)} ({numbers.count(n)} {'sag' if n == 1 else 'sager'})"
    funnel = row.funnel.get(CLASS_LEVEL)
    if colour == "funnel" and funnel is not None:
        text += f", {CLASS_VALUES[funnel]}"
    return text


def _link(href: str, title: str, shape: str, label: str = "") -> str:
    """One municipality: a link named by its title (the <title> shows on hover)."""
    return (f'<a href="{escape(href)}" aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f"{shape}{label}</a>")


def _tiles(catalogue, styles, fill, titles, link) -> tuple[str, float, float]:
    grid = load_tile_grid()
    labels = tile_abbreviations(catalogue)
    gap = TILE * TILE_GAP
    size = TILE - gap
    parts = []
    for code in catalogue.municipalities:
        row, col = grid[code]
        style = styles[code]
        x, y = col * TILE + gap / 2, row * TILE + gap / 2
        stroke = f' stroke="{to_hex(style.edge)}" stroke-width="1"' if style in BLANK_STYLES else ""
        shape = f'<rect x="{x:g}" y="{y:g}" width="{size:g}" height="{size:g}" fill="{fill(style)}"{stroke}/>'
        # On hatching, a white halo keeps the letters readable (the report puts a white box under them).
        halo = ' stroke="white" stroke-width="3" paint-order="stroke"' if style.hatch else ""
        label = (f'<text x="{x + size / 2:g}" y="{y + size / 2:g}" fill="{to_hex(style.text)}"{halo} '
                 f'aria-hidden="true">{escape(labels[code])}</text>')
        parts.append(_link(link(code), titles[code], shape, label))
    rows = max(r for r, _ in grid.values()) + 1
    cols = max(c for _, c in grid.values()) + 1
    return "".join(parts), cols * TILE, rows * TILE


def _areas(catalogue, outline, styles, fill, titles, link) -> tuple[str, float, float]:
    parts = []
    for code in catalogue.municipalities:
        style = styles[code]
        width = 0.8 if style in BLANK_STYLES else 0.4
        shape = (f'<path d="{outline.paths[code]}" fill="{fill(style)}" stroke="{to_hex(style.edge)}" '
                 f'stroke-width="{width}"/>')
        parts.append(_link(link(code), titles[code], shape))
    x, y, w, h = outline.bornholm_box
    parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" '
                 f'stroke="{to_hex("0.5")}" stroke-width="0.8"/>')
    return "".join(parts), outline.width, outline.height


def geo_outline(catalogue: Catalogue, boundaries: Boundaries) -> GeoOutline:
    """The boundaries (read by ingest.boundaries) as SVG paths, scaled to GEO_WIDTH, north up."""
    placed = placed_boundaries(boundaries)
    x0, y0, x1, y1 = placed.bounds
    margin = 0.05
    x0, y0, x1, y1 = x0 - margin, y0 - margin, x1 + margin, y1 + margin
    scale = GEO_WIDTH / (x1 - x0)

    def point(x: float, y: float) -> str:
        return f"{(x - x0) * scale:.1f},{(y1 - y) * scale:.1f}"

    paths = {code: " ".join("M" + " L".join(point(x, y) for x, y in ring) + " Z" for ring in rings)
             for code, rings in placed.shapes.items()}
    bx0, by0, bx1, by1 = placed.bornholm_box
    box = ((bx0 - x0) * scale, (y1 - by1) * scale, (bx1 - bx0) * scale, (by1 - by0) * scale)
    return GeoOutline(paths, box, GEO_WIDTH, round((y1 - y0) * scale, 1))


def _pattern(pattern_id: str, style: Style) -> str:
    """maps.py's hatching as an SVG pattern: lines ("///") or dots ("...") on the style's colour."""
    ground = f'<rect width="{HATCH_SIZE}" height="{HATCH_SIZE}" fill="{to_hex(style.face)}"/>'
    ink = to_hex(HATCH_COLOUR)
    if "/" in style.hatch:
        marks = f'<line x1="0" y1="0" x2="0" y2="{HATCH_SIZE}" stroke="{ink}" stroke-width="1.4"/>'
        turn = ' patternTransform="rotate(45)"'
    elif "." in style.hatch:
        marks = f'<circle cx="{HATCH_SIZE / 2:g}" cy="{HATCH_SIZE / 2:g}" r="1.2" fill="{ink}"/>'
        turn = ""
    else:
        raise ValueError(f"no SVG pattern for the hatching {style.hatch!r}")
    return (f'<pattern id="{pattern_id}" width="{HATCH_SIZE}" height="{HATCH_SIZE}" '
            f'patternUnits="userSpaceOnUse"{turn}>{ground}{marks}</pattern>')

