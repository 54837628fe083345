"""a partial index for the overdue list and count (issue 27)

The dashboard's overdue list (open, clock running, not sent, past due; the oldest promise
first) walked ``due_date``'s index from the oldest date: at a million requests over 550 offices
it passed 916 000 closed requests, each read from the table, to find 90 overdue ones (3.5 s for
the headquarters' dashboard; the count 0.6 s). This index holds only the requests whose clock
runs or is paused and whose letter is not sent. Its predicate is written out as the queries
write it (models.OVERDUE_PREDICATE, workflow.in_open_states): the states are fixed here, as in
the schema's CHECK constraints.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 05:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

PREDICATE = sa.text(
    "state IN ('in_review', 'issued', 'letter_drafted', 'letter_initialled', "
    "'revision_requested', 'submitted', 'verified') AND sent_at IS NULL "
    "AND clock_paused_at IS NULL")


def upgrade():
    op.create_index("ix_request_overdue", "activity_request", ["due_date", "id"],
                    postgresql_where=PREDICATE, sqlite_where=PREDICATE)


def downgrade():
    op.drop_index("ix_request_overdue", table_name="activity_request")
