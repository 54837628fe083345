"""security: sessions end at logout; a public form's POST counts once (issue 20)

``ab_user.sessions_valid_after``: a signed session cookie lives in the browser, so a copy taken
before logout kept working after it. Logout (and a password reset) set this moment; a session
begun before it is refused.

``form_submission``: the one-time token of a public form (the applicant's new request, the
complaint form). A POST retried after its answer was lost finds its token here and is shown
what the first one made instead of making a second.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 04:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ab_user") as batch_op:
        batch_op.add_column(sa.Column("sessions_valid_after", sa.DateTime(), nullable=True))
    op.create_table(
        "form_submission",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("form", sa.String(30), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_form_submission_created_at", "form_submission", ["created_at"])


def downgrade():
    op.drop_index("ix_form_submission_created_at", table_name="form_submission")
    op.drop_table("form_submission")
    with op.batch_alter_table("ab_user") as batch_op:
        batch_op.drop_column("sessions_valid_after")
