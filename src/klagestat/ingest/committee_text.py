"""The text of a committee case (`klagestat check`): `.txt`, `.md`, `.docx` (paragraphs and table
rows in document order, python-docx) or `.pdf` (pdfminer.six: the lines of each page, the pieces
of text on one baseline kept apart as a table row's cells).

A `TextLine` is one line as the user finds it: a line of a text file, a paragraph or table row of a
Word file (numbered in document order), a line of a PDF page. Its `cells` are set when it is a
table row: a Word table's cells, the tab- or wide-space-separated parts of a text line, a Markdown
table row, or the pieces of a PDF line. What the checker makes of the lines is in
analysis/fact_check.py; here nothing is interpreted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from klagestat.domain.cpr import mask_cpr
from klagestat.domain.problems import ProblemList

from .input_file import check_file, content_kind, what_it_is
from .text_files import decode

FORMATS = (".txt", ".md", ".docx", ".pdf")
MAX_TEXT_BYTES = 50 * 1024 * 1024  # a committee case with its figures: a few MB at most
MAX_TEXT_CHARACTERS = 2_000_000  # its text: some 1,000 pages; more is not one committee case (and takes minutes)
_WIDE_SPACE = re.compile(r"\t+| {3,}")
_MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
PDF_SAME_LINE_POINTS = 3.0  # pieces whose baselines are this close stand on one line


@dataclass(frozen=True, slots=True)
class TextLine:
    line: int  # 1-based: the line of a text file or PDF page, the paragraph or table row of a Word file
    text: str  # the line as written (a table row: its cells joined by tabs)
    cells: tuple[str, ...] | None = None  # a table row's cells
    page: int | None = None  # a PDF's page, 1-based


@dataclass(frozen=True, slots=True)
class CommitteeText:
    file: str
    lines: tuple[TextLine, ...]
    whole_paragraphs: bool = False  # each line is a whole paragraph (Word); else a paragraph may run over lines


def read_committee_text(path: Path, shown_as: str | None = None) -> CommitteeText:
    """The lines of the file, or InputError in Danish (missing, empty, not one of FORMATS, unreadable)."""
    name = shown_as or str(path)
    problems = ProblemList(name)
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        problems.add(f"klagestat check læser {', '.join(FORMATS)}, ikke {suffix or 'en fil uden endelse'}. Gem "
                     "sagsfremstillingen som Word (.docx), PDF eller tekst.", code="file-format-unknown")
        problems.raise_if_any()
    check_file(path, MAX_TEXT_BYTES, problems)
    head = path.read_bytes()[:4096]
    if suffix == ".docx":
        lines = _docx_lines(path, head, problems)
    elif suffix == ".pdf":
        lines = _pdf_lines(path, head, problems)
    else:
        lines = _text_lines(path.read_bytes(), head, problems)
    characters = sum(len(line.text) for line in lines)
    if characters > MAX_TEXT_CHARACTERS:
        def dotted(n: int) -> str:
            return f"{n:,}".replace(",", ".")

        problems.add(f"Teksten har {dotted(characters)} tegn, mere end de {dotted(MAX_TEXT_CHARACTERS)} (ca. 1.000 "
                     "sider), klagestat tjekker i én sagsfremstilling. Er det den rigtige fil?", code="text-too-long")
        problems.raise_if_any()
    # Like every text from outside, masked before anything shows it: a CPR number never leaves here.
    return CommitteeText(name, tuple(_masked(line) for line in lines), whole_paragraphs=suffix == ".docx")


def _masked(line: TextLine) -> TextLine:
    cells = tuple(mask_cpr(c) for c in line.cells) if line.cells is not None else None
    return TextLine(line.line, mask_cpr(line.text), cells, line.page)


def _kind_of(head: bytes) -> str:
    """What a file is, in Danish, for the message when its ending says something else."""
    kind = content_kind(head)
    if kind == "xlsx":
        return "et Word-dokument eller regneark (en zip-fil)"
    if kind in ("text", "json", "utf16"):
        return "tekst"
    named = what_it_is(head)
    return named if named and not named.startswith("binære data") else "ukendte binære data"


# ---- text and Markdown --------------------------------------------------------------------------

def _text_lines(data: bytes, head: bytes, problems: ProblemList) -> list[TextLine]:
    if content_kind(head) == "utf16":  # Windows' "Unicode text": text all the same
        return [_text_line(number, raw) for number, raw in enumerate(data.decode("utf-16").splitlines(), start=1)]
    if content_kind(head) not in ("text", "json"):
        problems.add(f"Filen er {_kind_of(head)}, selv om den hedder .txt eller .md.",
                     code="file-wrong-kind")
        problems.raise_if_any()
    try:
        text, _ = decode(data)
    except UnicodeDecodeError:
        problems.add("Filen kan ikke læses som tekst (hverken UTF-8 eller Windows-tegnsæt).", code="file-encoding")
        problems.raise_if_any()
        raise AssertionError("unreachable") from None
    return [_text_line(number, raw) for number, raw in enumerate(text.splitlines(), start=1)]


def _text_line(number: int, raw: str) -> TextLine:
    stripped = raw.strip()
    if stripped.startswith("|") and stripped.count("|") >= 3 and not _MARKDOWN_RULE.match(stripped):
        cells = tuple(c.strip().strip("*").strip() for c in stripped.strip("|").split("|"))
        return TextLine(number, "\t".join(cells), cells)
    if "\t" in raw.strip(" "):  # tabs: every cell counts, an empty corner cell too
        cells = tuple(c.strip() for c in raw.strip(" \r\n").split("\t"))
        if sum(1 for c in cells if c) >= 2:
            return TextLine(number, "\t".join(cells), cells)
    parts = [p.strip() for p in _WIDE_SPACE.split(stripped) if p.strip()]
    if len(parts) >= 2:
        return TextLine(number, "\t".join(parts), tuple(parts))
    return TextLine(number, "" if _MARKDOWN_RULE.match(stripped) else stripped)


# ---- Word ----------------------------------------------------------------------------------------

def _docx_lines(path: Path, head: bytes, problems: ProblemList) -> list[TextLine]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if content_kind(head) != "xlsx":  # a docx is a zip, as a workbook is
        problems.add(f"Filen er {_kind_of(head)}, selv om den hedder .docx.",
                     code="file-wrong-kind")
        problems.raise_if_any()
    try:
        document = docx.Document(str(path))
    except Exception:  # python-docx raises many kinds for a damaged or foreign zip
        problems.add("Filen kan ikke åbnes som Word-dokument (.docx). Er den beskadiget, eller er det et andet "
                     "format med endelsen .docx?", code="file-unreadable")
        problems.raise_if_any()
        raise AssertionError("unreachable") from None
    lines: list[TextLine] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(TextLine(len(lines) + 1, " ".join(block.text.split())))
        elif isinstance(block, Table):
            for row in block.rows:
                cells = tuple(dict.fromkeys((id(c._tc), " ".join(c.text.split())) for c in row.cells))  # merged cells once
                texts = tuple(text for _, text in cells)
                lines.append(TextLine(len(lines) + 1, "\t".join(texts), texts))
    return lines


# ---- PDF -----------------------------------------------------------------------------------------

def _pdf_lines(path: Path, head: bytes, problems: ProblemList) -> list[TextLine]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer, LTTextLine

    if not head.lstrip().startswith(b"%PDF"):
        problems.add(f"Filen er {_kind_of(head)}, selv om den hedder .pdf.", code="file-wrong-kind")
        problems.raise_if_any()
    lines: list[TextLine] = []
    try:
        for page_number, page in enumerate(extract_pages(str(path)), start=1):
            pieces: list[tuple[float, float, str]] = []
            for element in page:
                if isinstance(element, LTTextContainer):
                    for line in element:
                        if isinstance(line, LTTextLine) and line.get_text().strip():
                            pieces.append((line.y0, line.x0, " ".join(line.get_text().split())))
            lines += _page_lines(page_number, pieces)
    except Exception:  # pdfminer raises many kinds for a damaged file
        problems.add("Filen kan ikke læses som PDF. Er den beskadiget eller beskyttet med adgangskode?",
                     code="file-unreadable")
        problems.raise_if_any()
    if not any(line.text for line in lines):
        problems.add("PDF-filen har ingen tekst (den er måske scannet som billeder). Brug den Word-fil, den er lavet af.",
                     code="file-no-text")
        problems.raise_if_any()
    return lines


def _page_lines(page: int, pieces: list[tuple[float, float, str]]) -> list[TextLine]:
    """The page's pieces of text as lines from the top; pieces on one baseline are one line, and
    several pieces on it are a table row's cells."""
    rows: list[list[tuple[float, float, str]]] = []
    for piece in sorted(pieces, key=lambda p: (-p[0], p[1])):
        if rows and abs(rows[-1][0][0] - piece[0]) <= PDF_SAME_LINE_POINTS:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    lines = []
    for number, row in enumerate(rows, start=1):
        texts = tuple(text for _, _, text in sorted(row, key=lambda p: p[1]))
        lines.append(TextLine(number, "\t".join(texts), texts if len(texts) > 1 else None, page))
    return lines
