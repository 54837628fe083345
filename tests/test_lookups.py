"""Requests and accounts are typed, not picked (issue 27, app/web/lookups.py).

A relation to a table that grows without bound was a select of every row the user may pick, in
the forms and in the search forms: on a national demo of 100 000 requests the largest regency's
officer got 10 717 requests in each (1.2–2.3 MB a page). Now the page lists none of them: the
officer types a request's tracking code, an account's e-mail address or user name; the screen
finds it among what the form may pick and refuses in words what it cannot find.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

import screen_forms as sf
from conftest import OFFICE_X, make_rows

ABSENT_REQUEST = "RKS-TLKSEPI"  # a request of office X that no row of any other table names
ABSENT_APPLICANT = "lookup.sepi"  # an applicant who rated, reviewed and did nothing


@pytest.fixture(scope="module")
def site(app, world, leave_no_trace):
    from app import models as m
    from app.models import ActivityRequest

    from conftest import ensure_users

    with app.app_context():
        session = app.appbuilder.session
        ensure_users(app, None, ("Applicant", ABSENT_APPLICANT))
        rows = make_rows(session, m, world.offices[OFFICE_X], world.users["applicant_b"],
                         world.users["officer_x"], "LK1")
        session.add(ActivityRequest(
            tracking_code=ABSENT_REQUEST, office_id=world.offices[OFFICE_X],
            applicant_id=world.users["applicant_a"], title="Sepi", year=2026,
            agency_name="Dinas Sepi", state="submitted"))
        session.commit()
        session.remove()
    return rows


def _rows_shown(page: str) -> int:
    """The list's record count ("Jumlah Data: N"), 0 when FAB says it found none."""
    if "Data tidak ditemukan" in page:
        return 0
    found = re.search(r"Jumlah Data:</strong>\s*([\d.]+)", page)
    assert found, page[:400]
    return int(found.group(1).replace(".", ""))


CHILD_PAGES = ("/requestvariableview/list/", "/requestvariableview/add",
               "/requestindicatorview/list/", "/requestindicatorview/add",
               "/attachmentview/list/", "/attachmentview/add", "/reviewview/list/",
               "/activityresultview/list/", "/letterview/list/", "/ratingview/list/",
               "/complaintview/add", "/guestbookentryview/add", "/auditeventview/list/")


@pytest.mark.parametrize("user", ["officer_x", "admin"])
def test_no_page_lists_every_request_or_account(app, world, clients, site, user):
    """The scale property: a request or an account nothing points to is on none of the forms
    and search forms (FAB's selects listed them all)."""
    client = clients[user]
    pk = site["ActivityRequestView"]
    for url in (*CHILD_PAGES, f"/activityrequestview/edit/{pk}",
                f"/complaintview/edit/{site['ComplaintView']}"):
        r = client.get(url)
        assert r.status_code == 200, url
        page = r.get_data(as_text=True)
        assert ABSENT_REQUEST not in page and ABSENT_APPLICANT not in page, url
        assert not re.search(r'<select[^>]*name=\\?"(request|applicant|rater|actor|officer)',
                             page), url


