"""Structured logs with request ids.

Every request gets an id: the incoming ``X-Request-ID`` header when it is a sane token (8-64
characters of ``[A-Za-z0-9._-]``; anything else is dropped unseen, so a header cannot write
into the log), else a new uuid4. It is kept on ``flask.g.request_id``, sent back in the
``X-Request-ID`` response header, shown on the error pages ("Kode kejadian") and stamped,
with the user id and the remote address, on every log record emitted during the request,
whatever logger emits it (SQLAlchemy, FAB, the outbox...); outside a request they read "-".

``LOG_FORMAT``: ``text`` (default: the usual line plus ``[request id]``) or ``json`` (one
object a line: ts, level, logger, msg, request_id, user_id, remote_addr, the access fields,
exc_info). The root logger gets exactly one handler of ours, however many apps a process
creates (the tests create many).

One access line per request on ``rekomstat.access`` (static files at DEBUG): method, path
without its query string and with secret segments masked, status, duration, user. Unhandled
exceptions are logged once, with the traceback and the masked path; the 500 page shows the
id. A lost database connection answers 503 with ``Retry-After`` instead of a 500.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid

import sqlalchemy as sa
from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    jsonify,
    request,
    session,
)
from flask.logging import default_handler
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, NoInspectionAvailable, OperationalError
from werkzeug.exceptions import InternalServerError, RequestEntityTooLarge
from werkzeug.local import LocalProxy

from app.web import fab_internals as fab

HEADER = "X-Request-ID"
NONE = "-"
ACCESS_LOGGER = "rekomstat.access"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
FORMATS = ("text", "json")
RETRY_AFTER_SECONDS = 30

_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_METHOD = re.compile(r"[A-Z]{1,16}")
# Routes whose last part is a secret: a password-reset link, a letter's verification code,
# FAB's account activation hash. Any other segment longer than this is masked too.
SECRET_ROUTES = re.compile(r"^(/portal/password/reset/|/verify/|/register/activation/)[^/]+")
SECRET_SEGMENT_LEN = 32
MASK = "***"
MAX_PATH_CHARS = 300
# Control characters and line breaks a decoded path could carry into a text log line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# Where a request keeps its id and start time: its WSGI environ (per request, unlike ``g``,
# which a test's ``with app.app_context()`` shares between the requests inside it).
_ENV_ID = "rekomstat.request_id"
_ENV_START = "rekomstat.request_start"
_ENV_API_EXC = "rekomstat.api_exception"
_OURS = "_rekomstat_handler"
# Fields a record may carry (``extra=``) that the JSON line includes.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms")

access_log = logging.getLogger(ACCESS_LOGGER)
log = logging.getLogger(__name__)


# --- the request id --------------------------------------------------------------------------


def sane_request_id(value: str | None) -> str | None:
    """The header's value when it is a plain token, else None (never echoed, never logged)."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return None


def current_request_id() -> str:
    """This request's id ("-" outside a request)."""
    if not has_request_context():
        return NONE
    rid = request.environ.get(_ENV_ID)
    if rid is None:  # a hook of another extension logging before ours ran
        rid = request.environ[_ENV_ID] = (
            sane_request_id(request.headers.get(HEADER)) or uuid.uuid4().hex)
    return rid


def _user_id() -> str:
    """The user's id without ever querying the database (logging must not): the user
    Flask-Login or FAB's JWT check has already loaded, else the id in the session cookie."""
    for user in (g.get(fab.LOGIN_USER), g.get("user")):
        # FAB's g.user is often the current_user proxy: touching it would load the user.
        if user is not None and type(user) is not LocalProxy:
            user_id = _loaded_id(user)
            if user_id is not None:
                return str(user_id)
    current = session._get_current_object() if session else None
    # dict.get: the session's own get() would mark it accessed (and every answer "Vary: Cookie").
    user_id = dict.get(current, "_user_id") if isinstance(current, dict) else None
    return NONE if user_id is None else str(user_id)


def _loaded_id(user) -> object | None:
    """The primary key of an ORM user as the session knows it: ``user.id`` on an expired
    instance (after a commit or a rollback) would query the database again."""
    try:
        state = sa.inspect(user)
    except NoInspectionAvailable:  # Flask-Login's anonymous user
        return None
    if state.identity:
        return state.identity[0]
    return state.dict.get("id")


def _request_fields() -> tuple[str, str, str]:
    if not has_request_context():
        return NONE, NONE, NONE
    return current_request_id(), _user_id(), request.remote_addr or NONE


