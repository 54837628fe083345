"""Schemathesis against our own OpenAPI document (/api/v1/_openapi), through the WSGI app: every
operation, with valid and invalid input (schemathesis' positive and negative generation),
anonymous and as an officer with a JWT, answers without a server error (no 5xx).

The officer belongs to a fuzzing office of its own, so the writes it makes (requests recorded,
complaints, workflow actions on the rows it may see) stay out of the offices other tests use;
a request it records is pinned to that office's own applicant. Bounded and repeatable: a few
examples per operation, derandomized, no example database, no shrinking (a 5xx is recorded
with its first example and the traceback's summary, not minimised).
"""
from __future__ import annotations

import logging
import traceback

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from conftest import PASSWORD, ensure_users

OPENAPI = "/api/v1/_openapi"
OFFICE, OFFICE_NAME = "1699", "BPS Kota Uji Fuzz"
OFFICER, APPLICANT = "fuzz_officer", "fuzz_applicant"
# Per operation and generation mode. A JWT-protected operation answers an anonymous caller
# 401 before reading its input: a few examples of those are enough.
EXAMPLES, EXAMPLES_401 = 10, 2


def _run(examples):
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck))


# 5xx whose cause is in FAB's list parameters (page, page_size, q rison), which
# app/web/list_args.py is to turn into 400s: (method, path) -> why. Remove an entry once that fix
# lands; test_known_list_args_5xx then passes strictly and says so.
KNOWN_LIST_ARGS_5XX: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def fuzz_users(app, world):
    from app.ops.bootstrap import ensure_office

    with app.app_context():
        ensure_office(OFFICE, OFFICE_NAME)
        ids = ensure_users(app, OFFICE, ("Officer", OFFICER),
                           ("Applicant", APPLICANT, "", "", None))
        app.appbuilder.session.remove()
    r = app.test_client().post("/api/v1/security/login", json={
        "username": OFFICER, "password": PASSWORD, "provider": "db"})
    assert r.status_code == 200, r.json
    return {**ids, "bearer": {"Authorization": f"Bearer {r.json['access_token']}"}}


class _LastError(logging.Handler):
    """The latest exception the app logged (FAB's @safe and Flask log a 500's cause)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.exc_info = None

    def emit(self, record):
        if record.exc_info:
            self.exc_info = record.exc_info


def _summary(exc_info) -> str:
    if not exc_info:
        return "no traceback logged"
    frames = traceback.extract_tb(exc_info[2])
    ours = [f for f in frames if "/app/" in f.filename] or frames
    where = f"{ours[-1].filename.rsplit('/', 2)[-1]}:{ours[-1].lineno}" if ours else "?"
    return f"{type(exc_info[1]).__name__}: {str(exc_info[1])[:160]} at {where}"


def _needs_login(operation) -> bool:
    return any("jwt" in scheme for scheme in operation.definition.raw.get("security") or [])


def _pin_applicant(case, applicant_id):
    # A valid-looking id for "applicant" would record a request for another test's applicant.
    if isinstance(case.body, dict) and type(case.body.get("applicant")) is int:
        case.body["applicant"] = applicant_id


def _server_errors(app, headers, applicant_id) -> dict:
    """(method, path) -> (status, path params, query, body, cause) of the first 5xx of each
    operation."""
    schema = schemathesis.openapi.from_wsgi(OPENAPI, app)
    errors, handler = {}, _LastError()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            key = (operation.method.upper(), operation.path)
            examples = EXAMPLES if headers or not _needs_login(operation) else EXAMPLES_401
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @_run(examples)
                @given(case=operation.as_strategy(generation_mode=mode))
                def call(case):
                    _pin_applicant(case, applicant_id)
                    handler.exc_info = None
                    try:
                        response = case.call(headers=headers)
                    except Exception as exc:  # an exception the test client let through
                        status, exc_info = 500, (type(exc), exc, exc.__traceback__)
                    else:
                        status, exc_info = response.status_code, handler.exc_info
                    if status >= 500:  # schemathesis' not_a_server_error check
                        errors.setdefault(key, (status, case.path_parameters, case.query,
                                                case.body, _summary(exc_info)))

                call()
    finally:
        root.removeHandler(handler)
    return errors


@pytest.fixture(scope="module")
def found(app, fuzz_users):
    """The 5xx of both runs: anonymous, and as the officer with a JWT."""
    return {who: _server_errors(app, headers, fuzz_users[APPLICANT])
            for who, headers in (("anonymous", {}), ("officer", fuzz_users["bearer"]))}


@pytest.mark.parametrize("who", ["anonymous", "officer"])
def test_no_operation_answers_a_server_error(found, who):
    unexpected = {key: error for key, error in found[who].items()
                  if key not in KNOWN_LIST_ARGS_5XX}
    assert not unexpected, "\n".join(f"{key}: {error}" for key, error in unexpected.items())


@pytest.mark.parametrize("key", [
    pytest.param(key, marks=pytest.mark.xfail(strict=True, reason=why))
    for key, why in KNOWN_LIST_ARGS_5XX.items()
])
def test_known_list_args_5xx(found, key):
    assert all(key not in errors for errors in found.values())


@pytest.mark.parametrize("period", [
    {"start": "0001-01-01", "end": "0001-01-02"},  # found by the run above: was a 500
    {"start": "9999-12-30", "end": "9999-12-31"},
])
def test_the_index_of_a_far_period_is_refused(app, fuzz_users, period):
    r = app.test_client().get("/api/v1/ratings/ikm", query_string=period,
                              headers=fuzz_users["bearer"])
    assert r.status_code == 400
    assert r.json["message"] == "Berikan tanggal dari tahun 1945 sampai 2200."


@pytest.mark.parametrize("body", [
    {"username": "fuzz_officer", "password": "x"},  # found by the run above: was a 500
    {"username": "website", "password": ",Ý½", "refresh": True},
])
def test_the_json_login_without_a_provider_is_refused(app, fuzz_users, body):
    r = app.test_client().post("/api/v1/security/login", json=body)
    assert r.status_code == 400 and "provider" in r.json["message"]
