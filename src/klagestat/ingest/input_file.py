"""The one door every imported file goes through: is it a readable file of a sane size, and what
does its content look like? The format is chosen from the content, never from the name, so a
workbook, a PDF or random bytes given to any import get a Danish message saying what the file
looks like and which formats that import reads.
"""

from __future__ import annotations

import codecs
import math
import os
import stat
from pathlib import Path

from charset_normalizer import from_bytes

from klagestat.domain.problems import InputError, ProblemList

DEFAULT_MAX_BYTES = 500 * 1024 * 1024
MAX_BYTES_ENV = "KLAGESTAT_MAX_IMPORT_MB"

ZIP_MAGIC = b"PK\x03\x04"  # XLSX and other Office files are zip archives
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls, and password-protected .xlsx
# Content that is no table, by its first bytes: what to call it in a message.
NOT_TABLES = (
    (b"%PDF", "en PDF"),
    (b"\x89PNG", "et billede (PNG)"),
    (b"\xff\xd8\xff", "et billede (JPEG)"),
    (b"GIF8", "et billede (GIF)"),
    (b"MZ", "et program (EXE)"),
    (b"\x7fELF", "et program"),
    (b"\x1f\x8b", "en komprimeret fil (gzip)"),
    (b"{\\rtf", "et RTF-dokument"),
)


def max_import_bytes() -> int:
    """The size limit: `KLAGESTAT_MAX_IMPORT_MB` (read now, so a test or the user can set it), else 500 MB."""
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        mb = float(raw.replace(",", "."))
    except ValueError:
        mb = math.nan
    if not mb > 0 or math.isinf(mb):
        raise InputError([], f"Miljøvariablen {MAX_BYTES_ENV} skal være et positivt tal (megabyte), ikke {raw!r}.")
    return int(mb * 1024 * 1024)


