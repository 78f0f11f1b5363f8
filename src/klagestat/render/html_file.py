"""A report as one self-contained HTML file: styles inline, charts as inline SVG, nothing
loaded from elsewhere, so it opens the same offline, in an e-mail and in ten years."""

from __future__ import annotations

from html import escape

from .document import BulletList, Document, FigureBlock, Heading, PageBreak, Paragraph, Table

STYLE = """
body { font-family: "Segoe UI", Calibri, "DejaVu Sans", sans-serif; max-width: 48rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.5; color: #111; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
.subtitle { font-size: 1.1rem; color: #444; margin-top: 0; }
.notice { border: 2px solid #111; padding: 0.5rem 0.8rem; font-weight: bold; }
.lead { font-size: 1.05rem; }
.note, .source { font-size: 0.85rem; color: #333; }
table { border-collapse: collapse; margin: 0.5rem 0 0.2rem; }
caption { caption-side: top; text-align: left; font-style: italic; padding-bottom: 0.3rem; }
th, td { border: 1px solid #777; padding: 0.25rem 0.5rem; }
th { background: #eee; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; }
figure { margin: 1.5rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-style: italic; }
@media print { body { max-width: none; margin: 0; } .page-break { break-after: page; } }
"""


def to_html(document: Document) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="da">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(document.title)} – {escape(document.subtitle)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(document.title)}</h1>",
        f'<p class="subtitle">{escape(document.subtitle)}</p>',
    ]
    if document.notice:
        parts.append(f'<p class="notice">{escape(document.notice)}</p>')
    for block in document.blocks:
        parts.append(_block(block))
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _block(block) -> str:
    if isinstance(block, Heading):
        level = min(block.level + 1, 6)  # h1 is the document's title
        return f"<h{level}>{escape(block.text)}</h{level}>"
    if isinstance(block, Paragraph):
        kind = "" if block.kind == "body" else f' class="{block.kind}"'
        return f"<p{kind}>{escape(block.text)}</p>"
    if isinstance(block, BulletList):
        tag = "ol" if block.numbered else "ul"
        return f"<{tag}>" + "".join(f"<li>{escape(item)}</li>" for item in block.items) + f"</{tag}>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, FigureBlock):
        figure = block.figure
        return (f"<figure>{figure.svg}<figcaption>Figur {block.number}: {escape(figure.title)}</figcaption>"
                f"</figure>")
    if isinstance(block, PageBreak):
        return '<div class="page-break"></div>'
    raise TypeError(f"no HTML for {block!r}")


def _table(table: Table) -> str:
    def cell(tag: str, text: str, column: int) -> str:
        scope = ' scope="col"' if tag == "th" else ""
        number = ' class="number"' if table.is_figure(column) else ""
        return f"<{tag}{scope}{number}>{escape(text)}</{tag}>"

    rows = []
    for r, row in enumerate(table.rows, start=1):
        total = ' class="total"' if table.total_row and r == len(table.rows) else ""
        first, *rest = row
        rows.append(f'<tr{total}><th scope="row">{escape(first)}</th>'
                    + "".join(cell("td", text, i) for i, text in enumerate(rest, start=1)) + "</tr>")
    source = f'<p class="source">{escape(table.source)}</p>' if table.source else ""
    return (f"<table><caption>{escape(table.caption)}</caption>"
            f"<thead><tr>{''.join(cell('th', text, i) for i, text in enumerate(table.header))}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{source}")
