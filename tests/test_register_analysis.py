"""The register analyses (analysis.register) on real databases, SQLite and PostgreSQL.

Each test writes cases with store.register.insert_cases and checks the analysis against figures the
test works out itself from the same cases, in plain Python, never against the code's own output.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import random
from collections import Counter
from fractions import Fraction

import pytest
from rich.console import Console

from klagestat.analysis import register as ra
from klagestat.catalogue import load_catalogue, load_register_vocabulary
from klagestat.domain.problems import InputError
from klagestat.ingest.decisions_file import read_decisions
from klagestat.render.register_tables import analysis_json, render_analysis, repeat_complainants_table
from klagestat.store.database import open_database
from klagestat.store.register import RECORD_COLUMNS, insert_cases

from conftest import run_cli

LEJRE, ALLEROED = "350", "201"
AST = "Ankestyrelsen"
KSU = "Klagenævnet for Specialundervisning"
REVERSED = ("changed", "remitted")
MERITS = ("upheld", "changed", "remitted")
YEARS = [2023, 2024]
D = dt.date


def case(case_id: str, municipality: str = LEJRE, **values) -> dict:
    """One register case as a dict of RECORD_COLUMNS (those not given are NULL)."""
    row = {c: None for c in RECORD_COLUMNS}
    row.update(municipality_code=municipality, case_id=case_id, complaint_body=AST, version=1, import_id=1,
               line=2, content_hash="0" * 64)
    row.update(values)
    return row


def store(db: str, cases: list[dict]):
    engine = open_database(db)
    with engine.begin() as conn:
        insert_cases(conn, [tuple(c[col] for col in RECORD_COLUMNS) for c in cases])
    return engine


def printed(*tables) -> str:
    """What Rich prints, with runs of spaces squashed."""
    console = Console(file=io.StringIO(), width=200)
    for t in tables:
        console.print(t)
    return " ".join(console.file.getvalue().split())


def analyse(engine, name: str, municipality=LEJRE, years=YEARS, **kwargs):
    with engine.connect() as conn:
        return getattr(ra, name)(conn, municipality, years, **kwargs)


# ---- a mixed register, and what it should give -------------------------------------------------------

PROVISIONS = [("serviceloven:100", "serviceloven", "SEL § 100"), ("barnets-lov:87+88", "barnets-lov", "BL §§ 87-88"),
              ("serviceloven:112", "serviceloven", "SEL § 112"), (None, "aktivloven", "Aktivloven"),
              (None, None, "Lov om noget helt tredje"), (None, None, "lov om  noget helt TREDJE"), (None, None, None)]
COMMITTEES = ["Børne- og Ungeudvalget", " børne- og  ungeudvalget", "Social- og Sundhedsudvalget", None]
REASON_CODES = list(load_register_vocabulary().reason_names)


def mixed_register(seed: int = 3, n: int = 400) -> list[dict]:
    """Cases of two municipalities 2021-2025 with every kind of gap: missing dates, pending cases,
    other complaint bodies, steps recorded out of order, citizens who complain again and again."""
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        municipality = LEJRE if rng.random() < 0.8 else ALLEROED
        decided_on = D(2021, 1, 1) + dt.timedelta(days=rng.randrange(0, 4 * 365))
        complained = decided_on + dt.timedelta(days=rng.randrange(1, 30))
        reassessment = rng.choice(["upheld", "upheld", "partly", "reversed", None])
        reassessed = complained + dt.timedelta(days=rng.randrange(-3, 60)) if rng.random() < 0.8 else None
        forwarded = (reassessed or complained) + dt.timedelta(days=rng.randrange(1, 20)) \
            if reassessment != "reversed" and rng.random() < 0.9 else None
        decided = forwarded + dt.timedelta(days=rng.randrange(-5, 500)) if forwarded and rng.random() < 0.85 else None
        outcome = rng.choice(["upheld", "upheld", "changed", "remitted", "remitted", "dismissed"]) if decided else None
        reasons = ";".join(rng.sample(REASON_CODES, rng.randrange(0, 3))) if outcome in REVERSED else None
        key, law, basis = rng.choice(PROVISIONS)
        cases.append(case(
            f"K{i}", municipality,
            citizen=rng.choice([None, *(f"borger-{k}" for k in range(60))]),
            legal_basis=basis, law_id=law, provision_key=key, committee=rng.choice(COMMITTEES),
            decision_date=decided_on if rng.random() < 0.9 else None, complaint_date=complained,
            reassessment=reassessment, reassessment_date=reassessed if reassessment else None,
            complaint_body=AST if rng.random() < 0.85 else KSU, forwarded_date=forwarded,
            body_decision_date=decided, outcome=outcome, outcome_label=outcome, reasons=reasons or None,
        ))
    return cases


@pytest.fixture
def mixed(database):
    cases = mixed_register()
    engine = store(database, cases)
    yield engine, cases
    engine.dispose()


def in_years(day, years=YEARS) -> bool:
    return day is not None and day.year in years


def mine(cases, municipality=LEJRE):
    return [c for c in cases if municipality is None or c["municipality_code"] == municipality]


# ---- 1. decision years ------------------------------------------------------------------------------

@pytest.mark.parametrize("municipality", [LEJRE, None])
def test_decision_years_counts_ankestyrelsens_cases_by_the_year_of_the_municipalitys_decision(mixed, municipality):
    engine, cases = mixed
    result = analyse(engine, "decision_years", municipality)
    expected: dict[tuple, Counter] = {}
    for c in mine(cases, municipality):
        if c["complaint_body"] == AST and c["outcome"] and in_years(c["body_decision_date"]):
            key = (c["body_decision_date"].year, c["decision_date"].year if c["decision_date"] else None)
            expected.setdefault(key, Counter())[c["outcome"]] += 1
    assert {(r.year, r.decision_year) for r in result.rows} == set(expected)
    per_year = Counter()
    for (year, _), counts in expected.items():
        per_year[year] += sum(counts.values())
    for row in result.rows:
        counts = expected[(row.year, row.decision_year)]
        merits = sum(counts[o] for o in MERITS)
        reversed_ = sum(counts[o] for o in REVERSED)
        assert (row.cases, row.merits, row.reversed) == (sum(counts.values()), merits, reversed_)
        assert row.rate == (Fraction(reversed_, merits) if merits else None)
        assert row.share == Fraction(row.cases, per_year[row.year])
    assert any(r.decision_year is None for r in result.rows)  # decisions without a date are kept
    assert "afgjort af Ankestyrelsen i 2023-2024" in result.basis


# ---- 2. durations -------------------------------------------------------------------------------------

def percentile_linear(values: list[int], q: float) -> float:
    """Hyndman and Fan's type 7, by hand: between the two nearest order statistics."""
    xs = sorted(values)
    h = (len(xs) - 1) * q
    low = math.floor(h)
    high = min(low + 1, len(xs) - 1)
    return xs[low] + (h - low) * (xs[high] - xs[low])


