"""The staff home, "Tugas saya" (app/reports/home.py, issue 19): each role's items, only of its own
office, the overdue first, and the menu's count of them on every staff page (one statement).

The offices here are the module's own (codes 1697 and 1698), so what other tests leave in the
shared database never shows in these counts; the admin's figures are global, so they are
checked as a difference."""
from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
import sqlalchemy as sa
from test_query_counts import statements

from app import models as m
from app.core import process_cache
from app.offices.workdays import office_today
from app.ops.bootstrap import create_user, ensure_office
from app.reports import home

from conftest import PASSWORD, login

HOME, OTHER = "1698", "1697"
_serial = itertools.count(1)


def _today(app):
    with app.test_request_context():
        return office_today()


@pytest.fixture(scope="module")
def office(app, world):
    """Office HOME with two officers and a head; office OTHER with an officer."""
    with app.app_context():
        sm = app.appbuilder.sm
        ids = {"home": ensure_office(HOME, "BPS Kota Uji Beranda").id,
               "other": ensure_office(OTHER, "BPS Kota Uji Lain").id}
        for name, role, code in (("home_officer", "Officer", HOME),
                                 ("home_officer2", "Officer", HOME),
                                 ("home_head", "Head", HOME),
                                 ("home_officer_other", "Officer", OTHER)):
            user = sm.find_user(username=name) or create_user(
                role, name, f"{name}@rekomstat.test", PASSWORD, office_code=code)
            ids[name] = user.id
    return ids


def _request(session, world, office_id, state, *, officer=None, due=None, title=None):
    code = f"RKS-H{next(_serial):04d}{state[:3].upper()}"
    req = m.ActivityRequest(
        tracking_code=code, office_id=office_id, applicant_id=world.users["applicant_a"],
        officer_id=officer, state=state, title=title or f"Survei Beranda {code}", year=2027,
        agency_name="Dinas Uji Beranda", due_date=due,
        submitted_at=dt.datetime(2026, 11, 2, 3), complete_at=dt.datetime(2026, 11, 2, 3),
        clock_paused_at=dt.datetime(2026, 11, 20, 3) if state == "revision_requested" else None,
    )
    session.add(req)
    session.flush()
    return req


def _codes_in(html: str, section: str) -> list[str]:
    """The requests (by data-request id) listed in the element with this id, in order."""
    start = html.index(f'id="{section}"')
    end = html.find("</tbody>", start)
    end = html.find("</table>", start) if end == -1 else end
    return re.findall(r'data-request="(\d+)"', html[start:end])


def _badge(html: str):
    """The count on the menu's "Tugas saya" entry; None without the entry, 0 without a badge."""
    entry = re.search(r'<li class="rekom-tasks">(.*?)</li>', html, re.DOTALL)
    if entry is None:
        return None
    badge = re.search(r'class="badge"[^>]*>(\d+)<', entry.group(1))
    return int(badge.group(1)) if badge else 0


def _page(client, url="/admin/"):
    answer = client.get(url)
    assert answer.status_code == 200, url
    return answer.get_data(as_text=True)


