"""search: the catalogue indexes a sector's Indonesian label, not its code

Since 0011 the sector is a code of BPS's list ("health"), or "other" with the text in
sector_other; the index took the column as it is, so "kesehatan" no longer found a health
activity. The document's sector is now BPS's Indonesian name of the code (the "other, namely"
text for "other", "Sektor lainnya" without one): a CASE over the 22 codes in the SQLite
triggers and in the PostgreSQL refresh function, whose trigger also follows sector_other. Every
row is indexed again. The labels are written out here (a migration does not import the app);
tests/test_catalogue_metadata.py checks they agree with models.SECTORS in Indonesian, which
app/catalogue/search.py's repair (``flask search reindex``) uses.

Downgrade puts back the definitions of 0003/0005 (the code indexed as it is) and reindexes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 11:00:00
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

RECOMMENDED = "('issued', 'sent', 'closed')"

# BPS's sectors of statistical activities (../shared/domain.md, MS-Keg), code -> Indonesian.
SECTOR_LABELS = {
    "agriculture_fisheries": "Pertanian dan Perikanan",
    "demography": "Demografi dan Kependudukan",
    "development": "Pembangunan",
    "economic_projection": "Proyeksi Ekonomi",
    "education_training": "Pendidikan dan Pelatihan",
    "environment": "Lingkungan",
    "finance": "Keuangan",
    "globalisation": "Globalisasi",
    "health": "Kesehatan",
    "industry_services": "Industri dan Jasa",
    "ict": "Teknologi Informasi dan Komunikasi",
    "international_trade": "Perdagangan Internasional dan Neraca Perdagangan",
    "labour": "Ketenagakerjaan",
    "national_accounts": "Neraca Nasional",
    "monthly_indicators": "Indikator Ekonomi Bulanan",
    "productivity": "Produktivitas",
    "prices_ppp": "Harga dan Paritas Daya Beli",
    "public_sector": "Sektor Publik, Perpajakan, dan Regulasi Pasar",
    "regional_urban": "Perwilayahan dan Perkotaan",
    "science_patents": "Ilmu Pengetahuan dan Hak Paten",
    "social_protection": "Perlindungan Sosial dan Kesejahteraan",
    "transport": "Transportasi",
}
OTHER_LABEL = "Sektor lainnya"


def _quoted(text):
    return "'" + text.replace("'", "''") + "'"


def sector_sql(r):
    """The sector's text in the document, from the request row ``r`` (NEW, or an alias)."""
    whens = " ".join(f"WHEN {_quoted(code)} THEN {_quoted(label)}"
                     for code, label in SECTOR_LABELS.items())
    other = (f"WHEN 'other' THEN coalesce(nullif(trim({r}.sector_other), ''), "
             f"{_quoted(OTHER_LABEL)})")
    return f"(CASE {r}.sector {whens} {other} ELSE coalesce({r}.sector, '') END)"


# --- SQLite (as 0003, the sector column and the columns the update trigger follows changed) ---

def _request_columns(sector):
    return {
        "title": "coalesce({r}.title, '')",
        "objectives": "coalesce({r}.objectives, '')",
        "agency": "trim(coalesce({r}.agency_name, '') || ' ' || coalesce({r}.agency_unit, ''))",
        "sector": sector,
    }


def _sqlite_request_triggers(columns, followed):
    values = ", ".join(expr.format(r="NEW") for expr in columns.values())
    assignments = ", ".join(f"{col} = {expr.format(r='NEW')}" for col, expr in columns.items())
    return {
        "activity_fts_request_ai": f"""
CREATE TRIGGER activity_fts_request_ai AFTER INSERT ON activity_request BEGIN
    DELETE FROM activity_fts WHERE rowid = NEW.id;
    INSERT INTO activity_fts (rowid, title, objectives, agency, sector, variables)
    VALUES (NEW.id, {values}, '');
END""",
        "activity_fts_request_au": f"""
CREATE TRIGGER activity_fts_request_au
AFTER UPDATE OF {followed} ON activity_request BEGIN
    UPDATE activity_fts SET {assignments} WHERE rowid = NEW.id;
END""",
    }


