"""`klagestat check`: a hand-written committee text with planted errors of each kind and many
correct figures, as text with PDF-like line breaks, as Word with a real table and as the PDF
LibreOffice makes of it. Each planted error is found with the right figure; no correct figure is
called wrong; figures that aren't about complaints are no claims. The statistics are built from
the figures the text should have."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import P85, P87, P100, run_cli, statbank_rows, write_statbank_csv

# The statistics: P85 is only in the social map (so also in "socialområdet øvrige"), P87 also in
# the child-disability map, P100 also in the adult-disability map; the social map is all three.
FIGURES_2024 = {
    "Allerød": {P85: (24, 8, 33, 0),  # social-other: 65 decided
                P87: (51, 2, 27, 0),  # child disability: 29 of 80 = 36,25 %; 2/80 = 2,5 % → 3 %, 27/80 → 34 %
                P100: (10, 6, 10, 14)},  # adult disability: 16 of 26 on the merits = 62 %; of all 40 decided = 40 %
    # Allerød's social map: 185 decided, 14 dismissed, 86 of 171 reversed = 50 %.
    "Hillerød": {P85: (34, 10, 28, 0), P87: (0, 0, 0, 0)},  # 38 of 72 = 53 %
    "Hele landet": {P85: (547, 100, 353, 0), P87: (600, 50, 350, 0), P100: (500, 100, 300, 100)},  # social 43,2 %
}
FIGURES_2023 = {"Allerød": {P85: (25, 5, 15, 0)}, "Hillerød": {P85: (54, 10, 22, 0)},  # 44 %, 37 %
                "Hele landet": {P85: (600, 100, 300, 0)}}

# Line breaks inside sentences, as text copied out of a PDF; the table flattened to tabs.
TEXT = """\
Punkt 7: Årlig behandling af omgørelsesprocenter i klagesager
22/15769

Resumé
Omgørelsesprocenten på socialområdet generelt var i Allerød
Kommune i 2024 på 56 % mod 43 % på landsplan.

Sagsbeskrivelse
Ankestyrelsen har i 2024 afgjort 190 sager på socialområdet generelt
fra Allerød Kommune.

Socialområdet øvrige
Ankestyrelsen har truffet afgørelse i 65 sager på socialområdet øvrige, uden for de to handicapkort.
- I 24 sager er kommunens afgørelse blevet stadfæstet.
- 33 sager er blevet hjemvist til fornyet behandling.
I 8 sager ud af 65 sager er kommunens afgørelse blevet ændret/ophævet, hvilket svarer til ca. 12 pct.
af sagerne.

Tabel 1: Omgørelsesprocent og antal afgjorte sager i Ankestyrelsen (antal afgjorte sager i parentes).
Socialområdet generelt\t2024\t2023
Allerød\t50% (185)\t44% (45)
Hillerød\t53% (72)\t37% (86)

På børnehandicapområdet blev 3 % af sagerne ændret og 34 % hjemvist, i alt en omgørelsesprocent
på 37 pct. i 2024.
Omgørelsesprocenten på voksenhandicapområdet var 40 % i 2024.
Allerøds omgørelsesprocent på voksenhandicapområdet ligger 10 procentpoint over landsgennemsnittet.
Af klagerne over merudgifter efter § 100 i serviceloven blev 62 % omgjort, og 14 sager blev afvist.
Klagerne over tabt arbejdsfortjeneste blev omgjort i 36 % af sagerne.
Omgørelsesprocenten på socialområdet generelt steg med 6 procentpoint fra 2023 til 2024.
I 2019 var omgørelsesprocenten på socialområdet generelt 40 %.

Tabel 2: Klagesager og afgørelser fordelt på forvaltningsområder 2024
\tAfgjorte sager i alt\tStadfæstet\tÆndret\tHjemvist\tAfvist\t% omgjort
Børneområdet\t37\t15\t5\t12\t5\t53%
Ældre og Sundhed\t28\t6\t1\t18\t3\t68%
I alt\t66\t21\t6\t30\t8\t62%

Tabel 3: Stadfæstede klagesager 2024
\tAfgjorte sager\tStadfæstet\t% stadfæstet
Handicap\t26\t6\t35%
Ældre\t20\t5\t25%

