"""SQLite: users, sessions, failed logins and the audit log move to the access file beside the
database (attached as "access"), so a long import, which holds the main file's write lock, no
longer blocks page views and logins. PostgreSQL: nothing changes (the schema name is translated
away there).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Written out here, not imported from schema.py (as in 0002): a migration must keep meaning what
# it meant when it was written. The tables are 0003's, created in the access file.
ACCESS = "access"
TABLES = ("user_account", "web_session", "login_failure", "audit_event")  # referenced before referencing
REFUSAL = "Revisionsloggen kan ikke ændres eller slettes."


def _create_tables(schema: str | None) -> None:
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.Text, nullable=False, unique=True),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        schema=schema,
    )
    op.create_table(
        "web_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey(f"{schema}.user_account.id" if schema else "user_account.id"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        schema=schema,
    )
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("client", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        schema=schema,
    )
    op.create_index("ix_login_failure_at", "login_failure", ["at"], schema=schema)
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("user_email", sa.Text, nullable=False),
        sa.Column("municipality_code", sa.String(4), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.Text),
        schema=schema,
    )
    op.create_index("ix_audit_event_municipality", "audit_event", ["municipality_code", "at"], schema=schema)
    prefix = f"{schema}." if schema else ""
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER {prefix}audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                   f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")


def _move(source: str, target: str | None) -> None:
    for table in TABLES:
        op.execute(f"INSERT INTO {target or 'main'}.{table} SELECT * FROM {source}.{table}")
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE {source}.{table}")  # its indexes and triggers go with it


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # A main file created anew beside the access file of a database that was removed without it:
    # the access file keeps its users and audit log, and the new main file's empty tables go.
    if not sa.inspect(bind).has_table("user_account", schema=ACCESS):
        _create_tables(ACCESS)
    _move("main", ACCESS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _create_tables(None)
    _move(ACCESS, None)
