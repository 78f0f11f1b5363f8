"""The municipality's complaint register: imports, cases, their history, rejected rows and the
fingerprint of the pseudonymisation key.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Written out here, not imported from schema.py: a migration must keep meaning what it meant
# when it was written, whatever schema.py says later.
CASE_COLUMNS = (
    ("case_id", sa.Text, False),
    ("version", sa.Integer, False),
    ("import_id", sa.Integer, False),
    ("line", sa.Integer, False),
    ("citizen", sa.String(64), True),
    ("legal_basis", sa.Text, True),
    ("law_id", sa.String(40), True),
    ("provision_key", sa.Text, True),
    ("committee", sa.Text, True),
    ("decision_date", sa.Date, True),
    ("complaint_date", sa.Date, True),
    ("reassessment", sa.String(10), True),
    ("reassessment_date", sa.Date, True),
    ("complaint_body", sa.Text, False),
    ("forwarded_date", sa.Date, True),
    ("body_decision_date", sa.Date, True),
    ("outcome", sa.String(10), True),
    ("outcome_label", sa.Text, True),
    ("reasons", sa.Text, True),
    ("description", sa.Text, True),
    ("learning", sa.Text, True),
    ("content_hash", sa.String(64), False),
)


def _case_columns() -> list[sa.Column]:
    return [sa.Column(name, kind, nullable=nullable) for name, kind, nullable in CASE_COLUMNS]


def upgrade() -> None:
    op.create_table(
        "case_import",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_format", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("new_count", sa.Integer, nullable=False),
        sa.Column("changed_count", sa.Integer, nullable=False),
        sa.Column("unchanged_count", sa.Integer, nullable=False),
        sa.Column("rejected_count", sa.Integer, nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
    )
    op.create_index("ix_case_import_file", "case_import", ["municipality_code", "sha256"], unique=True)
    op.create_table("case_record", sa.Column("municipality_code", sa.String(4), nullable=False), *_case_columns())
    op.create_index("ix_case_record_case", "case_record", ["municipality_code", "case_id"], unique=True)
    op.create_index("ix_case_record_decided", "case_record", ["municipality_code", "body_decision_date"])
    op.create_table(
        "case_history",
        sa.Column("municipality_code", sa.String(4), nullable=False),
        *_case_columns(),
        sa.Column("replaced_by_import", sa.Integer, nullable=False),
    )
    op.create_index("ix_case_history_case", "case_history", ["municipality_code", "case_id", "version"], unique=True)
    op.create_table(
        "case_reject",
        sa.Column("import_id", sa.Integer, sa.ForeignKey("case_import.id"), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("problems", sa.Text, nullable=False),
        sa.Column("cells", sa.Text, nullable=False),
    )
    op.create_index("ix_case_reject_import", "case_reject", ["import_id", "line"])
    op.create_table(
        "pseudonym_key",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("pseudonym_key", "case_reject", "case_history", "case_record", "case_import"):
        op.drop_table(table)
