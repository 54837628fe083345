"""search (PostgreSQL): rewrite a row of activity_search only when its document changes

Every change of a recommended request (sent, closed, an officer's edit) fired the refresh,
and its upsert wrote a new row version even when the document was the same. Those dead
versions spread the table over five times its size at 100 000 requests, and a search reads
the matching rows from it (the bitmap heap scan): now an unchanged document writes nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 21:00:00
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RECOMMENDED = "('issued', 'sent', 'closed')"

_REFRESH = """
CREATE OR REPLACE FUNCTION rekomstat_search_refresh(rid integer) RETURNS void
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
     WHERE r.id = rid AND r.state IN %(recommended)s AND l.issued_at IS NOT NULL;
    IF FOUND THEN
        INSERT INTO activity_search (request_id, document) VALUES (rid, doc)
        ON CONFLICT (request_id) DO UPDATE SET document = EXCLUDED.document
        %(only_on_change)s;
    ELSE
        DELETE FROM activity_search WHERE request_id = rid;
    END IF;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_REFRESH % {
            "recommended": RECOMMENDED,
            "only_on_change": "WHERE activity_search.document IS DISTINCT FROM EXCLUDED.document",
        })


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_REFRESH % {"recommended": RECOMMENDED, "only_on_change": ""})
