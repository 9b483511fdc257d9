"""the supervisor's desk: reviews of one revision, parts requests approved and received

A review names the hash it decided on, the return reason and the reviewer's signature;
a parts request records who approved it (or that the rule did) and when it arrived in
the van. Sign-offs get indexes for the review queue (newest first) and for the blob
checks that look a signature up by its hash.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 13:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fieldapp.models.base

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reason",
                sqlmodel.sql.sqltypes.AutoString(length=24),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "report_hash",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("signature_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_review_report_hash"), ["report_hash"], unique=False)

    with op.batch_alter_table("partsrequest", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approved_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "approved_by_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("auto_approved", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("received_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_partsrequest_approved_by_id"), ["approved_by_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_partsrequest_approved_by_id_user", "user", ["approved_by_id"], ["id"]
        )

    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signoff_signature_sha256"), ["signature_sha256"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_signoff_signed_at"), ["signed_at"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signoff_signed_at"))
        batch_op.drop_index(batch_op.f("ix_signoff_signature_sha256"))

    with op.batch_alter_table("partsrequest", schema=None) as batch_op:
        batch_op.drop_constraint("fk_partsrequest_approved_by_id_user", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_partsrequest_approved_by_id"))
        batch_op.drop_column("received_at")
        batch_op.drop_column("auto_approved")
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("approved_at")

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_report_hash"))
        batch_op.drop_column("signature_sha256")
        batch_op.drop_column("report_hash")
        batch_op.drop_column("reason")