STEPS = {
    "complaint_to_reassessment": ("complaint_date", "reassessment_date"),
    "complaint_to_forwarded": ("complaint_date", "forwarded_date"),
    "forwarded_to_decision": ("forwarded_date", "body_decision_date"),
    "complaint_to_decision": ("complaint_date", "body_decision_date"),
}


def test_durations_per_step_for_the_cases_whose_step_ended_in_the_years(mixed):
    engine, cases = mixed
    result = analyse(engine, "durations")
    rows = {(r.step, r.year): r for r in result.rows}
    assert set(rows) == {(s, y) for s in STEPS for y in [*YEARS, None]}
    for step, (start, end) in STEPS.items():
        for year in [*YEARS, None]:
            years = YEARS if year is None else [year]
            days = [(c[end] - c[start]).days for c in mine(cases)
                    if c[start] and in_years(c[end], years)]
            valid = sorted(d for d in days if d >= 0)
            row = rows[(step, year)]
            assert row.n == len(valid) and row.excluded == len(days) - len(valid)
            mid = len(valid) // 2
            median = valid[mid] if len(valid) % 2 else (valid[mid - 1] + valid[mid]) / 2
            assert row.median_days == pytest.approx(median)
            assert row.p90_days == pytest.approx(percentile_linear(valid, 0.9))
    assert any(r.excluded for r in result.rows)  # the register has steps recorded out of order


def test_durations_small_example_by_hand(database):
    # Klage → afgørelse: 10, 20, 30, 40 and 100 days, all decided in 2024; one ends in 2023.
    cases = [case(f"D{i}", complaint_date=D(2024, 1, 1), forwarded_date=D(2024, 1, 1),
                  body_decision_date=D(2024, 1, 1) + dt.timedelta(days=d), outcome="upheld")
             for i, d in enumerate([10, 20, 30, 40, 100])]
    cases.append(case("old", complaint_date=D(2023, 1, 1), body_decision_date=D(2023, 6, 1), outcome="upheld"))
    engine = store(database, cases)
    row = next(r for r in analyse(engine, "durations", years=[2024]).rows if r.step == "complaint_to_decision")
    # median 30; 90th percentile: h = 4 × 0.9 = 3.6, so 40 + 0.6 × (100 - 40) = 76
    assert (row.n, row.median_days, row.p90_days) == (5, 30.0, pytest.approx(76.0))
    engine.dispose()


