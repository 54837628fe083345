"""personal data: retention periods per office (issue 25, UU 27/2022)

``office_setting.retention_*_days``: after how many days the guest book's visitors are
anonymised (730), queue tickets deleted (730), the documents of withdrawn requests deleted
(365), sent e-mails' bodies cleared (180), and registrations never activated deleted (30; the
default office's). ops/retention.py applies them.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

DAYS = {"retention_guest_book_days": 730, "retention_tickets_days": 730,
        "retention_documents_days": 365, "retention_outbox_days": 180,
        "retention_registrations_days": 30}


def upgrade():
    with op.batch_alter_table("office_setting") as batch_op:
        for name, days in DAYS.items():
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                          server_default=str(days)))
        batch_op.create_check_constraint(
            "ck_setting_retention", " AND ".join(f"{name} > 0" for name in DAYS))


def downgrade():
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.drop_constraint("ck_setting_retention", type_="check")
        for name in reversed(list(DAYS)):
            batch_op.drop_column(name)
