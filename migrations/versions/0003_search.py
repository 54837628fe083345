"""search: full-text index of recommended activities (FTS5 on SQLite, tsvector + GIN on PostgreSQL)

The index is kept in step by database triggers, so every writer — the workflow, the officers'
screens, the demo generator's bulk inserts, a hand-written UPDATE — keeps it right; app/catalogue/search.py
only reads it (and can rebuild it with ``search.reindex_all``).

SQLite
    ``activity_fts``: an FTS5 table, one row per activity request (rowid = activity_request.id),
    columns title, objectives, agency, sector, variables; tokenizer ``unicode61
    remove_diacritics 2``. Which rows are *recommended* (state issued/sent/closed with an issued
    letter) is decided when searching, by joining activity_request and letter.

    Each trigger reads only the table it sits on (plus activity_fts). A trigger that named
    another table would make SQLite refuse Alembic's batch "move and copy" of that table later
    ("error in trigger …: no such table"). The price: a batch migration that RECREATES
    activity_request or request_variable drops that table's triggers; such a migration must
    create them again (copy them from here). tests/test_search.py fails when a trigger is missing.

PostgreSQL
    ``activity_search(request_id, document tsvector)`` with a GIN index, one row per
    recommended request only; ``rekomstat_search_refresh(request_id)`` (re)computes a row:
    title weight A, objectives B, agency/unit/sector C, variables D, text search configuration
    'simple' (PostgreSQL has no Indonesian stemmer), accents removed with the ``unaccent``
    extension when it can be created here (a trusted extension since PostgreSQL 13: the
    database owner may create it), plain 'simple' otherwise — ``rekomstat_search_norm(text)``
    hides which, for the index and the queries alike. Triggers on activity_request, letter and
    request_variable call the refresh function.

Neither engine's objects are in the models' metadata: migrations/env.py leaves them out of
autogenerate with ``app.search.include_name``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

RECOMMENDED = "('issued', 'sent', 'closed')"

# --- SQLite -----------------------------------------------------------------------------------

SQLITE_CREATE_FTS = """
CREATE VIRTUAL TABLE activity_fts USING fts5(
    title, objectives, agency, sector, variables,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
)
"""

# The indexed columns of a request, from the request row R (NEW in a trigger, r in a SELECT).
_SQLITE_REQUEST_COLUMNS = {
    "title": "coalesce({r}.title, '')",
    "objectives": "coalesce({r}.objectives, '')",
    "agency": "trim(coalesce({r}.agency_name, '') || ' ' || coalesce({r}.agency_unit, ''))",
    "sector": "coalesce({r}.sector, '')",
}


def _values(r):
    return ", ".join(expr.format(r=r) for expr in _SQLITE_REQUEST_COLUMNS.values())


def _assignments(r):
    return ", ".join(f"{col} = {expr.format(r=r)}" for col, expr in _SQLITE_REQUEST_COLUMNS.items())


_SQLITE_VARIABLES_OF = (
    "(SELECT coalesce(group_concat(v.name || ' ' || coalesce(v.concept, ''), ' '), '') "
    "FROM request_variable v WHERE v.request_id = {rid})"
)

SQLITE_TRIGGERS = {
    "activity_fts_request_ai": f"""
CREATE TRIGGER activity_fts_request_ai AFTER INSERT ON activity_request BEGIN
    DELETE FROM activity_fts WHERE rowid = NEW.id;
    INSERT INTO activity_fts (rowid, title, objectives, agency, sector, variables)
    VALUES (NEW.id, {_values("NEW")}, '');
END""",
    "activity_fts_request_au": f"""
CREATE TRIGGER activity_fts_request_au
AFTER UPDATE OF title, objectives, agency_name, agency_unit, sector ON activity_request BEGIN
    UPDATE activity_fts SET {_assignments("NEW")} WHERE rowid = NEW.id;
END""",
    "activity_fts_request_ad": """
CREATE TRIGGER activity_fts_request_ad AFTER DELETE ON activity_request BEGIN
    DELETE FROM activity_fts WHERE rowid = OLD.id;
END""",
    "activity_fts_variable_ai": f"""
CREATE TRIGGER activity_fts_variable_ai AFTER INSERT ON request_variable BEGIN
    UPDATE activity_fts SET variables = {_SQLITE_VARIABLES_OF.format(rid="NEW.request_id")}
    WHERE rowid = NEW.request_id;
END""",
    "activity_fts_variable_au": f"""
CREATE TRIGGER activity_fts_variable_au
AFTER UPDATE OF request_id, name, concept ON request_variable BEGIN
    UPDATE activity_fts SET variables = {_SQLITE_VARIABLES_OF.format(rid="OLD.request_id")}
    WHERE rowid = OLD.request_id AND OLD.request_id <> NEW.request_id;
    UPDATE activity_fts SET variables = {_SQLITE_VARIABLES_OF.format(rid="NEW.request_id")}
    WHERE rowid = NEW.request_id;
END""",
    "activity_fts_variable_ad": f"""
CREATE TRIGGER activity_fts_variable_ad AFTER DELETE ON request_variable BEGIN
    UPDATE activity_fts SET variables = {_SQLITE_VARIABLES_OF.format(rid="OLD.request_id")}
    WHERE rowid = OLD.request_id;