def _sqlite_backfill(columns):
    values = ", ".join(expr.format(r="r") for expr in columns.values())
    return f"""
INSERT INTO activity_fts (rowid, title, objectives, agency, sector, variables)
SELECT r.id, {values},
       (SELECT coalesce(group_concat(v.name || ' ' || coalesce(v.concept, ''), ' '), '')
          FROM request_variable v WHERE v.request_id = r.id)
  FROM activity_request r
"""


NEW_COLUMNS = _request_columns(sector_sql("{r}"))
OLD_COLUMNS = _request_columns("coalesce({r}.sector, '')")
NEW_FOLLOWED = "title, objectives, agency_name, agency_unit, sector, sector_other"
OLD_FOLLOWED = "title, objectives, agency_name, agency_unit, sector"

# --- PostgreSQL (as 0005: an unchanged document writes nothing) ------------------------------

_REFRESH = """
CREATE OR REPLACE FUNCTION rekomstat_search_refresh(rid integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    doc tsvector;
BEGIN
    SELECT setweight(to_tsvector('simple', rekomstat_search_norm(r.title)), 'A')
        || setweight(to_tsvector('simple', rekomstat_search_norm(r.objectives)), 'B')
        || setweight(to_tsvector('simple', rekomstat_search_norm(
               concat_ws(' ', r.agency_name, r.agency_unit, %(sector)s))), 'C')
        || setweight(to_tsvector('simple', rekomstat_search_norm(
               (SELECT string_agg(concat_ws(' ', v.name, v.concept), ' ' ORDER BY v.position)
                  FROM request_variable v WHERE v.request_id = r.id))), 'D')
      INTO doc
      FROM activity_request r JOIN letter l ON l.request_id = r.id
     WHERE r.id = rid AND r.state IN %(recommended)s AND l.issued_at IS NOT NULL;
    IF FOUND THEN
        INSERT INTO activity_search (request_id, document) VALUES (rid, doc)
        ON CONFLICT (request_id) DO UPDATE SET document = EXCLUDED.document
        WHERE activity_search.document IS DISTINCT FROM EXCLUDED.document;
    ELSE
        DELETE FROM activity_search WHERE request_id = rid;
    END IF;
END
$$
"""
_PG_REQUEST_TRIGGER = """
CREATE TRIGGER activity_search_request
AFTER INSERT OR UPDATE OF state, {followed}
ON activity_request FOR EACH ROW EXECUTE FUNCTION rekomstat_search_request_trg()"""
_PG_BACKFILL = f"""
SELECT rekomstat_search_refresh(r.id)
  FROM activity_request r JOIN letter l ON l.request_id = r.id
 WHERE r.state IN {RECOMMENDED} AND l.issued_at IS NOT NULL
"""


def _sqlite(columns, followed):
    for name, sql in _sqlite_request_triggers(columns, followed).items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)
    op.execute("DELETE FROM activity_fts")
    op.execute(_sqlite_backfill(columns))


def _postgresql(sector, followed):
    op.execute(_REFRESH % {"sector": sector, "recommended": RECOMMENDED})
    op.execute("DROP TRIGGER IF EXISTS activity_search_request ON activity_request")
    op.execute(_PG_REQUEST_TRIGGER.format(followed=followed))
    op.execute(_PG_BACKFILL)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite(NEW_COLUMNS, NEW_FOLLOWED)
    elif dialect == "postgresql":
        _postgresql(sector_sql("r"), NEW_FOLLOWED)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite(OLD_COLUMNS, OLD_FOLLOWED)
    elif dialect == "postgresql":
        _postgresql("r.sector", OLD_FOLLOWED)
