"""How a request's database transaction ends: COMMIT when it only read, ROLLBACK otherwise.

Flask-SQLAlchemy ends every app context by closing the session, and closing rolls back what is
open. psycopg forgets every prepared statement of the connection at a rollback (it cannot tell
whether the rollback undid a change of the schema they depend on), so on PostgreSQL a worker
whose pages only read never kept one: each page planned each of its queries afresh — the
logged-in user with roles and groups, the permissions, the list and its count (figures in
bench/README.md). A transaction that sent nothing but SELECTs ends the same either way, so it is
committed: psycopg then prepares what a worker sends again and again (from the fifth time on)
and PostgreSQL keeps the plans.

Anything else is rolled back exactly as before: a request that raised, a session holding
unflushed changes, or a transaction that sent any other statement (a flush, a Core INSERT, a
SAVEPOINT, a WITH…). Writing is decided per connection from the statements themselves, so
nothing a view forgot to commit can be committed here. (A SELECT that locks — FOR UPDATE, an
advisory transaction lock — releases its lock at COMMIT as at ROLLBACK.)

A write commits where it is made: ``unit_of_work`` is the one way the domain ends one.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


def app_session():
    """The session of the current app context (FAB's, the one every screen and page uses)."""
    return current_app.appbuilder.session


@contextmanager
def unit_of_work(session):
    """Every write of the block, or none: COMMIT when the block ends normally (a ``return``
    included), ROLLBACK and the exception raised again when it (or the COMMIT) fails.

    Read what the caller needs of the written rows (ids) inside the block: the COMMIT expires
    them.
    """
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise

_WROTE = "rekomstat_wrote"  # Connection.info: a statement other than SELECT since BEGIN
_CONNECTIONS = "rekomstat_connections"  # Session.info: the connections of its transaction


def _began(conn) -> None:
    conn.info.pop(_WROTE, None)


def _statement(conn, cursor, statement, parameters, context, executemany) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[_WROTE] = True


def _session_began(session, transaction, connection) -> None:
    session.info.setdefault(_CONNECTIONS, []).append(connection)


def _session_ended(session, *_args) -> None:
    session.info.pop(_CONNECTIONS, None)


def only_read(session) -> bool:
    """True when ending ``session``'s transaction with COMMIT changes nothing: it has one, none
    of its connections sent anything but SELECTs, and no change waits to be flushed."""
    connections = session.info.get(_CONNECTIONS)
    if not connections or not session.in_transaction():
        return False
    if session.new or session.deleted or session.dirty:
        return False
    return not any(conn.info.get(_WROTE) for conn in connections)


def init_app(app, db) -> None:
    if not sa.event.contains(sa.engine.Engine, "begin", _began):
        sa.event.listen(sa.engine.Engine, "begin", _began)
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", _statement)
        sa.event.listen(Session, "after_begin", _session_began)
        sa.event.listen(Session, "after_commit", _session_ended)
        sa.event.listen(Session, "after_rollback", _session_ended)

    # Registered after Flask-SQLAlchemy's: Flask calls these in reverse, so this one runs
    # before the session is removed.
    @app.teardown_appcontext
    def _end_transaction(exc) -> None:
        if exc is not None or not db.session.registry.has():
            return
        session = db.session()
        # Objects read in the context stay as they were loaded (closing never expired them;
        # code may read a detached object's attributes afterwards).
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            if only_read(session):
                session.commit()
        except sa.exc.SQLAlchemyError:
            # A lost connection, say: nothing was written, the answer stands, and the
            # session's close rolls back as it always did.
            log.warning("a read-only transaction could not be committed", exc_info=True)
        finally:
            session.expire_on_commit = expire
