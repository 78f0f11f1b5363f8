"""Administrative areas or committees (forvaltningsområder, fagudvalg) as sets of provisions.

An area is a list of selectors: a law ("aktivloven") or a law with paragraphs ("SEL §§ 85 og
107"). A provision goes to the area whose selector matches it most specifically: a selector with
paragraphs (sharing a paragraph with the provision) beats a law alone, and of two such selectors
the one naming fewer paragraphs wins ("SEL § 85" beats "SEL §§ 83-86"). Two areas matching
equally specifically is an error that names both; provisions no area claims form the row "Øvrige".
"""

from __future__ import annotations

from dataclasses import dataclass

from .legal_basis import key_paragraphs
from .problems import KlagestatError

OTHER_AREA = "Øvrige"


@dataclass(frozen=True, slots=True)
class Selector:
    area: str
    text: str  # as the user wrote it, for messages
    law_id: str
    paragraphs: frozenset[str]

    def specificity(self, law_id: str, paragraphs: tuple[str, ...]) -> tuple[int, int]:
        """(0, 0) no match; (1, 0) the law matches; (2, -n) a paragraph matches, n paragraphs named."""
        if law_id != self.law_id:
            return (0, 0)
        if not self.paragraphs:
            return (1, 0)
        return (2, -len(self.paragraphs)) if self.paragraphs & set(paragraphs) else (0, 0)


class AmbiguousAreaError(KlagestatError, ValueError):
    def __init__(self, what: str, first: Selector, second: Selector, source: str):
        self.first, self.second = first, second
        super().__init__(
            f"{source}: {what} passer lige godt på to områder: {first.area!r} ({first.text!r}) og "
            f"{second.area!r} ({second.text!r}). Gør det ene udvalg mere præcist i områdefilen."
        )


@dataclass(frozen=True)
class AreaConfig:
    names: tuple[str, ...]  # in the order the file gives them
    selectors: tuple[Selector, ...]
    source: str = "områdefilen"  # the file, for messages

    def area_for(self, law_id: str, provision_key: str | None, what: str) -> str:
        """The area a provision (or, with no key, a law-level figure) belongs to."""
        paragraphs = key_paragraphs(provision_key) if provision_key else ()
        best: Selector | None = None
        best_score = (0, 0)
        for s in self.selectors:
            score = s.specificity(law_id, paragraphs)
            if score == (0, 0):
                continue
            if score > best_score:
                best, best_score = s, score
            elif score == best_score and best is not None and s.area != best.area:
                raise AmbiguousAreaError(what, best, s, self.source)
        return best.area if best else OTHER_AREA
