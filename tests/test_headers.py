"""Security headers on every kind of page, and cookies that scripts cannot read."""
from __future__ import annotations

import re

import pytest

from conftest import PASSWORD


@pytest.mark.parametrize("path", ["/", "/login/", "/catalogue/", "/queue/board", "/health"])
def test_public_pages_carry_the_headers(app, world, path):
    r = app.test_client().get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_fab_inline_scripts_carry_the_nonce_of_the_policy(app, clients, world):
    r = clients["officer_x"].get("/activityrequestview/list/")
    nonce = re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", r.get_data(as_text=True))
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)


def test_session_cookie_is_http_only_and_same_site(app, world):
    client = app.test_client()
    r = client.post("/login/", data={"username": "officer_x", "password": PASSWORD})
    cookie = next(v for k, v in r.headers.items() if k == "Set-Cookie" and "session=" in v)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
