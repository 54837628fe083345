"""Migrations, configuration, CLI, /health and run.py: the set-up a fresh machine relies on."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

import config as config_module
from app import create_app
from app.catalogue import search

from conftest import PASSWORD, TEST_IDENTITY_KEY, app_config, database_url, is_postgres

ROOT = Path(__file__).resolve().parent.parent


def _tables(url):
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_upgrade_downgrade_upgrade(scratch_url):
    from flask_migrate import downgrade, upgrade

    app = create_app(app_config(scratch_url))
    with app.app_context():
        upgrade()
        assert set(Model.metadata.tables) <= _tables(scratch_url)
        downgrade(revision="base")
        assert _tables(scratch_url) <= {"alembic_version"}
        upgrade()
        assert set(Model.metadata.tables) <= _tables(scratch_url)
        app.appbuilder.session.remove()
        db_engine = app.extensions["sqlalchemy"].engine
        db_engine.dispose()


def test_migrations_match_the_models(app):
    """A model change without its migration fails here."""
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        with engine.connect() as conn:
            # The full-text index is raw SQL of the migration (FTS5 / tsvector), not a model.
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": search.include_name})
            diff = compare_metadata(ctx, Model.metadata)
    assert diff == []


def test_constraints_refuse_bad_rows(app, world):
    """States and SKM answers are constrained in the database itself, not only in forms."""
    from app import models as m

    with app.app_context():
        session = app.appbuilder.session
        bad_state = m.ActivityRequest(
            tracking_code="RKS-BADSTATE", office_id=world.offices["1674"],
            applicant_id=world.users["applicant_a"], title="x", year=2026, state="approved",
        )
        session.add(bad_state)
        with pytest.raises(sa.exc.IntegrityError):
            session.flush()
        session.rollback()
        req_id = session.scalars(sa.select(m.ActivityRequest.id)).first()
        session.add(m.Rating(request_id=req_id, office_id=world.offices["1674"],
                             **{f"e{i}": 5 if i == 1 else 3 for i in range(1, 10)}))
        with pytest.raises(sa.exc.IntegrityError):
            session.flush()
        session.rollback()


def test_health_ok(app):
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_health_unreachable_database(tmp_path):
    if is_postgres():
        url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1
    else:
        url = f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"
    app = create_app(app_config(url))
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_secret_key_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config_module._secret_key(tmp_path)
    second = config_module._secret_key(tmp_path)
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert config_module._secret_key(tmp_path) == "from-env"


def test_database_url_defaults_and_normalises(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config_module._database_url(tmp_path) == f"sqlite:///{tmp_path / 'rekomstat.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert config_module._database_url(tmp_path) == "postgresql+psycopg://u@h/db"


def test_default_office_seeded(app):
    from app import models as m

    with app.app_context():
        session = app.appbuilder.session
        office = session.scalars(sa.select(m.Office).where(m.Office.code == "1674")).one()
        assert office.name == "BPS Kota Lubuklinggau"
        assert "Perumdam" in office.address
        assert office.parent is not None and office.parent.code == "1600"
        setting = session.scalars(
            sa.select(m.OfficeSetting).where(m.OfficeSetting.office_id == office.id)
        ).one()
        assert setting.classification_code == "VS.300"
        assert setting.sla_working_days == 30
        items = session.scalars(
            sa.select(m.ChecklistItem).where(m.ChecklistItem.office_id == office.id)
        ).all()
        assert len(items) == 9


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_create_user_in_office(app, world):
    result = _cli(app, "create-user", "--role", "Head", "--username", "kepala_cli",
                  "--email", "kepala_cli@rekomstat.test", "--password", PASSWORD,
                  "--office", "1671")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="kepala_cli")
        assert [r.name for r in user.roles] == ["Head"]
        assert user.office.code == "1671"


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "Officer", "--username", "admin", "--email", "new@rekomstat.test"],
        ["--role", "Officer", "--username", "baru", "--email", "x@rekomstat.test",
         "--office", "0000"],
        ["--role", "Wizard", "--username", "baru2", "--email", "y@rekomstat.test"],
    ],
)
def test_cli_create_user_refuses_bad_input(app, args):
    with app.app_context():
        before = len(app.appbuilder.sm.get_all_users())
    result = _cli(app, "create-user", *args, "--password", PASSWORD)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    with app.app_context():
        assert len(app.appbuilder.sm.get_all_users()) == before


def test_seed_roles_is_idempotent_and_restores_the_matrix(app):
    with app.app_context():
        sm = app.appbuilder.sm
        officer = sm.find_role("Officer")
        before = {str(p) for p in officer.permissions}
        # Someone grants the Officer an admin-only permission by hand ...
        extra = sm.find_permission_view_menu("can_list", "OutboundEmailView")
        officer.permissions.append(extra)
        app.appbuilder.session.commit()
    assert _cli(app, "seed-roles").exit_code == 0
    assert _cli(app, "seed-roles").exit_code == 0
    with app.app_context():
        after = {str(p) for p in app.appbuilder.sm.find_role("Officer").permissions}
    assert after == before  # ... and the next sync takes it back


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_py_bootstraps_and_serves(tmp_path, scratch_url):
    """`python run.py --port N` on an empty database: migrates, seeds, prints the admin, serves."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": scratch_url, "REKOMSTAT_INSTANCE": str(tmp_path),
           "ADMIN_PASSWORD": ""}
    env.pop("SECRET_KEY", None)
    proc = subprocess.Popen(
        [sys.executable, "run.py", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    body = r.read().decode()
                    break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        assert body is not None and '"ok"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert "First admin: admin / " in output
    assert (tmp_path / "secret_key").exists()


def test_without_mail_server_messages_go_to_the_log(app, caplog):
    from flask_mail import Message

    from app import mail

    assert app.config["MAIL_LOG_ONLY"] and not app.config["MAIL_SERVER"]
    with app.app_context(), caplog.at_level("INFO", logger="app.notify"):
        mail.send(Message("Permohonan diterima", recipients=["a@rekomstat.test"],
                          body="Kode pelacakan RKS-ABC", sender="rekomstat@localhost"))
    assert "a@rekomstat.test" in caplog.text and "RKS-ABC" in caplog.text


def test_seed_demo_fills_every_state_repeatably(scratch_url, tmp_path):
    """`flask seed-demo` on a fresh database, twice: every state, consistent letter numbers."""
    from app import models as m
    from app.ops.bootstrap import bootstrap

    app = create_app(app_config(scratch_url))
    with app.app_context():
        bootstrap()
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo", "--requests", "60", "--seed", "7"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        session = app.appbuilder.session
        states = set(session.scalars(sa.select(m.ActivityRequest.state).distinct()))
        assert states == set(m.REQUEST_STATES)
        assert session.scalar(sa.select(sa.func.count(m.ActivityRequest.id))) == 120
        # Issued letters: numbered 1..N per office and year without gaps, counter in step.
        for office_id, year, last in session.execute(
            sa.select(m.LetterCounter.office_id, m.LetterCounter.year,
                      m.LetterCounter.last_sequence)
        ):
            seqs = sorted(session.scalars(
                sa.select(m.Letter.sequence).where(
                    m.Letter.office_id == office_id, m.Letter.year == year,
                    m.Letter.sequence.is_not(None),
                )
            ))
            assert seqs == list(range(1, last + 1))
        # Due dates follow the office's real calendar: never a weekend, holiday or cuti bersama.
        from app.offices.workdays import office_calendar

        office_id = session.scalars(sa.select(m.Office.id).where(m.Office.code == "1674")).one()
        calendar = office_calendar(session, office_id)
        dues = session.scalars(sa.select(m.ActivityRequest.due_date).where(
            m.ActivityRequest.due_date.is_not(None))).all()
        assert dues and all(calendar.is_working_day(d) for d in dues)
        staff = {u.username for u in app.appbuilder.sm.get_all_users()}
        assert {"petugas1", "petugas2", "kepala"} <= staff
        session.remove()
        app.extensions["sqlalchemy"].engine.dispose()


def test_flask_command_finds_the_app_and_fab_commands_work(app, world, tmp_path):
    """No FLASK_APP, no .flaskenv: `flask` finds create_app in the app package."""
    # The test database's identity key: another key cannot read its users' numbers.
    env = {**os.environ, "DATABASE_URL": database_url(), "REKOMSTAT_INSTANCE": str(tmp_path),
           "IDENTITY_KEYS": TEST_IDENTITY_KEY}
    env.pop("FLASK_APP", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "fab", "list-users"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "username:officer_x" in result.stdout and "role:[Officer]" in result.stdout
