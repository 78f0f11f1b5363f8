"""Deterministic synthetic statistics-bank data (table ANKEAST2) for the demo.

Pure generation: no database, no global state. The same parameters always give a byte-identical
file; `random.Random` instances are seeded from strings (never `hash()` or the global random).

How the numbers are made, top down:

1. National totals per year and *map part*. The social map is split into disjoint parts:
   the child-disability provisions, the adult-disability provisions and "other social" (the
   rest of the social map). A fourth part, employment, holds the aktivloven, pensionsloven,
   sygedagpengeloven and beskaeftigelsesloven provisions, outside the maps. Which provision
   belongs to which part is asked of the catalogue (`map_contains`), per year.
   In a year with a published figure a map's merits are a multiple of 1,000, so every rate and
   split at one decimal is a whole number of cases: the child- and adult-disability maps hit
   their targets directly, and "other social" is the social map's target minus the two, so the
   whole social map hits its target too. Targets are the published national figures
   (docs/domain.md), interpolated linearly between published years and held flat outside them;
   where no split is published, the changed share of the reversed cases is interpolated from
   the published splits. Volumes follow a linear trend with a little noise in other years.
2. Municipalities. Each part's exact totals are shared out over the municipalities with
   largest-remainder rounding, which preserves the totals: merits in proportion to population
   (with a little noise), reversed cases by a fixed log-odds effect per municipality plus small
   year-to-year noise (a few municipalities clearly high, a few clearly low), the reversed
   cases then split into changed and remitted, and dismissed cases about 8 % on top.
3. Provisions and quarters. Each municipality's count per outcome is spread over the part's
   (provision, quarter) cells by a seeded multinomial draw, which keeps every total exact.
4. One practice-change cluster: Allerød gets many remittals on serviceloven § 112
   (Hjælpemidler) in 2024K3, taken one by one from other municipalities, so the national
   totals stay on target.

The file has quarter rows only; law rows are the sums of their provisions and "Hele landet" is
the sum of the municipalities generated.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from fractions import Fraction
from itertools import accumulate
from pathlib import Path

from klagestat.catalogue import load_catalogue
from klagestat.domain.catalogue import Catalogue
from klagestat.domain.outcomes import OutcomeCounts
from klagestat.ingest.input_file import SYNTHETIC_LINE

DEFAULT_SEED = 20130401
FIRST_YEAR = 2013  # the statistics bank starts with 2013K2
LAST_YEAR = 2025
DEFAULT_YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
FIRST_QUARTER = 2  # of FIRST_YEAR

HEADER = "OMRÅDE;LOVGRUNDLAG;AFGØRELSE;TID;INDHOLD"
OUTCOMES = ("upheld", "changed", "remitted", "dismissed")
OUTCOME_LABELS = {
    "upheld": "Stadfæstet",
    "changed": "Ændret/ophævet",
    "remitted": "Hjemvist",
    "dismissed": "Afvist/henvist",
}
U, C, R, D = range(4)  # outcome indexes
NATIONAL_NAME = "Hele landet"

# Map parts: disjoint groups of provisions. The first three make up the social map.
CHILD = "child-disability"
ADULT = "adult-disability"
OTHER_SOCIAL = "other-social"
EMPLOYMENT = "employment"
PARTS = (CHILD, ADULT, OTHER_SOCIAL, EMPLOYMENT)

# ---- published national figures (docs/domain.md) ------------------------------------------------
# map → year → (reversal rate, changed share of the merits or None), in percent as published. The
# number of decimals written is the published precision.
PUBLISHED: dict[str, dict[int, tuple[str, str | None]]] = {
    "social": {
        2017: ("38", None),
        2020: ("36.2", None),
        2021: ("31.8", "7.7"),
        2022: ("37.5", "9.0"),
        2024: ("44.9", "7.1"),
    },
    "child-disability": {
        2019: ("50.6", None),
        2020: ("52.0", "15.5"),
        2021: ("35.9", None),
        2024: ("48.9", "7.6"),
    },
    "adult-disability": {
        2020: ("42.4", None),
        2021: ("34.3", None),
        2024: ("40.4", "4.5"),
    },
}

# ---- volumes ----------------------------------------------------------------------------------------
# National merits per year: a linear trend, with a little noise in the years between the ends where
# a map has no published figure. In a published year the merits are a multiple of 1,000, so the published rate and split
# (one decimal) are whole numbers of cases.
VOLUME_TRENDS: dict[str, tuple[int, int]] = {  # merits in 2013 and in 2025
    "social": (9000, 14000),
    CHILD: (2000, 3000),
    ADULT: (1500, 2000),
    EMPLOYMENT: (5000, 5000),
}
VOLUME_YEAR_SD = {"social": 0.03, CHILD: 0.04, ADULT: 0.04, EMPLOYMENT: 0.05}


def national_merits(map_code: str, year: int, seed: int = DEFAULT_SEED) -> int:
    """The national number of cases decided on the merits for a map (or employment) in a year."""
    start, end = VOLUME_TRENDS[map_code]
    trend = Fraction(start) + Fraction((end - start) * (year - FIRST_YEAR), LAST_YEAR - FIRST_YEAR)
    if year in PUBLISHED.get(map_code, {}):
        return 1000 * _round_half_up(trend / 1000)
    if year in (FIRST_YEAR, LAST_YEAR):
        return _round_half_up(trend)  # the ends of the trend as given
    rng = random.Random(f"klagestat-demo:{seed}:volume:{map_code}:{year}")
    return round(float(trend) * (1.0 + rng.gauss(0.0, VOLUME_YEAR_SD[map_code])))


# Relative national volume of each provision (cases on the merits a year, roughly) and a factor on
# the odds of reversal. Only the shares within a map part matter: the part totals are fixed above.
# Serviceloven § 112 is kept small so that one municipality's cluster of remittals stands out.
PROVISIONS: dict[str, tuple[int, float]] = {
    # serviceloven, children (until 2023; a residual of cases sent before 2024 afterwards)
    "serviceloven:32": (150, 1.0),
    "serviceloven:32a": (80, 1.1),
    "serviceloven:36": (40, 0.9),
    "serviceloven:39+40": (250, 1.0),
    "serviceloven:41": (700, 1.2),
    "serviceloven:42+43": (1200, 1.3),
    "serviceloven:44+45": (300, 1.0),
    "serviceloven:52": (450, 0.8),
    "serviceloven:68+76": (200, 0.9),
    # serviceloven, adults
    "serviceloven:83": (1900, 1.0),
    "serviceloven:85": (1100, 1.1),
    "serviceloven:95": (150, 1.0),
    "serviceloven:96": (350, 1.1),
    "serviceloven:97": (200, 0.9),
    "serviceloven:100": (1300, 1.1),
    "serviceloven:107": (300, 0.8),
    "serviceloven:108": (400, 0.7),
    "serviceloven:112": (70, 1.1),
    "serviceloven:113": (300, 0.9),
    "serviceloven:114": (900, 1.0),
    "serviceloven:116": (450, 1.1),
    "serviceloven:118": (120, 1.0),
    # barnets lov (from 2024)
    "barnets-lov:32": (450, 0.8),
    "barnets-lov:82": (270, 1.0),
    "barnets-lov:86": (700, 1.2),
    "barnets-lov:87+88": (1200, 1.3),
    "barnets-lov:89": (100, 1.0),
    "barnets-lov:90": (450, 1.0),
    "barnets-lov:114": (200, 0.9),
    # ældreloven (from 2025K3; it takes over part of serviceloven § 83)
    "aeldreloven:10": (700, 1.0),
    # employment and aktivloven, outside the maps
    "aktivloven:34": (1200, 1.0),
    "aktivloven:81": (1300, 1.1),
    "aktivloven:85": (900, 1.0),
    "pensionsloven:14": (700, 0.9),
    "sygedagpengeloven:24": (600, 1.1),
    "beskaeftigelsesloven:100": (300, 1.0),
}
SEL_CHILDREN = (
    "serviceloven:32", "serviceloven:32a", "serviceloven:36", "serviceloven:39+40",
    "serviceloven:41", "serviceloven:42+43", "serviceloven:44+45", "serviceloven:52",
    "serviceloven:68+76",
)
# Serviceloven's children's provisions after barnets lov took over: cases sent before 2024.
SEL_CHILDREN_RESIDUAL = {2024: 0.10, 2025: 0.03}
ELDERLY_LAW_FROM = (2025, 3)  # ældreloven § 10 from 2025K3
SEL_83_SHARE_2025 = 0.7  # serviceloven § 83's share of its former volume in 2025
QUARTER_WEIGHTS = {1: 1.0, 2: 1.05, 3: 0.85, 4: 1.1}

# ---- municipality effects and the cluster -------------------------------------------------------------
HIGH_LOW_COUNT = 4  # municipalities with a clearly high, and with a clearly low, reversal rate
HIGH_LOW_EFFECT = 0.8  # log-odds
HIGH_LOW_MIN_POPULATION = 40_000
EFFECT_SD = 0.2  # the other municipalities' fixed effects
PART_EFFECT_SD = 0.12  # a municipality's effect differs a little between map parts
YEAR_NOISE_SD = 0.12  # year-to-year noise in log-odds
VOLUME_NOISE_SD = 0.08  # merits around population-proportional
CLUSTER_CODE = "201"  # Allerød
CLUSTER_PROVISION = "serviceloven:112"  # Hjælpemidler (compression stockings)
CLUSTER_YEAR, CLUSTER_QUARTER = 2024, 3
CLUSTER_REMITTED = 15  # remittals moved to the cluster; its usual cases come on top


# ---- small exact helpers ------------------------------------------------------------------------------

def _percent(text: str) -> Fraction:
    return Fraction(text) / 100


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _interpolate(points: dict[int, Fraction], year: int) -> Fraction:
    """Linear between the given years, flat before the first and after the last."""
    years = sorted(points)
    if year <= years[0]:
        return points[years[0]]
    if year >= years[-1]:
        return points[years[-1]]
    for a, b in zip(years, years[1:]):
        if a <= year <= b:
            return points[a] + (points[b] - points[a]) * Fraction(year - a, b - a)
    raise AssertionError("unreachable")


def allocate(total: int, weights: Sequence[float | Fraction], caps: Sequence[int] | None = None) -> list[int]:
    """Share `total` out in proportion to `weights` with largest-remainder rounding.

    The result sums to `total` exactly; no share exceeds its cap. Computed with exact fractions,
    ties broken by position, so it is deterministic.
    """
    n = len(weights)
    result = [0] * n
    if total == 0:
        return result
    w = [Fraction(x) for x in weights]
    free = [i for i in range(n) if w[i] > 0 and (caps is None or caps[i] > 0)]
    remaining = total
    while True:
        wsum = sum((w[i] for i in free), Fraction(0))
        if wsum <= 0:
            raise ValueError(f"cannot share {remaining} out over no weight")
        over = [i for i in free if caps is not None and remaining * w[i] / wsum > caps[i]]
        if not over:
            break
        for i in over:
            result[i] = caps[i]
            remaining -= caps[i]
        free = [i for i in free if i not in over]
    exact = {i: remaining * w[i] / wsum for i in free}
    for i in free:
        result[i] = math.floor(exact[i])
    left = remaining - sum(result[i] for i in free)
    for i in sorted(free, key=lambda i: (-(exact[i] - result[i]), i)):
        if left == 0:
            break
        if caps is None or result[i] < caps[i]:
            result[i] += 1
            left -= 1
    if left:
        raise ValueError(f"cannot share {total} out within the caps")
    return result


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ---- national targets ---------------------------------------------------------------------------------

def _minus(a: OutcomeCounts, b: OutcomeCounts) -> OutcomeCounts:
    """a - b per outcome; OutcomeCounts refuses a negative remainder."""
    return OutcomeCounts(a.upheld - b.upheld, a.changed - b.changed, a.remitted - b.remitted, a.dismissed - b.dismissed)


def target_rate(map_code: str, year: int) -> Fraction:
    """The national reversal rate the demo data follows for a map (exact fraction)."""
    return _interpolate({y: _percent(r) for y, (r, _) in PUBLISHED[map_code].items()}, year)


def target_changed_share(map_code: str, year: int) -> Fraction:
    """Changed cases as a share of the reversed ones, from the published splits."""
    points = {y: _percent(c) / _percent(r) for y, (r, c) in PUBLISHED[map_code].items() if c is not None}
    return _interpolate(points, year)


def _map_totals(map_code: str, year: int, merits: int) -> OutcomeCounts:
    """Merits, reversed and changed for a map; a published year's figures exactly."""
    reversed_ = _round_half_up(target_rate(map_code, year) * merits)
    published = PUBLISHED[map_code].get(year)
    if published is not None and published[1] is not None:
        changed = _round_half_up(_percent(published[1]) * merits)
    else:
        changed = _round_half_up(target_changed_share(map_code, year) * reversed_)
    return OutcomeCounts(merits - reversed_, changed, reversed_ - changed)


