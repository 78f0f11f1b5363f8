"""A municipality's case-register file (CSV or XLSX) as a header and a stream of rows of text.

This is the low-level reader: it knows file formats, encodings, delimiters and sheets, not what the
columns mean (`register.py` validates sags_id, dates … on top of it). Nothing is read whole into memory:

    with open_case_file(path) as sheet:
        sheet.header                    # ["sags_id", "lovgrundlag", …]
        for line, cells in sheet.rows:  # (3, ["K-17", "SEL § 100", …]); lazily, from the open file
            ...

Rules the caller can rely on:

- Cells are text, stripped of surrounding spaces; an empty cell is "". Rows with no text at all
  (blank lines, ";;;;" lines, empty Excel rows) are skipped; the line/row number is the file's own,
  so gaps show where they were. A CSV record with quoted line breaks has the number of the line
  where it starts, and its line breaks are "\n" as in Excel cells.
- CSV rows are yielded as the file has them: a row may have fewer or more cells than the header,
  and checking that is the caller's job. Surplus cells that are all empty (Excel writes trailing
  ";" for columns it once used) are dropped, as are empty header cells at the end of the header.
- XLSX rows are padded with "" to the header's width; non-empty cells right of the header are kept
  (the row is then longer than the header). Numbers, dates and booleans become text (see
  `cell_text`); a formula comes out as its text ("=SUM(A1:A3)") and is never evaluated.
- Bad input raises `InputError` with Danish problems naming the file, line/row and column — when
  the file is opened (format, encoding, header, merged cells) or, for a CSV file, while the rows
  are read (a byte that is invalid in the encoding found at the start, an unclosed quote). No
  message from here shows a cell's content (it could be a CPR number), only positions and header
  texts.
- `rows` reads from the open file: iterate it inside the `with` block.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from klagestat.domain.problems import ProblemList
from klagestat.domain.text import shortened

from .input_file import check_file, content_kind, detect_encoding, max_import_bytes, too_big, what_it_is

CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
SAMPLE_BYTES = 64 * 1024  # the encoding is decided from this much of the start
DELIMITERS = (";", ",", "\t", "|")  # in order of preference when they split the header equally
SAVE_AGAIN = "Åbn den i Excel, og gem den som .xlsx eller .csv."


@dataclass
class SheetRows:
    file: str  # the path as the user gave it (for messages)
    file_format: str  # "CSV" or "XLSX"
    encoding: str | None  # CSV: "UTF-8", "UTF-8 med BOM", "CP-1252", "UTF-16"; XLSX: None
    delimiter: str | None  # CSV: ";", ",", "\t" or "|"; XLSX: None
    sheet: str | None  # XLSX: the sheet's name
    header: list[str]  # stripped header texts as written in the file
    header_line: int  # 1-based line (CSV) / row (XLSX) of the header
    rows: Iterator[tuple[int, list[str]]]  # (1-based line/row number, cell texts), lazily
    notes: list[str] = field(default_factory=list)  # Danish warnings for the user
    position: str = "linje"  # "linje" for CSV, "række" for XLSX (Problem.position)


def column_name(index: int) -> str:
    """Excel's name for a 0-based column index: 0 → "A", 25 → "Z", 27 → "AB"."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


@contextmanager
def open_case_file(
    path: Path, *, sheet: str | None = None, header_row: int | None = None, max_bytes: int | None = None,
    shown_as: str | None = None,
) -> Iterator[SheetRows]:
    """Open a CSV or XLSX case register; the file stays open until the `with` block ends.

    `sheet` picks an XLSX sheet by name (default: the first visible one); `header_row` is the
    1-based line/row of the header (default: the first one with text); `max_bytes` defaults to
    `max_import_bytes()`. `shown_as`: the file's name in messages, where the path is not the
    user's (an upload kept in the server's temporary folder).
    """
    path = Path(path)
    name = shown_as or str(path)
    problems = ProblemList(name, importing=True)
    if header_row is not None and header_row < 1:
        problems.add(f"Overskriftens linje/række skal være 1 eller mere, ikke {header_row}.", code="header-row-invalid")
        problems.raise_if_any()
    limit = max_import_bytes() if max_bytes is None else max_bytes
    size = check_file(path, limit, problems)
    with ExitStack() as stack:
        try:
            raw = stack.enter_context(open(path, "rb"))
        except PermissionError:
            problems.add("Filen kan ikke læses (ingen adgang).", code="file-no-access")
            problems.raise_if_any()
        file_format, notes = _detect_format(path, raw.read(4096), problems)
        raw.seek(0)
        if file_format == "XLSX":
            result = _open_xlsx(name, raw, stack, sheet, header_row, limit, notes)
        else:
            if sheet is not None:
                notes.append(f"Filen er CSV og har ingen ark, så --sheet {sheet!r} er ikke brugt.")
            result = _open_csv(name, raw, stack, header_row, size, notes)
        yield result


