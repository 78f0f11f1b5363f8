"""Decoding text files from the tools users have: UTF-8, UTF-8 with BOM, or Windows CP-1252."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was read in."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8 med BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        # Excel and older Windows tools write CP-1252 ("ANSI"): æ, ø, å as single bytes.
        return data.decode("cp1252"), "CP-1252"
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise
        return str(best), best.encoding
