"""SQLite, the embedded default, set up for a web server with several workers.

Write-ahead logging: readers never wait for a writer and a commit costs one fsync of the log
(the default rollback journal takes several, and blocks every reader while a worker writes).
Commits stay as durable as before (synchronous stays FULL). A worker that finds the database
locked waits up to BUSY_TIMEOUT_MS instead of failing at once.
"""
from __future__ import annotations

import sqlite3

import sqlalchemy as sa

BUSY_TIMEOUT_MS = 10_000


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode = WAL")  # answers 'memory' for :memory:, fine
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def init_app(app) -> None:
    if not sa.event.contains(sa.engine.Engine, "connect", _on_connect):
        sa.event.listen(sa.engine.Engine, "connect", _on_connect)
