"""personal data: the privacy notice and the consent to it (issue 25, UU 27/2022)

``office_setting.privacy_notice`` (empty: the default notice, offices/privacy.py);
``ab_user`` and ``ab_register_user``: ``privacy_consent_version`` and ``privacy_consent_at``,
the notice agreed to at registration. Nullable columns only: accounts made before it have
agreed to nothing recorded. SQLite adds them in place.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 20:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.add_column(sa.Column("privacy_notice", sa.Text(), nullable=True))
    for table in ("ab_user", "ab_register_user"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("privacy_consent_version", sa.String(20),
                                          nullable=True))
            batch_op.add_column(sa.Column("privacy_consent_at", sa.DateTime(), nullable=True))


def downgrade():
    for table in ("ab_register_user", "ab_user"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("privacy_consent_at")
            batch_op.drop_column("privacy_consent_version")
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.drop_column("privacy_notice")
