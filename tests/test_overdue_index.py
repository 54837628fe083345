"""The overdue list's partial index (issue 27, migration 0029): it holds the requests whose
clock runs or is paused and whose letter is not sent, and a query can use it only when its own
terms name the index's states (models.OVERDUE_PREDICATE): the dashboard's overdue list and
count and the Overdue requests screen write them into their SQL (workflow.in_open_states), and
each engine's planner accepts the index for them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app import models as m
from app.reports import figures
from app.requests import workflow

from conftest import is_postgres, statements

TODAY = dt.date(2026, 12, 7)
STATES_SQL = "'in_review', 'issued', 'letter_drafted', 'letter_initialled', " \
             "'revision_requested', 'submitted', 'verified'"


def test_the_index_names_the_open_states():
    assert m.OPEN_STATES_SORTED == tuple(sorted(workflow.OPEN_STATES))
    assert f"state IN ({STATES_SQL})" in str(m.OVERDUE_PREDICATE)


def _overdue_list():
    return (sa.select(m.ActivityRequest.id).where(*figures._overdue(None, TODAY))
            .order_by(m.ActivityRequest.due_date, m.ActivityRequest.id).limit(50))


def test_the_planner_takes_the_index_for_the_overdue_list(app):
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        compiled = _overdue_list().compile(dialect=engine.dialect,
                                           compile_kwargs={"render_postcompile": True})
        sql = str(compiled)
        assert STATES_SQL in sql  # written into the text, not bound
        with engine.connect() as conn:
            if is_postgres():
                # Whatever the table's size here: may the planner use it at all?
                conn.exec_driver_sql("SET enable_seqscan = off")
                conn.exec_driver_sql("SET enable_bitmapscan = off")
                conn.exec_driver_sql("DROP INDEX ix_activity_request_due_date")  # rolled back
                plan = "\n".join(r[0] for r in conn.exec_driver_sql(
                    "EXPLAIN " + sql, compiled.params))
                conn.rollback()
            else:
                # INDEXED BY refuses ("no query solution") an index the query cannot use.
                forced = sql.replace("FROM activity_request",
                                     "FROM activity_request INDEXED BY ix_request_overdue", 1)
                plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + forced, tuple(compiled.positiontup and [
                        compiled.params[k] for k in compiled.positiontup] or ())))
        assert "ix_request_overdue" in plan, plan


def test_the_pages_write_the_states_into_their_sql(app, world, clients):
    with statements(app) as seen:
        assert clients["admin"].get("/dashboard/").status_code == 200
        assert clients["officer_x"].get("/overduerequestview/list/").status_code == 200
    overdue = [s for s in seen if "clock_paused_at IS NULL" in s and "due_date <" in s]
    assert len(overdue) >= 2, seen
    assert all(f"IN ({STATES_SQL})" in s for s in overdue), overdue
