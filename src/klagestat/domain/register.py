"""The vocabulary of a municipality's complaint register: columns, reassessment results,
complaint bodies and reasons for reversal, built from catalogue/cases.toml."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .catalogue import CatalogueError
from .text import normalise

ANKESTYRELSEN = "Ankestyrelsen"

# What klagestat keeps of each case, in the order the importer produces and the store writes them.
CASE_FIELDS = (
    "case_id", "citizen", "legal_basis", "law_id", "provision_key", "committee", "decision_date",
    "complaint_date", "reassessment", "reassessment_date", "complaint_body", "forwarded_date",
    "body_decision_date", "outcome", "outcome_label", "reasons", "description", "learning",
)


class Reassessment(StrEnum):
    """The municipality's own reassessment of its decision after a complaint."""

    UPHELD = "upheld"  # fastholdt: forwarded to the complaint body
    PARTLY = "partly"  # delvist omgjort: the rest is forwarded
    REVERSED = "reversed"  # omgjort: the citizen got full right; nothing to forward


REASSESSMENT_NAMES_DA = {
    Reassessment.UPHELD: "Fastholdt",
    Reassessment.PARTLY: "Delvist omgjort",
    Reassessment.REVERSED: "Omgjort",
}


@dataclass(frozen=True)
class RegisterVocabulary:
    columns: tuple[str, ...]
    required_columns: tuple[str, ...]
    column_aliases: dict[str, str]  # normalised spelling → default column name
    reassessment: dict[str, Reassessment]
    bodies: dict[str, str]  # normalised spelling → the body's name
    reasons: dict[str, str]  # normalised spelling → reason code
    reason_names: dict[str, str]  # reason code → Danish name

    @classmethod
    def from_data(cls, data: dict) -> RegisterVocabulary:
        columns = tuple(data["columns"]["known"])
        aliases: dict[str, str] = {}

        def add(index: dict, spelling: str, value, what: str) -> None:
            key = normalise(spelling)
            if index.get(key, value) != value:
                raise CatalogueError(f"{what} {spelling!r} is listed twice")
            index[key] = value

        for name in columns:
            add(aliases, name, name, "column")
        for name, spellings in data["columns"].get("aliases", {}).items():
            if name not in columns:
                raise CatalogueError(f"aliases for unknown column {name!r}")
            for s in spellings:
                add(aliases, s, name, "column")
        reassessment: dict[str, Reassessment] = {}
        for value, spellings in data["reassessment"].items():
            for s in [*spellings, value]:
                add(reassessment, s, Reassessment(value), "reassessment")
        bodies: dict[str, str] = {}
        for body in data["complaint_bodies"].values():
            for s in [body["name"], *body.get("aliases", ())]:
                add(bodies, s, body["name"], "complaint body")
        reasons: dict[str, str] = {}
        names: dict[str, str] = {}
        for code, reason in data["reasons"].items():
            names[code] = reason["name"]
            for s in [code, reason["name"], *reason.get("aliases", ())]:
                add(reasons, s, code, "reason")
        return cls(columns, tuple(data["columns"]["required"]), aliases, reassessment, bodies, reasons, names)

    def column_for(self, header: str) -> str | None:
        return self.column_aliases.get(normalise(header))

    def find_reassessment(self, text: str) -> Reassessment | None:
        return self.reassessment.get(normalise(text))

    def find_body(self, text: str) -> str | None:
        return self.bodies.get(normalise(text))

    def find_reason(self, text: str) -> str | None:
        return self.reasons.get(normalise(text))
