"""letter: indexes for the catalogue at 100 000 activities (issue 7)

``ix_letter_request_issued (request_id, issued_at)`` lets the search check that a match's
letter is issued from the index alone: on SQLite ``issued_at`` sits after the letter's body,
so reading it from the row walked the body's overflow pages, once per candidate.
``ix_letter_issued_at`` gives the catalogue without search words (newest letters first) in
index order instead of sorting every recommended activity.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 21:00:00
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_letter_request_issued", "letter", ["request_id", "issued_at"])
    op.create_index("ix_letter_issued_at", "letter", ["issued_at"])


def downgrade():
    op.drop_index("ix_letter_issued_at", table_name="letter")
    op.drop_index("ix_letter_request_issued", table_name="letter")