# ---- 3. reassessment -----------------------------------------------------------------------------------

def test_reassessment_of_the_complaints_received_in_the_years(mixed):
    engine, cases = mixed
    result = analyse(engine, "reassessment")
    assert [r.year for r in result.rows] == [*YEARS, None]
    for row in result.rows:
        years = YEARS if row.year is None else [row.year]
        chosen = [c for c in mine(cases) if in_years(c["complaint_date"], years)]
        results = Counter(c["reassessment"] for c in chosen)
        with_result = results["upheld"] + results["partly"] + results["reversed"]
        assert (row.complaints, row.upheld, row.partly, row.reversed, row.not_recorded) == (
            len(chosen), results["upheld"], results["partly"], results["reversed"], results[None])
        assert row.granted == results["partly"] + results["reversed"]
        assert row.granted_share == Fraction(row.granted, with_result)
        assert row.forwarded == sum(1 for c in chosen if c["forwarded_date"])


# ---- 4. repeat complainants ------------------------------------------------------------------------------

@pytest.mark.parametrize("municipality", [LEJRE, None])
def test_repeat_complainants(mixed, municipality):
    engine, cases = mixed
    result = analyse(engine, "repeat_complainants", municipality)
    decided = [c for c in mine(cases, municipality) if c["outcome"] and in_years(c["body_decision_date"])]
    # A citizen is a pseudonym within one municipality: the same borger-id in two municipalities is two people.
    per_citizen = Counter((c["municipality_code"], c["citizen"]) for c in decided if c["citizen"])
    assert result.cases == len(decided)
    assert result.cases_without_citizen == sum(1 for c in decided if not c["citizen"])
    assert result.cases_with_citizen == sum(per_citizen.values())
    assert result.citizens == len(per_citizen)
    for group, threshold in zip(result.groups, (2, 5)):
        many = [n for n in per_citizen.values() if n >= threshold]
        assert (group.min_cases, group.citizens, group.cases) == (threshold, len(many), sum(many))
        assert group.share == Fraction(sum(many), sum(per_citizen.values()))
    assert result.most_cases == max(per_citizen.values())
    assert "borger-" not in json.dumps(analysis_json(result))  # never a pseudonym


def test_sixteen_cases_from_three_citizens(database):
    cases = [case(f"R{i}", citizen=f"p{i % 3}", outcome="upheld", body_decision_date=D(2024, 3, 1) + dt.timedelta(i))
             for i in range(16)]
    cases.append(case("alone", citizen="p9", outcome="changed", body_decision_date=D(2024, 5, 1)))
    cases.append(case("anon", outcome="changed", body_decision_date=D(2024, 5, 1)))
    engine = store(database, cases)
    r = analyse(engine, "repeat_complainants", years=[2024])
    assert (r.cases, r.citizens, r.cases_without_citizen) == (18, 4, 1)
    assert [(g.citizens, g.cases, g.share) for g in r.groups] == [(3, 16, Fraction(16, 17)), (3, 16, Fraction(16, 17))]
    # Public material hides 1-4 citizens; the internal table shows them.
    internal = printed(repeat_complainants_table(r))
    public = printed(repeat_complainants_table(r, public=True))
    assert "<5" in public and "<5" not in internal
    assert "Alle sager med borger-id 4 17" in internal and "Alle sager med borger-id <5 17" in public
    engine.dispose()


# ---- 5. reversal reasons and provisions --------------------------------------------------------------------

def expected_label(key, law, basis) -> str:
    catalogue = load_catalogue()
    if key:
        return catalogue.provision_label(key, YEARS[-1])
    if law:
        return catalogue.laws[law].name
    return basis.strip() if basis else ra.UNKNOWN_BASIS


