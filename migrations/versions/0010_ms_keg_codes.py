"""requests: MS-Keg's blocks completed with BPS's code lists

New columns of the request (all optional): the kind of statistics and an earlier
recommendation; the echelon-I unit and the technical person's fax; the last stage's selection
technique, the kind of frame and the overall sampling fraction; the quality block (checks,
non-response adjusted, collectors, supervisors, minimum education, training held); the kind
of analysis and its units; one planned release date per product.

Kept data: ``release_date`` moves to the date of each product the request names (to the printed
publication's when it names none), then goes; a free-text analysis unit becomes "other, namely"
that text. The frequency and collection-type CHECKs gain BPS's "four-monthly" and
"longitudinal cross-section". Batch mode: SQLite changes a CHECK only by rebuilding the table,
which drops its triggers (the catalogue's full-text index), so they are read first and made
again after.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 08:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "semiannual", "yearly", "multi_year")
COLLECTION_TYPES = ("cross_section", "longitudinal")
CODES = {
    "statistics_kind": ("basic", "sectoral", "special"),
    "selection_technique": ("srs", "systematic", "stratified", "cluster", "pps", "quota",
                            "accidental", "purposive", "snowball", "saturation"),
    "frame_type": ("list", "area"),
    "collectors": ("own_staff", "partners", "both"),
    "field_staff_min_education": ("junior_high", "senior_high", "diploma", "university"),
    "analysis_type": ("descriptive", "inferential", "both"),
}
COLUMNS = (
    ("statistics_kind", sa.String(10)),
    ("prior_recommendation", sa.Boolean()),
    ("prior_recommendation_ref", sa.String(200)),
    ("agency_unit_echelon1", sa.String(300)),
    ("tech_fax", sa.String(50)),
    ("selection_technique", sa.String(20)),
    ("frame_type", sa.String(10)),
    ("sampling_fraction", sa.Numeric(6, 3)),
    ("quality_checks", sa.String(200)),
    ("nonresponse_adjusted", sa.Boolean()),
    ("collectors", sa.String(20)),
    ("supervisor_count", sa.Integer()),
    ("field_staff_min_education", sa.String(20)),
    ("training_held", sa.Boolean()),
    ("analysis_type", sa.String(20)),
    ("analysis_units", sa.String(200)),
    ("release_date_printed", sa.Date()),
    ("release_date_digital", sa.Date()),
    ("release_date_microdata", sa.Date()),
)
PRODUCTS = ("printed", "digital", "microdata")


def _in(column, values):
    return f"{column} IS NULL OR {column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _triggers():
    """The request table's triggers, name -> SQL (SQLite: a batch rebuild drops them)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return {}
    return dict(bind.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        " AND tbl_name = 'activity_request' ORDER BY name")).all())


def _restore(triggers):
    """Those of ``triggers`` the batch dropped (it keeps them when it needs no rebuild)."""
    gone = set(triggers) - set(_triggers())
    for name in sorted(gone):
        op.execute(triggers[name])


def _replace_check(batch_op, name, sql):
    batch_op.drop_constraint(name, type_="check")
    batch_op.create_check_constraint(name, sql)


def upgrade():
    triggers = _triggers()
    with op.batch_alter_table("activity_request") as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        for column, codes in CODES.items():
            batch_op.create_check_constraint(f"ck_request_{column}", _in(column, codes))
        batch_op.create_check_constraint(
            "ck_request_sampling_fraction",
            "sampling_fraction IS NULL OR (sampling_fraction >= 0 AND sampling_fraction <= 100)")
        batch_op.create_check_constraint(
            "ck_request_supervisor_count", "supervisor_count IS NULL OR supervisor_count >= 0")
        _replace_check(batch_op, "ck_request_frequency",
                       _in("frequency", FREQUENCIES[:4] + ("four_monthly",) + FREQUENCIES[4:]))
        _replace_check(batch_op, "ck_request_collection_type",
                       _in("collection_type", COLLECTION_TYPES + ("longitudinal_cross",)))
    _restore(triggers)
    for product in PRODUCTS:
        op.execute(
            f"UPDATE activity_request SET release_date_{product} = release_date "
            f"WHERE release_date IS NOT NULL AND "
            f"(',' || coalesce(dissemination_products, '') || ',') LIKE '%,{product},%'")
    op.execute(
        "UPDATE activity_request SET release_date_printed = release_date "
        "WHERE release_date IS NOT NULL AND release_date_printed IS NULL "
        "AND release_date_digital IS NULL AND release_date_microdata IS NULL")
    op.execute(
        "UPDATE activity_request SET analysis_units = 'other' "
        "WHERE analysis_unit IS NOT NULL AND trim(analysis_unit) <> ''")
    triggers = _triggers()
    with op.batch_alter_table("activity_request") as batch_op:
        batch_op.drop_column("release_date")
    _restore(triggers)


def downgrade():
    # Rows using the new codes fall back to none: the old constraint has no place for them.
    op.execute("UPDATE activity_request SET frequency = NULL WHERE frequency = 'four_monthly'")
    op.execute("UPDATE activity_request SET collection_type = NULL "
               "WHERE collection_type = 'longitudinal_cross'")
    triggers = _triggers()
    with op.batch_alter_table("activity_request") as batch_op:
        batch_op.add_column(sa.Column("release_date", sa.Date(), nullable=True))
    _restore(triggers)
    op.execute("UPDATE activity_request SET release_date = "
               "coalesce(release_date_printed, release_date_digital, release_date_microdata)")
    triggers = _triggers()
    with op.batch_alter_table("activity_request") as batch_op:
        _replace_check(batch_op, "ck_request_frequency", _in("frequency", FREQUENCIES))
        _replace_check(batch_op, "ck_request_collection_type",
                       _in("collection_type", COLLECTION_TYPES))
        for column in CODES:
            batch_op.drop_constraint(f"ck_request_{column}", type_="check")
        batch_op.drop_constraint("ck_request_sampling_fraction", type_="check")
        batch_op.drop_constraint("ck_request_supervisor_count", type_="check")
        for name, _type in reversed(COLUMNS):
            batch_op.drop_column(name)
    _restore(triggers)
