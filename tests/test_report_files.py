"""render.report_files: one report document written as Word, HTML, Markdown and PDF, and opened
again with real readers (python-docx, Python's HTML parser, LibreOffice for the PDF)."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser

import docx
import pytest
from docx.oxml.ns import qn

from klagestat.domain.problems import InputError
from klagestat.render.document import BulletList, Document, FigureBlock, Heading, PageBreak, Paragraph, Table
from klagestat.render.figures import exported, new_figure
from klagestat.render.report_files import write_report


def sample_document() -> Document:
    figure = new_figure(12, 6)
    axes = figure.add_subplot()
    axes.plot([2021, 2022, 2023, 2024], [42, 55, 44, 63], marker="o", color="black")
    chart = exported(figure, "Omgørelsesprocent 2021–2024", "Allerød: 63 % i 2024 mod 45 % på landsplan.")
    return Document(
        title="Årlig behandling af omgørelsesprocenter",
        subtitle="Allerød Kommune · 2024",
        notice="Udkast lavet af klagestat.",
        blocks=[
            Heading("Resumé", 1),
            Paragraph("Omgørelsesprocenten var 63 % mod 45 % på landsplan.", "lead"),
            Heading("Sagsfremstilling", 1),
            Heading("Socialområdet generelt", 2),
            BulletList(("I 24 sager er afgørelsen stadfæstet.", "33 sager er hjemvist | <b>ikke</b> fed.")),
            Table("Tabel 1: Udfald", ("Udfald", "Kommune (%)", "Kommune (antal)", "Landsplan (%)"),
                  (("Stadfæstelse", "37 %", "24", "55,1 %"), ("Hjemvisning", "51 %", "33", "37,8 %"),
                   ("Samlet omgørelsesprocent", "63 %", "41", "44,9 %")),
                  source="Kilde: Ankestyrelsen", total_row=True),
            Paragraph("Definition: den officielle.", "note"),
            PageBreak(),
            Heading("Bilag", 1),
            FigureBlock(chart, 1),
        ],
    )


def test_word_file_has_real_headings_tables_image_alt_text_and_danish(tmp_path):
    path = tmp_path / "sag.docx"
    assert write_report(sample_document(), path) == [path]
    word = docx.Document(str(path))
    headings = [(p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [("Title", "Årlig behandling af omgørelsesprocenter"), ("Heading 1", "Resumé"),
                        ("Heading 1", "Sagsfremstilling"), ("Heading 2", "Socialområdet generelt"),
                        ("Heading 1", "Bilag")]
    assert [p.text for p in word.paragraphs if p.style.name == "List Bullet"][1] == \
        "33 sager er hjemvist | <b>ikke</b> fed."
    [table] = word.tables
    assert table.style.name == "Table Grid"
    assert [c.text for c in table.rows[0].cells] == ["Udfald", "Kommune (%)", "Kommune (antal)", "Landsplan (%)"]
    assert [c.text for c in table.rows[3].cells] == ["Samlet omgørelsesprocent", "63 %", "41", "44,9 %"]
    assert table.rows[3].cells[1].paragraphs[0].runs[0].bold
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on every page
    # The caption stays with the table, and a short table is not split over two pages.
    caption = next(p for p in word.paragraphs if p.style.name == "Caption" and p.text.startswith("Tabel"))
    assert caption.paragraph_format.keep_with_next
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert all(p.paragraph_format.keep_with_next for row in table.rows[:-1] for c in row.cells for p in c.paragraphs)
    [image] = word.inline_shapes
    properties = image._inline.docPr
    assert properties.get("descr") == "Allerød: 63 % i 2024 mod 45 % på landsplan."
    assert any(p.style.name == "Caption" and p.text == "Figur 1: Omgørelsesprocent 2021–2024" for p in word.paragraphs)
    language = word.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")) \
        .find(qn("w:lang"))
    assert language.get(qn("w:val")) == "da-DK"
    assert round(word.sections[0].page_width.cm, 1) == 21.0  # A4


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_file_is_self_contained_with_inline_svg(tmp_path):
    path = tmp_path / "sag.html"
    write_report(sample_document(), path)
    html = path.read_text(encoding="utf-8")
    parsed = _Collector()
    parsed.feed(html)
    tags = [t for t, _ in parsed.tags]
    assert parsed.tags[0] == ("html", {"lang": "da"})
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert not [a for _, attrs in parsed.tags for k, a in attrs.items() if k in ("src", "href") and a]
    assert tags.count("svg") == 1 and tags.count("table") == 1 and tags.count("figure") == 1
    svg = next(attrs for tag, attrs in parsed.tags if tag == "svg")
    assert svg["role"] == "img" and svg["aria-label"].startswith("Allerød: 63 %")
    text = "".join(parsed.text)
    assert "33 sager er hjemvist | <b>ikke</b> fed." in text  # escaped, shown as written
    assert "Samlet omgørelsesprocent" in text and "44,9 %" in text


def test_markdown_file_has_markdown_tables_and_the_figure_beside_it(tmp_path):
    path = tmp_path / "sag.md"
    written = write_report(sample_document(), path)
    assert written == [path, tmp_path / "sag-figur-1.png"]
    assert written[1].read_bytes().startswith(b"\x89PNG")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "| Udfald | Kommune (%) | Kommune (antal) | Landsplan (%) |" in lines
    assert "| :-- | --: | --: | --: |" in lines
    assert "| **Samlet omgørelsesprocent** | **63 %** | **41** | **44,9 %** |" in lines
    assert "- 33 sager er hjemvist | \\<b\\>ikke\\</b\\> fed." in lines
    assert "## Resumé" in lines and "### Socialområdet generelt" in lines
    assert "![Allerød: 63 % i 2024 mod 45 % på landsplan.](sag-figur-1.png)" in lines


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_pdf_is_converted_by_libreoffice(tmp_path):
    path = tmp_path / "sag.pdf"
    write_report(sample_document(), path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and b"/Type /Page" in data.replace(b"/Type/Page", b"/Type /Page")


@pytest.mark.parametrize("name, says", [
    ("sag.txt", "Ukendt filtype '.txt'"),
    ("mangler/sag.docx", "findes ikke"),
])
def test_a_report_that_cannot_be_written_says_why(tmp_path, name, says):
    with pytest.raises(InputError) as caught:
        write_report(sample_document(), tmp_path / name)
    assert says in str(caught.value) and str(tmp_path / name) in str(caught.value)


def test_a_folder_is_not_a_report_file(tmp_path):
    (tmp_path / "sag.docx").mkdir()
    with pytest.raises(InputError, match="Det er en mappe"):
        write_report(sample_document(), tmp_path / "sag.docx")