def test_the_officer_sees_what_waits_on_them_overdue_first(app, world, office):
    today = _today(app)
    late, soon, later = (today - dt.timedelta(days=10), today + dt.timedelta(days=7),
                         today + dt.timedelta(days=30))
    me, colleague = office["home_officer"], office["home_officer2"]
    with app.app_context():
        s = app.appbuilder.session
        home = office["home"]
        mine = {
            "submitted_later": _request(s, world, home, "submitted", due=later),
            "submitted_late": _request(s, world, home, "submitted", due=late),
            "submitted_soon": _request(s, world, home, "submitted", due=soon),
            "in_review": _request(s, world, home, "in_review", officer=me, due=soon),
            "verified": _request(s, world, home, "verified", officer=me, due=soon),
            "issued": _request(s, world, home, "issued", officer=colleague, due=soon),
        }
        revision = _request(s, world, home, "revision_requested", officer=me, due=soon)
        not_mine = [
            _request(s, world, home, "in_review", officer=colleague, due=late),
            _request(s, world, home, "verified", officer=colleague, due=late),
            _request(s, world, home, "submitted", officer=colleague, due=late),  # resubmitted
            _request(s, world, home, "letter_drafted", officer=me, due=late),  # the head's
            _request(s, world, home, "sent", officer=me, due=late),
            _request(s, world, office["other"], "submitted", due=late),
            _request(s, world, office["other"], "issued", due=late),
        ]
        complaints = [
            m.Complaint(tracking_code=f"ADU-H{next(_serial):04d}", office_id=home,
                        subject=subject, text="Teks", state=state, assignee_id=assignee,
                        due_date=due)
            for subject, state, assignee, due in (
                ("Aduan milik saya", "in_progress", me, later),
                ("Aduan tanpa petugas", "received", None, late),
                ("Aduan rekan", "in_progress", colleague, late),
                ("Aduan sudah dijawab", "answered", me, late),
            )
        ] + [m.Complaint(tracking_code=f"ADU-H{next(_serial):04d}", office_id=office["other"],
                         subject="Aduan kantor lain", text="Teks", state="received")]
        s.add_all(complaints)
        s.add_all([m.QueueTicket(office_id=home, service_date=today, number=n, state=state)
                   for n, state in ((1, "done"), (2, "waiting"), (3, "waiting"))])
        s.add(m.QueueTicket(office_id=office["other"], service_date=today, number=41,
                            state="waiting"))
        s.commit()
        mine = {k: str(v.id) for k, v in mine.items()}
        revision, not_mine = str(revision.id), [str(r.id) for r in not_mine]
        complaint_ids = [str(c.id) for c in complaints]

    html = _page(login(app.test_client(), "home_officer"))
    assert "Tugas saya" in html and "Permohonan yang menunggu Anda" in html
    # Grouped by state; in each group the nearest due date first: the overdue one leads.
    assert _codes_in(html, "group-submitted") == [
        mine["submitted_late"], mine["submitted_soon"], mine["submitted_later"]]
    assert _codes_in(html, "group-in_review") == [mine["in_review"]]
    assert _codes_in(html, "group-verified") == [mine["verified"]]
    assert _codes_in(html, "group-issued") == [mine["issued"]]
    assert _codes_in(html, "group-revision_requested") == [revision]
    assert "Menunggu pemohon" in html
    listed = re.findall(r'data-request="(\d+)"', html)
    assert not set(listed) & set(not_mine)
    # The days left: the same working days the request list shows, overdue in red.
    row = re.search(rf'data-request="{mine["submitted_late"]}".*?</tr>', html,
                    re.DOTALL).group(0)
    assert "danger" in row and "Terlambat" in row and "hari kerja" in row
    assert f"/activityrequestview/show/{mine['in_review']}" in html
    # Complaints: mine and nobody's, open, of my office; the nearest deadline first.
    shown = re.findall(r'data-complaint="(\d+)"', html)
    assert shown == [complaint_ids[1], complaint_ids[0]]
    assert f"/complaintview/show/{complaint_ids[0]}" in html
    # Today's queue of my office: the waiting numbers.
    queue = html[html.index('id="officer-queue"'):]
    assert "002" in queue and "003" in queue and "041" not in queue
    assert "2 nomor antrean menunggu" in queue
    # The menu's count: the requests of the four groups and the two complaints.
    assert _badge(html) == 6 + 2
    assert _badge(_page(login(app.test_client(), "home_officer"),
                        "/activityrequestview/list/")) == 8

    # The colleague sees the requests they hold, not mine.
    other_html = _page(login(app.test_client(), "home_officer2"))
    assert mine["in_review"] not in re.findall(r'data-request="(\d+)"', other_html)
    assert not_mine[0] in _codes_in(other_html, "group-in_review")
    # The officer of the other office sees none of this office's.
    far = _page(login(app.test_client(), "home_officer_other"))
    assert not set(re.findall(r'data-request="(\d+)"', far)) & (set(mine.values())
                                                                  | {revision})
    assert not_mine[5] in _codes_in(far, "group-submitted")


def test_the_head_sees_the_letters_to_sign_oldest_first(app, world, office):
    today = _today(app)
    with app.app_context():
        s = app.appbuilder.session
        reqs = []
        for drafted in (dt.datetime(2026, 11, 20, 3), dt.datetime(2026, 11, 5, 3),
                        dt.datetime(2026, 11, 12, 3)):
            req = _request(s, world, office["home"], "letter_drafted",
                           officer=office["home_officer"], due=today + dt.timedelta(days=20))
            s.add(m.Letter(request_id=req.id, office_id=office["home"], body="Draf",
                           verification_code=f"home-{next(_serial)}-{req.id}",
                           drafted_at=drafted))
            reqs.append(str(req.id))
        elsewhere = _request(s, world, office["other"], "letter_drafted",
                             due=today + dt.timedelta(days=20))
        s.add(m.Letter(request_id=elsewhere.id, office_id=office["other"], body="Draf",
                       verification_code=f"home-{next(_serial)}-{elsewhere.id}"))
        s.commit()
        elsewhere = str(elsewhere.id)
        total = s.scalar(sa.select(sa.func.count(m.ActivityRequest.id)).where(
            m.ActivityRequest.office_id == office["home"],
            m.ActivityRequest.state == "letter_drafted"))
    html = _page(login(app.test_client(), "home_head"))
    listed = _codes_in(html, "head-letters")
    assert [r for r in listed if r in reqs] == [reqs[1], reqs[2], reqs[0]]  # oldest draft first
    assert elsewhere not in listed
    assert "Surat yang harus ditandatangani" in html
    assert f"/activityrequestview/show/{reqs[1]}" in html
    # The head has no officer's lists, and the count is the letters to sign.
    assert 'id="officer-requests"' not in html
    assert _badge(html) == total == len(listed)


