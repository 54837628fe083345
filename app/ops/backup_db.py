"""The database half of a backup: row counts, and the copy and restore of each engine.

SQLite is copied with its online backup API (never the live file) and put back by moving a
checked temporary file over it; PostgreSQL goes through pg_dump / pg_restore of at least the
server's major version. app/ops/backup.py builds and reads the archive around these.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.catalogue import search

CHUNK = 1024 * 1024
# The index's internal tables: their rows are the index's business, not data to count.
_NOT_COUNTED = (search.SEARCH_TABLES - {"activity_fts", "activity_search"}) | {"sqlite_sequence"}
# pg_restore waits this long for a lock (a running app in a transaction) before giving up.
PG_LOCK_TIMEOUT = "60s"

class BackupError(Exception):
    """A backup or restore refused or failed; the message tells the operator why."""


def app_engine() -> sa.Engine:
    return current_app.extensions["sqlalchemy"].engine


def release_connections(engine: sa.Engine) -> None:
    """Close this process's sessions and pooled connections (they would hold the old file, or
    locks pg_restore waits for)."""
    current_app.appbuilder.session.remove()
    engine.dispose()


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


# --- row counts ------------------------------------------------------------------------------


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_counts(conn: sqlite3.Connection) -> dict:
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    counts = {}
    for name in names:
        if name in _NOT_COUNTED or name.startswith("sqlite_"):
            continue
        counts[name] = conn.execute(f"SELECT count(*) FROM {_quote_sqlite(name)}").fetchone()[0]
    return counts


def _sqlite_scalars(conn: sqlite3.Connection, table: str, column: str) -> list:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                          (table,)).fetchone()
    if not exists:
        return []
    return [row[0] for row in conn.execute(
        f"SELECT {_quote_sqlite(column)} FROM {_quote_sqlite(table)}")]


def _pg_tables(conn) -> list:
    return list(conn.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )).scalars())


def _pg_counts(conn) -> dict:
    quote = conn.dialect.identifier_preparer.quote
    return {
        name: conn.execute(sa.text(f"SELECT count(*) FROM {quote(name)}")).scalar()
        for name in _pg_tables(conn) if name not in _NOT_COUNTED
    }


def _pg_scalars(conn, table: str, column: str) -> list:
    if table not in _pg_tables(conn):
        return []
    quote = conn.dialect.identifier_preparer.quote
    return list(conn.execute(sa.text(f"SELECT {quote(column)} FROM {quote(table)}")).scalars())


def database_counts() -> dict:
    """Rows per table of the configured database as it is now ({} when it has no tables)."""
    engine = app_engine()
    if engine.dialect.name == "sqlite":
        path = _sqlite_path(engine)
        if not path.exists() or path.stat().st_size == 0:
            return {}
        conn = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True, timeout=30)
        try:
            return _sqlite_counts(conn)
        finally:
            conn.close()
    with engine.connect() as conn:
        return _pg_counts(conn)


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_path(engine: sa.Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or engine.url.query.get("mode") == "memory":
        raise BackupError(_("An in-memory SQLite database cannot be backed up or restored."))
    if database.startswith("file:"):
        raise BackupError(_("SQLite URI file names are not supported here: give the database "
                            "as sqlite:///path/to/file."))
    return Path(database).resolve()


def _quick_check(conn: sqlite3.Connection) -> None:
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise BackupError(_("The SQLite database failed its integrity check: %(error)s",
                            error=result))


def dump_sqlite(engine: sa.Engine, work: Path) -> tuple[Path, dict]:
    source = _sqlite_path(engine)
    if not source.is_file():
        raise BackupError(_("The database file %(path)s does not exist.", path=source))
    target = work / "rekomstat.sqlite3"
    src = sqlite3.connect(source.as_uri() + "?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent state even while the app writes.
        src.backup(dst)
    finally:
        src.close()
    try:
        _quick_check(dst)
        info = {
            "tables": _sqlite_counts(dst),
            "alembic_revision": ",".join(sorted(
                _sqlite_scalars(dst, "alembic_version", "version_num"))) or None,
            "attachments": _sqlite_scalars(dst, "attachment", "stored_name"),
            "server_version": sqlite3.sqlite_version,
        }
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        dst.close()
    return target, info


def restore_sqlite(engine: sa.Engine, staged: Path) -> None:
    check = sqlite3.connect(staged)
    try:
        _quick_check(check)
    except sqlite3.DatabaseError as exc:
        raise BackupError(_("The database in the archive cannot be opened: %(error)s",
                            error=exc)) from exc
    finally:
        check.close()
    target = _sqlite_path(engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".restore")
    try:
        with os.fdopen(fd, "wb") as out, open(staged, "rb") as src:
            shutil.copyfileobj(src, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        if target.exists():
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        release_connections(engine)
        # Journals of the old database must not be applied to the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


# --- PostgreSQL ------------------------------------------------------------------------------


def libpq_connection(url: sa.URL) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment carrying it: the
    password never appears on a command line (ps shows those to every user)."""
    from psycopg.conninfo import make_conninfo

    params = {}
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = str(url.port)
    if url.username:
        params["user"] = url.username
    if url.database:
        params["dbname"] = url.database
    for key, value in url.query.items():
        params[key] = value[-1] if isinstance(value, tuple) else value
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return make_conninfo("", **params), env


