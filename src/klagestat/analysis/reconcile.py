"""Reconciling the municipality's register with Ankestyrelsen's statistics for one year.

Both sides are counted per provision and outcome: the statistics bank from the winning vintage
(the same figures `rates` uses), the register from the cases Ankestyrelsen decided that year.
A law the statistics give only as a whole is compared as a whole. Every cell where the two
disagree is a `Difference`, with the causes that the other differences make likely: a case
registered under another provision or with another outcome, a case counted in the neighbouring
year, or a case missing from the register.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection

from klagestat.domain.catalogue import Catalogue
from klagestat.domain.legal_basis import key_law, key_paragraphs
from klagestat.domain.outcomes import OUTCOME_NAMES_DA, Outcome
from klagestat.domain.problems import NoDataError
from klagestat.store.register import boundary_case_counts, decided_case_counts, decided_case_ids

from .figures import GroupBy, group_figures, load_coverage

UNKNOWN_LAW_KEY = "?"
NEAR_YEAR_END_DAYS = 31  # a case decided this close to New Year may be counted in the other year


@dataclass(frozen=True)
class Difference:
    key: str  # provision key, law id (compared as a whole law) or "?" (law not recognised)
    provision: str  # Danish label
    outcome: Outcome
    statbank: int | None  # None: not published ('..')
    cases: int
    causes: tuple[str, ...] = ()
    case_ids: tuple[str, ...] = ()  # the register's cases counted here (sags_id), to look up

    @property
    def gap(self) -> int:
        """Statistics minus register: positive when the register has fewer cases."""
        return (self.statbank or 0) - self.cases


@dataclass
class Reconciliation:
    municipality_code: str
    municipality: str
    year: int
    differences: list[Difference]
    statbank_cases: int  # decided cases in the statistics for the compared cells
    register_cases: int
    notes: list[str] = field(default_factory=list)


def reconcile(conn: Connection, catalogue: Catalogue, municipality_code: str, year: int,
              as_of: dt.date | None = None) -> Reconciliation:
    name = catalogue.municipalities[municipality_code].name
    statbank, labels = _statbank_cells(conn, catalogue, municipality_code, year, as_of)
    if statbank is None:
        raise NoDataError(f"Statistikbanken har ingen tal for {name} i {year}.",
                          "Importér dem med 'klagestat import statbank', før registret kan afstemmes.")
    register: dict[tuple[str, str], int] = defaultdict(int)
    keys_by_law = defaultdict(set)
    for key in statbank_keys(statbank):
        keys_by_law[key_law(key) if ":" in key else key].add(key)
    for _code, _year, law_id, key, label, _committee, outcome, n in decided_case_counts(conn, [municipality_code], [year]):
        target = _statbank_key(law_id, key, keys_by_law)
        register[(target, outcome)] += n
        if target == UNKNOWN_LAW_KEY or target not in labels:
            labels.setdefault(target, _label(catalogue, target, year, label))
    case_ids: dict[tuple[str, str], list[str]] = defaultdict(list)
    for law_id, key, outcome, case_id in decided_case_ids(conn, municipality_code, year):
        case_ids[(_statbank_key(law_id, key, keys_by_law), outcome)].append(case_id)
    near = boundary_case_counts(conn, municipality_code, year, NEAR_YEAR_END_DAYS)
    raw: list[Difference] = []
    for key, outcome in sorted(set(statbank) | set(register), key=lambda ko: (ko[0], list(Outcome).index(Outcome(ko[1])))):
        s, r = statbank.get((key, outcome), 0), register.get((key, outcome), 0)
        if s is None and r == 0:
            continue
        if s != r:
            raw.append(Difference(key, labels.get(key, key), Outcome(outcome), s, r,
                                  case_ids=tuple(case_ids.get((key, outcome), ()))))
    near_by_key = defaultdict(int)
    for (law_id, key, outcome), n in near.items():
        near_by_key[(_statbank_key(law_id, key, keys_by_law), outcome)] += n
    differences = [_with_causes(d, raw, near_by_key, labels) for d in raw]
    notes = []
    if any(d.statbank is None for d in differences):
        notes.append("'..' betyder, at Ankestyrelsen ikke har offentliggjort tallet; det kan ikke afstemmes.")
    return Reconciliation(
        municipality_code, name, year, differences,
        statbank_cases=sum(v for v in statbank.values() if v), register_cases=sum(register.values()), notes=notes,
    )


def statbank_keys(statbank: dict[tuple[str, str], int | None]) -> set[str]:
    return {key for key, _ in statbank}


def _statbank_cells(conn, catalogue, code, year, as_of) -> tuple[dict | None, dict[str, str]]:
    """{(key, outcome): count} from the winning vintage: provisions where the statistics have
    them, whole laws where they don't."""
    coverage = load_coverage(conn, [year], as_of)
    if not coverage.has(code, year):
        return None, {}
    by_provision, labels = group_figures(conn, coverage, catalogue, [year], GroupBy("provision"))
    by_law, _ = group_figures(conn, coverage, catalogue, [year], GroupBy("law"))
    provisions = by_provision.get((code, year), {})
    laws_with_provisions = {key_law(k) for k in provisions}
    cells: dict[tuple[str, str], int | None] = {}
    names: dict[str, str] = {}
    for key, figure in provisions.items():
        names[key] = _label(catalogue, key, year, labels.get(key))
        for o in Outcome:
            cells[(key, o.value)] = None if figure.counts is None else figure.counts.get(o)
    for law_id, figure in by_law.get((code, year), {}).items():
        if law_id in laws_with_provisions or law_id not in catalogue.laws:
            continue
        names[law_id] = f"{catalogue.laws[law_id].name} (hele loven)"
        for o in Outcome:
            cells[(law_id, o.value)] = None if figure.counts is None else figure.counts.get(o)
    return cells, names


