"""Normalising labels for lookup: case, Unicode form and spacing never decide a match; and a
user's text cut short for a message."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return _SPACE.sub(" ", text).strip().casefold()


def shortened(text: str, limit: int = 60) -> str:
    """The text as a message quotes it: at most `limit` characters (a header cell can be a whole
    pasted document)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
