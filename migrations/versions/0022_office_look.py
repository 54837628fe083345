"""the office's look (issue 26): its colour and logo

``office_setting.brand_colour`` (#rrggbb, default the portal's blue #0a4d8c),
``office_setting.logo_type`` and ``logo_sha256`` (empty: no logo); ``office_logo``: the logo's
bytes, one row per office (offices/look.py).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.add_column(sa.Column("brand_colour", sa.String(7), nullable=False,
                                      server_default="#0a4d8c"))
        batch_op.add_column(sa.Column("logo_type", sa.String(20), nullable=True))
        batch_op.add_column(sa.Column("logo_sha256", sa.String(64), nullable=True))
        batch_op.create_check_constraint(
            "ck_setting_brand_colour", "length(brand_colour) = 7 AND brand_colour LIKE '#%'")
        batch_op.create_check_constraint(
            "ck_setting_logo_type",
            "logo_type IS NULL OR logo_type IN ('image/png', 'image/jpeg')")
    op.create_table(
        "office_logo",
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade():
    op.drop_table("office_logo")
    with op.batch_alter_table("office_setting") as batch_op:
        batch_op.drop_constraint("ck_setting_logo_type", type_="check")
        batch_op.drop_constraint("ck_setting_brand_colour", type_="check")
        batch_op.drop_column("logo_sha256")
        batch_op.drop_column("logo_type")
        batch_op.drop_column("brand_colour")
