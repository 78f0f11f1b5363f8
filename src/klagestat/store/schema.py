"""The tables, as SQLAlchemy Core metadata. Changes go through a migration in migrations/."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# One import of one file: a snapshot of the statistics as of a date (a vintage).
vintage = Table(
    "vintage",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(20), nullable=False),  # "statbank"
    Column("file_name", Text, nullable=False),
    Column("file_format", Text, nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("as_of", Date, nullable=False),
    Column("imported_at", DateTime, nullable=False),
    Column("cell_count", Integer, nullable=False),
    Column("synthetic", Boolean, nullable=False, default=False),  # demo data, never real figures
)

# The legal-basis labels of one vintage and what they were recognised as.
statbank_basis = Table(
    "statbank_basis",
    metadata,
    Column("vintage_id", Integer, ForeignKey("vintage.id"), primary_key=True),
    Column("basis_id", Integer, primary_key=True),
    Column("label", Text, nullable=False),
    Column("level", String(12), nullable=False),  # all | law | provision | unmapped
    Column("law_id", String(40)),
    Column("provision_key", Text),
)

# One count: a period, an area, a legal basis and an outcome. NULL count = ".." (not available).
statbank_cell = Table(
    "statbank_cell",
    metadata,
    Column("vintage_id", Integer, ForeignKey("vintage.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("quarter", Integer, nullable=False),  # 0 = the whole year
    Column("area_code", String(4), nullable=False),  # "000" national, 1081-1085 regions, else municipality
    Column("basis_id", Integer, nullable=False),
    Column("outcome", String(10), nullable=False),  # upheld | changed | remitted | dismissed | total
    Column("count", Integer),
    Column("line", Integer),  # where in the file; NULL for a year summed from its quarters
    Index("ix_statbank_cell_slot", "vintage_id", "year", "quarter", "area_code", "basis_id"),
)

# What a vintage covers: (period, area, law). A newer vintage wins per slot, so importing a new
# download of one municipality's figures never hides another municipality's older figures.
statbank_slot = Table(
    "statbank_slot",
    metadata,
    Column("vintage_id", Integer, ForeignKey("vintage.id"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("quarter", Integer, primary_key=True),
    Column("area_code", String(4), primary_key=True),
    Column("law_key", String(40), primary_key=True),  # law id, "*" for all laws, "?" unmapped
    Column("as_of", Date, nullable=False),
    Index("ix_statbank_slot_period", "year", "quarter", "area_code", "law_key"),
)
