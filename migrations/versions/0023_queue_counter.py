"""the queue's counter (issue 26): the desk a ticket is called to

``queue_ticket.counter``: free text the calling officer sets ("Loket 2"), shown on the board
next to the number; empty for tickets called before, or by an office with one desk.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("queue_ticket") as batch_op:
        batch_op.add_column(sa.Column("counter", sa.String(20), nullable=True))


def downgrade():
    with op.batch_alter_table("queue_ticket") as batch_op:
        batch_op.drop_column("counter")
