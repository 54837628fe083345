"""Security headers (Flask-Talisman): a Content-Security-Policy without inline script, no
framing, no MIME sniffing, a strict referrer policy; HTTPS and HSTS when FORCE_HTTPS is set.

FAB's templates put ``nonce="{{ csp_nonce() }}"`` on their few inline scripts; Talisman
provides that nonce, so no ``'unsafe-inline'`` is needed for scripts. Styles keep it: FAB's
templates use ``style="…"`` attributes throughout.
"""
from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

talisman = Talisman()


def init_app(app: Flask) -> None:
    https = bool(app.config.get("FORCE_HTTPS"))
    talisman.init_app(
        app,
        force_https=https,
        strict_transport_security=https,
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
        session_cookie_http_only=True,
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
    )