def national_totals(year: int, seed: int = DEFAULT_SEED) -> dict[str, OutcomeCounts]:
    """Each map part's national outcome counts in a year (the same for any set of municipalities)."""
    rng = random.Random(f"klagestat-demo:{seed}:national:{year}")
    child = _map_totals(CHILD, year, national_merits(CHILD, year, seed))
    adult = _map_totals(ADULT, year, national_merits(ADULT, year, seed))
    social = _map_totals("social", year, national_merits("social", year, seed))
    # The rest of the social map: OutcomeCounts refuses a negative remainder.
    other = _minus(_minus(social, child), adult)
    # Employment and aktivloven: about 25-30 % reversed, more often changed than remitted.
    emp_merits = national_merits(EMPLOYMENT, year, seed)
    emp_rate = Fraction(250 + rng.randrange(0, 51), 1000)
    emp_reversed = _round_half_up(emp_rate * emp_merits)
    emp_changed = _round_half_up(Fraction(55, 100) * emp_reversed)
    employment = OutcomeCounts(emp_merits - emp_reversed, emp_changed, emp_reversed - emp_changed)
    result = {}
    for part, t in ((CHILD, child), (ADULT, adult), (OTHER_SOCIAL, other), (EMPLOYMENT, employment)):
        dismissed_share = 0.07 + 0.02 * rng.random()  # about 8 % on top of the merits
        result[part] = OutcomeCounts(t.upheld, t.changed, t.remitted, round(t.merits * dismissed_share))
    return result


