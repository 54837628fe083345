"""The office tree in Chromium (issue 27): a province officer reads the requests of a regency
under the province. On the list each row names its office; the regency's row offers only its
page (the eye), its own rows the pencil and the checkbox too. The regency's page opens without
a button that would change it, and its form prints. A hostile title reads as text. The
regency's own officer sees one office: no office column, its pencil. At 1280 px and on a phone.

Screenshots go to REKOMSTAT_SHOTS/office_tree when set.
"""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from app import models as m
from app.core.process_cache import forget_all
from browser.people import PHONE, STAFF, Person, shots_folder, windows

from conftest import seed

pytestmark = pytest.mark.browser

PROVINCE, REGENCY = "1701", "1702"
HOSTILE = '<script>alert("x")</script> Survei "Pohon" & <b>tebal</b>'


@pytest.fixture(scope="module")
def tree(app, world, wf):
    """Province 1701 with regency 1702 under it, an officer in each, a submitted request in
    each (the regency's with a hostile title)."""
    from app.ops.bootstrap import create_user, ensure_office

    with app.app_context():
        session = app.appbuilder.session
        province = ensure_office(PROVINCE, "BPS Provinsi Uji Jalan Pohon")
        regency = ensure_office(REGENCY, "BPS Kabupaten Uji Jalan Pohon",
                                parent_id=province.id)
        for name, code in (("petugas.prov1701", PROVINCE), ("petugas.kab1702", REGENCY)):
            if app.appbuilder.sm.find_user(username=name) is None:
                create_user("Officer", name, f"{name}@rekomstat.test", "Rahasia-Uji-12345",
                            office_code=code)
        titles, ids = {}, {}
        for key, office, title in (
                ("province", province.id, f"Survei Provinsi {uuid.uuid4().hex[:6]}"),
                ("regency", regency.id, f"{HOSTILE} {uuid.uuid4().hex[:6]}")):
            req_id = seed(session, world, wf, "submitted")
            session.execute(sa.update(m.ActivityRequest).where(m.ActivityRequest.id == req_id)
                            .values(office_id=office, title=title))
            titles[key], ids[key] = title, req_id
        session.commit()
        session.remove()
    forget_all()
    return ids, titles


@pytest.fixture
def people(browser, live_server, tmp_path):
    folder = shots_folder(tmp_path, "office_tree")
    yield from windows(lambda who, viewport=STAFF: Person(browser, live_server, folder, who,
                                                          viewport))


def _row(person, title):
    return person.page.locator("table tr").filter(has_text=title[-6:])


@pytest.mark.parametrize("viewport", [STAFF, PHONE], ids=["1280", "phone"])
def test_a_province_officer_reads_a_regencys_request(tree, people, viewport):
    ids, titles = tree
    officer = people(f"provinsi-{viewport['width']}", viewport)
    officer.log_in("petugas.prov1701", "Rahasia-Uji-12345")
    officer.goto("/activityrequestview/list/?psize_ActivityRequestView=100")
    officer.shot("daftar")
    headers = officer.page.locator("table thead th").all_inner_texts()
    assert "Kantor" in [h.strip() for h in headers]
    regency, own = _row(officer, titles["regency"]), _row(officer, titles["province"])
    assert "1702 BPS Kabupaten Uji Jalan Pohon" in regency.inner_text()
    assert "1701 BPS Provinsi Uji Jalan Pohon" in own.inner_text()
    # The hostile title is text, not markup.
    assert HOSTILE in regency.inner_text()
    assert regency.locator("a[href*='/edit/'], a[href*='/delete/'], input.action_check") \
        .count() == 0
    assert own.locator("a[href*='/edit/']").count() == 1
    assert own.locator("input.action_check").count() == 1
    with officer.page.expect_navigation():
        regency.locator(f"a[href*='/show/{ids['regency']}']").click()
    officer.shot("permohonan-kabupaten")
    assert officer.page.locator(".well a.btn").filter(has_text="Mulai periksa").count() == 0
    assert officer.page.locator("a[href*='/action/'], form[action*='/action/']").count() == 0
    assert HOSTILE in officer.main_text()
    response = officer.page.request.get(
        f"{officer.base}/activityrequestview/form/{ids['regency']}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    officer.goto(f"/activityrequestview/show/{ids['province']}")
    officer.shot("permohonan-sendiri")
    assert officer.page.locator(".well a.btn").filter(has_text="Mulai periksa").count() == 1


def test_a_regency_officer_sees_one_office(tree, people):
    ids, titles = tree
    officer = people("kabupaten")
    officer.log_in("petugas.kab1702", "Rahasia-Uji-12345")
    officer.goto("/activityrequestview/list/?psize_ActivityRequestView=100")
    officer.shot("daftar")
    assert officer.page.locator("th.row-office").count() == 0
    assert _row(officer, titles["province"]).count() == 0
    own = _row(officer, titles["regency"])
    assert own.locator(f"a[href*='/edit/{ids['regency']}']").count() == 1


@pytest.mark.parametrize("viewport", [STAFF, PHONE], ids=["1280", "phone"])
def test_a_province_dashboard_says_how_fresh_its_figures_are(tree, people, viewport):
    """The area's figures are kept (reports/snapshots.py) and the page says when they were
    counted; one office of it chosen, its figures are counted for the page. A period typed
    wrong falls back to this year with a message."""
    officer = people(f"dasbor-{viewport['width']}", viewport)
    officer.log_in("petugas.prov1701", "Rahasia-Uji-12345")
    officer.goto("/dashboard/")
    officer.shot("wilayah")
    assert "BPS Provinsi Uji Jalan Pohon dan kantor di bawahnya" in officer.main_text()
    fresh = officer.page.locator("#figures-at")
    assert fresh.is_visible()
    assert "dihitung ulang paling lama setiap 10 menit" in fresh.inner_text()
    officer.page.select_option("select[name=office]", label="1702 BPS Kabupaten Uji Jalan Pohon")
    with officer.page.expect_navigation():
        officer.page.locator("#dash-filter button[type=submit], #dash-filter input[type=submit]"
                             ).first.click()
    officer.shot("satu-kantor")
    assert "BPS Kabupaten Uji Jalan Pohon" in officer.main_text()
    assert officer.page.locator("#figures-at").count() == 0
    officer.goto("/dashboard/?start=2026-13-45&end=%3Cscript%3E")
    officer.shot("periode-salah")
    assert "Periode tidak sah" in " ".join(officer.alerts())
    assert officer.page.locator("#figures-at").is_visible()
