"""JSON-stat 2.0 as Statistics Denmark's and Ankestyrelsen's statistics banks deliver it (also the
older bundle with a "dataset"): `read_jsonstat_cells` reads any dataset into long rows, one per
cell; `read_jsonstat` maps the statistics bank's dimensions to their roles."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product

from klagestat.domain.problems import ProblemList

from .statbank_format import ROLE_COLUMNS_DA, RawTable, role_of
from .text_files import decode


def _format_value(value) -> str:
    if value is None:
        return ".."
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class JsonStatCells:
    """A JSON-stat dataset as long rows: per dimension its id, label and each cell's category label."""

    format: str
    ids: list[str]
    labels: list[str]  # the dimensions' own labels ("område")
    categories: list[tuple[str, ...]]  # per dimension, the category label of every cell
    sizes: list[int]
    values: tuple[str, ...]  # ".." when not available


def read_jsonstat_cells(name: str, data: bytes, source: str = "statistikbanken") -> JsonStatCells:
    problems = ProblemList(name, importing=True)
    try:
        text, encoding = decode(data)
        doc = json.loads(text)
    except UnicodeDecodeError:
        problems.add("Filen er ikke en tekstfil i UTF-8 eller Windows' tegnsæt.", code="file-encoding")
        problems.raise_if_any()
    except json.JSONDecodeError as e:
        problems.add(f"Filen er ikke gyldig JSON (fejlen er ved tegn nr. {e.colno} på linjen).", line=e.lineno, code="json-invalid")
        problems.raise_if_any()
    except RecursionError:
        problems.add("Filen er ikke et JSON-stat-datasæt: den er lagt i flere tusind lag inden i hinanden.", code="json-too-deep")
        problems.raise_if_any()
    try:
        return _read_dataset(doc, encoding, problems)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
        # A document that is JSON but not shaped as JSON-stat where the reader looked.
        problems.add("Filen er ikke et gyldigt JSON-stat-datasæt: dimensionerne, kategorierne eller værdierne har "
                     f"ikke den form, JSON-stat beskriver. Hent tabellen igen fra {source}.", code="jsonstat-invalid")
        problems.raise_if_any()
        raise AssertionError("unreachable") from e


def _read_dataset(doc, encoding: str, problems: ProblemList) -> JsonStatCells:
    if isinstance(doc, dict) and "dataset" in doc and isinstance(doc["dataset"], dict):
        doc = doc["dataset"]
    if not isinstance(doc, dict) or doc.get("class", "dataset") != "dataset" or "dimension" not in doc:
        problems.add("Filen er ikke et JSON-stat-datasæt (der mangler 'dimension').", code="jsonstat-invalid")
        problems.raise_if_any()

    ids = doc.get("id") or [k for k in doc["dimension"] if k not in ("id", "size", "role")]
    sizes = doc.get("size") or [len(doc["dimension"][d]["category"]["index"]) for d in ids]
    labels_by_dim: list[list[str]] = []
    for dim_id in ids:
        cat = doc["dimension"][dim_id].get("category", {})
        index = cat.get("index")
        if isinstance(index, list):
            order = index
        elif isinstance(index, dict):
            order = sorted(index, key=index.get)
        else:
            order = list(cat.get("label", {}))
        labels_by_dim.append([cat.get("label", {}).get(c, c) for c in order])

    values = doc.get("value", [])
    status = doc.get("status") or {}
    total = 1
    for s in sizes:
        total *= s
    if isinstance(values, list) and len(values) != total:
        problems.add(
            f"Datasættet har {len(values)} værdier, men dets dimensioner giver {total} celler. "
            "Filen er ufuldstændig; hent den igen.",
            code="jsonstat-incomplete",
        )
        problems.raise_if_any()

    def value_at(i: int):
        v = values.get(str(i)) if isinstance(values, dict) else (values[i] if i < len(values) else None)
        st = status.get(str(i)) if isinstance(status, dict) else (status[i] if isinstance(status, list) and i < len(status) else None)
        if st == ".." or st == ".":
            return None
        return v

    combos = list(product(*labels_by_dim))[:total]
    categories = [tuple(c) for c in zip(*combos)] if combos else [()] * len(ids)
    return JsonStatCells(
        f"JSON-stat ({encoding})", list(ids), [doc["dimension"][d].get("label", "") for d in ids], categories,
        list(sizes), tuple(_format_value(value_at(i)) for i in range(len(combos))),
    )


def dimension_roles(cells: JsonStatCells, role: Callable[[str], str | None], problems: ProblemList) -> dict[str, int]:
    """role → the dimension that has it; a dimension with several categories and no role is a problem."""
    roles: dict[str, int] = {}
    for pos, dim_id in enumerate(cells.ids):
        found = role(dim_id) or role(cells.labels[pos])
        if found is not None and found not in roles:
            roles[found] = pos
        elif cells.sizes[pos] > 1:
            problems.add(f"Dimensionen {dim_id!r} har flere kategorier og kan ikke bruges.", column=dim_id, code="dimension-ambiguous")
    return roles


def read_jsonstat(name: str, data: bytes) -> RawTable:
    problems = ProblemList(name, importing=True)
    cells = read_jsonstat_cells(name, data)
    roles = dimension_roles(cells, role_of, problems)
    missing = [ROLE_COLUMNS_DA[r] for r in ("area", "basis", "outcome", "period") if r not in roles]
    if missing:
        problems.add(f"Datasættet mangler dimensionen {', '.join(missing)}.", code="dimension-missing")
    problems.raise_if_any()
    columns = {r: cells.ids[p] for r, p in roles.items()}
    columns.setdefault("value", "value")
    area, basis, outcome, period = (cells.categories[roles[r]] for r in ("area", "basis", "outcome", "period"))
    return RawTable(name, cells.format, columns, list(range(1, len(cells.values) + 1)),
                    area, basis, outcome, period, cells.values, where="værdi nr.")
