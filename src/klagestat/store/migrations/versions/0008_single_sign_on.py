"""Single sign-on and the second factor (issue 16): users from the identity provider, the SAML
requests awaiting an answer and the assertions already used, a TOTP secret per password user, and
whether a municipality requires one.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ACCESS = "access"  # the access file on SQLite (migration 0004); on PostgreSQL, the default schema


def _schema() -> str | None:
    return ACCESS if op.get_bind().dialect.name == "sqlite" else None


def upgrade() -> None:
    # Written out here, not imported from schema.py: a migration keeps meaning what it meant.
    schema = _schema()
    if not sa.inspect(op.get_bind()).has_table("user_account", schema=schema):
        return  # a new access file: store/database.create_access_tables makes it whole
    for column in (sa.Column("external_id", sa.Text), sa.Column("display_name", sa.Text),
                   sa.Column("totp_secret", sa.Text)):
        op.add_column("user_account", column, schema=schema)
    op.create_index("ux_user_account_external_id", "user_account", ["external_id"], unique=True, schema=schema)
    op.add_column("web_session", sa.Column("second_factor_pending", sa.Boolean, nullable=False,
                                           server_default=sa.false()), schema=schema)
    for name in ("totp_enrolment", "saml_name_id", "saml_session_index"):
        op.add_column("web_session", sa.Column(name, sa.Text), schema=schema)
    op.create_table(
        "saml_request",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("next", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        schema=schema,
    )
    op.create_table(
        "saml_assertion",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        schema=schema,
    )
    op.create_table(
        "access_setting",
        sa.Column("municipality_code", sa.String(4), primary_key=True),
        sa.Column("totp_required", sa.Boolean, nullable=False),
        schema=schema,
    )


def downgrade() -> None:
    schema = _schema()
    for table in ("access_setting", "saml_assertion", "saml_request"):
        op.drop_table(table, schema=schema)
    for column in ("saml_session_index", "saml_name_id", "totp_enrolment", "second_factor_pending"):
        op.drop_column("web_session", column, schema=schema)
    op.drop_index("ux_user_account_external_id", "user_account", schema=schema)
    for column in ("totp_secret", "display_name", "external_id"):
        op.drop_column("user_account", column, schema=schema)
