"""Each claim of a committee text against the statistics (the result objects of `klagestat
rates`: the official definition, half up from the exact fraction) and against the text's own
figures, with a verdict:

- `correct`;
- `wrong`, with the right figure and why;
- `other_definition`: it is the rate over all decided cases, or another rounding, not the official;
- `not_verifiable`: klagestat lacks what it would take (the year's statistics, the table's own
  grouping, which map or law the text means) — and says what.

A figure is called wrong only when what it is about is certain: the map or law is named (in the
sentence, its section or its table) and klagestat has the year. Otherwise a figure that matches
one of the possible subjects is correct, and one that matches none is not verifiable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Connection

from klagestat.analysis.rates import compute_rates
from klagestat.domain.areas import AreaConfig
from klagestat.domain.catalogue import NATIONAL_CODE, Catalogue
from klagestat.domain.outcomes import Outcome, OutcomeCounts
from klagestat.domain.periods import YearSpan
from klagestat.domain.problems import NoDataError
from klagestat.render import numbers

from .claims import CHANGE, COUNT, DECIDED, DIFFERENCE, RATE, SHARE, Claim

CORRECT, WRONG, OTHER_DEFINITION, NOT_VERIFIABLE = "correct", "wrong", "other_definition", "not_verifiable"
AREA_PREFIX = "område:"  # an --areas file's area among the maps and laws of a year's figures
VERDICT_NAMES_DA = {CORRECT: "rigtigt", WRONG: "forkert", OTHER_DEFINITION: "anden definition",
                    NOT_VERIFIABLE: "kan ikke tjekkes"}
OUTCOME_WORDS_DA = {"upheld": "stadfæstede", "changed": "ændrede/ophævede", "remitted": "hjemviste",
                    "dismissed": "afviste", DECIDED: "afgjorte"}


@dataclass(frozen=True)
class Checked:
    claim: Claim
    verdict: str
    computed: str | None  # as klagestat prints the figure
    why: str


class Statistics:
    """The counts behind `klagestat rates` per year, area and map or law, computed once a year."""

    def __init__(self, conn: Connection, catalogue: Catalogue, codes: list[str], as_of, areas: AreaConfig | None = None):
        self.conn, self.catalogue, self.codes, self.as_of, self.areas = conn, catalogue, codes, as_of, areas
        self._years: dict[int, dict | None] = {}

    def of(self, year: int) -> dict | None:
        """{(area code, map code or law id or None for all laws): counts}; None without the year."""
        if year not in self._years:
            self._years[year] = self._compute(year)
        return self._years[year]

    def _compute(self, year: int) -> dict | None:
        found: dict = {}
        span = [YearSpan(year, year)]
        try:
            by_map = compute_rates(self.conn, self.catalogue, span, municipalities=self.codes,
                                   maps=list(self.catalogue.map_codes()), by="map", as_of=self.as_of)
            by_law = compute_rates(self.conn, self.catalogue, span, municipalities=self.codes, by="law", as_of=self.as_of)
        except NoDataError:
            return None
        for row in by_map.rows:
            found[(row.area.code, row.map)] = row.counts
        for row in by_law.rows:
            found[(row.area.code, row.group_key)] = row.counts
        for row in by_law.totals:
            found[(row.area.code, None)] = row.counts
        by_provision = compute_rates(self.conn, self.catalogue, span, municipalities=self.codes, by="provision",
                                     as_of=self.as_of)
        for row in by_provision.rows:
            found[(row.area.code, row.group_key)] = row.counts
        if self.areas is not None:  # the areas of the --areas file, as `klagestat rates --by area`
            by_area = compute_rates(self.conn, self.catalogue, span, municipalities=self.codes, by="area",
                                    areas=self.areas, as_of=self.as_of)
            for row in by_area.rows:
                found[(row.area.code, f"{AREA_PREFIX}{row.group}")] = row.counts
        return found


def check_claims(claims: list[Claim], statistics: Statistics, catalogue: Catalogue) -> list[Checked]:
    checked = [c for claim in claims if (c := _check(claim, statistics, catalogue)) is not None]
    right: dict[tuple, Claim] = {}  # the first correct figure of each subject and measure
    for c in checked:
        if c.verdict == CORRECT:
            right.setdefault(_what(c.claim), c.claim)
    return [_with_contradictions(c, right) for c in checked]


def _what(claim: Claim) -> tuple:
    """What a figure states: its measure and outcome, about an area, year, map and law."""
    s = claim.subject
    return claim.measure, claim.outcome, s.area_code, s.year, s.map, s.law


def _check(claim: Claim, statistics: Statistics, catalogue: Catalogue) -> Checked | None:
    """The claim's verdict; None when it turns out not to be a claim (a count in a row of the
    table's own grouping, with nothing to check it against)."""
    inner = _internal(claim)
    subject = claim.subject
    if subject.area_code is None:  # the table's own grouping: only its own figures say anything
        return inner
    year = subject.year
    figures = statistics.of(year) if year is not None else None
    if figures is None:
        return inner or Checked(claim, NOT_VERIFIABLE, None, f"klagestat har ikke Ankestyrelsens tal for {year}. "
                                "Importér dem med klagestat import statbank, så kan tallet tjekkes.")
    provision = subject.provisions[0] if subject.provisions else None
    if len(subject.provisions) > 1:  # a provision's name: the one of the year's statistics for the area
        present = [key for key in subject.provisions if figures.get((subject.area_code, key))]
        if len(present) != 1:
            return inner or Checked(claim, NOT_VERIFIABLE, None, "Flere bestemmelser hedder sådan. Skriv paragraffen "
                                    "og loven (fx § 100 i serviceloven), så kan tallet tjekkes.")
        provision = present[0]
        claim.subject = replace(subject, provisions=(provision,))
    scope = f"{AREA_PREFIX}{subject.group}" if subject.group else provision or subject.map or subject.law
    if claim.measure in (DIFFERENCE, CHANGE):
        return _points(claim, statistics, figures, scope, catalogue)
    if scope is not None and subject.certain:
        counts = figures.get((subject.area_code, scope))
        if counts is None:
            what = (subject.group if subject.group else catalogue.provision_label(scope, year) if provision
                    else catalogue.map_name(scope) if subject.map else catalogue.laws[scope].name)
            return inner or Checked(claim, NOT_VERIFIABLE, None, f"klagestat har ingen tal for "
                                    f"{_area(catalogue, subject.area_code)} på {what} i {year}.")
        return _against(claim, counts)  # the statistics decide, whatever the text's own figures say
    # No map or law named for this figure alone: right if it is the figure of the likely one (the
    # section's map) or of any other, else not checkable.
    # The candidates: the maps and all laws together (a single law only when the text names it:
    # small counts would match some law by chance).
    maps = set(catalogue.map_codes())
    candidates = [(key[1], counts) for key, counts in figures.items()
                  if key[0] == subject.area_code and counts and (key[1] in maps or key[1] is None)]
    candidates.sort(key=lambda c: c[0] != scope)
    for scope_key, counts in candidates:
        result = _against(claim, counts)
        if result.verdict == CORRECT:
            is_map = scope_key in catalogue.map_codes()
            where = catalogue.map_name(scope_key) if is_map else (
                catalogue.laws[scope_key].name if scope_key in catalogue.laws else "alle love")
            # The figure is about what it matched: that is its subject from here on.
            claim.subject = replace(subject, map=scope_key if is_map else None, law=None if is_map else scope_key)
            return Checked(claim, CORRECT, result.computed, f"{result.why} ({where})")
    if inner is not None:
        return inner
    return Checked(claim, NOT_VERIFIABLE, None, "Teksten siger ikke, hvilket danmarkskort eller hvilken lov tallet "
                   "gælder, og det passer ikke med nogen af dem. Nævn kortet eller loven i sætningen eller tabellen.")