def _enrich(record: logging.LogRecord) -> None:
    if hasattr(record, "request_id"):
        return
    try:
        record.request_id, record.user_id, record.remote_addr = _request_fields()
    except Exception:  # noqa: BLE001 — a log line is never lost to its decoration
        record.request_id = record.user_id = record.remote_addr = NONE


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and remote_addr to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _enrich(record)
        return True


# --- formatters and the handler --------------------------------------------------------------


class TextFormatter(logging.Formatter):
    def __init__(self, fmt: str = TEXT_FORMAT):
        super().__init__(fmt)

    def format(self, record: logging.LogRecord) -> str:
        _enrich(record)
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        _enrich(record)
        ts = dt.datetime.fromtimestamp(record.created, dt.UTC)
        data = {
            "ts": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": record.request_id,
            "user_id": record.user_id,
            "remote_addr": record.remote_addr,
        }
        for key in EXTRA_FIELDS:
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exc_info"] = record.exc_text
        if record.stack_info:
            data["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def make_formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (test runners swap it), never a stale copy."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def make_handler(fmt: str = "text", stream=None) -> logging.Handler:
    """A handler with our formatter and filter (``stream`` None: the current stderr)."""
    handler = _StderrHandler() if stream is None else logging.StreamHandler(stream)
    handler.setFormatter(make_formatter(fmt))
    handler.addFilter(RequestContextFilter())
    return handler


def configure_logging(app: Flask) -> None:
    """The root logger's one handler of ours (replaced, not stacked, on every call)."""
    fmt = str(app.config.get("LOG_FORMAT") or "text").strip().lower()
    unknown = fmt not in FORMATS
    if unknown:
        fmt = "text"
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
            handler.close()
    handler = make_handler(fmt)
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # FAB narrates every start-up at INFO; keep its warnings and errors only.
    logging.getLogger(fab.LOGGER).setLevel(logging.WARNING)
    # The development server's own access line carries the query string and unmasked tokens:
    # ours replaces it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Flask's own stderr handler would print the app's records a second time.
    app.logger.removeHandler(default_handler)
    if unknown:
        log.warning("LOG_FORMAT must be one of %s; using text", ", ".join(FORMATS))


# --- paths ------------------------------------------------------------------------------------


def mask_path(path: str) -> str:
    """The path as logged: secret segments masked, control characters escaped, bounded."""
    path = SECRET_ROUTES.sub(lambda m: m.group(1) + MASK, path)
    path = "/".join(MASK if len(part) > SECRET_SEGMENT_LEN else part
                    for part in path.split("/"))
    path = _UNPRINTABLE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), path)
    if len(path) > MAX_PATH_CHARS:
        path = path[:MAX_PATH_CHARS] + "…"
    return path


def _method() -> str:
    return request.method if _METHOD.fullmatch(request.method or "") else "OTHER"


def _is_static() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def _is_api() -> bool:
    return request.path.startswith("/api/")


# --- request hooks ---------------------------------------------------------------------------


def _begin_request() -> None:
    environ = request.environ
    environ[_ENV_START] = time.perf_counter()
    incoming = request.headers.get(HEADER)
    rid = sane_request_id(incoming)
    if rid is None:
        rid = uuid.uuid4().hex
        if incoming:
            log.debug("ignored a malformed %s header (%d characters)", HEADER, len(incoming))
    environ[_ENV_ID] = rid
    g.request_id = rid


def _finish_request(response: Response) -> Response:
    rid = current_request_id()
    response = _api_error_body(response, rid)
    response.headers[HEADER] = rid
    _log_access(response)
    return response


def _log_access(response: Response) -> None:
    try:
        _write_access_line(response)
    except Exception:
        log.exception("the access line could not be written")


def _write_access_line(response: Response) -> None:
    start = request.environ.get(_ENV_START)
    duration_ms = round((time.perf_counter() - start) * 1000, 1) if start else None
    method, path, status = _method(), mask_path(request.path), response.status_code
    access_log.log(
        logging.DEBUG if _is_static() else logging.INFO,
        "%s %s %s %sms user=%s", method, path, status, duration_ms, _user_id(),
        extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
    )


# --- errors ----------------------------------------------------------------------------------


def database_unavailable(error: BaseException | None) -> bool:
    """The database cannot be reached (or the connection just died): "try again later"."""
    return isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and bool(error.connection_invalidated))


def _rollback() -> None:
    try:
        from app.extensions import db

        db.session.rollback()
    except Exception:  # the connection is gone; the session is discarded anyway
        log.debug("rollback after a database error failed", exc_info=True)


