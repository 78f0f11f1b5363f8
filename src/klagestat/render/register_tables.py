"""The register analyses for people (Rich tables in Danish) and programs (JSON).

Both render the same result objects from analysis.register, so a figure can never differ between
the terminal, the JSON output and (later) the reports. Every table has a title and says which
cases it counts (the result's `basis`).

`public=True` is for material that leaves the municipality (an open agenda): a count of 1-4
citizens is shown as "<5", so nobody can be recognised from a small count next to a description.
The terminal and JSON output are internal and show every count.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from babel.numbers import format_decimal
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from klagestat.analysis.register import (
    Clusters,
    DecisionYears,
    Durations,
    Pending,
    PerThousand,
    ReassessmentResult,
    RegisterAnalysis,
    RepeatComplainants,
    ReversalReasons,
)
from klagestat.catalogue import load_catalogue
from klagestat.domain.outcomes import OUTCOME_NAMES_DA, Outcome
from klagestat.render.wording import SYNTHETIC_BANNER

from . import numbers

SMALL_CITIZENS = 5  # counts of citizens below this are hidden in public material
ALL_YEARS = "I alt"
NOT_RECORDED = "Ikke oplyst"


# ---- JSON -----------------------------------------------------------------------------------------

def _json_value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def analysis_json(result: Any) -> dict:
    """A result (RegisterAnalysis or any one analysis) as JSON-safe data: dates ISO, rates and
    shares as floats of the exact fractions, never rounded. A RegisterAnalysis also carries the
    municipality's name and leaves out the analyses that were not run."""
    if not isinstance(result, RegisterAnalysis):
        return _json_value(result)
    code = result.municipality_code
    municipality = load_catalogue().municipalities.get(code) if code else None
    return {
        "municipality_code": code, "municipality": municipality.name if municipality else None,
        "years": list(result.years), "as_of": result.as_of.isoformat(), "synthetic": result.synthetic,
        "analyses": list(result.analyses),
        **{name: _json_value(getattr(result, name)) for name in result.analyses},
    }


# ---- numbers ----------------------------------------------------------------------------------------

def _days(value: float | None) -> str:
    """Days as a whole number, rounded half up (a median of an even count may end in ,5)."""
    return numbers.whole(value)


def _per_thousand(value: Fraction | None) -> str:
    if value is None:
        return "–"
    return format_decimal(numbers.round_half_up(value, 1), format="#,##0.0", locale=numbers.LOCALE,
                          decimal_quantization=False)


def citizens_text(n: int, public: bool) -> str:
    """A number of citizens; in public material 1-4 shows as "<5"."""
    if public and 0 < n < SMALL_CITIZENS:
        return f"<{SMALL_CITIZENS}"
    return numbers.count(n)


def _year(year: int | None) -> str:
    return ALL_YEARS if year is None else str(year)


def _table(title: str) -> Table:
    return Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)


def _columns(t: Table, first: list[str], right: list[str]) -> Table:
    for name in first:
        t.add_column(name)
    for name in right:
        t.add_column(name, justify="right")
    return t


# ---- the tables ---------------------------------------------------------------------------------------

def decision_years_table(r: DecisionYears) -> Table:
    t = _columns(_table("Året for kommunens afgørelse"), ["Afgjort af Ankestyrelsen", "Kommunens afgørelse"],
                 ["Afgjorte\nsager", "Andel af årets sager", OUTCOME_NAMES_DA[Outcome.DISMISSED], "Realitetsbeh.", "Omgjort", "Omgørelses-\nprocent"])
    for row in r.rows:
        t.add_row(str(row.year), str(row.decision_year) if row.decision_year is not None else NOT_RECORDED,
                  numbers.count(row.cases), numbers.municipal_percent(row.share), numbers.count(row.dismissed),
                  numbers.count(row.merits),
                  numbers.count(row.reversed), numbers.municipal_percent(row.rate))
    return t


def durations_table(r: Durations) -> Table:
    t = _columns(_table("Sagsbehandlingstid i dage"), ["Skridt", "År"],
                 ["Sager", "Median", "90 %-fraktil", "Udeladt*"])
    for row in r.rows:
        t.add_row(row.name, _year(row.year), numbers.count(row.n), _days(row.median_days), _days(row.p90_days),
                  numbers.count(row.excluded) if row.excluded else "")
    return t


DURATIONS_NOTE = ("90 %-fraktilen er interpoleret lineært mellem de to nærmeste sager. * Udeladt: sager, hvor "
                  "skridtet slutter før det begynder (en registreringsfejl).")


def reassessment_table(r: ReassessmentResult) -> Table:
    t = _columns(_table("Kommunens genvurdering"), ["År"],
                 ["Klager", "Fastholdt", "Delvist\nomgjort", "Omgjort", "Ikke\nregistreret",
                  "Medhold i\ngenvurdering", "Andel\nmedhold", "Videresendt"])
    for row in r.rows:
        t.add_row(_year(row.year), numbers.count(row.complaints), numbers.count(row.upheld), numbers.count(row.partly),
                  numbers.count(row.reversed), numbers.count(row.not_recorded), numbers.count(row.granted),
                  numbers.municipal_percent(row.granted_share), numbers.count(row.forwarded))
    return t


