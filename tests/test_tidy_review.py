"""Review leftovers (helper "tidy"): the step of a missing answer named by form_steps alone, the
request's page reading its trail once, no erasure actions on a decided request, the profile's
identity document marked as required, and the shared logged-in clients surviving a logout."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from app import models as m
from app.auth import erasure
from app.core import audit
from app.ops.bootstrap import create_user
from app.portal import form_steps
from app.web.formats import date_text

from conftest import OWNER, PASSWORD, login, seed, statements

# --- 2: the step of a field, from form_steps only ----------------------------------------------


def test_step_of_names_the_step_and_its_place():
    for name, key in form_steps.STEP_OF_FIELD.items():
        assert form_steps.step_of(name) == (key, form_steps.number(key))
    assert form_steps.step_of("agency_name") == ("organiser", 2)
    # A field no step names (a rule's own key): the first step, as missing_by_step counts it.
    assert form_steps.step_of("no_such_field") == (form_steps.FIRST, 1)
    assert form_steps.missing_by_step([("no_such_field", "x"), ("agency_name", "y")]) \
        == {form_steps.FIRST: 1, "organiser": 1}


def test_the_last_step_numbers_each_missing_answer_by_its_step(app, world):
    client = login(app.test_client(), OWNER)
    office = client.get("/portal/requests/new?step=activity").get_data(as_text=True)
    office_id = re.search(r'<option value="(\d+)" selected', office).group(1)
    r = client.post("/portal/requests/new", data={
        "step": "activity", "action": "next", "office_id": office_id,
        "title": "Survei Langkah Bernomor 2027", "year": "2027", "kind": "survey"})
    req_id = int(re.search(r"/portal/requests/(\d+)/edit", r.headers["Location"]).group(1))
    page = client.get(f"/portal/requests/{req_id}/edit?step=review").get_data(as_text=True)
    missing = re.findall(r'<li><a href="/portal/requests/\d+/edit\?step=(\w+)#(\w+)">[^<]*</a>'
                         r'\s*<small class="text-muted">\(langkah (\d+)\)</small>', page)
    assert len(missing) >= 4, page[page.find('id="missing"'):][:1500]
    for step, name, num in missing:
        assert (step, int(num)) == form_steps.step_of(name), (name, step, num)
    assert {step for step, _name, _num in missing} >= {"organiser", "people", "planning"}


# --- 3: the request's page reads its trail once ------------------------------------------------


def test_the_request_page_reads_the_audit_trail_once(app, world, wf):
    day = dt.datetime(2026, 11, 2, 3, 0)
    trail = [("create", None, "draft", None), ("submit", "draft", "submitted", None),
             ("start_review", "submitted", "in_review", None),
             ("request_revision", "in_review", "revision_requested", "Lengkapi kerangka sampel."),
             ("resubmit", "revision_requested", "submitted", None),
             ("start_review", "submitted", "in_review", None),
             ("review", None, None, "catatan internal petugas"),  # not the applicant's
             ("verify", "in_review", "verified", None)]
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "verified")
        req = session.get(m.ActivityRequest, req_id)
        officer = session.get(m.RekomUser, wf["officer_x"])
        for n, (action, before, after, note) in enumerate(trail):
            audit.record(session, officer, req, action, before, after, note,
                         at=day + dt.timedelta(days=n))
        session.commit()
    client = login(app.test_client(), OWNER)
    client.get(f"/portal/requests/{req_id}")  # warm: first-request work is not the page's
    with statements(app) as seen:
        response = client.get(f"/portal/requests/{req_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    reads = [s for s in seen if re.search(r"\bFROM audit_event\b", s)]
    assert len(reads) == 1, reads  # was 2: the timeline's and the progress steps'
    # The timeline: the applicant's events, oldest first, the revision's note shown.
    timeline = html[html.index('id="timeline"'):]
    timeline = timeline[:timeline.index("</table>")]
    assert timeline.count("<tr") == 7
    assert "Lengkapi kerangka sampel." in timeline and "catatan internal" not in html
    # The progress steps: each reached on its first day; the revision done; verified now.
    with app.test_request_context("/", headers={"Accept-Language": "id"}):
        first = {key: date_text(day + dt.timedelta(days=n)) for key, n in
                 (("submitted", 1), ("in_review", 2), ("revision", 3), ("verified", 7))}
    for key, when in first.items():
        item = re.search(rf'<li class="step-(\w+)" data-step="{key}".*?</li>', html, re.S)
        assert item and when in item.group(0), (key, when, item and item.group(0))
        assert item.group(1) == ("current" if key == "verified" else "done")


# --- 4: a decided request for erasure offers no erasure or refusal -------------------------------


def _erasure_rows(app, suffix: str) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        rows = {}
        for state in ("pending", "refused"):
            name = f"pemohon.tidy.{state}.{suffix}"
            user = create_user("Applicant", name, f"{name}@rekomstat.test", PASSWORD)
            row = m.ErasureRequest(user_id=user.id, reason="Tidak lagi memakai layanan.",
                                   state=state)
            if state != "pending":
                row.decided_at = dt.datetime(2026, 11, 3, 2, 0)
                row.decision_note = "Masih ada permohonan yang berjalan."
            session.add(row)
            session.commit()
            rows[state] = row.id
        return rows


def test_a_decided_request_for_erasure_shows_no_actions(app, world):
    rows = _erasure_rows(app, "show")
    admin = login(app.test_client(), "admin")
    for state, pk in rows.items():
        html = admin.get(f"/erasurerequestview/show/{pk}").get_data(as_text=True)
        links = set(re.findall(r"/erasurerequestview/action/(\w+)/" + str(pk), html))
        with app.app_context():
            decided = erasure.decided(app.appbuilder.session.get(m.ErasureRequest, pk))
        assert decided == (state != "pending")
        assert links == (set() if decided else {"erase", "refuse"}), (state, links)
    # The list offers neither (both act on one row, from its page).
    listing = admin.get("/erasurerequestview/list/").get_data(as_text=True)
    assert "/erasurerequestview/action/" not in listing
    # Refusing the pending one (with a reason) takes its actions away too.
    done = admin.post(f"/erasurerequestview/refuse/{rows['pending']}",
                      data={"note": "Masih ada permohonan yang berjalan."})
    assert done.status_code == 302
    html = admin.get(f"/erasurerequestview/show/{rows['pending']}").get_data(as_text=True)
    assert "/erasurerequestview/action/" not in html


# --- 5: the profile's identity document is marked required -------------------------------------


def _label(html: str, field: str) -> str:
    return re.search(rf'<label class="control-label" for="{field}">(.*?)</label>', html,
                     re.S).group(1)


def test_the_identity_document_is_marked_like_the_other_required_fields(app, world):
    with app.app_context():
        session = app.appbuilder.session
        for name, number in (("pemohon.tidy.ktp", "1674010101900001"),
                             ("pemohon.tidy.tanpa", None)):
            user = app.appbuilder.sm.find_user(username=name) or create_user(
                "Applicant", name, f"{name}@rekomstat.test", PASSWORD)
            user = session.get(m.RekomUser, user.id)
            user.phone, user.agency = "0812345678", "Dinas Uji"
            user.id_doc_type, user.id_doc_number = ("ktp", number) if number else (None, None)
            session.commit()
    star = '<span aria-hidden="true">*</span>'
    with_number = login(app.test_client(), "pemohon.tidy.ktp")
    html = with_number.get("/portal/account/edit").get_data(as_text=True)
    assert star in _label(html, "first_name")  # the mark of the other required fields
    assert star in _label(html, "id_doc_type") and star not in _label(html, "position")
    select = re.search(r'<select[^>]*id="id_doc_type"[^>]*>', html).group(0)
    assert 'required aria-required="true"' in select  # a number is stored: always required
    # Left blank: refused on the field, still marked.
    r = with_number.post("/portal/account/edit", data={
        "first_name": "Uji", "phone": "0812345678", "agency": "Dinas Uji", "id_doc_type": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and star in _label(html, "id_doc_type")
    assert re.search(r'id="id_doc_type-help">[^<]+<', html)
    # No number stored: the document goes with a number, which the help says; not "required".
    without = login(app.test_client(), "pemohon.tidy.tanpa")
    html = without.get("/portal/account/edit").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="id_doc_type"[^>]*>', html).group(0)
    assert star in _label(html, "id_doc_type") and "required" not in select
    assert 'aria-describedby="id_doc_type-help"' in select
    assert "Wajib diisi bila Anda mengisi nomor dokumen." in html
    r = without.post("/portal/account/edit", data={
        "first_name": "Uji", "phone": "0812345678", "agency": "Dinas Uji", "id_doc_type": "",
        "id_doc_number": "1674010101900002"})
    assert r.status_code == 422 and 'id="id_doc_type-help"' in r.get_data(as_text=True)
    r = without.post("/portal/account/edit", data={
        "first_name": "Uji", "phone": "0812345678", "agency": "Dinas Uji", "id_doc_type": ""})
    assert r.status_code == 302  # neither: nothing required


# --- 6: the shared clients survive a logout elsewhere ------------------------------------------


@pytest.mark.parametrize("user", ["admin", "officer_x", "applicant_a"])
def test_the_shared_client_is_logged_in_again_after_a_logout_elsewhere(app, clients, user):
    page = {"admin": "/users/list/", "officer_x": "/activityrequestview/list/",
            "applicant_a": "/portal/"}[user]
    assert clients[user].get(page).status_code == 200
    # A logout in another browser ends every session of the account (issue 20) ...
    other = login(app.test_client(), user)
    assert other.get("/logout/").status_code == 302
    shared = dict.__getitem__(clients, user)
    assert shared.get(page).status_code == 302  # ... the shared client's too
    relogins = clients.relogins
    assert clients[user].get(page).status_code == 200  # logged in again on the next lookup
    assert clients.relogins == relogins + 1
    assert clients[user].get(page).status_code == 200 and clients.relogins == relogins + 1
