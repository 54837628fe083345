"""an index for the requests list of many offices, newest first (issue 27)

A province's or the headquarters' list of requests (offices under it, issue 27) is ordered by
``created_at DESC, id DESC`` over every visible office: ``ix_request_office_created`` serves
one office only, so PostgreSQL sorted every visible row for each page (at 100 000 requests
nationally: 410 ms for the first page, 1 063 ms for page 400, bench/README.md "National
scale"). Read in order from ``(created_at, id)`` the first page takes well under a millisecond.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 05:20:00
"""
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_request_created", "activity_request", ["created_at", "id"])


def downgrade():
    op.drop_index("ix_request_created", table_name="activity_request")