def test_the_admin_sees_failed_mails_offices_not_set_up_and_every_office(app, world, office):
    client = login(app.test_client(), "admin")
    before = _badge(_page(client))
    with app.app_context():
        s = app.appbuilder.session
        mail = m.OutboundEmail(office_id=office["home"], recipient="gagal@rekomstat.test",
                               subject="Surat yang gagal terkirim", body_text="Halo",
                               state="failed", attempts=12, last_error="SMTP mati")
        bare = m.Office(code="1696", name="BPS Kota Belum Diatur", active=True)
        s.add_all([mail, bare])
        s.commit()
        mail_id, bare_id = mail.id, bare.id
    try:
        html = _page(client)
        assert _badge(html) == before + 2
        mails = html[html.index('id="admin-mails"'):html.index('id="admin-offices-unset"')]
        assert "gagal@rekomstat.test" in mails and "/outboundemailview/list/" in mails
        unset = html[html.index('id="admin-offices-unset"'):html.index('id="admin-offices"')]
        assert "BPS Kota Belum Diatur" in unset and "Belum ada pengaturan kantor" in unset
        assert "BPS Kota Uji Beranda" not in unset  # set up by ensure_office
        table = html[html.index('id="admin-offices"'):]
        assert f'data-office="{office["home"]}"' in table and "BPS Kota Uji Beranda" in table
        # The admin's office link opens the requests of that office.
        link = re.search(rf'href="([^"]*_flt_0_office={office["home"]})"', table).group(1)
        assert client.get(link.replace("&amp;", "&")).status_code == 200
        # The admin's home lists no officer's or head's items.
        assert 'id="officer-requests"' not in html and 'id="head-letters"' not in html
    finally:
        with app.app_context():
            s = app.appbuilder.session
            s.execute(sa.delete(m.OutboundEmail).where(m.OutboundEmail.id == mail_id))
            s.execute(sa.delete(m.Office).where(m.Office.id == bare_id))
            s.commit()
    assert _badge(_page(client)) == before


def test_an_officer_with_nothing_to_do_is_told_so(app, world, office):
    with app.app_context():
        ensure_office("1695", "BPS Kota Sepi")
        if app.appbuilder.sm.find_user(username="quiet_officer") is None:
            create_user("Officer", "quiet_officer", "quiet_officer@rekomstat.test", PASSWORD,
                        office_code="1695")
    html = _page(login(app.test_client(), "quiet_officer"))
    assert "Tidak ada tugas" in html
    assert _badge(html) == 0


def test_applicants_and_visitors_get_no_tasks(app, world, clients):
    assert _badge(_page(clients[None])) is None
    assert _badge(_page(clients[None], "/login/")) is None
    assert clients["applicant_a"].get("/admin/").status_code == 302  # their home: the portal
    with app.app_context():
        assert home.task_count(app.appbuilder.session, world.users["applicant_a"], None,
                               {"Applicant"}) is None


def _count_statements(seen):
    return [s for s in seen if "complaint" in s and "activity_request" in s]


def test_the_menus_count_is_one_statement_kept_for_a_while(app, world, office):
    """The badge costs one statement on the first page; the next pages within
    home.BADGE_TTL_S show the kept count (no statement) until a write in this process, and
    the home page ("Tugas saya") always counts afresh."""
    client = login(app.test_client(), "home_officer")
    list_url = "/activityrequestview/list/"
    process_cache.forget_all()
    with statements(app) as seen:
        before = _badge(_page(client, list_url))
    assert len(_count_statements(seen)) == 1, seen
    with statements(app) as seen:
        assert _badge(_page(client, list_url)) == before
    assert _count_statements(seen) == []
    # A request arrives (written through the ORM in this process): the next page counts it.
    with app.app_context():
        s = app.appbuilder.session
        arrived = _request(s, world, office["home"], "submitted").id
        s.commit()
    try:
        with statements(app) as seen:
            assert _badge(_page(client, list_url)) == before + 1
        assert len(_count_statements(seen)) == 1
        # Changed behind the process's back (a bare connection, as another worker would):
        # other pages keep the count for a while, the home page counts afresh.
        with app.app_context():
            engine = app.appbuilder.session.get_bind()
            with engine.begin() as conn:
                conn.execute(sa.update(m.ActivityRequest)
                             .where(m.ActivityRequest.id == arrived).values(state="sent"))
        assert _badge(_page(client, list_url)) == before + 1
        assert _badge(_page(client)) == before
        assert _badge(_page(client, list_url)) == before  # the fresh count is kept
    finally:
        with app.app_context():
            s = app.appbuilder.session
            s.execute(sa.delete(m.ActivityRequest).where(m.ActivityRequest.id == arrived))
            s.commit()
    # Every staff page shows it: FAB's own pages too.
    assert _badge(_page(client, "/users/userinfo/")) is not None
