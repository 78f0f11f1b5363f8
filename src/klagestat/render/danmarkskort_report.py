"""The annual Danmarkskort case for a committee: a draft in the sections municipalities use.

Resumé, Baggrund, Sagsfremstilling, Indstilling and Bilag, written from a `DanmarkskortCase`.
Every figure is formatted by render.numbers (whole percents for a municipality, one decimal for
the nation) from the exact fractions, so nothing is rounded twice or added up from rounded parts.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import TYPE_CHECKING

from klagestat.analysis.danmarkskort import DanmarkskortCase, MapSection
from klagestat.analysis.plan_effect import PlanEffect
from klagestat.analysis.rates import RateRow
from klagestat.domain.catalogue import Catalogue
from klagestat.domain.plan import Plan
from klagestat.domain.rates import Definition
from klagestat.domain.statistics import FEW_CASES, FunnelClass
from klagestat.render.wording import MERITS_HEADER, RATE_HEADER, SYNTHETIC_BANNER

from . import numbers
from .charts import funnel_plot, trend_chart
from .danmarkskort_view import (
    DERIVED_WHY,
    comparison_lines,
    derived_lines,
    funnel_points,
    outcome_lines,
    trend_series,
)
from .document import BulletList, Document, FigureBlock, Heading, Paragraph, Table
from .inhabitants import first_with_figure, per_10000_sentence
from .maps import geo_map, tile_map
from .plan_report import plan_blocks, plan_recommendation_items
from .sources import source_text

if TYPE_CHECKING:  # what ingest.boundaries reads; render only draws it
    from klagestat.ingest.boundaries import Boundaries


def danmarkskort_document(case: DanmarkskortCase, catalogue: Catalogue, public: bool = False,
                          boundaries: Boundaries | None = None, plan: Plan | None = None,
                          effect: PlanEffect | None = None) -> Document:
    """The case; `boundaries` (read by ingest.boundaries) draws the map on real boundaries
    instead of the tile grid; `plan` adds the action plan's sections (render/plan_report.py),
    with `effect` (from the register: never in a public case) its effect so far. The
    municipality's own comment on a map (its row's `comment`) is quoted under the map's section."""
    name = case.municipality.name
    document = Document(
        title=f"Danmarkskortet {case.year}: omgørelsesprocenter for {name} Kommune",
        subtitle=f"Udkast til sagsfremstilling · {name} Kommune · Ankestyrelsens afgørelser i {case.year}",
        notice=SYNTHETIC_BANNER if case.synthetic else None,
    )
    blocks = document.blocks
    blocks += [Heading("Resumé", 1), Paragraph(_summary(case), "lead")]
    blocks += _background(case, catalogue)
    blocks.append(Heading("Sagsfremstilling", 1))
    table_number = 0
    explained = first_with_figure(case.maps)
    for section in case.maps:
        section_blocks, table_number = _map_section(case, section, table_number, section is explained)
        blocks += section_blocks
        if section.row is not None and section.row.comment:
            blocks.append(Paragraph(f"Kommunens egen kommentar til kortet (vist i infoboksen): "
                                    f"\"{section.row.comment}\""))
    for derived in case.derived:
        table_number += 1
        blocks += [Heading(derived.name, 2), Paragraph(DERIVED_WHY), Table(
            caption=f"Tabel {table_number}: {derived.name}, omgørelsesprocent (antal realitetsbehandlede sager i parentes)",
            header=("År", case.municipality.name, "Landsplan"), rows=tuple(derived_lines(case, derived)),
            source=_source(case))]
    if not public:  # the register is the municipality's own: a public case says nothing of it
        blocks += _clusters(case)
    blocks.append(Paragraph(_definition_note(case), "note"))
    if plan is not None:
        plan_part, table_number = plan_blocks(plan, None if public else effect, table_number)
        blocks += plan_part
    blocks += _recommendation(case, catalogue, plan)
    blocks += _annex(case, catalogue, boundaries)
    return document


# ---- Resumé -------------------------------------------------------------------------------------

def _summary(case: DanmarkskortCase) -> str:
    name = case.municipality.name
    sentences = []
    for section in case.maps:
        if not section.has_cases:
            sentences.append(f"På {in_sentence(section.name)} afgjorde Ankestyrelsen ingen sager fra {name} i {case.year}.")
            continue
        row = section.row
        sentences.append(
            f"På {in_sentence(section.name)} var omgørelsesprocenten {numbers.municipal_percent(row.rate)} "
            f"mod {numbers.national_percent(section.national.rate if section.national else None)} på landsplan "
            f"({_cases(row.denominator)}); {_difference_words(row)}.")
    return f"{name} Kommunes omgørelsesprocenter i Ankestyrelsens afgørelser i {case.year}: " + " ".join(sentences)


