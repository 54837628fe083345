"""letters: the sign-off chain — a section head initials a draft before it is signed (issue 23)

``office_setting.initials_required`` (default false: the signer signs the draft, as before);
``letter.initialled_by_id`` / ``initialled_at``; the request state ``letter_initialled`` in
``ck_request_state``. The new role (SectionHead) is a row of FAB's role table, written by the
permission sync, not here.

Batch mode on SQLite rebuilds ``activity_request`` to change its CHECK, which drops the table's
triggers (the full-text index's); they are read before and written back after, as 0011 does.
Downgrade: a request initialled but not yet signed goes back to ``letter_drafted``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 16:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

STATES = ("draft", "submitted", "in_review", "revision_requested", "verified",
          "letter_drafted", "letter_initialled", "issued", "sent", "closed", "withdrawn")
OLD_STATES = tuple(s for s in STATES if s != "letter_initialled")


def _state_check(states):
    return "state IN (" + ", ".join(f"'{s}'" for s in states) + ")"


def _triggers(table="activity_request"):
    """A table's triggers, name -> SQL (SQLite: a batch rebuild drops them)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return {}
    return dict(bind.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        " AND tbl_name = :table ORDER BY name"), {"table": table}).all())


def _restore(triggers, table="activity_request"):
    gone = set(triggers) - set(_triggers(table))
    for name in sorted(gone):
        op.execute(triggers[name])


def _replace_state_check(states):
    triggers = _triggers()
    with op.batch_alter_table("activity_request") as batch_op:
        batch_op.drop_constraint("ck_request_state", type_="check")
        batch_op.create_check_constraint("ck_request_state", _state_check(states))
    _restore(triggers)


def upgrade():
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.add_column(sa.Column("initials_required", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("letter") as batch_op:
        batch_op.add_column(sa.Column(
            "initialled_by_id", sa.Integer(),
            sa.ForeignKey("ab_user.id", name="fk_letter_initialled_by", ondelete="SET NULL"),
            nullable=True))
        batch_op.add_column(sa.Column("initialled_at", sa.DateTime(), nullable=True))
    _replace_state_check(STATES)


def downgrade():
    op.execute("UPDATE activity_request SET state = 'letter_drafted' "
               "WHERE state = 'letter_initialled'")
    _replace_state_check(OLD_STATES)
    with op.batch_alter_table("letter") as batch_op:
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint("fk_letter_initialled_by", type_="foreignkey")
        batch_op.drop_column("initialled_at")
        batch_op.drop_column("initialled_by_id")
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.drop_column("initials_required")
