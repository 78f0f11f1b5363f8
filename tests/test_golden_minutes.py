"""Golden tests from the two real committee minutes in ../shared/seeds/.

The minutes show what municipalities publish today. Each test writes a real statistics-bank CSV
holding counts consistent with the minutes, imports it through the real importer and checks that
klagestat reproduces every published figure, to the rounding. Where a minute gives only a rate
and a number of cases ("63% (65)"), the number of reversed cases is the one whole number that
gives that rate on that many cases (unique for fewer than 100 cases).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from klagestat import api
from klagestat.domain.catalogue import AreaLevel
from klagestat.render import numbers
from klagestat.render.rate_rows import to_dicts

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
ALLERØD = SEEDS / "001_35e0f5e31885d510.txt"
BALLERUP = SEEDS / "002_9664eddf3161da52.txt"
HEADER = "OMRÅDE;LOVGRUNDLAG;AFGØRELSE;TID;INDHOLD"
OUTCOME_LABELS = ("Stadfæstet", "Ændret/ophævet", "Hjemvist", "Afvist/henvist")


def seed_text(path: Path) -> str:
    if not path.exists():
        pytest.skip(f"{path} findes ikke (../shared mangler)")
    return path.read_text(encoding="utf-8")


def write_statbank(path: Path, rows: list[tuple[str, str, str, int]], encoding="utf-8") -> Path:
    """rows: (area, legal-basis label, year, (upheld, changed, remitted, dismissed))."""
    lines = [HEADER]
    for area, label, year, counts in rows:
        for outcome, n in zip(OUTCOME_LABELS, counts):
            lines.append(f"{area};{label};{outcome};{year};{n}")
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def with_law_rows(rows):
    """Add the law-level rows ("1 Serviceloven") as the sums of their provisions."""
    totals: dict[tuple, list[int]] = {}
    for area, label, year, counts in rows:
        major = label.split(".", 1)[0]
        totals.setdefault((area, major, year), [0, 0, 0, 0])
        for i, n in enumerate(counts):
            totals[(area, major, year)][i] += n
    law_names = {"1": "Serviceloven", "2": "Barnets lov", "4": "Lov om aktiv socialpolitik", "6": "Lov om sygedagpenge"}
    return rows + [(area, f"{major} {law_names[major]}", year, tuple(c)) for (area, major, year), c in totals.items()]


def reversed_for(percent: int, n: int) -> int:
    """The unique number of reversed cases that shows as `percent` on n cases."""
    matches = [k for k in range(n + 1) if numbers.round_half_up(Fraction(100 * k, n)) == percent]
    assert len(matches) == 1, (percent, n, matches)
    return matches[0]


# ---- Allerød, Børne- og Skoleudvalget 23-09-2025 ------------------------------------------------

def allerød_tabel_1(text: str) -> dict[str, dict[int, tuple[int, int]]]:
    """{municipality: {year: (percent, cases)}} from Tabel 1."""
    header = re.search(r"Socialområdet generelt\t(\d{4})\t(\d{4})\t(\d{4})\t(\d{4})", text)
    years = [int(y) for y in header.groups()]
    table = {}
    for line in text[header.end():].splitlines():
        m = re.match(r"^([A-ZÆØÅ][\wæøå-]+)\t" + r"\t".join([r"(\d+)% \((\d+)\)"] * 4) + r"\s*$", line)
        if m:
            g = [int(x) for x in m.groups()[1:]]
            table[m.group(1)] = {y: (g[2 * i], g[2 * i + 1]) for i, y in enumerate(years)}
        elif table:
            break
    return table


def allerød_tabel_2(text: str) -> dict[str, tuple[int, int, int, int, int, int]]:
    """{area: (decided, upheld, changed, remitted, dismissed, percent)} from Tabel 2."""
    start = text.index("Tabel 2:")
    rows = {}
    for line in text[start:].splitlines()[1:]:
        m = re.match(r"^(.+?)\t(\d+)\t(\d+)\t(\d+)\t(\d+)\t(\d+)\t(\d+)%\s*$", line)
        if m:
            rows[m.group(1).strip()] = tuple(int(x) for x in m.groups()[1:])
        elif rows:
            break
    return rows


# Where each of Allerød's administrative areas has its cases (one provision each) in the fixture.
TABEL_2_PROVISIONS = {
    "Børneområdet": ("2.4 Tabt arbejdsfortjeneste - §§ 87-88", "Barnets lov"),
    "Ældre- og Sundhed": ("1.18 Hjælpemidler - § 112", "Serviceloven § 112"),
    "Borgerservice – beskæftigelse + ydelse": ("4.2 Hjælp til sygebehandling, medicin og tandbehandling - § 81", "aktivloven"),
    "Borgerservice – specialiseret område": ("1.15 Voksne - merudgifter - § 100", "SEL §§ 85 og 100"),
}


@pytest.fixture(scope="module")
def allerød_db(tmp_path_factory):
    text = seed_text(ALLERØD)
    tabel_1 = allerød_tabel_1(text)
    tabel_2 = allerød_tabel_2(text)
    assert list(tabel_1) == ["Allerød", "Hillerød", "Hørsholm", "Furesø", "Rudersdal"]
    assert len(tabel_2) == 5 and tabel_2["I alt"][0] == 85
    folder = tmp_path_factory.mktemp("allerød")
    rows = []
    for name, cells in tabel_1.items():
        for year, (percent, cases) in cells.items():
            if name == "Allerød" and year == 2024:
                continue  # from Tabel 2, provision by provision
            k = reversed_for(percent, cases)
            changed = k // 5
            label = "1.1 Voksne - socialpædagogisk støtte - § 85"
            rows.append((name, label, year, (cases - k, changed, k - changed, 0)))
    for area, (_, upheld, changed, remitted, dismissed, _) in tabel_2.items():
        if area == "I alt":
            continue
        rows.append(("Allerød", TABEL_2_PROVISIONS[area][0], 2024, (upheld, changed, remitted, dismissed)))
    for name in tabel_1:  # every municipality has Barnets lov rows in 2024, if only zeros
        if name != "Allerød":
            rows.append((name, "2.1 Merudgifter - § 86", 2024, (0, 0, 0, 0)))
    data = write_statbank(folder / "ankeast1-allerød.csv", with_law_rows(rows), encoding="cp1252")
    areas = folder / "områder.toml"
    areas.write_text(
        "\n".join(f'[areas."{a}"]\nprovisions = ["{sel}"]' for a, (_, sel) in TABEL_2_PROVISIONS.items()) + "\n",
        encoding="utf-8",
    )
    db = str(folder / "klagestat.db")
    engine = api.open_database(db)
    api.import_statbank(engine, [data])
    return engine, db, areas, tabel_1, tabel_2


def test_allerød_2024_social_map(allerød_db):
    engine = allerød_db[0]
    rows = to_dicts(api.rates(engine, "2024", municipalities=["Allerød"], maps=["social"]))
    allerød = next(r for r in rows if r["municipality_code"] == "201")
    assert (allerød["upheld"], allerød["changed"], allerød["remitted"]) == (24, 8, 33)
    assert allerød["reversal_rate"] == 41 / 65
    assert numbers.municipal_percent(Fraction(allerød["reversed"], allerød["merits"])) == "63 %"


def test_allerød_tabel_1_every_cell(allerød_db):
    _, db, _, tabel_1, _ = allerød_db
    args = ["rates", "--db", db, "--year", "2021,2022,2023,2024", "--map", "social", "--format", "table"]
    for name in tabel_1:
        args += ["--municipality", name]
    out = subprocess.run([sys.executable, "-m", "klagestat.cli", *args], capture_output=True, text=True, check=True).stdout
    for name, cells in tabel_1.items():
        line = next(text for text in out.splitlines() if text.strip().startswith(name))
        expected = [f"{p} % ({n})" for _, (p, n) in sorted(cells.items(), reverse=True)]
        assert re.findall(r"\d+ % \(\d+\)", line) == expected, line


def test_allerød_neighbours_give_tabel_1s_municipalities(allerød_db):
    engine, _, _, tabel_1, _ = allerød_db
    table = api.rates(engine, "2023", municipalities=["Allerød"], maps=["social"], neighbours=True)
    municipalities = [r for r in table.rows if r.area.level is AreaLevel.MUNICIPALITY]
    assert [r.area.name for r in municipalities] == list(tabel_1)
    # … and the four neighbours pooled as one comparison group.
    group = next(r for r in table.rows if r.area.level is AreaLevel.GROUP)
    assert "Hillerød, Hørsholm, Furesø, Rudersdal" in group.area.name
    assert group.counts == sum((r.counts for r in municipalities[1:]), start=type(group.counts)())


@pytest.mark.parametrize("definition", ["all-decided", "official"])
def test_allerød_tabel_2_by_area(allerød_db, definition):
    engine, _, areas, _, tabel_2 = allerød_db
    table = api.rates(engine, "2024", municipalities=["Allerød"], by="area", areas=areas, definition=definition)
    by_area = {r.group: r for r in table.rows if r.area.code == "201"}
    total = next(t for t in table.totals if t.area.code == "201")
    for area, (decided, upheld, changed, remitted, dismissed, percent) in tabel_2.items():
        row = total if area == "I alt" else by_area[area]
        assert (row.counts.upheld, row.counts.changed, row.counts.remitted, row.counts.dismissed) == (
            upheld, changed, remitted, dismissed)
        if definition == "all-decided":
            # The minutes divide by all decided cases: Tabel 2's own percentages.
            assert row.denominator == decided
            assert numbers.municipal_percent(row.rate) == f"{percent} %"
    if definition == "official":
        # The official definition over the same 85 cases: 47 of 77 on the merits.
        assert (total.counts.reversed, total.denominator) == (47, 77)
        assert numbers.municipal_percent(total.rate) == "61 %"


def test_allerød_tabel_2_table_shows_the_total_row(allerød_db):
    _, db, areas, _, _ = allerød_db
    out = subprocess.run(
        [sys.executable, "-m", "klagestat.cli", "rates", "--db", db, "--year", "2024", "--municipality", "Allerød",
         "--by", "area", "--areas", str(areas), "--definition", "all-decided"],
        capture_output=True, text=True, check=True,
    ).stdout
    total_line = next(text for text in out.splitlines() if "Allerød" in text and "I alt" in text)
    assert "55 %" in total_line and " 85 " in total_line
    assert "alle afgjorte sager" in out  # the definition is always named


# ---- Ballerup, Socialudvalget 30-09-2025 ----------------------------------------------------------

def ballerup_figures(text: str) -> dict:
    def pct(pattern):
        return re.search(pattern, text).group(1)

    return {
        "social": pct(r"omgørelsesprocent på socialområdet ligger på (\d+ %)"),
        "national_social": pct(r"På landsplan er omgørelsesprocenten på (\d+,\d %)"),
        "child_points": pct(r"ligger (\d+,\d) procentpoint under landsgennemsnittet på børnehandicapområdet"),
        "adult_cases": int(pct(r"har der været (\d+) klagesager")),
        "adult_reversed": int(pct(r"har omgjort (\d+) sag")),
        "adult": pct(r"paragraffer \((\d+ %)\)"),
        "national_adult": pct(r"landsplan \((\d+,\d %)\)"),
    }


def ballerup_db(tmp_path: Path) -> tuple[Path, dict]:
    """A database with statistics consistent with Ballerup's minutes, and the minutes' figures."""
    fig = ballerup_figures(seed_text(BALLERUP))
    # National counts with the published 2024 splits (domain.md): child 7.6/41.3/51.1,
    # adult 4.5/35.9/59.6, social 7.1/37.8/55.1, per 1,000 and 10,000 cases on the merits.
    national = [
        ("2.1 Merudgifter - § 86", (511, 76, 413, 40)),
        ("1.15 Voksne - merudgifter - § 100", (596, 45, 359, 30)),
        ("1.1 Voksne - socialpædagogisk støtte - § 85", (5510 - 511 - 596, 710 - 76 - 45, 3780 - 413 - 359, 500)),
    ]
    # Ballerup: the adult map 3 cases with 1 reversed; the child map 1.4 points under 48.9 %
    # (19 of 40 = 47.5 %); the social map 37 of 100.
    cases, rev = fig["adult_cases"], fig["adult_reversed"]
    ballerup = [
        ("2.1 Merudgifter - § 86", (21, 3, 16, 2)),
        ("1.15 Voksne - merudgifter - § 100", (cases - rev, 0, rev, 0)),
        ("1.1 Voksne - socialpædagogisk støtte - § 85", (40, 4, 13, 1)),
    ]
    rows = [("Hele landet", label, 2024, c) for label, c in national]
    rows += [("Ballerup Kommune", label, 2024, c) for label, c in ballerup]
    data = write_statbank(tmp_path / "ballerup.csv", with_law_rows(rows), encoding="utf-8-sig")
    engine = api.open_database(str(tmp_path / "k.db"))
    api.import_statbank(engine, [data])
    return tmp_path / "k.db", fig


def test_ballerup_figures(tmp_path):
    db, fig = ballerup_db(tmp_path)
    engine = api.open_database(str(db))
    table = api.rates(engine, "2024", municipalities=["151"])
    rows = {(r.area.code, r.map): r for r in table.rows}

    assert numbers.municipal_percent(rows[("151", "social")].rate) == fig["social"] == "37 %"
    assert numbers.national_percent(rows[("000", "social")].rate) == fig["national_social"] == "44,9 %"
    child = rows[("151", "child-disability")]
    assert numbers.national_percent(child.national_rate) == "48,9 %"
    assert numbers.points(child.difference_from_national) == "-" + fig["child_points"]
    adult = rows[("151", "adult-disability")]
    assert adult.denominator == 3
    assert numbers.municipal_percent(adult.rate) == fig["adult"] == "33 %"
    assert numbers.national_percent(adult.national_rate) == fig["national_adult"] == "40,4 %"

    out = subprocess.run(
        [sys.executable, "-m", "klagestat.cli", "rates", "--db", str(tmp_path / "k.db"), "--year", "2024",
         "--municipality", "Ballerup"],
        capture_output=True, text=True, check=True,
    ).stdout
    adult_line = next(text for text in out.splitlines() if "Ballerup" in text and "Voksenhandicap" in text)
    assert "33 % *" in adult_line  # few cases are flagged …
    assert "Under 20 sager" in out  # … and explained


# ---- klagestat check on the minutes themselves ----------------------------------------------------

def check_json(db, seed: Path, municipality: str, *args: str) -> list[dict]:
    out = subprocess.run([sys.executable, "-m", "klagestat.cli", "check", str(seed), "--municipality", municipality,
                          "--year", "2024", "--format", "json", "--db", str(db), *args],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["claims"]


def test_check_confirms_allerød_s_figures_and_names_tabel_2_s_definition(allerød_db):
    _, db, _, tabel_1, tabel_2 = allerød_db
    claims = check_json(db, ALLERØD, "Allerød")
    assert [c for c in claims if c["verdict"] == "wrong"] == []  # statistics built from the minutes: nothing wrong
    # Tabel 1, every cell: the rate and the number of cases (on the merits) beside it.
    cells = {(c["subject"]["row"], c["subject"]["column"], c["claimed"]): c["verdict"] for c in claims
             if c["subject"]["row"] in tabel_1}
    for name, by_year in tabel_1.items():
        for year, (percent, cases) in by_year.items():
            assert cells[(name, str(year), f"{percent}%")] == "correct", (name, year)
            assert cells[(name, str(year), f"({cases})")] == "correct", (name, year)
    # The text's own sentences.
    said = {c["claimed"]: c for c in claims if c["subject"]["row"] is None}
    for claimed in ("63 %", "ca. 12 pct."):
        assert said[claimed]["verdict"] == "correct", said[claimed]
    # The statistics built from the minutes have no national figures: the nation's rate can't be checked.
    assert said["45 %"]["verdict"] == "not_verifiable" and "landsplan" in said["45 %"]["why"]
    # Tabel 2 divides by all decided cases: its rates are another definition where cases were dismissed.
    rates = {c["subject"]["row"]: c for c in claims if c["measure"] == "rate" and c["subject"]["row"] in tabel_2}
    for area, (decided, upheld, changed, remitted, dismissed, percent) in tabel_2.items():
        assert rates[area]["claimed"] == f"{percent}%"
        assert rates[area]["verdict"] == ("other_definition" if dismissed else "correct"), rates[area]
    assert rates["I alt"]["computed"] == "61 %"


def test_check_confirms_ballerup_s_figures(tmp_path):
    db, fig = ballerup_db(tmp_path)
    claims = check_json(db, BALLERUP, "Ballerup")
    assert [c for c in claims if c["verdict"] == "wrong"] == []
    said = {c["claimed"]: c for c in claims}
    for claimed in (fig["social"], fig["national_social"], f"({fig['adult']})".strip("()"), fig["national_adult"]):
        assert said[claimed]["verdict"] == "correct", said[claimed]
    assert said[fig["national_adult"]]["subject"]["area_code"] == "000"
    points = said[f"{fig['child_points']} procentpoint"]  # under the nation's rate on the child-disability map
    assert (points["verdict"], points["computed"], points["subject"]["map"]) == ("correct", "-1,4", "child-disability")
    assert said[fig["national_adult"]]["subject"]["map"] == "adult-disability"


def test_check_with_the_areas_file_checks_tabel_2_against_the_statistics_by_area(allerød_db):
    _, db, areas, _, tabel_2 = allerød_db
    claims = check_json(db, ALLERØD, "Allerød", "--areas", str(areas))
    assert [c for c in claims if c["verdict"] == "wrong"] == []
    rows = [c for c in claims if c["subject"]["group"] in tabel_2]
    assert {c["subject"]["group"] for c in rows} == set(tabel_2) - {"I alt"}
    for c in rows:
        decided, upheld, changed, remitted, dismissed, percent = tabel_2[c["subject"]["group"]]
        if c["measure"] == "rate":
            assert c["verdict"] == ("other_definition" if dismissed else "correct"), c
        else:  # every count of the row, against the register of the area's provisions in the statistics
            assert c["verdict"] == "correct" and c["why"].startswith("Statistikken har"), c