def _difference_words(row: RateRow) -> str:
    funnel = row.funnel.get(0.95)
    if funnel == FunnelClass.ABOVE:
        return "forskellen til landsplan er større, end tilfældig variation kan forklare"
    if funnel == FunnelClass.BELOW:
        return "omgørelsesprocenten er lavere end på landsplan, mere end tilfældig variation kan forklare"
    return "forskellen til landsplan er inden for normal variation"


# ---- Baggrund -----------------------------------------------------------------------------------

def _in_sentence_law(law, year: int) -> str:
    """A law's name inside a sentence ("Barnets lov" → "barnets lov"), with the date a law
    that took effect during the year did so."""
    name = in_sentence(law.name)
    start = law.valid_from
    if start is not None and start.year == year and (start.month, start.day) != (1, 1):
        name += f" (fra {numbers.long_date(start)})"
    return name


def _background(case: DanmarkskortCase, catalogue: Catalogue) -> list:
    published = case.year + 1
    social = case.maps[0]
    # The social map's laws that year, from the catalogue: serviceloven alone until 2023, with
    # barnets lov from 2024 and ældreloven from 2025.
    law_ids = catalogue.map_laws(social.code, case.year)
    laws = [_in_sentence_law(law, case.year) for law_id, law in catalogue.laws.items() if law_id in law_ids]
    return [
        Heading("Baggrund", 1),
        Paragraph(
            "Social- og Boligministeriet offentliggør hvert år et danmarkskort over, hvor ofte Ankestyrelsen "
            "omgør kommunernes afgørelser, når borgerne klager. Kortene for "
            f"{case.year} bygger på de klager, Ankestyrelsen afgjorde i {case.year}, og offentliggøres i "
            f"{published}. Der er tre kort: {in_sentence(social.name)}, børnehandicapområdet og "
            f"voksenhandicapområdet; de to sidste er dele af det første. {social.name} omfatter afgørelser "
            f"efter {_joined(laws)} med klageadgang til Ankestyrelsen."),
        Paragraph(
            "Omgørelsesprocenten er andelen af de realitetsbehandlede klagesager, hvor Ankestyrelsen har ændret, "
            "ophævet eller hjemvist kommunens afgørelse. Afviste og henviste klager tæller ikke med."),
        BulletList((
            "Stadfæstelse: Ankestyrelsen er enig i kommunens afgørelse.",
            "Ændring/ophævelse: Ankestyrelsen finder afgørelsen forkert og ændrer eller ophæver den.",
            "Hjemvisning: Ankestyrelsen sender sagen tilbage, fx fordi den ikke er tilstrækkeligt oplyst. "
            "Kommunen kan godt nå samme resultat igen.",
            "Afvisning/henvisning: Ankestyrelsen behandler ikke klagen, fx fordi den er kommet for sent.",
        )),
        Paragraph(
            "Omgørelsesprocenten siger noget om de påklagede afgørelser, ikke om alle kommunens afgørelser, og "
            "en hjemvist sag er ikke nødvendigvis forkert afgjort. Sagerne kan være flere år gamle, da "
            "Ankestyrelsen har haft ventetid, og én borger kan klage over flere afgørelser. Ved få sager kan "
            "enkelte sager flytte procenten meget; derfor står usikkerheden ved hvert tal nedenfor."),
        Paragraph(_duty(published, catalogue)),
        *_processing_time(case),
    ]


def _processing_time(case: DanmarkskortCase) -> list:
    """The Talportal's processing time for the first map that has it, when the figures carry it."""
    for section in case.maps:
        row = section.row
        if row is not None and row.processing_days is not None:
            country = section.national.processing_days if section.national is not None else None
            beside = f" (landsplan {numbers.days(country)} dage)" if country is not None else ""
            return [Paragraph(
                f"Ankestyrelsens sagsbehandlingstid for klager fra {case.municipality.name} på "
                f"{in_sentence(section.name)} var i gennemsnit {numbers.days(row.processing_days)} dage i {case.year}"
                f"{beside}, regnet fra klagen kom til Ankestyrelsen, til den var afgjort (Ankestyrelsens Talportal). "
                "Tiden i kommunen, før klagen blev sendt videre, er ikke med.")]
    return []


