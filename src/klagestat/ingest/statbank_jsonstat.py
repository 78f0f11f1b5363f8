"""JSON-stat 2.0 as the statistics bank delivers it (also the older bundle with a "dataset")."""

from __future__ import annotations

import json
from itertools import product

from .problems import ProblemList
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


def read_jsonstat(name: str, data: bytes) -> RawTable:
    problems = ProblemList(name, importing=True)
    try:
        text, encoding = decode(data)
        doc = json.loads(text)
    except UnicodeDecodeError:
        problems.add("Filen er ikke en tekstfil i UTF-8 eller Windows' tegnsæt.")
        problems.raise_if_any()
    except json.JSONDecodeError as e:
        problems.add(f"Filen er ikke gyldig JSON (fejlen er ved tegn nr. {e.colno} på linjen).", line=e.lineno)
        problems.raise_if_any()
    except RecursionError:
        problems.add("Filen er ikke et JSON-stat-datasæt: den er lagt i flere tusind lag inden i hinanden.")
        problems.raise_if_any()
    try:
        return _read_dataset(name, doc, encoding, problems)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
        # A document that is JSON but not shaped as JSON-stat where the reader looked.
        problems.add("Filen er ikke et gyldigt JSON-stat-datasæt: dimensionerne, kategorierne eller værdierne har "
                     "ikke den form, JSON-stat beskriver. Hent tabellen igen fra statistikbanken.")
        problems.raise_if_any()
        raise AssertionError("unreachable") from e


def _read_dataset(name: str, doc, encoding: str, problems: ProblemList) -> RawTable:
    if isinstance(doc, dict) and "dataset" in doc and isinstance(doc["dataset"], dict):
        doc = doc["dataset"]
    if not isinstance(doc, dict) or doc.get("class", "dataset") != "dataset" or "dimension" not in doc:
        problems.add("Filen er ikke et JSON-stat-datasæt (der mangler 'dimension').")
        problems.raise_if_any()

    ids = doc.get("id") or [k for k in doc["dimension"] if k not in ("id", "size", "role")]
    sizes = doc.get("size") or [len(doc["dimension"][d]["category"]["index"]) for d in ids]
    labels_by_dim: list[list[str]] = []
    roles: dict[str, int] = {}
    for pos, dim_id in enumerate(ids):
        dim = doc["dimension"][dim_id]
        cat = dim.get("category", {})
        index = cat.get("index")
        if isinstance(index, list):
            order = index
        elif isinstance(index, dict):
            order = sorted(index, key=index.get)
        else:
            order = list(cat.get("label", {}))
        labels = [cat.get("label", {}).get(c, c) for c in order]
        labels_by_dim.append(labels)
        role = role_of(dim_id) or role_of(dim.get("label", ""))
        if role is not None and role not in roles:
            roles[role] = pos
        elif sizes[pos] > 1:
            problems.add(
                f"Dimensionen {dim_id!r} har flere kategorier og kan ikke bruges.", column=dim_id
            )
    missing = [ROLE_COLUMNS_DA[r] for r in ("area", "basis", "outcome", "period") if r not in roles]
    if missing:
        problems.add(f"Datasættet mangler dimensionen {', '.join(missing)}.")
    problems.raise_if_any()

    values = doc.get("value", [])
    status = doc.get("status") or {}
    total = 1
    for s in sizes:
        total *= s
    if isinstance(values, list) and len(values) != total:
        problems.add(
            f"Datasættet har {len(values)} værdier, men dets dimensioner giver {total} celler. "
            "Filen er ufuldstændig; hent den igen."
        )
        problems.raise_if_any()

    def value_at(i: int):
        v = values.get(str(i)) if isinstance(values, dict) else (values[i] if i < len(values) else None)
        st = status.get(str(i)) if isinstance(status, dict) else (status[i] if isinstance(status, list) and i < len(status) else None)
        if st == ".." or st == ".":
            return None
        return v

    ia, ib, io_, ip = (roles[r] for r in ("area", "basis", "outcome", "period"))
    cells = [(combo[ia], combo[ib], combo[io_], combo[ip], _format_value(value_at(i)))
             for i, combo in zip(range(total), product(*labels_by_dim))]
    columns = {r: ids[p] for r, p in roles.items()}
    columns.setdefault("value", "value")
    area, basis, outcome, period, value = (tuple(c) for c in zip(*cells)) if cells else ((),) * 5
    return RawTable(name, f"JSON-stat ({encoding})", columns, list(range(1, len(cells) + 1)),
                    area, basis, outcome, period, value, where="værdi nr.")
