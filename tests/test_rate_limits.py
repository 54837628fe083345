"""Login, registration and the public forms are rate-limited per address (Flask-Limiter)."""
from __future__ import annotations

import pytest

from conftest import app_config


@pytest.fixture(scope="module")
def limited(app):
    from app import create_app

    return create_app({**app_config(), "RATELIMIT_ENABLED": True, "AUTH_RATE_LIMITED": True,
                       "AUTH_RATE_LIMIT": "3 per minute", "PUBLIC_FORM_RATE_LIMIT": "3 per minute",
                       "KIOSK_RATE_LIMIT": "3 per minute",
                       "CATALOGUE_API_RATE_LIMIT": "3 per minute",
                       "AUTH_LOCKOUT": "3 per 15 minutes"})


@pytest.mark.parametrize("path,data", [
    ("/login/", {"username": "admin", "password": "salah-sandi"}),
    ("/register/form", {"username": "x"}),
    ("/portal/password/forgot", {"email": "siapa@bappeda.lubuklinggaukota.go.id"}),
    ("/complaints/new", {"subject": "x"}),
    ("/verify/kodesalah", {}),  # a letter's file checked (the code need not exist)
])
def test_the_fourth_try_in_a_minute_is_refused(limited, path, data):
    client = limited.test_client()
    # A distinct address per form: each limit is counted on its own.
    environ = {"REMOTE_ADDR": f"10.0.{len(path)}.{len(data)}"}
    answers = [client.post(path, data=data, environ_base=environ) for _ in range(4)]
    assert all(r.status_code != 429 for r in answers[:3]), [r.status_code for r in answers]
    assert answers[3].status_code == 429
    # In the user's language, not Werkzeug's English page.
    refusal = answers[3].get_data(as_text=True)
    assert "Terlalu banyak permintaan" in refusal and "Too Many Requests" not in refusal
    # Reading the page is not limited (an unknown letter's code: its "not found" page).
    expected = 404 if path.startswith("/verify/") else 200
    assert client.get(path, environ_base=environ).status_code == expected


def test_the_kiosk_has_its_own_limit(limited):
    from app.ops.bootstrap import ensure_office

    with limited.app_context():
        ensure_office("9901", "Kantor kios uji")  # its own office: no other test's numbers
    client = limited.test_client()
    environ = {"REMOTE_ADDR": "10.9.9.1"}
    answers = [client.post("/queue/?office=9901", environ_base=environ).status_code
               for _ in range(4)]
    assert all(code != 429 for code in answers[:3]) and answers[3] == 429, answers


@pytest.mark.parametrize("path", ["/api/v1/catalogue/", "/api/v1/catalogue/search?q=survei"])
def test_the_open_catalogue_api_is_limited_per_address(limited, path):
    """Anonymous and open: an address reads each endpoint at most the limit per minute."""
    client = limited.test_client()
    environ = {"REMOTE_ADDR": f"10.9.8.{len(path)}"}
    answers = [client.get(path, environ_base=environ).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429], answers
    # Another address is not held back by the first one.
    assert client.get(path, environ_base={"REMOTE_ADDR": "10.9.7.1"}).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/catalogue/download.csv",
                                  "/api/v1/catalogue/download.json"])
def test_a_catalogue_download_counts_as_many_requests(app, path):
    from app import create_app
    from app.catalogue.api import DOWNLOAD_COST

    limit = 2 * DOWNLOAD_COST + 1  # two files, not three
    limited = create_app({**app_config(), "RATELIMIT_ENABLED": True,
                          "CATALOGUE_API_RATE_LIMIT": f"{limit} per minute"})
    client = limited.test_client()
    environ = {"REMOTE_ADDR": f"10.9.6.{len(path)}"}
    answers = [client.get(path, environ_base=environ).status_code for _ in range(3)]
    assert answers == [200, 200, 429], answers
    # The pages of the list are counted on their own.
    assert client.get("/api/v1/catalogue/", environ_base=environ).status_code == 200


def test_limits_are_on_by_default(app):
    """FAB defaults RATELIMIT_ENABLED to False: the production config must switch it on, or
    the login, form and API limits above exist on paper only."""
    from app import create_app
    from config import Config

    assert Config.RATELIMIT_ENABLED is True
    config = {key: value for key, value in app_config().items() if key != "RATELIMIT_ENABLED"}
    assert create_app(config).appbuilder.sm.limiter.enabled is True


# The lock after failed log-ins (per account and address since issue 20) is tested in
# tests/test_account_security.py, on an app whose per-address limit leaves room for it: here
# the fourth try from one address is refused by the limit before any lock could show.


def test_behind_a_proxy_the_client_address_is_limited(app):
    """TRUSTED_PROXIES=1: the address the proxy forwards is counted, not the proxy's own."""
    from app import create_app

    proxied = create_app({**app_config(), "RATELIMIT_ENABLED": True, "TRUSTED_PROXIES": 1,
                          "CATALOGUE_API_RATE_LIMIT": "2 per minute"})
    client = proxied.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    def get(client_address):
        return client.get("/api/v1/catalogue/", environ_base=proxy,
                          headers={"X-Forwarded-For": client_address}).status_code

    assert [get("203.0.113.5") for _ in range(3)] == [200, 200, 429]
    assert get("203.0.113.6") == 200  # another client behind the same proxy
