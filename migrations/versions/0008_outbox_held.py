"""outbox: a message can be held (no mail server) instead of "sent" (issue 19)

Without MAIL_SERVER (the embedded default) a message used to be written to the log and marked
sent, as if delivered. It is now held in the outbox for the admin, who reads it (and its links)
on the Outbox screen. The state's CHECK constraint gains ``held``; batch mode, because SQLite
changes a constraint only by rebuilding the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 03:00:00
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _state_check(batch_op, states: tuple) -> None:
    batch_op.drop_constraint("ck_email_state", type_="check")
    batch_op.create_check_constraint(
        "ck_email_state", "state IN (" + ", ".join(f"'{s}'" for s in states) + ")")


def upgrade():
    with op.batch_alter_table("outbound_email") as batch_op:
        _state_check(batch_op, ("pending", "sent", "failed", "held"))


def downgrade():
    # Held messages were never delivered: queued again, the old code sends (or logs) them.
    op.execute("UPDATE outbound_email SET state = 'pending' WHERE state = 'held'")
    with op.batch_alter_table("outbound_email") as batch_op:
        _state_check(batch_op, ("pending", "sent", "failed"))