def _points(claim: Claim, statistics: Statistics, figures: dict, scope: str | None, catalogue: Catalogue) -> Checked:
    """A difference in points: the rate minus the nation's, or minus the year before's. Right when
    it is the exact difference or the difference of the two rates as printed (what a reader of
    the maps would subtract), at the claim's decimals and with its sign."""
    subject = claim.subject
    year = subject.year or 0
    if scope is None or not subject.certain:
        return Checked(claim, NOT_VERIFIABLE, None, "Teksten siger ikke sikkert, hvilket kort forskellen gælder. "
                       "Nævn kortet i sætningen eller i afsnittets overskrift.")
    other_figures: dict | None = figures
    other_code: str | None = NATIONAL_CODE
    other_national, what = True, "på landsplan"
    if claim.measure == CHANGE:
        other_figures, other_code, other_national, what = statistics.of(year - 1), subject.area_code, False, f"i {year - 1}"
    mine = figures.get((subject.area_code, scope))
    other = other_figures.get((other_code, scope)) if other_figures else None
    if not mine or not other or not mine.merits or not other.merits:
        return Checked(claim, NOT_VERIFIABLE, None, f"klagestat mangler tallene {what} på "
                       f"{catalogue.map_name(scope) if scope in catalogue.map_codes() else scope} til at regne forskellen.")
    national = subject.area_code == NATIONAL_CODE
    rate, other_rate = Fraction(mine.reversed, mine.merits), Fraction(other.reversed, other.merits)
    exact = rate - other_rate
    as_printed = (Fraction(numbers.round_half_up(rate * 100, 1 if national else 0))
                  - Fraction(numbers.round_half_up(other_rate * 100, 1 if other_national else 0))) / 100
    computed = numbers.points(exact, max(claim.decimals, 1))
    said = f"{_printed(rate, national)} mod {_printed(other_rate, other_national)} {what}"
    for difference in (exact, as_printed):
        if numbers.round_half_up(difference * 100, claim.decimals) == numbers.round_half_up(claim.value * 100,
                                                                                             claim.decimals):
            return Checked(claim, CORRECT, computed, f"{said}: {numbers.points(difference, max(claim.decimals, 1))} "
                           "procentpoint")
    return Checked(claim, WRONG, computed, f"{said}: forskellen er {computed} procentpoint, ikke "
                   f"{numbers.points(claim.value, claim.decimals)}")