def test_reversal_reasons_and_the_provisions_behind_the_reversals(mixed):
    engine, cases = mixed
    result = analyse(engine, "reversal_reasons")
    decided = [c for c in mine(cases) if c["outcome"] and in_years(c["body_decision_date"])]
    reversed_ = [c for c in decided if c["outcome"] in REVERSED]
    names = load_register_vocabulary().reason_names
    codes = Counter(code for c in reversed_ for code in (c["reasons"] or "").split(";") if code)
    assert result.reversed == len(reversed_)
    assert {r.name: r.cases for r in result.reasons} == {names[k]: n for k, n in codes.items()}
    assert result.without_reason == sum(1 for c in reversed_ if not c["reasons"])
    assert [r.cases for r in result.reasons] == sorted((r.cases for r in result.reasons), reverse=True)

    # Pareto: the typed legal bases that differ only in case and spacing are one row, shown as
    # their most common spelling.
    spellings = Counter(c["legal_basis"] for c in decided if not c["provision_key"] and not c["law_id"]
                        and c["legal_basis"] and "tredje" in c["legal_basis"].casefold())
    shown = sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    by_label: dict[str, Counter] = {}
    for c in decided:
        key, law, basis = c["provision_key"], c["law_id"], c["legal_basis"]
        label = shown if basis in spellings and not key and not law else expected_label(key, law, basis)
        by_label.setdefault(label, Counter())[c["outcome"]] += 1
    rows = [(label, sum(o[x] for x in REVERSED), sum(o[x] for x in MERITS)) for label, o in by_label.items()]
    rows = sorted((r for r in rows if r[1]), key=lambda r: (-r[1], r[0]))
    assert [(p.label, p.reversed, p.merits) for p in result.provisions] == rows
    running = 0
    for p, (_, rev, merits) in zip(result.provisions, rows):
        running += rev
        assert p.rate == Fraction(rev, merits)
        assert p.share == Fraction(rev, len(reversed_))
        assert p.cumulative_share == Fraction(running, len(reversed_))
    assert result.provisions[-1].cumulative_share == 1
    labels = {p.label for p in result.provisions}
    assert "Lov om aktiv socialpolitik" in labels and ra.UNKNOWN_BASIS in labels
    assert shown in labels and len(spellings) == 2


def test_values_holding_the_separators_are_counted_all_the_same(database):
    odd = "SEL\x1f§\x1e100"  # the unit and record separators the fast count uses
    cases = [case(f"s{i}", provision_key=None, law_id=None, legal_basis=odd, outcome=o, citizen=odd if i < 3 else None,
                  body_decision_date=D(2024, 2, 1) + dt.timedelta(days=i), reasons="andet" if o != "upheld" else None)
             for i, o in enumerate(["remitted"] * 6 + ["upheld", "changed"])]
    cases += [case(f"q{i}", outcome="upheld", body_decision_date=d)  # a long history: the burst is a cluster
              for i, d in enumerate(spread(D(2015, 1, 1), D(2025, 1, 1), 20))]
    engine = store(database, cases)
    result = analyse(engine, "reversal_reasons", years=[2024])
    assert [(p.label, p.reversed, p.merits) for p in result.provisions] == [(odd, 7, 8)]
    repeat = analyse(engine, "repeat_complainants", years=[2024])
    without = sum(1 for c in cases if c["body_decision_date"].year == 2024 and not c["citizen"])
    assert (repeat.citizens, repeat.groups[0].cases, repeat.cases_without_citizen) == (1, 3, without)
    [cluster] = analyse(engine, "clusters", years=[2024]).clusters
    assert (cluster.label, cluster.remittals, cluster.decided) == (odd, 6, 6)  # the others come after
    engine.dispose()


# ---- 6. clusters -----------------------------------------------------------------------------------------------

def spread(start: D, end: D, n: int) -> list[D]:
    """n dates spread evenly from start to end."""
    span = (end - start).days
    return [start + dt.timedelta(days=round(i * span / n)) for i in range(n)]


