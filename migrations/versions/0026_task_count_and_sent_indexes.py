"""indexes for the staff's task count and the dashboard's letters sent (issue 27)

The navbar's "Tugas saya" count runs on every staff page (reports/home.task_count). At 100 000
requests in one office it read each open request's row to see whom it is claimed by (the
officer's groups), and walked the office's requests to find results waiting for a check
(bench/README.md, "Peer baseline": 178–197 ms a page on SQLite, 17–18 ms on PostgreSQL):
``ix_request_office_state`` gains ``officer_id`` (it serves what it served, and the count from
the index alone), and results are found by state first.

``ix_request_office_sent`` gains ``sent_working_days`` (0025): the dashboard's letters sent are
read from the index alone again.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 03:05:00
"""
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

SENT_OLD = ["office_id", "sent_at", "state", "due_date", "complete_at"]


def upgrade():
    op.drop_index("ix_request_office_state", table_name="activity_request")
    op.create_index("ix_request_office_state_officer", "activity_request",
                    ["office_id", "state", "officer_id"])
    op.drop_index("ix_request_office_sent", table_name="activity_request")
    op.create_index("ix_request_office_sent", "activity_request",
                    [*SENT_OLD, "sent_working_days"])
    op.create_index("ix_result_state_request", "activity_result", ["state", "request_id"])


def downgrade():
    op.drop_index("ix_result_state_request", table_name="activity_result")
    op.drop_index("ix_request_office_sent", table_name="activity_request")
    op.create_index("ix_request_office_sent", "activity_request", SENT_OLD)
    op.drop_index("ix_request_office_state_officer", table_name="activity_request")
    op.create_index("ix_request_office_state", "activity_request", ["office_id", "state"])