def _area(catalogue: Catalogue, code: str) -> str:
    return "landsplan" if code == NATIONAL_CODE else catalogue.municipalities[code].name


# ---- a figure against the statistics' counts ---------------------------------------------------------

def _percent_of(claim: Claim) -> Decimal:
    return Decimal(claim.value.numerator * 100) / Decimal(claim.value.denominator)


def _rounds_to(exact: Fraction, claim: Claim) -> bool:
    return numbers.round_half_up(exact * 100, claim.decimals) == _percent_of(claim).quantize(
        Decimal(1).scaleb(-claim.decimals))


def _printed(exact: Fraction, national: bool) -> str:
    return numbers.national_percent(exact) if national else numbers.municipal_percent(exact)


def _against(claim: Claim, counts: OutcomeCounts) -> Checked:
    national = claim.subject.area_code == NATIONAL_CODE
    if claim.measure == COUNT:
        actual = counts.decided if claim.outcome == DECIDED else _outcome_count(counts, claim.outcome)
        if actual is None:
            return Checked(claim, NOT_VERIFIABLE, None, "Statistikken har ikke det tal.")
        word = OUTCOME_WORDS_DA.get(claim.outcome or DECIDED, "")
        if actual == claim.value:
            return Checked(claim, CORRECT, numbers.count(actual), f"Statistikken har {numbers.count(actual)} {word} sager")
        if claim.outcome == DECIDED and counts.merits == claim.value:
            # The Danmarkskort counts the cases on the merits, and texts call them "afgjorte".
            return Checked(claim, CORRECT, numbers.count(counts.merits),
                           f"Statistikken har {numbers.count(counts.merits)} realitetsbehandlede sager (de "
                           f"{numbers.count(actual)} afgjorte minus de afviste), som danmarkskortet tæller")
        return Checked(claim, WRONG, numbers.count(actual), f"Statistikken har {numbers.count(actual)} {word} sager, "
                       f"ikke {claim.claimed}")
    if claim.measure == SHARE:
        part = _outcome_count(counts, claim.outcome)
        word = OUTCOME_WORDS_DA.get(claim.outcome or "", "")
        for base, name in ((counts.decided, "afgjorte"), (counts.merits, "realitetsbehandlede")):
            if part is not None and base and (_rounds_to(Fraction(part, base), claim) or _roughly(claim, Fraction(part, base))):
                return Checked(claim, CORRECT, _printed(Fraction(part, base), national),
                               f"{numbers.count(part)} {word} af {numbers.count(base)} {name} sager")
        if part is None or not counts.decided:
            return Checked(claim, NOT_VERIFIABLE, None, "Statistikken har ikke det tal.")
        exact = Fraction(part, counts.decided)
        return Checked(claim, WRONG, _printed(exact, national), f"{numbers.count(part)} {word} af "
                       f"{numbers.count(counts.decided)} afgjorte sager er {_printed(exact, national)}, ikke {claim.claimed}")
    return _rate(claim, counts.reversed, counts.merits, counts.decided if counts.dismissed is not None else None,
                 national, "Statistikken")