def _tool_major(path: str) -> tuple[int | None, str]:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30,
                             check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None, ""
    match = re.search(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?", out) or re.search(
        r"(\d+)\.(\d+)", out)
    if not match:
        return None, out
    major = int(match.group(1))
    return major, match.group(0).split()[-1]


def find_pg_tool(name: str, min_major: int) -> tuple[str, int]:
    """The path and major version of ``pg_dump``/``pg_restore``, at least ``min_major``.

    PG_BIN_DIR (config or environment) names the only folder to use; without it the tool on
    PATH is tried, then Debian's /usr/lib/postgresql/<version>/bin, newest first.
    """
    bin_dir = current_app.config.get("PG_BIN_DIR") or os.environ.get("PG_BIN_DIR")
    if bin_dir:
        candidates = [str(Path(bin_dir) / name)]
    else:
        candidates = [p for p in [shutil.which(name)] if p]

        def version_of(path: str) -> int:
            match = re.search(r"/postgresql/(\d+)/bin/", path)
            return int(match.group(1)) if match else 0

        candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version_of,
                             reverse=True)
    found = []
    for path in candidates:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            continue
        major, version = _tool_major(path)
        if major is None:
            continue
        if major >= min_major:
            return path, major
        found.append((major, version, path))
    if not found:
        raise BackupError(_(
            "%(tool)s was not found. Install the PostgreSQL client tools of version %(major)d "
            "or newer (Debian: apt-get install postgresql-client-%(major)d), or set PG_BIN_DIR "
            "to the folder that holds them.", tool=name, major=min_major))
    major, version, path = max(found)
    raise BackupError(_(
        "%(tool)s %(version)s (%(path)s) is older than PostgreSQL %(major)d, which it must "
        "work with. Install the PostgreSQL client tools of version %(major)d or newer (Debian: "
        "apt-get install postgresql-client-%(major)d), or set PG_BIN_DIR to the folder that "
        "holds them.", tool=name, version=version, path=path, major=min_major))


def server_major_of(conn) -> int:
    return int(conn.execute(sa.text("SHOW server_version_num")).scalar()) // 10000


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join((text or "").strip().splitlines()[-lines:])