def _duty(published: int, catalogue: Catalogue) -> str:
    """Retssikkerhedsloven § 79 b as it stands when the maps for the year are treated."""
    text = ("Efter retssikkerhedslovens § 79 b skal kommunalbestyrelsen behandle danmarkskortene på et møde "
            f"inden udgangen af det år, de offentliggøres ({published}).")
    if catalogue.action_plan_duty is None:
        return text
    start, end = catalogue.action_plan_duty
    if published < start.year:
        return text
    if _action_plan_duty(published, catalogue):
        who = (f"Fra {numbers.long_date(start)} skal kommunalbestyrelsen" if published == start.year
               else "Kommunalbestyrelsen skal")
        return (text + f" {who} samtidig beslutte, om der skal udarbejdes en handleplan for at styrke den juridiske "
                "kvalitet i sagsbehandlingen.")
    return (text + " Pligten til samtidig at beslutte, om der skal udarbejdes en handleplan for den juridiske "
            f"kvalitet, gjaldt fra {numbers.long_date(start)} og er ophævet fra {numbers.long_date(end)}; mange "
            "kommuner beslutter dog fortsat at lave en.")


def _action_plan_duty(published: int, catalogue: Catalogue) -> bool:
    """Whether the council treating the maps in `published` must decide on an action plan."""
    if catalogue.action_plan_duty is None:
        return False
    start, end = catalogue.action_plan_duty
    return start.year <= published and dt.date(published, 1, 1) < end


# ---- Sagsfremstilling ---------------------------------------------------------------------------

def _map_section(case: DanmarkskortCase, section: MapSection, table_number: int,
                 explain_per_10000: bool) -> tuple[list, int]:
    name = case.municipality.name
    blocks: list = [Heading(section.name, 2)]
    if not section.has_cases:
        blocks.append(Paragraph(
            f"Ankestyrelsen afgjorde ingen sager fra {name} på {in_sentence(section.name)} i {case.year}, som blev "
            "realitetsbehandlet. Der er derfor ingen omgørelsesprocent for året; det er ikke det samme som 0 %."))
    else:
        row, national = section.row, section.national
        counts = row.counts
        blocks.append(Paragraph(
            f"Ankestyrelsen realitetsbehandlede {_count_of(row.denominator, 'sag', 'sager')} fra {name} på "
            f"{in_sentence(section.name)} i {case.year}. I {_count_of(counts.upheld, 'sag', 'sager')} blev afgørelsen "
            f"stadfæstet, i {numbers.count(counts.changed)} ændret eller ophævet, og "
            f"{numbers.count(counts.remitted)} blev hjemvist. Omgørelsesprocenten var "
            f"{numbers.municipal_percent(row.rate)} mod {numbers.national_percent(national.rate if national else None)} "
            "på landsplan."
            + (f" Desuden blev {_complaints(counts.dismissed)} afvist eller henvist; "
               f"{'den' if counts.dismissed == 1 else 'de'} indgår ikke i omgørelsesprocenten."
               if counts.dismissed else "")))
        per_10000 = per_10000_sentence(row, national, explain_per_10000)
        if per_10000:
            blocks.append(Paragraph(per_10000))
        table_number += 1
        blocks.append(_outcome_table(table_number, case, section))
        blocks.append(Paragraph(_uncertainty(row), "body"))
    if any(line.by_year for line in section.comparison):
        table_number += 1
        blocks.append(_comparison_table(table_number, case, section))
    if section.provisions:
        table_number += 1
        blocks.append(_provision_table(table_number, case, section))
    return blocks, table_number


def _outcome_table(number: int, case: DanmarkskortCase, section: MapSection) -> Table:
    row, national = section.row, section.national
    mine = row.counts
    lines = [(o.label, o.share, o.count, o.national_share) for o in outcome_lines(section)]
    lines.append(("Samlet omgørelsesprocent", numbers.municipal_percent(row.rate), numbers.count(mine.reversed),
                  numbers.national_percent(national.rate if national else None)))
    return Table(
        caption=(f"Tabel {number}: {section.name} {case.year}, udfald af de {numbers.count(row.denominator)} "
                 f"realitetsbehandlede sager ({_dismissed_text(mine)})"),
        header=("Udfald", f"{case.municipality.name} (%)", f"{case.municipality.name} (antal sager)",
                "Landsplan (%)"),
        rows=tuple(lines), total_row=True, source=_source(case))


