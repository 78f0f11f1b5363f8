"""A synthetic complaint register for one demo municipality (Allerød), consistent with its demo
statistics except for a few planted discrepancies that `klagestat reconcile` must find.

Every case Ankestyrelsen decided in the statistics becomes a register row in the same quarter,
with the same provision and outcome; around them come what only a register knows: complaints
the municipality granted itself at reassessment, pending complaints, cases at another complaint
body, citizens with several complaints, reasons and durations. Citizens are pseudonymous ids
(`borger_id`), never CPR-shaped numbers: a made-up CPR number could be a real person's.

The planted discrepancies, all in PLANTED_YEAR:
- one upheld case is missing from the register;
- one remitted case is registered under another provision;
- one changed case, decided by Ankestyrelsen in the last days of the year, is dated in the
  first days of the next year in the register.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from klagestat.domain.catalogue import Catalogue
from klagestat.domain.legal_basis import format_paragraphs, key_paragraphs
from klagestat.ingest.input_file import SYNTHETIC_LINE
from klagestat.store.statbank import provision_quarter_cells

MUNICIPALITY = "201"  # Allerød: the demo's cluster of § 112 remittals is there (generator.py)
REGISTER_YEARS = tuple(range(2021, 2026))
PLANTED_YEAR = 2024
SEED = 20240701
TODAY = dt.date(2026, 6, 1)  # the demo's "now" (build.AS_OF): pending cases are pending on this day
HEADER = ("sags_id", "borger_id", "lovgrundlag", "omraade", "afgoerelsesdato", "klagedato", "genvurdering",
          "klageinstans", "videresendt", "instans_afgoerelsesdato", "udfald", "aarsag", "beskrivelse", "laering")
OUTCOME_WORDS = {"upheld": "stadfæstet", "changed": "ændret", "remitted": "hjemvist", "dismissed": "afvist"}
COMMITTEES = {"barnets-lov": "Børn og Unge", "aktivloven": "Beskæftigelse", "aeldreloven": "Ældre og Sundhed"}
REASONS = ("oplysningsgrundlag", "oplysningsgrundlag", "oplysningsgrundlag", "begrundelse", "partshøring",
           "materiel vurdering", "nye oplysninger")


@dataclass(frozen=True)
class Planted:
    """What was planted, so the demo's tests can check that reconcile finds exactly this."""

    missing: tuple[str, str]  # (provision key, outcome) with one case fewer in the register
    moved_from: tuple[str, str]  # registered under another provision …
    moved_to: tuple[str, str]  # … this one
    next_year: tuple[str, str]  # dated in PLANTED_YEAR + 1 in the register


def _committee(law_id: str, key: str) -> str:
    if law_id == "serviceloven":
        paragraphs = key_paragraphs(key)
        first = int("".join(ch for ch in paragraphs[0] if ch.isdigit()) or 0) if paragraphs else 0
        return "Børn og Unge" if first < 80 else "Social og Sundhed"
    return COMMITTEES.get(law_id, "Borgerservice")


def _typed_basis(catalogue: Catalogue, law_id: str, key: str) -> str:
    """The legal basis as a caseworker types it: "Serviceloven § 100", "Barnets lov §§ 87-88"."""
    return f"{catalogue.laws[law_id].name} {format_paragraphs(key_paragraphs(key))}"


def _day_in_quarter(rng: random.Random, year: int, quarter: int) -> dt.date:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return start + dt.timedelta(days=rng.randrange((end - start).days))


