"""Statistics-bank vintages, legal-basis labels, cells and slots.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vintage",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_format", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("cell_count", sa.Integer, nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
    )
    op.create_table(
        "statbank_basis",
        sa.Column("vintage_id", sa.Integer, sa.ForeignKey("vintage.id"), primary_key=True),
        sa.Column("basis_id", sa.Integer, primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("law_id", sa.String(40)),
        sa.Column("provision_key", sa.Text),
    )
    op.create_table(
        "statbank_cell",
        sa.Column("vintage_id", sa.Integer, sa.ForeignKey("vintage.id"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("quarter", sa.Integer, nullable=False),
        sa.Column("area_code", sa.String(4), nullable=False),
        sa.Column("basis_id", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("count", sa.Integer),
        sa.Column("line", sa.Integer),
    )
    op.create_index(
        "ix_statbank_cell_slot", "statbank_cell", ["vintage_id", "year", "quarter", "area_code", "basis_id"]
    )
    op.create_table(
        "statbank_slot",
        sa.Column("vintage_id", sa.Integer, sa.ForeignKey("vintage.id"), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("quarter", sa.Integer, primary_key=True),
        sa.Column("area_code", sa.String(4), primary_key=True),
        sa.Column("law_key", sa.String(40), primary_key=True),
        sa.Column("as_of", sa.Date, nullable=False),
    )
    op.create_index("ix_statbank_slot_period", "statbank_slot", ["year", "quarter", "area_code", "law_key"])


def downgrade() -> None:
    op.drop_table("statbank_slot")
    op.drop_index("ix_statbank_cell_slot", "statbank_cell")
    op.drop_table("statbank_cell")
    op.drop_table("statbank_basis")
    op.drop_table("vintage")
