"""reminders: before deadlines, at breach, while a revision waits (issue 24)

``office_setting``: one switch per kind of reminder (all on) and the working days after which
an awaited revision is recalled to the applicant (5, then 10). ``reminder_sent``: each
reminder once (kind, object, key), whoever runs them and however often.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SWITCHES = ("remind_officers", "remind_head", "remind_applicants", "remind_complaints")
KINDS = ("officer_50", "officer_80", "breach", "head_digest", "revision_1", "revision_2",
         "complaint_ack", "complaint_answer", "calendar_ahead")


def upgrade():
    with op.batch_alter_table("office_setting") as batch_op:
        for name in SWITCHES:
            batch_op.add_column(sa.Column(name, sa.Boolean(), nullable=False,
                                          server_default=sa.true()))
        batch_op.add_column(sa.Column("revision_reminder_days", sa.Integer(), nullable=False,
                                      server_default="5"))
        batch_op.add_column(sa.Column("revision_reminder_again_days", sa.Integer(),
                                      nullable=False, server_default="10"))
        batch_op.create_check_constraint(
            "ck_setting_revision_reminders",
            "revision_reminder_days > 0 AND revision_reminder_again_days > "
            "revision_reminder_days")
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id", ondelete="CASCADE"),
                  nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("object_type", sa.String(30), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("kind", "object_type", "object_id", "key", name="uq_reminder_once"),
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")",
                           name="ck_reminder_kind"),
    )


def downgrade():
    op.drop_table("reminder_sent")
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.drop_constraint("ck_setting_revision_reminders", type_="check")
        for name in ("revision_reminder_again_days", "revision_reminder_days",
                     *reversed(SWITCHES)):
            batch_op.drop_column(name)