# ---- provisions per year ------------------------------------------------------------------------------

def _provision_weight(key: str, year: int) -> float:
    """The provision's relative volume in a year; 0 when it does not exist that year."""
    volume = PROVISIONS[key][0]
    law = key.split(":", 1)[0]
    if key in SEL_CHILDREN:
        if year < 2024:
            return volume
        return volume * SEL_CHILDREN_RESIDUAL.get(year, 0.0)
    if law == "barnets-lov":
        return 0.0 if year < 2024 else volume * (1 - SEL_CHILDREN_RESIDUAL.get(year, 0.0))
    if law == "aeldreloven":
        return volume if year >= ELDERLY_LAW_FROM[0] else 0.0
    if key == "serviceloven:83" and year >= ELDERLY_LAW_FROM[0]:
        return volume * SEL_83_SHARE_2025
    return volume


def _quarters(year: int) -> tuple[int, ...]:
    return tuple(range(FIRST_QUARTER if year == FIRST_YEAR else 1, 5))


def _quarter_weight(key: str, year: int, quarter: int) -> float:
    if key.startswith("aeldreloven:") and (year, quarter) < ELDERLY_LAW_FROM:
        return 0.0  # the row exists (so the year can be derived) but holds no cases
    return QUARTER_WEIGHTS[quarter]


