"""The requests list's title search on PostgreSQL (issue 27, migration 0030): FAB's "contains"
filter is ``title ILIKE '%w%'``, which a pg_trgm GIN index answers; the migration makes it
where the extension can be created, and the models' comparison leaves it out (raw SQL, no
such index on SQLite)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.catalogue import search

from conftest import is_postgres, statements


def test_the_raw_index_is_left_out_of_the_models_comparison():
    assert not search.include_name("ix_request_title_trgm", "index", {})
    assert search.include_name("ix_request_created", "index", {})


@pytest.mark.skipif(not is_postgres(), reason="a PostgreSQL index (pg_trgm)")
def test_the_lists_title_search_can_read_the_trigram_index(app, world, clients):
    view = next(v for v in app.appbuilder.baseviews
                if type(v).__name__ == "ActivityRequestView")
    contains = [type(f).__name__ for f in view._filters.get_search_filters()["title"]
                ].index("FilterContains")
    with statements(app) as seen:
        answer = clients["officer_x"].get(
            f"/activityrequestview/list/?_flt_{contains}_title=Ubinan+Padi")
    assert answer.status_code == 200
    page = [s for s in seen if "FROM activity_request" in s and "LIMIT" in s.upper()]
    assert len(page) == 1 and "ILIKE" in page[0].upper(), seen
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        with engine.connect() as conn:
            assert conn.scalar(sa.text(
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_request_title_trgm'")) == 1
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(r[0] for r in conn.execute(sa.text(
                "EXPLAIN SELECT id FROM activity_request WHERE title ILIKE :w"),
                {"w": "%Ubinan Padi%"}))
            conn.rollback()
    assert "ix_request_title_trgm" in plan, plan
