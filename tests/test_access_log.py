"""Breach readiness (issue 25, UU 27/2022): the audit trail answers "who saw or exported whose
personal data, when" — one event per person seen or exported (auth/access_log.py) — and the
data protection officer's screen "Akses data pribadi" (auth/access_views.py) lists them by
period, actor, action and kind of data, and exports the list as it is filtered. Office 1679
is this file's own (tests/test_retention.py: 1681, the privacy walk: 1680).
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from app import models as m
from app.auth import access_log

from conftest import ensure_users, login

OFFICE = "1679"
LIST = "/personaldataaccessview/list/"
EXPORT = "/personaldataaccessview/export"
# Visits of a far day of their own, so that an export by date holds this file's entries only.
VISIT_DAY = dt.date(2031, 3, 10)
# The moments of the screen's period tests (naive UTC; the office's clock is WIB, UTC+7).
JANUARY = dt.datetime(2032, 1, 10, 3, 0)
JAN_LAST_EVENING = dt.datetime(2032, 1, 31, 16, 30)  # 23.30 WIB: still January
FEB_FIRST_MORNING = dt.datetime(2032, 1, 31, 20, 0)  # 03.00 WIB on 1 February
FEBRUARY = dt.datetime(2032, 2, 10, 3, 0)


@pytest.fixture(scope="module")
def place(app, world):
    from app.ops.bootstrap import ensure_office

    with app.app_context():
        session = app.appbuilder.session
        office = ensure_office(OFFICE, "BPS Kabupaten Uji Akses Data", city="Kota Akses")
        ids = ensure_users(app, OFFICE, ("Officer", "petugas.akses"), ("Head", "kepala.akses"),
                           ("Applicant", "pemohon.akses", "", "", None))
        ids["admin"] = world.users["admin"]
        visit = dt.datetime.combine(VISIT_DAY, dt.time(3, 0))  # 10.00 WIB
        guests = [m.GuestBookEntry(office_id=office.id, name=f"Tamu Akses {n}",
                                   phone=f"0812000017{n}", visited_at=visit + dt.timedelta(
                                       minutes=n)) for n in range(1, 4)]
        complaint = m.Complaint(tracking_code="ADU-AKSES1679", office_id=office.id,
                                subject="Layanan lambat", text="Menunggu lama",
                                reporter_name="Pelapor Akses Data",
                                reporter_email="pelapor.akses@rekomstat.test")
        registration = m.RekomRegisterUser(
            first_name="Calon", last_name="Akses Data", username="calon.akses",
            email="calon.akses@rekomstat.test", password="x", registration_hash="c" * 32)
        session.add_all([*guests, complaint, registration])
        session.commit()
        ids.update(office=office.id, guests=[g.id for g in guests], complaint=complaint.id,
                   registration=registration.id)
        session.remove()
    yield ids
    with app.app_context():  # registrations: other tests expect none of their own
        session = app.appbuilder.session
        session.execute(sa.delete(m.RekomRegisterUser).where(
            m.RekomRegisterUser.id == ids["registration"]))
        session.commit()
        session.remove()


@pytest.fixture(scope="module")
def users(app, place):
    return {name: login(app.test_client(), name)
            for name in ("petugas.akses", "kepala.akses", "pemohon.akses", "admin")}


def _accesses(app, action=None, **where):
    """The access events matching ``where`` (column=value), oldest first."""
    with app.app_context():
        session = app.appbuilder.session
        query = sa.select(m.AuditEvent).where(
            m.AuditEvent.action.in_([action] if action else
                                    access_log.PERSONAL_ACCESS_ACTIONS))
        for column, value in where.items():
            query = query.where(getattr(m.AuditEvent, column) == value)
        rows = session.scalars(query.order_by(m.AuditEvent.id)).all()
        result = [(r.actor_id, r.object_type, r.object_id, r.office_id, r.action, r.note)
                  for r in rows]
        session.remove()
    return result


# --- the staff's detail pages and exports ----------------------------------------------------


@pytest.mark.parametrize("who,url,table,key,office", [
    ("petugas.akses", "/guestbookentryview/show/{}", "guest_book_entry", "guest", True),
    ("petugas.akses", "/complaintview/show/{}", "complaint", "complaint", True),
    ("admin", "/users/show/{}", "ab_user", "pemohon.akses", False),
    ("admin", "/registeruser/show/{}", "ab_register_user", "registration", False),
])
def test_a_detail_page_is_one_access_naming_who_and_whose(app, place, users, who, url, table,
                                                          key, office):
    pk = place["guests"][0] if key == "guest" else place[key]
    before = _accesses(app, "view_personal", object_type=table, object_id=pk)
    assert users[who].get(url.format(pk)).status_code == 200
    after = _accesses(app, "view_personal", object_type=table, object_id=pk)
    assert len(after) == len(before) + 1
    actor, _table, _pk, office_id, _action, _note = after[-1]
    assert actor == place[who]
    assert office_id == (place["office"] if office else None)


def test_a_complaint_read_through_the_api_is_an_access_too(app, place, users):
    pk = place["complaint"]
    before = _accesses(app, "view_personal", object_type="complaint", object_id=pk)
    response = users["petugas.akses"].get(f"/api/v1/complaints/{pk}")
    assert response.status_code == 200
    assert response.json["result"]["reporter_name"] == "Pelapor Akses Data"
    after = _accesses(app, "view_personal", object_type="complaint", object_id=pk)
    assert after[len(before):] == [(place["petugas.akses"], "complaint", pk, place["office"],
                                    "view_personal", "API")]
    # The list names no reporter: no access per row.
    assert users["petugas.akses"].get("/api/v1/complaints/").status_code == 200
    assert _accesses(app, "view_personal", object_type="complaint", object_id=pk) == after


def test_ones_own_profile_and_a_refused_page_are_no_access(app, place, users):
    me = place["pemohon.akses"]
    before = _accesses(app, object_type="ab_user", object_id=me)
    assert users["pemohon.akses"].get("/users/userinfo/").status_code == 200
    # Another office's officer: not found, nothing seen.
    other = login(app.test_client(), "officer_x")
    assert other.get(f"/guestbookentryview/show/{place['guests'][0]}").status_code == 404
    assert _accesses(app, object_type="ab_user", object_id=me) == before
    assert _accesses(app, actor_id=None, object_id=place["guests"][0]) == []


def test_a_guest_book_export_is_one_access_per_visitor_in_it(app, place, users):
    day = VISIT_DAY.isoformat()
    before = {g: len(_accesses(app, "export_personal", object_type="guest_book_entry",
                               object_id=g)) for g in place["guests"]}
    csv_file = users["petugas.akses"].get(f"/guestbookentryview/export?start={day}&end={day}")
    assert csv_file.status_code == 200
    assert csv_file.get_data(as_text=True).count("Tamu Akses") == 3
    sheet = users["petugas.akses"].get(f"/dashboard/export/guestbook?start={day}&end={day}")
    assert sheet.status_code == 200
    for guest in place["guests"]:
        rows = _accesses(app, "export_personal", object_type="guest_book_entry",
                         object_id=guest)
        assert len(rows) == before[guest] + 2  # the CSV and the Excel file
        assert {r[0] for r in rows[-2:]} == {place["petugas.akses"]}
        notes = sorted(r[5] for r in rows[-2:])
        assert notes[0] == f"buku-tamu-{day}-{day}.csv" and notes[1].endswith(".xlsx")
    # An export of days without visitors writes nothing.
    count = len(_accesses(app, "export_personal", actor_id=place["petugas.akses"]))
    assert users["petugas.akses"].get(
        "/guestbookentryview/export?start=2031-03-11&end=2031-03-11").status_code == 200
    assert len(_accesses(app, "export_personal", actor_id=place["petugas.akses"])) == count


def test_the_writer_takes_only_accesses(app, place):
    with app.app_context():
        session = app.appbuilder.session
        with pytest.raises(ValueError):
            access_log.record_access(session, None, "complaint", [place["complaint"]], "submit")
        assert access_log.record_access(session, None, "complaint", [], "view_personal") == 0
        session.rollback()
        session.remove()


# --- the data protection officer's screen ----------------------------------------------------


@pytest.fixture(scope="module")
def period(app, place):
    """Accesses at known moments of 2032, plus a workflow step of the same days, which is no
    access and must not be listed."""
    with app.app_context():
        session = app.appbuilder.session
        officer, head = (session.get(m.RekomUser, place[n])
                         for n in ("petugas.akses", "kepala.akses"))
        guest, complaint = place["guests"][1], place["complaint"]
        for actor, table, pk, at, note in (
                (officer, "guest_book_entry", guest, JANUARY, "catatan-januari"),
                (head, "complaint", complaint, JAN_LAST_EVENING, "catatan-akhir-januari"),
                (officer, "complaint", complaint, FEB_FIRST_MORNING, "catatan-awal-februari"),
                (head, "guest_book_entry", guest, FEBRUARY, "catatan-februari"),
                (officer, "ab_user", 987_654_321, JANUARY, "catatan-akun-hilang")):
            access_log.record_access(session, actor, table, [pk], "view_personal", note,
                                     place["office"], at=at)
        session.add(m.AuditEvent(at=JANUARY, actor_id=officer.id, office_id=place["office"],
                                 object_type="complaint", object_id=complaint, action="take",
                                 note="catatan-bukan-akses"))
        session.commit()
        session.remove()


NOTES = ("catatan-januari", "catatan-akhir-januari", "catatan-awal-februari",
         "catatan-februari", "catatan-akun-hilang", "catatan-bukan-akses")


def _shown(page: str) -> set:
    return {note for note in NOTES if note in page}


def test_the_screen_lists_accesses_of_the_period_on_the_office_clock(app, place, period,
                                                                    users):
    admin = users["admin"]
    january = admin.get(f"{LIST}?_flt_0_at=2032-01-01&_flt_1_at=2032-01-31&psize_"
                        f"PersonalDataAccessView=100")
    assert january.status_code == 200
    page = january.get_data(as_text=True)
    assert _shown(page) == {"catatan-januari", "catatan-akhir-januari", "catatan-akun-hilang"}
    # Whose and who, by name; a subject gone reads as its kind and number.
    assert "Tamu Akses 2" in page and "Pelapor Akses Data" in page
    assert "Akun #987654321" in page
    assert "Data pribadi dilihat" in page and ">view_personal<" not in page
    # By actor: the head's only.
    heads = admin.get(f"{LIST}?_flt_0_at=2032-01-01&_flt_1_at=2032-02-29"
                      f"&_flt_0_actor={place['kepala.akses']}").get_data(as_text=True)
    assert _shown(heads) == {"catatan-akhir-januari", "catatan-februari"}
    # By kind of data and by action.
    complaints = admin.get(f"{LIST}?_flt_0_at=2032-01-01&_flt_1_at=2032-02-29"
                           "&_flt_0_object_type=complaint").get_data(as_text=True)
    assert _shown(complaints) == {"catatan-akhir-januari", "catatan-awal-februari"}
    exports = admin.get(f"{LIST}?_flt_0_at=2032-01-01&_flt_1_at=2032-02-29"
                        "&_flt_0_action=export_personal").get_data(as_text=True)
    assert _shown(exports) == set()
    # A period without any: an empty list, said so.
    empty = admin.get(f"{LIST}?_flt_0_at=2033-05-01&_flt_1_at=2033-05-02")
    assert empty.status_code == 200 and not _shown(empty.get_data(as_text=True))


def test_the_export_is_the_filtered_list_and_is_itself_recorded(app, place, period, users):
    admin = users["admin"]
    query = "_flt_0_at=2032-01-01&_flt_1_at=2032-01-31"
    link = admin.get(f"{LIST}?{query}").get_data(as_text=True)
    assert f'href="{EXPORT}?{query.replace("&", "&amp;")}"' in link
    before = len(_accesses(app, "export_personal", actor_id=place["admin"]))
    response = admin.get(f"{EXPORT}?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Waktu", "Pelaku", "Tindakan", "Jenis data", "ID objek", "Data milik",
                       "Kantor", "Catatan"]
    assert sorted(r[7] for r in rows[1:]) == sorted(
        ["catatan-januari", "catatan-akhir-januari", "catatan-akun-hilang"])
    by_note = {r[7]: r for r in rows[1:]}
    assert by_note["catatan-januari"][5] == "Tamu Akses 2"
    assert by_note["catatan-januari"][2] == "Data pribadi dilihat"
    assert by_note["catatan-akhir-januari"][0].startswith("2032-01-31 23:30")  # office clock
    # The officer read whose data these were: one export event per person in the file.
    recorded = _accesses(app, "export_personal", actor_id=place["admin"])[before:]
    assert sorted((r[1], r[2]) for r in recorded) == sorted([
        ("guest_book_entry", place["guests"][1]), ("complaint", place["complaint"]),
        ("ab_user", 987_654_321)])
    assert all(r[5].startswith("akses-data-pribadi-") for r in recorded)


@pytest.mark.parametrize("user", ["petugas.akses", "kepala.akses", "pemohon.akses"])
def test_only_the_administrators_see_the_screen(app, place, period, users, user):
    client = users[user]
    for url in (LIST, EXPORT, f"{LIST}?_flt_0_at=2032-01-01"):
        assert client.get(url).status_code == 403, url
    with app.app_context():
        pk = app.appbuilder.session.scalar(sa.select(m.AuditEvent.id).where(
            m.AuditEvent.note == "catatan-januari"))
        app.appbuilder.session.remove()
    assert client.get(f"/personaldataaccessview/show/{pk}").status_code == 403
    home = client.get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert "/personaldataaccessview/list/" not in home
    assert "/personaldataaccessview/list/" in users["admin"].get("/admin/").get_data(as_text=True)
    assert users["admin"].get(f"/personaldataaccessview/show/{pk}").status_code == 200
    assert app.test_client().get(LIST).status_code == 302  # anonymous: the login page


# A period not understood: the list shows no row and says why (as every list answers what FAB
# cannot read, tests/test_hostile_params.py); the export refuses it.
PERIOD = "period"


@pytest.mark.parametrize("query,status", [
    ("_flt_0_at=kemarin", PERIOD),
    ("_flt_1_at=2032-13-45", PERIOD),
    ("_flt_0_at=0001-01-01", PERIOD),
    ("_flt_1_at=9999-12-31T23:59", PERIOD),
    ("_flt_0_at=2032-01-01&_flt_0_at=bukan-tanggal", PERIOD),
    ("_flt_0_at=", 200),  # the search form's empty field
    ("_flt_7_at=2032-01-01", 400),  # no such filter
    ("_flt_0_object_id=99999999999999999999", 400),
    # An account is typed (web/lookups.py): a key or a name that names nobody finds nothing.
    ("_flt_0_actor=99999999999999", 200),
    ("_flt_0_actor=abc", 200),
    ("_flt_0_actor=99999999999999999999", 200),
    ("_flt_0_office=-1", 200),
    ("_flt_0_action=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200),
    ("_flt_0_object_type=ab_user%27%20OR%20%271%27%3D%271", 200),
    ("psize_PersonalDataAccessView=100000&page_PersonalDataAccessView=0", 200),
    ("page_PersonalDataAccessView=-1", 400),
    ("_oc_PersonalDataAccessView=note&_od_PersonalDataAccessView=asc", 400),
])
def test_hostile_filters_get_a_clear_answer_never_a_500(app, place, period, users, query,
                                                        status):
    admin = users["admin"]
    for url in (f"{LIST}?{query}", f"{EXPORT}?{query}"):
        try:
            response = admin.get(url)
        except Exception as exc:  # TESTING propagates what would be a 500
            pytest.fail(f"GET {url}: {type(exc).__name__}: {exc}")
        want = status
        if status == PERIOD:
            want = 400 if url.startswith(EXPORT) else 200
        if url.startswith(EXPORT) and want == 200:
            assert response.mimetype == "text/csv", url
        assert response.status_code == want, (url, response.status_code)
        text = response.get_data(as_text=True)
        assert "Traceback" not in text and "sqlalchemy" not in text.lower()
        if want == 400:
            assert 'id="bad-input"' in text, url
        if status == PERIOD and want == 200:
            assert "TTTT-BB-HH" in text and _shown(text) == set(), url
        if "script" in query:
            assert "<script>alert(1)</script>" not in text
