"""A municipality's action plan (handleplan), one row per saved version.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written out here, not imported from schema.py: a migration keeps meaning what it meant.
    op.create_table(
        "action_plan",
        sa.Column("municipality_code", sa.String(4), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("saved_at", sa.DateTime, nullable=False),
        sa.Column("saved_by", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("action_plan")