def provision_part(catalogue: Catalogue, key: str, year: int) -> str:
    """The map part a provision belongs to in a year, asked of the catalogue."""
    if catalogue.map_contains(CHILD, year, key):
        part = CHILD
    elif catalogue.map_contains(ADULT, year, key):
        part = ADULT
    elif catalogue.map_contains("social", year, key):
        part = OTHER_SOCIAL
    else:
        return EMPLOYMENT
    if not catalogue.map_contains("social", year, key):
        raise AssertionError(f"{key} is in the {part} map but not in the social map in {year}")
    return part


def provisions_in(year: int) -> list[str]:
    """The provisions with rows in a year (in PROVISIONS order)."""
    return [k for k in PROVISIONS if _provision_weight(k, year) > 0]


# ---- municipalities ------------------------------------------------------------------------------------

def municipality_effects(catalogue: Catalogue, seed: int = DEFAULT_SEED) -> dict[str, float]:
    """Each municipality's fixed log-odds effect on its reversal rate (independent of the subset)."""
    rng = random.Random(f"klagestat-demo:{seed}:high-low")
    large = [c for c, m in catalogue.municipalities.items()
             if m.population >= HIGH_LOW_MIN_POPULATION and c != CLUSTER_CODE]
    high = set(rng.sample(large, HIGH_LOW_COUNT))
    low = set(rng.sample([c for c in large if c not in high], HIGH_LOW_COUNT))
    effects = {}
    for code in catalogue.municipalities:
        r = random.Random(f"klagestat-demo:{seed}:effect:{code}")
        effect = r.gauss(0.0, EFFECT_SD)
        if code in high:
            effect = HIGH_LOW_EFFECT + r.gauss(0.0, 0.1)
        elif code in low:
            effect = -HIGH_LOW_EFFECT + r.gauss(0.0, 0.1)
        effects[code] = effect
    return effects


