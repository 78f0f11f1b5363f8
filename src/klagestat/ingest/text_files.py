"""Decoding text files from the tools users have: UTF-8, UTF-8 with BOM, or Windows CP-1252."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from klagestat.domain.problems import ProblemList

from .input_file import detect_encoding


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was read in, by the one rule for every reader
    (`input_file.detect_encoding`: BOM, UTF-8, else Windows' CP-1252 as Excel writes it, else the
    best guess); UnicodeDecodeError when even that fails."""
    codec, name = detect_encoding(data, complete=True)
    return data.decode(codec), name


# tomllib's messages, the common ones in Danish (a match on how each begins); others as they are.
TOML_ERRORS_DA = (
    ("Illegal character '\\n'", "en tekst mangler sit afsluttende anførselstegn"),
    ("Illegal character", "et tegn, der ikke må stå her"),
    ("Unclosed array", "en liste mangler sin afsluttende ]"),
    ("Unclosed inline table", "en tabel i { } mangler sin afsluttende }"),
    ("Expected '=' after a key", "der mangler = efter et navn"),
    ("Invalid value", "værdien kan ikke læses (tekst skal stå i anførselstegn, datoer som 2025-09-10)"),
    ("Cannot declare", "et afsnit står to gange (brug [[…]] for punkter, der gentages)"),
    ("Cannot overwrite a value", "et felt står to gange"),
    ("Expected newline or end of document after a statement", "der står mere på linjen efter værdien"),
    ("Expected ']' at the end of a table declaration", "et afsnits navn mangler sin afsluttende ]"),
)


def _toml_error_da(message: str) -> str:
    return next((danish for english, danish in TOML_ERRORS_DA if message.startswith(english)), message)


def read_toml(path: Path, what: str, shown_as: str | None = None) -> dict:
    """A user's TOML file (what: "Områdefilen" …), or every problem with it in Danish; `shown_as`:
    the file's name in messages where `path` is not the user's (an upload's temporary copy)."""
    problems = ProblemList(shown_as or str(path))
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        problems.add(f"{what} findes ikke.", code="file-missing")
    except IsADirectoryError:
        problems.add(f"{what} er en mappe, ikke en fil.", code="file-is-folder")
    except PermissionError:
        problems.add(f"{what} kan ikke læses (ingen adgang).", code="file-no-access")
    except UnicodeDecodeError:
        problems.add(f"{what} er ikke gemt som UTF-8.", code="file-encoding")
    except tomllib.TOMLDecodeError as e:
        # tomllib says what and where in English: "Unclosed array (at line 3, column 7)".
        where = re.search(r"at line (\d+), column (\d+)", str(e))
        problems.add(
            f"{what} er ikke gyldig TOML: {_toml_error_da(str(e).split(' (at ')[0])}.",
            line=int(where.group(1)) if where else None,
            column=where.group(2) if where else None,
            code="toml-invalid",
        )
    problems.raise_if_any()
    raise AssertionError("unreachable")
