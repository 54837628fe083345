"""personal data: erasure requests, the access screen's index (issue 25, UU 27/2022)

``erasure_request``: an applicant asks for their account to be erased, the office decides
(auth/erasure.py). ``outbound_email.erase_after_send``: the notice to the erased person loses
its address and text once delivered. ``ix_audit_action_at``: the personal data access screen
reads a few actions over a period (auth/access_views.py).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 22:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "erasure_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(),
                  sa.ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'done', 'refused')", name="ck_erasure_state"),
    )
    op.create_index("ix_erasure_request_user_id", "erasure_request", ["user_id"])
    with op.batch_alter_table("outbound_email") as batch_op:
        batch_op.add_column(sa.Column("erase_after_send", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_index("ix_audit_action_at", "audit_event", ["action", "at"])


def downgrade():
    op.drop_index("ix_audit_action_at", table_name="audit_event")
    with op.batch_alter_table("outbound_email") as batch_op:
        batch_op.drop_column("erase_after_send")
    op.drop_index("ix_erasure_request_user_id", table_name="erasure_request")
    op.drop_table("erasure_request")
