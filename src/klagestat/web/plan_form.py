"""The action plan as a web form, and back: the form's fields are the TOML file's keys (section,
row, key), so a plan edited in the form is checked by the file's rules (`api.plan_save` →
`ingest.plan_file.check_plan`) and its problems are named by the form's Danish labels.

Field names: `plan-title`, `initiatives-0-name`, `meetings-2-date` …; a row whose fields are all
empty, or whose `delete` box is ticked, is left out. Lists (provisions, areas, an alternative's
initiatives) are one per line; costs are `2026 = 150000` per line or comma (also `2026: 150.000 kr.`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from klagestat.domain.plan import COUNCILS
from klagestat.ingest.plan_file import SECTIONS

ROW_SECTIONS = ("initiatives", "alternatives", "meetings")
LIST_KEYS = {"provisions", "areas", "initiatives"}
MAX_ROWS = 200  # rows per section a form may send; more is not a plan
BLANK_ROWS = {"initiatives": 2, "alternatives": 1, "meetings": 2}  # empty rows to add to, under the plan's own
SOURCE = "formularen"  # the version's source, and the "file" of its problems

LABELS = {
    "title": "Titel", "adopted": "Vedtaget", "adopted_by": "Vedtaget af", "target": "Mål",
    "target_percent": "Mål som omgørelsesprocent", "name": "Navn", "description": "Beskrivelse",
    "owner": "Ansvarlig", "start": "Start", "end": "Slut", "status": "Status", "provisions": "Bestemmelser",
    "areas": "Områder", "costs": "Udgifter pr. år", "initiatives": "Initiativer", "financing": "Finansiering",
    "body": "Organ", "date": "Dato", "kind": "Behandling", "decision": "Beslutning",
}
ROW_NAMES = {"initiatives": "Initiativ", "alternatives": "Alternativ", "meetings": "Møde"}
BODY_SUGGESTIONS = COUNCILS
_FIELD = re.compile(r"^(initiatives|alternatives|meetings)-(\d{1,3})-([a-z_]+)$")
_COST = re.compile(r"^\s*(\S+?)\s*[=:]\s*(.*?)\s*$")


def label(key: str) -> str:
    return LABELS.get(key, key)


def place(section: str, i: int, key: str | None) -> str:
    """Where a problem is in the form: "Planen: Titel", "Initiativ 2: Slut"."""
    where = "Planen" if section == "plan" else f"{ROW_NAMES.get(section, section)} {i + 1}"
    return where if key is None else f"{where}: {label(key)}"


# ---- the plan's data → the form's rows ---------------------------------------------------------------

def form_view(data: dict | None) -> dict:
    """The form's values from data in the file's shape (a saved plan's, or a form sent back with
    problems): every value as text, lists one per line, and the blank rows to add with."""
    data = data or {}
    view: dict = {"plan": {key: _text(key, value) for key, value in (data.get("plan") or {}).items()}}
    for section in ROW_SECTIONS:
        rows = [{key: _text(key, value) for key, value in row.items()} for row in data.get(section, [])]
        view[section] = rows + [{} for _ in range(BLANK_ROWS[section])]
    return view


def _text(key: str, value) -> str:
    if value is None:
        return ""
    if key == "costs" and isinstance(value, dict):
        return "\n".join(f"{year} = {kroner}" for year, kroner in value.items())
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


# ---- the form's fields → the plan's data ---------------------------------------------------------------

def form_data(form: Mapping[str, str]) -> dict:
    """The form's fields as data in the file's shape (values as typed, to be checked by the file's
    rules); empty fields are left out, as an absent key in the file."""
    head: dict[str, object] = {key: value.strip() for key in SECTIONS["plan"]
                               if (value := form.get(f"plan-{key}", "")).strip()}
    percent = head.get("target_percent")
    if isinstance(percent, str) and percent.isdigit():
        head["target_percent"] = int(percent)  # a number, as in the file; anything else is named by the check
    data: dict = {"plan": head}
    rows: dict[str, dict[int, dict[str, str]]] = {section: {} for section in ROW_SECTIONS}
    for name, value in form.items():
        m = _FIELD.match(name)
        if m and int(m.group(2)) < MAX_ROWS and m.group(3) in (*SECTIONS[m.group(1)], "delete"):
            rows[m.group(1)].setdefault(int(m.group(2)), {})[m.group(3)] = value
    for section in ROW_SECTIONS:
        data[section] = [row for _, fields in sorted(rows[section].items())
                         if not fields.pop("delete", "") and (row := _row(fields))]
    return data


def _row(fields: dict[str, str]) -> dict:
    row: dict = {}
    for key, value in fields.items():
        if not value.strip():
            continue
        if key == "costs":
            row[key] = _costs(value)
        elif key in LIST_KEYS:
            row[key] = [line.strip() for line in value.splitlines() if line.strip()]
        else:
            row[key] = value.strip()
    return row


def _costs(text: str) -> dict[str, object]:
    """`2026 = 150000` per line or comma → {"2026": 150000}; an amount that isn't whole kroner is
    kept as typed, for the check to name it."""
    costs: dict[str, object] = {}
    for part in re.split(r"[\n;]|,\s*(?=\S+\s*[=:])", text):
        if not part.strip():
            continue
        m = _COST.match(part)
        year, amount = (m.group(1), m.group(2)) if m else (part.strip(), "")
        digits = re.sub(r"(?i)\s*kr\.?$", "", amount).replace(".", "").replace(" ", "").replace("\u00a0", "")
        costs[year] = int(digits) if re.fullmatch(r"-?\d+", digits) else amount
    return costs
