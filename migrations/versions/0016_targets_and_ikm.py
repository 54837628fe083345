"""offices: intermediate targets, and publishing the satisfaction index (issue 24)

``office_setting.review_start_days`` (submitted → review started) and ``letter_draft_days``
(verified → letter drafted), in working days, empty for no target; ``publish_ikm``: the public
service page shows the office's latest index (off).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 17:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.add_column(sa.Column("review_start_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("letter_draft_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("publish_ikm", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_check_constraint(
            "ck_setting_review_start_days", "review_start_days IS NULL OR review_start_days > 0")
        batch_op.create_check_constraint(
            "ck_setting_letter_draft_days", "letter_draft_days IS NULL OR letter_draft_days > 0")


def downgrade():
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.drop_constraint("ck_setting_letter_draft_days", type_="check")
        batch_op.drop_constraint("ck_setting_review_start_days", type_="check")
        batch_op.drop_column("publish_ikm")
        batch_op.drop_column("letter_draft_days")
        batch_op.drop_column("review_start_days")
