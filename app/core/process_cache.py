"""Rows that nearly every request reads and an admin changes a few times a year (an office's
days off, its name and settings), kept per process for a short while.

Each cache is keyed by database as well (one process may serve several: tests do). A row of a
watched model written through the ORM in this process — one object, or an INSERT / UPDATE /
DELETE statement on its table sent through a session — empties the cache when its transaction
commits, and nothing read inside a transaction that wrote one is kept (it may yet roll back).
Other processes, and statements sent on a bare connection, see the change within the time to
live: an admin's edit shows everywhere within a minute. ``forget_all()`` empties every cache
at once (after a backup is restored, between tests).
"""
from __future__ import annotations

import time
from typing import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

_caches: list["ProcessCache"] = []


class ProcessCache:
    def __init__(self, name: str, ttl_s: float, models: tuple) -> None:
        self.ttl_s = ttl_s
        self._values: dict = {}
        self._written = f"rekomstat_written_{name}"  # in a session's info: uncommitted writes
        # A model, or a bare table (an association table: written by statements only).
        self._tables = frozenset(getattr(model, "__table__", model) for model in models)
        for model in models:
            if not hasattr(model, "__table__"):
                continue
            for kind in ("after_insert", "after_update", "after_delete"):
                event.listen(model, kind, self._row_written)
        _caches.append(self)

    def get(self, session, key, load: Callable[[], object]):
        """The value kept for ``key`` on the session's database, else ``load()``'s."""
        key = (session.get_bind().url, key)
        now = time.monotonic()
        cached = self._values.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        value = load()
        if not session.info.get(self._written):  # never what this transaction has yet to commit
            self._values[key] = (now + self.ttl_s, value)
        return value

    def forget(self, session, key) -> None:
        self._values.pop((session.get_bind().url, key), None)

    def clear(self) -> None:
        self._values.clear()

    def _row_written(self, _mapper, _connection, target) -> None:
        self._session_wrote(object_session(target))

    def _session_wrote(self, session) -> None:
        if session is not None:
            session.info[self._written] = True
        self.clear()

    def statement_sent(self, session, table) -> None:
        if table in self._tables:
            self._session_wrote(session)

    def committed(self, session) -> None:
        # Again at commit: another request of this process may have read the old rows meanwhile.
        if session.info.pop(self._written, None):
            self.clear()

    def rolled_back(self, session) -> None:
        session.info.pop(self._written, None)


def forget_all() -> None:
    for cache in _caches:
        cache.clear()


@event.listens_for(Session, "do_orm_execute")
def _statement_sent(state) -> None:
    # session.execute(update(Model)…) / delete / insert: no object, so no mapper event.
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if table is not None:
        for cache in _caches:
            cache.statement_sent(state.session, table)


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    for cache in _caches:
        cache.committed(session)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    for cache in _caches:
        cache.rolled_back(session)