def _outcome_count(counts: OutcomeCounts, outcome: str | None) -> int | None:
    return counts.get(Outcome(outcome)) if outcome in {o.value for o in Outcome} else None


def _roughly(claim: Claim, exact: Fraction) -> bool:
    """"ca. 12 pct.": right when it is the exact figure to within half a point either way."""
    return claim.approx and abs(exact * 100 - Fraction(_percent_of(claim))) < 1


def _rate(claim: Claim, reversed_: int, merits: int, decided: int | None, national: bool, source: str) -> Checked:
    """A reversal rate against reversed / merits (official), reversed / decided (all decided)."""
    if not merits:
        return Checked(claim, NOT_VERIFIABLE, None, "Der er ingen realitetsbehandlede sager at regne en procent af.")
    official = Fraction(reversed_, merits)
    printed = _printed(official, national)
    counted = f"{numbers.count(reversed_)} omgjorte af {numbers.count(merits)} realitetsbehandlede sager"
    if _rounds_to(official, claim) or _roughly(claim, official):
        why = counted
        if claim.decimals == 0 and national:
            why += f"; {printed} med én decimal"
        return Checked(claim, CORRECT, printed, why)
    if decided and _rounds_to(Fraction(reversed_, decided), claim):
        return Checked(claim, OTHER_DEFINITION, printed,
                       f"{claim.claimed} er beregnet over alle {numbers.count(decided)} afgjorte sager, også de afviste. "
                       f"Efter Ankestyrelsens officielle definition ({counted}) er omgørelsesprocenten {printed}")
    other = _other_rounding(official, claim)
    if other:
        return Checked(claim, OTHER_DEFINITION, printed, f"{claim.claimed} er {other} af {counted}; rundet op fra "
                       f"halv giver det {printed}")
    parts = [p for p in claim.parts if p.outcome in ("changed", "remitted")]
    if len(parts) == 2 and sum(p.value for p in parts) == claim.value:
        shown = " + ".join(p.claimed for p in parts)
        return Checked(claim, WRONG, printed, f"{claim.claimed} er summen af afrundede delprocenter ({shown}). "
                       f"{source} giver {counted}, dvs. {numbers.percent(official, 2)} = {printed}")
    return Checked(claim, WRONG, printed, f"{source} giver {counted}, dvs. {printed}, ikke {claim.claimed}")


