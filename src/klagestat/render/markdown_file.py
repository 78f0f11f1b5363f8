"""A report as Markdown: headings and tables as Markdown, for a wiki or a plain-text review.
Figures are written as PNG files beside the Markdown file and linked by name."""

from __future__ import annotations

from pathlib import Path

from .document import SOFT_HYPHEN, BulletList, Document, FigureBlock, Heading, PageBreak, Paragraph, Table


def write_markdown(document: Document, path: Path) -> list[Path]:
    """Writes PATH and its figures (PATH-stem-figur-N.png); returns every file written."""
    written = []
    lines = [f"# {_inline(document.title)}", "", f"*{_inline(document.subtitle)}*", ""]
    if document.notice:
        lines += [f"> **{_inline(document.notice)}**", ""]
    for block in document.blocks:
        if isinstance(block, Heading):
            lines += [f"{'#' * min(block.level + 1, 6)} {_inline(block.text)}", ""]
        elif isinstance(block, Paragraph):
            text = _inline(block.text)
            lines += [f"<small>{text}</small>" if block.kind == "note" else text, ""]
        elif isinstance(block, BulletList):
            lines += [f"{f'{i}.' if block.numbered else '-'} {_inline(item)}"
                      for i, item in enumerate(block.items, start=1)] + [""]
        elif isinstance(block, Table):
            lines += _table(block)
        elif isinstance(block, FigureBlock):
            image = path.with_name(f"{path.stem}-figur-{block.number}.png")
            image.write_bytes(block.figure.png)
            written.append(image)
            lines += [f"![{_inline(block.figure.alt)}]({image.name})", "",
                      f"*Figur {block.number}: {_inline(block.figure.title)}*", ""]
        elif isinstance(block, PageBreak):
            lines += ["---", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return [path, *written]


def _table(table: Table) -> list[str]:
    def row(cells, bold: bool = False) -> str:
        return "| " + " | ".join(f"**{_cell(c)}**" if bold and c else _cell(c) for c in cells) + " |"

    rule = "| " + " | ".join("--:" if table.is_figure(i) else ":--" for i in range(len(table.header))) + " |"
    body = [row(r, bold=table.total_row and k == len(table.rows) - 1) for k, r in enumerate(table.rows)]
    header = [h.replace(SOFT_HYPHEN, "") for h in table.header]  # a plain-text file breaks no words
    lines = [f"*{_inline(table.caption)}*", "", row(header), rule, *body, ""]
    if table.source:
        lines += [f"<small>{_inline(table.source)}</small>", ""]
    return lines


def _inline(text: str) -> str:
    """Text that Markdown would otherwise read as markup."""
    for char in "\\`*_[]<>#":
        text = text.replace(char, "\\" + char)
    return text


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|").replace("\n", " ")
