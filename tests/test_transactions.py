"""How a request's transaction ends (app/core/transactions.py): a request that only read commits,
so psycopg keeps its prepared statements; anything that wrote and was not committed by the
view is rolled back, exactly as before, whatever way it wrote."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import abort

from app import create_app, db
from app.frontoffice import queue as frontoffice
from app.models import Office

from conftest import OFFICE_X, app_config, is_postgres

MARK = "Kantor yang tidak pernah disimpan"


@pytest.fixture(scope="module")
def own(app, world):
    """An app of its own on the test database, with routes that read or write and never
    commit (routes cannot be added to the shared app once it has served a request)."""
    other = create_app(app_config())
    office_id = world.offices[OFFICE_X]

    def session():
        return other.appbuilder.session

    def office():
        return session().get(Office, office_id)

    def read():
        names = session().scalars(sa.select(Office.name).order_by(Office.id)).all()
        prepared = None
        if is_postgres():
            prepared = session().scalar(sa.select(sa.func.count()).select_from(
                sa.table("pg_prepared_statements")))
        return {"offices": len(names), "prepared": prepared}

    def flushed():
        office().name = MARK
        session().flush()  # an UPDATE sent, never committed
        return "ok"

    def pending():
        office().name = MARK  # changed in the session, not even flushed
        return "ok"

    def core():
        session().execute(sa.update(Office).where(Office.id == office_id).values(name=MARK))
        return "ok"

    def in_savepoint():
        # As the app's savepoints do: on SQLite a real transaction first (the driver would
        # commit a savepoint opened outside one at its release, whatever ends the request).
        frontoffice._sqlite_transaction(session())
        with session().begin_nested():
            office().name = MARK
        return "ok"  # the savepoint is released, the transaction never committed

    def raises():
        office()
        raise RuntimeError("the view failed after reading")

    def aborts():
        office().name = MARK
        session().flush()
        abort(404)  # handled: Flask passes no exception to the teardown

    def lost():
        office()
        session().connection().invalidate()  # as when the database restarts under a request
        return "answered"

    for name, view in (("read", read), ("flushed", flushed), ("pending", pending),
                       ("core", core), ("savepoint", in_savepoint), ("raises", raises),
                       ("aborts", aborts), ("lost", lost)):
        other.add_url_rule(f"/_tx/{name}", f"tx_{name}", view)

    ends = {"commit": 0, "rollback": 0}
    with other.app_context():
        engine = db.engine

    def counter(kind):
        def count(_conn):
            ends[kind] += 1
        return count

    commit, rollback = counter("commit"), counter("rollback")
    sa.event.listen(engine, "commit", commit)
    sa.event.listen(engine, "rollback", rollback)
    yield other, office_id, ends
    sa.event.remove(engine, "commit", commit)
    sa.event.remove(engine, "rollback", rollback)


def _name(app, office_id) -> str:
    with app.app_context():
        name = app.appbuilder.session.scalar(sa.select(Office.name).where(Office.id == office_id))
        app.appbuilder.session.rollback()
    return name


def _ends(own, path, *, status=200):
    app, _office_id, ends = own
    before = dict(ends)
    answer = app.test_client().get(path)
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    return {k: ends[k] - before[k] for k in ends}


def test_a_request_that_only_read_ends_with_commit(own):
    assert _ends(own, "/_tx/read") == {"commit": 1, "rollback": 0}


@pytest.mark.skipif(not is_postgres(), reason="prepared statements are psycopg's")
def test_postgresql_keeps_the_prepared_statements_of_pages_that_only_read(own):
    """psycopg prepares a statement the fifth time a connection sends it, and forgets all at a
    rollback: with each read-only request rolled back, none was ever kept."""
    app, _office_id, _ends_ = own
    client = app.test_client()
    answers = [client.get("/_tx/read").get_json() for _ in range(8)]
    assert answers[-1]["offices"] >= 2
    assert answers[-1]["prepared"] > 0, answers


@pytest.mark.parametrize("path", ["/_tx/flushed", "/_tx/pending", "/_tx/core",
                                  "/_tx/savepoint"])
def test_a_request_that_wrote_without_committing_is_rolled_back(own, path):
    app, office_id, _ends_ = own
    original = _name(app, office_id)
    assert original != MARK
    assert _ends(own, path)["commit"] == 0
    assert _name(app, office_id) == original


def test_a_request_that_failed_is_rolled_back(own):
    app, office_id, _ends_ = own
    original = _name(app, office_id)
    with pytest.raises(RuntimeError):
        app.test_client().get("/_tx/raises")
    assert _name(app, office_id) == original


def test_an_aborted_request_that_had_flushed_is_rolled_back(own):
    app, office_id, _ends_ = own
    original = _name(app, office_id)
    assert _ends(own, "/_tx/aborts", status=404)["commit"] == 0
    assert _name(app, office_id) == original


def test_what_was_read_stays_readable_after_the_context(own):
    """Committing a read-only transaction must not expire what it loaded: code reads detached
    objects' attributes after their context ends, as it could when the session was closed."""
    app, office_id, _ends_ = own
    with app.app_context():
        office = app.appbuilder.session.get(Office, office_id)
    assert office.name and office.code == OFFICE_X


def test_a_connection_lost_after_the_answer_changes_nothing_of_it(own):
    app, _office_id, _ends_ = own
    answer = app.test_client().get("/_tx/lost")
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "answered")
    assert app.test_client().get("/_tx/read").status_code == 200  # the pool recovers
