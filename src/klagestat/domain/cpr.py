"""CPR numbers: recognising their shape, masking them in free text, and the keyed pseudonym.

A CPR number (DDMMYY-NNNN) is personal data that klagestat never stores, logs or shows. It is
only ever used to compute a pseudonym, so repeated complainants can be counted without knowing
who they are. The pseudonym is an HMAC-SHA256 under the instance's secret key: without the key
nobody can test a guessed CPR number against it (a plain hash of 3.6 million possible numbers a
year could be reversed in seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import re

# What may stand between the groups of a CPR number as people write it, paste it or a program
# formats it: hyphens, dashes and minus signs of every kind, any white space (and the invisible
# ones), dots, slashes and underscores, full-width forms included; up to three of them (" - ").
_SEPARATOR = ("[\\s\u00ad\u200b-\u200d\u2060\ufeff"
              "\\-\u2010-\u2015\u2043\u2212\ufe58\ufe63\uff0d"
              "./\\\\_\u00b7\u2024\u2044\u2215\uff0e\uff0f\uff3c\uff3f]{0,3}")
# DD MM YY NNNN with any separators between the groups, in any decimal digits (\d matches
# full-width and other scripts' digits too); not inside a longer run of digits. The day and month
# are checked as a plausible date afterwards. Modulus 11 is not checked: numbers issued since
# 2007 need not satisfy it.
_CPR = re.compile(f"(?<!\\d)(\\d\\d){_SEPARATOR}(\\d\\d){_SEPARATOR}(\\d\\d){_SEPARATOR}(\\d{{4}})(?!\\d)")
# The cheap first look: a text without a digit holds no CPR number.
_MAYBE = re.compile(r"\d")

MASK = "[CPR-nr. fjernet]"
PSEUDONYM_LENGTH = 32  # hex characters: 128 bits, no collisions among any real population


def _plausible_date(day: str, month: str) -> bool:
    d, m = int(day), int(month)  # int() reads any decimal digits, full-width too
    # Day and month of some year (29 February included); the century comes from the serial.
    return 1 <= m <= 12 and 1 <= d <= (29 if m == 2 else 30 if m in (4, 6, 9, 11) else 31)


def _ascii(digits: str) -> str:
    return "".join(str(int(c)) for c in digits)


def normalise_cpr(text: str) -> str | None:
    """The ten ASCII digits of a CPR number written in any of the shapes `mask_cpr` finds
    (DDMMYY-NNNN, DDMMYYNNNN, "DD MM YY NNNN", full-width digits …), else None."""
    m = _CPR.fullmatch(text.strip())
    if m is None or not _plausible_date(m.group(1), m.group(2)):
        return None
    return _ascii("".join(m.groups()))


def cpr_problem(text: str) -> str:
    """Why a value is not a CPR number, in Danish, without repeating the value."""
    stripped = text.strip()
    digits = re.sub(r"\D", "", stripped)
    if len(digits) != 10 or not _CPR.fullmatch(stripped):
        return (f"Ugyldigt CPR-nummer: {len(stripped)} tegn med {len(digits)} cifre; forventet "
                "DDMMÅÅ-NNNN eller 10 cifre. Værdien vises ikke.")
    return "Ugyldigt CPR-nummer: de første seks cifre er ikke en dato (DDMMÅÅ). Værdien vises ikke."


def contains_cpr(text: str) -> bool:
    if _MAYBE.search(text) is None:
        return False  # the common case, cheap
    return any(_plausible_date(m.group(1), m.group(2)) for m in _CPR.finditer(text))


def mask_cpr(text: str) -> str:
    """The text with every CPR-like number replaced by a marker. The one masking rule: every text
    that enters klagestat from outside (cells, headers, file names, form fields, filters, log
    lines, messages) passes it before it is stored, logged or shown."""
    if _MAYBE.search(text) is None:
        return text  # the common case, kept cheap for a million rows
    return _CPR.sub(lambda m: MASK if _plausible_date(m.group(1), m.group(2)) else m.group(0), text)


def pseudonym(key: bytes, cpr_digits: str) -> str:
    """The keyed pseudonym of a normalised CPR number (ten digits)."""
    return hmac.new(key, cpr_digits.encode("ascii"), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


def key_fingerprint(key: bytes) -> str:
    """Identifies a key without revealing it, so a database can tell which key made its pseudonyms."""
    return hmac.new(key, b"klagestat key fingerprint", hashlib.sha256).hexdigest()[:16]
