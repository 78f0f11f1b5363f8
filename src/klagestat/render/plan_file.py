"""An action plan as its TOML file (`klagestat plan export`): the shape `klagestat plan import`
reads, in the README's order, with the choices of each field as a comment, so the file can be
edited and imported again."""

from __future__ import annotations

import datetime as dt
import json

from klagestat.domain.plan import MeetingKind, Plan, Status, plan_data

COMMENTS = {
    "status": " | ".join(Status),
    "kind": " | ".join(MeetingKind),
    "provisions": "love eller paragraffer, fx \"SEL § 100\"; areas = [...] for områder; ingen: alle",
}


def plan_toml(plan: Plan, municipality: str) -> str:
    data = plan_data(plan)
    lines = [f"# Handleplan for {municipality} Kommune, skrevet af klagestat. Ret den, og indlæs den igen med",
             f"# klagestat plan import FIL --municipality \"{municipality}\".", "", "[plan]"]
    lines += _fields(data["plan"])
    for section in ("initiatives", "alternatives", "meetings"):
        for table in data[section]:
            lines += ["", f"[[{section}]]", *_fields(table)]
    return "\n".join(lines) + "\n"


def _fields(table: dict) -> list[str]:
    lines = []
    for key, value in table.items():
        line = f"{key} = {_value(key, value)}"
        if key in COMMENTS:
            line += f"  # {COMMENTS[key]}"
        lines.append(line)
    return lines


def _value(key: str, value: object) -> str:
    if key in ("adopted", "start", "end", "date") and isinstance(value, str):
        return dt.date.fromisoformat(value).isoformat()  # a TOML date, not text
    if isinstance(value, dict):  # costs: years as bare keys
        return "{ " + ", ".join(f"{year} = {kroner}" for year, kroner in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_value("", v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # JSON's string escapes (\" \\ \n \t \uXXXX) are TOML's basic-string escapes too.
    return json.dumps(str(value), ensure_ascii=False)