def dump_postgres(engine: sa.Engine, work: Path) -> tuple[Path, dict]:
    target = work / "rekomstat.pgdump"
    conninfo, env = libpq_connection(engine.url)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            server_major = server_major_of(conn)
            server_version = conn.execute(sa.text("SHOW server_version")).scalar()
            tool, tool_major = find_pg_tool("pg_dump", server_major)
            # pg_dump reads the very snapshot the counts below are taken in.
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar()
            info = {
                "tables": _pg_counts(conn),
                "alembic_revision": ",".join(sorted(
                    _pg_scalars(conn, "alembic_version", "version_num"))) or None,
                "attachments": _pg_scalars(conn, "attachment", "stored_name"),
                "server_version": server_version,
                "pg_dump_major": tool_major,
            }
            result = subprocess.run(
                [tool, "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                 f"--file={target}", f"--dbname={conninfo}"],
                env=env, capture_output=True, text=True, check=False,
            )
            if result.returncode != 0:
                raise BackupError(_("pg_dump failed: %(error)s", error=_tail(result.stderr)))
    return target, info


def restore_postgres(engine: sa.Engine, staged: Path, tool: str) -> None:
    conninfo, env = libpq_connection(engine.url)
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + f" -c lock_timeout={PG_LOCK_TIMEOUT}").strip()
    release_connections(engine)
    # --no-privileges: GRANTs name roles of the source server, which the target may not have.
    result = subprocess.run(
        [tool, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         f"--dbname={conninfo}", str(staged)],
        env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BackupError(_("pg_restore failed; it ran in one transaction, so the database is "
                            "as it was before: %(error)s", error=_tail(result.stderr)))


# --- identity numbers in a copy of the database -----------------------------------------------


def identity_values(dialect: str, db_file: Path, columns, tool: str | None = None
                    ) -> Iterator[tuple[str, str]]:
    """(table, stored text) of every value of ``columns`` ((table name, column name) pairs)
    in a copy of the database: the SQLite file, or the pg_dump archive, which ``pg_restore``
    (``tool``) turns into its COPY text, read a line at a time. Rows are streamed, never a
    table at once; a table or column the copy lacks (an older schema) holds nothing."""
    if dialect == "sqlite":
        return _sqlite_identity_values(db_file, columns)
    return _pgdump_identity_values(db_file, columns, tool)


def _unreadable_copy(exc) -> BackupError:
    return BackupError(_("The database in the archive cannot be opened: %(error)s", error=exc))


def _sqlite_identity_values(db_file: Path, columns) -> Iterator[tuple[str, str]]:
    try:
        conn = sqlite3.connect(Path(db_file).resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        raise _unreadable_copy(exc) from exc
    try:
        for table, column in columns:
            have = {row[1] for row in conn.execute(
                f"PRAGMA table_info({_quote_sqlite(table)})")}
            if column not in have:
                continue
            col = _quote_sqlite(column)
            cursor = conn.execute(
                f"SELECT {col} FROM {_quote_sqlite(table)} WHERE {col} IS NOT NULL "
                f"AND {col} <> ''")
            for (value,) in cursor:
                yield table, value if isinstance(value, str) else str(value)
    except sqlite3.DatabaseError as exc:
        raise _unreadable_copy(exc) from exc
    finally:
        conn.close()


_COPY_HEADER = re.compile(rb"^COPY (?P<table>\S+) \((?P<columns>.*)\) FROM stdin;$")
_COPY_NAME = re.compile(rb'"((?:[^"]|"")*)"|([^,.\s"]+)')
_COPY_ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)", re.DOTALL)
_COPY_CHARS = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _copy_name(text: bytes) -> str:
    """The last part of a (schema-qualified, maybe quoted) name of a COPY line."""
    names = [(q.replace(b'""', b'"') if q or not p else p).decode()
             for q, p in _COPY_NAME.findall(text)]
    return names[-1] if names else ""


def _copy_unescape(field: bytes) -> bytes:
    """A field of PostgreSQL's COPY text format as it was stored."""
    if b"\\" not in field:
        return field

    def one(match):
        code = match.group(1)
        if code[:1] == b"x":
            return bytes([int(code[1:], 16)])
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _COPY_CHARS.get(code, code)

    return _COPY_ESCAPE.sub(one, field)


def _pgdump_identity_values(dump: Path, columns, tool: str) -> Iterator[tuple[str, str]]:
    wanted: dict = {}
    for table, column in columns:
        wanted.setdefault(table, []).append(column)
    if not wanted:
        return
    # pg_restore's --table names a table exactly (no pattern, no schema); without --dbname the
    # data comes out as COPY text on stdout, as it is read from the archive.
    args = [tool, "--data-only", "--file=-", *(f"--table={t}" for t in wanted), str(dump)]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err)
        try:
            table, positions = None, []
            for raw in proc.stdout:
                line = raw[:-1] if raw.endswith(b"\n") else raw
                if table is None:
                    header = _COPY_HEADER.match(line)
                    if header:
                        table = _copy_name(header.group("table"))
                        names = [_copy_name(part) for part in
                                 header.group("columns").split(b",")]
                        positions = [names.index(c) for c in wanted.get(table, [])
                                     if c in names]
                    continue
                if line == b"\\.":
                    table, positions = None, []
                    continue
                if not positions:
                    continue
                fields = line.split(b"\t")
                for i in positions:
                    value = fields[i] if i < len(fields) else b"\\N"
                    if value == b"\\N":
                        continue
                    text = _copy_unescape(value).decode("utf-8", "replace")
                    if text:
                        yield table, text
            returncode = proc.wait()
        finally:
            if proc.poll() is None:  # the reader stopped early
                proc.kill()
                proc.wait()
            proc.stdout.close()
        if returncode != 0:
            err.seek(0)
            raise BackupError(_("pg_restore could not read the database in the archive: "
                                "%(error)s", error=_tail(err.read().decode("utf-8", "replace"))))
