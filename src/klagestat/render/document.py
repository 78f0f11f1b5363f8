"""A report as a list of blocks, before it has a file format.

The report builders say what a committee case holds (headings, paragraphs, tables, figures);
the writers (`docx_file`, `html_file`, `markdown_file`) say how each block looks in Word, HTML
and Markdown. So a figure is formatted once, by render.numbers, and is the same in every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a document only holds figures; drawing them (matplotlib) is for the writers
    from .figures import Figure


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 = a section (Resumé, Baggrund …), 2 = a subsection, 3 below that


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = "body"  # "body", "note" (small print: sources, definitions) or "lead" (the summary)


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]
    numbered: bool = False  # 1., 2., … (an Indstilling's points are referred to by number)


# Where a long header word may break, with a hyphen, when its column is narrow ("Realitets-
# behandlede"); invisible otherwise. Word, LibreOffice and browsers all honour it.
SOFT_HYPHEN = "\u00ad"


@dataclass(frozen=True)
class Table:
    caption: str  # "Tabel 1: …"
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    source: str | None = None  # "Kilde: …", printed under the table
    total_row: bool = False  # the last row is a total, set in bold
    figures_from: int = 1  # columns from this one on hold figures, aligned right; before it, text

    def is_figure(self, column: int) -> bool:
        return column >= self.figures_from

    def __post_init__(self):
        if any(len(row) != len(self.header) for row in self.rows):
            raise ValueError(f"Every row of {self.caption!r} needs {len(self.header)} cells")


@dataclass(frozen=True)
class FigureBlock:
    figure: Figure
    number: int  # "Figur 1"


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | BulletList | Table | FigureBlock | PageBreak


@dataclass
class Document:
    title: str
    subtitle: str  # municipality and year, e.g. "Allerød Kommune · 2024"
    blocks: list[Block] = field(default_factory=list)
    notice: str | None = None  # shown above everything, e.g. that the data are synthetic

    def text(self) -> str:
        """Every word a reader can see, for tests and searches (figures by their alt text)."""
        parts = [self.title, self.subtitle, self.notice or ""]
        for block in self.blocks:
            if isinstance(block, (Heading, Paragraph)):
                parts.append(block.text)
            elif isinstance(block, BulletList):
                parts.extend(block.items)
            elif isinstance(block, Table):
                parts.extend([block.caption, *block.header, *(cell for row in block.rows for cell in row),
                              block.source or ""])
            elif isinstance(block, FigureBlock):
                parts.extend([block.figure.title, block.figure.alt])
        return "\n".join(p for p in parts if p)
