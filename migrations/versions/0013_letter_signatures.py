"""letters: a PDF signature per office, and revocation of an issued letter (issue 23)

``signing_certificate``: how an office's letters are signed — its PKCS#12 file (whose
password stays in the environment) or its signer's identity at a remote signing service. The
newest active row of an office signs.

``letter``: whose certificate signed it (subject, issuer, a demo CA or not), its revocation
(when, why, by whom), and the annotated form sent with it (the PDF and its SHA-256). Nullable columns only: the letters issued before stay as they
are, hashed and unsigned. SQLite adds them in place (no table copy).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 14:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

LETTER_COLUMNS = ("signature_subject", "signature_issuer", "signature_demo", "revoked_at",
                  "revoked_reason", "revoked_by_id", "form_pdf", "form_sha256")


def upgrade():
    op.create_table(
        "signing_certificate",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("p12", sa.LargeBinary(), nullable=True),
        sa.Column("remote_user_id", sa.String(40), nullable=True),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("issuer", sa.String(300), nullable=True),
        sa.Column("serial", sa.String(80), nullable=True),
        sa.Column("valid_from", sa.DateTime(), nullable=True),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(),
                  sa.ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True),
        sa.CheckConstraint("kind IN ('pkcs12', 'remote')", name="ck_signing_kind"),
        sa.CheckConstraint("(kind = 'pkcs12' AND p12 IS NOT NULL) OR "
                           "(kind = 'remote' AND remote_user_id IS NOT NULL)",
                           name="ck_signing_key_present"),
    )
    op.create_index("ix_signing_certificate_office", "signing_certificate",
                    ["office_id", "active"])
    with op.batch_alter_table("letter") as batch_op:
        batch_op.add_column(sa.Column("signature_subject", sa.String(300), nullable=True))
        batch_op.add_column(sa.Column("signature_issuer", sa.String(300), nullable=True))
        batch_op.add_column(sa.Column("signature_demo", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("form_pdf", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("form_sha256", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("revoked_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column(
            "revoked_by_id", sa.Integer(),
            sa.ForeignKey("ab_user.id", name="fk_letter_revoked_by", ondelete="SET NULL"),
            nullable=True))


def downgrade():
    with op.batch_alter_table("letter") as batch_op:
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint("fk_letter_revoked_by", type_="foreignkey")
        for name in reversed(LETTER_COLUMNS):
            batch_op.drop_column(name)
    op.drop_index("ix_signing_certificate_office", table_name="signing_certificate")
    op.drop_table("signing_certificate")
