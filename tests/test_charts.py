"""The reports' charts, rendered for real: PNG and SVG bytes, alt texts, funnel limits."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from fractions import Fraction as F

import pytest

from klagestat.domain.statistics import FUNNEL_LEVELS, funnel_limits_many
from klagestat.render import numbers
from klagestat.render.charts import (
    FunnelPoint,
    TrendSeries,
    funnel_lines,
    funnel_plot,
    trend_chart,
    trend_segments,
)
from klagestat.render.figures import PNG_DPI

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
YEARS = (2020, 2021, 2022, 2023, 2024)

EMPLOYMENT = TrendSeries("Beskæftigelse", YEARS,
                         (F(1, 4), F(2, 5), None, F(1, 3), F(3, 10)),
                         (F(20, 100), F(22, 100), F(25, 100), F(24, 100), F(253, 1000)))
CHILDREN = TrendSeries("Børn og unge", YEARS,
                       (F(1, 2), F(5, 8), F(29, 80), F(7, 20), None),  # no figure in the last year
                       (F(30, 100), F(32, 100), None, F(34, 100), F(1, 3)))

POINTS = [
    FunnelPoint("201", "Allerød", 120, F(36, 120)),
    FunnelPoint("101", "København", 2400, F(600, 2400)),
    FunnelPoint("825", "Læsø", 6, F(1, 6)),
    FunnelPoint("851", "Aalborg", 900, F(315, 900)),  # far above the national level
    FunnelPoint("461", "Odense", 700, F(175, 700)),
]
NATIONAL = F(253, 1000)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    # The first chunk is IHDR: length, type, then width and height as big-endian uint32.
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def svg_texts(svg: str) -> str:
    root = ET.fromstring(svg)
    return " ".join(t for element in root.iter() if element.tag.endswith("text") for t in element.itertext())


@pytest.fixture(scope="module")
def trend():
    return trend_chart([EMPLOYMENT, CHILDREN], "Allerød")


@pytest.fixture(scope="module")
def funnel():
    return funnel_plot(POINTS, NATIONAL, "201", "Beskæftigelse", "2024")


# ---- trend chart ------------------------------------------------------------------------------


def test_trend_png_has_the_drawn_size(trend):
    width, height = png_size(trend.png)
    assert abs(width - trend.width_cm / 2.54 * PNG_DPI) <= 2
    assert 0 < height < width


def test_trend_svg_names_municipality_and_national_level(trend):
    texts = svg_texts(trend.svg)
    assert "Allerød" in texts and "Landsplan" in texts
    assert "Beskæftigelse" in texts and "Børn og unge" in texts
    assert "20 %" in texts  # Danish percent ticks


def test_trend_title(trend):
    assert trend.title == "Omgørelsesprocent 2020–2024: Allerød og landsplan"


def test_trend_alt_states_latest_rates_in_danish(trend):
    assert (f"Beskæftigelse: Allerød {numbers.municipal_percent(F(3, 10))} i 2024, "
            f"landsplan {numbers.national_percent(F(253, 1000))}.") in trend.alt
    assert "Beskæftigelse: Allerød 30 % i 2024, landsplan 25,3 %." in trend.alt
    # No municipal figure in 2024: the latest one is 2023's, with 2023's national rate.
    assert (f"Børn og unge: Allerød {numbers.municipal_percent(F(7, 20))} i 2023, "
            f"landsplan {numbers.national_percent(F(34, 100))}.") in trend.alt


def test_a_missing_rate_is_a_gap_not_zero():
    runs = trend_segments(EMPLOYMENT.years, EMPLOYMENT.rates)
    assert runs == [((2020, 2021), (25.0, 40.0)), ((2023, 2024), (float(F(100, 3)), 30.0))]
    assert 2022 not in [year for years, _ in runs for year in years]


def test_a_missing_year_is_a_gap_too():
    assert trend_segments((2020, 2021, 2023), (F(1, 2), F(1, 2), F(1, 2))) == [
        ((2020, 2021), (50.0, 50.0)), ((2023,), (50.0,))]


def test_all_missing_draws_nothing():
    assert trend_segments(YEARS, (None,) * 5) == []


def test_trend_without_any_municipal_figure_still_renders():
    empty = TrendSeries("Beskæftigelse", (2023, 2024), (None, None), (F(1, 4), F(1, 5)))
    figure = trend_chart([empty], "Læsø")
    assert "Beskæftigelse: ingen tal for Læsø." in figure.alt
    assert "Læsø" in svg_texts(figure.svg)


def test_trend_is_deterministic(trend):
    assert trend_chart([EMPLOYMENT, CHILDREN], "Allerød").svg == trend.svg


def test_trend_rejects_too_many_panels():
    with pytest.raises(ValueError):
        trend_chart([EMPLOYMENT] * 4, "Allerød")


# ---- funnel plot ------------------------------------------------------------------------------


def test_funnel_png_and_svg(funnel):
    width, _ = png_size(funnel.png)
    assert abs(width - funnel.width_cm / 2.54 * PNG_DPI) <= 2
    texts = svg_texts(funnel.svg)
    for label in ("Allerød", "Landsplan", "95 %-grænse", "99,8 %-grænse", "Kommuner"):
        assert label in texts
    assert funnel.title == "Tragtdiagram: Beskæftigelse 2024"


def test_funnel_alt_names_the_municipality_and_its_class(funnel):
    assert "Allerød" in funnel.alt
    assert f"{numbers.municipal_percent(F(36, 120))} af {numbers.count(120)} sager" in funnel.alt
    assert f"landsplan {numbers.national_percent(NATIONAL)}" in funnel.alt
    assert "inden for normal variation" in funnel.alt


def test_funnel_alt_above_and_below():
    above = funnel_plot(POINTS, NATIONAL, "851", "Beskæftigelse", "2024")
    assert "Aalborg over landsplan, mere end tilfældig variation kan forklare" in above.alt
    assert numbers.count(900) == "900" and "35 % af 900 sager" in above.alt
    low = [*POINTS, FunnelPoint("999", "Lavby", 1000, F(150, 1000))]
    below = funnel_plot(low, NATIONAL, "999", "Beskæftigelse", "2024")
    assert "Lavby under landsplan, mere end tilfældig variation kan forklare" in below.alt
    assert numbers.count(1000) in below.alt  # "1.000"


def test_funnel_lines_agree_with_the_domain():
    lines = funnel_lines(NATIONAL, 2640)
    ns = [n for n, _ in lines]
    assert ns[0] == 1 and ns[-1] == 2640 and ns == sorted(set(ns))
    for i in (0, 10, len(lines) // 2, len(lines) - 1):
        n, limits = lines[i]
        assert set(limits) == set(FUNNEL_LEVELS)
        for level in FUNNEL_LEVELS:
            assert limits[level] == pytest.approx(funnel_limits_many(NATIONAL, [n], level)[0])


def test_funnel_is_deterministic(funnel):
    assert funnel_plot(POINTS, NATIONAL, "201", "Beskæftigelse", "2024").svg == funnel.svg


def test_funnel_unknown_highlight():
    with pytest.raises(ValueError):
        funnel_plot(POINTS, NATIONAL, "000", "Beskæftigelse", "2024")


def test_funnel_rate_must_be_whole_reversals():
    odd = [FunnelPoint("201", "Allerød", 10, F(1, 3))]
    with pytest.raises(ValueError):
        funnel_plot(odd, NATIONAL, "201", "Beskæftigelse", "2024")


def test_funnel_on_a_linear_axis():
    # 40..185 cases: less than 30 times apart, so a linear axis; it still renders and names the point.
    points = [FunnelPoint(str(i), f"K{i}", 40 + 5 * i, F((40 + 5 * i) // 4, 40 + 5 * i)) for i in range(30)]
    figure = funnel_plot(points, F(1, 4), "29", "Beskæftigelse", "2024")
    assert "K29" in svg_texts(figure.svg)


# ---- shared drawings --------------------------------------------------------------------------


def test_figures_on_a_shared_drawing_show_only_their_own_highlight():
    """The funnel plots of one year share their drawing (figures.Backdrop): each shows its own
    municipality and no other's, and a figure's PNG is the same whichever were exported before it."""
    from klagestat.render import figures

    figures._backdrops.clear()
    first = funnel_plot(POINTS, NATIONAL, "201", "Beskæftigelse", "2024").png
    others = [funnel_plot(POINTS, NATIONAL, code, "Beskæftigelse", "2024") for code in ("101", "825", "851")]
    assert len({o.png for o in others} | {first}) == 4
    for other, name in zip(others, ("København", "Læsø", "Aalborg")):
        labels = [t for t in svg_texts(other.svg).split() if t in ("Allerød", "København", "Læsø", "Aalborg")]
        assert labels == [name]
    again = funnel_plot(POINTS, NATIONAL, "201", "Beskæftigelse", "2024")
    assert again.png == first
    figures._backdrops.clear()
    assert funnel_plot(POINTS, NATIONAL, "201", "Beskæftigelse", "2024").png == first  # drawn anew


@pytest.mark.parametrize("panels", [1, 2, 3])
def test_the_trend_chart_fixed_margins_hold_its_widest_labels(panels):
    """The trend chart is laid out with fixed margins (no constrained layout): its widest tick
    label ("100 %"), axis label, titles and legend still lie wholly inside the figure."""
    full = TrendSeries("Børnehandicapområdet", YEARS, (F(1), F(99, 100), None, F(1, 2), F(1)),
                       (F(1, 2), F(3, 5), F(1, 2), F(1, 2), F(1, 2)))
    figure = trend_chart([full] * panels, "Ringkøbing-Skjern")
    drawing = figure._exports.backdrop.drawing
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(drawing)
    canvas.draw()  # every label in its place
    renderer = canvas.get_renderer()
    inside = drawing.bbox

    def shown(ax, labels, axis: int, limits) -> list:
        low, high = sorted(limits)
        return [t for t in labels if low <= t.get_position()[axis] <= high]

    texts = [t for ax in drawing.axes
             for t in (*shown(ax, ax.get_yticklabels(), 1, ax.get_ylim()),
                       *shown(ax, ax.get_xticklabels(), 0, ax.get_xlim()), ax.title, ax.yaxis.label)
             if t.get_text()]
    texts += [t for legend in drawing.legends for t in legend.get_texts()]
    assert any(t.get_text() == "100 %" for t in texts)
    for text in texts:
        box = text.get_window_extent(renderer)
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1, text
