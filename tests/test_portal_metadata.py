"""The applicant's form captures MS-Var for every variable and MS-Ind for every indicator, from
the one form definition (requests/form.py VARIABLE_FIELDS, INDICATOR_FIELDS), and the new
request fields (the "other, namely" text of the kind and the sector) work on it.

A POST here is what the browser sends: the page's own form read with lxml (every input, the
checked boxes, the chosen options, the textareas), changed where a person changes it.
"""
from __future__ import annotations

import io
import re
import secrets

import lxml.html
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from app import models as m
from app.portal.pages import ROW_FIRST_LINE
from app.requests.form import INDICATOR_FIELDS, VARIABLE_FIELDS, choice_label, text_limit

from conftest import OFFICE_X

NEW = "/portal/requests/new"

# One complete ordinary variable and indicator: every field, the choices as their codes.
VARIABLE = {
    "name": "Umur responden", "alias": "UMUR",
    "concept": "Lama hidup seseorang sejak lahir.",
    "definition": "Umur dalam tahun penuh pada saat wawancara.",
    "reference": "Konsep SUSENAS 2024", "reference_period": "Saat wawancara",
    "measure": "Umur", "unit": "Tahun", "data_type": "integer",
    "value_domain": "0 = kurang dari 1 tahun; 1-97 = umur; 98 = 98 tahun atau lebih",
    "validation_rule": "0 <= UMUR <= 98",
    "question": "Berapa umur Anda pada ulang tahun terakhir?",
    "questionnaire_item": "Blok IV R.405", "public": "1",
}
INDICATOR = {
    "name": "Angka partisipasi sekolah",
    "concept": "Proporsi penduduk usia sekolah yang bersekolah.",
    "definition": "Persentase penduduk usia 7-12 tahun yang masih bersekolah.",
    "interpretation": "Semakin tinggi, semakin banyak anak usia sekolah yang bersekolah.",
    "method": "Jumlah penduduk 7-12 tahun yang bersekolah dibagi jumlah penduduk 7-12 tahun.",
    "formula": "APS = S / P x 100", "measure": "Persentase", "unit": "Persen",
    "classification": "Jenis kelamin, kelompok umur",
    "disaggregation": "Kecamatan, jenis kelamin", "composite": "0",
    "source_indicators": "Jumlah penduduk usia sekolah",
    "source_variables": "Umur responden, Status sekolah",
    "estimation_level": ["regency", "district"], "periodicity": "yearly", "public": "1",
}


def _form_of(html: str) -> list[tuple[str, str]]:
    """What the browser sends of the page's request form: its fields' values as they stand."""
    form = lxml.html.fromstring(html).get_element_by_id("request-form")
    # A browser drops the newline that follows <textarea> (HTML's parsing rule); lxml keeps it.
    textareas = {t.get("name") for t in form.iter("textarea")}
    return [(name, re.sub(r"^\r?\n", "", value) if name in textareas else value)
            for name, value in form.form_values()]


