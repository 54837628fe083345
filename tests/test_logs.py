"""Structured logs with request ids (app/web/logs.py): the id of every request in its response
header and on every log line it causes, JSON lines, masked tokens, the 500 and 503 answers."""
from __future__ import annotations

import io
import json
import logging
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import g, has_request_context
from flask_appbuilder.api import BaseApi, expose, safe
from sqlalchemy.exc import IntegrityError, OperationalError

from app.web import logs

from conftest import app_config, login

HEX_ID = re.compile(r"[0-9a-f]{32}")


def _lost_connection() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def lines():
    """The JSON lines logged during the test, by a handler of ours on the root logger."""
    stream = io.StringIO()
    handler = logs.make_handler("json", stream)
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    try:
        yield read
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)


def _access(records: list[dict], path: str) -> dict:
    found = [r for r in records if r["logger"] == logs.ACCESS_LOGGER and r["path"] == path]
    assert len(found) == 1, records
    return found[0]


class FaultApi(BaseApi):
    """FAB's @safe catches an API view's exception itself: the answer must still be right."""

    resource_name = "testfaults"

    @expose("/boom")
    @safe
    def boom(self):
        raise RuntimeError("kaboom in FAB")

    @expose("/db-down")
    @safe
    def db_down(self):
        raise _lost_connection()


@pytest.fixture(scope="module")
def faulty(app, world):
    """An app of its own with routes that fail, answering errors as production does."""
    from app import create_app

    application = create_app({**app_config(), "PROPAGATE_EXCEPTIONS": False})

    @application.get("/test-logs/warn")
    def warn():
        logging.getLogger("app.notify").warning("outbox test warning")
        return "ok"

    @application.get("/test-logs/boom")
    def boom():
        raise RuntimeError("kaboom")

    @application.get("/api/v1/test-logs/boom")
    def api_boom():
        raise RuntimeError("kaboom in the API")

    @application.get("/test-logs/db-down")
    def db_down():
        raise _lost_connection()

    @application.get("/api/v1/test-logs/db-down")
    def api_db_down():
        raise _lost_connection()

    @application.get("/test-logs/integrity")
    def integrity():
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    @application.get("/portal/password/reset/<token>/boom")
    def reset_boom(token):
        raise RuntimeError("kaboom with a token in the path")

    @application.get("/test-logs/expired-user")
    def expired_user():
        from flask_login import current_user

        user = current_user._get_current_object()
        application.appbuilder.session.expire(user)  # as after a commit or a rollback
        g.no_more_sql = True
        return "ok"

    def refuse_sql(*_args, **_kwargs):
        if has_request_context() and g.get("no_more_sql"):
            raise RuntimeError("a query after the view")

    with application.app_context():
        application.appbuilder.add_api(FaultApi)
        from app import db

        sa.event.listen(db.engine, "before_cursor_execute", refuse_sql)
    yield application
    with application.app_context():
        application.appbuilder.session.remove()


# --- the id ----------------------------------------------------------------------------------


def test_an_id_is_made_and_returned(app, lines):
    answer = app.test_client().get("/")
    rid = answer.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(rid)
    assert _access(lines(), "/")["request_id"] == rid
    other = app.test_client().get("/").headers["X-Request-ID"]
    assert other != rid


def test_a_sane_incoming_id_is_kept(app, lines):
    answer = app.test_client().get("/", headers={"X-Request-ID": "lb-7f3a.9C_2"})
    assert answer.headers["X-Request-ID"] == "lb-7f3a.9C_2"
    assert _access(lines(), "/")["request_id"] == "lb-7f3a.9C_2"


@pytest.mark.parametrize("incoming", [
    "abcd1234\nFAKE 200 GET /admin",  # a forged second log line
    "a" * 200,  # too long
    "short",  # too short
    "abcd 1234",
    "<script>1</script>",
])
def test_an_insane_incoming_id_is_replaced_and_never_logged(app, lines, incoming):
    # environ_base: the test client itself refuses a newline in a header.
    answer = app.test_client().get("/", environ_base={"HTTP_X_REQUEST_ID": incoming})
    rid = answer.headers["X-Request-ID"]
    assert rid != incoming and HEX_ID.fullmatch(rid)
    records = lines()
    assert _access(records, "/")["request_id"] == rid
    assert incoming not in json.dumps(records) and "FAKE" not in json.dumps(records)


def test_outside_a_request_the_fields_read_dash(lines):
    logging.getLogger("app.notify").warning("from the command line")
    (record,) = [r for r in lines() if r["msg"] == "from the command line"]
    assert (record["request_id"], record["user_id"], record["remote_addr"]) == ("-", "-", "-")


