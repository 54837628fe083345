"""the officers' notes beside the form (issue 26): the part of the form a checklist item concerns

``checklist_item.form_part``: one of the form's steps (models.FORM_PARTS; empty: the request as
a whole), so that the applicant reads an officer's note on the item beside that part of the form.

The offices' default items get the part they concern: those with a design check by its code, the
others by their default text (stored in the deployment's language, as set_up_office and 0007
stored them: the English and the Indonesian text are matched, whatever the case, as 0011 matched
them). An item the office wrote or reworded keeps no part until its admin gives it one. The
defaults are copied here as they are at this revision (a migration must not follow the app's
later changes). Plain Core statements: the same on SQLite and PostgreSQL.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

FORM_PARTS = ("activity", "organiser", "people", "planning", "design", "sample", "collection",
              "processing", "dissemination", "rows", "documents")
BY_DESIGN_CHECK = {
    "variables_defined": "rows",
    "schedule_in_order": "planning",
    "questionnaire": "documents",
    "sample_size": "sample",
    "similar_reason": "activity",
}
# The default texts without a design check: (English msgid, Indonesian text) -> part.
BY_TEXT = {
    ("Title and organiser identified",
     "Judul kegiatan dan penyelenggara teridentifikasi"): "organiser",
    ("People in charge reachable", "Penanggung jawab dapat dihubungi"): "people",
    ("Objectives stated", "Tujuan kegiatan dicantumkan"): "planning",
    ("Activity design block complete", "Blok rancangan kegiatan lengkap"): "design",
}

checklist_item = sa.table(
    "checklist_item", sa.column("id", sa.Integer), sa.column("text", sa.String),
    sa.column("design_check", sa.String), sa.column("form_part", sa.String),
)


def upgrade():
    with op.batch_alter_table("checklist_item") as batch_op:
        batch_op.add_column(sa.Column("form_part", sa.String(20), nullable=True))
        batch_op.create_check_constraint(
            "ck_checklist_form_part",
            "form_part IS NULL OR form_part IN ({})".format(
                ", ".join(repr(part) for part in FORM_PARTS)))
    bind = op.get_bind()
    for code, part in BY_DESIGN_CHECK.items():
        bind.execute(checklist_item.update()
                     .where(checklist_item.c.design_check == code,
                            checklist_item.c.form_part.is_(None))
                     .values(form_part=part))
    for texts, part in BY_TEXT.items():
        bind.execute(checklist_item.update()
                     .where(sa.func.lower(checklist_item.c.text).in_(
                                [text.lower() for text in texts]),
                            checklist_item.c.design_check.is_(None),
                            checklist_item.c.form_part.is_(None))
                     .values(form_part=part))


def downgrade():
    with op.batch_alter_table("checklist_item") as batch_op:
        batch_op.drop_constraint("ck_checklist_form_part", type_="check")
        batch_op.drop_column("form_part")
