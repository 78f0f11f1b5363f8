"""A user's own label mapping (`--label-map FILE`): labels the catalogue doesn't know.

    [legal_basis]
    "7.3 Særlige sager" = "Serviceloven § 100"
    "7 Andre love" = "Lov om social pension"

    [outcomes]
    "Medhold" = "Ændret"

    [areas]
    "Kbh." = "101"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from klagestat.domain.catalogue import Area, Catalogue
from klagestat.domain.legal_basis import BasisRef
from klagestat.domain.outcomes import TOTAL, Outcome
from klagestat.domain.problems import ProblemList
from klagestat.domain.text import normalise

from .text_files import read_toml


@dataclass
class LabelMap:
    legal_basis: dict[str, BasisRef] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)

    def basis(self, label: str) -> BasisRef | None:
        return self.legal_basis.get(normalise(label))

    def outcome(self, label: str) -> str | None:
        return self.outcomes.get(normalise(label))

    def area(self, label: str) -> Area | None:
        return self.areas.get(normalise(label))


def read_label_map(path: Path, catalogue: Catalogue) -> LabelMap:
    problems = ProblemList(str(path))
    data = read_toml(path, "Oversættelsesfilen")
    result = LabelMap()
    for label, target in data.get("legal_basis", {}).items():
        ref = catalogue.recognise_basis(str(target))
        if ref is None:
            problems.add(
                "Målet er hverken en lov eller en lov med paragraffer, som klagestat kender "
                "(skriv fx \"Serviceloven § 100\" eller \"Lov om social pension\").",
                column=f"[legal_basis] {label!r}", value=str(target),
                code="label-target-unknown",
            )
        else:
            result.legal_basis[normalise(label)] = ref
    codes = {o.value for o in Outcome} | {TOTAL}
    for label, target in data.get("outcomes", {}).items():
        value = str(target) if str(target) in codes else catalogue.outcome_for_label(str(target))
        if value is None:
            problems.add(
                "Målet er ikke et kendt udfald (Stadfæstet, Ændret, Hjemvist, Afvist eller I alt).",
                column=f"[outcomes] {label!r}", value=str(target),
                code="label-target-unknown",
            )
        else:
            result.outcomes[normalise(label)] = value
    for label, target in data.get("areas", {}).items():
        area = catalogue.find_area(str(target))
        if area is None:
            problems.add("Målet er ikke en kendt kommune.", column=f"[areas] {label!r}", value=str(target), code="label-target-unknown")
        else:
            result.areas[normalise(label)] = area
    problems.raise_if_any()
    return result