REASSESSMENT_NOTE = ("Andel medhold: omgjorte og delvist omgjorte i procent af de klager, der har et "
                     "registreret resultat af genvurderingen.")


def repeat_complainants_table(r: RepeatComplainants, public: bool = False) -> Table:
    t = _columns(_table("Gentagne klagere"), [""], ["Borgere", "Sager", "Andel af sagerne"])
    t.add_row("Alle sager med borger-id", citizens_text(r.citizens, public), numbers.count(r.cases_with_citizen), "")
    for g in r.groups:
        t.add_row(f"Borgere med {g.min_cases} eller flere sager", citizens_text(g.citizens, public),
                  numbers.count(g.cases), numbers.municipal_percent(g.share))
    t.add_row("Sager uden borger-id", "", numbers.count(r.cases_without_citizen), "")
    if not public:
        t.add_row("Flest sager fra én borger", "", numbers.count(r.most_cases), "")
    return t


REPEAT_NOTE = "Andel af sagerne: af sagerne med borger-id. Sager uden borger-id kan ikke knyttes til en borger."


def reversal_reasons_table(r: ReversalReasons) -> Table:
    t = _columns(_table("Årsager til omgørelse"), ["Årsag"], ["Sager", "Andel af de omgjorte"])
    for reason in r.reasons:
        t.add_row(reason.name, numbers.count(reason.cases), numbers.municipal_percent(reason.share))
    t.add_row("Ingen årsag registreret", numbers.count(r.without_reason),
              numbers.municipal_percent(Fraction(r.without_reason, r.reversed) if r.reversed else None))
    t.add_row("Omgjorte sager i alt", numbers.count(r.reversed), "", style="bold")
    return t


REASONS_NOTE = "En sag kan have flere årsager, så årsagerne kan tilsammen give mere end 100 %."


def provisions_table(r: ReversalReasons) -> Table:
    t = _columns(_table("Bestemmelser bag omgørelserne"), ["Bestemmelse"],
                 ["Omgjort", *(OUTCOME_NAMES_DA[o] for o in (Outcome.CHANGED, Outcome.REMITTED, Outcome.DISMISSED)), "Realitetsbeh.", "Omgørelses-\nprocent",
                  "Andel af\nomgørelserne", "Akkumuleret"])
    for p in r.provisions:
        t.add_row(p.label, numbers.count(p.reversed), numbers.count(p.changed), numbers.count(p.remitted),
                  numbers.count(p.dismissed), numbers.count(p.merits), numbers.municipal_percent(p.rate), numbers.municipal_percent(p.share),
                  numbers.municipal_percent(p.cumulative_share))
    return t


def clusters_table(r: Clusters, with_municipality: bool = False) -> Table:
    t = _table("Klynger af hjemvisninger (ændret praksis?)")
    _columns(t, (["Kommune"] if with_municipality else []) + ["Bestemmelse", "Fra", "Til"],
             ["Hjemvist", "Afgjort i alt", f"Forventet pr.\n{r.window_days} dage"])
    t.add_column("Hyppigste årsager")
    names = load_catalogue().municipalities
    for c in r.clusters:
        reasons = ", ".join(f"{x.name} ({numbers.count(x.cases)})" for x in c.reasons) or "–"
        first = [names[c.municipality_code].name if c.municipality_code in names else c.municipality_code] \
            if with_municipality else []
        t.add_row(*first, c.label, c.first.strftime("%d-%m-%Y"), c.last.strftime("%d-%m-%Y"), numbers.count(c.remittals),
                  numbers.count(c.decided), format_decimal(numbers.round_half_up(Fraction(c.expected), 1),
                                                           format="#,##0.0", locale=numbers.LOCALE,
                                                           decimal_quantization=False), reasons)
    return t


def pending_tables(r: Pending) -> list[Table]:
    bodies = _columns(_table(f"Verserende klager pr. {r.as_of.strftime('%d-%m-%Y')}"), ["Klageinstans"],
                      ["I alt", "I kommunen", "Ved klage-\ninstansen"])
    for b in r.by_body:
        bodies.add_row(b.body, numbers.count(b.cases), numbers.count(b.not_forwarded), numbers.count(b.forwarded))
    bodies.add_row("I alt", numbers.count(r.cases), numbers.count(sum(b.not_forwarded for b in r.by_body)),
                   numbers.count(sum(b.forwarded for b in r.by_body)), style="bold")
    ages = _columns(_table("Verserende klagers alder"), ["Alder"], ["Sager"])
    for a in r.by_age:
        ages.add_row(a.label, numbers.count(a.cases))
    ages.add_row("Median (dage)", _days(r.median_age_days))
    ages.add_row("Ældste (dage)", _days(r.max_age_days))
    other = _columns(_table("Andre klageinstanser end Ankestyrelsen"), ["Klageinstans"],
                     [*OUTCOME_NAMES_DA.values(), "Realitetsbeh.", "Verserende", "Omgørelses-\nprocent"])
    for o in r.other_bodies.rows:
        other.add_row(o.body, numbers.count(o.upheld), numbers.count(o.changed), numbers.count(o.remitted),
                      numbers.count(o.dismissed), numbers.count(o.merits), numbers.count(o.pending),
                      numbers.municipal_percent(o.rate))
    return [bodies, ages, other]


