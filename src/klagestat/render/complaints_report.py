"""The regular complaint report for a committee, from the municipality's own register.

For the open agenda (`public=True`) nothing can point to a citizen: no case list, descriptions
or learning notes, no text as typed in the register (committees as typed, complaint bodies the
catalogue doesn't know), and every count passes `domain.disclosure.suppress` with all the
equations the document shows, so that no hidden count can be worked out from the shown ones.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from klagestat.analysis.complaints_report import ComplaintReport, GroupLine
from klagestat.analysis.rates import RateRow
from klagestat.analysis.register import OtherBodyRow
from klagestat.domain.disclosure import Disclosure, Equation, rate_shown, share_shown, suppress
from klagestat.domain.outcomes import OUTCOME_NAMES_DA, Outcome, OutcomeCounts
from klagestat.domain.rates import Definition
from klagestat.domain.register import RegisterVocabulary
from klagestat.render.wording import MERITS_HEADER, RATE_HEADER, SYNTHETIC_BANNER

from . import numbers
from .document import SOFT_HYPHEN, BulletList, Document, Heading, PageBreak, Paragraph, Table

HIDDEN = "x"
HIDDEN_NOTE = (f"{HIDDEN}: tallet er skjult af hensyn til borgerne, fordi det er 1 eller 2, eller fordi et skjult tal "
               "ellers kunne regnes ud fra det og de viste tal.")
OTHER_BODIES_PUBLIC = "Øvrige klageinstanser"
RATE_EXPLAINED = ("Realitetsbehandlede sager er de afgjorte minus de afviste. Omgjorte sager er ændrede, ophævede og "
                  "hjemviste; omgørelsesprocenten er de omgjorte delt med de realitetsbehandlede.")
COUNTED = ("decided", "dismissed", "merits", "reversed")  # the counts of a table row that prints a rate


class _Counts:
    """The document's counts by cell key, and how each is shown. In the public version the cells
    and the equations between them go through disclosure control once, for the whole document;
    hidden cells show as HIDDEN, and shares and rates are shown only when their counts are."""

    def __init__(self, values: dict[Hashable, int], equations: list[Equation], public: bool):
        self.public = public
        self.disclosure = suppress(values, equations) if public else Disclosure(values, frozenset())
        self.used_hidden = False  # a hidden cell was written since the last `note`

    def value(self, key: Hashable) -> int:
        return self.disclosure.values[key]

    def shown(self, key: Hashable) -> bool:
        return self.disclosure.shown(key)

    def n(self, key: Hashable) -> str:
        if not self.shown(key):
            self.used_hidden = True
            return HIDDEN
        return numbers.count(self.value(key))

    def share(self, part: Hashable, whole: Hashable) -> str:
        if not self.value(whole) or (self.public and not share_shown(self.disclosure, part, whole)):
            return "–"
        return numbers.municipal_percent(Fraction(self.value(part), self.value(whole)))

    def rate(self, counts: OutcomeCounts | None, denominator: int | None = None, whole: Hashable | None = None,
             reversed_: Hashable | None = None) -> str:
        """Reversed cases over `denominator` (default: the official one, the merits). Public: only
        when the cells shown beside it, the denominator (`whole`) and the reversed cases, are
        shown, and neither the reversed nor the rest can be worked back from the rate."""
        whole_count = counts.merits if counts is not None and denominator is None else denominator
        if counts is None or not whole_count:
            return "–"
        if self.public:
            if any(key is not None and not self.shown(key) for key in (whole, reversed_)):
                return "–"
            if not rate_shown(counts.reversed, whole_count):
                return "–"
        return numbers.municipal_percent(Fraction(counts.reversed, whole_count))

    def row_rate(self, row: RateRow | None, key: tuple | None = None) -> str:
        """A rate row's rate, by its own definition; `key`: the row's cells in the document."""
        if row is None or row.counts is None:
            return "–"
        whole = None if key is None else (*key, "merits" if row.definition is Definition.OFFICIAL else "decided")
        return self.rate(row.counts, row.denominator, whole, None if key is None else (*key, "reversed"))

    def note(self) -> Paragraph | None:
        """The explanation under a table that has hidden cells."""
        used, self.used_hidden = self.used_hidden, False
        return Paragraph(HIDDEN_NOTE, "note") if used else None


def _counts_of(row: RateRow | None) -> OutcomeCounts | None:
    return row.counts if row is not None else None


def _outcomes(row) -> OutcomeCounts:
    """The outcome counts of a register table's row (other bodies, decision years)."""
    return OutcomeCounts(row.upheld, row.changed, row.remitted, row.dismissed)


