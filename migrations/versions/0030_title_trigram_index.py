"""a trigram index for searching the requests list by title, on PostgreSQL (issue 27)

The officers' list searched by title ("Judul kegiatan" contains …) is ``title ILIKE '%w%'``:
no b-tree index serves it, so at a million requests PostgreSQL scanned every visible row
(bench/README.md "National scale": 400-700 ms for an office, a province or the headquarters,
as slow as Django's admin and the bare page). pg_trgm's GIN index answers ILIKE with a
pattern on both sides. pg_trgm ships with PostgreSQL (contrib) and is a trusted extension
(PostgreSQL 13+: the database's owner may create it); where it cannot be created the index is
left out and the search works as before, only slower (a warning says so). Raw SQL, not a model
index: SQLite has no such index (catalogue/search.RAW_INDEXES keeps it out of the models'
comparison).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 05:55:00
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as err:
        log.warning("pg_trgm could not be created (%s): the requests list's title search "
                    "stays without its index", str(err.orig).strip())
        return
    bind.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_request_title_trgm ON activity_request "
                         "USING gin (title gin_trgm_ops)"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_request_title_trgm")
