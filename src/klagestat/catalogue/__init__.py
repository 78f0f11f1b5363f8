"""The catalogue as package data (TOML). `load_catalogue()`, `load_register_vocabulary()` and `load_tile_grid()` are the only code here."""

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


@lru_cache(maxsize=1)
def load_tile_grid() -> dict[str, tuple[int, int]]:
    """Each municipality's tile on the tile-grid map: code → (row, col), row 0 at the top (north)."""
    return {code: (int(row), int(col)) for code, (row, col) in read_file("tile_grid")["tiles"].items()}
