"""The tables, as SQLAlchemy Core metadata. Changes go through a migration in migrations/."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
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

# The Talportal's "Sagsbehandlingstid" (average days from the complaint's arrival to Ankestyrelsen's
# decision) where a file has it: one row per period, area and legal basis of a vintage.
statbank_days = Table(
    "statbank_days",
    metadata,
    Column("vintage_id", Integer, ForeignKey("vintage.id"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("quarter", Integer, primary_key=True),
    Column("area_code", String(4), primary_key=True),
    Column("basis_id", Integer, primary_key=True),
    Column("days", Float, nullable=False),
    Column("line", Integer),
)

# Statistics Denmark's population (FOLK1A, "Folketal den 1. i kvartalet"): a vintage of its own
# (vintage.source "population"), the inhabitants of an area on the first day of a quarter.
# NULL inhabitants = ".." (not available). A year's inhabitants are those of its first quarter.
population = Table(
    "population",
    metadata,
    Column("vintage_id", Integer, ForeignKey("vintage.id"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("quarter", Integer, primary_key=True),
    Column("area_code", String(4), primary_key=True),
    Column("inhabitants", Integer),
    Column("as_of", Date, nullable=False),
    Column("line", Integer),  # where in the file (the value's position in JSON-stat)
    Index("ix_population_period", "year", "quarter", "area_code"),
)

# ---- a municipality's action plan (issue 14) ----------------------------------------------------
# Every save is a new version, never an update: the plan's history is its rows. `content` is the
# plan's plain-data form (domain.plan.plan_data) as JSON.
action_plan = Table(
    "action_plan",
    metadata,
    Column("municipality_code", String(4), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("saved_at", DateTime, nullable=False),
    Column("saved_by", Text, nullable=False),  # a user's e-mail, or "kommandolinjen"
    Column("source", Text, nullable=False),  # the file's name, or "web"
    Column("content", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
)

# The comment a municipality sends with its figures for a year's map (the ministry shows it in the
# municipality's info box): its own words, shown as such on the public pages and in /api/rates.
municipality_comment = Table(
    "municipality_comment",
    metadata,
    Column("municipality_code", String(4), primary_key=True),
    Column("year", Integer, primary_key=True),  # the figures' year
    Column("map", String(40), primary_key=True),
    Column("text", Text, nullable=False),
    Column("saved_at", DateTime, nullable=False),
    Column("saved_by", Text, nullable=False),
)

# ---- the municipality's own complaint register (issue 3) ----------------------------------------
# No CPR number is ever stored: `citizen` holds a keyed pseudonym (HMAC-SHA256 with the instance
# secret) or the register's own pseudonymous borger_id; free text is masked at import.

# One import of one register file for one municipality.
case_import = Table(
    "case_import",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("municipality_code", String(4), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_format", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("imported_at", DateTime, nullable=False),
    Column("row_count", Integer, nullable=False),  # data rows in the file
    Column("new_count", Integer, nullable=False),
    Column("changed_count", Integer, nullable=False),
    Column("unchanged_count", Integer, nullable=False),
    Column("rejected_count", Integer, nullable=False),
    Column("synthetic", Boolean, nullable=False, default=False),
    Index("ix_case_import_file", "municipality_code", "sha256", unique=True),
)

_CASE_COLUMNS = (
    ("case_id", Text, False),  # sags_id
    ("version", Integer, False),  # 1 for the first import of the case, +1 per change
    ("import_id", Integer, False),
    ("line", Integer, False),  # line (CSV) or row (XLSX) in the import's file
    ("citizen", String(64), True),  # keyed pseudonym or borger_id
    ("legal_basis", Text, True),  # lovgrundlag as typed (masked)
    ("law_id", String(40), True),
    ("provision_key", Text, True),  # "sel:100"; NULL when only the law is known
    ("committee", Text, True),  # omraade
    ("decision_date", Date, True),  # afgoerelsesdato
    ("complaint_date", Date, True),  # klagedato
    ("reassessment", String(10), True),  # upheld | partly | reversed (genvurdering)
    ("reassessment_date", Date, True),  # genvurderingsdato (optional extra column)
    ("complaint_body", Text, False),  # klageinstans, "Ankestyrelsen" by default
    ("forwarded_date", Date, True),  # videresendt
    ("body_decision_date", Date, True),  # instans_afgoerelsesdato
    ("outcome", String(10), True),  # upheld | changed | remitted | dismissed; NULL while pending
    ("outcome_label", Text, True),  # udfald as typed: "ophævet", "bortfaldet" …
    ("reasons", Text, True),  # reason codes, ";"-joined
    ("description", Text, True),  # beskrivelse (masked)
    ("learning", Text, True),  # laering (masked)
    ("content_hash", String(64), False),  # of everything above but version, import and line (32 hex)
)


def _case_columns() -> list[Column]:
    return [Column(name, kind, nullable=nullable) for name, kind, nullable in _CASE_COLUMNS]


# The current version of each case.
case_record = Table(
    "case_record",
    metadata,
    Column("municipality_code", String(4), nullable=False),
    *_case_columns(),
    Index("ix_case_record_case", "municipality_code", "case_id", unique=True),
    Index("ix_case_record_decided", "municipality_code", "body_decision_date"),
)

# Earlier versions of cases that a later import changed: nothing an import replaces is lost.
case_history = Table(
    "case_history",
    metadata,
    Column("municipality_code", String(4), nullable=False),
    *_case_columns(),
    Column("replaced_by_import", Integer, nullable=False),
    Column("changed_by", Text),  # who replaced this version by an edit on the web; NULL: by an import
    Index("ix_case_history_case", "municipality_code", "case_id", "version", unique=True),
)

# Rows an import could not accept, with why, so they can be shown and fixed (values masked).
case_reject = Table(
    "case_reject",
    metadata,
    Column("import_id", Integer, ForeignKey("case_import.id"), nullable=False),
    Column("line", Integer, nullable=False),
    Column("problems", Text, nullable=False),  # JSON: [{"column": …, "value": …, "message": …, "code": …}]
    Column("cells", Text, nullable=False),  # JSON: {column: value} as in the file, CPR removed
    Index("ix_case_reject_import", "import_id", "line"),
)

# Which pseudonymisation key made the pseudonyms in this database (a fingerprint, never the key),
# so a register imported with another key is refused instead of silently splitting citizens.
pseudonym_key = Table(
    "pseudonym_key",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

# ---- the web application's users, sessions and audit log (issue 5) ------------------------------
# On SQLite these live in a database file of their own beside the main one, attached as ACCESS
# (store/database.py): an import holds the main file's one write lock for its whole length, and
# page views and logins, which write here, must not wait for it. On PostgreSQL, which locks rows,
# not files, the schema name is translated away and they stay beside the other tables.
ACCESS = "access"

# A user of the case area: sees only the cases of `municipality_code`.
user_account = Table(
    "user_account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", Text, nullable=False, unique=True),  # lower-cased
    Column("municipality_code", String(4), nullable=False),
    Column("role", String(10), nullable=False),  # reader | analyst | admin
    Column("password_hash", Text, nullable=False),  # argon2id; "" for a user who logs in only by SAML
    Column("created_at", DateTime, nullable=False),
    # Single sign-on (issue 16): who the identity provider says this is ("issuer|subject"), and the
    # name it gives; NULL for a password user.
    Column("external_id", Text),
    Column("display_name", Text),
    Column("totp_secret", Text),  # the second factor of a password user (base32), once set up
    Index("ux_user_account_external_id", "external_id", unique=True),
    schema=ACCESS,
)

# A logged-in browser. Only a hash of the cookie's token is stored: a copy of the database
# gives no one a session.
web_session = Table(
    "web_session",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey(f"{ACCESS}.user_account.id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    # A password login waiting for its second factor: no page but the code form accepts it.
    Column("second_factor_pending", Boolean, nullable=False, default=False, server_default=false()),
    Column("totp_enrolment", Text),  # the new TOTP secret offered while the code is awaited
    # A SAML login: the NameID (as XML) and session index to name in a single logout.
    Column("saml_name_id", Text),
    Column("saml_session_index", Text),
    schema=ACCESS,
)

# Failed logins, for throttling guessing (per e-mail and per client address).
login_failure = Table(
    "login_failure",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", Text, nullable=False),
    Column("client", Text, nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_login_failure_at", "at"),
    schema=ACCESS,
)

# Who saw or changed which case data, when. Append-only: triggers refuse UPDATE and DELETE.
audit_event = Table(
    "audit_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("user_email", Text, nullable=False),
    Column("municipality_code", String(4), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", Text),  # a sags_id, a file name, the filters of a list
    Index("ix_audit_event_municipality", "municipality_code", "at"),
    schema=ACCESS,
)

# An AuthnRequest we sent and have not had the answer to: a response is only accepted InResponseTo
# one of these, once (the table is shared by every web process).
saml_request = Table(
    "saml_request",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("next", Text, nullable=False),  # where in the case area the user was going
    Column("created_at", DateTime, nullable=False),
    schema=ACCESS,
)

# Assertion ids accepted, kept until they could no longer be valid: a replayed assertion is refused.
saml_assertion = Table(
    "saml_assertion",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("expires_at", DateTime, nullable=False),
    schema=ACCESS,
)

# What a municipality's admin decides for its users' logins.
access_setting = Table(
    "access_setting",
    metadata,
    Column("municipality_code", String(4), primary_key=True),
    Column("totp_required", Boolean, nullable=False, default=False),
    schema=ACCESS,
)

ACCESS_TABLES = (user_account, web_session, login_failure, audit_event, saml_request, saml_assertion, access_setting)

AUDIT_REFUSAL = "Revisionsloggen kan ikke ændres eller slettes."
# The database itself refuses to change the log, whatever code or user asks (SQLite; migration 0003
# has PostgreSQL's). Statements to run in the access file, as migration 0004 and
# store/database.create_access_tables do.
SQLITE_AUDIT_TRIGGERS = tuple(
    f"CREATE TRIGGER {ACCESS}.audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{AUDIT_REFUSAL}'); END" for verb in ("UPDATE", "DELETE"))
