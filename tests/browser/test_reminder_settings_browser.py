"""Issue 24's settings walked in headless Chromium, as the admin meets them on "Pengaturan" →
"Pengaturan kantor" → edit, and what they change on the officer's home:

(a) saved with nothing changed: nothing changes; (b) the required fields only: the two
revision reminders' days emptied are refused in words, nothing saved; (c) an ordinary change:
a reminder switched off, the revision reminders at 3 and 7 days, an intermediate target of 2
working days to start a review; (d) hostile values: a second reminder not after the first,
negative and huge numbers, letters, script. The officer then finds the request past the
target on "Tugas saya", also on a phone.

An office of this module's own (OFFICE) with its own people. Screenshots go to
REKOMSTAT_SHOTS=<folder>/reminders when set, else the test's temporary folder.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app import models as m
from browser import people as people_base
from browser.people import PHONE, STAFF, shots_folder, windows

from conftest import PASSWORD

pytestmark = pytest.mark.browser

OFFICE, OFFICE_NAME = "1686", "BPS Kabupaten Uji Pengaturan Pengingat"
OFFICER = "petugas.atur1686"
ENGLISH = re.compile(r"\b(Save|List|Add|Edit|Delete|Search|Back|Actions|Cancel|Submit|Show|"
                     r"Please|Required|Yes|No|True|False|None|Remind|Reminder|Target|Digest|"
                     r"working days)\b")
LABELS = {
    "officers": "Ingatkan petugas (pada 50 dan 80 persen hari kerja)",
    "first": "Pengingat perbaikan pertama setelah (hari kerja)",
    "again": "Pengingat perbaikan kedua setelah (hari kerja)",
    "review": "Target: pemeriksaan dimulai dalam (hari kerja)",
}


class Person(people_base.Person):
    broken = (*people_base.Person.broken, "__None", "None None")

    def check(self, path):
        super().check(path)
        english = sorted(set(w for w in ENGLISH.findall(self.main_text()) if w != "Target"))
        assert not english, f"{path}: English words on the screen: {english}"

    def field(self, key: str):
        return self.page.get_by_label(re.compile(rf"^\s*{re.escape(LABELS[key])}\s*\**\s*$"))

    def save(self):
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Simpan").click()

    def errors(self) -> str:
        return "\n".join([*self.alerts(), *self.page.locator(
            ".help-block, .text-danger, .has-error").all_inner_texts()])


@pytest.fixture
def people(browser, live_server, tmp_path):
    folder = shots_folder(tmp_path, "reminders")
    yield from windows(lambda who, viewport=STAFF: Person(
        browser, live_server, folder, who, viewport))


@pytest.fixture(scope="module")
def site(app, world):
    from app.ops.bootstrap import create_user, ensure_office

    with app.app_context():
        office = ensure_office(OFFICE, OFFICE_NAME, city="Kota Pengaturan")
        sm = app.appbuilder.sm
        if sm.find_user(username=OFFICER) is None:
            create_user("Officer", OFFICER, f"{OFFICER}@rekomstat.test", PASSWORD, "Yuni",
                        "Astuti", office_code=OFFICE)
        session = app.appbuilder.session
        setting = session.scalars(sa.select(m.OfficeSetting.id).where(
            m.OfficeSetting.office_id == office.id)).one()
        ids = {"office": office.id, "setting": setting, "applicant": world.users["applicant_a"]}
        session.remove()
    return ids


def values(app, site) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        row = session.get(m.OfficeSetting, site["setting"])
        result = {c.key: getattr(row, c.key) if getattr(row, c.key) != "" else None
                  for c in m.OfficeSetting.__table__.columns}
        session.remove()
    return result


def edit_page(admin, site):
    admin.goto(f"/officesettingview/edit/{site['setting']}")


def test_the_admin_sets_the_reminders_and_the_targets(app, site, people):
    before = values(app, site)
    admin = people("admin")
    admin.log_in("admin")
    admin.menu("Pengaturan", "Pengaturan kantor")
    row = admin.page.locator("table tr").filter(has_text=OFFICE_NAME).first
    with admin.page.expect_navigation():
        row.locator(f"a[href*='/officesettingview/edit/{site['setting']}']").click()
    assert admin.field("officers").is_checked()
    assert admin.field("first").input_value() == "5" and admin.field("again").input_value() == "10"
    assert admin.field("review").input_value() == ""
    admin.shot("formulir")

    # (a) nothing changed
    admin.save()
    admin.shot("tanpa-ubah")
    assert not admin.page.locator(".alert-danger").count(), admin.alerts()
    assert values(app, site) == before

    # (b) the required numbers emptied: the browser itself holds the form back (the fields
    # are marked required), nothing is saved
    edit_page(admin, site)
    admin.field("first").fill("")
    admin.field("again").fill("")
    admin.page.get_by_role("button", name="Simpan").click()
    admin.page.wait_for_timeout(300)
    admin.shot("wajib-kosong")
    assert "/officesettingview/edit/" in admin.page.url
    assert admin.field("first").evaluate("e => e.validity.valueMissing")
    assert values(app, site) == before

    # (d) hostile: the second not after the first; negative, huge, letters, script
    for first, again, review, expected in (
            ("7", "7", "", "Pengingat kedua harus sesudah pengingat pertama."),
            ("-3", "10", "", None),
            ("5", "99999999999999999999", "", None),
            ("5", "10", "dua", None),
            ("5", "10", "<script>alert(1)</script>", None)):
        edit_page(admin, site)
        admin.field("first").fill(first)
        admin.field("again").fill(again)
        admin.field("review").fill(review)
        admin.save()
        admin.shot("ditolak")
        said = admin.errors()
        assert said.strip(), (first, again, review)
        if expected:
            assert expected in said, said
        assert values(app, site) == before, (first, again, review)

    # (c) an ordinary change: the officers' reminders off, revisions at 3 and 7, a target
    edit_page(admin, site)
    admin.field("officers").uncheck()
    admin.field("first").fill("3")
    admin.field("again").fill("7")
    admin.field("review").fill("2")
    admin.save()
    admin.shot("tersimpan")
    assert not admin.page.locator(".alert-danger").count(), admin.alerts()
    assert values(app, site) == {**before, "remind_officers": False,
                                 "revision_reminder_days": 3,
                                 "revision_reminder_again_days": 7, "review_start_days": 2}
    admin.goto(f"/officesettingview/show/{site['setting']}")
    line = admin.page.locator("tr").filter(has_text=LABELS["officers"]).first.inner_text()
    assert re.search(r"\bTidak\s*$", line), line
    admin.shot("lihat")


def test_the_officer_finds_the_request_past_its_target(app, site, people):
    from app.core import codes
    from app.offices.workdays import office_today

    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.OfficeSetting).where(
            m.OfficeSetting.id == site["setting"]).values(review_start_days=2))
        today = office_today()
        submitted = dt.datetime.combine(today - dt.timedelta(days=14), dt.time(2))
        req = m.ActivityRequest(
            tracking_code=codes.tracking_code("RKS"), office_id=site["office"],
            applicant_id=site["applicant"], state="submitted",
            title="Survei Kepuasan Pelayanan Terminal 2027", year=2027, kind="survey",
            submitted_at=submitted, complete_at=submitted, due_date=today + dt.timedelta(days=20))
        session.add(req)
        session.commit()
        code = req.tracking_code
        session.remove()
    for viewport, name in ((STAFF, "petugas"), (PHONE, "petugas-ponsel")):
        officer = people(name, viewport)
        officer.log_in(OFFICER)
        panel = officer.page.locator("#officer-targets")
        panel.wait_for()
        officer.shot("beranda")
        text = panel.inner_text()
        assert "Melewati target antara" in text and code in text
        assert "Pemeriksaan belum dimulai tepat waktu" in text
        assert re.search(r"\d+ hari kerja \(target 2\)", text), text
        width = officer.page.viewport_size["width"]
        assert officer.page.evaluate("document.documentElement.scrollWidth") <= width
