"""The catalogue as package data (TOML). `load_catalogue()` is the only code here."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from klagestat.domain.catalogue import Catalogue
from klagestat.domain.register import RegisterVocabulary

FILES = ("municipalities", "laws", "maps", "outcomes")


def read_file(name: str) -> dict:
    with resources.files(__package__).joinpath(f"{name}.toml").open("rb") as f:
        return tomllib.load(f)


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    data = {name: read_file(name) for name in FILES}
    return Catalogue.from_data(**data)


@lru_cache(maxsize=1)
def load_register_vocabulary() -> RegisterVocabulary:
    return RegisterVocabulary.from_data(read_file("cases"))
