"""offices: every office has its settings row and a review checklist (issue 19)

Only `flask create-office` and the bootstrap gave a new office its settings row and the default
review checklist. An office added on the admin's Offices screen had neither: its first letter
could not be numbered, and its reviews passed with nothing checked. Every path now calls
``app.offices.set_up_office``; this gives the offices made before what it would have given them.
An office that has a settings row keeps it, and one with any checklist item (active or not:
its admin's choice) keeps its checklist as it is.

The defaults are copied here as they are at this revision (a migration must not follow the
app's later changes). The texts are stored in the deployment's language (BABEL_DEFAULT_LOCALE),
as set_up_office stores them. Plain Core statements: the same on SQLite and PostgreSQL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 02:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SETTING = {
    "classification_code": "VS.300",
    "number_pattern": "B-{seq}/{office_code}0/{classification}/{year}",
    "signer_role": "Head",
    "sla_working_days": 30,
    "complaint_ack_days": 3,
    "complaint_answer_days": 14,
}
SIGNER_TITLE = "Head of %(office)s"
# English msgids of the catalogue (domain.md, "Checking (review)"), with the kinds they apply to.
CHECKLIST = (
    ("Title and organiser identified", "all"),
    ("People in charge reachable", "all"),
    ("Objectives stated", "all"),
    ("Schedule complete", "all"),
    ("Activity design block complete", "all"),
    ("Sample design consistent with objectives and coverage", "survey"),
    ("Variables listed with concepts and definitions", "all"),
    ("Questionnaire attached", "survey"),
    (("No duplication with an already-recommended activity "
      "(or a reason it is not a duplicate)"), "all"),
)

office = sa.table("office", sa.column("id", sa.Integer), sa.column("name", sa.String))
office_setting = sa.table(
    "office_setting", sa.column("office_id", sa.Integer),
    sa.column("classification_code", sa.String), sa.column("number_pattern", sa.String),
    sa.column("signer_title", sa.String), sa.column("signer_role", sa.String),
    sa.column("sla_working_days", sa.Integer), sa.column("complaint_ack_days", sa.Integer),
    sa.column("complaint_answer_days", sa.Integer),
)
checklist_item = sa.table(
    "checklist_item", sa.column("office_id", sa.Integer), sa.column("position", sa.Integer),
    sa.column("text", sa.String), sa.column("applies_to", sa.String),
    sa.column("active", sa.Boolean),
)


def _in_office_language(text, **values):
    # Migrations run in the app (migrations/env.py reads current_app): its catalogue.
    from flask import current_app
    from flask_babel import force_locale, gettext

    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"):
        return gettext(text, **values)


def _offices_without(table):
    has_row = sa.select(table.c.office_id).where(table.c.office_id == office.c.id).exists()
    return op.get_bind().execute(
        sa.select(office.c.id, office.c.name).where(~has_row).order_by(office.c.id)).all()


def upgrade():
    settings = [
        dict(SETTING, office_id=office_id,
             signer_title=_in_office_language(SIGNER_TITLE, office=name)[:200])
        for office_id, name in _offices_without(office_setting)
    ]
    if settings:
        op.bulk_insert(office_setting, settings)
    texts = [(_in_office_language(text), scope) for text, scope in CHECKLIST]
    items = [
        dict(office_id=office_id, position=position, text=text, applies_to=scope, active=True)
        for office_id, _name in _offices_without(checklist_item)
        for position, (text, scope) in enumerate(texts, start=1)
    ]
    if items:
        op.bulk_insert(checklist_item, items)


def downgrade():
    # Nothing to undo: the rows are an office's own from now on (its admin may have edited
    # them), and the schema is unchanged.
    pass
