"""requests: Satu Data metadata — MS-Keg's code lists, MS-Var, MS-Ind

The request: the kind of activity gains BPS's full enumeration and "other means" (with its
text); the sector becomes one of BPS's 22 codes, or "other" with the text; coverage whole or
part of Indonesia; the level of presentation becomes combinable flags (national, province,
regency/city, district, other); a reason when a similar activity was already recommended.
Each variable gains MS-Var's fields (alias, reference, measure, unit, data type, value
domain, validation rule, question, public); the new table request_indicator holds MS-Ind.
A checklist item may name the design check it corresponds to; the default items get theirs.

Kept data: a free-text sector becomes its code when it names one of BPS's sectors (their
Indonesian or English names, or a common word for them: "Kesehatan" -> health), otherwise
"other" with the text as it was. A coverage level "national" means all of Indonesia, any
other level a part. A presentation level "village" (not among BPS's flags) becomes "other,
namely Desa/kelurahan". Batch mode on SQLite rebuilds the request table, so its triggers (the
catalogue's full-text index) are read first and made again after, as in 0010.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:40:00
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Code -> the names a free-text sector may have used (lower case; BPS's Indonesian name first).
SECTORS = {
    "agriculture_fisheries": ("pertanian dan perikanan", "agriculture and fisheries",
                              "pertanian", "perikanan", "perkebunan", "peternakan",
                              "kelautan dan perikanan", "agriculture", "fisheries"),
    "demography": ("demografi dan kependudukan", "demography and population", "demografi",
                   "kependudukan", "kependudukan dan catatan sipil", "population"),
    "development": ("pembangunan", "development", "perencanaan pembangunan", "perencanaan"),
    "economic_projection": ("proyeksi ekonomi", "economic projections"),
    "education_training": ("pendidikan dan pelatihan", "education and training", "pendidikan",
                           "education"),
    "environment": ("lingkungan", "environment", "lingkungan hidup"),
    "finance": ("keuangan", "finance"),
    "globalisation": ("globalisasi", "globalisation", "globalization"),
    "health": ("kesehatan", "health"),
    "industry_services": ("industri dan jasa", "industry and services", "industri", "jasa",
                          "pariwisata", "industry", "tourism"),
    "ict": ("teknologi informasi dan komunikasi", "information and communication technology",
            "komunikasi dan informatika", "kominfo", "tik", "ict"),
    "international_trade": ("perdagangan internasional dan neraca perdagangan",
                            "international trade and balance of trade",
                            "perdagangan internasional", "perdagangan", "trade"),
    "labour": ("ketenagakerjaan", "labour", "tenaga kerja", "labor"),
    "national_accounts": ("neraca nasional", "national accounts"),
    "monthly_indicators": ("indikator ekonomi bulanan", "monthly economic indicators"),
    "productivity": ("produktivitas", "productivity"),
    "prices_ppp": ("harga dan paritas daya beli", "prices and purchasing power parity",
                   "harga", "prices"),
    "public_sector": ("sektor publik, perpajakan, dan regulasi pasar",
                      "public sector, taxation and market regulation", "sektor publik",
                      "perpajakan", "pajak"),
    "regional_urban": ("perwilayahan dan perkotaan", "regions and cities", "perwilayahan",
                       "perkotaan", "pekerjaan umum", "tata ruang"),
    "science_patents": ("ilmu pengetahuan dan hak paten", "science and patents",
                        "ilmu pengetahuan", "riset"),
    "social_protection": ("perlindungan sosial dan kesejahteraan",
                          "social protection and welfare", "perlindungan sosial",
                          "kesejahteraan", "sosial", "kesejahteraan sosial"),
    "transport": ("transportasi", "transport", "perhubungan"),
}
KINDS = ("enumeration", "survey", "compilation", "other")
OLD_KINDS = ("survey", "compilation")
COVERAGES = ("whole", "part")
VARIABLE_TYPES = ("text", "integer", "decimal", "date", "boolean")
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "four_monthly", "semiannual",
               "yearly", "multi_year")
AREA_LEVELS = ("national", "province", "regency", "district", "village")
DESIGN_CHECKS = ("variables_defined", "schedule_in_order", "questionnaire", "sample_size",
                 "similar_reason")
# The default checklist's items (offices.DEFAULT_CHECKLIST), as stored in English or
# Indonesian, with the design check each corresponds to.
CHECKLIST_TEXTS = {
    "variables_defined": ("variables listed with concepts and definitions",
                          "variabel tercantum beserta konsep dan definisinya"),
    "schedule_in_order": ("schedule complete", "jadwal kegiatan lengkap"),
    "questionnaire": ("questionnaire attached", "kuesioner dilampirkan"),
    "sample_size": ("sample design consistent with objectives and coverage",
                    "rancangan sampel sesuai dengan tujuan dan cakupan kegiatan"),
    "similar_reason": ("no duplication with an already-recommended activity "
                       "(or a reason it is not a duplicate)",
                       "tidak duplikasi dengan kegiatan yang telah mendapat rekomendasi "
                       "(atau terdapat alasan bahwa kegiatan ini bukan duplikasi)"),
}

REQUEST_COLUMNS = (
    ("kind_other", sa.String(200)),
    ("sector_other", sa.String(200)),
    ("similar_reason", sa.Text()),
    ("coverage", sa.String(10)),
    ("presentation_level_other", sa.String(200)),
)
VARIABLE_COLUMNS = (
    ("alias", sa.String(100)),
    ("reference", sa.String(300)),
    ("measure", sa.String(100)),
    ("unit", sa.String(100)),
    ("data_type", sa.String(10)),
    ("value_domain", sa.Text()),
    ("validation_rule", sa.String(500)),
    ("question", sa.Text()),
    ("public", sa.Boolean()),
)


def _in(column, values):
    return f"{column} IS NULL OR {column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


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


def _replace_check(batch_op, name, sql):
    batch_op.drop_constraint(name, type_="check")
    batch_op.create_check_constraint(name, sql)


def sector_code(text):
    """The code of a free-text sector, or None when it names none of BPS's sectors."""
    key = re.sub(r"\s+", " ", (text or "").strip().lower())
    for code, names in SECTORS.items():
        if key in names:
            return code
    return None