def _part_effects(catalogue: Catalogue, seed: int) -> dict[tuple[str, str], float]:
    base = municipality_effects(catalogue, seed)
    out = {}
    for code, effect in base.items():
        r = random.Random(f"klagestat-demo:{seed}:part-effect:{code}")
        for part in PARTS:
            scale = 0.5 if part == EMPLOYMENT else 1.0
            out[(part, code)] = scale * effect + r.gauss(0.0, PART_EFFECT_SD)
    return out


def _calibrated_expectations(merits: list[int], effects: list[float], reversed_total: int) -> list[float]:
    """Expected reversed cases per municipality: logistic(shift + effect) × merits, summing to the total."""
    total = sum(merits)
    if reversed_total <= 0 or reversed_total >= total:
        return [m * reversed_total / total for m in merits]

    def expected(shift: float) -> float:
        return sum(m * _logistic(shift + e) for m, e in zip(merits, effects))

    lo, hi = -20.0, 20.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if expected(mid) < reversed_total:
            lo = mid
        else:
            hi = mid
    shift = (lo + hi) / 2
    return [m * _logistic(shift + e) for m, e in zip(merits, effects)]


def _municipality_totals(
    totals: OutcomeCounts,
    codes: list[str],
    populations: list[int],
    effects: list[float],
    rng: random.Random,
) -> list[list[int]]:
    """A part's national totals shared out over the municipalities: [upheld, changed, remitted, dismissed]."""
    volume = [p * math.exp(rng.gauss(0.0, VOLUME_NOISE_SD)) for p in populations]
    merits = allocate(totals.merits, volume)
    noisy = [e + rng.gauss(0.0, YEAR_NOISE_SD) for e in effects]
    expected = _calibrated_expectations(merits, noisy, totals.reversed)
    reversed_ = allocate(totals.reversed, expected, caps=merits)
    changed_weights = [r * math.exp(rng.gauss(0.0, 0.25)) for r in reversed_]
    changed = allocate(totals.changed, changed_weights, caps=reversed_) if totals.changed else [0] * len(codes)
    dismissed_weights = [(m + 0.5) * math.exp(rng.gauss(0.0, 0.3)) for m in merits]
    dismissed = allocate(totals.dismissed, dismissed_weights)
    return [[m - r, c, r - c, d] for m, r, c, d in zip(merits, reversed_, changed, dismissed)]


# ---- the counts ---------------------------------------------------------------------------------------

# counts[year][code][provision key] = 16 counts, index outcome * 4 + (quarter - 1)
Counts = dict[int, dict[str, dict[str, list[int]]]]


