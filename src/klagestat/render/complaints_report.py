"""The regular complaint report for a committee, from the municipality's own register.

For the open agenda (`public=True`) nothing can point to a citizen: no case list, descriptions
or learning notes, every count from the cases below 3 is shown as "<3", and a rate on fewer than
3 cases is not shown (it would give the count away).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from fractions import Fraction

from klagestat.analysis.complaints import ComplaintReport, GroupLine
from klagestat.analysis.rates import RateRow
from klagestat.domain.rates import Definition
from klagestat.domain.register import RegisterVocabulary

from . import numbers
from .document import BulletList, Document, Heading, PageBreak, Paragraph, Table

SUPPRESS_BELOW = 3
OUTCOME_DA = {"upheld": "Stadfæstet", "changed": "Ændret/ophævet", "remitted": "Hjemvist", "dismissed": "Afvist"}
SYNTHETIC_NOTICE = "SYNTETISKE DEMODATA – sagerne er opdigtede og må ikke bruges som rigtige tal."


class _Counts:
    """Counts and rates from the cases, suppressed for the open agenda: a count of 1 or 2 shows
    as "<3", and a share is shown only when both the part and the rest are at least 3, since
    "50 % of 4" would give the count away."""

    def __init__(self, public: bool):
        self.public = public

    def n(self, count: int | None) -> str:
        if count is None:
            return "–"
        return "<3" if self.public and 0 < count < SUPPRESS_BELOW else numbers.count(count)

    def share(self, part: int, whole: int) -> str:
        if not whole or (self.public and min(part, whole - part) < SUPPRESS_BELOW):
            return "–"
        return numbers.municipal_percent(Fraction(part, whole))

    def rate(self, row: RateRow | None) -> str:
        if row is None or not row.denominator:
            return "–"
        if self.public:
            return self.share(row.counts.reversed, row.denominator)
        return numbers.municipal_percent(row.rate)

    def change(self, line: GroupLine) -> str:
        if self.rate(line.this_year) == "–" or self.rate(line.last_year) == "–":
            return "–"
        return numbers.points(line.this_year.rate - line.last_year.rate, 0)


def complaints_document(report: ComplaintReport, vocabulary: RegisterVocabulary, public: bool = False) -> Document:
    counts = _Counts(public)
    name, year = report.municipality.name, report.year
    document = Document(
        title=f"Klager over {name} Kommunes afgørelser {year}",
        subtitle=f"Afrapportering til udvalget · {name} Kommune · klagesager afgjort i {year}"
                 + (" · til den åbne dagsorden" if public else ""),
        notice=SYNTHETIC_NOTICE if report.synthetic else None,
    )
    blocks = document.blocks
    blocks += [Heading("Resumé", 1), Paragraph(_summary(report, counts), "lead")]
    table_numbers = itertools.count(1)

    blocks.append(Heading("Klager fordelt på områder", 1))
    if report.by_area:
        blocks.append(_group_table(next(table_numbers), report, report.by_area, report.area_total, "Område", counts))
        blocks.append(Paragraph(report.area_source, "note"))
    blocks.append(Heading("Klager fordelt på lov", 1))
    blocks.append(_group_table(next(table_numbers), report, report.by_law, None, "Lov", counts, national=True))

    blocks.append(Heading("Andre klageinstanser end Ankestyrelsen", 1))
    if report.other_bodies.rows:
        blocks.append(Table(
            caption=f"Tabel {next(table_numbers)}: Klager ved andre klageinstanser {year}",
            header=("Klageinstans", "Afgjorte sager", "Omgjorte sager", "Omgørelsesprocent", "Verserende"),
            rows=tuple((r.body, counts.n(r.decided), counts.n(r.reversed),
                        counts.share(r.reversed, r.merits),
                        counts.n(r.pending)) for r in report.other_bodies.rows)))
    else:
        blocks.append(Paragraph(f"Registret har ingen klager ved andre klageinstanser i {year}."))

    blocks += _reasons(table_numbers, report, counts)
    blocks += _decision_years(table_numbers, report, counts)
    blocks += _repeat(report, counts)
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
        return f"Ankestyrelsen afgjorde ingen klager over {report.municipality.name} Kommune i {report.year}."
    text = (f"Ankestyrelsen afgjorde {counts.n(this_year.counts.decided)} klager over kommunens afgørelser i {report.year}, og "
            f"omgørelsesprocenten var {counts.rate(this_year)}")
    if total.last_year is not None and total.last_year.denominator:
        text += f" mod {counts.rate(total.last_year)} året før"
    text += "."
    others = sum(r.decided for r in report.other_bodies.rows)
    if others:
        text += f" Andre klageinstanser afgjorde {counts.n(others)} klager."
    if report.reasons.reasons:
        top = report.reasons.reasons[0]
        text += f" Den hyppigste årsag til omgørelse var {top.name.lower()} ({counts.n(top.cases)} sager)."
    return text


def _group_table(number: int, report: ComplaintReport, lines: list[GroupLine], total: GroupLine | None,
                 first: str, counts: _Counts, national: bool = False) -> Table:
    year = report.year
    header = [first, "Afgjorte sager", "Omgjorte sager", f"% omgjort {year}", f"% omgjort {year - 1}",
              "Ændring (procentpoint)"]
    if national:
        header.append(f"Landsplan {year}")
    rows = []
    for line in [*lines, *([total] if total else [])]:
        c = line.this_year.counts if line.this_year and line.this_year.counts else None
        cells = [line.name,
                 counts.n(c.decided if c else 0), counts.n(c.reversed if c else 0),
                 counts.rate(line.this_year), counts.rate(line.last_year), counts.change(line)]
        if national:
            cells.append(numbers.national_percent(line.national.rate) if line.national else "–")
        rows.append(tuple(cells))
    return Table(caption=f"Tabel {number}: Klager afgjort af Ankestyrelsen {year} fordelt på {first.lower()}",
                 header=tuple(header), rows=tuple(rows), total_row=total is not None,
                 source="Omgjorte sager er ændrede, ophævede og hjemviste. Kilde: kommunens klageregister"
                        + ("; landsplan: Ankestyrelsens statistikbank." if national else "."))


def _reasons(table_numbers: Iterator[int], report: ComplaintReport, counts: _Counts) -> list:
    reasons = report.reasons
    blocks: list = [Heading("Årsager til omgørelser", 1)]
    if not reasons.reasons:
        blocks.append(Paragraph("Registret angiver ingen årsager til omgørelserne i året."))
        return blocks
    rows = [(r.name, counts.n(r.cases), counts.share(r.cases, reasons.reversed)) for r in reasons.reasons]
    blocks.append(Table(caption=f"Tabel {next(table_numbers)}: Årsager til omgørelser {report.year} (en sag kan have flere)",
                        header=("Årsag", "Omgjorte sager", "Andel af de omgjorte"), rows=tuple(rows)))
    if reasons.without_reason:
        blocks.append(Paragraph(f"{counts.n(reasons.without_reason)} omgjorte sager har ingen årsag i registret.",
                                "note"))
    return blocks


def _decision_years(table_numbers: Iterator[int], report: ComplaintReport, counts: _Counts) -> list:
    rows = report.decision_years.rows
    blocks: list = [Heading("Hvornår blev de påklagede afgørelser truffet?", 1)]
    if not rows:
        return blocks + [Paragraph("Registret har ingen afgjorte sager i året.")]
    blocks.append(Paragraph(
        "Ankestyrelsen har haft ventetid, så mange af årets afgørelser gælder kommunens afgørelser fra tidligere år."))
    total = sum(r.cases for r in rows)
    table_rows = tuple((str(r.decision_year) if r.decision_year else "Ikke registreret", counts.n(r.cases),
                        counts.share(r.cases, total), counts.n(r.reversed), counts.share(r.reversed, r.merits))
                       for r in rows)
    blocks.append(Table(caption=f"Tabel {next(table_numbers)}: Klager afgjort {report.year} efter året for kommunens afgørelse",
                        header=("Kommunens afgørelsesår", "Sager", "Andel", "Omgjorte", "Omgørelsesprocent"),
                        rows=table_rows))
    return blocks


def _repeat(report: ComplaintReport, counts: _Counts) -> list:
    repeat = report.repeat_complainants
    blocks: list = [Heading("Borgere, der klager flere gange", 1)]
    groups = {g.min_cases: g for g in repeat.groups}
    two = groups.get(2)
    if not two or not two.citizens:
        return blocks + [Paragraph(f"Ingen borger havde mere end én afgjort klagesag i {report.year}.")]
    text = (f"{counts.n(two.citizens)} borgere stod for {counts.n(two.cases)} af årets "
            f"{counts.n(repeat.cases_with_citizen)} afgjorte sager ved alle klageinstanser (to eller flere sager "
            "hver).")
    five = groups.get(5)
    if five and five.citizens:
        text += f" {counts.n(five.citizens)} borgere havde fem eller flere sager."
    text += " Tallene er optalt på pseudonymer; ingen borger kan genkendes i rapporten."
    return blocks + [Paragraph(text)]


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
    return [Heading("Læring", 1), Paragraph("Forvaltningens læringspunkter fra årets afgjorte sager:"),
            BulletList(tuple(items))]


def _definition(report: ComplaintReport) -> str:
    if report.definition == Definition.OFFICIAL:
        text = ("Omgørelsesprocenten er beregnet efter Ankestyrelsens officielle definition: ændrede, ophævede og "
                "hjemviste sager delt med de realitetsbehandlede sager (afviste og henviste tæller ikke med).")
    else:
        text = "Omgørelsesprocenten er her beregnet over alle afgjorte sager, også afviste og henviste."
    return (text + " Sagerne tælles i året for klageinstansens afgørelse, som i Ankestyrelsens statistik. "
            "Kommunens tal er vist i hele procent, afrundet én gang fra den eksakte brøk.")


def _case_annex(report: ComplaintReport, vocabulary: RegisterVocabulary) -> list:
    rows = []
    for listed in report.cases:
        case = listed.case
        if case.outcome not in ("changed", "remitted"):
            continue
        reasons = ", ".join(vocabulary.reason_names.get(code, code) for code in (case.reasons or "").split(";") if code)
        rows.append((case.case_id, f"{case.body_decision_date:%d-%m-%Y}", case.complaint_body, listed.provision,
                     OUTCOME_DA.get(case.outcome, case.outcome), reasons or "–", case.description or "–"))
    return [PageBreak(), Heading("Bilag 1: Omgjorte sager", 1),
            Paragraph("Til lukket dagsorden: listen indeholder sagsnumre og sagsbeskrivelser.", "note"),
            Table(caption=f"Omgjorte sager afgjort i {report.year}",
                  header=("Sagsnr.", "Afgjort", "Klageinstans", "Bestemmelse", "Udfald", "Årsag", "Beskrivelse"),
                  rows=tuple(rows), figures_from=7)]
