"""The reports' charts: a municipality's reversal rate over the years, and the funnel plot.

Both are drawn to read in black and white (see figures.py): the municipality is black, solid and
filled, the national level grey, dashed and open. Every number a reader sees, on an axis or in
an alt text, is formatted by render.numbers, so the charts round exactly as the tables do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from klagestat.domain.statistics import (
    FUNNEL_LEVELS,
    FunnelClass,
    funnel_class,
    funnel_limits_many,
)

from . import numbers
from .figures import Figure, Margins, backdrop, exported, new_figure

MUNICIPALITY_STYLE = {"color": "black", "linestyle": "-", "linewidth": 1.6,
                      "marker": "o", "markersize": 4.5, "markerfacecolor": "black"}
# Open squares, not circles: where the two coincide a filled circle would hide an open circle.
NATIONAL_STYLE = {"color": "0.45", "linestyle": "--", "linewidth": 1.2,
                  "marker": "s", "markersize": 4.5, "markerfacecolor": "white"}
LIMIT_STYLES = dict(zip(FUNNEL_LEVELS, ("--", ":")))  # 95 % dashed, 99,8 % dotted
CLASS_LEVEL = FUNNEL_LEVELS[0]  # the alt text classifies at 95 %
CLASS_DA = {
    FunnelClass.ABOVE: "over landsplan, mere end tilfældig variation kan forklare",
    FunnelClass.WITHIN: "inden for normal variation",
    FunnelClass.BELOW: "under landsplan, mere end tilfældig variation kan forklare",
}
# Room for "100 %" and the axis label on the left, the years and the legend below, the map's name above.
TREND_MARGINS = Margins(left=1.85, right=0.3, bottom=1.5, top=0.65, between=0.45)
LOG_RATIO = 30  # above this spread of case numbers a linear axis squeezes the small ones together
MAX_PANELS = 3


# ---- shared ---------------------------------------------------------------------------------


def _percent_tick(value: float, _position=None) -> str:
    # Ticks sit on whole percents; Fraction(float) is exact, so numbers.percent rounds nothing away.
    return numbers.percent(Fraction(value) / 100)


def _count_tick(value: float, _position=None) -> str:
    return numbers.whole(value)


def _percent_top(values: Sequence[float]) -> float:
    """The y axis' top in percent: the next ten above the highest value, so no marker sits on the edge."""
    highest = max(values, default=0.0)
    return float(min(100, 10 * (math.floor(highest / 10) + 1)))


def _percent_axis(ax: Axes, top: float) -> None:
    ax.set_ylim(0, top)
    # Whole-percent steps only: a tick at 12.5 would show as "13 %".
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10], integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(_percent_tick))
    ax.grid(axis="y", color="0.88", linewidth=0.6)
    ax.set_axisbelow(True)


# ---- trend chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendSeries:
    label: str  # the map's Danish name, e.g. "Beskæftigelse"
    years: tuple[int, ...]
    rates: tuple[Fraction | None, ...]  # the municipality
    national: tuple[Fraction | None, ...]


Segment = tuple[tuple[int, ...], tuple[float, ...]]  # years and rates in percent, drawn as one line


def trend_segments(years: Sequence[int], rates: Sequence[Fraction | None]) -> list[Segment]:
    """The runs of a series that are drawn as one line each, as (years, rates in percent).

    A missing rate (None) ends a run, and so does a year missing from the sequence: no line is
    drawn across a year without a figure, and nothing is drawn as 0.
    """
    if len(years) != len(rates):
        raise ValueError(f"{len(years)} years but {len(rates)} rates")
    runs: list[tuple[list[int], list[float]]] = []
    previous: int | None = None
    for year, rate in zip(years, rates):
        if rate is None:
            previous = None
            continue
        if previous is None or year != previous + 1:
            runs.append(([], []))
        runs[-1][0].append(year)
        runs[-1][1].append(float(rate * 100))
        previous = year
    return [(tuple(xs), tuple(ys)) for xs, ys in runs]


def _latest(series: TrendSeries) -> tuple[int, Fraction, Fraction | None] | None:
    """The last year with a municipal rate, that rate and the national rate the same year."""
    for year, rate, national in reversed(list(zip(series.years, series.rates, series.national))):
        if rate is not None:
            return year, rate, national
    return None