def _render(template: str, status: int, **context) -> Response:
    rid = current_request_id()
    try:
        # Straight from the environment, without the context processors: Flask-Login's loads
        # the user, i.e. queries the database that may be what just failed.
        body = current_app.jinja_env.get_template(template).render(request_id=rid, **context)
    except Exception:  # an error page must not fail in turn
        log.exception("error page %s could not be rendered", template)
        body = f"Error {status}. Kode kejadian: {rid}\n"
        return Response(body, status, mimetype="text/plain")
    return Response(body, status, mimetype="text/html")


def _unavailable_message() -> str:
    """Read at answer time, in the answer's locale."""
    return _("The service is briefly unavailable; please try again in a few moments.")


def _unavailable_response() -> Response:
    message = _unavailable_message()
    if _is_api():
        response = jsonify(message=message, request_id=current_request_id())
        response.status_code = 503
    else:
        response = _render("errors/503.html", 503, message=message)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_database_error(error: DBAPIError):
    if not database_unavailable(error):
        raise error  # any other database error is a bug: the 500 path logs it
    _rollback()
    cause = error.orig if error.orig is not None else error
    # The driver's own words, first line only: never the statement or its parameters.
    summary = (str(cause).strip().splitlines() or [""])[0][:200]
    log.warning("database unavailable, answered 503: %s: %s", type(cause).__name__, summary)
    return _unavailable_response()


def handle_internal_error(error: InternalServerError):
    if _is_api():
        response = jsonify(message=_("Internal server error"), request_id=current_request_id())
        response.status_code = 500
        return response
    return _render("errors/500.html", 500)


def _log_exception(app: Flask):
    """Flask's log_exception without the raw path (it may carry a token)."""

    def log_exception(exc_info) -> None:
        app.logger.error("unhandled exception on %s %s", _method(), mask_path(request.path),
                         exc_info=exc_info)

    return log_exception


class _RememberApiException(logging.Filter):
    """FAB's ``@safe`` turns an API view's exception into a logged 500 of its own; remember
    the exception so the response can be corrected (503, request id) after the fact."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and has_request_context():
            request.environ[_ENV_API_EXC] = record.exc_info[1]
        return True


class _NoNextIsNoAttack(logging.Filter):
    """FAB warns "Invalid redirect detected" after every log-in without a ``next`` address
    (nothing was asked for, so there was nothing to refuse): keep the warning for a ``next``
    that really points elsewhere, drop it for none."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.getMessage().startswith(fab.INVALID_REDIRECT)
                    and has_request_context() and not request.args.get("next"))


def _api_error_body(response: Response, rid: str) -> Response:
    if not _is_api() or response.status_code != 500 or not response.is_json:
        return response
    # Corrected in place: the other hooks' headers (security, cookies) are already on it.
    if database_unavailable(request.environ.get(_ENV_API_EXC)):
        _rollback()
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.set_data(json.dumps({"message": _unavailable_message(), "request_id": rid}))
        return response
    data = response.get_json(silent=True)
    if isinstance(data, dict) and "request_id" not in data:
        data["request_id"] = rid
        response.set_data(json.dumps(data))
    return response


# --- wiring ----------------------------------------------------------------------------------


def handle_too_large(error: RequestEntityTooLarge):
    """A body beyond MAX_CONTENT_LENGTH, refused before it is read: say what the limit is."""
    message = _("The request is too large: a document may be at most %(mb)d MB.",
                mb=current_app.config.get("MAX_UPLOAD_MB", 10))
    if _is_api():
        response = jsonify(message=message, request_id=current_request_id())
        response.status_code = 413
        return response
    return _render("errors/413.html", 413, message=message)


def init_app(app: Flask) -> None:
    configure_logging(app)
    # First in, so the id exists before any other hook (a 429, a redirect to https) answers;
    # the after-hooks run in reverse, so ours runs last and sees the final status.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin_request)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish_request)
    app.log_exception = _log_exception(app)
    app.register_error_handler(InternalServerError, handle_internal_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    fab_api = logging.getLogger(fab.API_LOGGER)
    if not any(isinstance(f, _RememberApiException) for f in fab_api.filters):
        fab_api.addFilter(_RememberApiException())
    fab_redirects = logging.getLogger(fab.REDIRECT_LOGGER)
    if not any(isinstance(f, _NoNextIsNoAttack) for f in fab_redirects.filters):
        fab_redirects.addFilter(_NoNextIsNoAttack())