def _dismissed_text(counts) -> str:
    if counts.dismissed is None:
        return "kilden oplyser ikke de afviste sager"
    return f"{numbers.count(counts.dismissed)} afviste sager tæller ikke med"


def _uncertainty(row: RateRow) -> str:
    n = row.denominator
    low_high = numbers.interval(row.ci)
    text = (f"Usikkerhed: tallet bygger på {_cases(n)}. Med 95 % sikkerhed ligger den omgørelsesprocent, "
            f"sagerne afspejler, mellem {low_high.replace('-', ' og ')}.")
    if n < FEW_CASES:
        one_case = numbers.percent(Fraction(1, n)).removesuffix(" %")
        text += (f" Med under {FEW_CASES} sager kan én sag flytte procenten med {one_case} procentpoint, så tallet "
                 "skal læses med stor forsigtighed.")
    funnel95, funnel998 = row.funnel.get(0.95), row.funnel.get(0.998)
    if funnel95 == FunnelClass.WITHIN:
        text += " Forskellen til landsplan er inden for, hvad tilfældig variation kan forklare."
    elif funnel95 is not None:
        direction = "højere" if funnel95 == FunnelClass.ABOVE else "lavere"
        strength = ("også uden for 99,8 %-grænsen, så forskellen er tydelig"
                    if funnel998 == funnel95 else "men inden for 99,8 %-grænsen")
        text += (f" Omgørelsesprocenten er {direction} end på landsplan, mere end tilfældig variation kan forklare "
                 f"(uden for 95 %-grænsen i tragtdiagrammet, {strength}).")
    return text


def _comparison_table(number: int, case: DanmarkskortCase, section: MapSection) -> Table:
    years = case.table_years
    return Table(
        caption=(f"Tabel {number}: {section.name} {years[-1]}–{years[0]}, omgørelsesprocent "
                 "(antal realitetsbehandlede sager i parentes)"),
        header=("Kommune", *(str(y) for y in years)),
        rows=tuple((name, *cells) for name, cells in comparison_lines(case, section)), source=_source(case))


def _provision_table(number: int, case: DanmarkskortCase, section: MapSection) -> Table:
    rows = []
    for r in section.provisions[:8]:
        c = r.counts
        rows.append((r.group or "", numbers.count(c.reversed), numbers.count(c.remitted), numbers.count(c.dismissed),
                     numbers.count(r.denominator), numbers.municipal_percent(r.rate)))
    more = len(section.provisions) - len(rows)
    return Table(
        caption=f"Tabel {number}: {section.name} {case.year}, bestemmelser med omgjorte sager (flest først)",
        header=("Bestemmelse", "Omgjorte sager", "Heraf hjemvist", "Afviste", MERITS_HEADER, RATE_HEADER),
        rows=tuple(rows),
        source=(f"{more} bestemmelser mere med omgjorte sager er ikke vist. " if more > 0 else "") + _source(case))


def _clusters(case: DanmarkskortCase) -> list:
    if case.register_cases is None:  # not read
        return []
    blocks: list = [Heading("Klynger af hjemvisninger", 2)]
    if case.clusters is None:
        blocks.append(Paragraph(
            "Kommunens eget klageregister er ikke indlæst, så klagestat kan ikke se, om mange sager blev hjemvist "
            "på kort tid, fx efter en ændret praksis i Ankestyrelsen. Indlæs det med klagestat import cases."))
        return blocks
    found = [c for c in case.clusters.clusters if c.municipality_code == case.municipality.code]
    if not found:
        blocks.append(Paragraph(
            f"I kommunens klageregister er der ingen klynger i {case.year}: ingen bestemmelse fik mange "
            f"hjemvisninger på kort tid ({case.clusters.window_days} dage) i forhold til det sædvanlige."))
        return blocks
    items = []
    for c in found:
        items.append(f"{c.label}: {numbers.count(c.remittals)} hjemvisninger mellem {c.first:%d-%m-%Y} og {c.last:%d-%m-%Y}, hvor "
                     f"der ved det sædvanlige tempo kunne ventes {numbers.whole(c.expected)}.")
    blocks += [Paragraph("Klageregistret viser klynger, hvor mange sager om samme bestemmelse blev hjemvist på kort "
                         "tid. Det kan skyldes en ændret praksis i Ankestyrelsen snarere end kommunens sagsbehandling:"),
               BulletList(tuple(items))]
    return blocks


