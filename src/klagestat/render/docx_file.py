"""A report as a Word file: the format that goes into the municipality's agenda system.

Real Word structure, so the agenda system and screen readers understand it: the built-in
Title, Heading 1–3, List Bullet and Caption styles, tables in the "Table Grid" style with a
repeating header row, figures as PNG with their alt text, Danish as the document language, A4.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document as new_word_document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from .document import SOFT_HYPHEN, BulletList, Document, FigureBlock, Heading, PageBreak, Paragraph, Table

LANGUAGE = "da-DK"
FONT = "Calibri"  # what agenda systems and Word expect; LibreOffice draws it with metric-equal Carlito
TEXT_WIDTH_CM = 16.0  # A4 less the margins
CHARACTER_CM = 0.19  # an average character of a 9 pt table cell
ROWS_ON_A_PAGE = 30  # a table of at most this many rows is kept on one page


def write_docx(document: Document, path: Path) -> None:
    word = new_word_document()
    _page_and_language(word)
    _fonts(word)
    word.core_properties.title = f"{document.title} – {document.subtitle}"
    word.core_properties.language = LANGUAGE
    word.core_properties.author = "klagestat"
    word.add_heading(document.title, level=0)
    word.add_paragraph(document.subtitle, style="Subtitle")
    if document.notice:
        notice = word.add_paragraph()
        notice.add_run(document.notice).bold = True
    for block in document.blocks:
        if isinstance(block, Heading):
            word.add_heading(block.text, level=block.level)
        elif isinstance(block, Paragraph):
            paragraph = word.add_paragraph(block.text)
            if block.kind == "note":
                for run in paragraph.runs:
                    run.font.size = Pt(9)
        elif isinstance(block, BulletList):
            for item in block.items:
                word.add_paragraph(item, style="List Number" if block.numbered else "List Bullet")
        elif isinstance(block, Table):
            _table(word, block)
        elif isinstance(block, FigureBlock):
            _figure(word, block)
        elif isinstance(block, PageBreak):
            word.add_page_break()
    word.save(str(path))


def _fonts(word) -> None:
    """One sans-serif family throughout, instead of the template's theme fonts."""
    for name in ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Caption",
                 "List Bullet", "List Number"):
        style = word.styles[name]
        style.font.name = FONT
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), FONT)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(theme), None)
    word.styles["Normal"].font.size = Pt(10.5)


def _page_and_language(word) -> None:
    for section in word.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.0)
    # The language on the document defaults, so spelling and hyphenation are Danish throughout.
    defaults = word.styles.element.find(qn("w:docDefaults"))
    run_properties = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    language = run_properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        run_properties.append(language)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        language.set(qn(attribute), LANGUAGE)


def _table(word, table: Table) -> None:
    # The caption stays with its table, no row breaks across pages, and a table that fits on a
    # page is not split: each row is kept with the next (Word and LibreOffice honour both). A
    # longer table runs on over pages, its header row repeated.
    caption = word.add_paragraph(table.caption, style="Caption")
    caption.paragraph_format.keep_with_next = True
    grid = word.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = word.styles["Table Grid"]
    grid.autofit = False
    widths, size = _column_widths(table)
    header = grid.rows[0]
    _repeat_as_header(header)
    for column, width in zip(grid.columns, widths):
        column.width = Cm(width)  # the table grid, which LibreOffice reads
        for cell in column.cells:
            cell.width = Cm(width)  # each cell, which Word reads
    for i, text in enumerate(table.header):
        cell = header.cells[i]
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
        cell.paragraphs[0].runs[0].font.size = Pt(size)
        _align(cell, table.is_figure(i))
    for r, row in enumerate(table.rows, start=1):
        bold = table.total_row and r == len(table.rows)
        for i, text in enumerate(row):
            cell = grid.rows[r].cells[i]
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(size)
            if bold and cell.paragraphs[0].runs:
                cell.paragraphs[0].runs[0].bold = True
            _align(cell, table.is_figure(i))
    fits = len(grid.rows) <= ROWS_ON_A_PAGE
    for r, row in enumerate(grid.rows):
        _keep_row_whole(row)
        if fits and r < len(grid.rows) - 1:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True
    if table.source:
        source = word.add_paragraph(table.source)
        for run in source.runs:
            run.font.size = Pt(8)


def _column_widths(table: Table) -> tuple[list[float], int]:
    """Each column at least as wide as its longest word ("Realitetsbehandlede" must not break but
    at its soft hyphen), text columns wider for their longest cell; the page width shared in
    those proportions. When that is wider than the page, the text columns give up their extra
    width first (they wrap between words), so figure columns keep their words whole; a table
    whose words don't fit even so is set in 8 pt instead of 9 pt. Returns (widths, font size)."""
    weights, least = [], []
    for i in range(len(table.header)):
        cells = [str(row[i]) for row in (table.header, *table.rows)]
        header_word = max((len(part) + 1 for word in table.header[i].split() for part in word.split(SOFT_HYPHEN)),
                          default=1) * 1.15  # bold; a word may break at its soft hyphens
        # A figure ("35 %", "44,9 % (14.000)") must not wrap at all; text may wrap between words.
        body = [len(cell) for cell in cells[1:]] if table.is_figure(i) else \
            [len(word) for cell in cells[1:] for word in cell.split()]
        longest_word = max([header_word, *body])
        longest_cell = max(len(cell) for cell in cells)
        weights.append(max(longest_word + 2, min(longest_cell, 12 if table.is_figure(i) else 28)))
        least.append(weights[-1] if table.is_figure(i) else longest_word + 2)
    size = 9 if sum(least) * CHARACTER_CM <= TEXT_WIDTH_CM else 8
    over = sum(weights) - TEXT_WIDTH_CM / (CHARACTER_CM * size / 9)
    spare = sum(w - m for w, m in zip(weights, least))
    if over > 0 and spare > 0:
        weights = [w - (w - m) * min(1.0, over / spare) for w, m in zip(weights, least)]
    total = sum(weights)
    return [TEXT_WIDTH_CM * w / total for w in weights], size


def _align(cell, figure: bool) -> None:
    """Figures line up on the right; names and text on the left."""
    if figure:
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _keep_row_whole(row) -> None:
    properties = row._tr.get_or_add_trPr()
    whole = OxmlElement("w:cantSplit")
    whole.set(qn("w:val"), "true")
    properties.append(whole)


def _repeat_as_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _figure(word, block: FigureBlock) -> None:
    figure = block.figure
    word.add_picture(io.BytesIO(figure.png), width=Cm(min(figure.width_cm, 16.0)))
    picture = word.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # The alt text Word shows and reads aloud (wp:docPr's descr and title).
    for properties in picture._p.iter(qn("wp:docPr")):
        properties.set("descr", figure.alt)
        properties.set("title", figure.title)
    word.add_paragraph(f"Figur {block.number}: {figure.title}", style="Caption")