def test_the_role_and_group_screens_list_no_accounts(clients, world, site):
    """FAB's role and group screens wrote every account into their search form and the group
    form (auth/security.py): members are set on the user's form instead."""
    client = clients["admin"]
    for url in ("/roles/list/", "/groups/list/", "/groups/add"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert ABSENT_APPLICANT not in r.get_data(as_text=True), url
    # The users' list finds them; the user's form sets their roles and groups.
    page = client.get("/users/list/", query_string={"_flt_2_username": ABSENT_APPLICANT})
    assert ABSENT_APPLICANT in page.get_data(as_text=True)
    form = client.get(f"/users/edit/{world.users['applicant_a']}").get_data(as_text=True)
    assert 'name="groups"' in form and 'name="roles"' in form


def test_the_search_finds_a_request_by_its_tracking_code(clients, site):
    client = clients["officer_x"]
    url = "/requestvariableview/list/"
    everything = _rows_shown(client.get(url).get_data(as_text=True))
    assert everything >= 2  # the world's request's variable and this module's
    # Typed as a person types it: any case, spaces around.
    for typed in ("RKS-TLK1", " rks-tlk1 "):
        page = client.get(url, query_string={"_flt_0_request": typed}).get_data(as_text=True)
        assert _rows_shown(page) == 1 and "RKS-TLK1" in page, typed
    # "Not equal to": everything else.
    page = client.get(url, query_string={"_flt_1_request": "RKS-TLK1"}).get_data(as_text=True)
    assert _rows_shown(page) == everything - 1
    # A code of no request, of another office's, a filter row left empty: an answer, no error.
    for typed, shown in (("RKS-TIDAKADA", 0), ("RKS-T1671", 0), ("", everything)):
        r = client.get(url, query_string={"_flt_0_request": typed})
        assert r.status_code == 200 and _rows_shown(r.get_data(as_text=True)) == shown, typed
    # The search form's box says what to type, in Indonesian (its HTML is in the page's JSON).
    page = client.get(url).get_data(as_text=True)
    assert 'placeholder=\\"Kode lacak permohonan, mis. RKS-7K2M9QXA.\\"' in page


def test_the_search_finds_an_account_by_its_e_mail_or_user_name(clients, site):
    client = clients["admin"]
    url = "/auditeventview/list/"
    for typed in ("officer_x", "OFFICER_X@rekomstat.test"):
        page = client.get(url, query_string={"_flt_0_actor": typed}).get_data(as_text=True)
        assert _rows_shown(page) >= 1, typed
    page = client.get(url, query_string={"_flt_0_actor": "tidak.ada@rekomstat.test"})
    assert _rows_shown(page.get_data(as_text=True)) == 0


def test_adding_from_the_requests_page_needs_no_code(app, clients, site):
    """The "+" of a request's variables (FAB's related view) names the request by its key: the
    form leaves the field out and the row lands on that request."""
    from app.models import RequestVariable

    client = clients["officer_x"]
    pk = site["ActivityRequestView"]
    url = f"/requestvariableview/add?_flt_0_request={pk}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="request"' not in page and 'name="name"' in page
    r = client.post(url, data={"position": "2", "name": "Pendidikan terakhir"})
    assert r.status_code == 302
    with app.app_context():
        session = app.appbuilder.session
        row = session.scalars(sa.select(RequestVariable).where(
            RequestVariable.name == "Pendidikan terakhir")).one()
        assert row.request_id == pk
        session.remove()


def test_a_required_request_left_empty_is_asked_for(app, clients, site):
    from app.models import RequestIndicator

    client = clients["officer_x"]
    with app.app_context():
        before = app.appbuilder.session.scalar(sa.select(sa.func.count(RequestIndicator.id)))
        app.appbuilder.session.remove()
    r = client.post("/requestindicatorview/add",
                    data={"request": "  ", "position": "1", "name": "Indeks harga"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Isian ini wajib diisi." in page
    assert 'value="Indeks harga"' in page  # nothing typed is lost
    with app.app_context():
        after = app.appbuilder.session.scalar(sa.select(sa.func.count(RequestIndicator.id)))
        app.appbuilder.session.remove()
    assert after == before


def test_an_optional_request_is_linked_or_left_out(app, world, clients, site):
    """A guest book entry names a request if there is one: typed, it is linked; left empty, the
    entry has none; another office's code is refused and the entry is not stored."""
    from app.models import GuestBookEntry

    client = clients["officer_x"]
    form, _ = sf.parse(client.get("/guestbookentryview/add").get_data(as_text=True))
    shown = sf.browser_data(form)  # what the browser sends untouched (the selects' choices)
    for name, typed, linked in (("Tamu Satu", "rks-tlk1", site["ActivityRequestView"]),
                                ("Tamu Dua", "", None)):
        r = client.post("/guestbookentryview/add",
                        data={**shown, "name": name, "request": typed})
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
        with app.app_context():
            entry = app.appbuilder.session.scalars(sa.select(GuestBookEntry).where(
                GuestBookEntry.name == name)).one()
            assert entry.request_id == linked
            app.appbuilder.session.remove()
    r = client.post("/guestbookentryview/add",
                    data={**shown, "name": "Tamu Tiga", "request": "RKS-T1671"})  # office Y's
    assert r.status_code == 200
    assert "Tidak ada permohonan dengan kode lacak ini" in r.get_data(as_text=True)
    with app.app_context():
        assert app.appbuilder.session.scalar(sa.select(sa.func.count(GuestBookEntry.id)).where(
            GuestBookEntry.name == "Tamu Tiga")) == 0
        app.appbuilder.session.remove()


def test_a_complaints_officer_is_still_picked_from_the_office_staff(clients, site):
    """Accounts a form picks within the office (a complaint's officer: a handful) stay a
    select; the complaint's request is typed."""
    page = clients["officer_x"].get(
        f"/complaintview/edit/{site['ComplaintView']}").get_data(as_text=True)
    select = page[page.index('id="assignee" name="assignee"'):]
    select = select[: select.index("</select>")]
    assert ">officer_x -</option>" in select, select[:300]
    assert "applicant_a" not in select and "officer_y" not in select
    assert '<input class="form-control" id="request" name="request"' in page
