"""Issue 26, the form in steps, walked in Chromium as an applicant: (a) nothing filled, (b) only
what is marked needed, step by step to the submission, (c) an ordinary record with variables
and a document, (d) hostile values; a draft kept across a logout (the step being typed comes
back after logging in again); Enter saves and goes on; and the phone layout (375 px: no
sideways scrolling, tap targets of at least 24 px).

REKOMSTAT_SHOTS=<folder> keeps the screenshots (one per step) to look at.
"""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from app import models as m

from .people import STAFF, Person, shots_folder, windows
from conftest import PASSWORD, seed

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def people(browser, live_server, tmp_path):
    folder = shots_folder(tmp_path, "form-steps")
    yield from windows(lambda who, viewport=STAFF: Person(browser, live_server, folder, who,
                                                          viewport))


def _stored(app, title) -> m.ActivityRequest:
    with app.app_context():
        session = app.appbuilder.session
        req = session.scalars(sa.select(m.ActivityRequest).where(
            m.ActivityRequest.title == title)).one()
        session.expunge(req)
        session.remove()
        return req


def _next(person, expect_step=None):
    page = person.page
    with page.expect_navigation():
        page.click("#step-next")
    if expect_step:
        assert page.url.endswith(f"step={expect_step}"), (page.url, person.alerts())
    return page


def _at_step(page) -> str:
    return page.locator("#step-count").inner_text()


def _no_sideways_scroll(page):
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def _small_targets(page) -> list:
    """Buttons, links and fields of the main part under 24 px high or wide (a radio button's or a
    checkbox's target is its whole label)."""
    return page.evaluate("""() => [...document.querySelectorAll(
            'main button, main a.btn, main input:not([type=hidden]), main select')]
        .filter(e => e.offsetParent !== null && !e.classList.contains('step-default'))
        .map(e => [e.id || e.name || e.textContent.trim().slice(0, 20),
                   (['checkbox', 'radio'].includes(e.type) && e.closest('label')
                    || e).getBoundingClientRect()])
        .filter(([, r]) => r.width > 0 && (r.height < 24 || r.width < 24))
        .map(([n, r]) => n + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""")


def test_nothing_then_the_needed_fields_step_by_step_to_the_submission(app, world, people):
    applicant = people("pemohon")
    applicant.log_in("applicant_a")
    page = applicant.page
    applicant.goto("/portal/")
    with page.expect_navigation():
        page.click("#new-request")
    assert "Langkah 1 dari 12" in _at_step(page)
    applicant.shot("langkah-1-kosong")
    # (a) Nothing typed (the year the form offers, the office chosen): a draft, on to step 2.
    _next(applicant, "organiser")
    assert "Tersimpan sebagai draf." in " ".join(applicant.alerts())
    req_id = int(re.search(r"/requests/(\d+)/edit", page.url).group(1))
    applicant.shot("langkah-2")
    # (b) Only the fields marked needed: step 1 again through the progress indicator.
    with page.expect_navigation():
        page.click("button[value='goto:activity']")
    title = f"Survei Kebutuhan Air Bersih {uuid.uuid4().hex[:6]}"
    page.fill("#title", title)
    page.select_option("#kind", "survey")
    _next(applicant, "organiser")
    page.fill("#agency_name", "Dinas PUPR Kota Lubuklinggau")
    page.fill("#agency_head_title", "Kepala Dinas PUPR Kota Lubuklinggau")
    page.fill("#agency_address", "Jl. Garuda No. 3, Lubuklinggau")
    _next(applicant, "people")
    page.fill("#resp_name", "Dewi Lestari")
    page.fill("#resp_phone", "0812 3456 7890")
    _next(applicant, "planning")
    page.fill("#objectives", "Mengetahui kebutuhan air bersih rumah tangga per kelurahan.")
    page.fill("#collection_start", "2027-04-01")
    page.fill("#collection_end", "2027-05-31")
    applicant.shot("langkah-4-terisi")
    # Straight to the last step through the progress indicator: this step is saved on the way.
    with page.expect_navigation():
        page.click("button[value='goto:review']")
    assert "Langkah 12 dari 12" in _at_step(page)
    assert page.locator("#complete").is_visible() and page.locator("#missing").count() == 0
    applicant.shot("periksa-lengkap")
    with page.expect_navigation():
        page.click("#submit-request")
    assert page.url.endswith(f"/portal/requests/{req_id}")
    assert page.locator("#state").inner_text() == "Diajukan"
    applicant.shot("diajukan")
    req = _stored(app, title)
    assert (req.state, req.agency_name, req.resp_phone, str(req.collection_end)) == (
        "submitted", "Dinas PUPR Kota Lubuklinggau", "0812 3456 7890", "2027-05-31")