def test_a_burst_of_remittals_on_one_provision_is_a_cluster_and_a_steady_stream_is_not(database):
    cases = []
    # A steady background 2020-2025: SEL § 100 remitted 40 times a year, evenly; BL §§ 87-88 upheld.
    for i, day in enumerate(spread(D(2020, 1, 1), D(2025, 12, 31), 240)):
        cases.append(case(f"bg{i}", provision_key="serviceloven:100", law_id="serviceloven", outcome="remitted",
                          body_decision_date=day, reasons="oplysningsgrundlag"))
    for i, day in enumerate(spread(D(2020, 1, 1), D(2025, 12, 31), 300)):
        cases.append(case(f"up{i}", provision_key="barnets-lov:87+88", law_id="barnets-lov", outcome="upheld",
                          body_decision_date=day))
    # SEL § 112: 2 remittals a year as usual (15 January and 1 March, well away from the burst,
    # so no window that holds the burst starts or ends at one), then 15 in 2024 Q3 (a change in practice).
    usual = [D(y, m, d) for y in range(2020, 2026) for m, d in ((1, 15), (3, 1))]
    for i, day in enumerate(usual):
        cases.append(case(f"h{i}", provision_key="serviceloven:112", law_id="serviceloven", outcome="remitted",
                          body_decision_date=day, reasons="andet"))
    burst = spread(D(2024, 7, 3), D(2024, 9, 27), 15)
    for i, day in enumerate(burst):
        cases.append(case(f"b{i}", provision_key="serviceloven:112", law_id="serviceloven", outcome="remitted",
                          body_decision_date=day, reasons="ny_praksis;oplysningsgrundlag" if i < 10 else "ny_praksis"))
    upheld_112 = [D(2024, 8, 1), D(2024, 8, 2), D(2024, 12, 24)]
    for i, day in enumerate(upheld_112):
        cases.append(case(f"u{i}", provision_key="serviceloven:112", law_id="serviceloven", outcome="upheld",
                          body_decision_date=day))
    engine = store(database, cases)

    result = analyse(engine, "clusters", years=[2024])
    assert len(result.clusters) == 1, result.clusters
    c = result.clusters[0]
    assert c.provision_key == "serviceloven:112"
    assert c.label == load_catalogue().provision_label("serviceloven:112", 2024)
    assert (c.first, c.last) == (burst[0], burst[-1])
    assert c.remittals == 15
    assert c.decided == c.remittals + 2  # two upheld § 112 cases fall inside
    decided_on = [x["body_decision_date"] for x in cases]
    history = (max(decided_on) - min(decided_on)).days + 1  # the municipality's whole register
    assert c.expected == pytest.approx(27 * 92 / history)
    assert [(r.code, r.cases) for r in c.reasons][:2] == [("ny_praksis", 15), ("oplysningsgrundlag", 10)]
    # Not in the years asked for: no cluster.
    assert analyse(engine, "clusters", years=[2022]).clusters == []
    engine.dispose()


def test_cluster_windows_merge_and_need_the_minimum(database):
    # 4 remittals in a week: below min_cases 5. Then 5 in a week, and 5 more 60 days later: one
    # merged cluster (the windows overlap) over a long, quiet history.
    days = [D(2024, 1, 1) + dt.timedelta(days=i) for i in range(4)]
    days += [D(2024, 5, 1) + dt.timedelta(days=i) for i in range(5)]
    days += [D(2024, 6, 30) + dt.timedelta(days=i) for i in range(5)]
    cases = [case(f"r{i}", provision_key="serviceloven:100", law_id="serviceloven", outcome="remitted",
                  body_decision_date=d) for i, d in enumerate(days)]
    cases += [case(f"q{i}", provision_key="serviceloven:85", law_id="serviceloven", outcome="upheld",
                   body_decision_date=d) for i, d in enumerate(spread(D(2014, 1, 1), D(2025, 1, 1), 50))]
    engine = store(database, cases)
    result = analyse(engine, "clusters", years=[2024])
    assert [(c.first, c.last, c.remittals) for c in result.clusters] == [(D(2024, 5, 1), D(2024, 7, 4), 10)]
    # A smaller window keeps the two bursts apart.
    result = analyse(engine, "clusters", years=[2024], window_days=30)
    assert [(c.first, c.last, c.remittals) for c in result.clusters] == [
        (D(2024, 5, 1), D(2024, 5, 5), 5), (D(2024, 6, 30), D(2024, 7, 4), 5)]
    engine.dispose()


# ---- 7. pending ---------------------------------------------------------------------------------------------------

def months_back(day: D, months: int) -> D:
    index = day.year * 12 + day.month - 1 - months
    y, m = divmod(index, 12)
    for d in range(day.day, 0, -1):
        try:
            return D(y, m + 1, d)
        except ValueError:
            continue
    raise AssertionError