def per_thousand_table(r: PerThousand) -> Table:
    t = _columns(_table("Klager og omgørelser pr. 1.000 afgørelser"), ["År", "Område"],
                 ["Afgørelser", "Klager", "Omgjorte", "Klager pr.\n1.000", "Omgjorte pr.\n1.000"])
    for row in r.rows:
        t.add_row(str(row.year), row.area, numbers.count(row.decisions, missing="ingen tal"),
                  numbers.count(row.complaints), numbers.count(row.reversals),
                  _per_thousand(row.complaints_per_1000), _per_thousand(row.reversals_per_1000))
    return t


# ---- everything -----------------------------------------------------------------------------------------

@dataclass
class AnalysisPart:
    """One table of the analyses with what it counts (`basis`) and a note; or a note alone."""

    table: Table | None
    basis: str | None = None
    note: str | None = None


def analysis_parts(result: RegisterAnalysis, public: bool = False) -> list[AnalysisPart]:
    """The analyses of a RegisterAnalysis as titled Danish tables with their notes, in order: what
    the terminal prints and the web page shows."""
    parts: list[AnalysisPart] = []
    add = parts.append
    if result.decision_years is not None:
        add(AnalysisPart(decision_years_table(result.decision_years), result.decision_years.basis,
                         "Omgørelsesprocent: ændrede og hjemviste sager i procent af de realitetsbehandlede "
                         "(Ankestyrelsens definition)."))
    if result.durations is not None:
        add(AnalysisPart(durations_table(result.durations), result.durations.basis, DURATIONS_NOTE))
    if result.reassessment is not None:
        add(AnalysisPart(reassessment_table(result.reassessment), result.reassessment.basis, REASSESSMENT_NOTE))
    if result.repeat_complainants is not None:
        add(AnalysisPart(repeat_complainants_table(result.repeat_complainants, public),
                         result.repeat_complainants.basis,
                         REPEAT_NOTE + (" Under 5 borgere vises som <5." if public else "")))
    if result.reversal_reasons is not None:
        add(AnalysisPart(reversal_reasons_table(result.reversal_reasons), result.reversal_reasons.basis,
                         REASONS_NOTE))
        add(AnalysisPart(provisions_table(result.reversal_reasons), result.reversal_reasons.basis))
    if result.clusters is not None:
        if result.clusters.clusters:
            add(AnalysisPart(clusters_table(result.clusters, with_municipality=result.municipality_code is None),
                             result.clusters.basis,
                             "En klynge kan skyldes, at Ankestyrelsen har ændret praksis og hjemviser mange sager "
                             "på én gang."))
        else:
            add(AnalysisPart(None, note=f"Klynger af hjemvisninger: ingen fundet. ({result.clusters.basis}.)"))
    if result.pending is not None:
        bodies, ages, other = pending_tables(result.pending)
        add(AnalysisPart(bodies))
        add(AnalysisPart(ages, result.pending.basis))
        add(AnalysisPart(other, result.pending.other_bodies.basis))
    if result.per_thousand is not None:
        without = result.per_thousand.areas_without_decisions
        add(AnalysisPart(per_thousand_table(result.per_thousand), result.per_thousand.basis,
                         "Områder i klageregistret uden antal afgørelser i filen: " + ", ".join(without) + "."
                         if without else None))
    return parts


def analysed_municipality(result: RegisterAnalysis) -> str:
    names = load_catalogue().municipalities
    return (f"{names[result.municipality_code].name} Kommune" if result.municipality_code in names
            else "alle kommuner")


def render_analysis(result: RegisterAnalysis, console: Console, public: bool = False) -> None:
    """Print the analyses of a RegisterAnalysis as titled Danish tables with their notes."""
    if result.synthetic:
        console.print(Text(SYNTHETIC_BANNER, style="bold reverse"))
    console.print(Text(f"Klageregistret for {analysed_municipality(result)}", style="bold"))
    for part in analysis_parts(result, public):
        if part.table is not None:
            console.print(part.table)
        if part.basis:
            console.print(f"Grundlag: {part.basis}.")
        if part.note:
            console.print(part.note)
        if part.basis or part.note:
            console.print()
    if result.synthetic:
        console.print(Text(SYNTHETIC_BANNER, style="bold reverse"))