def test_the_last_step_links_what_is_missing_to_its_field(app, world, people):
    applicant = people("pemohon-kurang")
    applicant.log_in("applicant_a")
    page = applicant.page
    applicant.goto("/portal/requests/new?step=activity")
    title = f"Survei Belum Lengkap {uuid.uuid4().hex[:6]}"
    page.fill("#title", title)
    # Enter in a field saves and goes on, like the "Save and continue" button.
    with page.expect_navigation():
        page.press("#title", "Enter")
    assert page.url.endswith("step=organiser"), page.url
    with page.expect_navigation():
        page.click("button[value='goto:review']")
    missing = page.locator("#missing li a")
    assert missing.count() >= 6
    assert page.locator("#submit-request").is_disabled()
    # The steps lacking answers say so in the progress indicator.
    assert "belum diisi" in page.locator("#form-steps").inner_text()
    applicant.shot("periksa-kurang")
    # A link leads to its step with its field in view.
    link = page.locator("#missing a", has_text="Penanggung jawab: nama")
    with page.expect_navigation():
        link.click()
    assert "step=people" in page.url and page.url.endswith("#resp_name")
    assert page.locator("#resp_name").is_visible()
    assert _stored(app, title).state == "draft"


def test_an_ordinary_record_with_variables_a_document_and_hostile_values(app, world, people,
                                                                         tmp_path):
    applicant = people("pemohon-lengkap")
    applicant.log_in("applicant_a")
    page = applicant.page
    applicant.goto("/portal/requests/new?step=activity")
    title = f"Survei Sosial Ekonomi <script>alert(1)</script> {uuid.uuid4().hex[:6]}"
    page.fill("#title", title)
    page.fill("#similar_reason", "\"'><img src=x onerror=alert(1)>")
    _next(applicant, "organiser")
    # (d) A collection that ends before it starts: said next to the date, nothing saved, the
    # typing kept.
    with page.expect_navigation():
        page.click("button[value='goto:planning']")
    page.fill("#objectives", "Mengukur pengeluaran rumah tangga.")
    page.fill("#collection_start", "2027-06-01")
    page.fill("#collection_end", "2027-02-01")
    _next(applicant)
    assert page.locator("#form-errors").is_visible()
    assert page.locator(".has-error #collection_end").count() == 1
    assert page.input_value("#objectives") == "Mengukur pengeluaran rumah tangga."
    applicant.shot("tanggal-salah")
    assert _stored(app, title).objectives is None
    page.fill("#collection_end", "2027-07-31")
    with page.expect_navigation():
        page.click("button[value='goto:rows']")
    page.fill("input[name='variables-0-name']", "Pengeluaran per kapita")
    page.select_option("select[name='variables-0-data_type']", index=1)
    page.fill("input[name='variables-1-name']", "Jumlah anggota rumah tangga")
    page.fill("input[name='indicators-0-name']", "Garis kemiskinan")
    applicant.shot("variabel")
    _next(applicant, "documents")
    cover = tmp_path / "surat-pengantar.pdf"
    cover.write_bytes(PDF)
    page.set_input_files("#file_cover_letter", str(cover))
    _next(applicant, "review")
    applicant.shot("periksa")
    req = _stored(app, title)
    with app.app_context():
        session = app.appbuilder.session
        names = session.scalars(sa.select(m.RequestVariable.name).where(
            m.RequestVariable.request_id == req.id).order_by(m.RequestVariable.position)).all()
        files = session.scalars(sa.select(m.Attachment.original_name).where(
            m.Attachment.request_id == req.id)).all()
        session.remove()
    assert names == ["Pengeluaran per kapita", "Jumlah anggota rumah tangga"]
    assert files == ["surat-pengantar.pdf"]
    assert req.similar_reason == "\"'><img src=x onerror=alert(1)>"
    assert str(req.collection_end) == "2027-07-31"
    # The hostile text is shown as text (Person.close fails on any alert).
    assert page.locator("img[src=x]").count() == 0


