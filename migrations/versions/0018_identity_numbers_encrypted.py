"""personal data: identity document numbers encrypted at rest (issue 25, UU 27/2022)

``id_doc_number`` of ``ab_user``, ``ab_register_user`` and ``guest_book_entry`` becomes a
255-character column holding a Fernet token (models.EncryptedString, app/core/identity.py); the
numbers already stored are encrypted here with the app's IDENTITY_KEYS (an empty one becomes
NULL). Downgrade decrypts them back into the 50-character column.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 20:00:00
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TABLES = ("ab_user", "ab_register_user", "guest_book_entry")


def _rewrite(table, change):
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        f"SELECT id, id_doc_number FROM {table} WHERE id_doc_number IS NOT NULL")).all()
    for row_id, value in rows:
        bind.execute(sa.text(f"UPDATE {table} SET id_doc_number = :v WHERE id = :i"),
                     {"v": change(value), "i": row_id})


def upgrade():
    cipher = current_app.extensions["identity_cipher"]
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("id_doc_number", type_=sa.String(255),
                                  existing_type=sa.String(50), existing_nullable=True)
        _rewrite(table, lambda v: cipher.encrypt(v.strip().encode()).decode()
                 if v.strip() else None)


def downgrade():
    cipher = current_app.extensions["identity_cipher"]
    for table in TABLES:
        _rewrite(table, lambda v: cipher.decrypt(v.encode()).decode())
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("id_doc_number", type_=sa.String(50),
                                  existing_type=sa.String(255), existing_nullable=True)
