"""wide dashboards' period figures, kept (issue 27)

At a million requests over 550 offices the national dashboard counted its period figures
(requests by state, per month, letters sent and their working days, the IKM sums) in seconds
on every page. ``figure_snapshot`` keeps them per coverage and period, counted again when older
than DASHBOARD_FIGURES_MAX_AGE (reports/snapshots.py); the outbox sender service refreshes the
usual ones. One office's dashboard is still counted per page.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 05:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "figure_snapshot",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
    )


def downgrade():
    op.drop_table("figure_snapshot")
