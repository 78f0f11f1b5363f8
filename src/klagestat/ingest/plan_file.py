"""A municipality's action plan from its TOML file (`klagestat plan import`), checked whole:
every problem in the file at once, each with its line and value, and nothing kept when there is
one.

The file's shape is the README's ([plan], [[initiatives]], [[alternatives]], [[meetings]]). tomllib
gives no positions, so `_KeyLines` finds the line of each key by reading the text beside it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from klagestat.domain.areas import AreaConfig
from klagestat.domain.catalogue import Catalogue
from klagestat.domain.legal_basis import format_paragraphs
from klagestat.domain.plan import COUNCILS, Alternative, Initiative, Meeting, MeetingKind, Plan, Status, known_body
from klagestat.domain.problems import ProblemList

from .text_files import read_toml

WHAT = "Handleplanen"
SECTIONS = {"plan": ("title", "adopted", "adopted_by", "target", "target_percent"),
            "initiatives": ("name", "description", "owner", "start", "end", "status", "provisions", "areas", "costs"),
            "alternatives": ("name", "description", "initiatives", "financing"),
            "meetings": ("body", "date", "kind", "decision")}
MAX_PLAN_BYTES = 1_000_000  # a plan is a few pages of text; more is not a plan (nor read into memory)
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100  # a plan's dates and cost years outside these are typing errors
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z_]+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z_]+)\s*=")


class _KeyLines:
    """The line of each key of the file, as (section, index in its array, key)."""

    def __init__(self, text: str):
        self.lines: dict[tuple[str, int, str], int] = {}
        self.sections: dict[tuple[str, int], int] = {}
        counts: dict[str, int] = {}
        section, index = "", 0
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                section = header.group(2)
                index = counts.get(section, 0) if header.group(1) == "[[" else 0
                if header.group(1) == "[[":
                    counts[section] = index + 1
                self.sections[(section, index)] = number
                continue
            key = _KEY.match(line)
            if key:  # before any section header: a key of the file itself ("", 0, key)
                self.lines.setdefault((section, index, key.group(1)), number)

    def of(self, section: str, index: int, key: str | None = None) -> int | None:
        if key is not None and (section, index, key) in self.lines:
            return self.lines[(section, index, key)]
        return self.sections.get((section, index))


def read_plan(path: Path, catalogue: Catalogue, areas: AreaConfig | None = None, shown_as: str | None = None) -> Plan:
    """The plan in the file, or InputError with every problem in it (nothing is imported)."""
    name = shown_as or str(path)
    problems = ProblemList(name, importing=True)
    size = path.stat().st_size if path.is_file() else 0  # a missing file or a folder: read_toml says so
    if size > MAX_PLAN_BYTES:
        problems.add(f"Filen fylder {size // 1000:,} KB; en handleplan er højst {MAX_PLAN_BYTES // 1000:,} KB. Er det den "
                     "rigtige fil?".replace(",", "."), code="file-too-big")
        problems.raise_if_any()
    data = read_toml(path, WHAT, name)
    text = path.read_text(encoding="utf-8-sig")
    return _PlanReader(name, _KeyLines(text), catalogue, areas.names if areas else None, _file_place,
                       lambda key: key).plan(data)


# Where a problem is, for the user: (section, index in its array, key or None) → the column text.
Place = Callable[[str, int, str | None], str]
Label = Callable[[str], str]  # a key as the user knows it: the file's key, the form's Danish label


def _file_place(section: str, i: int, key: str | None) -> str:
    column = f"[{section}]" if section == "plan" else f"[[{section}]] nr. {i + 1}"
    return column if key is None else f"{column} {key}"


def check_plan(data: dict, catalogue: Catalogue, area_names: tuple[str, ...] | None, shown_as: str,
               place: Place, label: Label) -> Plan:
    """The plan from data in the file's shape that did not come from a file (the web's form: every
    value text as typed), checked by the same rules; `place` names where each problem is and
    `label` each field."""
    return _PlanReader(shown_as, _KeyLines(""), catalogue, area_names, place, label).plan(data)


class _PlanReader:
    def __init__(self, file: str, lines: _KeyLines, catalogue: Catalogue, area_names: tuple[str, ...] | None,
                 place: Place, label: Label):
        self.problems = ProblemList(file, importing=True)
        self.label = label
        self.lines = lines
        self.catalogue = catalogue
        self.area_names = area_names
        self.place = place

    def plan(self, data: dict) -> Plan:
        for key in data:
            if key not in SECTIONS:
                line = self.lines.of(key, 0) or self.lines.of("", 0, key)
                self.problems.add(f"Ukendt afsnit eller felt {key!r} øverst i filen; felterne hører under et afsnit, "
                                  f"fx [plan]. Kendte afsnit: {', '.join(SECTIONS)}.", line=line, value=key,
                                  code="section-unknown")
        head = data.get("plan")
        if not isinstance(head, dict):
            self.problems.add("Filen mangler afsnittet [plan] med mindst title = \"…\".", code="plan-missing")
            self.problems.raise_if_any()
            raise AssertionError("unreachable")
        self._known_keys("plan", 0, head)
        title = self._text("plan", 0, head, "title", required=True)
        adopted = self._date("plan", 0, head, "adopted")
        target_percent = self._whole("plan", 0, head, "target_percent", 0, 100)
        initiatives = tuple(self._initiative(i, body) for i, body in enumerate(self._tables(data, "initiatives")))
        self._unique("initiatives", [i.name for i in initiatives])
        names = {i.name for i in initiatives}
        alternatives = tuple(self._alternative(i, body, names) for i, body in enumerate(self._tables(data, "alternatives")))
        self._unique("alternatives", [a.name for a in alternatives])
        meetings = tuple(m for i, body in enumerate(self._tables(data, "meetings"))
                         if (m := self._meeting(i, body)) is not None)
        self.problems.raise_if_any()
        return Plan(title=title, adopted=adopted, adopted_by=self._text("plan", 0, head, "adopted_by"),
                    target=self._text("plan", 0, head, "target"), target_percent=target_percent,
                    initiatives=initiatives, alternatives=alternatives, meetings=meetings)

    # ---- the parts ---------------------------------------------------------------------------------

    def _initiative(self, i: int, body: dict) -> Initiative:
        s = "initiatives"
        self._known_keys(s, i, body)
        start, end = self._date(s, i, body, "start"), self._date(s, i, body, "end")
        if start and end and end < start:
            self._add(s, i, "end", f"Initiativet slutter ({end:%d-%m-%Y}) før det starter ({start:%d-%m-%Y}).",
                      end.isoformat(), "end-before-start")
        status = self._choice(s, i, body, "status", "status", Status, Status.PLANNED, "status-unknown")
        provisions = self._texts(s, i, body, "provisions")
        for text in provisions:
            parsed = self.catalogue.parse_selector(text)
            if parsed is None:
                self._add(s, i, "provisions", "Ukendt lov eller bestemmelse. Skriv en lov (fx 'aktivloven') eller en lov "
                          "med paragraffer (fx 'SEL § 100').", text, "provision-unknown")
            elif unknown := self.catalogue.unknown_paragraphs(parsed[0].id, parsed[1]):
                self._add(s, i, "provisions", f"{parsed[0].name} har ingen {format_paragraphs(tuple(unknown))} i "
                          "klagestats katalog over bestemmelser, der klages over.", text, "provision-unknown")
        areas = self._texts(s, i, body, "areas")
        if areas and self.area_names is None:
            self._add(s, i, "areas", "Initiativet retter sig mod områder; angiv områdefilen med --areas FIL.",
                      ", ".join(areas), "areas-file-required")
        elif self.area_names is not None:
            for area in areas:
                if area not in self.area_names:
                    self._add(s, i, "areas", f"Området findes ikke i områdefilen. Kendte områder: "
                              f"{', '.join(self.area_names)}.", area, "area-unknown")
        return Initiative(name=self._text(s, i, body, "name", required=True),
                          description=self._text(s, i, body, "description"), owner=self._text(s, i, body, "owner"),
                          start=start, end=end, status=status, provisions=provisions, areas=areas,
                          costs=self._costs(i, body))

    def _costs(self, i: int, body: dict) -> tuple[tuple[int, int], ...]:
        costs = body.get("costs", {})
        if not isinstance(costs, dict):
            self._add("initiatives", i, "costs", "costs skal være en tabel af år og kroner, fx "
                      "costs = { 2026 = 150000, 2027 = 150000 }.", str(costs), "costs-invalid")
            return ()
        result = []
        for year_text, kroner in costs.items():
            year = int(year_text) if str(year_text).isdigit() else None
            if year is None or not EARLIEST_YEAR <= year <= LATEST_YEAR:
                self._add("initiatives", i, "costs", "Året skal være et årstal som 2026.", str(year_text), "year-invalid")
                continue
            if isinstance(kroner, bool) or not isinstance(kroner, (int, float)) or kroner != int(kroner):
                self._add("initiatives", i, "costs", f"Beløbet for {year} skal være et helt antal kroner, fx 150000.",
                          str(kroner), "cost-invalid")
                continue
            if kroner < 0:
                self._add("initiatives", i, "costs", f"Beløbet for {year} er negativt.", str(kroner), "cost-negative")
                continue
            result.append((year, int(kroner)))
        return tuple(sorted(result))

    def _alternative(self, i: int, body: dict, initiatives: set[str]) -> Alternative:
        s = "alternatives"
        self._known_keys(s, i, body)
        chosen = self._texts(s, i, body, "initiatives")
        for name in chosen:
            if name not in initiatives:
                known = ", ".join(sorted(initiatives)) or "ingen"
                self._add(s, i, "initiatives", f"Initiativet findes ikke i planen. Planens initiativer: {known}.", name,
                          "initiative-unknown")
        return Alternative(name=self._text(s, i, body, "name", required=True), initiatives=chosen,
                           financing=self._text(s, i, body, "financing"),
                           description=self._text(s, i, body, "description"))

    def _meeting(self, i: int, body: dict) -> Meeting | None:
        s = "meetings"
        self._known_keys(s, i, body)
        text = self._text(s, i, body, "body", required=True)
        named = known_body(text) if text else None
        if text and named is None:
            self._add(s, i, "body", "Ukendt organ. Skriv et udvalg (fx 'Social- og Sundhedsudvalget') eller et af "
                      f"{', '.join(COUNCILS)}.", text, "body-unknown")
        day = self._date(s, i, body, "date", required=True)
        kind = self._choice(s, i, body, "kind", "mødetype", MeetingKind, None, "meeting-kind-unknown")
        if named is None or day is None or kind is None:
            return None
        return Meeting(body=named, date=day, kind=kind, decision=self._text(s, i, body, "decision"))

    # ---- values ------------------------------------------------------------------------------------

    def _tables(self, data: dict, section: str) -> list[dict]:
        tables = data.get(section, [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            self._add(section, 0, None, f"[[{section}]] skal stå med to firkantede parenteser, én gang pr. punkt.",
                      section, "section-invalid")
            return []
        return tables

    def _known_keys(self, section: str, i: int, body: dict) -> None:
        for key in body:
            if key not in SECTIONS[section]:
                self._add(section, i, key, f"Ukendt felt i [{section}]. Kendte felter: {', '.join(SECTIONS[section])}.",
                          key, "key-unknown")

    def _text(self, section: str, i: int, body: dict, key: str, required: bool = False) -> str:
        value = body.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self._add(section, i, key, f"{self.label(key)} mangler.", None, "value-missing")
            return ""
        if not isinstance(value, str):
            self._add(section, i, key, f"{self.label(key)} skal være tekst i anførselstegn.", str(value), "value-not-text")
            return ""
        return value.strip()

    def _texts(self, section: str, i: int, body: dict, key: str) -> tuple[str, ...]:
        value = body.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._add(section, i, key, f"{key} skal være en liste af tekster, fx {key} = [\"…\", \"…\"].", str(value),
                      "value-not-list")
            return ()
        return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))

    def _date(self, section: str, i: int, body: dict, key: str, required: bool = False) -> dt.date | None:
        value = body.get(key)
        if value is None:
            if required:
                self._add(section, i, key, f"{self.label(key)} mangler (en dato som 2025-09-10).", None, "value-missing")
            return None
        day = value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else _date_of(value)
        if day is None:
            self._add(section, i, key, "Datoen skal skrives som 2025-09-10 (år-måned-dag).", str(value), "date-invalid")
        elif not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            self._add(section, i, key, f"Året {day.year} ligger uden for {EARLIEST_YEAR}-{LATEST_YEAR}; er det tastet "
                      "forkert?", str(value), "date-invalid")
            return None
        return day

    def _whole(self, section: str, i: int, body: dict, key: str, low: int, high: int) -> int | None:
        value = body.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or not low <= value <= high:
            self._add(section, i, key, f"{self.label(key)} skal være et helt tal fra {low} til {high}.", str(value),
                      "value-invalid")
            return None
        return int(value)

    def _choice(self, section: str, i: int, body: dict, key: str, what: str,
                choices: type[Status] | type[MeetingKind], default, code: str):
        value = body.get(key)
        if value is None:
            if default is None:
                self._add(section, i, key, f"{self.label(key)} mangler. Vælg mellem {' | '.join(choices)}.", None,
                          "value-missing")
            return default
        normal = " ".join(str(value).lower().split())
        for choice in choices:
            if choice.value == normal:
                return choice
        self._add(section, i, key, f"Ukendt {what}. Vælg mellem {' | '.join(choices)}.", str(value), code)
        return default

    def _unique(self, section: str, names: list[str]) -> None:
        seen: dict[str, int] = {}
        for i, name in enumerate(names):
            if name and name in seen:
                self._add(section, i, "name", f"Navnet står også i punkt {seen[name] + 1} af [[{section}]]; hvert navn "
                          "må kun stå én gang.", name, "name-duplicate")
            seen.setdefault(name, i)

    def _add(self, section: str, i: int, key: str | None, message: str, value: str | None, code: str) -> None:
        self.problems.add(message, line=self.lines.of(section, i, key), column=self.place(section, i, key), value=value,
                          code=code)


def _date_of(value: object) -> dt.date | None:
    """A date written as text: 2025-09-10, or as Danes write it, 10-09-2025 or 10.09.2025."""
    text = str(value).strip()
    parse: list[Callable[[], dt.date]] = [lambda: dt.date.fromisoformat(text),
                                          lambda: dt.datetime.strptime(text.replace(".", "-"), "%d-%m-%Y").date()]
    for attempt in parse:
        try:
            return attempt()
        except ValueError:
            continue
    return None