def _trend_sentence(series: TrendSeries, municipality: str) -> str:
    latest = _latest(series)
    if latest is None:
        return f"{series.label}: ingen tal for {municipality}."
    year, rate, national = latest
    national_text = "ingen tal" if national is None else numbers.national_percent(national)
    return (f"{series.label}: {municipality} {numbers.municipal_percent(rate)} i {year}, "
            f"landsplan {national_text}.")


def trend_chart(series: Sequence[TrendSeries], municipality: str) -> Figure:
    """The municipality's and the national reversal rate over the years, one panel per map."""
    if not 1 <= len(series) <= MAX_PANELS:
        raise ValueError(f"a trend chart has 1 to {MAX_PANELS} panels, not {len(series)}")
    for s in series:
        if not len(s.years) == len(s.rates) == len(s.national):
            raise ValueError(f"{s.label}: years, rates and national rates differ in length")
        if list(s.years) != sorted(set(s.years)):
            raise ValueError(f"{s.label}: years must be increasing")
    all_years = [year for s in series for year in s.years]
    if not all_years:
        raise ValueError("a trend chart needs at least one year")
    first, last = min(all_years), max(all_years)

    values = [float(r * 100) for s in series for r in (*s.rates, *s.national) if r is not None]
    width = min(16.0, max(9.0, 5.5 * len(series)))
    fig = new_figure(width, 7.0, TREND_MARGINS)
    axes = fig.subplots(1, len(series), sharex=True, sharey=True, squeeze=False)[0]
    TREND_MARGINS.apply(fig, len(series))
    for ax, s in zip(axes, series):
        # National first, so the municipality's line lies on top where they cross.
        for xs, ys in trend_segments(s.years, s.national):
            ax.plot(xs, ys, **NATIONAL_STYLE)
        for xs, ys in trend_segments(s.years, s.rates):
            ax.plot(xs, ys, **MUNICIPALITY_STYLE)
        ax.set_title(s.label, fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes[0].set_xlim(first - 0.4, last + 0.4)
    for ax in axes:
        _percent_axis(ax, _percent_top(values))
    axes[0].set_ylabel("Omgørelsesprocent")
    # Proxy handles: the legend is right even when a panel has no figures at all.
    handles = [Line2D([], [], **MUNICIPALITY_STYLE), Line2D([], [], **NATIONAL_STYLE)]
    fig.legend(handles, [municipality, "Landsplan"], loc="outside lower center", ncol=2, frameon=False)

    title = f"Omgørelsesprocent {first}–{last}: {municipality} og landsplan"
    intro = (f"Linjediagram over omgørelsesprocenten {first}–{last} for {municipality} "
             f"(fuldt optrukket linje med udfyldte punkter) og landsplan (stiplet linje med åbne punkter).")
    alt = " ".join([intro, *(_trend_sentence(s, municipality) for s in series)])
    return exported(fig, title, alt)


# ---- funnel plot ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelPoint:
    code: str
    name: str
    cases: int
    rate: Fraction


FunnelLines = list[tuple[int, dict[float, tuple[float, float]]]]  # (n, {level: (low, high)})


def _case_grid(min_cases: int, max_cases: int, size: int = 150) -> list[int]:
    """Whole numbers of cases from min to max, dense enough to look smooth on a linear or a log axis."""
    spaced = np.concatenate([np.geomspace(min_cases, max_cases, size), np.linspace(min_cases, max_cases, size)])
    return sorted({int(n) for n in np.rint(spaced)})


def funnel_lines(national_rate: Fraction, max_cases: int, min_cases: int = 1) -> FunnelLines:
    """The control limits to draw: (n, {level: (low, high)}) for n from min_cases to max_cases."""
    if not 1 <= min_cases <= max_cases:
        raise ValueError(f"cannot draw funnel limits from {min_cases} to {max_cases} cases")
    ns = _case_grid(min_cases, max_cases)
    by_level = {level: funnel_limits_many(national_rate, ns, level) for level in FUNNEL_LEVELS}
    return [(n, {level: by_level[level][i] for level in FUNNEL_LEVELS}) for i, n in enumerate(ns)]


def funnel_plot(points: Sequence[FunnelPoint], national_rate: Fraction, highlight: str,
                map_label: str, year_label: str) -> Figure:
    """All municipalities' rates against their number of cases, with the funnel around the national
    rate. Everything but the highlighted municipality is the same for all of them: drawn once
    (see figures.Backdrop), with the municipality on top."""
    chosen = next((p for p in points if p.code == highlight), None)
    if chosen is None:
        raise ValueError(f"municipality {highlight!r} is not among the funnel plot's points")
    if any(p.cases < 1 for p in points):
        raise ValueError("every point in a funnel plot needs at least one case")
    reversed_ = chosen.rate * chosen.cases
    if reversed_.denominator != 1:
        raise ValueError(f"{chosen.name}: a rate of {chosen.rate} on {chosen.cases} cases "
                         "is no whole number of reversals")
    points = tuple(points)
    shared = backdrop(("funnel", points, national_rate), lambda: _funnel_backdrop(points, national_rate))

    def overlay(fig: MplFigure) -> list[Artist]:
        ax = fig.axes[0]
        chosen_pct = float(chosen.rate * 100)
        dot = ax.scatter([chosen.cases], [chosen_pct], s=70, color="black", zorder=4)
        # The name goes on the side with room: to the left when the point is in the right quarter.
        scale = math.log10 if ax.get_xscale() == "log" else float
        low, high = (scale(x) for x in ax.get_xlim())
        right = (scale(chosen.cases) - low) / (high - low) > 0.75
        name = ax.annotate(chosen.name, (chosen.cases, chosen_pct), xytext=(-8 if right else 8, 6),
                           textcoords="offset points", ha="right" if right else "left", fontweight="bold",
                           bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none",
                                 "alpha": 0.85})
        return [dot, name]

    cls = funnel_class(int(reversed_), chosen.cases, national_rate, CLASS_LEVEL)
    title = f"Tragtdiagram: {map_label} {year_label}"
    alt = (
        f"Tragtdiagram over omgørelsesprocenten for {map_label} {year_label}: "
        f"{numbers.count(len(points))} kommuner efter antal sager, med landsplan som vandret linje og "
        f"grænser for tilfældig variation på {numbers.level_percent(FUNNEL_LEVELS[0])}- og "
        f"{numbers.level_percent(FUNNEL_LEVELS[1])}-niveau. "
        f"{chosen.name} er fremhævet: {numbers.municipal_percent(chosen.rate)} af "
        f"{numbers.count(chosen.cases)} sager, landsplan {numbers.national_percent(national_rate)}. "
        f"På {numbers.level_percent(CLASS_LEVEL)}-niveau ligger {chosen.name} {CLASS_DA[cls]}."
    )
    return exported(shared, title, alt, overlay)