def _other_rounding(exact: Fraction, claim: Claim) -> str | None:
    scale = 10 ** claim.decimals
    shown = Fraction(_percent_of(claim)) * scale
    value = exact * 100 * scale
    if shown == int(value) and shown != value:
        return "skåret ned (ikke afrundet)"
    once = numbers.round_half_up(exact * 100, claim.decimals + 1)
    if numbers.round_half_up(Fraction(once) * scale, 0) == shown:
        return "afrundet to gange (først til en decimal mere)"
    return None


# ---- the text's own figures ---------------------------------------------------------------------------

def _internal(claim: Claim) -> Checked | None:
    """A figure against its own sentence or table row: "X af Y" beside a share, a table row's
    counts beside its percent, a row's outcomes against its total."""
    national = claim.subject.area_code == NATIONAL_CODE
    if claim.measure == SHARE and claim.base is not None:
        x, y = claim.base
        if y and (_rounds_to(Fraction(x, y), claim) or _roughly(claim, Fraction(x, y))):
            return Checked(claim, CORRECT, _printed(Fraction(x, y), national), f"{x} af {y} er {_printed(Fraction(x, y), national)}")
        if y:
            return Checked(claim, WRONG, _printed(Fraction(x, y), national),
                           f"{claim.claimed} passer ikke: {x} af {y} er {_printed(Fraction(x, y), national)}")
    counts = claim.row_counts
    if not counts:
        return None
    parts = [counts.get(o) for o in ("upheld", "changed", "remitted", "dismissed")]
    total = counts.get(DECIDED)
    if claim.measure == COUNT and claim.outcome == DECIDED and total is not None and all(p is not None for p in parts):
        added = sum(p for p in parts if p is not None)
        if added != total:
            return Checked(claim, WRONG, numbers.count(added), f"Rækkens udfald giver tilsammen {added}, ikke {total}")
        return Checked(claim, CORRECT, numbers.count(total), "Rækkens udfald giver tilsammen det samme")
    if claim.measure == RATE and counts.get("changed") is not None and counts.get("remitted") is not None:
        reversed_ = counts["changed"] + counts["remitted"]
        dismissed = counts.get("dismissed")
        if total is not None and dismissed is not None:
            return _rate(claim, reversed_, total - dismissed, total, national, "Rækkens egne tal")
        if all(p is not None for p in parts[:3]):
            merits = sum(p for p in parts[:3] if p is not None)
            return _rate(claim, reversed_, merits, None, national, "Rækkens egne tal")
    if claim.measure == SHARE and claim.outcome in counts and total:
        part = counts[claim.outcome]
        exact = Fraction(part, total)
        if _rounds_to(exact, claim):
            return Checked(claim, CORRECT, _printed(exact, national), f"{part} af {total} er {_printed(exact, national)}")
        said = numbers.round_half_up(claim.value * total)
        return Checked(claim, WRONG, _printed(exact, national), f"{claim.claimed} af {total} er {said}, ikke {part}; "
                       f"{part} af {total} er {_printed(exact, national)}")
    return None


def _with_contradictions(checked: Checked, right: dict[tuple, Claim]) -> Checked:
    """A wrong figure that another place of the text gives right: say where ("tabellen i linje 12 siger 65 %")."""
    claim = checked.claim
    if checked.verdict != WRONG or claim.subject.area_code is None or not claim.subject.certain:
        return checked
    other = right.get(_what(claim))
    if other is None:
        return checked
    where = f"linje {other.line.line}" + (f" på side {other.line.page}" if other.line.page else "")
    return Checked(claim, WRONG, checked.computed, f"{checked.why}. Teksten siger selv {other.claimed} i {where}")
