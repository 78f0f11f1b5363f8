"""The catalogue model: municipalities, laws, provisions, maps and outcome labels.

Built from plain dictionaries (the TOML files in `klagestat/catalogue/`), so it stays pure and
testable; `klagestat.catalogue.load_catalogue()` reads the files. Every rule about which
provision belongs to which map in which year is answered here, from that data.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

from .legal_basis import (
    ALL_BASIS,
    BasisLevel,
    BasisRef,
    before_reference,
    format_paragraphs,
    key_law,
    key_paragraphs,
    parse_paragraphs,
    provision_key,
    provision_name_part,
    split_numeric_prefix,
)
from .outcomes import TOTAL, Outcome
from .periods import Period, parse_period
from .text import normalise

NATIONAL_CODE = "000"


class AreaLevel(StrEnum):
    NATIONAL = "national"
    REGION = "region"
    MUNICIPALITY = "municipality"
    GROUP = "group"  # a comparison group: several municipalities pooled


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str
    name: str
    region_code: str
    population: int
    aliases: tuple[str, ...]
    neighbours: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Area:
    """Where a figure belongs: the nation, a region or a municipality."""

    level: AreaLevel
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Law:
    id: str
    name: str
    full_name: str
    aliases: tuple[str, ...]
    valid_from: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ProvisionInfo:
    law_id: str
    paragraphs: tuple[str, ...]
    names: tuple[tuple[dt.date, str], ...]  # (valid_from, name), oldest first
    statbank_label: str | None
    other_labels: tuple[str, ...] = ()  # the statistics' other spellings of it ("Enkeltydelser - § 81")

    @property
    def labels(self) -> tuple[str, ...]:
        return ((self.statbank_label,) if self.statbank_label else ()) + self.other_labels

    @property
    def key(self) -> str:
        return provision_key(self.law_id, self.paragraphs)

    def name_on(self, day: dt.date) -> str:
        current = self.names[0][1]
        for valid_from, name in self.names:
            if valid_from <= day:
                current = name
        return current


@dataclass(frozen=True, slots=True)
class MapPeriod:
    from_year: int
    to_year: int | None
    laws: frozenset[str]  # every provision of these laws
    paragraphs: dict[str, frozenset[str]]  # law id → the paragraphs that count

    def covers(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)


@dataclass(frozen=True, slots=True)
class MapDefinition:
    code: str
    name: str
    order: int
    periods: tuple[MapPeriod, ...]
    aliases: tuple[str, ...] = ()  # how committee texts name the map ("børnehandicapområdet")

    def period(self, year: int) -> MapPeriod | None:
        for p in self.periods:
            if p.covers(year):
                return p
        return None


@dataclass(frozen=True, slots=True)
class DerivedMap:
    """A group made from the maps: `base` without what the maps in `excluding` count, each year
    under the base's and their rules (social-other: the social map without the disability maps)."""

    code: str
    name: str
    base: str
    excluding: tuple[str, ...]
    aliases: tuple[str, ...] = ()


class CatalogueError(ValueError):
    """The catalogue data contradicts itself (a bug in package data or a user's mapping file)."""