# --- the lines -------------------------------------------------------------------------------


def test_json_lines_carry_the_id_for_access_and_for_a_warning_in_a_view(faulty, world, lines):
    client = login(faulty.test_client(), "applicant_a")
    answer = client.get("/test-logs/warn?token=s3cret-in-the-query")
    rid = answer.headers["X-Request-ID"]
    records = lines()
    (warning,) = [r for r in records if r["msg"] == "outbox test warning"]
    assert warning["level"] == "WARNING" and warning["logger"] == "app.notify"
    assert warning["request_id"] == rid
    assert warning["user_id"] == str(world.users["applicant_a"])
    access = _access(records, "/test-logs/warn")  # the query string is never logged
    assert access["request_id"] == rid and access["level"] == "INFO"
    assert access["method"] == "GET" and access["status"] == 200
    assert isinstance(access["duration_ms"], float)
    assert access["user_id"] == str(world.users["applicant_a"])
    assert access["remote_addr"] == "127.0.0.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", access["ts"])
    assert "s3cret" not in json.dumps(records)


def test_text_lines_carry_the_id(app):
    stream = io.StringIO()
    handler = logs.make_handler("text", stream)
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        rid = app.test_client().get("/").headers["X-Request-ID"]
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
    assert f"INFO rekomstat.access [{rid}]: GET / 200 " in stream.getvalue()


def test_a_reset_token_in_the_path_is_masked(app, lines):
    token = "IjEyMyI.ZmFrZS10b2tlbi1mb3ItdGhlLWxvZy10ZXN0.c2lnbmF0dXJl"
    app.test_client().get(f"/portal/password/reset/{token}")
    app.test_client().get("/portal/password/reset/shorttok")
    app.test_client().get("/verify/ABCDEF123456")
    records = lines()
    assert token not in json.dumps(records)
    assert "shorttok" not in json.dumps(records) and "ABCDEF123456" not in json.dumps(records)
    paths = [r["path"] for r in records if r["logger"] == logs.ACCESS_LOGGER]
    assert paths.count("/portal/password/reset/***") == 2
    assert "/verify/***" in paths


