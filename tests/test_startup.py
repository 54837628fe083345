"""Cold start: what create_app() imports and sends, and that the deferred `flask db` still works.

Flask-Migrate/Alembic, openpyxl, qrcode, holidays and the backup module are imported on first
use, not at start (bench/run.py's "startup" measures the time; tests never assert times).
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import MIGRATIONS_DIR

from conftest import database_url, is_postgres

ROOT = Path(__file__).resolve().parent.parent

# Each of these is needed by one feature only (migrations, Excel exports, letters, due dates,
# backups): none may be imported by merely starting the app.
DEFERRED = ("flask_migrate", "alembic", "mako", "openpyxl", "lxml", "qrcode", "holidays",
            "app.ops.backup")

PROBE = """
import gc, json, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine
sql = []
event.listen(Engine, "before_cursor_execute", lambda c, cur, statement, *a: sql.append(statement))
from app import create_app
app = create_app()
# What `flask --help` reads of the deferred group must not load it either.
db_help = app.cli.get_command(None, "db").get_short_help_str()
modules = sorted(sys.modules)
gc_after = gc.isenabled()
gc.disable()  # create_app pauses the GC while it builds, and leaves it as it found it
create_app()
print(json.dumps({"modules": modules, "sql": sql, "db_help": db_help, "gc": [gc_after,
                  gc.isenabled()], "commands": sorted(app.cli.commands)}))
"""


def _env(tmp_path, url):
    env = {**os.environ, "DATABASE_URL": url, "REKOMSTAT_INSTANCE": str(tmp_path),
           "LOG_LEVEL": "WARNING"}
    for name in ("FLASK_APP", "FAB_UPDATE_PERMS"):  # production defaults: no permission sync
        env.pop(name, None)
    return env


def _run(args, tmp_path, url):
    return subprocess.run(args, cwd=ROOT, env=_env(tmp_path, url), capture_output=True,
                          text=True, timeout=120)


def test_create_app_imports_no_deferred_module_sends_no_sql_and_restores_gc(app, tmp_path):
    result = _run([sys.executable, "-c", PROBE], tmp_path, database_url())
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    loaded = [m for m in probe["modules"]
              if any(m == name or m.startswith(name + ".") for name in DEFERRED)]
    assert loaded == []
    assert probe["sql"] == []
    assert probe["gc"] == [True, False]
    assert probe["db_help"] == "Perform database migrations."
    assert {"db", "init", "seed-demo", "backup", "restore", "outbox", "search"} <= set(
        probe["commands"])


def test_deferred_migrate_matches_what_flask_migrate_sets_up(app):
    """app.extensions["migrate"] and the `db` group are those of Migrate.init_app."""
    from flask import Flask
    from flask_migrate import Migrate
    from flask_migrate.cli import db as real_group

    from app import db

    reference = Flask("reference")
    Migrate().init_app(reference, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    expected, ours = reference.extensions["migrate"], app.extensions["migrate"]
    assert ours.db is expected.db is db
    assert ours.directory == expected.directory == str(MIGRATIONS_DIR)
    assert ours.migrate.directory == expected.migrate.directory
    # (configure_args itself gains env.py's callbacks once a migration command has run)
    assert ours.migrate.alembic_ctx_kwargs == expected.migrate.alembic_ctx_kwargs
    group = app.cli.get_command(None, "db")
    assert group.get_short_help_str() == real_group.get_short_help_str()
    assert sorted(group.list_commands(None)) == sorted(real_group.list_commands(None))
    assert group.get_command(None, "upgrade") is real_group.get_command(None, "upgrade")


@pytest.mark.skipif(is_postgres(), reason=(
    "a SQLite file of its own whatever the suite's engine: the same test in the SQLite run "
    "(seven `flask` processes, ~20 s)"))
def test_flask_db_upgrade_current_downgrade_on_a_fresh_sqlite_file(app, tmp_path):
    """The real `flask` command (no FLASK_APP, as in production) on an empty SQLite file."""
    from app.ops.backup import code_revision

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    head = code_revision()

    def flask(*args):
        result = _run([sys.executable, "-m", "flask", *args], tmp_path, url)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    usage = flask("db", "--help")
    assert "upgrade" in usage and "--directory" in usage
    assert flask("db", "current").strip() == ""
    flask("db", "upgrade")
    assert flask("db", "current").strip() == f"{head} (head)"
    engine = sa.create_engine(url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        assert {"alembic_version", "ab_user", "activity_request"} <= tables
        flask("db", "downgrade", "base")
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    result = _run([sys.executable, "-m", "flask", "db", "no-such-command"], tmp_path, url)
    assert result.returncode == 2 and "No such command" in result.stderr


def test_flask_db_current_and_check_on_the_suite_database(app, tmp_path):
    """On the suite's engine (SQLite or PostgreSQL), migrated to head by the `app` fixture."""
    from app.ops.backup import code_revision

    def flask(*args):
        result = _run([sys.executable, "-m", "flask", *args], tmp_path, database_url())
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    assert flask("db", "current").strip() == f"{code_revision()} (head)"
    flask("db", "check")  # autogenerate's comparison: the models and the migrations agree


def test_excel_export_works_with_openpyxl_imported_on_use(app):
    from openpyxl import load_workbook

    from app.reports import exports

    with app.test_request_context():
        data = exports.request_register_xlsx([])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("1F4E79")
    assert sheet.freeze_panes == "A2" and sheet.max_row == 1


def test_sqlite_runs_in_write_ahead_log_mode(tmp_path):
    """The embedded SQLite under several workers: write-ahead log (readers never wait for a
    writer, a commit is one fsync of the log) and a busy timeout (app/web/sqlite_setup.py)."""
    from app import create_app

    path = tmp_path / "wal.db"
    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                              "TESTING": True})
    with application.app_context():
        session = application.appbuilder.session
        assert session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10_000
        session.remove()