# ---- the file as a whole --------------------------------------------------------------------------


def _detect_format(path: Path, head: bytes, problems: ProblemList) -> tuple[str, list[str]]:
    """"CSV" or "XLSX", from the content where it tells (input_file), else from the name; notes
    about a mismatch. A file that is no table is named for what it looks like."""
    suffix = path.suffix.lower()
    kind = content_kind(head)
    known = "klagestat læser klageregistre som CSV (.csv, .txt) eller Excel (.xlsx, .xlsm)"
    if kind == "xlsx":
        if suffix in XLSX_SUFFIXES:
            return "XLSX", []
        return "XLSX", [f"Filen hedder {suffix or 'ikke .xlsx'}, men er en Excel-projektmappe; den er læst som Excel (XLSX)."]
    if kind == "xls":
        problems.add(
            "Filen er i Excels gamle format (.xls) eller beskyttet med adgangskode, og det kan klagestat "
            "ikke læse. Åbn den i Excel, fjern en eventuel adgangskode, og gem filen som .xlsx eller .csv.",
            code="file-old-excel",
        )
    elif suffix in XLSX_SUFFIXES:
        looks = f"den er {what_it_is(head)}" if kind == "other" else "den kan være beskadiget"
        problems.add(f"Filen hedder {suffix}, men er ikke en Excel-projektmappe ({looks}). {SAVE_AGAIN}", code="file-wrong-kind")
    elif kind == "other" and (suffix not in CSV_SUFFIXES or what_it_is(head.replace(b"\x00", b"")) is not None):
        # A PDF, an image or a program whatever its name; bare binary bytes in a .csv are left to
        # the CSV reader, which names the line with the NUL character.
        unknown = "" if suffix in CSV_SUFFIXES else f" Filtypen {suffix or '(ingen)'!r} kendes ikke."
        problems.add(f"Filen er {what_it_is(head)}.{unknown} {known}.", code="file-wrong-kind")
    elif suffix in CSV_SUFFIXES:
        return "CSV", []
    else:
        problems.add(f"Filtypen {suffix or '(ingen)'!r} kendes ikke. {known}.", code="file-type-unknown")
    problems.raise_if_any()
    raise AssertionError("unreachable")


# ---- CSV ------------------------------------------------------------------------------------------

# Bytes that are invalid in the file's encoding become lone surrogates (as with "surrogateescape"),
# which a correct decoding never produces. The handler also counts: while the count is unchanged,
# no row needs to be searched for them. (The count is shared by all readers; a change caused by
# another reader only makes this one search its rows in vain.)
_DECODE_ERRORS = [0]
_BAD_CHAR = re.compile("[\ud800-\udfff]")


def _mark_bad_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    _DECODE_ERRORS[0] += 1
    bad = error.object[error.start:error.end]
    return "".join(chr(0xDC00 + b) for b in bad), error.end


codecs.register_error("klagestat-mark-bad-bytes", _mark_bad_bytes)


def sniff_delimiter(line: str) -> str:
    """The delimiter among ; , TAB | that splits the header line into the most fields (ties: ";")."""
    best, most = DELIMITERS[0], 0
    for delimiter in DELIMITERS:
        try:
            fields = len(next(csv.reader([line], delimiter=delimiter)))
        except csv.Error:  # a field beyond the csv module's size limit: reading the header says so
            fields = line.count(delimiter) + 1
        if fields > most:
            best, most = delimiter, fields
    return best


