"""The areas file (`--areas FILE`): which provisions make up each committee or area.

    [areas."Psykiatri- og Handicapudvalget"]
    provisions = ["Lov om social pension", "aktivloven", "Serviceloven § 100", "SEL §§ 85 og 107"]
"""

from __future__ import annotations

from pathlib import Path

from klagestat.domain.areas import OTHER_AREA, AreaConfig, Selector
from klagestat.domain.catalogue import Catalogue
from klagestat.domain.problems import ProblemList

from .text_files import read_toml

RESERVED = {OTHER_AREA: "de paragraffer, intet område har", "I alt": "summen af alle områder"}


def read_areas(path: Path, catalogue: Catalogue) -> AreaConfig:
    problems = ProblemList(str(path))
    data = read_toml(path, "Områdefilen")
    areas = data.get("areas")
    if not isinstance(areas, dict) or not areas:
        problems.add('Områdefilen har ingen områder. Skriv fx [areas."Børneområdet"] med provisions = [...].', code="areas-empty")
        problems.raise_if_any()
    names, selectors = [], []
    for name, body in areas.items():
        if name in RESERVED:
            problems.add(f"Navnet {name!r} er forbeholdt klagestat ({RESERVED[name]}); kald området noget andet.",
                         column=f"[areas.{name!r}]", code="area-name-reserved")
            continue
        provisions = body.get("provisions") if isinstance(body, dict) else None
        if not isinstance(provisions, list) or not provisions:
            problems.add("Området mangler en liste 'provisions'.", column=f"[areas.{name!r}]", code="area-provisions-missing")
            continue
        names.append(name)
        for text in provisions:
            parsed = catalogue.parse_selector(str(text))
            if parsed is None:
                problems.add(
                    "Ukendt lov. Skriv en lov (fx 'aktivloven') eller en lov med paragraffer (fx 'SEL § 100').",
                    column=f"[areas.{name!r}] provisions", value=str(text),
                    code="law-unknown",
                )
                continue
            law, paragraphs = parsed
            selectors.append(Selector(name, str(text), law.id, frozenset(paragraphs)))
    problems.raise_if_any()
    # Selectors that claim the same paragraph equally specifically can never be resolved:
    # say so up front, not first when data for that paragraph turns up.
    for i, a in enumerate(selectors):
        for b in selectors[i + 1:]:
            same_law = a.law_id == b.law_id and a.area != b.area
            if same_law and len(a.paragraphs) == len(b.paragraphs) and (
                a.paragraphs & b.paragraphs or not a.paragraphs
            ):
                problems.add(
                    f"{a.text!r} i {a.area!r} og {b.text!r} i {b.area!r} gælder de samme paragraffer lige "
                    "præcist, så klagestat kan ikke vide, hvilket område de hører til.",
                    column=f"[areas.{b.area!r}] provisions", value=b.text,
                    code="areas-overlap",
                )
    problems.raise_if_any()
    return AreaConfig(tuple(names), tuple(selectors), str(path))
