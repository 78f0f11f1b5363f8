"""What single sign-on decides, whatever the protocol: how strong a login is (NSIS assurance
levels), which of our roles the identity provider's roles give, and which municipality a user
belongs to.

The levels are NSIS's (the Danish national standard for identity assurance, used by OIOSAML 3 and
KOMBIT's Context Handler): Lav < Betydelig < Høj. An identity provider may say them as NSIS's words
("Substantial"), as eIDAS URIs (http://eidas.europa.eu/LoA/substantial) or in Danish.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from enum import IntEnum

from .accounts import Role


class Assurance(IntEnum):
    LOW = 1
    SUBSTANTIAL = 2
    HIGH = 3

    @property
    def danish(self) -> str:
        return {1: "Lav", 2: "Betydelig", 3: "Høj"}[self.value]

    @classmethod
    def parse(cls, value: str) -> Assurance | None:
        """A level as an identity provider or a configuration file writes it; None if unknown."""
        word = value.strip().rsplit("/", 1)[-1].casefold()
        return _LEVEL_WORDS.get(word)


_LEVEL_WORDS = {
    **{word: Assurance.LOW for word in ("low", "lav")},
    **{word: Assurance.SUBSTANTIAL for word in ("substantial", "betydelig")},
    **{word: Assurance.HIGH for word in ("high", "høj", "hoej")},
}


def strongest(values: Iterable[str]) -> Assurance | None:
    """The highest level among the values the assertion gives (None: none we know)."""
    levels = [level for level in map(Assurance.parse, values) if level is not None]
    return max(levels, default=None)


def mapped_role(values: Iterable[str], mapping: Mapping[str, Role]) -> Role | None:
    """Our role for the identity provider's role values: the highest one mapped (a user with
    both the reader and the admin job function is admin); None when none is mapped."""
    roles = [mapping[v.strip()] for v in values if v.strip() in mapping]
    order = list(Role)
    return max(roles, key=order.index, default=None)


def municipality_code(value: str, codes: Collection[str], cvr_numbers: Mapping[str, str]) -> str | None:
    """The municipality an assertion names, as a municipality code ("201", "0201") or a CVR
    number the configuration maps to a code; None when it names none we know."""
    digits = value.strip().removeprefix("urn:dk:gov:saml:cvrNumberIdentifier:").removeprefix("CVR:").strip()
    if digits in cvr_numbers:
        return cvr_numbers[digits]
    code = digits.lstrip("0").zfill(3)
    return code if digits.isdigit() and len(digits) <= 4 and code in codes else None


# OIOSAML's Basic Privilege Profile: the roles as base64 of a <PrivilegeList> of groups, each with
# the scope it holds in (an organisation's CVR number) and its privileges (role URIs). Read by
# element names, whichever version of the profile's namespace it uses.


def privilege_values(value: str, *, scopes: bool = False) -> list[str]:
    """The role values in one attribute value: the privileges of a Basic Privilege Profile list
    (or with `scopes`, their scopes), else the value itself (and no scope)."""
    import base64
    import binascii

    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    text = value.strip()
    try:
        document = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return [] if scopes else [text]
    if "PrivilegeList" not in document:
        return [] if scopes else [text]
    try:
        root = ElementTree.fromstring(document)
    except (ElementTree.ParseError, DefusedXmlException):
        return []
    found: list[str] = []
    for group in root.iter():
        if group.tag.rsplit("}", 1)[-1] != "PrivilegeGroup":
            continue
        if scopes:
            found += [group.get("Scope", "")] if group.get("Scope") else []
        else:
            found += [(p.text or "").strip() for p in group.iter() if p.tag.rsplit("}", 1)[-1] == "Privilege"]
    return found