def test_pending_cases_as_of_a_date(mixed):
    engine, cases = mixed
    as_of = D(2024, 6, 30)
    result = analyse(engine, "pending", as_of=as_of)

    def is_pending(c) -> bool:
        if not c["complaint_date"] or c["complaint_date"] > as_of:
            return False
        if c["reassessment"] == "reversed" and not (c["reassessment_date"] and c["reassessment_date"] > as_of):
            return False
        return c["outcome"] is None or c["body_decision_date"] is None or c["body_decision_date"] > as_of

    pending = [c for c in mine(cases) if is_pending(c)]
    assert result.cases == len(pending) > 0
    bodies = Counter(c["complaint_body"] for c in pending)
    assert {b.body: b.cases for b in result.by_body} == dict(bodies)
    def at_body(c) -> bool:  # forwarded by then; without a forwarding date, upheld at the reassessment by then
        if c["forwarded_date"]:
            return c["forwarded_date"] <= as_of
        return c["reassessment"] in ("upheld", "partly") and not (c["reassessment_date"]
                                                                  and c["reassessment_date"] > as_of)

    assert 0 < sum(map(at_body, pending)) < len(pending)
    for b in result.by_body:
        forwarded = sum(1 for c in pending if c["complaint_body"] == b.body and at_body(c))
        assert (b.forwarded, b.not_forwarded) == (forwarded, b.cases - forwarded)
    limits = [months_back(as_of, m) for m in (3, 6, 12)]
    buckets = Counter(sum(c["complaint_date"] <= limit for limit in limits) for c in pending)
    assert [a.cases for a in result.by_age] == [buckets[i] for i in range(4)]
    ages = sorted((as_of - c["complaint_date"]).days for c in pending)
    mid = len(ages) // 2
    assert result.median_age_days == (ages[mid] if len(ages) % 2 else (ages[mid - 1] + ages[mid]) / 2)
    assert result.max_age_days == ages[-1]

    other = [c for c in mine(cases) if c["complaint_body"] != AST and (
        (c["outcome"] and in_years(c["body_decision_date"]))
        or (c["outcome"] is None and in_years(c["complaint_date"]) and c["reassessment"] != "reversed"))]
    outcomes = Counter(c["outcome"] or "pending" for c in other)
    [row] = result.other_bodies.rows
    assert row.body == KSU
    assert (row.upheld, row.changed, row.remitted, row.dismissed, row.pending) == tuple(
        outcomes[o] for o in ("upheld", "changed", "remitted", "dismissed", "pending"))


def test_pending_age_buckets_use_calendar_months(database):
    as_of = D(2025, 3, 31)
    complaints = {"a": D(2025, 1, 1), "b": D(2024, 12, 31), "c": D(2024, 12, 30), "d": D(2024, 9, 30),
                  "e": D(2024, 3, 31), "f": D(2024, 3, 30)}
    cases = [case(k, complaint_date=d) for k, d in complaints.items()]
    cases.append(case("done", complaint_date=D(2025, 1, 5), body_decision_date=D(2025, 3, 1), outcome="upheld"))
    cases.append(case("later", complaint_date=D(2025, 1, 5), body_decision_date=D(2025, 4, 1), outcome="upheld"))
    cases.append(case("own", complaint_date=D(2025, 1, 5), reassessment="reversed", reassessment_date=D(2025, 2, 1)))
    cases.append(case("future", complaint_date=D(2025, 4, 1)))
    engine = store(database, cases)
    result = analyse(engine, "pending", years=[2025], as_of=as_of)
    # 3 months before 31 March is 31 December: a and later (5 Jan) are younger; b is exactly 3 months old.
    assert [a.cases for a in result.by_age] == [2, 2, 1, 2]
    assert result.cases == 7 and result.max_age_days == (as_of - D(2024, 3, 30)).days
    engine.dispose()


# ---- 8. per 1,000 decisions ---------------------------------------------------------------------------------------

def test_per_thousand_from_a_cp1252_decisions_file(mixed, tmp_path):
    engine, cases = mixed
    path = tmp_path / "afgørelser.csv"
    path.write_bytes("omraade;aar;afgoerelser\r\nI alt;2023;10.000\r\nI alt;2024;12000\r\n"
                     "BØRNE- OG UNGEUDVALGET;2024;2.500\r\nBørne- og Ungeudvalget;2022;99\r\n".encode("cp1252"))
    decisions = read_decisions(path)
    assert decisions.encoding == "CP-1252"
    result = analyse(engine, "per_thousand", decisions=decisions)

    def norm(text):
        return " ".join(text.split()).casefold() if text and text.strip() else None

    def counts(area, year):
        chosen = mine(cases) if area == "i alt" else [c for c in mine(cases) if norm(c["committee"]) == area]
        complaints = sum(1 for c in chosen if in_years(c["complaint_date"], [year]))
        reversals = sum(1 for c in chosen if c["outcome"] in REVERSED and in_years(c["body_decision_date"], [year]))
        return complaints, reversals

    rows = {(r.area, r.year): r for r in result.rows}
    for (area, year), decisions_ in {("I alt", 2023): 10000, ("I alt", 2024): 12000,
                                     ("BØRNE- OG UNGEUDVALGET", 2024): 2500}.items():
        row = rows[(area, year)]
        complaints, reversals = counts(norm(area), year)
        assert (row.decisions, row.complaints, row.reversals) == (decisions_, complaints, reversals)
        assert row.complaints_per_1000 == Fraction(1000 * complaints, decisions_)
        assert row.reversals_per_1000 == Fraction(1000 * reversals, decisions_)
    # 2023 has no number for the committee: shown with its counts, without a rate.
    row = rows[("BØRNE- OG UNGEUDVALGET", 2023)]
    assert row.decisions is None and row.complaints_per_1000 is None
    assert (row.complaints, row.reversals) == counts("børne- og ungeudvalget", 2023)
    assert result.areas_without_decisions == ["Social- og Sundhedsudvalget", ra.NO_AREA]
    assert rows[("Social- og Sundhedsudvalget", 2024)].decisions is None


