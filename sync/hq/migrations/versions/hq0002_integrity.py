"""content digests, frozen-report triggers, audit trail, rate limits

* ``hq_row.digest`` now covers each row's content (its canonical wire form), not only
  (id, version): every live entry and every bucket sum is recomputed (protocol 2).
* The database itself refuses an UPDATE or DELETE of a customer's sign-off and any
  change to the rows of a signed report (raw SQL included): PostgreSQL functions and
  triggers, and the same refusals as SQLite triggers; the SQLAlchemy guard
  (fieldapp/guards.py) stays, and ``fieldapp-hq check`` finds what got past both.
* ``hq_audit``: who changed which row, from which device, when.
* ``hq_rate_limit``: attempts per address and per enrollment code, shared by workers.
* Device tokens were stored as SHA-256 hashes already (``hq_device_token.token_hash``):
  nothing to migrate; the database holds no token text.

Revision ID: hq0002
Revises: hq0001
Create Date: 2026-12-01 10:30:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fieldapp.models.base

revision: str = "hq0002"
down_revision: str | Sequence[str] | None = "hq0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0004"

#: As in fieldapp.rules.jobflow.FROZEN_STATUSES when this migration was written (a test
#: compares them): the statuses in which a job's report is frozen.
FROZEN_STATUSES = ("approved", "closed", "returned", "signed")
#: As in fieldapp.guards.FROZEN_JOB_FIELDS: what the customer signed for on the job.
FROZEN_JOB_FIELDS = (
    "address",
    "amount_cents",
    "arrived_at",
    "contact_name",
    "contact_phone",
    "customer_id",
    "customer_request",
    "deleted_at",
    "job_type",
    "machine_id",
    "number",
    "reported_model",
    "reported_purchase_date",
    "reported_serial",
    "reported_symptom",
    "site_id",
)
#: As in fieldapp.guards.REPORT_TABLES: rows of the signed report, found by ``job_id``.
REPORT_TABLES = (
    "attachment",
    "checklistrun",
    "fault",
    "hourmeterreading",
    "partusage",
    "preinspectionfinding",
    "timeentry",
)


def _statuses(statuses: Sequence[str] = FROZEN_STATUSES) -> str:
    return ", ".join(f"'{status}'" for status in statuses)


def _postgresql_functions(statuses: Sequence[str] = FROZEN_STATUSES) -> list[str]:
    bookkeeping = "- 'version' - 'updated_at'"
    job_fields = ", ".join(f"NEW.{name}" for name in FROZEN_JOB_FIELDS)
    old_job_fields = ", ".join(f"OLD.{name}" for name in FROZEN_JOB_FIELDS)
    return [
        f"""
CREATE OR REPLACE FUNCTION hq_job_frozen(job_id text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM job WHERE id = job_id AND status IN ({_statuses(statuses)}))
$$""",
        f"""