def generate_counts(
    years: Iterable[int] = DEFAULT_YEARS,
    municipalities: Sequence[str] | None = None,
    seed: int = DEFAULT_SEED,
    catalogue: Catalogue | None = None,
) -> Counts:
    """Every municipality's quarterly counts per provision and outcome (no totals)."""
    catalogue = catalogue or load_catalogue()
    codes = list(catalogue.municipalities) if municipalities is None else list(dict.fromkeys(municipalities))
    for code in codes:
        if code not in catalogue.municipalities:
            raise ValueError(f"unknown municipality code {code!r}")
    populations = [catalogue.municipalities[c].population for c in codes]
    part_effects = _part_effects(catalogue, seed)
    result: Counts = {}
    for year in sorted(set(years)):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(f"the demo covers {FIRST_YEAR}-{LAST_YEAR}, not {year}")
        result[year] = _year_counts(year, codes, populations, part_effects, seed, catalogue)
    return result


def _year_counts(year, codes, populations, part_effects, seed, catalogue) -> dict[str, dict[str, list[int]]]:
    rng = random.Random(f"klagestat-demo:{seed}:year:{year}")
    targets = national_totals(year, seed)
    keys = provisions_in(year)
    quarters = _quarters(year)
    by_part: dict[str, list[str]] = {p: [] for p in PARTS}
    for k in keys:
        by_part[provision_part(catalogue, k, year)].append(k)
    counts = {c: {k: [0] * 16 for k in keys} for c in codes}
    for part in PARTS:
        part_keys = by_part[part]
        if not part_keys:
            raise AssertionError(f"no provisions in {part} in {year}")
        # A little year-to-year variation in the provision mix.
        mix = {k: _provision_weight(k, year) * math.exp(rng.gauss(0.0, 0.1)) for k in part_keys}
        cells = [(k, q) for k in part_keys for q in quarters]
        cum = []
        for o in range(4):
            factor = {k: (PROVISIONS[k][1] if o in (C, R) else 1.0) for k in part_keys}
            cum.append(list(accumulate(mix[k] * factor[k] * _quarter_weight(k, year, q) for k, q in cells)))
        effects = [part_effects[(part, c)] for c in codes]
        per_code = _municipality_totals(targets[part], codes, populations, effects, rng)
        reserved: dict[str, int] = {}
        if year == CLUSTER_YEAR and CLUSTER_PROVISION in part_keys and CLUSTER_CODE in codes:
            reserved[CLUSTER_CODE] = _move_cluster(per_code, codes, rng)
        for code, outcome_counts in zip(codes, per_code):
            cell_counts = counts[code]
            for o, n in enumerate(outcome_counts):
                if o == R and code in reserved:
                    extra = reserved[code]
                    cell_counts[CLUSTER_PROVISION][R * 4 + CLUSTER_QUARTER - 1] += extra
                    n -= extra
                if n <= 0:
                    continue
                total = cum[o][-1]
                for i in _draw(rng, cum[o], total, n):
                    k, q = cells[i]
                    cell_counts[k][o * 4 + q - 1] += 1
    return counts


def _draw(rng: random.Random, cum: list[float], total: float, n: int) -> list[int]:
    """n indexes drawn with the cumulative weights (a multinomial draw)."""
    hi = len(cum) - 1
    return [bisect_right(cum, rng.random() * total, 0, hi) for _ in range(n)]


def _move_cluster(per_code: list[list[int]], codes: list[str], rng: random.Random) -> int:
    """Move remittals from other municipalities to the cluster municipality; returns how many.

    Donors are drawn one remittal at a time in proportion to their remittals, so the national
    totals do not change and no single municipality loses much.
    """
    target = codes.index(CLUSTER_CODE)
    donors = [i for i in range(len(codes)) if i != target]
    moved = 0
    while moved < CLUSTER_REMITTED:
        weights = list(accumulate(per_code[i][R] for i in donors))
        if not weights or weights[-1] == 0:
            break
        pick = bisect_right(weights, rng.random() * weights[-1], 0, len(weights) - 1)
        per_code[donors[pick]][R] -= 1
        moved += 1
    per_code[target][R] += moved
    return moved