def _statbank_key(law_id: str | None, key: str | None, keys_by_law: dict[str, set[str]]) -> str:
    """Where the statistics count a register case: its provision, the provision of the same law
    that includes its paragraphs ("§ 87" under "§§ 87-88"), or the whole law."""
    if law_id is None:
        return UNKNOWN_LAW_KEY
    known = keys_by_law.get(law_id, set())
    if key in known:
        return key
    paragraphs = set(key_paragraphs(key)) if key else set()
    if paragraphs:
        for candidate in sorted(known):
            if candidate != law_id and paragraphs <= set(key_paragraphs(candidate)):
                return candidate
    if law_id in known:
        return law_id
    return key or law_id


def _label(catalogue: Catalogue, key: str, year: int, typed: str | None) -> str:
    if key == UNKNOWN_LAW_KEY:
        return "Ukendt lovgrundlag"
    if key in catalogue.laws:
        return catalogue.laws[key].name
    if key_paragraphs(key) or key in catalogue.provisions:
        return catalogue.provision_label(key, year)
    return typed or key


def _with_causes(d: Difference, all_differences: list[Difference], near: dict, labels: dict[str, str]) -> Difference:
    causes = []
    outcome_da = OUTCOME_NAMES_DA[d.outcome].lower()
    if d.statbank is None:
        causes.append("Tallet er ikke offentliggjort ('..') i statistikbanken.")
        return replace(d, causes=tuple(causes))
    missing = d.gap > 0  # the register has fewer cases than the statistics
    # The opposite gap elsewhere explains this one.
    for other in all_differences:
        if other is d or other.statbank is None or (other.gap > 0) == missing or other.gap == 0:
            continue
        if other.outcome == d.outcome and other.key != d.key:
            causes.append(f"En sag kan være registreret under en anden bestemmelse: {other.provision} "
                          f"({OUTCOME_NAMES_DA[other.outcome].lower()}) har {_cases(abs(other.gap))} "
                          f"{'for meget' if missing else 'for lidt'} i registret.")
        elif other.key == d.key and other.outcome != d.outcome:
            causes.append(f"En sag kan have et andet udfald i registret: "
                          f"{OUTCOME_NAMES_DA[other.outcome].lower()} har {_cases(abs(other.gap))} "
                          f"{'for meget' if missing else 'for lidt'} i registret.")
    boundary = near.get((d.key, d.outcome.value), 0)
    if boundary:
        causes.append(f"Et andet år: registret har {_cases(boundary)} med samme bestemmelse og udfald afgjort "
                      f"inden for {NEAR_YEAR_END_DAYS} dage fra årsskiftet; de kan være talt i nabo-året.")
    if not causes:
        causes.append(f"Sandsynligvis mangler {_cases(d.gap)} ({outcome_da}) i registret." if missing else
                      f"Registret har {_cases(-d.gap)} mere end statistikken: en sag kan være registreret "
                      "to gange, eller statistikken er ikke opdateret endnu (se --as-of).")
    return replace(d, causes=tuple(causes))


def _cases(n: int) -> str:
    return f"{n} sag" if n == 1 else f"{n} sager"
