"""Legal basis (lovgrundlag): paragraphs, provision keys and how labels are recognised.

A provision is a law plus the set of paragraphs a label names. Its key, e.g.
`barnets-lov:87+88`, is what the store keeps and what every grouping uses, so that
"Barnets lov §§ 87-88", "2.4 Tabt arbejdsfortjeneste - §§ 87-88" and "BL § 87-88" are one thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .text import normalise


class BasisLevel(StrEnum):
    ALL = "all"  # "I alt": every legal basis together (a total)
    LAW = "law"  # "1 Serviceloven": one law (a total of its provisions)
    PROVISION = "provision"  # "1.12 Voksne - merudgifter - § 100"
    UNMAPPED = "unmapped"  # imported with --allow-unmapped; belongs to no law


@dataclass(frozen=True, slots=True)
class BasisRef:
    level: BasisLevel
    law_id: str | None = None
    provision_key: str | None = None


ALL_BASIS = BasisRef(BasisLevel.ALL)
UNMAPPED = BasisRef(BasisLevel.UNMAPPED)

# A paragraph: digits, optionally one letter that ends the word ("32a", "32 a"), but not the
# start of the next word ("68 og") or the preposition in "§ 90 i barnets lov".
_PARA = r"\d+(?:[a-zæøå]|\s[a-h])?(?![a-zæøå])"
_SEP = r"\s*(?:-|–|,|\bog\b|\+|&)\s*"
_PARAGRAPHS = re.compile(rf"§§?\s*(?P<list>{_PARA}(?:{_SEP}{_PARA})*)", re.IGNORECASE)
_RANGE = re.compile(r"^(\d+)\s*[-–]\s*(\d+)$")
_MAX_RANGE = 60


def _natural(paragraph: str) -> tuple[int, str]:
    m = re.match(r"(\d+)(.*)", paragraph)
    return (int(m.group(1)), m.group(2)) if m else (10**9, paragraph)


def before_reference(text: str) -> str:
    """The part of a label before a cross-reference ("§ 90, jf. §§ 83 og 86 i serviceloven")."""
    m = re.search(r"\b(?:jf\.?|jævnfør|jvf\.?)\s", text, re.IGNORECASE)
    return text[: m.start()] if m else text


def parse_paragraphs(text: str) -> tuple[str, ...]:
    """The paragraphs a label names, sorted: "§§ 87-88" → ("87", "88"); "§ 32 a" → ("32a",)."""
    found: set[str] = set()
    for m in _PARAGRAPHS.finditer(before_reference(text)):
        chunk = m.group("list").lower()
        # Expand ranges first, then split the rest on the list separators.
        for piece in re.split(r"\s*(?:,|\bog\b|\+|&)\s*", chunk):
            piece = piece.strip()
            if not piece:
                continue
            r = _RANGE.match(piece)
            if r:
                lo, hi = int(r.group(1)), int(r.group(2))
                if lo <= hi and hi - lo <= _MAX_RANGE:
                    found.update(str(i) for i in range(lo, hi + 1))
                else:
                    found.update((r.group(1), r.group(2)))
            else:
                for part in re.split(r"\s*[-–]\s*", piece):
                    if part:
                        found.add(part.replace(" ", ""))
    return tuple(sorted(found, key=_natural))


def paragraph_references(text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, paragraphs) of each "§ 100" or "§§ 87-88" in a free text."""
    return [(m.start(), m.end(), parse_paragraphs(m.group(0))) for m in _PARAGRAPHS.finditer(text)]


def provision_name_part(label: str) -> str:
    """A label's name without its paragraphs and what follows them, normalised:
    "Voksne - merudgifter - § 100" and "Voksne - merudgifter § 100 + tilbagebet." → "voksne - merudgifter"."""
    name = re.split(r"§", label, maxsplit=1)[0]
    return normalise(name.strip().rstrip("-–,:").strip())


def provision_key(law_id: str, paragraphs: tuple[str, ...], text: str = "") -> str:
    if paragraphs:
        return f"{law_id}:{'+'.join(paragraphs)}"
    # A provision without paragraphs ("1.99 Øvrige sager") is told apart by its text.
    return f"{law_id}:~{normalise(text)}"


def key_paragraphs(key: str) -> tuple[str, ...]:
    _, _, rest = key.partition(":")
    if not rest or rest.startswith("~"):
        return ()
    return tuple(rest.split("+"))


def key_law(key: str) -> str:
    return key.partition(":")[0]


def format_paragraphs(paragraphs: tuple[str, ...]) -> str:
    """("87", "88") → "§§ 87-88"; ("68", "76") → "§§ 68 og 76"; ("100",) → "§ 100"."""
    if not paragraphs:
        return ""
    runs: list[list[str]] = []
    for p in paragraphs:
        if runs and p.isdigit() and runs[-1][-1].isdigit() and int(p) == int(runs[-1][-1]) + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    parts = [r[0] if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs]
    sign = "§" if len(paragraphs) == 1 else "§§"
    if len(parts) == 1:
        return f"{sign} {parts[0]}"
    return f"{sign} {', '.join(parts[:-1])} og {parts[-1]}"


_PREFIX = re.compile(r"^\s*(\d+)(?:\.(\d+))?\.?\s+(?=\D)")


def split_numeric_prefix(label: str) -> tuple[str | None, str | None, str]:
    """"1.12 Voksne - § 100" → ("1", "12", "Voksne - § 100"); "1 Serviceloven" → ("1", None, ...)."""
    m = _PREFIX.match(label)
    if not m:
        return None, None, label.strip()
    return m.group(1), m.group(2), label[m.end():].strip()