def _open_csv(name: str, raw: BinaryIO, stack: ExitStack, header_row: int | None, size: int,
              notes: list[str]) -> SheetRows:
    problems = ProblemList(name, importing=True)
    sample = raw.read(SAMPLE_BYTES)
    raw.seek(0)
    codec, encoding = detect_encoding(sample, complete=len(sample) >= size)
    if b"\x00" in sample and codec != "utf-16":
        problems.add(
            "Filen indeholder NUL-tegn, så den er ikke en almindelig tekstfil (den kan være gemt som UTF-16 "
            "uden BOM eller i et programs eget format). Gem den som 'CSV UTF-8' eller som .xlsx.",
            code="file-not-text",
        )
        problems.raise_if_any()
    if codec not in ("utf-8", "utf-8-sig", "cp1252", "utf-16"):
        notes.append(f"Filens tegnsæt er gættet som {encoding}. Tjek at æ, ø og å ser rigtige ud.")
    errors_seen = _DECODE_ERRORS[0]
    text = io.TextIOWrapper(raw, encoding=codec, errors="klagestat-mark-bad-bytes", newline="")
    stack.callback(text.detach)  # the raw file is closed by its own context

    header_line = 0
    for header_line, physical in enumerate(text, 1):
        if header_row is not None:
            if header_line == header_row:
                if _is_blank(physical):
                    problems.add("Linjen er tom, så den kan ikke være overskriften.", line=header_row, code="header-empty")
                break
        elif not _is_blank(physical):
            break
    else:
        if header_row is not None:
            problems.add(f"Filen har kun {header_line} linjer, så linje {header_row} kan ikke være overskriften.", code="header-row-missing")
        else:
            problems.add("Filen har kun tomme linjer; der er ingen overskrift.", code="header-missing")
    problems.raise_if_any()

    delimiter = sniff_delimiter(physical.rstrip("\r\n"))
    # strict: an unclosed quote is an error rather than the rest of the file as one cell
    reader = csv.reader(itertools.chain([physical], text), delimiter=delimiter, strict=True)
    offset = header_line - 1  # reader.line_num counts from the header line
    try:
        header = [cell.strip() for cell in next(reader)]
    except csv.Error as e:
        _raise_csv_error(problems, e, header_line, reader.line_num + offset)
    while header and not header[-1]:
        header.pop()
    if not header:
        problems.add("Linjen er tom, så den kan ikke være overskriften.", line=header_line, code="header-empty")
        problems.raise_if_any()
    if _DECODE_ERRORS[0] != errors_seen:
        _check_decoded(problems, header, header_line, encoding, ["" for _ in header])
    _check_header(problems, header, header_line, lambda i: f"nr. {i + 1}")
    problems.raise_if_any()

    def rows() -> Iterator[tuple[int, list[str]]]:
        width = len(header)
        strip = str.strip
        read = reader.line_num
        try:
            for fields in reader:
                line, read = read + 1 + offset, reader.line_num
                cells = list(map(strip, fields))
                if read + offset > line:  # quoted line breaks: "\n" as in Excel cells
                    cells = [cell.replace("\r\n", "\n") for cell in cells]
                if not any(cells):
                    continue
                if len(cells) > width and not any(cells[width:]):
                    del cells[width:]
                if _DECODE_ERRORS[0] != errors_seen:
                    _check_decoded(problems, cells, line, encoding, header)
                yield line, cells
        except csv.Error as e:
            _raise_csv_error(problems, e, read + 1 + offset, reader.line_num + offset)

    return SheetRows(name, "CSV", encoding, delimiter, None, header, header_line, rows(), notes, "linje")


_NOT_TEXT = str.maketrans("", "", "".join(DELIMITERS) + '"')


def _is_blank(line: str) -> bool:
    """A line with no text: empty, spaces, or only delimiters (";;;;" as Excel writes an empty row)."""
    return not line.translate(_NOT_TEXT).strip()


def _check_decoded(problems: ProblemList, cells: list[str], line: int, encoding: str, header: list[str]) -> None:
    for i, cell in enumerate(cells):
        if _BAD_CHAR.search(cell):
            problems.add(
                f"Der er tegn, som ikke kan læses som {encoding}, filens tegnsæt ud fra dens begyndelse. "
                f"Filen kan være sat sammen af dele med forskellige tegnsæt. Gem hele filen som 'CSV UTF-8' "
                f"(eller som .xlsx), og prøv igen.",
                line=line, column=(header[i] if i < len(header) and header[i] else f"nr. {i + 1}"),
                code="file-encoding",
            )
            problems.raise_if_any()


