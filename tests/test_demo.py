"""The synthetic demo data: deterministic, calibrated to the published national figures, importable.

Real files and real databases; no mocks. The full demo is built once per module (it is what
`klagestat demo` shows, a SQLite file); the tests that only read its statistics also run on
PostgreSQL, with the same file imported once. The format and determinism tests use small files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from fractions import Fraction

import docx
import httpx
import pytest

from klagestat import api
from klagestat.catalogue import load_catalogue
from klagestat.demo.build import AS_OF, build_demo
from klagestat.demo.generator import HEADER, file_name, render_csv, write_demo_file
from klagestat.ingest.input_file import SYNTHETIC_MARK
from klagestat.render.numbers import percent
from klagestat.render.rate_rows import to_dicts

from conftest import BACKENDS, db_count, db_rows, free_port, fresh_pg_database, popen_cli, run_cli

# Golden figures: the published national reversal rates (docs/domain.md), with the split where
# one is published: (year, map, rate, changed, remitted, upheld).
PUBLISHED = [
    (2017, "social", "38 %", None, None, None),
    (2020, "social", "36,2 %", None, None, None),
    (2021, "social", "31,8 %", "7,7 %", "24,1 %", "68,2 %"),
    (2022, "social", "37,5 %", "9,0 %", "28,5 %", "62,5 %"),
    (2024, "social", "44,9 %", "7,1 %", "37,8 %", "55,1 %"),
    (2019, "child-disability", "50,6 %", None, None, None),
    (2020, "child-disability", "52,0 %", "15,5 %", "36,5 %", "48,0 %"),
    (2021, "child-disability", "35,9 %", None, None, None),
    (2024, "child-disability", "48,9 %", "7,6 %", "41,3 %", "51,1 %"),
    (2020, "adult-disability", "42,4 %", None, None, None),
    (2021, "adult-disability", "34,3 %", None, None, None),
    (2024, "adult-disability", "40,4 %", "4,5 %", "35,9 %", "59,6 %"),
]
ALL_YEARS = list(range(2013, 2026))
SMALL = ["201", "101", "350", "147", "825"]  # Allerød, København, Lejre, Frederiksberg, Læsø


def _decimals(text: str) -> int:
    number = text.removesuffix(" %")
    return len(number.split(",")[1]) if "," in number else 0


def _rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.endswith("\n")
    return [line.split(";") for line in text.splitlines()[1:]]


# ---- the full demo, built once ------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "klagestat-demo.db"
    # A stale file where the demo database goes: the build must replace it, not open it.
    db.write_bytes(b"not a database")
    messages: list[str] = []
    table = build_demo(str(db), folder, progress=messages.append)
    engine = api.open_database(str(db))
    yield {"folder": folder, "db": db, "table": table, "messages": messages, "engine": engine}
    engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS, ids=BACKENDS)
def demo_engine(request, demo):
    """The demo's statistics, for the tests that only read them: on SQLite the demo database
    itself, on PostgreSQL the same file imported the way the demo build imports it (once)."""
    if request.param == "sqlite":
        yield demo["engine"]
        return
    with fresh_pg_database() as url:
        engine = api.open_database(url)
        try:
            api.import_statbank(engine, [demo["folder"] / "ankeast2-demo-2013-2025.csv"], as_of=AS_OF, synthetic=True)
            yield engine
        finally:
            engine.dispose()


def test_build_makes_the_demo_database(demo):
    assert demo["messages"] == ["Genererer syntetiske statistikbanktal", "Importerer", "Genererer et syntetisk folketal",
                                "Genererer et syntetisk klageregister for Allerød", "Beregner"]
    path = demo["folder"] / "ankeast2-demo-2013-2025.csv"
    assert path.is_file()
    assert path.read_bytes().startswith(HEADER.encode("utf-8") + b"\n")
    table = demo["table"]
    assert table.synthetic
    assert [(v.source, v.as_of) for v in table.vintages] == [("statbank", dt.date(2026, 6, 1)),
                                                             ("population", dt.date(2026, 6, 1))]
    rows = to_dicts(table)
    assert {r["municipality_code"] for r in rows} == {"000"}
    assert {(r["year"], r["map"]) for r in rows} == {
        (y, m) for y in ALL_YEARS for m in ("social", "child-disability", "adult-disability")
    }
    assert all(r["synthetic"] for r in rows)
    assert not table.notes


def test_rebuilding_keeps_the_file(demo):
    path = demo["folder"] / "ankeast2-demo-2013-2025.csv"
    before = path.stat().st_mtime_ns
    again = write_demo_file(demo["folder"])
    assert again == path
    assert path.stat().st_mtime_ns == before  # identical content is not rewritten


def test_national_rates_match_the_published_figures(demo_engine):
    years = ",".join(str(y) for y in sorted({p[0] for p in PUBLISHED}))
    table = api.rates(demo_engine, years=years, national_only=True)
    national = {(r.span.label(), r.map): r for r in table.rows if r.area.code == "000"}
    for year, map_code, rate, changed, remitted, upheld in PUBLISHED:
        row = national[(str(year), map_code)]
        d = _decimals(rate)
        assert percent(row.rate, d) == rate, (year, map_code)
        assert row.counts.merits % 1000 == 0
        if changed is not None:
            c = row.counts
            assert percent(Fraction(c.changed, c.merits), 1) == changed, (year, map_code)
            assert percent(Fraction(c.remitted, c.merits), 1) == remitted, (year, map_code)
            assert percent(Fraction(c.upheld, c.merits), 1) == upheld, (year, map_code)


def test_unpublished_years_are_interpolated_or_held(demo_engine):
    table = api.rates(demo_engine, years="2013,2018,2023,2025", national_only=True)
    got = {(r.span.label(), r.map): percent(r.rate, 1) for r in table.rows}
    assert got[("2013", "social")] == "38,0 %"  # before the first published year: held flat
    assert got[("2018", "social")] == "37,4 %"  # 38 → 36.2 over 2017-2020
    assert got[("2023", "social")] == "41,2 %"  # halfway between 37.5 and 44.9
    assert got[("2025", "social")] == "44,9 %"  # after the last: held flat
    assert got[("2013", "child-disability")] == "50,6 %"
    assert got[("2025", "adult-disability")] == "40,4 %"


def test_volumes_and_dismissed_cases(demo_engine):
    engine = demo_engine
    table = api.rates(engine, years="2013,2024", national_only=True)
    national = {(r.span.label(), r.map): r.counts for r in table.rows}
    assert 8500 <= national[("2013", "social")].merits <= 9500
    assert national[("2024", "social")].merits == 14000
    for year in ("2013", "2024"):
        assert 2000 <= national[(year, "child-disability")].merits <= 3000
        assert 1400 <= national[(year, "adult-disability")].merits <= 2000
        for map_code in ("social", "child-disability", "adult-disability"):
            c = national[(year, map_code)]
            assert 0.05 <= c.dismissed / c.merits <= 0.11
    laws = api.rates(engine, years="2024", by="law", national_only=True)
    employment = [r.counts for r in laws.rows
                  if r.group_key in ("aktivloven", "pensionsloven", "sygedagpengeloven", "beskaeftigelsesloven")]
    assert len(employment) == 4
    merits = sum(c.merits for c in employment)
    assert 4000 <= merits <= 6000
    assert 0.25 <= sum(c.reversed for c in employment) / merits <= 0.30
    assert all(c.dismissed > 0 for c in employment)


def test_social_volume_follows_population(demo_engine):
    catalogue = load_catalogue()
    table = api.rates(demo_engine, years="2024", maps=["social"])
    rows = [d for d in to_dicts(table) if d["municipality_code"] != "000"]
    assert len(rows) == 98
    total_merits = sum(d["merits"] for d in rows)
    total_population = sum(m.population for m in catalogue.municipalities.values())
    for d in rows:
        population = catalogue.municipalities[d["municipality_code"]].population
        if population >= 50_000:
            expected = total_merits * population / total_population
            assert 0.7 * expected <= d["merits"] <= 1.3 * expected, d["municipality"]


def test_some_municipalities_are_clearly_above_and_below(demo_engine):
    table = api.rates(demo_engine, years="2024", maps=["social"])
    rows = [d for d in to_dicts(table) if d["municipality_code"] != "000"]
    classes = [d["funnel_95"] for d in rows]
    assert classes.count("above") >= 3
    assert classes.count("below") >= 3


def test_the_practice_change_cluster_in_allerod(demo_engine):
    engine = demo_engine
    table = api.rates(engine, "2024", municipalities=["Allerød"], by="provision")
    own = [r for r in table.rows if r.area.code == "201" and r.group_key == "serviceloven:112"]
    assert len(own) == 1
    allerod = own[0].counts.remitted
    assert allerod >= 12
    everyone = api.rates(engine, "2024", by="provision")
    others = [r.counts.remitted for r in everyone.rows
              if r.group_key == "serviceloven:112" and r.area.code not in ("201", "000")]
    assert len(others) == 97
    assert allerod > max(others)
    # Its usual level: a couple of remittals a year at most.
    before = api.rates(engine, "2023", municipalities=["Allerød"], by="provision")
    usual = [r.counts.remitted for r in before.rows if r.area.code == "201" and r.group_key == "serviceloven:112"]
    assert usual and usual[0] <= 3


# ---- small files: format, determinism, import -----------------------------------------------------


def test_same_parameters_give_the_same_bytes(tmp_path):
    a = render_csv([2024], SMALL, seed=7)
    b = render_csv([2024], SMALL, seed=7)
    assert a == b
    assert render_csv([2024], SMALL, seed=8) != a
    first = write_demo_file(tmp_path / "one", [2023, 2024], SMALL, seed=7)
    second = write_demo_file(tmp_path / "two", [2024, 2023], SMALL, seed=7)
    assert first.name == second.name == file_name([2023, 2024]) == "ankeast2-demo-2023-2024.csv"
    assert first.read_bytes() == second.read_bytes()


def test_file_format_and_provision_years():
    catalogue = load_catalogue()
    data = render_csv([2013, 2023, 2024, 2025], SMALL)
    assert data.decode("utf-8").split("\n", 1)[0] == "OMRÅDE;LOVGRUNDLAG;AFGØRELSE;TID;INDHOLD"
    rows = _rows(data)
    assert all(len(r) == 5 and r[4].isdigit() for r in rows)
    assert {r[0] for r in rows} == {"Hele landet"} | {catalogue.municipalities[c].name for c in SMALL}
    assert {r[2] for r in rows} == {"Stadfæstet", "Ændret/ophævet", "Hjemvist", "Afvist/henvist"}
    assert {r[3] for r in rows if r[3].startswith("2013")} == {"2013K2", "2013K3", "2013K4"}

    def periods(label_part: str) -> set[str]:
        return {r[3] for r in rows if label_part in r[1]}

    def quarters(*years: int) -> set[str]:
        return {f"{y}K{q}" for y in years for q in range(1, 5)}

    assert periods("Tabt arbejdsfortjeneste - §§ 87-88") == quarters(2024, 2025)
    old_provision = periods("Børn - tabt arbejdsfortjeneste - §§ 42-43")
    assert old_provision == {"2013K2", "2013K3", "2013K4"} | quarters(2023, 2024, 2025)
    assert periods("Helhedspleje - § 10") == quarters(2025)
    assert periods(" Ældreloven") == quarters(2025)
    # Ældreloven took effect on 1 July 2025: no cases before 2025K3.
    assert all(r[4] == "0" for r in rows if "Helhedspleje" in r[1] and r[3] in ("2025K1", "2025K2"))
    assert sum(int(r[4]) for r in rows if "Helhedspleje" in r[1] and r[0] == "Hele landet") > 0
    # Law rows are numbered in catalogue order, provisions under them.
    labels = list(dict.fromkeys(r[1] for r in rows))
    assert labels[0] == "1 Serviceloven"
    assert "1.1 Børn - særlige dagtilbud - § 32" in labels
    assert "2 Barnets lov" in labels and "3 Ældreloven" in labels
    # The serviceloven children's provisions fade out after barnets lov took over.

    def national(label_part: str, year: int) -> int:
        return sum(int(r[4]) for r in rows
                   if r[0] == "Hele landet" and label_part in r[1] and r[3].startswith(str(year)))
    old = national("Børn - tabt arbejdsfortjeneste", 2023)
    assert 0 < national("Børn - tabt arbejdsfortjeneste", 2024) < 0.2 * old
    assert national("Børn - tabt arbejdsfortjeneste", 2025) < national("Børn - tabt arbejdsfortjeneste", 2024)


def test_a_small_file_imports(database, tmp_path):
    path = write_demo_file(tmp_path, [2013, 2024, 2025], SMALL)
    engine = api.open_database(database)
    try:
        (report,) = api.import_statbank(engine, [path], as_of=dt.date(2026, 6, 1), synthetic=True)
        assert report.status == "imported"
        assert report.years == [2013, 2024, 2025]
        assert report.municipalities == len(SMALL)
        assert report.national
        assert report.unmapped_labels == []
        assert report.derived > 0
        assert report.vintage.synthetic
        # "Hele landet" is the sum of the municipalities generated, so the national rate equals
        # the rate over the municipalities and the published target still holds.
        table = api.rates(engine, "2024", maps=["social"])
        rows = to_dicts(table)
        national = [d for d in rows if d["municipality_code"] == "000"][0]
        assert national["merits"] == sum(d["merits"] for d in rows if d["municipality_code"] != "000")
        assert percent(Fraction(national["reversed"], national["merits"]), 1) == "44,9 %"
        assert table.synthetic
    finally:
        engine.dispose()


# ---- the demo register ----------------------------------------------------------------------------


def test_the_demo_register_agrees_with_the_statistics_but_for_the_planted_discrepancies(demo):
    from klagestat.demo.register import PLANTED_YEAR, REGISTER_YEARS, demo_register

    engine = demo["engine"]
    with engine.connect() as conn:
        vintage_id = api.rates(engine, years="2024", national_only=True).vintages[0].id
        planted = demo_register(conn, load_catalogue(), vintage_id, demo["folder"] / "igen.csv")
    # Deterministic: the same register file again.
    assert (demo["folder"] / "igen.csv").read_bytes() == (demo["folder"] / "klageregister-allerod.csv").read_bytes()
    for year in REGISTER_YEARS:
        result = api.reconcile(engine, "Allerød", year)
        found = {(d.key, d.outcome.value): d.cases - d.statbank for d in result.differences}
        if year == PLANTED_YEAR:
            assert found == {planted.missing: -1, planted.moved_from: -1, planted.moved_to: +1,
                             planted.next_year: -1}, found
            causes = {(d.key, d.outcome.value): " ".join(d.causes) for d in result.differences}
            assert "anden bestemmelse" in causes[planted.moved_from]
            assert "andet år" in causes[planted.next_year]
            assert "mangler 1 sag" in causes[planted.missing]
        elif year == PLANTED_YEAR + 1:
            assert found == {planted.next_year: +1}, found
        else:
            assert found == {}, (year, found)


def test_the_demo_register_reproduces_allerods_rates(demo):
    engine = demo["engine"]
    for year in (2021, 2022, 2023):
        from_cases = api.rates(engine, years=str(year), municipalities=["Allerød"], source="cases")
        from_statbank = api.rates(engine, years=str(year), municipalities=["Allerød"])
        mine = lambda table: {r.map: r.counts for r in table.rows if r.area.code == "201"}  # noqa: E731
        assert mine(from_cases) == mine(from_statbank)


def test_the_demo_command_writes_a_sample_case_and_serves_the_web_app_with_a_demo_login(tmp_path):
    """`make demo` ends with the server running on the demo data, its address and a login printed."""
    port = free_port()
    server = popen_cli("demo", "--db", tmp_path / "demo.db", "--folder", tmp_path, "--port", str(port))
    try:
        printed = []
        for line in server.stdout:
            printed.append(line.decode())
            if "klagestat kører på" in printed[-1]:
                break
        out = "".join(printed)
        assert f"http://127.0.0.1:{port}/" in out, out + server.stderr.read().decode() if server.poll() else out
        login = re.search(r"log ind med (\S+) og adgangskoden (\S+)\.", out)
        assert login, out
        sample = tmp_path / "danmarkskort-2024-allerod.docx"
        assert str(sample) in out and "report complaints" in out
        headings = [p.text for p in docx.Document(str(sample)).paragraphs if p.style.name == "Heading 1"]
        assert headings == ["Resumé", "Baggrund", "Sagsfremstilling", "Indstilling", "Bilag"]

        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(100):  # the address is printed just before the server listens
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            form = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
            answer = client.post("/login", data={"email": login[1], "password": login[2], "csrf_token": token})
            assert answer.status_code == 303 and answer.headers["location"] == "/sager"
            cases = client.get("/sager")
            assert cases.status_code == 200 and "Allerød Kommunes klagesager" in cases.text
    finally:
        server.terminate()
        server.wait(10)


def test_the_demo_files_carry_their_synthetic_mark_into_another_database(demo, make_database, tmp_path):
    """A user who imports the demo's own files into a database of theirs with the ordinary
    commands gets every figure and report from them marked as synthetic, as in the demo."""
    folder = demo["folder"]
    for name in ("ankeast2-demo-2013-2025.csv", "folk1a-syntetisk-demo.csv", "klageregister-allerod.csv"):
        assert (folder / name).read_text(encoding="utf-8-sig").rstrip().splitlines()[-1].startswith(SYNTHETIC_MARK)
    db = make_database()
    for command in (("import", "statbank", folder / "ankeast2-demo-2013-2025.csv"),
                    ("import", "population", folder / "folk1a-syntetisk-demo.csv"),
                    ("import", "cases", folder / "klageregister-allerod.csv", "--municipality", "Allerød")):
        result = run_cli(*command, db=db)
        assert result.code == 0, result
        assert "SYNTETISK" in result.stdout.upper()  # the import report says so
    assert db_rows(db, "SELECT synthetic FROM vintage") == [(True,)] * 2  # statistics and population
    assert db_rows(db, "SELECT synthetic FROM case_import") == [(True,)]
    assert db_count(db, "SELECT COUNT(*) FROM case_record") == db_count(demo["db"], "SELECT COUNT(*) FROM case_record")
    rows = json.loads(run_cli("rates", "--year", "2024", "--municipality", "Allerød", "--format", "json", db=db).stdout)
    assert rows and all(r["synthetic"] for r in rows)
    for report in ("complaints", "danmarkskort"):
        out = tmp_path / f"{report}.md"
        assert run_cli("report", report, "--municipality", "Allerød", "--year", "2024", "--out", out, db=db).code == 0
        assert "SYNTETISKE DEMODATA" in out.read_text(encoding="utf-8")
    # The same files without the mark are real data: nothing is marked.
    plain = tmp_path / "uden-maerke.csv"
    text = (folder / "klageregister-allerod.csv").read_text(encoding="utf-8-sig").rstrip().splitlines()
    plain.write_text("\n".join(text[:-1]) + "\n", encoding="utf-8")
    other = make_database()
    assert run_cli("import", "cases", plain, "--municipality", "Allerød", db=other).code == 0
    assert db_rows(other, "SELECT synthetic FROM case_import") == [(False,)]
