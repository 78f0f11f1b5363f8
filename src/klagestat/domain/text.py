"""Normalising labels for lookup: case, Unicode form and spacing never decide a match; a user's
text cut short for a message; and Danish text in ASCII, for file names."""

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


# The Danish way of writing æ, ø and å without them (as in "Aalborg"): the one transliteration
# for every file name klagestat makes or sends.
_DANISH_IN_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def ascii_text(text: str) -> str:
    """"Allerød" → "Alleroed", "Ærø" → "Aeroe"; other accents lose their mark ("é" → "e"), and
    anything else not in ASCII becomes "_"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_DANISH_IN_ASCII))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "replace").decode() \
        .replace("?", "_")


def file_slug(text: str) -> str:
    """"Lyngby-Taarbæk" → "lyngby-taarbaek": lower-case ASCII letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_text(text).lower()).strip("-")
