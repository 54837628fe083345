"""the dashboard's counts from the indexes alone, when they are counted on the page (issue 27)

The dashboard of an area or of the nation reads kept figures (0027), counted again on the page
when no outbox sender keeps them fresh; one office's dashboard is always counted on the page.
At a million requests these counts read the table: the requests by state of a period
(``ix_request_office_created`` / ``ix_request_created`` have no ``state``: the largest
office's 24 000 requests of the year took 84 ms, the nation's a parallel scan of the whole
table, 858 ms) and the letters sent in the period (``ix_request_office_sent`` has no ``id``,
which the count reads for letters without their stored working days: 138 ms for the office,
and 1 714 ms, a scan of every request, for the nation). Each index gets the one column it
lacked; no index is added, and ``state``, ``id`` and ``sent_at`` were already in indexes that
every change of them updates, so writing costs no more.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 12:40:00
"""
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

WIDER = (
    ("ix_request_office_created", ["office_id", "created_at"], ["state"]),
    ("ix_request_created", ["created_at", "id"], ["state"]),
    ("ix_request_office_sent",
     ["office_id", "sent_at", "state", "due_date", "complete_at", "sent_working_days"], ["id"]),
)


def upgrade():
    for name, columns, added in WIDER:
        op.drop_index(name, table_name="activity_request")
        op.create_index(name, "activity_request", columns + added)


def downgrade():
    for name, columns, _added in WIDER:
        op.drop_index(name, table_name="activity_request")
        op.create_index(name, "activity_request", columns)
