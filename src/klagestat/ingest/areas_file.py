"""The areas file (`--areas FILE`): which provisions make up each committee or area.

    [areas."Psykiatri- og Handicapudvalget"]
    provisions = ["Lov om social pension", "aktivloven", "Serviceloven § 100", "SEL §§ 85 og 107"]
"""

from __future__ import annotations

from pathlib import Path

from klagestat.domain.areas import OTHER_AREA, AreaConfig, Selector
from klagestat.domain.catalogue import Catalogue

from .problems import ProblemList
from .text_files import read_toml


def read_areas(path: Path, catalogue: Catalogue) -> AreaConfig:
    problems = ProblemList(str(path))
    data = read_toml(path, "Områdefilen")
    areas = data.get("areas")
    if not isinstance(areas, dict) or not areas:
        problems.add('Områdefilen har ingen områder. Skriv fx [areas."Børneområdet"] med provisions = [...].')
        problems.raise_if_any()
    names, selectors = [], []
    for name, body in areas.items():
        if name == OTHER_AREA:
            problems.add(f"Navnet {OTHER_AREA!r} er forbeholdt de bestemmelser, intet område har.", column=f"[areas.{name!r}]")
            continue
        provisions = body.get("provisions") if isinstance(body, dict) else None
        if not isinstance(provisions, list) or not provisions:
            problems.add("Området mangler en liste 'provisions'.", column=f"[areas.{name!r}]")
            continue
        names.append(name)
        for text in provisions:
            parsed = catalogue.parse_selector(str(text))
            if parsed is None:
                problems.add(
                    "Ukendt lov. Skriv en lov (fx 'aktivloven') eller en lov med paragraffer (fx 'SEL § 100').",
                    column=f"[areas.{name!r}] provisions", value=str(text),
                )
                continue
            law, paragraphs = parsed
            selectors.append(Selector(name, str(text), law.id, frozenset(paragraphs)))
    problems.raise_if_any()
    # Two identical selectors in different areas can never be resolved: say so up front.
    seen: dict[tuple, Selector] = {}
    for s in selectors:
        key = (s.law_id, s.paragraphs)
        if key in seen and seen[key].area != s.area:
            problems.add(
                f"Samme udvalg står i to områder: {seen[key].area!r} og {s.area!r}.",
                column=f"[areas.{s.area!r}] provisions", value=s.text,
            )
        seen.setdefault(key, s)
    problems.raise_if_any()
    return AreaConfig(tuple(names), tuple(selectors))
