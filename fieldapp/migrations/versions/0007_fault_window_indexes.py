"""indexes for the faults of a window and the jobs of a month, read from indexes alone

The quality pack groups a year of faults by model and component (100,000 faults on a
supervisor's store). ``ix_job_received_window`` holds every job column the window's
queries read, in receipt order, and ``ix_fault_job_window`` every fault column they
read, by job: the Pareto walks the two indexes and never the tables' rows, and the
month reads its jobs' faults from the second alone.

A month's jobs are those first approved in it: ``ix_jobevent_kind_time`` finds the
month's approvals by time and ``ix_jobevent_job_kind`` a job's earlier approval, so the
month never reads every approval ever made. ``ix_job_completed_window`` holds the
repairs completed before the month (the earlier half of a return repair) in completion
order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOB_COLUMNS = ["received_at", "deleted_at", "status", "machine_id", "reported_model", "id"]
FAULT_COLUMNS = ["job_id", "deleted_at", "misuse", "assembly", "machine_id", "fixed", "id"]
COMPLETED_COLUMNS = ["completed_at", "job_type", "status", "deleted_at", "machine_id", "id"]
EVENT_TIME_COLUMNS = ["kind", "occurred_at", "deleted_at", "job_id"]
EVENT_JOB_COLUMNS = ["job_id", "kind", "occurred_at", "deleted_at"]


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_received_window", JOB_COLUMNS, unique=False)
        batch_op.create_index("ix_job_completed_window", COMPLETED_COLUMNS, unique=False)
    with op.batch_alter_table("fault", schema=None) as batch_op:
        batch_op.create_index("ix_fault_job_window", FAULT_COLUMNS, unique=False)
    with op.batch_alter_table("jobevent", schema=None) as batch_op:
        batch_op.create_index("ix_jobevent_kind_time", EVENT_TIME_COLUMNS, unique=False)
        batch_op.create_index("ix_jobevent_job_kind", EVENT_JOB_COLUMNS, unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("jobevent", schema=None) as batch_op:
        batch_op.drop_index("ix_jobevent_job_kind")
        batch_op.drop_index("ix_jobevent_kind_time")
    with op.batch_alter_table("fault", schema=None) as batch_op:
        batch_op.drop_index("ix_fault_job_window")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_completed_window")
        batch_op.drop_index("ix_job_received_window")