CREATE OR REPLACE FUNCTION hq_content_changed(old_row jsonb, new_row jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (old_row {bookkeeping}) IS DISTINCT FROM (new_row {bookkeeping})
$$""",
        """
CREATE OR REPLACE FUNCTION hq_refuse_signoff_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'report_frozen: a customer''s sign-off is never removed (%)', OLD.id
            USING ERRCODE = 'raise_exception';
    END IF;
    IF hq_content_changed(to_jsonb(OLD), to_jsonb(NEW)) THEN
        RAISE EXCEPTION 'report_frozen: a customer''s sign-off never changes (%)', OLD.id
            USING ERRCODE = 'raise_exception';
    END IF;
    RETURN NEW;
END
$$""",
        """
CREATE OR REPLACE FUNCTION hq_refuse_report_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_job text;
    new_job text;
BEGIN
    IF TG_OP = 'UPDATE' AND NOT hq_content_changed(to_jsonb(OLD), to_jsonb(NEW)) THEN
        RETURN NEW;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_job := to_jsonb(OLD) ->> 'job_id';
        IF TG_TABLE_NAME = 'checklistanswer' THEN
            SELECT job_id INTO old_job FROM checklistrun WHERE id = OLD.run_id;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_job := to_jsonb(NEW) ->> 'job_id';
        IF TG_TABLE_NAME = 'checklistanswer' THEN
            SELECT job_id INTO new_job FROM checklistrun WHERE id = NEW.run_id;
        END IF;
    END IF;
    IF hq_job_frozen(old_job) OR hq_job_frozen(new_job) THEN
        RAISE EXCEPTION 'report_frozen: the report of job % is signed: its % rows cannot change',
            coalesce(old_job, new_job), TG_TABLE_NAME USING ERRCODE = 'raise_exception';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$""",
        f"""
CREATE OR REPLACE FUNCTION hq_refuse_signed_job_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ({_statuses(statuses)}) THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'report_frozen: job % is signed and is never removed', OLD.number
                USING ERRCODE = 'raise_exception';
        END IF;
        IF ROW({job_fields}) IS DISTINCT FROM ROW({old_job_fields}) THEN
            RAISE EXCEPTION 'report_frozen: job % is signed: its signed fields cannot change',
                OLD.number USING ERRCODE = 'raise_exception';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$""",
    ]


def _postgresql_triggers() -> list[str]:
    statements = [
        "CREATE TRIGGER hq_frozen_signoff BEFORE UPDATE OR DELETE ON signoff "
        "FOR EACH ROW EXECUTE FUNCTION hq_refuse_signoff_change()",
        "CREATE TRIGGER hq_frozen_job BEFORE UPDATE OR DELETE ON job "
        "FOR EACH ROW EXECUTE FUNCTION hq_refuse_signed_job_change()",
    ]
    for table in (*REPORT_TABLES, "checklistanswer"):
        statements.append(
            f"CREATE TRIGGER hq_frozen_{table} BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION hq_refuse_report_change()"
        )
    return statements


def _sqlite_triggers(
    columns: dict[str, list[str]], statuses: Sequence[str] = FROZEN_STATUSES
) -> list[str]:
    """The same refusals as on PostgreSQL, as SQLite triggers (``RAISE(ABORT)``)."""

    def changed(table: str) -> str:
        names = [c for c in columns[table] if c not in {"version", "updated_at"}]
        return " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in names)

    def frozen(row: str, table: str) -> str:
        if table == "checklistanswer":
            return (
                "(SELECT j.status FROM job j JOIN checklistrun r ON r.job_id = j.id "
                f"WHERE r.id = {row}.run_id) IN ({_statuses(statuses)})"
            )
        return f"(SELECT status FROM job WHERE id = {row}.job_id) IN ({_statuses(statuses)})"

    def trigger(name: str, when: str, table: str, condition: str, message: str) -> str:
        return (
            f"CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH ROW WHEN {condition} "
            f"BEGIN SELECT RAISE(ABORT, 'report_frozen: {message}'); END"
        )

    job_fields = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in FROZEN_JOB_FIELDS)
    statements = [
        trigger(
            "hq_frozen_signoff_update",
            "UPDATE",
            "signoff",
            changed("signoff"),
            "a customer''s sign-off never changes",
        ),
        trigger("hq_frozen_signoff_delete", "DELETE", "signoff", "1", "a sign-off stays"),
        trigger(
            "hq_frozen_job_update",
            "UPDATE",
            "job",
            f"OLD.status IN ({_statuses(statuses)}) AND ({job_fields})",
            "the job is signed: its signed fields cannot change",
        ),
        trigger(
            "hq_frozen_job_delete",
            "DELETE",
            "job",
            f"OLD.status IN ({_statuses(statuses)})",
            "a signed job is never removed",
        ),
    ]
    for table in (*REPORT_TABLES, "checklistanswer"):
        message = f"the report is signed: its {table} rows cannot change"
        statements += [
            trigger(f"hq_frozen_{table}_insert", "INSERT", table, frozen("NEW", table), message),
            trigger(
                f"hq_frozen_{table}_update",
                "UPDATE",
                table,
                f"({changed(table)}) AND ({frozen('OLD', table)} OR {frozen('NEW', table)})",
                message,
            ),
            trigger(f"hq_frozen_{table}_delete", "DELETE", table, frozen("OLD", table), message),
        ]
    return statements


def sqlite_trigger_names() -> list[str]:
    """The SQLite triggers this migration creates (a test checks they are all there)."""
    names = ["hq_frozen_signoff_update", "hq_frozen_signoff_delete"]
    names += ["hq_frozen_job_update", "hq_frozen_job_delete"]
    for table in (*REPORT_TABLES, "checklistanswer"):
        names += [f"hq_frozen_{table}_{when}" for when in ("insert", "update", "delete")]
    return names


def _backfill_digests() -> None:
    from sync.hq.integrity import rebuild_digests

    connection = op.get_bind()
    inspector = sa.inspect(connection)
    columns = {
        name: {column["name"] for column in inspector.get_columns(name)}
        for name in inspector.get_table_names()
    }
    changed = rebuild_digests(connection, columns)
    logging.getLogger("alembic.runtime.migration").info(
        "hq0002: %d row digests now cover the rows' content", changed
    )


def upgrade() -> None:
    op.create_table(
        "hq_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("row_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("bucket", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column("op", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hq_audit", schema=None) as batch_op:
        batch_op.create_index("ix_hq_audit_bucket", ["bucket", "id"], unique=False)
        batch_op.create_index("ix_hq_audit_user", ["user_id", "id"], unique=False)
        batch_op.create_index("ix_hq_audit_row", ["table_name", "row_id"], unique=False)
    op.create_table(
        "hq_rate_limit",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("window_start", sa.Double(), nullable=False),
        sa.Column("hits", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    _backfill_digests()
    if op.get_bind().dialect.name == "postgresql":
        for statement in _postgresql_functions() + _postgresql_triggers():
            op.execute(statement)
    else:
        # Note for later migrations: SQLite's batch mode (a table rebuilt) drops a
        # table's triggers; recreate them (tests/test_hq_integrity.py checks they exist).
        inspector = sa.inspect(op.get_bind())
        tables = ("signoff", "job", *REPORT_TABLES, "checklistanswer")
        columns = {t: [c["name"] for c in inspector.get_columns(t)] for t in tables}
        for statement in _sqlite_triggers(columns):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in sqlite_trigger_names():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if op.get_bind().dialect.name == "postgresql":
        for table in ("signoff", "job", *REPORT_TABLES, "checklistanswer"):
            op.execute(f"DROP TRIGGER IF EXISTS hq_frozen_{table} ON {table}")
        for function in (
            "hq_refuse_signed_job_change()",
            "hq_refuse_report_change()",
            "hq_refuse_signoff_change()",
            "hq_content_changed(jsonb, jsonb)",
            "hq_job_frozen(text)",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_table("hq_rate_limit")
    with op.batch_alter_table("hq_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_hq_audit_row")
        batch_op.drop_index("ix_hq_audit_user")
        batch_op.drop_index("ix_hq_audit_bucket")
    op.drop_table("hq_audit")