@dataclass
class _Parts:
    """Which areas and complaint bodies the document shows (fewer in the public version)."""

    areas: list[GroupLine]  # empty: the area table is left out
    bodies: list[OtherBodyRow]


def _document_cells(report: ComplaintReport, parts: _Parts) -> tuple[dict[Hashable, int], list[Equation]]:
    """Every count the document shows, by key, and every equation a reader could use: each
    table's rows add up to its total, each row's decided cases are its dismissed cases plus the
    ones decided on the merits, the area and law tables share the total of Ankestyrelsen's
    decisions, so does the table of decision years, and the reversals of all bodies (the base of
    the reasons' shares) are Ankestyrelsen's plus the other bodies'. An equation is only tied
    when it holds for the figures; one that doesn't isn't an equation a reader can use."""
    values: dict[Hashable, int] = {}
    equations: list[Equation] = []

    def tie(total: Hashable, keys: list[Hashable]) -> None:
        if keys and values[total] == sum(values[k] for k in keys):
            equations.append(Equation(total, tuple(keys)))

    def put(key: tuple, counts: OutcomeCounts | None) -> None:
        """A row's counts: decided = dismissed + merits, the merits' reversed part beside them."""
        for what in COUNTED:
            values[(*key, what)] = getattr(counts, what) if counts else 0
        tie((*key, "decided"), [(*key, "dismissed"), (*key, "merits")])

    def lines(prefix: str, group: list[GroupLine]) -> None:
        for i, line in enumerate(group):
            put((prefix, i), _counts_of(line.this_year))
        for what in COUNTED:
            tie(("ast", what), [(prefix, i, what) for i in range(len(group))])

    total = _counts_of(report.area_total.this_year) if report.area_total else None
    if total is None:
        law_counts = [c for c in (_counts_of(line.this_year) for line in report.by_law) if c]
        total = sum(law_counts[1:], law_counts[0]) if law_counts else None
    put(("ast",), total)
    lines("area", parts.areas)
    lines("law", report.by_law)

    for i, body in enumerate(parts.bodies):
        put(("body", i), _outcomes(body))
        values[("body", i, "pending")] = body.pending
    values[("others", "pending")] = sum(b.pending for b in parts.bodies)
    tie(("others", "pending"), [("body", i, "pending") for i in range(len(parts.bodies))])
    put(("others",), sum((_outcomes(b) for b in parts.bodies), OutcomeCounts(0, 0, 0, 0)))
    for what in COUNTED:
        tie(("others", what), [("body", i, what) for i in range(len(parts.bodies))])

    rows = report.decision_years.rows
    for i, r in enumerate(rows):
        put(("year", i), _outcomes(r))
    for what in COUNTED:
        tie(("ast", what), [("year", i, what) for i in range(len(rows))])
    values[("years", "decided")] = sum(values[("year", i, "decided")] for i in range(len(rows)))
    tie(("years", "decided"), [("year", i, "decided") for i in range(len(rows))])

    reasons = report.reasons
    for r in reasons.reasons:
        values[("reason", r.code)] = r.cases
    values[("reasons", "without")] = reasons.without_reason
    values[("reasons", "reversed")] = reasons.reversed
    tie(("reasons", "reversed"), [("ast", "reversed"), ("others", "reversed")])

    repeat = report.repeat_complainants
    values[("repeat", "with_citizen")] = repeat.cases_with_citizen
    for g in repeat.groups:
        values[("repeat", g.min_cases, "citizens")] = g.citizens
        values[("repeat", g.min_cases, "cases")] = g.cases
    return values, equations


def _public_bodies(rows: list[OtherBodyRow], vocabulary: RegisterVocabulary) -> list[OtherBodyRow]:
    """The other complaint bodies by their catalogue names; the ones typed otherwise in one row."""
    known, typed = [], []
    for r in rows:
        (known if vocabulary.find_body(r.body) is not None else typed).append(r)
    if typed:
        fields = ("upheld", "changed", "remitted", "dismissed", "decided", "pending", "merits", "reversed")
        sums = {f: sum(getattr(r, f) for r in typed) for f in fields}
        known.append(OtherBodyRow(OTHER_BODIES_PUBLIC, **sums, rate=None))
    return known