@pytest.mark.parametrize("content, line, column, value, says", [
    ("omraade;aar;afgoerelser\nI alt;24;100\n", 2, "aar", "24", "årstal"),
    ("omraade;aar;afgoerelser\nI alt;2024;10,5\n", 2, "afgoerelser", "10,5", "helt tal"),
    ("omraade;aar;afgoerelser\nI alt;2024;-3\n", 2, "afgoerelser", "-3", "helt tal"),
    ("omraade;aar;afgoerelser\n;2024;100\n", 2, "omraade", "", "Området mangler"),
    ("omraade;aar;afgoerelser\nI alt;2024;100\ni  ALT;2024;7\n", 3, "omraade", "i  ALT", "linje 2"),
    ("omraade;aar\nI alt;2024\n", 1, "afgoerelser", None, "mangler"),
    ("omraade;aar;afgoerelser;note\nI alt;2024;100;x\n", 1, "note", "note", "Ukendt kolonne"),
    ("omraade,aar,afgoerelser\nI alt,2024,100\n", 1, None, "omraade,aar,afgoerelser", "semikolon"),
    ("omraade;aar;afgoerelser\nI alt;2024\n", 2, None, "I alt;2024", "kolonner"),
])
def test_decisions_file_problems_name_file_line_column_and_value(tmp_path, content, line, column, value, says):
    path = tmp_path / "afgoerelser.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_decisions(path)
    [problem] = [p for p in e.value.problems if p.line == line and p.column == column]
    assert problem.file == str(path) and problem.value == value and says.lower() in problem.message.lower()


def test_decisions_file_that_is_missing_or_empty(tmp_path):
    for path, says in ((tmp_path / "nope.csv", "findes ikke"), (tmp_path / "empty.csv", "tom")):
        if path.name == "empty.csv":
            path.write_text("\n\n", encoding="utf-8")
        with pytest.raises(InputError) as e:
            read_decisions(path)
        assert says in str(e.value) and str(path) in str(e.value)


# ---- all of them ----------------------------------------------------------------------------------------------------

def test_register_analysis_runs_the_chosen_analyses_and_renders_them(mixed):
    engine, cases = mixed
    with engine.connect() as conn:
        everything = ra.register_analysis(conn, LEJRE, YEARS, as_of=D(2024, 6, 30))
        only = ra.register_analysis(conn, LEJRE, YEARS, only=["clusters", "durations"])
    assert everything.analyses == [a for a in ra.ANALYSES if a != "per_thousand"]  # no decisions file
    assert everything.per_thousand is None and everything.pending.as_of == D(2024, 6, 30)
    assert only.analyses == ["durations", "clusters"] and only.decision_years is None
    data = analysis_json(everything)
    text = json.dumps(data, ensure_ascii=False)  # JSON-safe: dates as text, fractions as floats
    assert data["municipality"] == "Lejre" and data["as_of"] == "2024-06-30"
    assert set(data["analyses"]) <= set(data)
    row = everything.decision_years.rows[0]
    assert data["decision_years"]["rows"][0]["rate"] == (float(row.rate) if row.rate is not None else None)
    assert "borger-" not in text
    console = Console(file=io.StringIO(), width=200)
    render_analysis(everything, console)
    out = console.file.getvalue()
    for title in ("Året for kommunens afgørelse", "Sagsbehandlingstid i dage", "Kommunens genvurdering",
                  "Gentagne klagere", "Årsager til omgørelse", "Bestemmelser bag omgørelserne",
                  "Verserende klager pr. 30-06-2024", "Andre klageinstanser end Ankestyrelsen"):
        assert title in out
    assert everything.decision_years.basis in " ".join(out.split())


# ---- the command line ---------------------------------------------------------------------------------------------