Sygefraværet faldt fra 7,2 % i 2022 til 6,2 % i 2024. Budgettet er 450.000 kr. pr. år.
Mødet holdes 23. september 2025 kl. 7.30; spørgsmål på tlf. 48 10 01 00. Sagen vedrører § 100.
Borgeren med cpr-nr. 010190-1234 har klaget over afslaget; Ankestyrelsen har afgjort 3 sager for borgeren.
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("check")
    rows = statbank_rows(FIGURES_2024, "2024") + statbank_rows(FIGURES_2023, "2023")
    csv = write_statbank_csv(folder / "ankestyrelsen.csv", rows)
    db = folder / "klagestat.db"
    result = run_cli("import", "statbank", csv, db=db)
    assert result.code == 0, str(result)
    return db


def check(db: Path, file: Path) -> dict:
    result = run_cli("check", file, "--municipality", "Allerød", "--year", "2024", "--format", "json", db=db)
    assert result.code == 0, str(result)
    return json.loads(result.out)


def by_claim(data: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for claim in data["claims"]:
        found.setdefault(claim["claimed"], []).append(claim)
    return found


def _assert_the_planted_errors_and_the_right_figures(data: dict, own_table: bool = True) -> None:
    """`own_table`: Tabel 2 (the administration's areas) is read too; a PDF's wrapped header cells
    may keep it from being read, and then none of its figures may be claimed at all."""
    claims = data["claims"]
    found = by_claim(data)
    wrong = {c["claimed"]: c for c in claims if c["verdict"] == "wrong"}
    # 1. The summary contradicts the table and the statistics.
    assert wrong["56 %"]["computed"] == "50 %" and "50%" in wrong["56 %"]["why"]
    # 2. Decided cases miscounted.
    assert wrong["190"]["computed"] == "185"
    # 3. The sum of rounded parts.
    assert wrong["37 pct."]["computed"] == "36 %" and "summen af afrundede delprocenter" in wrong["37 pct."]["why"]
    # 4. The rate over all decided cases: another definition, not wrong.
    adult = found["40 %"][0]
    assert adult["verdict"] == "other_definition" and adult["computed"] == "62 %" and "alle" in adult["why"]
    # 5. A year klagestat has no statistics for.
    assert found["40 %"][1]["verdict"] == "not_verifiable" and "2019" in found["40 %"][1]["why"]
    # 6. A table row whose parts don't add up to its total; a share that isn't its row's count over its total.
    if own_table:
        assert wrong["66"]["computed"] == "65"
        assert wrong["35%"]["computed"] == "23 %" and "35% af 26 er 9, ikke 6" in wrong["35%"]["why"]
        assert found["25%"][0]["verdict"] == "correct"
    # A provision named by its paragraph and law: P100 is serviceloven § 100.
    provision = found["62 %"][0]
    assert provision["verdict"] == "correct" and provision["subject"]["provision"] == "serviceloven:100", provision
    assert [c["verdict"] for c in found["14"]] == ["correct"]
    by_name = found["36 %"][0]  # named, not numbered: barnets lov §§ 87-88 is the one with cases in 2024 (P87)
    assert by_name["verdict"] == "correct" and by_name["subject"]["provision"] == "barnets-lov:87+88", by_name
    # 7. A difference from the nation in points.
    assert wrong["10 procentpoint"]["computed"] == "+17,1" and wrong["10 procentpoint"]["measure"] == (
        "difference_from_national")
    change = found["6 procentpoint"][0]  # 44 % in 2023, 50 % in 2024
    assert change["verdict"] == "correct" and change["measure"] == "change_from_last_year", change
    planted = {"56 %", "190", "37 pct.", "66", "35%", "10 procentpoint"}
    required = {"56 %", "190", "37 pct.", "10 procentpoint"} | ({"66", "35%"} if own_table else set())
    assert required <= set(wrong) <= planted, wrong
    # The correct figures are confirmed.
    for claimed in ("43 %", "ca. 12 pct.", "3 %", "34 %", "50%", "44%", "53%", "37%", "(185)", "(45)", "(72)", "(86)"):
        assert found[claimed] and all(c["verdict"] == "correct" for c in found[claimed]), (claimed, found[claimed])
    for claimed in ("24", "33", "8", "65"):
        assert found[claimed] and all(c["verdict"] == "correct" for c in found[claimed]), (claimed, found[claimed])
    assert found["24"][0]["subject"]["map"] == "social-other"
    assert found["53%"][0]["subject"]["area_code"] == "219" and found["53%"][0]["subject"]["map"] == "social"
    assert found["43 %"][0]["subject"]["area_code"] == "000"
    # Nothing that isn't about complaints: absence, kroner, dates, phone numbers, paragraphs, case numbers.
    for never in ("7,2 %", "6,2 %", "450.000", "23", "48", "100", "15769"):
        assert never not in found, (never, found.get(never))


def test_a_text_file_s_planted_errors_are_found_and_its_right_figures_confirmed(db, tmp_path):
    path = tmp_path / "sagsfremstilling.txt"
    path.write_text(TEXT, encoding="utf-8")
    data = check(db, path)
    assert "010190" not in json.dumps(data)  # a CPR number in the text is never shown
    assert data["file"].endswith("sagsfremstilling.txt") and data["municipality_code"] == "201" and data["year"] == 2024
    _assert_the_planted_errors_and_the_right_figures(data)
    first = data["claims"][0]
    assert set(first) >= {"line", "column", "text", "claimed", "subject", "measure", "computed", "verdict", "why"}
    summary = next(c for c in data["claims"] if c["claimed"] == "56 %")
    assert summary["line"] == 6  # the line the figure stands on, 1-based
    # Allerød's Tabel 2 computes over all decided cases: the rate is another definition.
    rows = {c["subject"]["row"]: c for c in data["claims"] if c["measure"] == "rate" and c["subject"]["row"]}
    assert rows["Ældre og Sundhed"]["verdict"] == "other_definition" and rows["Ældre og Sundhed"]["computed"] == "76 %"
    assert rows["Børneområdet"]["verdict"] == "correct"

    table = run_cli("check", path, "--municipality", "Allerød", "--year", "2024", db=db)
    assert table.code == 0
    assert table.out.index("forkert") < table.out.index("rigtigt")  # wrong figures first
    assert "Rettet:" in table.out


def _word_file(path: Path) -> Path:
    """TEXT as a Word document: paragraphs, and the tables as real Word tables."""
    document = docx.Document()
    table_rows: list[list[str]] = []

    def flush() -> None:
        if table_rows:
            table = document.add_table(rows=len(table_rows), cols=len(table_rows[0]))
            for r, cells in enumerate(table_rows):
                for c, text in enumerate(cells):
                    table.cell(r, c).text = text
            table_rows.clear()

    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            document.add_paragraph(" ".join(paragraph))
            paragraph.clear()

    for line in TEXT.splitlines():
        if "\t" in line:
            end_paragraph()
            table_rows.append(line.split("\t"))
            continue
        flush()
        if not line.strip() or line.startswith("- "):  # a blank line ends a paragraph; a bullet is one
            end_paragraph()
        if line.strip():
            paragraph.append(line)
    flush()
    end_paragraph()
    document.save(str(path))
    return path


def test_a_word_file_with_real_tables_checks_the_same(db, tmp_path):
    data = check(db, _word_file(tmp_path / "sag.docx"))
    _assert_the_planted_errors_and_the_right_figures(data)
    table_row = next(c for c in data["claims"] if c["claimed"] == "53%")
    assert table_row["text"].startswith("Hillerød") and table_row["column"] == "2024"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_the_pdf_libreoffice_makes_of_it_checks_the_same(db, tmp_path):
    word = _word_file(tmp_path / "sag.docx")
    profile = tmp_path / "profile"
    subprocess.run([shutil.which("soffice"), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(word)], check=True, capture_output=True,
                   timeout=180)
    data = check(db, tmp_path / "sag.pdf")
    _assert_the_planted_errors_and_the_right_figures(data, own_table=False)
    assert all(c["page"] == 1 for c in data["claims"][:3])


@pytest.mark.parametrize("name, content, says", [
    ("sag.odt", b"PK\x03\x04", "læser .txt, .md, .docx, .pdf"),
    ("sag.docx", b"not a zip at all", "selv om den hedder .docx"),
    ("sag.pdf", b"%PDF-1.4 broken", "kan ikke læses som PDF"),
    ("sag.txt", b"", "tom"),
])
def test_a_file_that_can_not_be_read_is_refused_in_danish(db, tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    result = run_cli("check", path, "--municipality", "Allerød", "--year", "2024", db=db)
    assert result.code == 2 and says in result.err, str(result)
    assert "Traceback" not in result.err


# ---- the case area's page, and PostgreSQL ------------------------------------------------------------------

def test_the_case_area_page_marks_each_figure_with_colour_icon_and_title(db, tmp_path, monkeypatch):
    from klagestat.web.app import create_app

    from conftest import copy_db, db_count
    from web_helpers import SECRET, add_user, csrf_token, logged_in, text_of, tree

    monkeypatch.setenv("KLAGESTAT_SECRET", SECRET)
    site_db = copy_db(db, tmp_path / "site.db")
    add_user(site_db, "laeser@alleroed.dk", "Allerød", "reader")
    client = logged_in(create_app(str(site_db)), "laeser@alleroed.dk")
    assert client.get("/sager/tjek").status_code == 200
    response = client.post("/sager/tjek", data={"csrf_token": csrf_token(client), "year": "2024"},
                           files={"file": ("sag.docx", _word_file(tmp_path / "sag.docx").read_bytes(),
                                           "application/vnd.openxmlformats-officedocument.wordprocessingml.document")})
    assert response.status_code == 200, response.text[:2000]
    page = tree(response)
    wrong = page.xpath('//a[contains(@class, "figure") and contains(@class, "check-wrong")]')
    assert {"".join(a.itertext()).rstrip("✗") for a in wrong} == {"56 %", "190", "37 pct.", "66", "35%",
                                                                   "10 procentpoint"}
    for mark in page.xpath('//a[contains(@class, "figure")]'):
        assert mark.get("title") and mark.xpath('./span[@class="verdict-icon"]')  # never colour alone
    first = page.xpath('//ol[@class="check-list"]/li')[0]
    assert "Forkert" in first.text_content() and "check-wrong" in first.get("class")
    assert "6 forkert" in text_of(response)
    assert db_count(site_db, "SELECT COUNT(*) FROM audit_event WHERE action = 'tjek sagsfremstilling' "
                             "AND target = 'sag.docx'") == 1
    assert not list(Path(tempfile_dir()).glob("klagestat-check-*"))  # the text is not kept

    bad = client.post("/sager/tjek", data={"csrf_token": csrf_token(client), "year": "2024"},
                      files={"file": ("sag.odt", b"PK\x03\x04", "application/octet-stream")})
    assert bad.status_code == 422 and "læser .txt, .md, .docx, .pdf" in text_of(bad)


def tempfile_dir() -> str:
    import tempfile

    return tempfile.gettempdir()


def test_the_check_reads_the_statistics_on_postgresql_too(database, tmp_path):
    rows = statbank_rows(FIGURES_2024, "2024") + statbank_rows(FIGURES_2023, "2023")
    assert run_cli("import", "statbank", write_statbank_csv(tmp_path / "a.csv", rows), db=database).code == 0
    path = tmp_path / "sagsfremstilling.txt"
    path.write_text(TEXT, encoding="utf-8")
    _assert_the_planted_errors_and_the_right_figures(check(database, path))


# ---- property: klagestat's own committee case checks as all correct ---------------------------------------

@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # a failure is shown as drawn: shrinking takes minutes
@given(data=st.data())
def test_the_committee_case_klagestat_writes_checks_as_correct_and_a_changed_figure_as_wrong(demo_db, tmp_path_factory,
                                                                                             data):
    from klagestat import api
    from klagestat.catalogue import load_catalogue
    from klagestat.render.fact_check import check_json

    catalogue = load_catalogue()
    code = data.draw(st.sampled_from(sorted(catalogue.municipalities)), label="municipality")
    year = data.draw(st.integers(2015, 2025), label="year")
    engine = api.open_database(str(demo_db))
    folder = tmp_path_factory.mktemp("property")
    case = folder / "sag.md"
    api.report_danmarkskort(engine, code, year, case)

    def checked(path: Path) -> list[dict]:
        return check_json(api.check(engine, path, code, year), catalogue)["claims"]

    claims = checked(case)
    assert len(claims) >= 10
    assert {c["verdict"] for c in claims} == {"correct"}, [c for c in claims if c["verdict"] != "correct"]

    # One rate changed by seven points: exactly that figure is wrong, with the right figure.
    lines = case.read_text(encoding="utf-8").splitlines()
    rates = [c for c in claims if c["measure"] == "rate" and lines[c["line"] - 1].count(c["claimed"]) == 1]
    chosen = data.draw(st.sampled_from(rates), label="changed figure")
    number = chosen["claimed"].split()[0].rstrip("%")
    whole, _, decimals = number.partition(",")
    new_whole = int(whole) + 7 if int(whole) <= 90 else int(whole) - 7
    changed = chosen["claimed"].replace(number, f"{new_whole},{decimals}" if decimals else str(new_whole), 1)
    lines[chosen["line"] - 1] = lines[chosen["line"] - 1].replace(chosen["claimed"], changed, 1)
    mutated = folder / "rettet.md"
    mutated.write_text("\n".join(lines) + "\n", encoding="utf-8")
    wrong = [c for c in checked(mutated) if c["verdict"] != "correct"]
    assert [(c["line"], c["claimed"], c["verdict"], c["computed"]) for c in wrong] == [
        (chosen["line"], changed, "wrong", chosen["computed"])]
