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

# Six digits of a plausible date, an optional hyphen or space, four digits; not inside a longer
# run of digits. Modulus 11 is not checked: numbers issued since 2007 need not satisfy it.
_CPR_IN_TEXT = re.compile(r"(?<![0-9])([0-3][0-9])([01][0-9])([0-9]{2})[-\u2010\u2013 \u00a0]?([0-9]{4})(?![0-9])")
_CPR_WHOLE = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})-?([0-9]{4})")

MASK = "[CPR-nr. fjernet]"
PSEUDONYM_LENGTH = 32  # hex characters: 128 bits, no collisions among any real population


def _plausible_date(day: str, month: str) -> bool:
    d, m = int(day), int(month)
    # Day and month of some year (29 February included); the century comes from the serial.
    return 1 <= m <= 12 and 1 <= d <= (29 if m == 2 else 30 if m in (4, 6, 9, 11) else 31)


def normalise_cpr(text: str) -> str | None:
    """The ten digits of a CPR number written DDMMYY-NNNN or DDMMYYNNNN, else None."""
    m = _CPR_WHOLE.fullmatch(text.strip())
    if m is None or not _plausible_date(m.group(1), m.group(2)):
        return None
    return "".join(m.groups())


def cpr_problem(text: str) -> str:
    """Why a value is not a CPR number, in Danish, without repeating the value."""
    stripped = text.strip()
    digits = re.sub(r"\D", "", stripped)
    if len(digits) != 10 or not _CPR_WHOLE.fullmatch(stripped):
        return (f"Ugyldigt CPR-nummer: {len(stripped)} tegn med {len(digits)} cifre; forventet "
                "DDMMÅÅ-NNNN eller 10 cifre. Værdien vises ikke.")
    return "Ugyldigt CPR-nummer: de første seks cifre er ikke en dato (DDMMÅÅ). Værdien vises ikke."


def contains_cpr(text: str) -> bool:
    if _CPR_IN_TEXT.search(text) is None:
        return False  # the common case, cheap
    return any(_plausible_date(m.group(1), m.group(2)) for m in _CPR_IN_TEXT.finditer(text))


def mask_cpr(text: str) -> str:
    """The text with every CPR-like number replaced by a marker."""
    if _CPR_IN_TEXT.search(text) is None:
        return text  # the common case, kept cheap for a million rows
    return _CPR_IN_TEXT.sub(lambda m: MASK if _plausible_date(m.group(1), m.group(2)) else m.group(0), text)


def pseudonym(key: bytes, cpr_digits: str) -> str:
    """The keyed pseudonym of a normalised CPR number (ten digits)."""
    return hmac.new(key, cpr_digits.encode("ascii"), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


def key_fingerprint(key: bytes) -> str:
    """Identifies a key without revealing it, so a database can tell which key made its pseudonyms."""
    return hmac.new(key, b"klagestat key fingerprint", hashlib.sha256).hexdigest()[:16]