def check_file(path: Path, limit: int, problems: ProblemList) -> int:
    """The file's size, or the problems that stop it being read (missing, a folder, empty, too big)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        problems.add("Filen findes ikke.", code="file-missing")
    except PermissionError:
        problems.add("Filen kan ikke læses (ingen adgang).", code="file-no-access")
    except OSError as e:
        problems.add(f"Filen kan ikke læses ({e.strerror or e}).", code="file-unreadable")
    else:
        if stat.S_ISDIR(info.st_mode):
            problems.add("Stien er en mappe, ikke en fil.", code="file-is-folder")
        elif not stat.S_ISREG(info.st_mode):
            problems.add("Stien er ikke en almindelig fil.", code="file-not-regular")
        elif info.st_size == 0:
            problems.add("Filen er tom (0 byte).", code="file-empty")
        elif info.st_size > limit:
            problems.add(too_big("Filen fylder", info.st_size, limit), code="file-too-big")
        else:
            return info.st_size
    problems.raise_if_any()
    raise AssertionError("unreachable")


# The mark of synthetic (demo) data: a file's last line. At the end, so that taking it off moves no
# other line and every message still names the line a user sees in the file. ASCII, so it is the
# same bytes in UTF-8 and CP-1252.
SYNTHETIC_MARK = "# SYNTETISKE DEMODATA"
SYNTHETIC_LINE = f"{SYNTHETIC_MARK} fra klagestat demo: tallene er opdigtede og må ikke bruges som rigtige tal."


SYNTHETIC_NOTE = ("Filen er mærket som SYNTETISKE DEMODATA, så alt, der beregnes ud fra den, mærkes også "
                  "(i rapporter, på nettet og i eksporter).")


def is_synthetic_line(line: str) -> bool:
    return line.lstrip("\ufeff").startswith(SYNTHETIC_MARK)


def split_synthetic_mark(data: bytes) -> tuple[bytes, bool]:
    """The file without its synthetic mark, and whether it had one (its last non-blank line)."""
    body = data.rstrip(b"\r\n\t ")
    start = body.rfind(b"\n") + 1
    if body[start:].lstrip(b"\xef\xbb\xbf").startswith(SYNTHETIC_MARK.encode("ascii")):
        return data[:start], True
    return data, False


def read_input(path: Path, problems: ProblemList) -> bytes:
    """A whole input file (statistics, population: at most a few hundred MB), checked as above."""
    check_file(path, max_import_bytes(), problems)
    try:
        return path.read_bytes()
    except OSError as e:
        problems.add(f"Filen kan ikke læses ({e.strerror or e}).", code="file-unreadable")
        problems.raise_if_any()
        raise AssertionError("unreachable") from e


def too_big(what: str, size: int, limit: int) -> str:
    suggestion = (math.floor(size / 1024 / 1024 / 100) + 1) * 100  # the next hundred above the size
    return (
        f"{what} {_size(size)}, mere end grænsen på {_size(limit)}. Er filen rigtig, så hæv grænsen med "
        f"miljøvariablen {MAX_BYTES_ENV} (i MB), fx {MAX_BYTES_ENV}={suggestion}."
    )


def _size(size: float) -> str:
    """ "2,9 MB", "500 MB", "3,9 KB" (only tiny limits in tests are below 100 KB)."""
    number, unit = (size / 1024 / 1024, "MB") if size >= 100 * 1024 else (size / 1024, "KB")
    text = f"{number:.0f}" if number >= 100 else f"{number:.1f}".removesuffix(".0")
    return f"{text.replace('.', ',')} {unit}"


def detect_encoding(sample: bytes, complete: bool) -> tuple[str, str]:
    """(Python codec, Danish name) from the start of a file; `complete` when the sample is the whole file.

    BOM → UTF-8 med BOM (or UTF-16); valid UTF-8 → UTF-8; else CP-1252 as Excel writes it, or
    charset-normalizer's guess when even that fails (as `text_files.decode`).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 med BOM"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"  # Excel's "Unicode-tekst"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)  # a cut character at the end is fine
        return "utf-8", "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252", "CP-1252"
    except UnicodeDecodeError:
        best = from_bytes(sample).best()
        return (best.encoding, best.encoding) if best is not None else ("cp1252", "CP-1252")


def content_kind(head: bytes) -> str:
    """"xlsx" (a zip), "xls" (an old workbook), "utf16", "json", "text", or "other" (a PDF, an
    image, a program, random bytes: see `what_it_is`)."""
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        return "xls"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf16"
    if what_it_is(head) is not None:
        return "other"
    if head.removeprefix(codecs.BOM_UTF8).lstrip()[:1] in (b"{", b"["):
        return "json"
    return "text"


def what_it_is(head: bytes) -> str | None:
    """What a file that is no table looks like, in Danish ("en PDF"), or None when it may be text."""
    stripped = head.lstrip()
    for magic, name in NOT_TABLES:
        if stripped.startswith(magic):
            return name
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "binære data (ikke en tekstfil)"
    return None


def refuse_unreadable(head: bytes, problems: ProblemList, formats: str, download_again: str) -> None:
    """Problems for content no reader of this import takes: `formats` says which it reads
    ("… læser statistik som …"), `download_again` what to do ("hent tallene i et af de formater")."""
    kind = content_kind(head)
    if kind == "xls":
        problems.add(f"Filen er et gammelt Excel-regneark (XLS) eller beskyttet med adgangskode. {formats}; "
                     "gem den som CSV (semikolonsepareret) i Excel.", code="file-old-excel")
    elif kind == "utf16":
        problems.add("Filen er gemt som UTF-16 (Excels \"Unicode-tekst\"). Gem den som CSV UTF-8 "
                     f"(semikolonsepareret), eller {download_again}.", code="file-encoding")
    elif kind == "other":
        problems.add(f"Filen er {what_it_is(head)}. {formats}; {download_again}.", code="file-wrong-kind")
    problems.raise_if_any()