def _definition_note(case: DanmarkskortCase) -> str:
    if case.definition == Definition.OFFICIAL:
        definition = ("Omgørelsesprocenten er beregnet efter Ankestyrelsens officielle definition: ændrede, ophævede "
                      "og hjemviste sager delt med de realitetsbehandlede sager (afviste og henviste sager tæller "
                      "ikke med).")
    else:
        definition = ("Omgørelsesprocenten er her beregnet over alle afgjorte sager, også afviste og henviste; det er "
                      "ikke Ankestyrelsens officielle definition, og tallene er derfor lavere end på danmarkskortet.")
    return (definition + " Kommunens tal er vist i hele procent og landstallet med én decimal, afrundet én gang fra "
            "den eksakte brøk. Intervallerne er 95 %-konfidensintervaller (Wilson). " + _source(case))


def _source(case: DanmarkskortCase) -> str:
    return source_text(case.vintages)


# ---- Indstilling --------------------------------------------------------------------------------

def _recommendation(case: DanmarkskortCase, catalogue: Catalogue, plan: Plan | None = None) -> list:
    published = case.year + 1
    items = [f"at orienteringen om danmarkskortet for {case.year} tages til efterretning"]
    high = [s.name for s in case.maps if s.has_cases and s.row.funnel.get(0.95) == FunnelClass.ABOVE]
    if plan is not None:
        pass  # the plan's own points follow below: it exists already
    elif _action_plan_duty(published, catalogue):
        items.append("at der træffes beslutning om, hvorvidt der skal udarbejdes en handleplan for at styrke den "
                     "juridiske kvalitet i sagsbehandlingen (retssikkerhedslovens § 79 b)")
    elif catalogue.action_plan_duty is not None and published >= catalogue.action_plan_duty[1].year:
        items.append("at det drøftes, om arbejdet med kvaliteten i sagsbehandlingen skal samles i en handleplan "
                     f"(det er frivilligt fra {numbers.long_date(catalogue.action_plan_duty[1])})")
    if high:
        items.append("at forvaltningen gennemgår de omgjorte sager på " + _joined([in_sentence(n) for n in high])
                     + ", hvor omgørelsesprocenten er højere, end tilfældig variation kan forklare")
    if plan is not None:
        items += plan_recommendation_items(plan)
    return [Heading("Indstilling", 1), Paragraph("Forvaltningen indstiller,"),
            BulletList(tuple(items), numbered=True)]


# ---- Bilag --------------------------------------------------------------------------------------

def _annex(case: DanmarkskortCase, catalogue: Catalogue, boundaries: Boundaries | None) -> list:
    name = case.municipality.name
    blocks: list = [Heading("Bilag", 1)]
    figure_number = 1
    blocks.append(FigureBlock(trend_chart(trend_series(case), name), figure_number))
    social = case.maps[0]
    if social.has_funnel:
        figure_number += 1
        blocks.append(FigureBlock(funnel_plot(funnel_points(social), social.national.rate, case.municipality.code,
                                              in_sentence(social.name), str(case.year)), figure_number))
    figure_number += 1
    rates = {r.area.code: r.rate for r in social.all_municipalities}
    title = f"{social.name} {case.year}: omgørelsesprocent i de 98 kommuner"
    if boundaries is None:
        the_map = tile_map(catalogue, rates=rates, highlight=case.municipality.code, title=title,
                           legend_title="Omgørelsesprocent")
    else:
        the_map = geo_map(catalogue, boundaries, rates=rates,
                          highlight=case.municipality.code, title=title, legend_title="Omgørelsesprocent")
    blocks.append(FigureBlock(the_map, figure_number))
    return blocks


# ---- small helpers ------------------------------------------------------------------------------

def _count_of(n: int, one: str, many: str) -> str:
    return f"{numbers.count(n)} {one if n == 1 else many}"


def _complaints(n: int) -> str:
    return "1 klage" if n == 1 else f"{numbers.count(n)} klager"


def _cases(n: int | None) -> str:
    return f"{numbers.count(n)} realitetsbehandlede sager" if n != 1 else "1 realitetsbehandlet sag"


def in_sentence(name: str) -> str:
    """A map's or a law's name inside a sentence: "socialområdet generelt", "barnets lov"."""
    return name[:1].lower() + name[1:]


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " og " + parts[-1]