def complaints_document(report: ComplaintReport, vocabulary: RegisterVocabulary, public: bool = False) -> Document:
    parts = _Parts(
        areas=[] if public and report.areas_as_typed else report.by_area,
        bodies=_public_bodies(report.other_bodies.rows, vocabulary) if public else report.other_bodies.rows,
    )
    counts = _Counts(*_document_cells(report, parts), public)
    name, period = report.municipality.name, report.period
    document = Document(
        title=f"Klager over {name} Kommunes afgørelser {period.label()}",
        subtitle=f"Afrapportering til udvalget · {name} Kommune · klagesager afgjort {period.in_words()}"
                 + (" · til den åbne dagsorden" if public else ""),
        notice=SYNTHETIC_BANNER if report.synthetic else None,
    )
    blocks = document.blocks

    def add(*new) -> None:
        blocks.extend(b for b in new if b is not None)

    add(Heading("Resumé", 1), Paragraph(_summary(report, counts), "lead"), counts.note())
    table_numbers = itertools.count(1)

    blocks.append(Heading("Klager fordelt på områder", 1))
    if parts.areas:
        add(_group_table(next(table_numbers), report, "area", parts.areas, report.area_total, "Område", counts),
            counts.note(), Paragraph(report.area_source, "note"))
    elif report.by_area:
        blocks.append(Paragraph(
            "Områderne står i klageregistret, som forvaltningen har skrevet dem, og vises derfor ikke i versionen "
            "til den åbne dagsorden. Vil I vise dem, så navngiv dem i en områdefil (--areas)."))
    blocks.append(Heading("Klager fordelt på lov", 1))
    add(_group_table(next(table_numbers), report, "law", report.by_law, None, "Lov", counts, national=True),
        counts.note())

    blocks.append(Heading("Andre klageinstanser end Ankestyrelsen", 1))
    if parts.bodies:
        add(Table(
            caption=f"Tabel {next(table_numbers)}: Klager ved andre klageinstanser {period.label()}",
            header=("Klageinstans", "Afgjorte sager", "Afviste", MERITS_HEADER, "Omgjorte sager",
                    RATE_HEADER, "Verserende"),
            rows=tuple((r.body, *(counts.n(("body", i, what)) for what in COUNTED),
                        counts.rate(_outcomes(r), None, ("body", i, "merits"), ("body", i, "reversed")),
                        counts.n(("body", i, "pending"))) for i, r in enumerate(parts.bodies))),
            counts.note())
    else:
        blocks.append(Paragraph(f"Registret har ingen klager ved andre klageinstanser {period.in_words()}."))

    add(*_reasons(table_numbers, report, counts))
    add(*_decision_years(table_numbers, report, counts))
    add(*_repeat(report, counts))
    if not public:
        blocks += _learning(report)
    blocks.append(Paragraph(_definition(report), "note"))
    if not public and any(c.case.outcome in ("changed", "remitted") for c in report.cases):
        blocks += _case_annex(report, vocabulary)
    return document


def _summary(report: ComplaintReport, counts: _Counts) -> str:
    total = report.area_total
    this_year = total.this_year if total else None
    if this_year is None or not this_year.counts:
        return f"Ankestyrelsen afgjorde ingen klager over {report.municipality.name} Kommune {report.period.in_words()}."
    text = (f"Ankestyrelsen afgjorde {counts.n(('ast', 'decided'))} klager over kommunens afgørelser "
            f"{report.period.in_words()}. "
            f"Af de {counts.n(('ast', 'merits'))} realitetsbehandlede sager blev {counts.n(('ast', 'reversed'))} "
            f"omgjort, og omgørelsesprocenten var {counts.row_rate(this_year, ('ast',))}")
    if total.last_year is not None and total.last_year.denominator:
        text += f" mod {counts.row_rate(total.last_year)} {_year_before_words(report)}"
    text += "."
    if counts.value(("others", "decided")):
        text += f" Andre klageinstanser afgjorde {counts.n(('others', 'decided'))} klager."
    if report.reasons.reasons:
        top = report.reasons.reasons[0]
        text += f" Den hyppigste årsag til omgørelse var {top.name.lower()} ({counts.n(('reason', top.code))} sager)."
    return text


