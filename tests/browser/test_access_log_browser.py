"""Breach readiness (issue 25) walked in headless Chromium: the data protection officer (an
administrator) opens "Pengaturan" → "Akses data pribadi", reads an empty period, the period in
which an officer opened a visitor's page, hostile filter values typed into the address bar,
and exports the filtered list as CSV; an officer finds no such menu entry and is refused the
page.

Office 1679 (tests/test_access_log.py's) with an officer of this walk's own. Screenshots go
to REKOMSTAT_SHOTS=<folder>/access-log when set, else the test's temporary folder.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app import models as m
from browser import people as people_base
from browser.people import STAFF, shots_folder, windows

from conftest import PASSWORD

pytestmark = pytest.mark.browser

OFFICE, OFFICE_NAME = "1679", "BPS Kabupaten Uji Akses Data"
OFFICER = "petugas.akses.peramban"
VISITOR = "Tamu Peramban Akses"
LIST = "/personaldataaccessview/list/"
DENIED = "Akses Ditolak"


class Person(people_base.Person):
    broken = (*people_base.Person.broken, "__None", "None None", "view_personal",
              "export_personal")


@pytest.fixture
def people(browser, live_server, tmp_path):
    folder = shots_folder(tmp_path, "access-log")
    yield from windows(lambda who, viewport=STAFF: Person(
        browser, live_server, folder, who, viewport))


@pytest.fixture(scope="module")
def site(app, world):
    from app.ops.bootstrap import create_user, ensure_office

    with app.app_context():
        office = ensure_office(OFFICE, OFFICE_NAME, city="Kota Akses")
        sm = app.appbuilder.sm
        if sm.find_user(username=OFFICER) is None:
            create_user("Officer", OFFICER, f"{OFFICER}@rekomstat.test", PASSWORD, "Dewi",
                        "Lestari", office_code=OFFICE)
        session = app.appbuilder.session
        guest = m.GuestBookEntry(office_id=office.id, name=VISITOR, phone="081200001679")
        session.add(guest)
        session.commit()
        ids = {"office": office.id, "guest": guest.id,
               "officer": sm.find_user(username=OFFICER).id}
        session.remove()
    return ids


def _period_around_today() -> str:
    today = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
    return (f"_flt_0_at={(today - dt.timedelta(days=1)).isoformat()}"
            f"&_flt_1_at={(today + dt.timedelta(days=1)).isoformat()}")


def _rows(person) -> list[str]:
    """The list's rows (each with its detail page's link), as text."""
    page = person.page
    return page.locator("tr").filter(
        has=page.locator("a[href*='/personaldataaccessview/show/']")).all_inner_texts()


def test_the_officer_of_data_protection_reads_and_exports_who_saw_whose_data(app, site, people):
    # An officer opens the visitor's page: that is the access the screen must show.
    officer = people("petugas")
    officer.log_in(OFFICER)
    officer.goto(f"/guestbookentryview/show/{site['guest']}")
    assert VISITOR in officer.page.locator("body").inner_text()
    officer.shot("rincian-tamu")
    assert not officer.menu_has("Akses data pribadi")
    response = officer.page.goto(officer.base + LIST)
    assert response.status == 403
    assert DENIED in officer.page.locator("body").inner_text()
    officer.shot("akses-ditolak")

    admin = people("admin")
    admin.log_in("admin")
    admin.menu("Pengaturan", "Akses data pribadi")
    assert admin.page.url.split("?")[0].endswith(LIST)
    assert "Siapa melihat atau mengekspor data pribadi siapa" in admin.main_text()
    admin.shot("daftar")

    # An empty period: no rows, said in words.
    admin.goto(f"{LIST}?_flt_0_at=2033-05-01&_flt_1_at=2033-05-02")
    assert _rows(admin) == []
    assert "Data tidak ditemukan" in admin.main_text()
    admin.shot("periode-kosong")

    # The period around today, the officer's accesses only: the visitor by name.
    query = f"{_period_around_today()}&_flt_0_actor={site['officer']}"
    admin.goto(f"{LIST}?{query}")
    rows = _rows(admin)
    seen = [r for r in rows if VISITOR in r]
    assert seen and all("Data pribadi dilihat" in r and "Dewi Lestari" in r for r in seen), rows
    assert all("Dewi Lestari" in r for r in rows), rows
    admin.shot("periode-petugas")

    # Hostile values typed into the address bar: refused in words, or nothing found.
    # A period not understood: said above an empty list (never every access).
    for bad in ("_flt_0_at=kemarin", "_flt_1_at=2032-02-31"):
        response = admin.page.goto(f"{admin.base}{LIST}?{bad}")
        assert response.status == 200, (bad, response.status)
        assert "TTTT-BB-HH" in admin.page.locator("#period-problem").inner_text()
        assert _rows(admin) == []
        admin.shot("periode-tak-terbaca")
    response = admin.page.goto(f"{admin.base}{LIST}?_flt_0_object_id={'9' * 31}")
    assert response.status == 400
    assert admin.page.locator("#bad-input").is_visible()
    admin.shot("filter-ditolak")
    response = admin.page.goto(
        f"{admin.base}{LIST}?_flt_0_action=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert response.status == 200 and _rows(admin) == []
    admin.shot("filter-skrip")

    # The export of the filtered list: the button carries the filters.
    admin.goto(f"{LIST}?{query}")
    with admin.page.expect_download() as download:
        admin.page.locator("#access-log-export").click()
    data = open(download.value.path(), encoding="utf-8-sig").read()
    table = list(csv.reader(io.StringIO(data)))
    assert table[0] == ["Waktu", "Pelaku", "Tindakan", "Jenis data", "ID objek", "Data milik",
                        "Kantor", "Catatan"]
    assert table[1:] and all(r[1] == "Dewi Lestari" for r in table[1:]), table
    assert any(r[5] == VISITOR and r[2] == "Data pribadi dilihat" for r in table[1:]), table
    admin.shot("setelah-ekspor")
    with app.app_context():
        session = app.appbuilder.session
        exported = session.scalars(sa.select(m.AuditEvent.object_id).where(
            m.AuditEvent.action == "export_personal",
            m.AuditEvent.object_type == "guest_book_entry",
            m.AuditEvent.actor_id == session.scalar(sa.select(m.RekomUser.id).where(
                m.RekomUser.username == "admin")))).all()
        session.remove()
    assert site["guest"] in exported