@pytest.mark.parametrize("path,logged", [
    ("/register/activation/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "/register/activation/***"),
    ("/portal/requests/12/letter.pdf", "/portal/requests/12/letter.pdf"),
    ("/catalogue/" + "q" * 40, "/catalogue/***"),
    ("/a\nFAKE", "/a%0AFAKE"),
])
def test_mask_path(path, logged):
    assert logs.mask_path(path) == logged


def test_the_user_id_is_logged_without_a_query(faulty, world, lines):
    """An expired user (after a commit or rollback) is not reloaded for the log line: the
    database may be the thing that just failed."""
    client = login(faulty.test_client(), "applicant_a")
    answer = client.get("/test-logs/expired-user")
    assert answer.status_code == 200
    records = lines()
    assert (_access(records, "/test-logs/expired-user")["user_id"]
            == str(world.users["applicant_a"]))
    assert [r for r in records if r["level"] == "ERROR"] == []


def test_static_files_are_logged_at_debug_only(app, lines):
    app.test_client().get("/static/portal.css")
    assert [r for r in lines() if r["logger"] == logs.ACCESS_LOGGER] == []


def test_init_app_does_not_stack_handlers(app):
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        for fmt in ("json", "text", "json"):
            logs.configure_logging(SimpleNamespace(
                config={"LOG_FORMAT": fmt, "LOG_LEVEL": "INFO"}, logger=app.logger))
        ours = [h for h in root.handlers if getattr(h, "_rekomstat_handler", False)]
        assert len(ours) == 1 and isinstance(ours[0].formatter, logs.JsonFormatter)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


# --- errors ----------------------------------------------------------------------------------


def test_a_500_is_logged_once_with_traceback_and_the_page_shows_the_id(faulty, lines):
    answer = faulty.test_client().get("/test-logs/boom")
    assert answer.status_code == 500
    rid = answer.headers["X-Request-ID"]
    assert rid in answer.get_data(as_text=True)
    assert "text/html" in answer.content_type
    records = lines()
    errors = [r for r in records if r["level"] == "ERROR"]
    assert len(errors) == 1, errors
    assert errors[0]["request_id"] == rid
    assert "Traceback" in errors[0]["exc_info"] and "RuntimeError: kaboom" in errors[0]["exc_info"]
    assert _access(records, "/test-logs/boom")["status"] == 500


def test_a_500_logs_the_masked_path(faulty, lines):
    token = "t" * 40
    answer = faulty.test_client().get(f"/portal/password/reset/{token}/boom")
    assert answer.status_code == 500
    records = lines()
    assert token not in json.dumps(records)
    (error,) = [r for r in records if r["level"] == "ERROR"]
    assert "/portal/password/reset/***/boom" in error["msg"]


def test_a_500_under_api_answers_json_with_the_id(faulty, lines):
    answer = faulty.test_client().get("/api/v1/test-logs/boom")
    assert answer.status_code == 500
    body = answer.get_json()
    assert body["request_id"] == answer.headers["X-Request-ID"] and body["message"]


def test_fab_safe_500_gets_the_id_too(faulty, lines):
    answer = faulty.test_client().get("/api/v1/testfaults/boom")
    assert answer.status_code == 500
    rid = answer.headers["X-Request-ID"]
    assert answer.get_json()["request_id"] == rid
    errors = [r for r in lines() if r["level"] == "ERROR"]
    assert len(errors) == 1 and errors[0]["request_id"] == rid
    assert "kaboom in FAB" in errors[0]["exc_info"]


def test_a_lost_database_answers_503_with_retry_after(faulty, lines):
    answer = faulty.test_client().get("/test-logs/db-down")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    rid = answer.headers["X-Request-ID"]
    page = answer.get_data(as_text=True)
    assert rid in page
    records = lines()
    (warning,) = [r for r in records if r["logger"] == "app.web.logs"]
    assert warning["level"] == "WARNING" and warning["request_id"] == rid
    assert "server closed the connection" in warning["msg"] and "SELECT" not in warning["msg"]
    assert _access(records, "/test-logs/db-down")["status"] == 503
    # The session is usable again after the rollback.
    with faulty.app_context():
        assert faulty.appbuilder.session.execute(sa.text("SELECT 1")).scalar() == 1


def test_the_503_page_renders_when_even_the_user_cannot_be_loaded(faulty, monkeypatch, lines):
    """The database is gone before the view: loading the logged-in user fails, and the error
    page itself must not try again (Flask-Login's template context would)."""
    client = login(faulty.test_client(), "applicant_a")

    def unreachable(_user_id):
        raise _lost_connection()

    monkeypatch.setattr(faulty.login_manager, "_user_callback", unreachable)
    answer = client.get("/portal/")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    page = answer.get_data(as_text=True)
    assert "<html" in page and answer.headers["X-Request-ID"] in page


@pytest.mark.parametrize("path", ["/api/v1/test-logs/db-down", "/api/v1/testfaults/db-down"])
def test_a_lost_database_under_api_answers_503_json(faulty, lines, path):
    answer = faulty.test_client().get(path)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    body = answer.get_json()
    assert body["request_id"] == answer.headers["X-Request-ID"] and body["message"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"  # the security headers stay


def test_other_database_errors_stay_500(faulty, lines):
    answer = faulty.test_client().get("/test-logs/integrity")
    assert answer.status_code == 500
    (error,) = [r for r in lines() if r["level"] == "ERROR"]
    assert "IntegrityError" in error["exc_info"]


def test_a_body_beyond_the_limit_is_refused_with_the_limit_named(app, clients):
    """MAX_CONTENT_LENGTH: werkzeug refuses before reading it all; the page says why."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    client = clients["applicant_a"]
    answer = client.post("/portal/requests/new", data={"title": "x" * (limit + 1)})
    assert answer.status_code == 413
    page = answer.get_data(as_text=True)
    assert "terlalu besar" in page and f"{app.config['MAX_UPLOAD_MB']} MB" in page
    assert answer.headers["X-Request-ID"] in page
    api = client.post("/api/v1/requests/", data=b"{" + b" " * (limit + 1) + b"}",
                      content_type="application/json")
    assert api.status_code == 413 and "terlalu besar" in api.get_json()["message"]


def test_a_login_without_next_logs_no_redirect_warning(app, world, caplog):
    """FAB warns of an "invalid redirect" after every log-in; only a real one is worth it."""
    import logging

    from conftest import PASSWORD

    with caplog.at_level(logging.WARNING, logger="flask_appbuilder.utils.base"):
        client = app.test_client()
        client.post("/login/", data={"username": "officer_x", "password": PASSWORD})
        assert "Invalid redirect" not in caplog.text
        client = app.test_client()  # a logout would end officer_x's other sessions
        client.post("/login/?next=https://jahat.example/", data={
            "username": "officer_x", "password": PASSWORD})
        assert "Invalid redirect" in caplog.text