def demo_register(conn: Connection, catalogue: Catalogue, vintage_id: int, path: Path) -> Planted:
    """Write the demo register for MUNICIPALITY as a CSV file (the importer reads it as any user's)."""
    rng = random.Random(SEED)
    cells = [c for c in provision_quarter_cells(conn, vintage_id, MUNICIPALITY, REGISTER_YEARS) if c[5]]
    decided = []  # (body decision date, law_id, key, outcome)
    for year, quarter, law_id, key, outcome, count in cells:
        for _ in range(count):
            decided.append((_day_in_quarter(rng, year, quarter), law_id, key, outcome))
    decided.sort()
    planted = _plant(decided, rng)
    citizens = [f"B{n:05d}" for n in range(1, 400)]
    frequent = citizens[:6]  # a few citizens complain again and again

    def citizen() -> str:
        return rng.choice(frequent) if rng.random() < 0.12 else rng.choice(citizens)

    rows = []

    def add(law_id, key, complained, **values) -> None:
        decision = complained - dt.timedelta(days=rng.randrange(5, 28))
        rows.append({
            "sags_id": f"ALL-{len(rows) + 1:05d}", "borger_id": citizen(), "lovgrundlag": _typed_basis(catalogue, law_id, key),
            "omraade": _committee(law_id, key), "afgoerelsesdato": f"{decision:%d-%m-%Y}",
            "klagedato": f"{complained:%d-%m-%Y}", **values,
        })

    for day, law_id, key, outcome in decided:
        wait = dt.timedelta(days=rng.randrange(120, 480))  # Ankestyrelsen's waiting time
        forwarded = day - wait
        complained = forwarded - dt.timedelta(days=rng.randrange(10, 40))
        reversed_ = outcome in ("changed", "remitted")
        reason = ""
        if reversed_:
            reason = "ny praksis" if key == "serviceloven:112" and (day.year, (day.month - 1) // 3) == (2024, 2) \
                else rng.choice(REASONS)
        add(law_id, key, complained, genvurdering="fastholdt", klageinstans="Ankestyrelsen",
            videresendt=f"{forwarded:%d-%m-%Y}", instans_afgoerelsesdato=f"{day:%d-%m-%Y}",
            udfald=OUTCOME_WORDS[outcome], aarsag=reason,
            beskrivelse="Sagen var ikke tilstrækkeligt oplyst." if outcome == "remitted" else "",
            laering="Gennemgang af sagsoplysning på teammøde." if reversed_ else "")
    # What only the register knows: complaints granted at reassessment, pending ones, other bodies.
    basis_pool = sorted({(law_id, key) for _, law_id, key, _ in decided})
    for year in REGISTER_YEARS + (TODAY.year,):
        for _ in range(12):
            law_id, key = rng.choice(basis_pool)
            complained = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(300))
            if complained < TODAY:
                add(law_id, key, complained, genvurdering="omgjort",
                    klageinstans="", videresendt="", instans_afgoerelsesdato="", udfald="", aarsag="",
                    beskrivelse="", laering="")
    for _ in range(25):
        law_id, key = rng.choice(basis_pool)
        complained = TODAY - dt.timedelta(days=rng.randrange(20, 500))
        add(law_id, key, complained, genvurdering="fastholdt", klageinstans="Ankestyrelsen",
            videresendt=f"{complained + dt.timedelta(days=21):%d-%m-%Y}", instans_afgoerelsesdato="", udfald="",
            aarsag="", beskrivelse="", laering="")
    for year in REGISTER_YEARS:
        for _ in range(4):
            complained = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(200))
            decision = complained + dt.timedelta(days=rng.randrange(60, 150))
            rows.append({
                "sags_id": f"ALL-{len(rows) + 1:05d}", "borger_id": citizen(), "lovgrundlag": "Folkeskoleloven § 12",
                "omraade": "Børn og Unge", "afgoerelsesdato": f"{complained - dt.timedelta(days=14):%d-%m-%Y}",
                "klagedato": f"{complained:%d-%m-%Y}", "genvurdering": "fastholdt",
                "klageinstans": "Klagenævnet for Specialundervisning", "videresendt": f"{complained:%d-%m-%Y}",
                "instans_afgoerelsesdato": f"{decision:%d-%m-%Y}", "udfald": rng.choice(("stadfæstet", "hjemvist")),
            })
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, HEADER, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        f.write(f"{SYNTHETIC_LINE}\r\n")  # the mark the importer reads
    return planted


def _plant(decided: list, rng: random.Random) -> Planted:
    """Change three of PLANTED_YEAR's cases in place (see the module's docstring)."""
    in_year = [i for i, (day, *_rest) in enumerate(decided) if day.year == PLANTED_YEAR]

    def pick(outcome: str, exclude_key: str | None = None) -> int:
        found = [i for i in in_year if decided[i][3] == outcome and decided[i][2] != exclude_key]
        return found[len(found) // 2]

    missing = pick("upheld")
    day, law_id, key, outcome = decided[missing]
    planted_missing = (key, outcome)
    moved = pick("remitted", exclude_key="serviceloven:112")
    day_m, law_m, key_m, outcome_m = decided[moved]
    target_key = "serviceloven:85" if key_m != "serviceloven:85" else "serviceloven:100"
    decided[moved] = (day_m, "serviceloven", target_key, outcome_m)
    late = pick("changed")
    day_l, law_l, key_l, outcome_l = decided[late]
    decided[late] = (dt.date(PLANTED_YEAR + 1, 1, 3), law_l, key_l, outcome_l)
    del decided[missing]
    return Planted(planted_missing, (key_m, outcome_m), (target_key, outcome_m), (key_l, outcome_l))
