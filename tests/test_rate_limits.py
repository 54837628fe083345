"""Login, registration and the public forms are rate-limited per address (Flask-Limiter)."""
from __future__ import annotations

import pytest

from conftest import app_config


@pytest.fixture(scope="module")
def limited(app):
    from app import create_app

    return create_app({**app_config(), "RATELIMIT_ENABLED": True, "AUTH_RATE_LIMITED": True,
                       "AUTH_RATE_LIMIT": "3 per minute", "PUBLIC_FORM_RATE_LIMIT": "3 per minute",
                       "KIOSK_RATE_LIMIT": "3 per minute"})


@pytest.mark.parametrize("path,data", [
    ("/login/", {"username": "admin", "password": "salah-sandi"}),
    ("/register/form", {"username": "x"}),
    ("/portal/password/forgot", {"email": "siapa@bappeda.lubuklinggaukota.go.id"}),
    ("/complaints/new", {"subject": "x"}),
])
def test_the_fourth_try_in_a_minute_is_refused(limited, path, data):
    client = limited.test_client()
    # A distinct address per form: each limit is counted on its own.
    environ = {"REMOTE_ADDR": f"10.0.{len(path)}.{len(data)}"}
    answers = [client.post(path, data=data, environ_base=environ).status_code for _ in range(4)]
    assert all(code != 429 for code in answers[:3]), answers
    assert answers[3] == 429
    # Reading the page is not limited.
    assert client.get(path, environ_base=environ).status_code == 200


def test_the_kiosk_has_its_own_limit(limited):
    from app.bootstrap import ensure_office

    with limited.app_context():
        ensure_office("9901", "Kantor kios uji")  # its own office: no other test's numbers
    client = limited.test_client()
    environ = {"REMOTE_ADDR": "10.9.9.1"}
    answers = [client.post("/queue/?office=9901", environ_base=environ).status_code
               for _ in range(4)]
    assert all(code != 429 for code in answers[:3]) and answers[3] == 429, answers