def _funnel_backdrop(points: tuple[FunnelPoint, ...], national_rate: Fraction) -> MplFigure:
    """The funnel plot without its highlighted municipality: the same for every municipality."""
    smallest = min(p.cases for p in points)
    largest = max(p.cases for p in points)
    log = largest > LOG_RATIO * smallest
    # A linear funnel opens from a single case; on a log axis that would add empty decades.
    lines = funnel_lines(national_rate, math.ceil(largest * 1.1), max(1, smallest * 2 // 3) if log else 1)
    ns = [n for n, _ in lines]

    fig = new_figure(16.0, 10.0)
    ax = fig.add_subplot()
    national_pct = float(national_rate * 100)
    ax.axhline(national_pct, color="black", linewidth=1.0, label="Landsplan")
    for level in FUNNEL_LEVELS:
        label = f"{numbers.level_percent(level)}-grænse"
        lows = [limits[level][0] * 100 for _, limits in lines]
        highs = [limits[level][1] * 100 for _, limits in lines]
        ax.plot(ns, lows, color="0.3", linewidth=1.0, linestyle=LIMIT_STYLES[level], label=label)
        ax.plot(ns, highs, color="0.3", linewidth=1.0, linestyle=LIMIT_STYLES[level])
    ax.scatter([p.cases for p in points], [float(p.rate * 100) for p in points], s=14,
               facecolors="none", edgecolors="0.5", linewidths=0.8, label="Kommuner", zorder=3)

    if log:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(0, ns[-1])
    ax.xaxis.set_major_formatter(FuncFormatter(_count_tick))
    ax.set_xlabel("Antal sager")
    ax.set_ylabel("Omgørelsesprocent")
    # High enough to show the 95 % funnel where the municipalities are, not only the points.
    upper_95 = funnel_limits_many(national_rate, [smallest], FUNNEL_LEVELS[0])[0][1] * 100
    _percent_axis(ax, _percent_top([float(p.rate * 100) for p in points] + [national_pct, upper_95]))
    ax.grid(False)  # the funnel lines are the reference; a grid would compete with them
    ax.get_xlim()  # applies any pending autoscaling, so an overlay reads the final limits
    # Below the plot, not in it: inside it would cover municipalities.
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=4, frameon=False)
    return fig
