"""Bad input, property-based (hypothesis): the public forms, the upload path and the API.

Each property starts from a valid submission and replaces one field with a hostile value:
longer than its column, of the wrong type, with control characters (NUL included) or lone
surrogates, or valid but awkward text (right-to-left, emoji, combining marks, SQL and HTML
fragments). What must hold:

- never a 5xx;
- invalid input: a 4xx with a message, and the database (and the upload folder) unchanged;
- valid text: stored verbatim (less surrounding blanks, where the form strips them) and
  HTML-escaped where it is shown.

Uploaded file names never reach the filesystem: whatever the name, files appear only inside
UPLOAD_FOLDER, under random names, and no existing file is overwritten.

Runs on SQLite and PostgreSQL (TEST_DATABASE_URL); PostgreSQL is the stricter one (NUL bytes,
VARCHAR lengths, integer ranges), so both must pass.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import re
import uuid
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask_babel import gettext
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from app import models as m
from app.feedback import skm
from app.feedback.pages import COMMENT_MAX, COMPLAINT_TEXT_MAX
from app.portal.forms import TEXT_LIMIT
from app.requests.form import FIELDS, OTHER_FIELDS, VARIABLE_FIELDS, text_limit
from app.requests.uploads import TYPES
from app.web import input_guard

from conftest import OFFICE_X, PASSWORD, seed

FAST = settings(
    max_examples=30, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
FEW = settings(FAST, max_examples=12)

_serial = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_serial)}x{uuid.uuid4().hex[:6]}"


# --- hostile values ----------------------------------------------------------------------------

# C0 controls a browser never sends on its own (tab, LF and CR are ordinary text).
CONTROLS = [chr(c) for c in range(32) if chr(c) not in "\t\n\r"]
SQL_HTML = [
    "'; DROP TABLE activity_request;--",
    "Robert'); DROP TABLE ab_user;--",
    "1' OR '1'='1",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "{{ 7*7 }} {% raw %}${7*7}",
    "%(title)s %s %d {0}",
    "&amp; &lt; &#39;",
]
UNICODE = [
    "Survei Ekonomi مرحبا بالعالم",  # Arabic, right to left
    "שלום עולם 2027",  # Hebrew
    "\u202eevil\u202c txt",  # RTL override
    "👩‍👩‍👧‍👦 🇮🇩 statistik 📊",  # ZWJ sequence, flag
    "e\u0301\u0301 Z\u0364\u0354\u0367\u0311\u0313",  # combining marks
    "Cafe\u0301 vs Café",  # NFD next to NFC: kept as typed
    "ＡＢＣ １２３ ǅ Ⅻ",  # full width, title case, roman numeral
    "零\u200b宽\ufeff空格",  # zero width
    "Ω≈ç√∫ ¡™£¢∞§¶•ªº",
]
# Printable text without controls or surrogates (what a browser may honestly send).
PRINTABLE = st.characters(blacklist_categories=("Cs", "Cc"))


def _nonblank(text: str) -> bool:
    return bool(text.strip())


valid_text = st.one_of(
    st.sampled_from(SQL_HTML + UNICODE),
    st.text(PRINTABLE, min_size=1, max_size=40),
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(SQL_HTML + UNICODE),
              st.text(PRINTABLE, max_size=20)),
).filter(_nonblank)


def valid_text_upto(limit: int):
    """Valid text within ``limit`` characters, including exactly ``limit`` multi-byte ones."""
    return st.one_of(
        valid_text.map(lambda t: t[:limit]).filter(_nonblank),
        st.sampled_from("aé字😀<&'").map(lambda c: c * limit),
    )


def overlong(limit: int):
    """Longer than ``limit`` characters (one- to four-byte ones, and HTML)."""
    return st.builds(lambda c, k: (c * (limit + k))[: limit + k], st.sampled_from(
        ["a", "é", "字", "😀", "<b>", "';--"]), st.integers(1, 40))  # no blanks: forms strip


with_control = st.builds(lambda a, c, b: a + c + b, st.text(PRINTABLE, max_size=10),
                         st.sampled_from(CONTROLS), st.text(PRINTABLE, max_size=10))
# Only JSON can carry these (form data is UTF-8 bytes; werkzeug replaces what is not).
with_surrogate = st.builds(lambda a, s, b: a + s + b, st.text(PRINTABLE, max_size=10),
                           st.sampled_from(["\ud800", "\udfff", "\udc80", "\udbff"]),
                           st.text(PRINTABLE, max_size=10))

json_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(PRINTABLE, max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(PRINTABLE, max_size=5), inner, max_size=3),
    max_leaves=8,
)


# --- helpers -------------------------------------------------------------------------------------

COUNTED = (m.ActivityRequest, m.RequestVariable, m.Attachment, m.AuditEvent, m.Review, m.Letter,
           m.RekomUser, m.RekomRegisterUser, m.Complaint, m.Rating, m.QueueTicket,
           m.OutboundEmail)


def counts(app) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        return {t.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(t))
                for t in COUNTED}


def snapshot(app, model, pk) -> dict:
    """Every column of one row (and, for a request, its variables)."""
    with app.app_context():
        obj = app.appbuilder.session.get(model, pk)
        row = {c.key: getattr(obj, c.key) for c in sa.inspect(model).column_attrs}
        if model is m.ActivityRequest:
            row["variables"] = [(v.position, v.name, v.concept) for v in obj.variables]
        return row


def column_value(app, model, pk, column):
    with app.app_context():
        return getattr(app.appbuilder.session.get(model, pk), column)


def limit_of(model, column) -> int | None:
    return getattr(model.__table__.columns[column].type, "length", None)


def guard_message(app) -> str:
    with app.test_request_context():
        return input_guard._not_allowed_message()


def assert_refused(app, r, before: dict, *, statuses=(400, 422)):
    """A 4xx with a message shown, and no table changed."""
    assert r.status_code in statuses, (r.status_code, r.get_data(as_text=True)[:3000])
    body = r.get_data(as_text=True)
    if r.is_json:
        assert r.json.get("message"), r.json
    else:
        assert re.search(r'alert-danger|help-block|id="bad-input"|has-error', body), body[:3000]
    assert counts(app) == before


def assert_shown_escaped(html: str, value: str):
    assert str(escape(value)) in html
    if "<script>" in value:
        assert "<script>alert(1)</script>" not in html


# --- the guard itself ------------------------------------------------------------------------


@FAST
@given(value=with_control, where=st.sampled_from(["args", "form", "path"]))
def test_control_characters_anywhere_are_refused_with_a_clear_400(app, world, clients, value,
                                                                  where):
    client = clients[None]
    before = counts(app)
    if where == "args":
        r = client.get("/queue/board", query_string={"office": value})
    elif where == "form":
        r = client.post("/complaints/new", data={"subject": value})
    else:
        r = client.get("/verify/" + quote(value, safe="") + "x")
    assert_refused(app, r, before, statuses=(400,))
    assert str(escape(guard_message(app))) in r.get_data(as_text=True)


@FAST
@given(value=with_surrogate, where=st.sampled_from(["value", "key", "nested"]))
def test_lone_surrogates_in_json_are_refused_with_a_clear_400(app, world, api, value, where):
    body = {**API_FORM, "office": world.offices[OFFICE_X]}
    if where == "value":
        body["title"] = value
    elif where == "key":
        body[value] = "x"
    else:
        body["sector"] = {"a": [1, value]}
    before = counts(app)
    r = api("POST", "applicant_a", "/api/v1/requests/", data=raw_json(body),
            content_type="application/json")
    assert_refused(app, r, before, statuses=(400,))
    assert r.json["message"] == guard_message(app)


def test_huge_ids_in_the_url_are_not_found(app, clients, world):
    huge = 10**20
    for user, url in ((None, f"/queue/ticket/{huge}"), ("applicant_a", f"/portal/requests/{huge}"),
                      ("applicant_a", f"/portal/requests/{huge}/edit"),
                      ("applicant_a", f"/portal/documents/{2**31}"),
                      ("applicant_a", f"/api/v1/requests/{huge}")):
        assert clients[user].get(url).status_code == 404, url


# --- the request form (portal) -------------------------------------------------------------------

OFFICE_FIELD = "office_id"


def request_form(world, **changes) -> dict:
    data = {"title": "Survei Sosial Ekonomi Kota Lubuklinggau 2027", "year": "2027",
            "kind": "survey", "agency_name": "Dinas Sosial Kota Lubuklinggau",
            OFFICE_FIELD: str(world.offices[OFFICE_X]), "action": "save",
            "variables-0-name": "Pendapatan rumah tangga",
            "variables-0-concept": "Pendapatan seluruh anggota rumah tangga"}
    data.update(changes)
    return data


def _text_limit(f) -> int:
    return f.max_length or TEXT_LIMIT


# name -> column limit, for every free-text field of the form (variables: row 0)
REQUEST_TEXT_LIMITS = {
    **{name: _text_limit(f) for name, f in FIELDS.items() if f.kind in ("text", "textarea")},
    **{name: limit_of(m.ActivityRequest, name) for name in OTHER_FIELDS},
}
VARIABLE_TEXT_LIMITS = {
    f"variables-0-{f.name}": text_limit(f.name, m.RequestVariable.__table__) or TEXT_LIMIT
    for f in VARIABLE_FIELDS if f.kind in ("text", "textarea")
}
EMAIL_FIELDS = [name for name, f in FIELDS.items() if f.kind == "email"]
DATE_FIELDS = [name for name, f in FIELDS.items() if f.kind == "date"]
SELECT_FIELDS = {name: f.choices for name, f in FIELDS.items() if f.kind in ("select", "multi")}
BOOL_FIELDS = [name for name, f in FIELDS.items() if f.kind == "bool"]
BAD_NUMBERS = {
    "year": ["tahun depan", "2027.5", "1944", "2201", "-2027", "99999999999999999999", "1e3",
             "0x7e3"],
    "sample_size": ["0", "-1", "banyak", "1000000001", "99999999999999999999", "1.5"],
    "field_staff_count": ["-1", "sepuluh", "1000000001", "99999999999999999999"],
    "sampling_error": ["NaN", "sNaN", "Infinity", "-Infinity", "-0.5", "100.5", "lima",
                       "1e400", "1e400000000000"],
}
BAD_DATES = ["2027-02-30", "bukan tanggal", "31-12-2027", "0000-00-00", "99999-01-01",
             "2027-13-01", "-2027-01-01"]
BAD_OFFICES = ["", "abc", "0", "-1", "1.5", "99999999999999999999", str(2**31)]


@st.composite
def invalid_request_change(draw) -> dict:
    """One field of the request form made invalid (the rest stays valid)."""
    kind = draw(st.sampled_from(["long", "long_var", "control", "email", "number", "date",
                                 "date_order", "choice", "bool", "office"]))
    if kind == "long":
        name = draw(st.sampled_from(sorted(REQUEST_TEXT_LIMITS)))
        return {name: draw(overlong(REQUEST_TEXT_LIMITS[name]))}
    if kind == "long_var":
        name = draw(st.sampled_from(sorted(VARIABLE_TEXT_LIMITS)))
        return {name: draw(overlong(VARIABLE_TEXT_LIMITS[name]))}
    if kind == "control":
        name = draw(st.sampled_from(sorted(REQUEST_TEXT_LIMITS) + ["variables-0-name"]))
        return {name: draw(with_control)}
    if kind == "email":
        return {draw(st.sampled_from(EMAIL_FIELDS)): draw(st.one_of(
            st.sampled_from(["bukan-email", "a@", "@b.go.id", "<script>@x.go.id",
                             "a b@dinas.go.id"]),
            overlong(200).map(lambda s: s + "@dinas.lubuklinggaukota.go.id")))}
    if kind == "number":
        name = draw(st.sampled_from(sorted(BAD_NUMBERS)))
        return {name: draw(st.sampled_from(BAD_NUMBERS[name]))}
    if kind == "date":
        return {draw(st.sampled_from(DATE_FIELDS)): draw(st.sampled_from(BAD_DATES))}
    if kind == "date_order":
        stage = draw(st.sampled_from(sorted({n.rsplit("_", 1)[0] for n in DATE_FIELDS
                                              if n.endswith("_start")})))
        start = draw(st.dates(dt.date(2026, 1, 2), dt.date(2030, 12, 31)))
        end = start - dt.timedelta(days=draw(st.integers(1, 400)))
        return {f"{stage}_start": start.isoformat(), f"{stage}_end": end.isoformat()}
    if kind == "choice":
        name = draw(st.sampled_from(sorted(SELECT_FIELDS)))
        value = draw(st.text(PRINTABLE, min_size=1, max_size=20))
        assume(value not in SELECT_FIELDS[name])
        return {name: value}
    if kind == "bool":
        return {draw(st.sampled_from(BOOL_FIELDS)): draw(st.sampled_from(
            ["2", "ya", "true", "-1", "<b>1</b>"]))}
    return {OFFICE_FIELD: draw(st.sampled_from(BAD_OFFICES))}


@pytest.fixture
def draft(app, world, wf):
    with app.app_context():
        return seed(app.appbuilder.session, world, wf, "draft")


@FAST
@given(change=invalid_request_change())
def test_new_request_with_one_bad_field_stores_nothing(app, world, clients, change):
    before = counts(app)
    r = clients["applicant_a"].post("/portal/requests/new", data=request_form(world, **change))
    assert_refused(app, r, before)


@FAST
@given(change=invalid_request_change(), action=st.sampled_from(["save", "submit"]))
def test_editing_a_draft_with_one_bad_field_changes_nothing(app, world, clients, draft, change,
                                                            action):
    change.pop(OFFICE_FIELD, None)  # the office of an existing request is not the form's
    assume(change)
    row = snapshot(app, m.ActivityRequest, draft)
    before = counts(app)
    r = clients["applicant_a"].post(f"/portal/requests/{draft}/edit",
                                    data=request_form(world, action=action, **change))
    assert_refused(app, r, before)
    assert snapshot(app, m.ActivityRequest, draft) == row


@pytest.mark.parametrize("typed,stored", [("2.34567", "2.346"), ("1e-400000000000", "0.000"),
                                          ("100", "100.000"), ("０.５", "0.500")])
def test_a_percentage_is_kept_as_the_column_holds_it(app, world, clients, typed, stored):
    from decimal import Decimal

    r = clients["applicant_a"].post("/portal/requests/new",
                                    data=request_form(world, sampling_error=typed))
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    req_id = int(r.headers["Location"].rsplit("/", 1)[1])
    value = column_value(app, m.ActivityRequest, req_id, "sampling_error")
    assert Decimal(value).quantize(Decimal("0.001")) == Decimal(stored)


VALID_TEXT_FIELDS = sorted(REQUEST_TEXT_LIMITS) + sorted(VARIABLE_TEXT_LIMITS)


@FAST
@given(title=valid_text_upto(REQUEST_TEXT_LIMITS["title"]),
       field=st.sampled_from(VALID_TEXT_FIELDS), data=st.data())
def test_valid_awkward_text_is_stored_verbatim_and_shown_escaped(app, world, clients, title,
                                                                 field, data):
    limit = {**REQUEST_TEXT_LIMITS, **VARIABLE_TEXT_LIMITS}[field]
    value = data.draw(valid_text_upto(limit))
    values = {"title": title, field: value} if field != "title" else {"title": value}
    client = clients["applicant_a"]
    r = client.post("/portal/requests/new", data=request_form(world, **values))
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    req_id = int(re.search(r"/portal/requests/(\d+)$", r.headers["Location"]).group(1))
    with app.app_context():
        req = app.appbuilder.session.get(m.ActivityRequest, req_id)
        if field.startswith("variables-0-"):
            stored = getattr(req.variables[0], field.rsplit("-", 1)[1])
        else:
            stored = getattr(req, field)
        assert stored == value.strip()
        assert req.title == values["title"].strip()
    page = client.get(f"/portal/requests/{req_id}").get_data(as_text=True)
    assert_shown_escaped(page, values["title"].strip())
    edit = client.get(f"/portal/requests/{req_id}/edit").get_data(as_text=True)
    assert_shown_escaped(edit, value.strip())


# --- registration and password reset -------------------------------------------------------------


def registration(**changes) -> dict:
    name = unique("pemohon")
    data = {"username": name, "first_name": "Rina", "last_name": "Marlina",
            "email": f"{name}@bappeda.lubuklinggaukota.go.id", "password": "kata-sandi-rina-1",
            "conf_password": "kata-sandi-rina-1", "id_doc_type": "ktp",
            "id_doc_number": "1674015505900001", "phone": "0812 7000 1234",
            "agency": "Bappeda Kota Lubuklinggau", "position": "Kepala Seksi Data",
            "privacy_consent": "y"}
    data.update(changes)
    return data


REGISTRATION_LIMITS = {
    "username": limit_of(m.RekomRegisterUser, "username"),
    "first_name": limit_of(m.RekomRegisterUser, "first_name"),
    "last_name": limit_of(m.RekomRegisterUser, "last_name"),
    "id_doc_number": limit_of(m.RekomRegisterUser, "id_doc_number"),
    "phone": limit_of(m.RekomRegisterUser, "phone"),
    "agency": limit_of(m.RekomRegisterUser, "agency"),
    "position": limit_of(m.RekomRegisterUser, "position"),
}


@st.composite
def invalid_registration_change(draw) -> dict:
    kind = draw(st.sampled_from(["long", "control", "email", "doc", "password", "missing"]))
    if kind == "long":
        name = draw(st.sampled_from(sorted(REGISTRATION_LIMITS)))
        return {name: draw(overlong(REGISTRATION_LIMITS[name]))}
    if kind == "control":
        return {draw(st.sampled_from(sorted(REGISTRATION_LIMITS) + ["password"])):
                draw(with_control)}
    if kind == "email":
        return {"email": draw(st.one_of(
            st.sampled_from(["bukan-email", "a@", "<script>@x.go.id", "a@b@c.go.id"]),
            overlong(320).map(lambda s: s + "@bappeda.lubuklinggaukota.go.id")))}
    if kind == "doc":
        return {"id_doc_type": draw(st.text(PRINTABLE, max_size=12).filter(
            lambda v: v not in m.ID_DOC_TYPES))}
    if kind == "password":
        password = draw(st.one_of(overlong(256), st.sampled_from(["pendek", "password123"])))
        return {"password": password, "conf_password": password}
    return {draw(st.sampled_from(["username", "first_name", "last_name", "email", "password",
                                  "id_doc_number", "phone", "agency"])): ""}


@FAST
@given(change=invalid_registration_change())
def test_registration_with_one_bad_field_registers_nobody(app, world, change):
    before = counts(app)
    r = app.test_client().post("/register/form", data=registration(**change))
    # The form again with 422 (registration.RekomRegisterView); the guard's refusals are 400.
    assert_refused(app, r, before, statuses=(422, 400))


@FEW
@given(field=st.sampled_from(["first_name", "last_name", "agency", "position", "phone"]),
       data=st.data())  # the identity number is checked by its kind: tests/test_identity.py
def test_registration_keeps_awkward_names_verbatim(app, world, field, data):
    value = data.draw(valid_text_upto(REGISTRATION_LIMITS[field]))
    form = registration(**{field: value})
    r = app.test_client().post("/register/form", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    with app.app_context():
        reg = app.appbuilder.session.scalars(sa.select(m.RekomRegisterUser).where(
            m.RekomRegisterUser.username == form["username"])).one()
        stored = getattr(reg, field)
    assert stored in (value, value.strip())


@FAST
@given(email=st.one_of(
    st.sampled_from(["bukan-email", "", "a@", "'; DROP TABLE ab_user;--@x.go.id"]),
    overlong(320).map(lambda s: s + "@bappeda.lubuklinggaukota.go.id"), with_control))
def test_password_forgot_refuses_bad_addresses(app, world, email):
    before = counts(app)
    r = app.test_client().post("/portal/password/forgot", data={"email": email})
    assert_refused(app, r, before)


@pytest.fixture(scope="module")
def reset_user(app, world):
    from app.auth.registration import reset_token
    from app.ops.bootstrap import create_user

    with app.app_context():
        user = create_user("Applicant", unique("reset"), f"{unique('reset')}@bappeda."
                           "lubuklinggaukota.go.id", PASSWORD)
        return user.id, reset_token(user)


@FAST
@given(change=st.one_of(
    overlong(256).map(lambda p: {"password": p, "confirm": p}),
    with_control.map(lambda p: {"password": p + "-panjang-sekali",
                                "confirm": p + "-panjang-sekali"}),
    st.sampled_from([{"password": "pendek", "confirm": "pendek"},
                     {"password": "kata-sandi-baru-1", "confirm": "kata-sandi-baru-2"},
                     {"password": "", "confirm": ""}])))
def test_password_reset_refuses_bad_passwords_and_keeps_the_old_one(app, reset_user, change):
    user_id, token = reset_user
    old = column_value(app, m.RekomUser, user_id, "password")
    before = counts(app)
    r = app.test_client().post(f"/portal/password/reset/{token}", data=change)
    assert_refused(app, r, before)
    assert column_value(app, m.RekomUser, user_id, "password") == old


@FEW
@given(token=st.one_of(valid_text, overlong(300)))
def test_password_reset_with_a_hostile_token_changes_nothing(app, world, token):
    before = counts(app)
    r = app.test_client().post("/portal/password/reset/" + token.replace("/", "_"),
                               data={"password": "kata-sandi-baru-1",
                                     "confirm": "kata-sandi-baru-1"})
    assert r.status_code < 500 and r.status_code != 200
    assert counts(app) == before


# --- rating and complaints ---------------------------------------------------------------------

ANSWERS = {e.field: "3" for e in skm.ELEMENTS}


@pytest.fixture(scope="module")
def sent_request(app, world, wf):
    with app.app_context():
        return seed(app.appbuilder.session, world, wf, "sent")


def _as_int(value: str):
    try:
        return int(value)
    except ValueError:
        return None


@st.composite
def invalid_rating(draw) -> dict:
    data = dict(ANSWERS)
    kind = draw(st.sampled_from(["answer", "missing", "comment", "control"]))
    element = draw(st.sampled_from(sorted(ANSWERS)))
    if kind == "answer":
        data[element] = draw(st.one_of(
            st.sampled_from(["0", "5", "-1", "1.5", "empat", "99999999999999999999", ""]),
            st.text(PRINTABLE, max_size=8).filter(lambda v: _as_int(v) not in skm.SCALE)))
    elif kind == "missing":
        del data[element]
    elif kind == "comment":
        data["comment"] = draw(overlong(COMMENT_MAX))
    else:
        data[draw(st.sampled_from(["comment", element]))] = draw(with_control)
    return data


@FAST
@given(form=invalid_rating())
def test_a_bad_rating_stores_nothing(app, clients, sent_request, form):
    before = counts(app)
    r = clients["applicant_a"].post(f"/portal/requests/{sent_request}/rating", data=form)
    assert_refused(app, r, before)


@FEW
@given(comment=valid_text_upto(COMMENT_MAX))
def test_a_rating_keeps_an_awkward_comment_verbatim(app, world, wf, clients, comment):
    with app.app_context():
        req_id = seed(app.appbuilder.session, world, wf, "sent")
    r = clients["applicant_a"].post(f"/portal/requests/{req_id}/rating",
                                    data={**ANSWERS, "comment": comment})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    with app.app_context():
        rating = app.appbuilder.session.scalars(sa.select(m.Rating).where(
            m.Rating.request_id == req_id)).one()
        assert rating.comment == comment.strip()


def complaint_form(world, **changes) -> dict:
    data = {"office": str(world.offices[OFFICE_X]), "name": "Rudi Hartono",
            "email": "rudi.hartono@bappeda.lubuklinggaukota.go.id", "phone": "0812-7000-1234",
            "subject": "Surat belum diterima", "text": "Sudah lewat 30 hari kerja.",
            "request_link": "0"}
    data.update(changes)
    return data


COMPLAINT_LIMITS = {"name": limit_of(m.Complaint, "reporter_name"),
                    "email": limit_of(m.Complaint, "reporter_email"),
                    "phone": limit_of(m.Complaint, "reporter_phone"),
                    "subject": limit_of(m.Complaint, "subject"), "text": COMPLAINT_TEXT_MAX}


@st.composite
def invalid_complaint_change(draw) -> dict:
    kind = draw(st.sampled_from(["long", "control", "choice", "email", "phone", "blank"]))
    if kind == "long":
        name = draw(st.sampled_from(sorted(COMPLAINT_LIMITS)))
        suffix = "@bappeda.lubuklinggaukota.go.id" if name == "email" else ""
        return {name: draw(overlong(COMPLAINT_LIMITS[name])) + suffix}
    if kind == "control":
        return {draw(st.sampled_from(sorted(COMPLAINT_LIMITS))): draw(with_control)}
    if kind == "choice":
        return {draw(st.sampled_from(["office", "request_link"])): draw(st.one_of(
            st.sampled_from(["abc", "-1", "99999999999999999999", "1.5", "<b>1</b>"]),
            st.integers(2**31, 2**70).map(str)))}
    if kind == "email":
        return {"email": draw(st.sampled_from(["bukan-email", "a@", "", "a b@c.go.id"]))}
    if kind == "phone":
        return {"phone": draw(st.sampled_from(["telepon saya", "<script>", "12", "'; --"]))}
    return {draw(st.sampled_from(["subject", "text"])): draw(st.sampled_from(["", "   ", "\n"]))}


@FAST
@given(change=invalid_complaint_change())
def test_a_bad_complaint_stores_nothing(app, world, clients, change):
    before = counts(app)
    r = clients[None].post("/complaints/new", data=complaint_form(world, **change))
    assert_refused(app, r, before)


@FEW
@given(field=st.sampled_from(["name", "subject", "text"]), data=st.data())
def test_a_complaint_keeps_awkward_text_verbatim_and_shows_it_escaped(app, world, clients, field,
                                                                       data):
    value = data.draw(valid_text_upto(COMPLAINT_LIMITS[field]))
    r = clients[None].post("/complaints/new", data=complaint_form(world, **{field: value}))
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    code = r.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        complaint = app.appbuilder.session.scalars(sa.select(m.Complaint).where(
            m.Complaint.tracking_code == code)).one()
        stored = complaint.reporter_name if field == "name" else getattr(complaint, field)
    assert stored == value.strip()
    if field == "subject":
        assert_shown_escaped(clients[None].get(f"/complaints/{code}").get_data(as_text=True),
                             value.strip())


# --- the queue kiosk, the catalogue, letter verification -------------------------------------


@pytest.fixture
def office_codes(app, world) -> set[str]:
    with app.app_context():
        return set(app.appbuilder.session.scalars(sa.select(m.Office.code)))


@FAST
@given(office=st.one_of(valid_text, overlong(10), st.sampled_from(SQL_HTML)),
       page=st.sampled_from(["/queue/", "/queue/board"]), method=st.sampled_from(["GET", "POST"]))
def test_the_kiosk_refuses_unknown_offices_and_takes_no_ticket(app, world, clients, office_codes,
                                                               office, page, method):
    assume(office.strip() not in office_codes)
    assume(not (page == "/queue/board" and method == "POST"))
    before = counts(app)
    client = clients[None]
    if method == "GET":
        r = client.get(page, query_string={"office": office})
    else:
        r = client.post(page, data={"office": office})
    assert r.status_code == 404, r.status_code
    assert counts(app) == before


@FAST
@given(params=st.fixed_dictionaries({}, optional={
    "q": st.one_of(valid_text, overlong(600), st.sampled_from(SQL_HTML), with_control),
    "agency": st.one_of(valid_text, overlong(250), with_control),
    "sector": st.one_of(valid_text, with_control),
    "year": st.one_of(st.integers().map(str), valid_text, st.sampled_from(
        ["99999999999999999999", "-1", "1e9", "2027"])),
    "page": st.one_of(st.integers().map(str), valid_text,
                      st.sampled_from(["99999999999999999999", "-5", "0"])),
}))
def test_the_catalogue_search_answers_anything_without_an_error(app, clients, params):
    # A search is read-only: the catalogue drops control characters instead of refusing them.
    r = clients[None].get("/catalogue/", query_string=params)
    assert r.status_code == 200, r.status_code
    html = r.get_data(as_text=True)
    if params.get("q"):
        assert_shown_escaped(html, input_guard.clean(params["q"])[:500])
    assert not input_guard.FORBIDDEN.search(html)


@FAST
@given(params=st.fixed_dictionaries({}, optional={
    "text": st.one_of(valid_text, overlong(3000), st.sampled_from(SQL_HTML), with_control),
    "limit": st.one_of(st.integers().map(str), valid_text),
    "exclude": st.one_of(st.integers().map(str), valid_text),
}))
def test_the_similar_hint_answers_anything_with_json(app, clients, params):
    r = clients[None].get("/catalogue/similar", query_string=params)
    assert r.status_code == 200 and isinstance(r.json, list), r.status_code


@FAST
@given(code=st.one_of(valid_text, overlong(64), st.sampled_from(SQL_HTML)))
def test_verify_with_any_code_is_a_plain_not_found(app, world, clients, code):
    code = code.replace("/", "_")
    assume(code not in (".", ".."))
    r = clients[None].get("/verify/" + code)
    assert r.status_code == 404, r.status_code
    if "<script>" in code:
        assert "<script>alert(1)</script>" not in r.get_data(as_text=True)


# --- uploads -------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _zip(*names) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            z.writestr(name, "<x/>")
    return buf.getvalue()


DOCX = _zip("[Content_Types].xml", "word/document.xml")
XLSX = _zip("[Content_Types].xml", "xl/workbook.xml")
GOOD = {"pdf": PDF, "docx": DOCX, "xlsx": XLSX,
        "doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64}
GOOD["xls"] = GOOD["doc"]
TOKEN_PATH = re.compile(r"[A-Za-z0-9_-]{2}/[A-Za-z0-9_-]{20,}")


@pytest.fixture
def upload_root(app, tmp_path, monkeypatch):
    """UPLOAD_FOLDER four levels down an empty folder: whatever climbs out lands in ``root``."""
    root = tmp_path / "root"
    folder = root / "a" / "b" / "c" / "uploads"
    folder.mkdir(parents=True)
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return root, folder


def _tree(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in path.rglob("*") if p.is_file()}


def _attachments(app) -> list:
    with app.app_context():
        rows = app.appbuilder.session.scalars(sa.select(m.Attachment).order_by(m.Attachment.id))
        return [(a.id, a.original_name, a.stored_name, a.content_type) for a in rows]


def assert_only_random_names_in(root: Path, folder: Path, before: dict[str, str]):
    after = _tree(root)
    outside = {p for p in after if not (root / p).is_relative_to(folder)}
    assert outside == set(), outside  # nothing written outside UPLOAD_FOLDER
    for path, digest in before.items():
        assert after.get(path) == digest, path  # nothing overwritten or removed
    for path in set(after) - set(before):
        assert TOKEN_PATH.fullmatch(str((root / path).relative_to(folder))), path


HOSTILE_NAMES = [
    "../../etc/passwd", "../../../../../../etc/passwd.pdf", "..\\..\\windows\\win.ini.pdf",
    "/etc/passwd.pdf", "C:\\boot.ini.pdf", "surat\x00.pdf", "surat.pdf\x00.exe", "\x00",
    ".", "..", ".pdf", "...pdf", " .pdf", "con.pdf", "NUL.pdf", "aux.docx",
    "<script>alert(1)</script>.pdf", "'; DROP TABLE attachment;--.pdf", "%2e%2e%2fx.pdf",
    "ستاتيستيك.pdf", "📊 data 2027.xlsx", "e\u0301\u0301.docx", "\u202efdp.exe",
    "a" * 300 + ".pdf", "字" * 260 + ".pdf", "surat\r\nX-Header: 1.pdf", "x.PDF", "x.pdf.",
]


@st.composite
def upload_name(draw, existing: list[str]) -> str:
    """A hostile name, a random one, or the name of a file already stored (with and without
    a document extension; the draws do not depend on how many files exist)."""
    stored = st.builds(lambda i, e: (existing[i % len(existing)] if existing else "dokumen") + e,
                       st.integers(0, 1000), st.sampled_from(["", ".pdf"]))
    return draw(st.one_of(
        st.sampled_from(HOSTILE_NAMES),
        st.builds(lambda t, e: t + e, st.text(PRINTABLE, max_size=30),
                  st.sampled_from(["", ".pdf", ".docx", ".xlsx", ".doc", ".xls", ".exe"])),
        stored))


def _existing_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def _post_document(client, req_id, name, data, kind="other", content_type=None):
    file = (io.BytesIO(data), name, content_type) if content_type else (io.BytesIO(data), name)
    return client.post(f"/portal/requests/{req_id}/documents", data={"kind": kind, "file": file})


@FAST
@given(data=st.data(), ext=st.sampled_from(sorted(GOOD)))
def test_uploaded_names_never_reach_the_filesystem(app, clients, draft, upload_root, data, ext):
    root, folder = upload_root
    name = data.draw(upload_name(_existing_names(folder)))
    content = GOOD[ext] if data.draw(st.booleans()) else PDF
    before_files, before_rows = _tree(root), _attachments(app)
    r = _post_document(clients["applicant_a"], draft, name, content)
    # 400: a name with CR/LF breaks the multipart header, and the guard refuses what spills out.
    assert r.status_code in (302, 400, 422), r.status_code
    assert_only_random_names_in(root, folder, before_files)
    rows = _attachments(app)
    if r.status_code != 302:
        assert rows == before_rows and _tree(root) == before_files
        assert re.search(r'alert-danger|id="bad-input"', r.get_data(as_text=True))
        return
    [new] = [row for row in rows if row not in before_rows]
    _id, original, stored, content_type = new
    assert "/" not in original and "\\" not in original and "\x00" not in original
    assert original not in stored and name not in stored
    assert content_type == TYPES[original.rsplit(".", 1)[1].lower()]
    assert (folder / stored[:2] / stored).read_bytes() == content
    assert len(_tree(root)) == len(before_files) + 1


BAD_CONTENT = [
    b"MZ\x90\x00" + b"\x00" * 200,  # a program
    b"<!doctype html><html><script>alert(1)</script></html>",
    b"PK\x03\x04 not really a zip",
    _zip("evil.sh"),  # a zip, not an Office document
    b"#!/bin/sh\nrm -rf /\n",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
]


@FAST
@given(content=st.one_of(st.sampled_from(BAD_CONTENT), st.binary(min_size=1, max_size=300)),
       name=st.sampled_from(["surat.pdf", "kuesioner.docx", "data.xlsx", "lama.doc", "lama.xls",
                             "x.html", "x.exe", "x"]),
       content_type=st.sampled_from([None, "application/pdf", "text/html", "image/png",
                                     "application/octet-stream", "x/\x00y", "multipart/mixed"]))
def test_documents_are_judged_by_content_not_by_name_or_declared_type(app, clients, draft,
                                                                       upload_root, content,
                                                                       name, content_type):
    from app.requests.uploads import detect

    ext = name.rsplit(".", 1)[1] if "." in name else ""
    genuine = ext in TYPES and ext in detect(content)
    root, folder = upload_root
    before_files, before_rows = _tree(root), _attachments(app)
    try:
        r = _post_document(clients["applicant_a"], draft, name, content,
                           content_type=content_type)
    except ValueError:
        return  # the test client itself refuses a header with NUL: nothing was sent
    if genuine:
        assert r.status_code == 302
        assert _attachments(app)[-1][3] == TYPES[ext]  # our type, never the declared one
    else:
        assert r.status_code == 422, r.status_code
        assert _attachments(app) == before_rows and _tree(root) == before_files
    assert_only_random_names_in(root, folder, before_files)


@FEW
@given(extra=st.integers(1, 4096))
def test_an_oversize_document_is_refused(app, clients, draft, upload_root, monkeypatch, extra):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    root, _folder = upload_root
    big = PDF + b"0" * (1024 * 1024 - len(PDF) + extra)
    before_files, before_rows = _tree(root), _attachments(app)
    r = _post_document(clients["applicant_a"], draft, "besar.pdf", big)
    assert r.status_code in (413, 422)
    assert _attachments(app) == before_rows and _tree(root) == before_files


@FEW
@given(kind=st.one_of(st.text(PRINTABLE, max_size=30), overlong(20)))
def test_a_document_of_an_unknown_kind_is_refused(app, clients, draft, upload_root, kind):
    assume(kind not in ("cover_letter", "questionnaire", "request_form", "other"))
    root, _folder = upload_root
    before_files, before_rows = _tree(root), _attachments(app)
    r = _post_document(clients["applicant_a"], draft, "surat.pdf", PDF, kind=kind)
    assert r.status_code == 422
    assert _attachments(app) == before_rows and _tree(root) == before_files


@FEW
@given(data=st.data())
def test_documents_sent_with_the_request_form_follow_the_same_rules(app, world, clients,
                                                                    upload_root, data):
    root, folder = upload_root
    name = data.draw(upload_name(_existing_names(folder)))
    content = data.draw(st.sampled_from([PDF, DOCX, BAD_CONTENT[0], BAD_CONTENT[1]]))
    before, before_files = counts(app), _tree(root)
    form = request_form(world, file_cover_letter=(io.BytesIO(content), name))
    r = clients["applicant_a"].post("/portal/requests/new", data=form)
    assert r.status_code in (302, 400, 422), r.status_code  # 400: see above
    if r.status_code != 302:
        assert counts(app) == before and _tree(root) == before_files
    assert_only_random_names_in(root, folder, before_files)


# --- the REST API --------------------------------------------------------------------------------

API_FORM = {
    "title": "Survei Harga Produsen Gabah Kota Lubuklinggau 2027", "year": 2027,
    "kind": "survey", "agency_name": "Dinas Ketahanan Pangan Kota Lubuklinggau",
    "resp_email": "andi@pangan.lubuklinggaukota.go.id",
    "objectives": "Memantau harga gabah di tingkat petani setiap bulan.",
    "collection_start": "2027-01-04", "collection_end": "2027-12-31",
}
API_STRING_LIMITS = {name: limit_of(m.ActivityRequest, name) or TEXT_LIMIT
                     for name, f in {**FIELDS, **OTHER_FIELDS}.items()
                     if name in FIELDS and FIELDS[name].kind in ("text", "textarea")
                     or name in OTHER_FIELDS}
API_INTS = ["year", "sample_size", "field_staff_count"]
BAD_API_INTS = {"year": [0, 1944, 2201, 32768, "dua ribu", 2027.5, "2027"],
                "sample_size": [0, 1000000001, 1.5, "10"],
                "field_staff_count": [1000000001, 2.5, "3"]}
API_COLUMNS = {"office", "applicant", *FIELDS, *OTHER_FIELDS}


def raw_json(value) -> bytes:
    """JSON text of ``value``, lone surrogates written as ``\\udxxx`` escapes (valid JSON)."""
    return json.dumps(value, ensure_ascii=True).encode()


@st.composite
def invalid_api_change(draw) -> dict:
    """One field of the request body made invalid."""
    kind = draw(st.sampled_from(["long", "control", "surrogate", "type", "int", "choice", "date",
                                 "date_order", "email", "bool", "decimal", "office", "unknown"]))
    if kind == "long":
        name = draw(st.sampled_from(sorted(API_STRING_LIMITS)))
        return {name: draw(overlong(API_STRING_LIMITS[name]))}
    if kind in ("control", "surrogate"):
        name = draw(st.sampled_from(sorted(API_STRING_LIMITS)))
        return {name: draw(with_control if kind == "control" else with_surrogate)}
    if kind == "type":
        name = draw(st.sampled_from(sorted(API_STRING_LIMITS) + API_INTS + DATE_FIELDS))
        value = draw(st.one_of(
            st.lists(json_junk, max_size=3), st.dictionaries(st.text(max_size=3), json_junk,
                                                             min_size=1, max_size=3),
            st.booleans(), st.floats(allow_nan=False, allow_infinity=False)))
        return {name: value}
    if kind == "int":
        name = draw(st.sampled_from(API_INTS))
        return {name: draw(st.one_of(st.integers(2**31, 2**80), st.integers(-2**80, -1),
                                     st.sampled_from(BAD_API_INTS[name])))}
    if kind == "choice":
        name = draw(st.sampled_from(sorted(SELECT_FIELDS)))
        value = draw(st.text(PRINTABLE, min_size=1, max_size=15))
        assume(value not in SELECT_FIELDS[name])
        return {name: value}
    if kind == "date":
        return {draw(st.sampled_from(DATE_FIELDS)): draw(st.sampled_from(BAD_DATES + [20270101]))}
    if kind == "date_order":
        return {"collection_start": "2027-12-31", "collection_end": "2027-01-04"}
    if kind == "email":
        # The API checks an address's length, not its form (its clients send test domains).
        return {draw(st.sampled_from(EMAIL_FIELDS)): draw(overlong(200))}
    if kind == "bool":
        return {draw(st.sampled_from(BOOL_FIELDS)): draw(st.sampled_from(
            ["mungkin", 2, [True], {"a": 1}]))}
    if kind == "decimal":
        return {"sampling_error": draw(st.sampled_from(
            ["NaN", "Infinity", -1, 100.5, 10**30, "lima", [1]]))}
    if kind == "office":
        return {"office": draw(st.sampled_from([0, -1, 2**31, 10**20, "abc", None, [1],
                                                {"id": "abc"}, {"id": 10**20}]))}
    return {draw(st.text(PRINTABLE, min_size=1, max_size=12).filter(
        lambda k: k not in API_COLUMNS)): draw(json_junk)}


@FAST
@given(change=invalid_api_change())
def test_api_create_with_one_bad_field_creates_nothing(app, world, api, change):
    body = {**API_FORM, "office": world.offices[OFFICE_X], **change}
    before = counts(app)
    r = api("POST", "applicant_a", "/api/v1/requests/", data=raw_json(body),
            content_type="application/json")
    assert_refused(app, r, before)


def _not_a_json_object(data: bytes) -> bool:
    try:
        return not isinstance(json.loads(data), dict)
    except (ValueError, RecursionError):
        return True


NOT_JSON_OBJECTS = [
    (b"", "application/json"), (b"{", "application/json"), (b"null", "application/json"),
    (b"[]", "application/json"), (b"[1, 2]", "application/json"), (b'"teks"', "application/json"),
    (b"42", "application/json"), (b"true", "application/json"),
    (b"{'title': 'x'}", "application/json"), (b"\xff\xfe\x00{", "application/json"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    (b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json"),
    (b"title=Survei&year=2027", "application/x-www-form-urlencoded"),
    (b"<request><title>x</title></request>", "application/xml"),
    (b'{"title": "x"}', "text/plain"),
]


@FAST
@given(body=st.one_of(st.sampled_from(NOT_JSON_OBJECTS),
                      st.binary(max_size=200).filter(_not_a_json_object).map(
                          lambda b: (b, "application/json")),
                      json_junk.filter(lambda v: not isinstance(v, dict)).map(
                          lambda v: (raw_json(v), "application/json"))),
       target=st.sampled_from(["create", "update", "action", "checklist", "letter"]))
def test_api_bodies_that_are_not_a_json_object_are_refused(app, api, api_rows, body, target):
    data, content_type = body
    before = counts(app)
    rows = {name: snapshot(app, model, pk) for name, (model, pk) in api_rows.items()}
    method, user, path = API_TARGETS[target](api_rows)
    if target == "action" and data == b"":
        return  # no body at all is a valid action request
    r = api(method, user, path, data=data, content_type=content_type)
    assert_refused(app, r, before, statuses=(400, 415, 422))
    assert {name: snapshot(app, model, pk) for name, (model, pk) in api_rows.items()} == rows


API_TARGETS = {
    "create": lambda rows: ("POST", "applicant_a", "/api/v1/requests/"),
    "update": lambda rows: ("PUT", "applicant_a", f"/api/v1/requests/{rows['draft'][1]}"),
    "action": lambda rows: ("POST", "applicant_a",
                            f"/api/v1/requests/{rows['draft'][1]}/withdraw"),
    "checklist": lambda rows: ("PUT", "officer_x",
                               f"/api/v1/reviews/{rows['review'][1]}/checklist"),
    "letter": lambda rows: ("PUT", "officer_x", f"/api/v1/letters/{rows['letter'][1]}"),
}


@pytest.fixture
def api_rows(app, world, wf):
    """A draft (applicant_a's), an open review (officer_x's) and a drafted letter."""
    with app.app_context():
        session = app.appbuilder.session
        draft = seed(session, world, wf, "draft")
        in_review = seed(session, world, wf, "in_review")
        drafted = seed(session, world, wf, "letter_drafted")
        review = session.get(m.ActivityRequest, in_review).reviews[-1].id
        letter = session.get(m.ActivityRequest, drafted).letter.id
    return {"draft": (m.ActivityRequest, draft), "in_review": (m.ActivityRequest, in_review),
            "review": (m.Review, review), "letter": (m.Letter, letter)}


@FAST
@given(change=invalid_api_change())
def test_api_update_with_one_bad_field_changes_nothing(app, api, api_rows, change):
    change.pop("office", None)
    assume(change)
    draft = api_rows["draft"][1]
    row = snapshot(app, m.ActivityRequest, draft)
    before = counts(app)
    r = api("PUT", "applicant_a", f"/api/v1/requests/{draft}", data=raw_json(change),
            content_type="application/json")
    assert_refused(app, r, before)
    assert snapshot(app, m.ActivityRequest, draft) == row


@FAST
@given(field=st.sampled_from(sorted(API_STRING_LIMITS)), data=st.data())
def test_api_keeps_awkward_text_verbatim(app, world, api, field, data):
    value = data.draw(valid_text_upto(API_STRING_LIMITS[field]))
    r = api("POST", "applicant_a", "/api/v1/requests/",
            json={**API_FORM, "office": world.offices[OFFICE_X], field: value})
    assert r.status_code == 201, r.json
    req_id = r.json["id"]
    assert column_value(app, m.ActivityRequest, req_id, field) == value
    assert api("GET", "applicant_a", f"/api/v1/requests/{req_id}").json["result"][field] == value


@st.composite
def invalid_checklist(draw, item_ids: list[int]) -> dict:
    item = str(draw(st.sampled_from(item_ids)))
    kind = draw(st.sampled_from(["entry_type", "ok_type", "note_type", "note_long", "unknown",
                                 "notes_type", "notes_long", "control", "surrogate"]))
    body = {"checklist": {item: {"ok": True, "note": "Lengkap"}}, "notes": "Catatan"}
    if kind == "entry_type":
        body["checklist"][item] = draw(st.one_of(st.lists(json_junk, max_size=2),
                                                 st.text(max_size=5), st.integers()))
    elif kind == "ok_type":
        body["checklist"][item]["ok"] = draw(st.sampled_from(["false", "ya", 0.5, [True], {}]))
    elif kind == "note_type":
        body["checklist"][item]["note"] = draw(st.one_of(st.integers(), st.lists(
            json_junk, min_size=1, max_size=2), st.booleans()))
    elif kind == "note_long":
        body["checklist"][item]["note"] = draw(overlong(TEXT_LIMIT))
    elif kind == "unknown":
        body["checklist"][draw(st.one_of(st.integers(10**6, 10**30).map(str), st.text(
            PRINTABLE, min_size=1, max_size=10)).filter(
                lambda k: k not in map(str, item_ids)))] = {"ok": True}
    elif kind == "notes_type":
        body["notes"] = draw(st.one_of(st.integers(), st.lists(json_junk, max_size=2),
                                       st.dictionaries(st.text(max_size=3), json_junk,
                                                       max_size=2), st.booleans()))
    elif kind == "notes_long":
        body["notes"] = draw(overlong(TEXT_LIMIT))
    else:
        value = draw(with_control if kind == "control" else with_surrogate)
        where = draw(st.sampled_from(["note", "notes", "key"]))
        if where == "note":
            body["checklist"][item]["note"] = value
        elif where == "notes":
            body["notes"] = value
        else:
            body["checklist"][value] = {"ok": True}
    return body


@FAST
@given(data=st.data())
def test_api_checklist_with_bad_entries_changes_nothing(app, api, api_rows, data):
    review_id = api_rows["review"][1]
    with app.app_context():
        item_ids = [int(k) for k in app.appbuilder.session.get(m.Review, review_id).checklist]
    body = data.draw(invalid_checklist(item_ids))
    row = snapshot(app, m.Review, review_id)
    before = counts(app)
    r = api("PUT", "officer_x", f"/api/v1/reviews/{review_id}/checklist", data=raw_json(body),
            content_type="application/json")
    assert_refused(app, r, before)
    assert snapshot(app, m.Review, review_id) == row


@FAST
@given(change=st.one_of(
    st.fixed_dictionaries({"result": st.one_of(st.text(PRINTABLE, max_size=12).filter(
        lambda v: v not in m.LETTER_RESULTS),
        json_junk.filter(lambda v: not isinstance(v, str)))}),
    st.builds(lambda k, v: {k: v}, st.sampled_from(["body", "suggestions"]), st.one_of(
        with_control, with_surrogate, st.integers(), st.lists(json_junk, min_size=1, max_size=2),
        st.booleans())),
    st.sampled_from([{"body": "x" * 20_001}, {"suggestions": "<b>" * 7000}]),
))
def test_api_letter_with_a_bad_field_changes_nothing(app, api, api_rows, change):
    letter_id = api_rows["letter"][1]
    row = snapshot(app, m.Letter, letter_id)
    before = counts(app)
    r = api("PUT", "officer_x", f"/api/v1/letters/{letter_id}", data=raw_json(change),
            content_type="application/json")
    assert_refused(app, r, before)
    assert snapshot(app, m.Letter, letter_id) == row


@FAST
@given(body=st.one_of(
    st.fixed_dictionaries({"note": st.one_of(
        with_control, with_surrogate, overlong(TEXT_LIMIT), st.integers(), st.booleans(),
        st.lists(json_junk, max_size=2), st.dictionaries(st.text(max_size=3), json_junk,
                                                         max_size=2))}),
), action=st.sampled_from(["withdraw", "submit"]))
def test_api_action_with_a_bad_note_changes_nothing(app, api, api_rows, body, action):
    draft = api_rows["draft"][1]
    row = snapshot(app, m.ActivityRequest, draft)
    before = counts(app)
    r = api("POST", "applicant_a", f"/api/v1/requests/{draft}/{action}", data=raw_json(body),
            content_type="application/json")
    assert_refused(app, r, before)
    assert snapshot(app, m.ActivityRequest, draft) == row


@FEW
@given(action=st.one_of(st.text(PRINTABLE, min_size=1, max_size=30), st.sampled_from(
    ["approve", "SUBMIT", "submit ", "__init__", "delete", "%2e%2e"])))
def test_api_unknown_actions_are_not_found(app, api, api_rows, action):
    assume(action not in ("submit", "withdraw") and "/" not in action
           and action not in (".", ".."))
    draft = api_rows["draft"][1]
    row = snapshot(app, m.ActivityRequest, draft)
    r = api("POST", "applicant_a", f"/api/v1/requests/{draft}/{action}", json={})
    assert r.status_code in (404, 405), r.status_code
    assert snapshot(app, m.ActivityRequest, draft) == row


def test_the_refusal_says_nothing_was_saved(app, world, clients):
    r = clients[None].post("/complaints/new", data={"subject": "a\x00b"})
    assert r.status_code == 400
    with app.test_request_context():
        assert str(gettext("Nothing was saved. Go back, correct the input and send it again.")) \
            in r.get_data(as_text=True)