def _its(report: ComplaintReport) -> str:
    return "årets" if report.period.is_calendar_year else "periodens"


def _year_before_words(report: ComplaintReport) -> str:
    return "året før" if report.period.is_calendar_year else f"{report.previous.in_words()}"


def _group_table(number: int, report: ComplaintReport, prefix: str, lines: list[GroupLine], total: GroupLine | None,
                 first: str, counts: _Counts, national: bool = False) -> Table:
    period = report.period
    national = national and period.is_calendar_year  # the statistics count whole years only
    header = [first, "Afgjorte sager", "Afviste", MERITS_HEADER, "Omgjorte sager", f"% omgjort {period.label()}",
              f"% omgjort {report.previous.label()}", f"Ændring (procent{SOFT_HYPHEN}point)"]
    if national:
        header.append(f"Lands{SOFT_HYPHEN}plan {period.label()}")
    rows = []
    keyed = [((prefix, i), line) for i, line in enumerate(lines)] + ([(("ast",), total)] if total else [])
    for key, line in keyed:
        this_year = counts.row_rate(line.this_year, key)
        last_year = counts.row_rate(line.last_year)
        change = ("–" if "–" in (this_year, last_year)
                  else numbers.points(line.this_year.rate - line.last_year.rate, 0))
        cells = [line.name, *(counts.n((*key, what)) for what in COUNTED), this_year, last_year, change]
        if national:
            cells.append(numbers.national_percent(line.national.rate) if line.national else "–")
        rows.append(tuple(cells))
    return Table(caption=f"Tabel {number}: Klager afgjort af Ankestyrelsen {period.label()} fordelt på {first.lower()}",
                 header=tuple(header), rows=tuple(rows), total_row=total is not None,
                 source=f"{RATE_EXPLAINED} Kilde: kommunens klageregister"
                        + ("; landsplan: Ankestyrelsens statistikbank." if national else "."))


def _reasons(table_numbers: Iterator[int], report: ComplaintReport, counts: _Counts) -> list:
    reasons = report.reasons
    blocks: list = [Heading("Årsager til omgørelser", 1)]
    if not reasons.reasons:
        blocks.append(Paragraph(f"Registret angiver ingen årsager til omgørelserne {report.period.in_words()}."))
        return blocks
    rows = [(r.name, counts.n(("reason", r.code)), counts.share(("reason", r.code), ("reasons", "reversed")))
            for r in reasons.reasons]
    blocks.append(Table(caption=f"Tabel {next(table_numbers)}: Årsager til omgørelser {report.period.label()} (en sag kan have flere)",
                        header=("Årsag", "Omgjorte sager", "Andel af de omgjorte"), rows=tuple(rows)))
    if reasons.without_reason:
        blocks.append(Paragraph(f"{counts.n(('reasons', 'without'))} omgjorte sager har ingen årsag i registret.",
                                "note"))
    blocks.append(counts.note())
    return blocks


def _decision_years(table_numbers: Iterator[int], report: ComplaintReport, counts: _Counts) -> list:
    rows = report.decision_years.rows
    blocks: list = [Heading("Hvornår blev de påklagede afgørelser truffet?", 1)]
    if not rows:
        return blocks + [Paragraph(f"Registret har ingen afgjorte sager {report.period.in_words()}.")]
    blocks.append(Paragraph(
        f"Ankestyrelsen har haft ventetid, så mange af {_its(report)} afgørelser gælder kommunens afgørelser fra tidligere "
        "år."))
    table_rows = tuple((str(r.decision_year) if r.decision_year else "Ikke registreret", counts.n(("year", i, "decided")),
                        counts.share(("year", i, "decided"), ("years", "decided")), counts.n(("year", i, "dismissed")),
                        counts.n(("year", i, "merits")), counts.n(("year", i, "reversed")),
                        counts.rate(_outcomes(r), None, ("year", i, "merits"), ("year", i, "reversed")))
                       for i, r in enumerate(rows))
    blocks.append(Table(caption=f"Tabel {next(table_numbers)}: Klager afgjort {report.period.label()} efter året for kommunens afgørelse",
                        header=("Kommunens afgørelsesår", "Afgjorte sager", "Andel", "Afviste", MERITS_HEADER,
                                "Omgjorte", RATE_HEADER),
                        rows=table_rows))
    blocks.append(counts.note())
    return blocks


