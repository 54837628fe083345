"""requests: the follow-up after the letter — the activity's results handed to BPS (issue 24)

``activity_result``: a link or a file (an ``attachment`` of kind ``results``) an applicant hands
after a recommended activity (PP 51/1999), and an officer's check (received, or returned with a
note). ``activity_request.results_due_date``: when they are due, set as the letter is sent (a
request sent before this revision gets it from the next reminders run).
``office_setting.remind_results`` and ``results_due_days`` (30 working days after the first
planned release). Two reminder kinds: ``results_ask``, ``results_due``.

Batch mode on SQLite rebuilds ``attachment`` and ``reminder_sent`` to change their CHECKs (no
triggers on either); ``activity_request`` gains a nullable column in place, its triggers (the
full-text index's) are kept all the same, as 0014 does.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 19:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OLD_ATTACHMENT_KINDS = ("request_form", "cover_letter", "questionnaire", "other")
ATTACHMENT_KINDS = OLD_ATTACHMENT_KINDS + ("results",)
OLD_REMINDER_KINDS = ("officer_50", "officer_80", "breach", "head_digest", "revision_1",
                      "revision_2", "complaint_ack", "complaint_answer", "calendar_ahead")
REMINDER_KINDS = OLD_REMINDER_KINDS + ("results_ask", "results_due")


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _triggers(table):
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return {}
    return dict(bind.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        " AND tbl_name = :table ORDER BY name"), {"table": table}).all())


def _replace_check(table, name, condition):
    triggers = _triggers(table)
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(name, type_="check")
        batch_op.create_check_constraint(name, condition)
    for trigger in sorted(set(triggers) - set(_triggers(table))):
        op.execute(triggers[trigger])


def upgrade():
    _replace_check("attachment", "ck_attachment_kind", _in("kind", ATTACHMENT_KINDS))
    _replace_check("reminder_sent", "ck_reminder_kind", _in("kind", REMINDER_KINDS))
    triggers = _triggers("activity_request")
    with op.batch_alter_table("activity_request") as batch_op:
        batch_op.add_column(sa.Column("results_due_date", sa.Date(), nullable=True))
        batch_op.create_index("ix_activity_request_results_due_date", ["results_due_date"])
    for trigger in sorted(set(triggers) - set(_triggers("activity_request"))):
        op.execute(triggers[trigger])
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.add_column(sa.Column("remind_results", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column("results_due_days", sa.Integer(), nullable=False,
                                      server_default="30"))
        batch_op.create_check_constraint("ck_setting_results_due_days", "results_due_days > 0")
    op.create_table(
        "activity_result",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(),
                  sa.ForeignKey("activity_request.id", ondelete="CASCADE"), nullable=False),
        sa.Column("product", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=True),
        sa.Column("link", sa.String(500), nullable=True),
        sa.Column("attachment_id", sa.Integer(), sa.ForeignKey("attachment.id"), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(),
                  sa.ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("checked_by_id", sa.Integer(),
                  sa.ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("check_note", sa.Text(), nullable=True),
        sa.CheckConstraint(_in("product", ("printed", "digital", "microdata", "other")),
                           name="ck_result_product"),
        sa.CheckConstraint(_in("state", ("submitted", "received", "returned")),
                           name="ck_result_state"),
        sa.CheckConstraint("link IS NOT NULL OR attachment_id IS NOT NULL",
                           name="ck_result_link_or_file"),
    )
    op.create_index("ix_activity_result_request_id", "activity_result", ["request_id"])
    op.create_index("ix_result_request_state", "activity_result", ["request_id", "state"])


def downgrade():
    op.drop_table("activity_result")
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.drop_constraint("ck_setting_results_due_days", type_="check")
        batch_op.drop_column("results_due_days")
        batch_op.drop_column("remind_results")
    triggers = _triggers("activity_request")
    with op.batch_alter_table("activity_request") as batch_op:
        batch_op.drop_index("ix_activity_request_results_due_date")
        batch_op.drop_column("results_due_date")
    for trigger in sorted(set(triggers) - set(_triggers("activity_request"))):
        op.execute(triggers[trigger])
    op.execute("DELETE FROM reminder_sent WHERE kind IN ('results_ask', 'results_due')")
    _replace_check("reminder_sent", "ck_reminder_kind", _in("kind", OLD_REMINDER_KINDS))
    op.execute("UPDATE attachment SET kind = 'other' WHERE kind = 'results'")  # kept
    _replace_check("attachment", "ck_attachment_kind", _in("kind", OLD_ATTACHMENT_KINDS))