END""",
}

SQLITE_BACKFILL = f"""
INSERT INTO activity_fts (rowid, title, objectives, agency, sector, variables)
SELECT r.id, {_values("r")}, {_SQLITE_VARIABLES_OF.format(rid="r.id")}
FROM activity_request r
"""

# --- PostgreSQL -------------------------------------------------------------------------------

PG_CREATE_TABLE = """
CREATE TABLE activity_search (
    request_id integer PRIMARY KEY REFERENCES activity_request (id) ON DELETE CASCADE,
    document tsvector NOT NULL
)
"""
PG_CREATE_INDEX = "CREATE INDEX ix_activity_search_document ON activity_search USING gin (document)"

PG_NORM_UNACCENT = """
CREATE FUNCTION rekomstat_search_norm(t text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, coalesce(t, '')) $$
"""
PG_NORM_PLAIN = """
CREATE FUNCTION rekomstat_search_norm(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(t, '') $$
"""

PG_REFRESH = f"""
CREATE FUNCTION rekomstat_search_refresh(rid integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    doc tsvector;
BEGIN
    SELECT setweight(to_tsvector('simple', rekomstat_search_norm(r.title)), 'A')
        || setweight(to_tsvector('simple', rekomstat_search_norm(r.objectives)), 'B')
        || setweight(to_tsvector('simple', rekomstat_search_norm(
               concat_ws(' ', r.agency_name, r.agency_unit, r.sector))), 'C')
        || setweight(to_tsvector('simple', rekomstat_search_norm(
               (SELECT string_agg(concat_ws(' ', v.name, v.concept), ' ' ORDER BY v.position)
                  FROM request_variable v WHERE v.request_id = r.id))), 'D')
      INTO doc
      FROM activity_request r JOIN letter l ON l.request_id = r.id
     WHERE r.id = rid AND r.state IN {RECOMMENDED} AND l.issued_at IS NOT NULL;
    IF FOUND THEN
        INSERT INTO activity_search (request_id, document) VALUES (rid, doc)
        ON CONFLICT (request_id) DO UPDATE SET document = EXCLUDED.document;
    ELSE
        DELETE FROM activity_search WHERE request_id = rid;
    END IF;
END
$$
"""

PG_TRIGGER_FUNCTIONS = {
    "rekomstat_search_request_trg": """
CREATE FUNCTION rekomstat_search_request_trg() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rekomstat_search_refresh(NEW.id);
    RETURN NULL;
END
$$""",
    # letter and request_variable: both carry request_id
    "rekomstat_search_child_trg": """
CREATE FUNCTION rekomstat_search_child_trg() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM rekomstat_search_refresh(OLD.request_id);
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.request_id IS DISTINCT FROM NEW.request_id THEN
        PERFORM rekomstat_search_refresh(OLD.request_id);
    END IF;
    PERFORM rekomstat_search_refresh(NEW.request_id);
    RETURN NULL;
END
$$""",
}

PG_TRIGGERS = {
    ("activity_search_request", "activity_request"): """
CREATE TRIGGER activity_search_request
AFTER INSERT OR UPDATE OF state, title, objectives, agency_name, agency_unit, sector
ON activity_request FOR EACH ROW EXECUTE FUNCTION rekomstat_search_request_trg()""",
    ("activity_search_letter", "letter"): """
CREATE TRIGGER activity_search_letter
AFTER INSERT OR UPDATE OF issued_at, request_id OR DELETE
ON letter FOR EACH ROW EXECUTE FUNCTION rekomstat_search_child_trg()""",
    ("activity_search_variable", "request_variable"): """
CREATE TRIGGER activity_search_variable
AFTER INSERT OR UPDATE OF request_id, name, concept OR DELETE
ON request_variable FOR EACH ROW EXECUTE FUNCTION rekomstat_search_child_trg()""",
}

PG_BACKFILL = f"""
SELECT rekomstat_search_refresh(r.id)
  FROM activity_request r JOIN letter l ON l.request_id = r.id
 WHERE r.state IN {RECOMMENDED} AND l.issued_at IS NOT NULL
"""


def _unaccent_schema(bind):
    """The schema of the unaccent extension, creating it if this role may; None if not."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
    except sa.exc.DBAPIError:
        return None  # not available, or not allowed: plain 'simple'
    return bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'unaccent'"
    ).scalar()


def _quote_ident(bind, name):
    return bind.dialect.identifier_preparer.quote_identifier(name)


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "sqlite":
        op.execute(SQLITE_CREATE_FTS)
        op.execute(SQLITE_BACKFILL)
        for sql in SQLITE_TRIGGERS.values():
            op.execute(sql)
    elif dialect == "postgresql":
        op.execute(PG_CREATE_TABLE)
        op.execute(PG_CREATE_INDEX)
        schema = _unaccent_schema(bind)
        if schema:
            op.execute(PG_NORM_UNACCENT.format(schema=_quote_ident(bind, schema)))
        else:
            op.execute(PG_NORM_PLAIN)
        op.execute(PG_REFRESH)
        for sql in PG_TRIGGER_FUNCTIONS.values():
            op.execute(sql)
        for sql in PG_TRIGGERS.values():
            op.execute(sql)
        op.execute(PG_BACKFILL)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"full-text search on {dialect}")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS activity_fts")
    elif dialect == "postgresql":
        for name, table in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in PG_TRIGGER_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        op.execute("DROP FUNCTION IF EXISTS rekomstat_search_refresh(integer)")
        op.execute("DROP FUNCTION IF EXISTS rekomstat_search_norm(text)")
        op.execute("DROP TABLE IF EXISTS activity_search")
        # The unaccent extension stays: it may have been there before, or serve other uses.