def _repeat(report: ComplaintReport, counts: _Counts) -> list:
    repeat = report.repeat_complainants
    blocks: list = [Heading("Borgere, der klager flere gange", 1)]
    groups = {g.min_cases: g for g in repeat.groups}
    two = groups.get(2)
    if not two or not two.citizens:
        return blocks + [Paragraph(f"Ingen borger havde mere end én afgjort klagesag {report.period.in_words()}.")]
    text = (f"{counts.n(('repeat', 2, 'citizens'))} borgere stod for {counts.n(('repeat', 2, 'cases'))} af {_its(report)} "
            f"{counts.n(('repeat', 'with_citizen'))} afgjorte sager ved alle klageinstanser (to eller flere sager "
            "hver).")
    five = groups.get(5)
    if five and five.citizens:
        text += f" {counts.n(('repeat', 5, 'citizens'))} borgere havde fem eller flere sager."
    text += " Tallene er optalt på pseudonymer; ingen borger kan genkendes i rapporten."
    return blocks + [Paragraph(text), counts.note()]


def _learning(report: ComplaintReport) -> list:
    """The learning notes, each once, with the provisions of the cases it was written on."""
    provisions_by_note: dict[str, Counter] = {}
    for listed in report.cases:
        if listed.case.learning:
            provisions_by_note.setdefault(listed.case.learning, Counter())[listed.provision] += 1
    if not provisions_by_note:
        return []
    items = []
    for note, provisions in provisions_by_note.items():
        cases = sum(provisions.values())
        where = ", ".join(f"{p} ({n})" if n > 1 else p for p, n in sorted(provisions.items(), key=lambda kv: (-kv[1], kv[0])))
        items.append(f"{note} ({'1 sag' if cases == 1 else f'{numbers.count(cases)} sager'}: {where})")
    return [Heading("Læring", 1), Paragraph(f"Forvaltningens læringspunkter fra {_its(report)} afgjorte sager:"),
            BulletList(tuple(items))]


def _definition(report: ComplaintReport) -> str:
    if report.definition == Definition.OFFICIAL:
        text = ("Omgørelsesprocenten er beregnet efter Ankestyrelsens officielle definition: ændrede, ophævede og "
                "hjemviste sager delt med de realitetsbehandlede sager (afviste og henviste tæller ikke med).")
    else:
        text = "Omgørelsesprocenten er her beregnet over alle afgjorte sager, også afviste og henviste."
    counted = ("Sagerne tælles i året for klageinstansens afgørelse, som i Ankestyrelsens statistik."
               if report.period.is_calendar_year else
               f"Sagerne tælles efter datoen for klageinstansens afgørelse ({report.period.label()}) og sammenlignes "
               f"med samme periode året før ({report.previous.label()}). Landstal findes kun for hele år og er "
               "derfor ikke vist.")
    return f"{text} {counted} Kommunens tal er vist i hele procent, afrundet én gang fra den eksakte brøk."


def _case_annex(report: ComplaintReport, vocabulary: RegisterVocabulary) -> list:
    rows = []
    for listed in report.cases:
        case = listed.case
        if case.outcome not in ("changed", "remitted"):
            continue
        reasons = ", ".join(vocabulary.reason_names.get(code, code) for code in (case.reasons or "").split(";") if code)
        rows.append((case.case_id, f"{case.body_decision_date:%d-%m-%Y}", case.complaint_body, listed.provision,
                     OUTCOME_NAMES_DA[Outcome(case.outcome)], reasons or "–", case.description or "–"))
    return [PageBreak(), Heading("Bilag 1: Omgjorte sager", 1),
            Paragraph("Til lukket dagsorden: listen indeholder sagsnumre og sagsbeskrivelser.", "note"),
            Table(caption=f"Omgjorte sager afgjort {report.period.in_words()}",
                  header=("Sagsnr.", "Afgjort", "Klageinstans", "Bestemmelse", "Udfald", "Årsag", "Beskrivelse"),
                  rows=tuple(rows), figures_from=7)]
