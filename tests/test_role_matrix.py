"""The role matrix of design.md, cell by cell: every FAB view × every role ×
list/show/add/edit/delete.

Expected answers: allowed → 200 (delete: 302 back to the list, and the row is gone);
refused for a logged-in user → 403; anonymous → 302 to the login page.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from app import models as m
from app.auth.roles import (
    ADMIN,
    APPLICANT,
    HEAD,
    OFFICE_VIEWS,
    OFFICER,
    SECTION_HEAD,
    role_permissions,
)

from conftest import OFFICE_X, OFFICE_Y, PASSWORD, make_rows

OPS = ("list", "show", "add", "edit", "delete")
# The user standing for each role, all of office X where the role has an office.
ROLE_USERS = {
    ADMIN: "admin",
    OFFICER: "officer_x",
    HEAD: "head_x",
    SECTION_HEAD: "section_x",
    APPLICANT: "applicant_a",
    "Anonymous": None,
}
MODELS = {
    "ActivityRequestView": m.ActivityRequest,
    "RequestVariableView": m.RequestVariable,
    "RequestIndicatorView": m.RequestIndicator,
    "AttachmentView": m.Attachment,
    "ReviewView": m.Review,
    "LetterView": m.Letter,
    "ComplaintView": m.Complaint,
    "RatingView": m.Rating,
    "QueueTicketView": m.QueueTicket,
    "GuestBookEntryView": m.GuestBookEntry,
    "OfficeView": m.Office,
    "OfficeSettingView": m.OfficeSetting,
    "ChecklistItemView": m.ChecklistItem,
    "NonWorkingDayView": m.NonWorkingDay,
    "LetterCounterView": m.LetterCounter,
    "AuditEventView": m.AuditEvent,
    "OutboundEmailView": m.OutboundEmail,
    "SigningCertificateView": m.SigningCertificate,
    "ActivityResultView": m.ActivityResult,
    "PersonalDataAccessView": m.AuditEvent,
    "ErasureRequestView": m.ErasureRequest,
}


def view_of(app, name):
    for view in app.appbuilder.baseviews:
        if view.class_permission_name == name:
            return view
    raise AssertionError(f"view {name} is not registered")


def pk_in_url(pk) -> str:
    return quote(json.dumps(list(pk)) if isinstance(pk, tuple) else str(pk), safe="")


def expected(app, role: str, view_name: str, op: str) -> bool:
    view = view_of(app, view_name)
    permission = f"can_{op}"
    if permission not in view.base_permissions:
        return False  # the view does not offer it to anyone
    if role == ADMIN:
        return True
    if role == "Anonymous":
        return False
    return (permission, view_name) in role_permissions(role)


def test_every_model_view_is_in_the_matrix(app):
    """A new ModelView fails here until the matrix (auth/security.py) and this test place it."""
    from flask_appbuilder import ModelView

    ours = {
        v.class_permission_name
        for v in app.appbuilder.baseviews
        if isinstance(v, ModelView) and type(v).__module__.startswith("app.")
        and type(v).__module__ != "app.auth.security"  # FAB's own user screens
    }
    assert ours == set(OFFICE_VIEWS) == set(MODELS)


def test_design_table_holds(app):
    """design.md: heads read what officers see and sign letters; applicants and the public have
    no FAB screen but their own profile (applicants reach their own requests through the API
    and the portal); the public reads the open data: the catalogue API, the OpenAPI document
    and the Swagger UI."""
    for view, by_role in OFFICE_VIEWS.items():
        officer = by_role.get(OFFICER, frozenset())
        head = by_role.get(HEAD, frozenset())
        assert head <= {"can_list", "can_show", "issue", "return_draft", "can_pdf"}, view
        assert ("can_list" in head) == ("can_list" in officer), view
    # Signing is the head's alone; the officer's workflow actions are the rest.
    assert OFFICE_VIEWS["ActivityRequestView"][HEAD] - {"can_list", "can_show"} == {
        "issue", "return_draft"}
    assert OFFICE_VIEWS["ActivityRequestView"][OFFICER] >= {
        "submit", "start_review", "request_revision", "resubmit", "verify", "draft_letter",
        "send", "close"}
    assert not OFFICE_VIEWS["ActivityRequestView"][OFFICER] & {"issue", "return_draft"}
    # The section head reads what the head reads and initials or returns drafts (issue 23).
    for view, by_role in OFFICE_VIEWS.items():
        section = by_role.get(SECTION_HEAD, frozenset())
        head = by_role.get(HEAD, frozenset())
        assert section - {"initial", "return_draft"} == head - {"issue", "return_draft"}, view
    assert OFFICE_VIEWS["ActivityRequestView"][SECTION_HEAD] - {"can_list", "can_show"} == {
        "initial", "return_draft"}
    assert not any(v.get(APPLICANT) for v in OFFICE_VIEWS.values())
    sm = app.appbuilder.sm
    with app.app_context():
        public = {(pv.permission.name, pv.view_menu.name)
                  for pv in sm.find_role("Public").permissions}
        assert public == {("can_get", "CatalogueApi"), ("can_get", "OpenApi"),
                          ("can_show", "SwaggerView")}
        held = {(pv.permission.name, pv.view_menu.name)
                for pv in sm.find_role(APPLICANT).permissions}
        assert held == role_permissions(APPLICANT)
        # Their own profile on FAB's pages (the profile, its edit form, their password).
        assert {view for _, view in held} == {"RequestApi", "ReviewApi", "LetterApi",
                                              "SwaggerView", "UserDBModelView",
                                              "UserInfoEditView", "ResetMyPasswordView"}
        assert {perm for perm, view in held if view == "UserDBModelView"} == {
            "can_userinfo", "userinfoedit", "resetmypassword"}


@pytest.mark.parametrize("role", list(ROLE_USERS))
@pytest.mark.parametrize("view_name", list(OFFICE_VIEWS))
def test_matrix_cell(app, world, clients, role, view_name):
    client = clients[ROLE_USERS[role]]
    route = view_of(app, view_name).route_base
    pk = pk_in_url(world.rows[(view_name, OFFICE_X)])
    answers = {}
    for op in ("list", "show", "add", "edit"):
        url = {
            "list": f"{route}/list/",
            "show": f"{route}/show/{pk}",
            "add": f"{route}/add",
            "edit": f"{route}/edit/{pk}",
        }[op]
        answers[op] = (url, client.get(url))
    answers["delete"] = _try_delete(app, world, client, view_name, route)

    for op in OPS:
        url, response = answers[op]
        allowed = expected(app, role, view_name, op)
        if allowed:
            want = 302 if op == "delete" else 200
        else:
            want = 302 if role == "Anonymous" else 403
        assert response.status_code == want, f"{role} {op} {url}: {response.status_code}"
        if not allowed and role == "Anonymous":
            assert "/login/" in response.headers["Location"]


def _try_delete(app, world, client, view_name, route):
    """Delete a throwaway row made for this cell; an allowed delete must really remove it."""
    model = MODELS[view_name]
    with app.app_context():
        session = app.appbuilder.session
        if view_name in ("OfficeView", "OfficeSettingView", "ChecklistItemView",
                         "LetterCounterView"):
            obj = _throwaway(session, view_name)
        elif view_name == "ActivityRequestView":
            # A fresh draft: the shared rows hang letters (RESTRICT) off their requests.
            obj = m.ActivityRequest(
                tracking_code=f"RKS-{_tag()}", office_id=world.offices[OFFICE_X],
                applicant_id=world.users["applicant_a"], title="Draf dihapus", year=2026,
            )
            session.add(obj)
            session.flush()
        else:
            rows = make_rows(
                session, m, world.offices[OFFICE_X], world.users["applicant_a"],
                world.users["admin"], _tag(),
            )
            obj = session.get(model, rows[view_name])
        pk = sa.inspect(obj).mapper.primary_key_from_instance(obj)
        pk = pk[0] if len(pk) == 1 else tuple(pk)
        session.commit()
    url = f"{route}/delete/{pk_in_url(pk)}"
    response = client.post(url)
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        gone = session.get(model, pk) is None
    if response.status_code == 302 and "/login/" not in response.headers.get("Location", ""):
        assert gone, f"{url} answered like a delete but the row is still there"
    else:
        assert not gone, f"{url} was refused but the row is gone"
    return url, response


_counter = iter(range(1, 10_000_000))


def _tag() -> str:
    return f"D{next(_counter)}"


def _throwaway(session, view_name):
    """Rows an office owns once: a fresh office for the office-level tables."""
    from app.ops.bootstrap import ensure_office

    code = f"9{next(_counter):03d}"
    office = ensure_office(code, f"Kantor uji {code}")
    if view_name == "OfficeView":
        return office
    if view_name == "OfficeSettingView":
        return session.scalars(
            sa.select(m.OfficeSetting).where(m.OfficeSetting.office_id == office.id)
        ).one()
    if view_name == "ChecklistItemView":
        return session.scalars(
            sa.select(m.ChecklistItem).where(m.ChecklistItem.office_id == office.id)
        ).first()
    counter = m.LetterCounter(office_id=office.id, year=2026, last_sequence=0)
    session.add(counter)
    session.flush()
    return counter


# --- Office scoping (base_filters) -----------------------------------------------------------

SCOPED = [v for v in OFFICE_VIEWS if OFFICE_VIEWS[v].get(OFFICER)]


@pytest.mark.parametrize("view_name", SCOPED)
@pytest.mark.parametrize("user", ["officer_x", "section_x", "head_x"])
def test_staff_see_only_their_office(app, world, clients, view_name, user):
    client = clients[user]
    route = view_of(app, view_name).route_base
    own = pk_in_url(world.rows[(view_name, OFFICE_X)])
    other = pk_in_url(world.rows[(view_name, OFFICE_Y)])
    assert client.get(f"{route}/show/{own}").status_code == 200
    assert client.get(f"{route}/show/{other}").status_code == 404
    listing = _every_page(client, route, _list_key(app, view_name))
    assert f"/show/{own}\"" in listing or f"/show/{own}'" in listing
    assert f"/show/{other}\"" not in listing and f"/show/{other}'" not in listing


def _list_key(app, view_name):
    return view_of(app, view_name).__class__.__name__


def _every_page(client, route, key) -> str:
    """The list's pages one after the other, to the first without a row (at most 100 rows a
    page: a larger page size is read as 100)."""
    pages = []
    for number in range(1000):
        html = client.get(f"{route}/list/?psize_{key}=100&page_{key}={number}").get_data(
            as_text=True)
        if f"{route}/show/" not in html:
            return "".join(pages)
        pages.append(html)
    raise AssertionError(f"{route}/list/ did not end within 1000 pages")


def test_officer_cannot_edit_another_office_row(app, world, clients):
    route = view_of(app, "ComplaintView").route_base
    other = world.rows[("ComplaintView", OFFICE_Y)]
    response = clients["officer_x"].post(f"{route}/edit/{other}", data={"answer": "diretas"})
    assert response.status_code == 404
    with app.app_context():
        assert app.appbuilder.session.get(m.Complaint, other).answer is None


def test_officer_adds_rows_only_in_own_office(app, world, clients):
    """Another office is not a choice in the form: a forged one is refused and nothing stored."""
    route = view_of(app, "GuestBookEntryView").route_base
    form = {"name": "Siti Aminah", "id_doc_type": "ktp", "id_doc_number": "1674010101010001"}
    client = clients["officer_x"]
    page = client.get(f"{route}/add").get_data(as_text=True)
    assert "BPS Kota Palembang" not in page and "BPS Kota Lubuklinggau" in page

    forged = client.post(f"{route}/add", data={**form, "office": world.offices[OFFICE_Y]})
    assert forged.status_code == 200  # the form again, with the error
    with app.app_context():
        stored = app.appbuilder.session.scalars(
            sa.select(m.GuestBookEntry).where(m.GuestBookEntry.name == "Siti Aminah")
        ).all()
        assert stored == []

    ok = client.post(f"{route}/add", data={**form, "office": world.offices[OFFICE_X]})
    assert ok.status_code == 302
    with app.app_context():
        entry = app.appbuilder.session.scalars(
            sa.select(m.GuestBookEntry).where(m.GuestBookEntry.name == "Siti Aminah")
        ).one()
        assert entry.office_id == world.offices[OFFICE_X]


def test_admin_sees_every_office(app, world, clients):
    route = view_of(app, "ComplaintView").route_base
    for code in (OFFICE_X, OFFICE_Y):
        pk = world.rows[("ComplaintView", code)]
        assert clients["admin"].get(f"{route}/show/{pk}").status_code == 200


@pytest.mark.parametrize("user", ["officer_x", "section_x", "head_x", "applicant_a"])
def test_security_screens_are_admin_only(clients, user):
    for url in ("/users/list/", "/roles/list/", "/users/add"):
        assert clients[user].get(url).status_code == 403
    assert clients["admin"].get("/users/list/").status_code == 200


@pytest.mark.parametrize("user", ["officer_x", "section_x", "head_x", "applicant_a"])
def test_every_account_reaches_its_own_profile_and_no_other(app, world, clients, user):
    """Issue 19: applicants got 403 on their own profile (staff had it). Each account sees and
    edits its own profile and changes its own password; the other user screens stay closed."""
    client = clients[user]
    me, other = world.users[user], world.users["admin"]
    page = client.get("/users/userinfo/")
    assert page.status_code == 200 and user in page.get_data(as_text=True)
    # The profile page's two buttons, and the forms they lead to.
    for step, form in (("userinfoedit", "/userinfoeditview/form"),
                       ("resetmypassword", "/resetmypassword/form")):
        answer = client.post(f"/users/action/{step}/{me}")
        assert answer.status_code == 302 and answer.headers["Location"].endswith(form)
        assert client.get(form).status_code == 200
    with app.app_context():
        before = app.appbuilder.sm.get_user_by_id(me)
        first, last = before.first_name, before.last_name
    assert client.post("/userinfoeditview/form",
                       data={"first_name": "Nama", "last_name": "Baru"}).status_code == 302
    with app.app_context():
        user_row = app.appbuilder.sm.get_user_by_id(me)
        assert (user_row.first_name, user_row.last_name) == ("Nama", "Baru")
        user_row.first_name, user_row.last_name = first, last
        app.appbuilder.session.commit()
    # A password of their own (set back to the same one, for the other tests).
    assert client.post("/resetmypassword/form", data={
        "password": PASSWORD, "conf_password": PASSWORD}).status_code == 302
    # Nothing else: other users, their own row on the admin screens, the admin's reset.
    for url in ("/users/list/", f"/users/show/{me}", f"/users/edit/{me}", f"/users/show/{other}",
                "/users/add", "/roles/list/", f"/resetpassword/form?pk={other}",
                "/registeruser/list/"):
        assert client.get(url).status_code == 403, url


def test_applicant_home_is_not_the_admin_screens(clients):
    response = clients["applicant_a"].get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")


def test_menus_follow_the_matrix(clients):
    officer = clients["officer_x"].get("/admin/").get_data(as_text=True)
    head = clients["head_x"].get("/admin/").get_data(as_text=True)
    admin = clients["admin"].get("/admin/").get_data(as_text=True)
    assert "/activityrequestview/list/" in officer and "/activityrequestview/list/" in head
    assert "/outboundemailview/list/" in admin
    assert "/outboundemailview/list/" not in officer
    assert "/users/list/" not in officer


def test_request_form_takes_applicants_of_any_office_only(app, world, clients):
    # Recording a walk-in names the applicant by e-mail (see test_walk_in.py) ...
    add = clients["officer_x"].get("/activityrequestview/add").get_data(as_text=True)
    assert 'id="applicant_email"' in add
    # ... and so does re-assigning one on the edit form (web/lookups.py): a text box, no list
    # of the nation's accounts, and only an applicant account is taken.
    pk = world.rows[("ActivityRequestView", "1674")]
    url = f"/activityrequestview/edit/{pk}"
    page = clients["officer_x"].get(url).get_data(as_text=True)
    box = page[page.index('id="applicant"'):]
    box = box[: box.index(">")]
    assert 'type="text"' in box and 'value="applicant_a@rekomstat.test"' in box
    assert "<select" not in page[page.index('id="applicant"') - 200:page.index('id="applicant"')]
    for staff in ("officer_x@rekomstat.test", "admin", "head_x"):
        r = clients["officer_x"].post(url, data={"applicant": staff, "channel": "online"})
        assert r.status_code == 200, staff
        assert ("Tidak ada akun dengan alamat surel atau nama pengguna ini yang dapat dipilih "
                "di sini.") in r.get_data(as_text=True)
        assert f'value="{staff}"' in r.get_data(as_text=True)  # what was typed comes back
    with app.app_context():
        from app.models import ActivityRequest
        session = app.appbuilder.session
        assert session.get(ActivityRequest, pk).applicant_id == world.users["applicant_a"]
        session.remove()


def test_child_forms_take_requests_of_own_office_only(app, world, clients):
    client = clients["officer_x"]
    page = client.get("/requestvariableview/add").get_data(as_text=True)
    # No request is listed on the form: the officer types the tracking code.
    assert "RKS-T1674" not in page and "RKS-T1671" not in page
    assert '<input class="form-control" id="request" name="request"' in page
    for code in ("RKS-T1671", "RKS-TIDAKADA"):  # another office's, and none at all
        r = client.post("/requestvariableview/add",
                        data={"request": code, "position": "3", "name": "Umur kepala"})
        text = r.get_data(as_text=True)
        assert r.status_code == 200 and ("Tidak ada permohonan dengan kode lacak ini yang dapat "
                                         "dipilih di sini.") in text, code
        assert f'value="{code}"' in text
    # Its own office's, typed in lower case: taken, and the edit form shows the code.
    from app.models import RequestVariable
    r = client.post("/requestvariableview/add",
                    data={"request": " rks-t1674 ", "position": "3", "name": "Umur kepala"})
    assert r.status_code == 302
    with app.app_context():
        session = app.appbuilder.session
        row = session.scalars(sa.select(RequestVariable).where(
            RequestVariable.name == "Umur kepala")).one()
        assert row.request_id == world.rows[("ActivityRequestView", "1674")]
        pk = row.id
        session.remove()
    page = client.get(f"/requestvariableview/edit/{pk}").get_data(as_text=True)
    assert 'value="RKS-T1674"' in page
    client.post(f"/requestvariableview/delete/{pk}")


def test_empty_values_do_not_read_none(clients):
    """The province office has no city: the list shows an empty cell, not the word None."""
    page = clients["admin"].get("/officeview/list/").get_data(as_text=True)
    assert "BPS Provinsi Sumatera Selatan" in page
    assert ">None<" not in page.replace(" ", "").replace("\n", "")


def test_user_form_names_roles_in_indonesian(app, world, clients):
    """Issue 19: the role chips of the user form read "Head", "Officer" (the role names, which
    stay as they are: FAB's permissions hang on them)."""
    admin = clients["admin"]
    for url in ("/users/add", f"/users/edit/{world.users['officer_x']}", "/groups/add"):
        page = admin.get(url).get_data(as_text=True)
        select = page[page.index('id="roles"'):]
        select = select[: select.index("</select>")]
        options = re.findall(r"<option[^>]*>([^<]*)</option>", select)
        assert sorted(options) == sorted(["Administrator", "Petugas", "Ketua tim / Kepala seksi",
                                          "Kepala kantor", "Pemohon", "Publik"]), (url, options)
        if url.startswith("/users/"):  # an applicant has no office: a labelled empty choice
            assert ">__None<" not in page and ">— tanpa kantor —</option>" in page
    # The list's search by role (its form is written into the page as JSON).
    listing = admin.get("/users/list/").get_data(as_text=True)
    assert "\\u003ePetugas\\u003c" in listing and "\\u003eOfficer\\u003c" not in listing