def _page_data(client, path: str) -> dict:
    """The page's request form as a dict (a multi-choice: the list of its ticked codes)."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    data = {}
    for name, value in _form_of(page.get_data(as_text=True)):
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name],
                                                                                      value]
        else:
            data[name] = value
    return data


def _row(prefix: str, index: int, values: dict) -> dict:
    return {f"{prefix}-{index}-{name}": value for name, value in values.items()}


def _request(world, title: str, **values) -> dict:
    data = {"title": title, "year": "2027", "kind": "survey",
            "agency_name": "Dinas Pendidikan Kota Lubuklinggau",
            "office_id": str(world.offices[OFFICE_X]), "action": "save"}
    data.update(values)
    return data


def browser_multipart(data: dict) -> tuple[bytes, str]:
    """``data`` encoded as a browser encodes a form (a list: one part per ticked box; a
    (stream, filename) pair: a file input). Not Werkzeug's test encoder: that one writes an
    empty field without the blank line browsers send (werkzeug PR 2639), and Werkzeug 3.1's
    parser now and then reads such a field at a buffer's edge as the next boundary's text, a
    failure no browser's POST shows."""
    boundary = "----RekomstatFormBoundary" + secrets.token_hex(8)
    out = io.BytesIO()
    for name, value in data.items():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, tuple):
                stream, filename = one
                head = (f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
                        "\r\nContent-Type: application/octet-stream")
                body = stream.read()
            else:
                head, body = f'Content-Disposition: form-data; name="{name}"', str(one).encode()
            out.write(f"--{boundary}\r\n{head}\r\n\r\n".encode() + body + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _post(client, path, data):
    """A multipart POST as the browser sends it."""
    body, content_type = browser_multipart(data)
    return client.post(path, data=body, content_type=content_type)


def _stored(app, title):
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        req = session.scalars(sa.select(m.ActivityRequest).where(
            m.ActivityRequest.title == title)).one_or_none()
        if req is None:
            return None
        return {
            "id": req.id, "kind": req.kind, "kind_other": req.kind_other, "sector": req.sector,
            "sector_other": req.sector_other,
            "variables": [{f.name: getattr(v, f.name) for f in VARIABLE_FIELDS}
                          for v in req.variables],
            "indicators": [{f.name: getattr(i, f.name) for f in INDICATOR_FIELDS}
                           for i in req.indicators],
        }


def _as_stored(values: dict) -> dict:
    """A row's answers as the database holds them (booleans, comma-joined codes)."""
    out = {}
    for name, value in values.items():
        if name in ("public", "composite"):
            value = value == "1"
        elif isinstance(value, list):
            value = ",".join(value)
        out[name] = value
    return out


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _edit_url(req_id):
    return f"/portal/requests/{req_id}/edit"


# --- every field, there and back -----------------------------------------------------------------


def test_every_new_field_goes_there_and_back(app, world, clients):
    client = clients["applicant_a"]
    title = "Survei Partisipasi Sekolah Pulang Pergi"
    second = {**VARIABLE, "name": "Status sekolah", "alias": "", "data_type": "boolean",
              "public": "0", "value_domain": "1 = Ya; 2 = Tidak"}
    r = _post(client, NEW, _request(world, title, **_row("variables", 0, VARIABLE),
                                    **_row("variables", 1, second),
                                    **_row("indicators", 0, INDICATOR)))
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    saved = _stored(app, title)
    assert saved["variables"] == [_as_stored(VARIABLE), {**_as_stored(second), "alias": None}]
    assert saved["indicators"] == [_as_stored(INDICATOR)]

    # The edit page shows each answer in its own widget: sent back untouched, nothing changes.
    page = _page_data(client, _edit_url(saved["id"]))
    for name, value in VARIABLE.items():
        assert page[f"variables-0-{name}"] == value, name
    for name, value in INDICATOR.items():
        assert page[f"indicators-0-{name}"] == value, name
    assert page["variables-1-public"] == "0" and "variables-1-alias" in page
    # Blank blocks to fill: three variables, two indicators; nothing chosen in them.
    assert {f"variables-{i}-name" for i in (2, 3, 4)} <= set(page)
    assert "variables-5-name" not in page and "indicators-1-name" in page
    assert "indicators-2-name" in page and "indicators-3-name" not in page
    assert "variables-2-public" not in page and "indicators-1-composite" not in page
    r = _post(client, _edit_url(saved["id"]), {**page, "action": "save"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert _stored(app, title) == saved

    # A person changes a choice, unticks a level, clears a yes/no, and adds an indicator.
    page.update({"variables-0-data_type": "decimal", "indicators-0-estimation_level": "district",
                 "indicators-1-name": "Rasio murid guru", "indicators-1-composite": "1",
                 "action": "save"})
    del page["variables-0-public"]
    r = _post(client, _edit_url(saved["id"]), page)
    assert r.status_code == 302
    after = _stored(app, title)
    assert after["variables"][0]["data_type"] == "decimal"
    assert after["variables"][0]["public"] is None
    assert after["indicators"][0]["estimation_level"] == "district"
    assert [(i["name"], i["composite"]) for i in after["indicators"]] == [
        ("Angka partisipasi sekolah", False), ("Rasio murid guru", True)]


def test_a_no_alone_does_not_make_a_row_and_a_row_without_a_name_is_named_by_its_number(
        app, world, clients):
    """Blank blocks are dropped, a "no" alone included (the front door's rule); a filled block
    without its name is refused on that block, numbered as the page numbers it."""
    client = clients["applicant_a"]
    title = "Survei Baris Tanpa Nama"
    data = _request(world, title, **{"variables-0-public": "0",
                                     "variables-1-concept": "Konsep tanpa nama",
                                     "indicators-0-name": "", "indicators-1-unit": "Persen"})
    r = _post(client, NEW, data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    errors = lxml.html.fromstring(html).get_element_by_id("form-errors").text_content()
    assert "Variabel 2: nama variabel belum diisi." in errors
    assert "Indikator 2: nama indikator belum diisi." in errors
    doc = lxml.html.fromstring(html)
    for block in ("variables-1", "indicators-1"):
        cell = doc.get_element_by_id(f"{block}-name").getparent()
        assert "has-error" in cell.get("class"), block
    assert "Konsep tanpa nama" in html and _stored(app, title) is None
    # Named: saved, the lone "no" dropped.
    data.update({"variables-1-name": "Umur", "indicators-1-name": "Rasio"})
    assert _post(client, NEW, data).status_code == 302
    saved = _stored(app, title)
    assert [v["name"] for v in saved["variables"]] == ["Umur"]
    assert [(i["name"], i["unit"]) for i in saved["indicators"]] == [("Rasio", "Persen")]


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("table,field,value,message", [
    ("variables", "data_type", "hexadecimal", "Variabel 3, Tipe data: "),
    ("variables", "public", "2", "Variabel 3, Publik: "),
    ("indicators", "periodicity", "hourly", "Indikator 3, Periode penyajian: "),
    ("indicators", "estimation_level", "galaxy", "Indikator 3, Level estimasi: "),
])
def test_a_code_not_offered_is_refused_naming_the_row_and_the_field(app, world, clients, table,
                                                                     field, value, message):
    client = clients["applicant_a"]
    title = f"Survei Kode Salah {table} {field}"
    rows = {}
    for i in range(3):
        rows.update(_row(table, i, {"name": f"Baris {i + 1}", "unit": "Orang"}))
    rows[f"{table}-2-{field}"] = value
    r = _post(client, NEW, _request(world, title, objectives="Tujuan yang tetap ada.", **rows))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    listed = [li.text_content() for li in doc.get_element_by_id("form-errors").iter("li")]
    assert [line for line in listed if line.startswith(message)] != [], listed
    assert all(value not in line for line in listed), listed  # the code is not repeated
    # The block with the mistake is open, the field marked; the rest is all there.
    block = doc.get_element_by_id(f"{table}-2")
    cell = block.xpath(f".//*[@name='{table}-2-{field}']/ancestor::div"
                       "[contains(@class, 'meta-cell')][1]")[0]
    assert "has-error" in cell.get("class")
    folded = block.xpath(".//details")[0]
    if field in ROW_FIRST_LINE[table]:  # on the block's first line: nothing to unfold
        assert folded.get("open") is None
    else:
        assert folded.get("open") is not None
        assert folded.xpath(f".//*[@name='{table}-2-{field}']")
    assert doc.get_element_by_id(f"{table}-0").xpath(".//details")[0].get("open") is None
    assert "Tujuan yang tetap ada." in html and 'value="Baris 3"' in html
    assert _stored(app, title) is None


def _many(prefix: str, count: int, values: dict) -> dict:
    data = {}
    for i in range(count):
        data.update(_row(prefix, i, {**values, "name": f"{values['name']} {i + 1}"}))
    return data


def _at_limit(values: dict, table) -> dict:
    """Every text of a row at its cap (what the form lets through)."""
    out = dict(values)
    for f in (VARIABLE_FIELDS if table is m.RequestVariable else INDICATOR_FIELDS):
        if f.kind in ("text", "textarea") and f.name != "name":
            limit = text_limit(f.name, table.__table__)
            out[f.name] = ("kata panjang " * (limit // 13 + 1))[:limit].strip()
    return out


def test_the_largest_form_is_accepted_in_one_post(app, world, clients):
    """200 variables and 100 indicators, every field of each filled (every level ticked), in
    one multipart POST as the browser sends it (MAX_FORM_PARTS)."""
    client = clients["applicant_a"]
    title = "Survei Formulir Terbesar"
    indicator = {**INDICATOR, "estimation_level": ["national", "province", "regency",
                                                    "district", "other"]}
    variable = _at_limit(VARIABLE, m.RequestVariable)
    data = _request(world, title, **_many("variables", 200, variable),
                    **_many("indicators", 100, _at_limit(indicator, m.RequestIndicator)))
    parts = sum(len(v) if isinstance(v, list) else 1 for v in data.values())
    assert parts > 200 * 14 + 100 * 20  # every field of every row
    r = _post(client, NEW, data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    saved = _stored(app, title)
    assert [v["name"] for v in saved["variables"]] == [f"Umur responden {i}"
                                                       for i in range(1, 201)]
    assert len(saved["indicators"]) == 100
    assert saved["indicators"][99]["estimation_level"] == ",".join(indicator["estimation_level"])
    assert saved["variables"][199]["concept"] == variable["concept"]
    # Its edit page: every block, no blank one inviting a 201st variable or a 101st indicator;
    # sent back as it stands, it is accepted again.
    page = _page_data(client, _edit_url(saved["id"]))
    assert "variables-199-name" in page and "variables-200-name" not in page
    assert "indicators-99-name" in page and "indicators-100-name" not in page
    r = _post(client, _edit_url(saved["id"]), {**page, "action": "save"})
    assert r.status_code == 302
    assert _stored(app, title) == saved


@pytest.mark.parametrize("table,count,message", [
    ("variables", 201, "Tabel variabel berisi 201 baris; paling banyak 200. Hapus 1 baris."),
    ("indicators", 101, "Tabel indikator berisi 101 baris; paling banyak 100. Hapus 1 baris."),
])
def test_one_row_too_many_is_refused_in_words_and_every_row_comes_back(app, world, clients,
                                                                       table, count, message):
    client = clients["applicant_a"]
    title = f"Survei Kelebihan Baris {table}"
    values = VARIABLE if table == "variables" else INDICATOR
    data = _request(world, title, objectives="Tujuan yang tidak boleh hilang.",
                    **_many(table, count, values))
    r = _post(client, NEW, data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in html and "Tujuan yang tidak boleh hilang." in html
    names = re.findall(rf'value="{values["name"]} (\d+)"', html)
    assert [int(n) for n in names] == list(range(1, count + 1))
    # Each block still holds every answer (the last one checked field by field).
    back = dict(_form_of(html))
    last = count - 1
    for name, value in values.items():
        if isinstance(value, list):
            ticked = [v for n, v in _form_of(html) if n == f"{table}-{last}-{name}"]
            assert ticked == value, name
        elif name != "name":
            assert back[f"{table}-{last}-{name}"] == value, name
    assert _stored(app, title) is None


# --- the request's own new fields ----------------------------------------------------------------


def test_the_other_text_of_the_kind_and_the_sector(app, world, clients):
    client = clients["applicant_a"]
    title = "Pendataan Wisatawan Lewat Aplikasi"
    r = _post(client, NEW, _request(world, title, kind="other",
                                    kind_other="Pendataan lewat aplikasi daring",
                                    sector="other", sector_other="Pariwisata dan ekonomi kreatif"))
    assert r.status_code == 302
    saved = _stored(app, title)
    assert (saved["kind"], saved["kind_other"]) == ("other", "Pendataan lewat aplikasi daring")
    assert (saved["sector"], saved["sector_other"]) == ("other", "Pariwisata dan ekonomi kreatif")
    # On the edit page each text sits with its list, under its own label.
    html = client.get(_edit_url(saved["id"])).get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    for name in ("kind", "sector"):
        group = doc.get_element_by_id(name).getparent()
        other = group.xpath(f".//input[@name='{name}_other']")
        assert other and other[0].get("value") == saved[f"{name}_other"], name
        assert group.xpath(f".//label[@for='{name}_other']"), name
    # The printable form reads them next to the choice's label.
    text = _squeeze(_pdf_text(client.get(f"/portal/requests/{saved['id']}/form.pdf").data))
    assert _squeeze("Cara lain sesuai perkembangan TI; Pendataan lewat aplikasi daring") in text
    assert _squeeze("Pariwisata dan ekonomi kreatif") in text
    # Too long, or a list's code not offered: refused on the field, nothing changed.
    r = _post(client, _edit_url(saved["id"]), {**_page_data(client, _edit_url(saved["id"])),
                                                "sector_other": "x" * 201, "action": "save"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Lainnya, yaitu: Paling banyak 200 karakter." in page
    assert _stored(app, title)["sector_other"] == "Pariwisata dan ekonomi kreatif"


# --- read back: the applicant's page and the PDF -------------------------------------------------


def _labels(app, fields, values):
    """Each filled field's label and its value as a person reads it, in Indonesian (the name,
    which heads the block, aside)."""
    with app.test_request_context(), force_locale("id"):
        return {str(f.label): choice_label(f, _as_stored({f.name: values[f.name]})[f.name])
                for f in fields[1:] if values.get(f.name) not in (None, "", [])}


@pytest.fixture(scope="module")
def complete(app, world, clients):
    title = "Survei Partisipasi Sekolah Lengkap"
    r = _post(clients["applicant_a"], NEW, _request(
        world, title, **_row("variables", 0, VARIABLE), **_row("indicators", 0, INDICATOR),
        **_row("indicators", 1, {"name": "Rasio murid guru", "composite": "1"})))
    assert r.status_code == 302
    return _stored(app, title)["id"]


def test_the_applicants_page_shows_every_variable_and_indicator_field(app, clients, complete):
    html = clients["applicant_a"].get(f"/portal/requests/{complete}").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    for table, fields, values in (("variables", VARIABLE_FIELDS, VARIABLE),
                                  ("indicators", INDICATOR_FIELDS, INDICATOR)):
        shown = doc.get_element_by_id(f"shown-{table}")
        first = shown.xpath(".//details")[0]
        assert values["name"] in first.xpath("./summary")[0].text_content()
        pairs = dict(zip([dt.text_content() for dt in first.iter("dt")],
                         [dd.text_content() for dd in first.iter("dd")]))
        assert pairs == _labels(app, fields, values)
    for code in ("integer", "yearly", "regency,district"):
        assert f">{code}<" not in html
    assert "Rasio murid guru" in html and "Indikator komposit" in html


def test_the_pdf_prints_every_variable_and_indicator_field_as_labels(app, clients, complete):
    data = clients["applicant_a"].get(f"/portal/requests/{complete}/form.pdf").data
    text = _squeeze(_pdf_text(data))
    for fields, values in ((VARIABLE_FIELDS, VARIABLE), (INDICATOR_FIELDS, INDICATOR)):
        assert _squeeze(f"1. {values['name']}") in text
        for label, value in _labels(app, fields, values).items():
            assert _squeeze(f"{label}: {value}") in text, (label, value)
    assert _squeeze("2. Rasio murid guru") in text
    assert _squeeze("Tipe data: Bilangan bulat") in text
    assert _squeeze("Level estimasi: Kabupaten/kota, Kecamatan") in text
    for code in ("integer", "yearly", "regency"):
        assert code not in text


def test_the_blank_form_has_blocks_for_variables_and_indicators(app):
    text = _squeeze(_pdf_text(app.test_client().get("/portal/form.pdf").data))
    for words in ("Variabel 1", "Variabel 3", "Indikator 1", "Indikator 2", "Tipe data",
                  "Bilangan bulat", "Indikator komposit", "Level estimasi", "Periode penyajian"):
        assert _squeeze(words) in text, words


# --- the spreadsheet import's place on the form --------------------------------------------------


@pytest.fixture(scope="module")
def with_import(app):
    """An app with the spreadsheet import's routes (app/metadata): the suite's own once that
    is installed, else one with stand-ins for them."""
    from flask import Blueprint

    from app import create_app

    from conftest import app_config

    if {"metadata.import_rows", "metadata.template"} <= app.view_functions.keys():
        return app
    other = create_app(app_config())
    bp = Blueprint("metadata", __name__)
    bp.add_url_rule("/portal/requests/<int:req_id>/rows.xlsx", "import_rows",
                    lambda req_id: ("imported", 200), methods=["POST"])
    bp.add_url_rule("/portal/metadata-template.xlsx", "template", lambda: ("xlsx", 200))
    other.register_blueprint(bp)
    return other


def test_the_import_is_a_form_of_its_own_inside_the_variables_block(world, with_import,
                                                                      complete, monkeypatch):
    from flask import url_for

    from conftest import login

    with with_import.test_request_context():
        action = url_for("metadata.import_rows", req_id=complete)
        template = url_for("metadata.template")
    client = login(with_import.test_client(), "applicant_a")
    # Not on a form not saved yet (the import writes into a saved request).
    assert 'id="import-rows"' not in client.get(NEW).get_data(as_text=True)
    html = client.get(_edit_url(complete)).get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    form = doc.get_element_by_id("import-rows")
    request_form = doc.get_element_by_id("request-form")
    # Its own form, after the request form (forms do not nest), its controls in the block.
    assert form.tag == "form" and request_form not in form.iterancestors()
    assert form not in request_form.iterdescendants()
    assert form.get("action") == action
    assert form.get("enctype") == "multipart/form-data" and form.get("method") == "post"
    assert form.xpath(".//input[@name='csrf_token']")
    box = doc.get_element_by_id("variables").xpath(".//*[@id='import-rows-box']")[0]
    sheet = box.xpath(".//input[@type='file']")[0]
    assert (sheet.get("name"), sheet.get("form")) == ("sheet", "import-rows")
    assert ".xlsx" in sheet.get("accept")
    assert box.xpath(f".//label[@for='{sheet.get('id')}']")
    button = box.xpath(".//button")[0]
    assert button.get("form") == "import-rows" and button.text_content() == (
        "Impor dari lembar kerja")
    link = box.xpath(f".//a[@href='{template}']")[0]
    assert link.text_content() == "Unduh template kosong (xlsx)"
    # Where the import is not installed, nothing of it.
    monkeypatch.delitem(with_import.view_functions, "metadata.import_rows")
    html = client.get(_edit_url(complete)).get_data(as_text=True)
    assert 'id="import-rows"' not in html and 'name="sheet"' not in html
