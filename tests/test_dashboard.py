"""The dashboard screen (/dashboard/) and its Excel exports: who may see it, office scoping
(a forged office parameter changes nothing for staff), the figures on the page, the .xlsx files
read back with openpyxl.

The data of this module lives in March 2042 (local time, WIB): no other test stamps anything
then.

Wiring: until ``app.dashboard.register`` is called from ``views.register_views`` and the
dashboard's permissions are in the role matrix, the ``dash`` fixture builds a second app on the
same database with the view registered, and grants Officer and Head the two permissions for the
module's duration (taken back afterwards). Once wired, the session's own app and clients are
used and the matrix tests below run instead of being skipped.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import load_workbook

from app import create_app
from app.auth.roles import HEAD, OFFICER, role_permissions
from app.models import ActivityRequest, GuestBookEntry, Letter, Rating
from app.reports.views import DashboardView, register

from conftest import OFFICE_X, OFFICE_Y, app_config, login, seed

PERMISSIONS = (("can_index", "DashboardView"), ("can_export", "DashboardView"))
MARCH = {"start": "2042-03-01", "end": "2042-03-31"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wired(app) -> bool:
    return any(isinstance(v, DashboardView) for v in app.appbuilder.baseviews) and all(
        pair in role_permissions(OFFICER) for pair in PERMISSIONS)


@pytest.fixture(scope="module")
def dash(app, world, clients):
    """(app, clients) on which /dashboard/ exists and staff hold its permissions."""
    if wired(app):
        yield app, clients
        return
    other = create_app(app_config())
    granted = []
    with other.app_context():
        register(other.appbuilder)
        register(other.appbuilder)  # a second call changes nothing
        sm = other.appbuilder.sm
        sm.sync_roles()  # the dashboard's permissions exist; Admin holds them
        for role_name in (OFFICER, HEAD):
            role = sm.find_role(role_name)
            for perm, view in PERMISSIONS:
                pv = sm.find_permission_view_menu(perm, view)
                if pv not in role.permissions:
                    sm.add_permission_role(role, pv)
                    granted.append((role_name, perm, view))
    own = {None: other.test_client()}
    for name in world.users:
        own[name] = login(other.test_client(), name)
    yield other, own
    with other.app_context():
        sm = other.appbuilder.sm
        for role_name, perm, view in granted:
            pv = sm.find_permission_view_menu(perm, view)
            sm.del_permission_role(sm.find_role(role_name), pv)


def _request(session, world, wf, state, *, complete, due, sent=None, letter_date=None,
             office=OFFICE_X, title=None):
    req_id = seed(session, world, wf, state, due=due)
    req = session.get(ActivityRequest, req_id)
    req.office_id = world.offices[office]
    req.created_at = req.submitted_at = req.complete_at = complete
    req.sent_at = sent
    if title:
        req.title = title
    session.commit()
    if req.letter is not None:
        # Issued letters are frozen for the ORM (letters/document.py): restamp them in plain SQL.
        values = {"office_id": req.office_id, "sent_at": sent}
        if letter_date:
            values.update(letter_date=letter_date,
                          issued_at=dt.datetime.combine(letter_date, dt.time(3)))
        session.execute(Letter.__table__.update()
                        .where(Letter.__table__.c.id == req.letter.id).values(**values))
        session.commit()
        session.expire_all()
    return session.get(ActivityRequest, req_id)


@pytest.fixture(scope="module")
def march(dash, world, wf):
    app, _clients = dash
    with app.app_context():
        s = app.appbuilder.session
        r = {}
        # R3 recorded 28 Feb 17:30 UTC = Sun 1 Mar 00:30 WIB: the first of March's register.
        r["R3"] = _request(s, world, wf, "submitted", complete=dt.datetime(2042, 2, 28, 17, 30),
                           due=dt.date(2042, 4, 13))
        # R1 recorded Tue 3 Mar, due 14 Apr, letter dated 19 Mar, sent 20 Mar: on time.
        r["R1"] = _request(s, world, wf, "sent", complete=dt.datetime(2042, 3, 3, 2),
                           due=dt.date(2042, 4, 14), sent=dt.datetime(2042, 3, 20, 3),
                           letter_date=dt.date(2042, 3, 19))
        # R4 recorded Wed 4 Mar, due 10 Mar, sent 11 Mar: late.
        r["R4"] = _request(s, world, wf, "sent", complete=dt.datetime(2042, 3, 4, 2),
                           due=dt.date(2042, 3, 10), sent=dt.datetime(2042, 3, 11, 3),
                           letter_date=dt.date(2042, 3, 11))
        # R2 recorded 31 Mar 17:30 UTC = Wed 1 Apr 00:30 WIB: not March.
        r["R2"] = _request(s, world, wf, "in_review", complete=dt.datetime(2042, 3, 31, 17, 30),
                           due=dt.date(2042, 5, 13))
        # R5 of office Y, recorded 5 Mar.
        r["R5"] = _request(s, world, wf, "submitted", complete=dt.datetime(2042, 3, 5, 2),
                           due=dt.date(2042, 4, 16), office=OFFICE_Y,
                           title="Survei Rahasia Kantor Palembang")
        x, y = world.offices[OFFICE_X], world.offices[OFFICE_Y]
        # Ratings in March: R1 all 4s, R4 all 3s → NRR 3.5 each, IKM 3.5, 87.50, B, n = 2.
        for key, value in (("R1", 4), ("R4", 3)):
            s.add(Rating(request_id=r[key].id, office_id=x, created_at=dt.datetime(2042, 3, 21, 3),
                         **{f"e{i}": value for i in range(1, 10)}))
        s.add(Rating(request_id=r["R5"].id, office_id=y, created_at=dt.datetime(2042, 3, 21, 3),
                     **{f"e{i}": 1 for i in range(1, 10)}))
        guests = [
            # Mon 2 Mar 08:00 WIB
            GuestBookEntry(office_id=x, visited_at=dt.datetime(2042, 3, 2, 1), name="Budi Santoso",
                           id_doc_type="ktp", id_doc_number="1673010101800001",
                           agency="Dinas Kesehatan Kota Lubuklinggau", phone="0733-321000",
                           email="budi@dinkes.test", purpose="Konsultasi rekomendasi survei"),
            # 28 Feb 17:30 UTC = Sun 1 Mar 00:30 WIB: in March, first.
            GuestBookEntry(office_id=x, visited_at=dt.datetime(2042, 2, 28, 17, 30),
                           name="Sari Dewi", id_doc_type="paspor", id_doc_number="X1234567",
                           purpose="Mengambil surat"),
            # 31 Mar 17:30 UTC = 1 Apr 00:30 WIB: April, not in March's book.
            GuestBookEntry(office_id=x, visited_at=dt.datetime(2042, 3, 31, 17, 30),
                           name="Tamu April", id_doc_type="ktp"),
            # Office Y's guest: never in office X's book.
            GuestBookEntry(office_id=y, visited_at=dt.datetime(2042, 3, 10, 3),
                           name="Tamu Palembang", id_doc_type="sim"),
        ]
        s.add_all(guests)
        s.commit()
        return {k: v.tracking_code for k, v in r.items()}


def _number(html: str, tile: str) -> str:
    match = re.search(rf'id="{tile}">\s*<div class="dash-number">([^<]*)</div>', html)
    assert match, f"tile {tile} not on the page"
    return match.group(1).strip()


def _page(client, **params):
    response = client.get("/dashboard/", query_string=params)
    return response, response.get_data(as_text=True)


# --- who may see it --------------------------------------------------------------------------


def test_admin_sees_the_dashboard_with_its_charts(dash, march):
    _app, clients = dash
    response, html = _page(clients["admin"])
    assert response.status_code == 200
    assert 'id="month-chart"' in html and "<svg" in html  # drawn on the server
    content = html[html.index('id="dashboard"'):html.index("<footer")]
    assert "<script" not in content  # no chart library needed
    assert 'name="office"' in html  # admins choose the office


@pytest.mark.parametrize("user", ["officer_x", "head_x"])
def test_staff_see_the_dashboard(dash, march, user):
    _app, clients = dash
    response, html = _page(clients[user], **MARCH)
    assert response.status_code == 200
    assert 'name="office"' not in html  # no office to choose: their own
    assert _number(html, "tile-received") == "3"


def test_applicants_are_refused(dash):
    _app, clients = dash
    assert clients["applicant_a"].get("/dashboard/").status_code == 403
    assert clients["applicant_a"].get("/dashboard/export/requests").status_code == 403


def test_anonymous_goes_to_the_login(dash):
    _app, clients = dash
    for url in ("/dashboard/", "/dashboard/export/ikm"):
        response = clients[None].get(url)
        assert response.status_code == 302 and "/login/" in response.headers["Location"]


def test_the_menu_links_the_dashboard_for_admins(dash):
    _app, clients = dash
    assert "/dashboard/" in clients["admin"].get("/admin/").get_data(as_text=True)


# --- after wiring: the matrix itself -----------------------------------------------------------


def test_the_matrix_grants_staff_the_dashboard(app):
    if not wired(app):
        pytest.skip("enable after wiring: register() in views.register_views + matrix entries")
    for role in (OFFICER, HEAD):
        assert set(PERMISSIONS) <= role_permissions(role)
    with app.app_context():
        sm = app.appbuilder.sm
        for role in ("Applicant", "Public"):
            held = {(pv.permission.name, pv.view_menu.name)
                    for pv in sm.find_role(role).permissions}
            assert not held & set(PERMISSIONS)


def test_the_menu_links_the_dashboard_for_staff(app, clients):
    if not wired(app):
        pytest.skip("enable after wiring: menu_access on the dashboard menu for Officer and Head")
    for user in ("officer_x", "head_x"):
        assert "/dashboard/" in clients[user].get("/admin/").get_data(as_text=True)
    assert "/dashboard/" not in clients["applicant_a"].get("/admin/", follow_redirects=True
                                                           ).get_data(as_text=True)


# --- office scoping --------------------------------------------------------------------------


def test_officer_sees_own_office_only(dash, world, march):
    _app, clients = dash
    response, html = _page(clients["officer_x"], **MARCH)
    assert f'data-office="{world.offices[OFFICE_X]}"' in html
    assert _number(html, "tile-received") == "3"  # R3, R1, R4 (R2 is April, R5 office Y)
    assert "Survei Rahasia Kantor Palembang" not in html


def test_a_forged_office_parameter_changes_nothing(dash, world, march):
    _app, clients = dash
    x, y = world.offices[OFFICE_X], world.offices[OFFICE_Y]
    for forged in (str(x), "", "all", "0"):
        response, html = _page(clients["officer_y"], office=forged, **MARCH)
        assert response.status_code == 200
        assert f'data-office="{y}"' in html
        assert _number(html, "tile-received") == "1"  # office Y's R5 only, never X's 3
        assert march["R1"] not in html and march["R3"] not in html
    export = clients["officer_y"].get("/dashboard/export/requests",
                                      query_string={"office": str(x), **MARCH})
    codes = [row[0] for row in _rows(export)[1:]]
    assert codes == [march["R5"]]
    ikm = _rows(clients["officer_y"].get("/dashboard/export/ikm",
                                         query_string={"office": str(x), **MARCH}))
    assert _summary(_app, ikm)["respondents"] == 1  # office Y's single rating, not office X's two


def test_admin_chooses_an_office_or_all(dash, world, march):
    _app, clients = dash
    admin = clients["admin"]
    _r, html = _page(admin, office=str(world.offices[OFFICE_X]), **MARCH)
    assert _number(html, "tile-received") == "3"
    _r, html = _page(admin, office=str(world.offices[OFFICE_Y]), **MARCH)
    assert _number(html, "tile-received") == "1"
    _r, html = _page(admin, office="", **MARCH)
    assert 'data-office="all"' in html and _number(html, "tile-received") == "4"


def test_figures_on_the_page(dash, world, march):
    _app, clients = dash
    _r, html = _page(clients["admin"], office=str(world.offices[OFFICE_X]), **MARCH)
    # R1 on time, R4 late: 50.0 % (Indonesian decimal comma).
    assert _number(html, "tile-on-time") == "50,0%"
    # IKM of March: NRR 3.5 everywhere → 87.50 → B, 2 respondents.
    assert 'id="ikm-converted">87,50<' in html
    assert 'id="ikm-grade">B<' in html
    assert 'id="ikm-respondents">2<' in html
    assert 'id="ikm-chart"' in html
    assert '<tr data-month="2042-03">' in html


def test_only_the_oldest_overdue_are_listed_with_a_link_to_all(dash, world, march, wf,
                                                               monkeypatch):
    from app.reports import figures as reports

    from conftest import seed

    app, clients = dash
    with app.app_context():  # two promises broken long ago (the list is of today)
        for due in (dt.date(2025, 1, 6), dt.date(2025, 1, 7)):
            seed(app.appbuilder.session, world, wf, "in_review", due=due)
    monkeypatch.setattr(reports, "OVERDUE_SHOWN", 10_000)
    _r, html = _page(clients["admin"], office=str(world.offices[OFFICE_X]), **MARCH)
    listed = html.count("<tr data-code=")  # all of them
    assert listed >= 2 and 'id="overdue-more"' not in html
    monkeypatch.setattr(reports, "OVERDUE_SHOWN", 1)
    _r, html = _page(clients["admin"], office=str(world.offices[OFFICE_X]), **MARCH)
    assert html.count("<tr data-code=") == 1
    more = html[html.index('id="overdue-more"'):]
    assert f"1 permohonan terlambat yang paling lama dari {listed}." in more
    assert 'href="/overduerequestview/list/"' in more[:400]


def test_a_bad_period_falls_back_to_this_year(dash):
    _app, clients = dash
    response, html = _page(clients["admin"], start="2042-13-01", end="2042-03-31")
    assert response.status_code == 200
    assert 'class="alert' in html  # said so
    response, _html = _page(clients["admin"], start="2042-03-31", end="2042-03-01")
    assert response.status_code == 200


# --- the exports -----------------------------------------------------------------------------


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == XLSX
    book = load_workbook(io.BytesIO(response.data))
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def _summary(app, rows) -> dict:
    by_label = {row[1]: row[3] for row in rows if row and row[1]}
    with app.app_context(), force_locale("id"):
        return {"index": by_label[_("Satisfaction index (IKM)")],
                "converted": by_label[_("Converted index (IKM × 25)")],
                "grade": by_label[_("Service quality")],
                "respondents": by_label[_("Respondents")]}


def _export(dash, world, kind, office=OFFICE_X, user="admin"):
    _app, clients = dash
    return clients[user].get(f"/dashboard/export/{kind}",
                             query_string={"office": str(world.offices[office]), **MARCH})


def test_request_register_export(dash, world, march):
    response = _export(dash, world, "requests")
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition
    assert "register-permohonan_1674_2042-03-01_2042-03-31.xlsx" in disposition
    rows = _rows(response)
    assert rows[0] == ("Kode pelacakan", "Judul kegiatan", "Instansi", "Jenis kegiatan",
                       "Status", "Diajukan", "Batas waktu", "Nomor surat", "Tanggal surat",
                       "Surat dikirim", "Terkirim tepat waktu")
    body = rows[1:]
    # Ordered as recorded complete: R3 (1 Mar 00:30 WIB), R1 (3 Mar), R4 (4 Mar).
    assert [r[0] for r in body] == [march["R3"], march["R1"], march["R4"]]
    r3, r1, r4 = body
    assert r1[1:5] == ("Survei Ubinan Padi Sawah 2027", "Dinas Pertanian Kota Lubuklinggau",
                       "Survei", "Dikirim")
    assert r3[4] == "Diajukan" and r3[5] == dt.datetime(2042, 3, 1)  # the WIB day
    assert r1[5] == dt.datetime(2042, 3, 3) and r1[6] == dt.datetime(2042, 4, 14)
    assert r1[7].startswith("B-") and r1[8] == dt.datetime(2042, 3, 19)
    assert r1[9] == dt.datetime(2042, 3, 20) and r1[10] == "Ya"
    assert r4[9] == dt.datetime(2042, 3, 11) and r4[10] == "Tidak"
    assert r3[7] is None and r3[9] is None and r3[10] is None  # no letter yet, not sent


def test_request_register_of_every_office_names_the_office(dash, world, march):
    _app, clients = dash
    rows = _rows(clients["admin"].get("/dashboard/export/requests",
                                      query_string={"office": "", **MARCH}))
    assert rows[0][-1] == "Kantor"
    assert {(r[0], r[-1]) for r in rows[1:]} == {
        (march["R3"], OFFICE_X), (march["R1"], OFFICE_X), (march["R4"], OFFICE_X),
        (march["R5"], OFFICE_Y)}


def test_guest_book_export(dash, world, march):
    response = _export(dash, world, "guestbook")
    assert "buku-tamu_1674_2042-03-01_2042-03-31.xlsx" in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert rows[0] == ("Waktu kunjungan", "Nama", "Dokumen identitas", "Instansi", "Telepon",
                       "Email", "Keperluan kunjungan")
    assert rows[1:] == [
        (dt.datetime(2042, 3, 1, 0, 30), "Sari Dewi", "Paspor ••••••67", None, None, None,
         "Mengambil surat"),
        (dt.datetime(2042, 3, 2, 8, 0), "Budi Santoso",
         "Kartu Tanda Penduduk (KTP) 1673••••••••0001",  # masked: it leaves the system
         "Dinas Kesehatan Kota Lubuklinggau", "0733-321000", "budi@dinkes.test",
         "Konsultasi rekomendasi survei"),
    ]


def test_ikm_export(dash, world, march):
    response = _export(dash, world, "ikm")
    assert "ikm_1674_2042-03-01_2042-03-31.xlsx" in response.headers["Content-Disposition"]
    rows = _rows(response)
    app = dash[0]
    with app.app_context(), force_locale("id"):
        assert rows[0] == (_("No."), _("Element"), _("Element average (NRR)"),
                           _("Weighted (NRR × 1/9)"))
    elements = rows[1:10]
    assert [r[0] for r in elements] == list(range(1, 10))
    assert elements[0][1] == "Persyaratan"  # the element names in Indonesian
    # Every NRR = (4 + 3) / 2 = 3.5; weighted 3.5 / 9 = 0.3889; Σ = IKM 3.5; × 25 = 87.50: B.
    assert all(r[2] == 3.5 for r in elements)
    assert all(r[3] == pytest.approx(3.5 / 9) for r in elements)
    summary = _summary(app, rows)
    assert summary["index"] == 3.5 and summary["converted"] == 87.5
    assert summary["grade"].startswith("B (")
    assert summary["respondents"] == 2


def test_ikm_export_without_ratings(dash, world):
    _app, clients = dash
    rows = _rows(clients["admin"].get("/dashboard/export/ikm",
                                      query_string={"start": "2043-05-01", "end": "2043-05-31"}))
    assert _summary(_app, rows)["respondents"] == 0
    assert all(r[2] is None for r in rows[1:10])


def test_unknown_export_is_404(dash):
    _app, clients = dash
    assert clients["admin"].get("/dashboard/export/passwords").status_code == 404


def test_head_may_export(dash, world, march):
    _app, clients = dash
    rows = _rows(clients["head_x"].get("/dashboard/export/guestbook", query_string=MARCH))
    assert [r[1] for r in rows[1:]] == ["Sari Dewi", "Budi Santoso"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_period_at_the_calendars_edge_is_refused_in_words(dash, day):
    """Such a day has no UTC bounds in the office's time zone: it answered 500."""
    _app, clients = dash
    response, html = _page(clients["admin"], start=day, end=day)
    assert response.status_code == 200
    assert "Periode tidak sah; yang ditampilkan tahun ini." in html
    export = clients["admin"].get("/dashboard/export/requests",
                                  query_string={"start": day, "end": day})
    assert export.status_code in (200, 302)