def _raise_csv_error(problems: ProblemList, error: csv.Error, line: int, reached: int) -> None:
    """A CSV syntax error in the record that starts on `line`; the reader had got to line `reached`."""
    where = f" (fejlen viser sig i linje {reached})" if reached > line else ""
    if "field larger than field limit" in str(error):
        problems.add(
            f"En celle i rækken, der begynder her, er længere end {csv.field_size_limit() // 1024} KiB{where}. "
            f"Det skyldes som regel et anførselstegn (\"), der ikke er lukket. Ret anførselstegnet, og prøv igen.",
            line=line,
            code="csv-cell-too-long",
        )
    elif "unexpected end of data" in str(error):
        problems.add(
            "Et anførselstegn (\") i rækken, der begynder her, lukkes aldrig, så resten af filen ville blive "
            "læst som én celle. Ret anførselstegnet, og prøv igen.",
            line=line,
            code="csv-quote-unclosed",
        )
    elif "expected after" in str(error):
        problems.add(
            f"En celle har tekst efter sit afsluttende anførselstegn (\"){where}. Sæt hele cellen i "
            f"anførselstegn, og skriv anførselstegn inde i teksten dobbelt (\"\").",
            line=line,
            code="csv-text-after-quote",
        )
    else:
        problems.add(f"Rækken, der begynder her, kan ikke læses som CSV ({error}){where}.", line=line, code="csv-invalid")
    problems.raise_if_any()


def _check_header(problems: ProblemList, header: list[str], line: int, column, merged: set[int] = frozenset()) -> None:
    """Every column has a name, and no name is used twice (upper/lower case alike)."""
    seen: dict[str, list[int]] = {}
    for i, text in enumerate(header):
        if not text and i in merged:
            continue  # said by the problem about the merged cells
        if not text:
            problems.add(
                "Kolonnen har ingen overskrift, men der er kolonner med overskrift til højre for den. "
                "Giv den et navn, eller slet kolonnen.",
                line=line, column=column(i),
                code="column-unnamed",
            )
        else:
            seen.setdefault(text.casefold(), []).append(i)
    for indexes in seen.values():
        if len(indexes) > 1:
            places = " og ".join(column(i) for i in indexes)
            problems.add(
                f"Kolonnenavnet {shortened(header[indexes[0]])!r} står i flere kolonner ({places}); hvert navn "
                f"må kun stå én gang.",
                line=line,
                code="column-duplicate",
            )


# ---- XLSX -----------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """An Excel cell's value as text: "" for empty, "12" for 12 or 12.0, "3.5", "2024-03-01" for a
    date (with " 14:30:00" when there is a time), "ja"/"nej", a formula's text ("=SUM(A1:A3)")."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return value.strip()
    if kind is int:
        return str(value)
    if kind is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if kind is dt.datetime:
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if kind is dt.date or kind is dt.time:
        return value.isoformat()
    if kind is bool:
        return "ja" if value else "nej"
    formula = getattr(value, "text", None)  # ArrayFormula
    if isinstance(formula, str):
        return formula.strip()
    if type(value).__name__ == "DataTableFormula":
        return f"=TABLE({getattr(value, 'r1', '') or ''},{getattr(value, 'r2', '') or ''})"
    return str(value).strip()  # timedelta (durations), anything newer