# ---- the file -----------------------------------------------------------------------------------------

def _basis_labels(catalogue: Catalogue) -> list[tuple[str, str, list[str]]]:
    """(law id, law-row label, provision keys) in catalogue law order, with N / N.M prefixes."""
    used = {k.split(":", 1)[0] for k in PROVISIONS}
    out = []
    n = 0
    for law_id, law in catalogue.laws.items():
        if law_id not in used:
            continue
        n += 1
        keys = [k for k in catalogue.provisions if catalogue.provisions[k].law_id == law_id and k in PROVISIONS]
        out.append((law_id, f"{n} {law.name}", keys))
    missing = set(PROVISIONS) - {k for _, _, ks in out for k in ks}
    if missing:
        raise AssertionError(f"provisions not in the catalogue: {sorted(missing)}")
    return out


def render_csv(
    years: Iterable[int] = DEFAULT_YEARS,
    municipalities: Sequence[str] | None = None,
    seed: int = DEFAULT_SEED,
    catalogue: Catalogue | None = None,
) -> bytes:
    """The statistics-bank CSV (UTF-8, semicolons, quarter rows only) as bytes."""
    catalogue = catalogue or load_catalogue()
    counts = generate_counts(years, municipalities, seed, catalogue)
    years = sorted(counts)
    codes = list(next(iter(counts.values())).keys()) if counts else []
    # National totals: the sum over the municipalities generated.
    national: dict[int, dict[str, list[int]]] = {}
    for year, per_code in counts.items():
        sums: dict[str, list[int]] = {}
        for cells in per_code.values():
            for key, values in cells.items():
                acc = sums.setdefault(key, [0] * 16)
                for i, v in enumerate(values):
                    acc[i] += v
        national[year] = sums
    areas = [(NATIONAL_NAME, national)] + [
        (catalogue.municipalities[c].name, {y: counts[y][c] for y in years}) for c in codes
    ]
    periods = {y: [(q, f"{y}K{q}") for q in _quarters(y)] for y in years}
    outcome_labels = [OUTCOME_LABELS[o] for o in OUTCOMES]
    lines = [HEADER]
    append = lines.append
    for area_name, by_year in areas:
        for _law_id, law_label, keys in _basis_labels(catalogue):
            law_n = law_label.split(" ", 1)[0]
            present = {y: [k for k in keys if k in by_year[y]] for y in years}
            # The law row: the sum of its provisions, in every year it has any.
            law_prefix = f"{area_name};{law_label};"
            for o, o_label in enumerate(outcome_labels):
                head = law_prefix + o_label + ";"
                for y in years:
                    if not present[y]:
                        continue
                    for q, tid in periods[y]:
                        value = sum(by_year[y][k][o * 4 + q - 1] for k in present[y])
                        append(f"{head}{tid};{value}")
            for m, key in enumerate(keys, start=1):
                label = catalogue.provisions[key].statbank_label
                prefix = f"{area_name};{law_n}.{m} {label};"
                for o, o_label in enumerate(outcome_labels):
                    head = prefix + o_label + ";"
                    for y in years:
                        values = by_year[y].get(key)
                        if values is None:
                            continue
                        for q, tid in periods[y]:
                            append(f"{head}{tid};{values[o * 4 + q - 1]}")
    lines.append("")
    return "\n".join(lines).encode("utf-8")


def file_name(years: Iterable[int] = DEFAULT_YEARS) -> str:
    ys = sorted(set(years))
    return f"ankeast2-demo-{ys[0]}-{ys[-1]}.csv"


def write_demo_file(
    folder: Path,
    years: Iterable[int] = DEFAULT_YEARS,
    municipalities: Sequence[str] | None = None,
    seed: int = DEFAULT_SEED,
    catalogue: Catalogue | None = None,
) -> Path:
    """Write the demo file into `folder` (created if needed), with the synthetic mark that the
    importer reads; an identical file is left untouched."""
    years = sorted(set(years))
    data = render_csv(years, municipalities, seed, catalogue) + f"{SYNTHETIC_LINE}\n".encode("utf-8")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(years)
    if not (path.exists() and path.read_bytes() == data):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path