@dataclass
class Catalogue:
    national_name: str
    national_aliases: tuple[str, ...]
    regions: dict[str, Region]
    municipalities: dict[str, Municipality]
    laws: dict[str, Law]
    provisions: dict[str, ProvisionInfo]
    maps: dict[str, MapDefinition]
    outcome_labels: dict[str, str]  # normalised label → Outcome value or "total"
    first_period: Period
    # Retssikkerhedsloven § 79 b's duty to decide on an action plan: from and until (exclusive).
    action_plan_duty: tuple[dt.date, dt.date] | None = None
    maps_published: dict[int, dt.date] = field(default_factory=dict)  # the figures' year → the maps' publication day
    derived_maps: dict[str, DerivedMap] = field(default_factory=dict)  # never among `maps`: asked for by code
    basis_total_labels: frozenset[str] = frozenset()
    law_total_suffixes: tuple[str, ...] = ()
    area_name_suffixes: tuple[str, ...] = ()
    _area_index: dict[str, Area] = field(default_factory=dict, repr=False)
    _law_pattern: re.Pattern | None = field(default=None, repr=False)
    _law_by_alias: dict[str, Law] = field(default_factory=dict, repr=False)
    _provision_by_label: dict[str, ProvisionInfo] = field(default_factory=dict, repr=False)
    _provision_by_name: dict[tuple[str, tuple[str, ...]], list[ProvisionInfo]] = field(default_factory=dict, repr=False)

    # ---- construction -------------------------------------------------------------------------

    @classmethod
    def from_data(cls, municipalities: dict, laws: dict, maps: dict, outcomes: dict) -> Catalogue:
        national = municipalities["national"]
        regions = {
            r["code"]: Region(r["code"], r["name"], tuple(r.get("aliases", ())))
            for r in municipalities["regions"]
        }
        munis = {
            m["code"]: Municipality(
                m["code"], m["name"], m["region"], int(m.get("population", 0)),
                tuple(m.get("aliases", ())), tuple(m.get("neighbours", ())),
            )
            for m in municipalities["municipalities"]
        }
        law_objs = {
            law["id"]: Law(law["id"], law["name"], law.get("full_name", law["name"]),
                           tuple(law.get("aliases", ())), law.get("valid_from"))
            for law in laws["laws"]
        }
        provisions: dict[str, ProvisionInfo] = {}
        for p in laws.get("provisions", ()):
            if p["law"] not in law_objs:
                raise CatalogueError(f"provision names unknown law {p['law']!r}")
            names = tuple(sorted((n["valid_from"], n["name"]) for n in p["names"]))
            info = ProvisionInfo(p["law"], tuple(p["paragraphs"]), names, p.get("statbank_label"),
                                 tuple(p.get("other_labels", ())))
            if info.key in provisions:
                raise CatalogueError(f"provision {info.key} is listed twice")
            provisions[info.key] = info
        map_defs = {}
        for code, m in maps["maps"].items():
            periods = []
            for p in m["periods"]:
                paras: dict[str, frozenset[str]] = {}
                for entry in p.get("provisions", ()):
                    paras[entry["law"]] = frozenset(entry["paragraphs"])
                for law_id in list(p.get("laws", ())) + list(paras):
                    if law_id not in law_objs:
                        raise CatalogueError(f"map {code} names unknown law {law_id!r}")
                periods.append(MapPeriod(p["from_year"], p.get("to_year"), frozenset(p.get("laws", ())), paras))
            map_defs[code] = MapDefinition(code, m["name"], m["order"], tuple(periods), tuple(m.get("aliases", ())))
        labels: dict[str, str] = {}
        for outcome, names in outcomes["labels"].items():
            value = TOTAL if outcome == TOTAL else Outcome(outcome).value
            for name in names:
                key = normalise(name)
                if key in labels:
                    raise CatalogueError(f"outcome label {name!r} is listed twice")
                labels[key] = value
        first = parse_period(maps["statistics"]["first_quarter"])
        cat = cls(
            national_name=national["name"],
            national_aliases=tuple(national.get("aliases", ())),
            regions=regions,
            municipalities=dict(sorted(munis.items(), key=lambda kv: int(kv[0]))),
            laws=law_objs,
            provisions=provisions,
            maps=dict(sorted(map_defs.items(), key=lambda kv: kv[1].order)),
            outcome_labels=labels,
            first_period=first,
            action_plan_duty=((maps["treatment"]["action_plan_duty_from"], maps["treatment"]["action_plan_duty_until"])
                              if "treatment" in maps else None),
            maps_published={int(year): day for year, day in maps.get("treatment", {}).get("published", {}).items()},
            derived_maps=_derived_maps(maps, map_defs),
            basis_total_labels=frozenset(normalise(x) for x in laws["legal_basis"]["total_labels"]),
            law_total_suffixes=tuple(x.casefold() for x in laws["legal_basis"]["law_total_suffixes"]),
            area_name_suffixes=tuple(" " + normalise(x) for x in municipalities.get("name_suffixes", ())),
        )
        cat._build_indexes()
        return cat

    def _build_indexes(self) -> None:
        index: dict[str, Area] = {}

        def add(name: str, area: Area) -> None:
            key = self._area_key(name)
            if key in index and index[key] != area:
                raise CatalogueError(f"area name {name!r} is ambiguous")
            index[key] = area

        national = Area(AreaLevel.NATIONAL, NATIONAL_CODE, self.national_name)
        for name in (self.national_name, *self.national_aliases):
            add(name, national)
        for r in self.regions.values():
            area = Area(AreaLevel.REGION, r.code, r.name)
            for name in (r.name, *r.aliases):
                add(name, area)
        for m in self.municipalities.values():
            area = Area(AreaLevel.MUNICIPALITY, m.code, m.name)
            for name in (m.name, *m.aliases):
                add(name, area)
        self._area_index = index

        by_alias: dict[str, Law] = {}
        for law in self.laws.values():
            for name in (law.name, law.full_name, law.id, *law.aliases):
                key = normalise(name)
                if key in by_alias and by_alias[key] is not law:
                    raise CatalogueError(f"law alias {name!r} is ambiguous")
                by_alias[key] = law
        self._law_by_alias = by_alias
        # Longest alias first, so "Lov om aktiv socialpolitik" wins over a shorter overlap.
        alternatives = sorted(by_alias, key=len, reverse=True)
        self._law_pattern = re.compile(
            r"(?<!\w)(" + "|".join(re.escape(a) for a in alternatives) + r")(?:s|ens)?(?!\w)"
        )
        self._provision_by_label = {
            normalise(label): p for p in self.provisions.values() for label in p.labels
        }
        by_name: dict[tuple[str, tuple[str, ...]], list[ProvisionInfo]] = {}
        for p in self.provisions.values():
            names = {provision_name_part(label) for label in p.labels} | {normalise(n) for _, n in p.names}
            for name in names:
                by_name.setdefault((name, p.paragraphs), []).append(p)
        self._provision_by_name = by_name

    # ---- areas --------------------------------------------------------------------------------

    def _area_key(self, name: str) -> str:
        key = normalise(name)
        for suffix in self.area_name_suffixes:
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
        return key

    def find_area(self, text: str) -> Area | None:
        """A municipality, region or the nation by code ("350", "0350"), name or alias."""
        raw = text.strip()
        m = re.fullmatch(r"(\d{1,4})(?:\s+(.+))?", raw)
        if m:
            code = m.group(1).lstrip("0") or "0"
            if code == "0":
                return Area(AreaLevel.NATIONAL, NATIONAL_CODE, self.national_name)
            if code in self.municipalities:
                mu = self.municipalities[code]
                return Area(AreaLevel.MUNICIPALITY, code, mu.name)
            if code in self.regions:
                return Area(AreaLevel.REGION, code, self.regions[code].name)
            return None
        return self._area_index.get(self._area_key(raw))

    def find_municipality(self, text: str) -> Municipality | None:
        area = self.find_area(text)
        if area and area.level is AreaLevel.MUNICIPALITY:
            return self.municipalities[area.code]
        return None

    def area(self, code: str) -> Area:
        if code == NATIONAL_CODE:
            return Area(AreaLevel.NATIONAL, code, self.national_name)
        if code in self.regions:
            return Area(AreaLevel.REGION, code, self.regions[code].name)
        return Area(AreaLevel.MUNICIPALITY, code, self.municipalities[code].name)

    def comparison_group(self, code: str) -> tuple[Area, tuple[str, ...]]:
        """A municipality's curated neighbours, pooled as one comparison group."""
        municipality = self.municipalities[code]
        names = ", ".join(self.municipalities[n].name for n in municipality.neighbours)
        area = Area(AreaLevel.GROUP, f"nabo-{code}", f"Nabokommuner til {municipality.name} ({names})")
        return area, municipality.neighbours

    def region_members(self, region_code: str) -> tuple[str, ...]:
        return tuple(c for c, m in self.municipalities.items() if m.region_code == region_code)

    # ---- outcomes -----------------------------------------------------------------------------

    def outcome_for_label(self, label: str) -> str | None:
        """Outcome value ("upheld" …) or "total" for a label; None if unknown."""
        return self.outcome_labels.get(normalise(label))

    # ---- laws and provisions ------------------------------------------------------------------

    def find_law(self, text: str) -> Law | None:
        """A law by its exact name, full name, id or alias (any case)."""
        return self._law_by_alias.get(normalise(text))

    def law_named_in(self, text: str) -> Law | None:
        """The first law a free text names (before any "jf." cross-reference)."""
        m = self._law_pattern.search(normalise(before_reference(text)))
        return self._law_by_alias[m.group(1)] if m else None

    def provision_for_label(self, text: str) -> ProvisionInfo | None:
        return self._provision_by_label.get(normalise(text))

    def recognise_basis(self, label: str, prefix_laws: dict[str, str] | None = None,
                        law: Law | None = None) -> BasisRef | None:
        """What a legal-basis label means, or None when it can't be recognised.

        Order, as the design says: an exact catalogue label; else the law named in the label or
        the law that a law-level row of the same file gives the numeric prefix ("1.12" under
        "1 Serviceloven"), with the paragraphs written in the label; else the law of the one
        catalogue provision whose name and paragraphs the label has ("Enkeltydelser - § 81").
        `law`: the law the file gives in a column of its own (the Talportal's Lovgivning); then
        "I alt" is that law's total.
        """
        text = label.strip()
        if normalise(text) in self.basis_total_labels:
            return ALL_BASIS if law is None else BasisRef(BasisLevel.LAW, law.id)
        major, minor, rest = split_numeric_prefix(text)
        known = self.provision_for_label(rest)
        if known is not None and law in (None, self.laws[known.law_id]):
            return BasisRef(BasisLevel.PROVISION, known.law_id, known.key)
        law = law or self.law_named_in(rest)
        if law is None and major is not None and prefix_laws:
            law_id = prefix_laws.get(major)
            law = self.laws.get(law_id) if law_id else None
        if law is None:
            named = self.provision_named(rest)
            return None if named is None else BasisRef(BasisLevel.PROVISION, named.law_id, named.key)
        paragraphs = parse_paragraphs(rest)
        is_law_row = (major is not None and minor is None) or (
            major is None and not paragraphs and self._is_just_law_name(rest, law)
        )
        if is_law_row and not paragraphs:
            return BasisRef(BasisLevel.LAW, law.id)
        return BasisRef(BasisLevel.PROVISION, law.id, provision_key(law.id, paragraphs, rest))

    def provision_named(self, label: str) -> ProvisionInfo | None:
        """The catalogue provision a label names by its name and paragraphs ("Voksne - kontante
        tilskud § 95"), when exactly one law has such a provision; None when none or two fit."""
        paragraphs = parse_paragraphs(label)
        if not paragraphs:
            return None
        found = self._provision_by_name.get((provision_name_part(label), paragraphs), [])
        laws = {p.law_id for p in found}
        return found[0] if len(laws) == 1 else None

    def _is_just_law_name(self, text: str, law: Law) -> bool:
        """"Serviceloven" or "Serviceloven i alt": a law-level row with no numeric prefix."""
        key = normalise(text)
        for suffix in self.law_total_suffixes:
            if key.endswith(suffix):
                key = key[: -len(suffix)].strip()
        return self._law_by_alias.get(key) is law

    def parse_selector(self, text: str) -> tuple[Law, tuple[str, ...]] | None:
        """A user's selector: a law ("aktivloven") or a law with paragraphs ("SEL §§ 85 og 107")."""
        law = self.law_named_in(text)
        if law is None:
            return None
        return law, parse_paragraphs(text)

    def unknown_paragraphs(self, law_id: str, paragraphs: tuple[str, ...]) -> list[str]:
        """The paragraphs of the law that no provision of the catalogue has ("§ 9999" is a typing error)."""
        known = {p for key in self.provisions if key_law(key) == law_id for p in key_paragraphs(key)}
        return [p for p in paragraphs if p not in known]

    def provision_label(self, key: str, year: int | None = None) -> str:
        """A Danish label for a provision key: "Serviceloven § 100 (Voksne - merudgifter)"."""
        law = self.laws.get(key_law(key))
        law_name = law.name if law else key_law(key)
        paragraphs = key_paragraphs(key)
        info = self.provisions.get(key)
        if paragraphs:
            base = f"{law_name} {format_paragraphs(paragraphs)}"
        else:
            base = f"{law_name}: {key.partition(':~')[2]}"
        if info is not None:
            day = dt.date(year, 12, 31) if year else dt.date.today()
            return f"{base} ({info.name_on(day)})"
        return base

    # ---- maps ---------------------------------------------------------------------------------

    # A map code is one of the three maps or a derived map (DerivedMap); every rule below answers
    # for both, so the analyses group by either alike.

    def map_codes(self) -> tuple[str, ...]:
        """The three maps, then the derived ones: what --map accepts."""
        return (*self.maps, *self.derived_maps)

    def map_names(self) -> dict[str, tuple[str, ...]]:
        """Every map's and derived group's names: its name and aliases, by map code."""
        found = {code: (m.name, *m.aliases) for code, m in self.maps.items()}
        found.update({code: (d.name, *d.aliases) for code, d in self.derived_maps.items()})
        return found

    def map_name(self, map_code: str) -> str:
        return (self.maps[map_code] if map_code in self.maps else self.derived_maps[map_code]).name

    def map_in_force(self, map_code: str, year: int) -> bool:
        derived = self.derived_maps.get(map_code)
        return self.maps[derived.base if derived else map_code].period(year) is not None

    def map_covers_whole_law(self, map_code: str, year: int, law_id: str) -> bool:
        derived = self.derived_maps.get(map_code)
        if derived is not None:  # whole only where no excluded map takes a part of the law
            return (self.map_covers_whole_law(derived.base, year, law_id)
                    and not any(law_id in self.map_laws(m, year) for m in derived.excluding))
        period = self.maps[map_code].period(year)
        return period is not None and law_id in period.laws

    def map_laws(self, map_code: str, year: int) -> frozenset[str]:
        """Every law with at least one provision in the map that year."""
        derived = self.derived_maps.get(map_code)
        if derived is not None:
            return self.map_laws(derived.base, year)
        period = self.maps[map_code].period(year)
        if period is None:
            return frozenset()
        return period.laws | frozenset(period.paragraphs)

    def map_needs_provisions(self, map_code: str, year: int, law_id: str) -> bool:
        """Whether the map takes only some paragraphs of the law that year, so the law's figures
        must come by paragraph (a law-level row can't be split)."""
        derived = self.derived_maps.get(map_code)
        if derived is not None:
            return (self.map_needs_provisions(derived.base, year, law_id)
                    or any(law_id in self.map_laws(m, year) for m in derived.excluding))
        period = self.maps[map_code].period(year)
        return period is not None and law_id in period.paragraphs

    def map_contains(self, map_code: str, year: int, key: str) -> bool:
        """Whether the provision with this key counts in the map for that year."""
        derived = self.derived_maps.get(map_code)
        if derived is not None:
            return (self.map_contains(derived.base, year, key)
                    and not any(self.map_contains(m, year, key) for m in derived.excluding))
        period = self.maps[map_code].period(year)
        if period is None:
            return False
        law_id = key_law(key)
        if law_id in period.laws:
            return True
        allowed = period.paragraphs.get(law_id)
        paragraphs = key_paragraphs(key)
        return bool(allowed and paragraphs and set(paragraphs) <= allowed)


def _derived_maps(maps: dict, map_defs: dict[str, MapDefinition]) -> dict[str, DerivedMap]:
    result = {}
    for code, d in maps.get("derived_maps", {}).items():
        for named in (d["base"], *d["excluding"]):
            if named not in map_defs:
                raise CatalogueError(f"derived map {code} names unknown map {named!r}")
        result[code] = DerivedMap(code, d["name"], d["base"], tuple(d["excluding"]), tuple(d.get("aliases", ())))
    return result