def _open_xlsx(name: str, raw: BinaryIO, stack: ExitStack, sheet: str | None, header_row: int | None,
               limit: int, notes: list[str]) -> SheetRows:
    from openpyxl import load_workbook  # only the Excel path pays for importing it

    problems = ProblemList(name, position="række", importing=True)
    check_workbook_archive(raw, limit, problems)
    raw.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes about styles and extensions it drops
            workbook = load_workbook(raw, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        if _forbidden_xml(error):
            _bad_sheet_xml(problems, error, 0)
        problems.add(f"Filen kan ikke læses som Excel-projektmappe; den kan være beskadiget. {SAVE_AGAIN}", code="file-damaged")
        problems.raise_if_any()
    stack.callback(workbook.close)

    worksheets = workbook.worksheets
    if not worksheets:
        problems.add(f"Filen har ingen regneark. {SAVE_AGAIN}", code="workbook-no-sheets")
        problems.raise_if_any()
    ws = _choose_sheet(worksheets, sheet, problems)
    others = [other for other in worksheets if other is not ws and _has_content(other)]
    if others:
        listed = ", ".join(repr(o.title) + (" (skjult)" if o.sheet_state != "visible" else "") for o in others)
        notes.append(
            f"{'Arket' if len(others) == 1 else 'Arkene'} {listed} har også indhold, men er ikke læst; kun "
            f"arket {ws.title!r} er læst. Brug --sheet NAVN for at læse et andet ark."
        )

    try:
        merged = _merged_ranges(raw, ws._worksheet_path.lstrip("/"))  # read-only sheets don't expose them
    except ET.ParseError as error:
        _bad_sheet_xml(problems, error, 0)
    ws.reset_dimensions()  # the <dimension> a program wrote can be wrong; read every row there is
    values = sheet_rows(ws, problems)  # one tuple per row from row 1, gaps included

    header: list[str] | None = None
    header_line = rows_seen = 0
    for number, row in enumerate(values, 1):
        if header_row is None or number == header_row:
            cells = [cell_text(v) for v in row]
            if header_row is not None or any(cells):
                header, header_line = cells, number
                break
        rows_seen = number
    if header is None and header_row is not None:
        problems.add(f"Arket {ws.title!r} har kun {rows_seen} rækker, så række {header_row} kan ikke være overskriften.", code="header-row-missing")
    elif header is None:
        problems.add(f"Arket {ws.title!r} er tomt; der er ingen overskrift.", code="header-missing")
    elif not any(header):
        problems.add("Rækken er tom, så den kan ikke være overskriften.", line=header_line, code="header-empty")
    problems.raise_if_any()
    while not header[-1]:
        header.pop()
    covered = _check_merged(problems, merged, header_line)
    _check_header(problems, header, header_line, column_name, covered)
    problems.raise_if_any()

    def rows() -> Iterator[tuple[int, list[str]]]:
        width = len(header)
        for number, row in enumerate(values, header_line + 1):
            cells = [cell_text(v) for v in row]
            if not any(cells):
                continue
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            elif len(cells) > width:
                while len(cells) > width and not cells[-1]:
                    cells.pop()
            yield number, cells

    return SheetRows(name, "XLSX", None, None, ws.title, header, header_line, rows(), notes, "række")


def sheet_rows(ws, problems: ProblemList) -> Iterator[tuple]:
    number = 0
    try:
        for number, row in enumerate(ws.iter_rows(values_only=True), 1):
            yield row
    except Exception as error:
        if not (isinstance(error, ET.ParseError) or _forbidden_xml(error)):
            raise
        _bad_sheet_xml(problems, error, number)


def _forbidden_xml(error: BaseException | None) -> bool:
    """defusedxml's refusal of a DTD or entities, or an error that openpyxl raised because of one
    (it parses with defusedxml when that is installed, as pysaml2 installs it)."""
    for _ in range(10):  # a chain of causes is short (and could, in theory, loop)
        if error is None:
            return False
        if any(kind.__name__ == "DefusedXmlException" for kind in type(error).__mro__):
            return True
        error = error.__cause__ or error.__context__
    return False


def _bad_sheet_xml(problems: ProblemList, error: Exception, rows_read: int) -> None:
    """The sheet's XML breaks off: damaged, or written by something other than a spreadsheet
    program, e.g. with a DTD and entities (which are never fetched or expanded: expat stops at its
    limits, defusedxml before it starts, so nothing is read from outside the file)."""
    where = f"efter række {rows_read}" if rows_read else "fra starten"
    why = "det har en DTD eller entiteter, som regneark aldrig skriver" if _forbidden_xml(error) else str(error)
    problems.add(f"Arkets XML kan ikke læses {where} ({why}). Filen kan være beskadiget eller lavet af et "
                 f"andet program end et regneark. {SAVE_AGAIN}", code="sheet-xml-invalid")
    problems.raise_if_any()


def check_workbook_archive(raw: BinaryIO, limit: int, problems: ProblemList) -> None:
    """A workbook zip that unpacks to no more than the limit."""
    try:
        with zipfile.ZipFile(raw) as archive:
            members = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        problems.add(f"Filen er en beskadiget zip-fil og kan ikke læses som Excel-projektmappe. {SAVE_AGAIN}", code="file-damaged")
        problems.raise_if_any()
    if "xl/workbook.xml" not in members and not any(n.endswith("workbook.xml") for n in members):
        problems.add("Filen er en zip-fil, men ikke en Excel-projektmappe (.xlsx).", code="file-wrong-kind")
    # The limit holds for the unpacked workbook too: a small zip that unpacks to gigabytes (a zip
    # bomb) is refused before anything is unpacked. The sizes are the zip's own, and zipfile never
    # unpacks more than they say.
    unpacked = sum(info.file_size for info in members.values())
    if unpacked > limit:
        problems.add(too_big("Projektmappen fylder udpakket", unpacked, limit), code="file-too-big")
    problems.raise_if_any()


def _choose_sheet(worksheets: list, wanted: str | None, problems: ProblemList):
    if wanted is None:
        visible = [ws for ws in worksheets if ws.sheet_state == "visible"]
        return (visible or worksheets)[0]
    for match in (lambda t: t == wanted, lambda t: t.strip().casefold() == wanted.strip().casefold()):
        found = [ws for ws in worksheets if match(ws.title)]
        if len(found) == 1:
            return found[0]
    problems.add(
        f"Arket {wanted!r} findes ikke i filen. Arkene hedder: {', '.join(repr(ws.title) for ws in worksheets)}.",
        code="sheet-missing",
    )
    problems.raise_if_any()


def _has_content(ws, rows_to_look_at: int = 1000) -> bool:
    """Cheaply: a sheet whose <dimension> goes beyond A1 has content; else look for a value."""
    if ws.max_row is not None and ws.max_column is not None and (ws.max_row, ws.max_column) != (1, 1):
        return True
    try:
        for i, row in enumerate(ws.iter_rows(values_only=True)):
            if any(v is not None and v != "" for v in row) or i >= rows_to_look_at:
                return True
    except ET.ParseError:
        return True  # something is there; the sheet isn't read, so it doesn't matter what
    return False


def _merged_ranges(raw: BinaryIO, member: str) -> list[str]:
    """The sheet's merged ranges ("A1:B1"), from its XML: a byte scan first, parsed only if it says so."""
    with zipfile.ZipFile(raw) as archive:
        if member not in archive.namelist():
            return []
        with archive.open(member) as source:
            if not _contains(source, b"mergeCell"):
                return []
        ranges: list[str] = []
        with archive.open(member) as source:
            parent = None
            for event, element in ET.iterparse(source, events=("start", "end")):
                tag = element.tag.rpartition("}")[2]
                if event == "start":
                    if tag == "sheetData":
                        parent = element
                    continue
                if tag == "mergeCell" and element.get("ref"):
                    ranges.append(element.get("ref"))
                elif tag == "row" and parent is not None:
                    parent.clear()  # streaming: drop the rows read so far
                elif tag == "mergeCells":
                    break
        return ranges


def _contains(source: BinaryIO, needle: bytes, chunk: int = 1 << 20) -> bool:
    tail = b""
    while block := source.read(chunk):
        if needle in tail + block[: len(needle)] or needle in block:
            return True
        tail = block[-len(needle):]
    return False


def _check_merged(problems: ProblemList, ranges: list[str], header_line: int) -> set[int]:
    """Merged cells in the header or the data would lose values; those above the header are titles.

    Returns the 0-based columns whose header cell is covered by a merge (not its first cell): their
    missing names are said by the merge problem.
    """
    from openpyxl.utils import range_boundaries

    in_header: list[tuple[int, str]] = []
    in_data: list[tuple[int, int, str]] = []
    covered: set[int] = set()
    for ref in ranges:
        try:
            left, top, right, bottom = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        if top <= header_line <= bottom:
            in_header.append((left, ref))
            covered.update(range(left, right))  # 1-based columns after the first = 0-based left..right-1
        elif top > header_line:
            in_data.append((top, left, ref))
    if in_header:
        problems.add(
            f"Overskriftsrækken har flettede celler {', '.join(ref for _, ref in sorted(in_header))}; fjern "
            f"fletningen i Excel, så hver kolonne har sin egen overskrift.",
            line=header_line,
            code="merged-cells",
        )
    for top, _left, ref in sorted(in_data):
        problems.add(
            f"Cellerne {ref} er flettet. En flettet celle har kun sin værdi i den første celle, så de andre "
            f"ville miste den. Fjern fletningen i Excel, og udfyld cellerne.",
            line=top,
            code="merged-cells",
        )
    return covered
