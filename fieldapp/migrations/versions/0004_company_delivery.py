"""company letterhead, report e-mails, internal checklists

The company's profile (letterhead, in the catalogue bucket), the report e-mails queued
by devices and sent by HQ (in the job's bucket), and the ``internal`` flag of checklist
templates (the demo's on-site conduct checklist is; other existing ones are not).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:40:58.740127

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fieldapp.models.base

# demo_id("checklisttemplate", "CONDUCT/1"): the demo's on-site conduct checklist.
DEMO_CONDUCT_TEMPLATE_ID = "e97493ed-b54a-568f-9348-9df228780cf9"

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "companyprofile",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name_zh", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("address_zh", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("address_en", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("hotline", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("website", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("logo_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "reportdelivery",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("job_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("sign_off_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("report_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("pdf_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("requested_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("sent_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["job.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sign_off_id"],
            ["signoff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reportdelivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reportdelivery_job_id"), ["job_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reportdelivery_requested_by"), ["requested_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reportdelivery_sign_off_id"), ["sign_off_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reportdelivery_status"), ["status"], unique=False)

    with op.batch_alter_table("checklisttemplate", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # The demo's on-site conduct checklist is the company's own. Every replica runs this
    # same step on the same row (a demo id), so they stay equal.
    op.execute(
        sa.text("UPDATE checklisttemplate SET internal = :yes WHERE id = :conduct").bindparams(
            yes=True, conduct=DEMO_CONDUCT_TEMPLATE_ID
        )
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("checklisttemplate", schema=None) as batch_op:
        batch_op.drop_column("internal")

    with op.batch_alter_table("reportdelivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reportdelivery_status"))
        batch_op.drop_index(batch_op.f("ix_reportdelivery_sign_off_id"))
        batch_op.drop_index(batch_op.f("ix_reportdelivery_requested_by"))
        batch_op.drop_index(batch_op.f("ix_reportdelivery_job_id"))

    op.drop_table("reportdelivery")
    op.drop_table("companyprofile")