def test_cli_analyse_json(database, tmp_path):
    cases = [
        case("a", complaint_date=D(2023, 11, 1), forwarded_date=D(2023, 12, 1), decision_date=D(2023, 10, 20),
             body_decision_date=D(2024, 3, 1), outcome="remitted", reasons="oplysningsgrundlag", citizen="x",
             committee="Ældreudvalget"),
        case("b", complaint_date=D(2024, 1, 10), forwarded_date=D(2024, 2, 1), decision_date=D(2024, 1, 2),
             body_decision_date=D(2024, 6, 1), outcome="upheld", citizen="x", committee="Ældreudvalget"),
        case("c", complaint_date=D(2024, 2, 1), reassessment="reversed", reassessment_date=D(2024, 2, 20),
             committee="Ældreudvalget"),
        case("d", complaint_date=D(2024, 5, 1)),
        case("e", ALLEROED, complaint_date=D(2024, 5, 1), body_decision_date=D(2024, 7, 1), outcome="changed"),
    ]
    store(database, cases).dispose()
    decisions = tmp_path / "afgoerelser.csv"
    decisions.write_text("omraade;aar;afgoerelser\nÆldreudvalget;2024;400\n", encoding="utf-8")
    result = run_cli("analyse", "--municipality", "Lejre", "--year", "2024", "--decisions", decisions,
                     "--as-of", "2024-12-31", "--format", "json", db=database)
    assert result.code == 0, str(result)
    data = json.loads(result.stdout)
    assert data["municipality_code"] == LEJRE and data["years"] == [2024]
    assert [(r["year"], r["decision_year"], r["cases"], r["rate"]) for r in data["decision_years"]["rows"]] == [
        (2024, 2023, 1, 1.0), (2024, 2024, 1, 0.0)]
    assert data["repeat_complainants"]["groups"][0] == {"min_cases": 2, "citizens": 1, "cases": 2, "share": 1.0}
    assert data["reassessment"]["rows"][0]["complaints"] == 3  # b, c and d complained in 2024
    assert data["pending"]["cases"] == 1 and data["pending"]["median_age_days"] == (D(2024, 12, 31) - D(2024, 5, 1)).days
    area, no_area = data["per_thousand"]["rows"]
    assert (area["area"], area["complaints"], area["reversals"]) == ("Ældreudvalget", 2, 1)
    assert area["complaints_per_1000"] == 5.0 and area["reversals_per_1000"] == 2.5
    assert (no_area["area"], no_area["decisions"], no_area["complaints"]) == ("Uden område", None, 1)
    assert data["per_thousand"]["areas_without_decisions"] == ["Uden område"]
    steps = {r["step"]: r for r in data["durations"]["rows"]}
    assert steps["complaint_to_decision"]["n"] == 2
    assert steps["complaint_to_decision"]["median_days"] == ((D(2024, 3, 1) - D(2023, 11, 1)).days
                                                             + (D(2024, 6, 1) - D(2024, 1, 10)).days) / 2

    table = run_cli("analyse", "--municipality", "350", "--year", "2024", "--only", "reversal_reasons", db=database)
    assert table.code == 0 and "Årsager til omgørelse" in table.out and "Oplysningsgrundlag" in table.out


def test_cli_analyse_bad_input(database):
    store(database, [case("a", complaint_date=D(2024, 1, 1))]).dispose()
    nobody = run_cli("analyse", "--municipality", "Allerød", "--year", "2024", db=database)
    assert nobody.code == 2 and "ingen klagesager fra Allerød Kommune" in nobody.err
    unknown = run_cli("analyse", "--municipality", "Lejre", "--year", "2024", "--only", "everything", db=database)
    assert unknown.code == 2 and "Ukendt analyse 'everything'" in unknown.err
    no_file = run_cli("analyse", "--municipality", "Lejre", "--year", "2024", "--only", "per_thousand", db=database)
    assert no_file.code == 2 and "--decisions" in no_file.err
    year = run_cli("analyse", "--municipality", "Lejre", "--year", "24", db=database)
    assert year.code == 2 and "Ugyldigt år" in year.err
    date = run_cli("analyse", "--municipality", "Lejre", "--year", "2024", "--as-of", "31-12-2024", db=database)
    assert date.code == 2 and "--as-of" in date.err
    missing = run_cli("analyse", "--municipality", "Lejre", "--year", "2024", "--decisions", "nope.csv", db=database)
    assert missing.code == 2 and "nope.csv" in missing.err and "findes ikke" in missing.err
