"""The municipality's own comment on a year's map.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written out here, not imported from schema.py: a migration keeps meaning what it meant.
    op.create_table(
        "municipality_comment",
        sa.Column("municipality_code", sa.String(4), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("map", sa.String(40), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime, nullable=False),
        sa.Column("saved_by", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("municipality_comment")
