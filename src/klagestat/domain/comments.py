"""What a municipality's own comment on its map may be: plain text, short, and never a CPR
number (it is shown to everyone)."""

from __future__ import annotations

import re

from .cpr import contains_cpr

MAX_COMMENT_CHARACTERS = 500  # the ministry's info box holds a few sentences
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def checked_comment(text: str) -> tuple[str, str | None]:
    """(the comment as it will be shown: control characters and surrounding space removed, line
    breaks kept; the reason in Danish it can't be saved, or None)."""
    cleaned = _CONTROL.sub("", text.replace("\r\n", "\n")).strip()
    if len(cleaned) > MAX_COMMENT_CHARACTERS:
        return cleaned, (f"Kommentaren er {len(cleaned)} tegn; den må højst være {MAX_COMMENT_CHARACTERS} tegn, "
                         "fordi den vises i kommunens infoboks.")
    if contains_cpr(cleaned):
        return cleaned, "Kommentaren indeholder noget, der ligner et CPR-nummer, og den vises for alle. Fjern det."
    return cleaned, None
