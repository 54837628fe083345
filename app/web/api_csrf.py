"""CSRF for the REST API when the browser's login cookie is what authenticates a write.

FAB exempts its API blueprints from CSRFProtect (they are meant for JWT), yet its ``protect()``
and our APIs' ``allow_browser_login`` also accept the web form's session: without this, a page
on another site could make a logged-in officer's browser take workflow actions. Here, a write
(POST/PUT/PATCH/DELETE) under /api/ by a session user must come from our own origin (Origin,
else Referer) and carry the page's CSRF token in a header (X-CSRFToken or X-CSRF-Token).

Left alone: requests with ``Authorization: Bearer`` (JWT clients; a browser cannot add that
header cross-site without a CORS preflight, which this app never grants), and anonymous writes
(FAB answers 401/403). The JSON login makes no use of the cookie and has no token to send yet:
it only needs our origin.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/"
LOGIN_PATH = "/api/v1/security/login"
DEFAULT_HEADERS = ("X-CSRFToken", "X-CSRF-Token")
DEFAULT_PORTS = {"http": 80, "https": 443}


def init_app(app) -> None:
    app.before_request(_check_cookie_write)


def _origin(url: str | None) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of a URL, default ports filled in; None when it has none."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS.get(scheme)


def _our_origins() -> set:
    # The address the request was made to (ProxyFix corrects it behind a proxy) and the public
    # one the mails link to (a TLS proxy without TRUSTED_PROXIES shows http:// here).
    urls = (request.host_url, current_app.config.get("PUBLIC_BASE_URL"))
    return {origin for origin in map(_origin, urls) if origin is not None}


def _from_elsewhere() -> bool:
    """True when the browser says the request comes from a page of another origin."""
    sender = request.headers.get("Origin") or request.headers.get("Referer")
    if sender is None:
        return False  # neither sent (privacy settings, scripts): the token decides
    return _origin(sender) not in _our_origins()  # "null" and garbage are elsewhere too


def _has_valid_token() -> bool:
    names = current_app.config.get("WTF_CSRF_HEADERS") or DEFAULT_HEADERS
    token = next((request.headers[name] for name in names if request.headers.get(name)), None)
    if token is None:
        return False
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True


def _refuse():
    response = jsonify(message=_("This request was refused: it did not come from a page of "
                                 "this application. Reload the page and try again."))
    response.status_code = 403
    return response


def _check_cookie_write():
    if request.method not in WRITES or not request.path.startswith(API_PREFIX):
        return None
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None  # switched off like the forms' CSRFProtect (tests)
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return None  # a JWT client: FAB's protect() checks the token
    if not current_user.is_authenticated:
        return None  # no login cookie: nothing to forge; FAB answers 401/403
    if _from_elsewhere():
        return _refuse()
    if request.path.rstrip("/") == LOGIN_PATH:
        return None  # authenticates by the body's password, not the cookie
    if not _has_valid_token():
        return _refuse()
    return None