def _map_sectors(bind):
    rows = bind.execute(sa.text(
        "SELECT id, sector FROM activity_request WHERE sector IS NOT NULL")).all()
    update = sa.text("UPDATE activity_request SET sector = :code, sector_other = :other "
                     "WHERE id = :id")
    for row_id, text in rows:
        if not text.strip():
            bind.execute(update, {"code": None, "other": None, "id": row_id})
            continue
        code = sector_code(text)
        bind.execute(update, {"code": code or "other",
                              "other": None if code else text.strip()[:200], "id": row_id})


def upgrade():
    bind = op.get_bind()
    triggers = _triggers()
    with op.batch_alter_table("activity_request") as batch_op:
        for name, type_ in REQUEST_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.alter_column("presentation_level", existing_type=sa.String(20),
                              type_=sa.String(100), existing_nullable=True)
        batch_op.drop_constraint("ck_request_presentation_level", type_="check")
        _replace_check(batch_op, "ck_request_kind", f"kind IN ({', '.join(map(repr, KINDS))})")
    _restore(triggers)
    _map_sectors(bind)
    op.execute("UPDATE activity_request SET coverage = CASE coverage_level "
               "WHEN 'national' THEN 'whole' ELSE 'part' END WHERE coverage_level IS NOT NULL")
    op.execute("UPDATE activity_request SET presentation_level = 'other', "
               "presentation_level_other = 'Desa/kelurahan' WHERE presentation_level = 'village'")
    triggers = _triggers()
    with op.batch_alter_table("activity_request") as batch_op:
        batch_op.create_check_constraint("ck_request_sector",
                                         _in("sector", (*SECTORS, "other")))
        batch_op.create_check_constraint("ck_request_coverage", _in("coverage", COVERAGES))
    _restore(triggers)

    variable_triggers = _triggers("request_variable")
    with op.batch_alter_table("request_variable") as batch_op:
        for name, type_ in VARIABLE_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.create_check_constraint("ck_variable_data_type",
                                         _in("data_type", VARIABLE_TYPES))
    _restore(variable_triggers, "request_variable")

    op.create_table(
        "request_indicator",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(),
                  sa.ForeignKey("activity_request.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("concept", sa.Text()),
        sa.Column("definition", sa.Text()),
        sa.Column("interpretation", sa.Text()),
        sa.Column("method", sa.Text()),
        sa.Column("formula", sa.String(1000)),
        sa.Column("measure", sa.String(100)),
        sa.Column("unit", sa.String(100)),
        sa.Column("classification", sa.String(300)),
        sa.Column("disaggregation", sa.String(300)),
        sa.Column("composite", sa.Boolean()),
        sa.Column("source_indicators", sa.String(1000)),
        sa.Column("source_variables", sa.String(1000)),
        sa.Column("estimation_level", sa.String(100)),
        sa.Column("periodicity", sa.String(20)),
        sa.Column("public", sa.Boolean()),
        sa.UniqueConstraint("request_id", "position", name="uq_indicator_position"),
        sa.CheckConstraint("position > 0", name="ck_indicator_position"),
        sa.CheckConstraint(_in("periodicity", FREQUENCIES), name="ck_indicator_periodicity"),
    )

    with op.batch_alter_table("checklist_item") as batch_op:
        batch_op.add_column(sa.Column("design_check", sa.String(30), nullable=True))
        batch_op.create_check_constraint("ck_checklist_design_check",
                                         _in("design_check", DESIGN_CHECKS))
    for key, texts in CHECKLIST_TEXTS.items():
        for text in texts:
            bind.execute(sa.text("UPDATE checklist_item SET design_check = :key "
                                 "WHERE lower(text) = :text AND design_check IS NULL"),
                         {"key": key, "text": text})


def downgrade():
    with op.batch_alter_table("checklist_item") as batch_op:
        batch_op.drop_constraint("ck_checklist_design_check", type_="check")
        batch_op.drop_column("design_check")
    op.drop_table("request_indicator")
    variable_triggers = _triggers("request_variable")
    with op.batch_alter_table("request_variable") as batch_op:
        batch_op.drop_constraint("ck_variable_data_type", type_="check")
        for name, _type in reversed(VARIABLE_COLUMNS):
            batch_op.drop_column(name)
    _restore(variable_triggers, "request_variable")
    # Back to the free text: a code becomes BPS's Indonesian name, "other" its text.
    for code, names in SECTORS.items():
        op.execute(f"UPDATE activity_request SET sector = '{names[0].capitalize()}' "
                   f"WHERE sector = '{code}'")
    op.execute("UPDATE activity_request SET sector = sector_other WHERE sector = 'other'")
    # One level fits the old column: the first flag; the new kinds have no place there.
    op.execute("UPDATE activity_request SET presentation_level = CASE "
               "WHEN presentation_level = 'other' THEN NULL "
               "WHEN presentation_level LIKE '%,%' THEN "
               "substr(presentation_level, 1, instr(presentation_level, ',') - 1) "
               "ELSE presentation_level END" if op.get_bind().dialect.name == "sqlite" else
               "UPDATE activity_request SET presentation_level = CASE "
               "WHEN presentation_level = 'other' THEN NULL "
               "ELSE split_part(presentation_level, ',', 1) END")
    op.execute("UPDATE activity_request SET presentation_level = NULL "
               "WHERE presentation_level = 'other'")
    op.execute("UPDATE activity_request SET kind = 'survey' WHERE kind IN ('enumeration', "
               "'other')")
    triggers = _triggers()
    with op.batch_alter_table("activity_request") as batch_op:
        batch_op.drop_constraint("ck_request_sector", type_="check")
        batch_op.drop_constraint("ck_request_coverage", type_="check")
        _replace_check(batch_op, "ck_request_kind",
                       f"kind IN ({', '.join(map(repr, OLD_KINDS))})")
        batch_op.alter_column("presentation_level", existing_type=sa.String(100),
                              type_=sa.String(20), existing_nullable=True)
        batch_op.create_check_constraint("ck_request_presentation_level",
                                         _in("presentation_level", AREA_LEVELS))
        for name, _type in reversed(REQUEST_COLUMNS):
            batch_op.drop_column(name)
    _restore(triggers)
