"""Rows that nearly every request reads and an admin changes a few times a year (an office's
days off, its name and settings), kept per process for a short while.

Each cache is keyed by database as well (one process may serve several: tests do). A row of a
watched model written through the ORM in this process empties the cache when its transaction
commits, and nothing read inside a transaction that wrote one is kept (it may yet roll back).
Other processes, and bulk statements, see the change within the time to live: an admin's edit
shows everywhere within a minute. ``forget_all()`` empties every cache at once (after a backup
is restored, between tests).
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
        for model in models:
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

    def clear(self) -> None:
        self._values.clear()

    def _row_written(self, _mapper, _connection, target) -> None:
        session = object_session(target)
        if session is not None:
            session.info[self._written] = True
        self.clear()

    def committed(self, session) -> None:
        # Again at commit: another request of this process may have read the old rows meanwhile.
        if session.info.pop(self._written, None):
            self.clear()

    def rolled_back(self, session) -> None:
        session.info.pop(self._written, None)


def forget_all() -> None:
    for cache in _caches:
        cache.clear()


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    for cache in _caches:
        cache.committed(session)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    for cache in _caches:
        cache.rolled_back(session)