def test_a_draft_is_kept_across_a_logout(app, world, people):
    applicant = people("pemohon-keluar")
    applicant.log_in("applicant_a")
    page = applicant.page
    applicant.goto("/portal/requests/new?step=activity")
    title = f"Survei Keluar Masuk {uuid.uuid4().hex[:6]}"
    page.fill("#title", title)
    _next(applicant, "organiser")  # step 1 saved on the server
    page.fill("#agency_name", "Badan Perencanaan Kota Lubuklinggau")
    page.fill("#agency_address", "Jl. Merdeka No. 9")
    page.wait_for_timeout(400)  # the tab's copy is written a moment after the typing
    # The session ends behind the applicant's back (logged out in another tab).
    other = applicant.context.new_page()
    other.goto(applicant.base + "/logout/")
    other.close()
    with page.expect_navigation():
        page.click("#step-next")
    assert "/login" in page.url
    applicant.shot("masuk-lagi")
    page.fill("#username", "applicant_a")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("input[type=submit], button[type=submit]").first.click()
    # Back on the step that was being typed: the saved draft and the typing both there.
    assert "step=organiser" in page.url, page.url
    assert page.locator("#draft-restored").is_visible()
    assert page.input_value("#agency_name") == "Badan Perencanaan Kota Lubuklinggau"
    assert page.input_value("#agency_address") == "Jl. Merdeka No. 9"
    applicant.shot("dipulihkan")
    _next(applicant, "people")
    req = _stored(app, title)
    assert (req.title, req.agency_name) == (title, "Badan Perencanaan Kota Lubuklinggau")
    # Saved: the copy is gone, the step opens from the server without the notice.
    with page.expect_navigation():
        page.click("button[value='goto:organiser']")
    assert page.locator("#draft-restored").is_hidden()


def test_every_step_on_a_phone(app, world, people):
    applicant = people("pemohon-ponsel", PHONE)
    applicant.log_in("applicant_a")
    page = applicant.page
    applicant.goto("/portal/requests/new?step=activity")
    page.fill("#title", f"Survei Ponsel {uuid.uuid4().hex[:6]}")
    # The phone's keyboard: numbers for the year, e-mail and dates where asked.
    assert page.get_attribute("#year", "inputmode") == "decimal"
    for _ in range(11):
        _no_sideways_scroll(page)
        assert _small_targets(page) == [], _small_targets(page)
        applicant.shot(page.url.rsplit("step=", 1)[-1] if "step=" in page.url else "baru")
        if page.locator("#step-next").count() == 0:
            break
        _next(applicant)
    assert "Langkah 12 dari 12" in _at_step(page)
    assert page.locator("#resp_email").count() == 0  # not on this step
    page.goto(page.url.split("?")[0] + "?step=people")
    assert page.get_attribute("#resp_email", "type") == "email"
    assert page.get_attribute("#resp_phone", "type") == "tel"


def test_the_first_step_shows_similar_activities_as_the_title_is_typed(app, world, wf, people):
    with app.app_context():
        seed(app.appbuilder.session, world, wf, "sent")  # recommended: in the catalogue
        app.appbuilder.session.remove()
    applicant = people("pemohon-serupa")
    applicant.log_in("applicant_b")
    page = applicant.page
    applicant.goto("/portal/requests/new?step=activity")
    page.locator("#title").press_sequentially("Survei Ubinan Padi", delay=20)
    similar = page.locator("#similar")
    similar.wait_for(state="visible")
    assert "Survei Ubinan Padi Sawah 2027" in page.locator("#similar-list").inner_text()
    # Right under the title, before the next field.
    assert (page.locator("#title").bounding_box()["y"] < similar.bounding_box()["y"]
            < page.locator("#year").bounding_box()["y"])
    applicant.shot("serupa")
