"""Statistics Denmark's population (FOLK1A) for cases per 10,000 inhabitants: one vintage per
imported file, as for the statistics; and the Talportal's processing time (Sagsbehandlingstid)
per period, area and legal basis of a vintage.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written out here, not imported from schema.py: a migration keeps meaning what it meant.
    op.create_table(
        "population",
        sa.Column("vintage_id", sa.Integer, sa.ForeignKey("vintage.id"), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("quarter", sa.Integer, primary_key=True),
        sa.Column("area_code", sa.String(4), primary_key=True),
        sa.Column("inhabitants", sa.Integer),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("line", sa.Integer),
    )
    op.create_index("ix_population_period", "population", ["year", "quarter", "area_code"])
    op.create_table(
        "statbank_days",
        sa.Column("vintage_id", sa.Integer, sa.ForeignKey("vintage.id"), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("quarter", sa.Integer, primary_key=True),
        sa.Column("area_code", sa.String(4), primary_key=True),
        sa.Column("basis_id", sa.Integer, primary_key=True),
        sa.Column("days", sa.Float, nullable=False),
        sa.Column("line", sa.Integer),
    )


def downgrade() -> None:
    op.drop_table("statbank_days")
    op.drop_index("ix_population_period", "population")
    op.drop_table("population")
