"""The applicant portal: registration with its e-mail link, password reset, the request form
(never losing input), documents (checked by content), access only to one's own, the PDFs."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from app import models as m
from app.requests.form import SECTIONS

from conftest import PASSWORD, login, mail_link, outbox_to, seed

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return buf.getvalue()


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


# --- registration and password --------------------------------------------------------------

REGISTRATION = {
    "username": "rina.dinkes", "first_name": "Rina", "last_name": "Marlina",
    "email": "rina.marlina@dinkes.lubuklinggaukota.go.id", "password": "kata-sandi-rina-1",
    "conf_password": "kata-sandi-rina-1", "id_doc_type": "ktp",
    "id_doc_number": "1674015505900001", "phone": "0812 7000 1234",
    "agency": "Dinas Kesehatan Kota Lubuklinggau", "position": "Kepala Seksi Data",
    "privacy_consent": "y",
}


def test_registration_needs_the_profile_and_is_confirmed_by_mail(app, world):
    client = app.test_client()
    r = client.post("/register/form", data={**REGISTRATION, "id_doc_number": ""})
    assert r.status_code == 422
    with app.app_context():
        count = app.appbuilder.session.scalar(sa.select(sa.func.count()).select_from(
            m.RekomRegisterUser).where(m.RekomRegisterUser.email == REGISTRATION["email"]))
        assert count == 0
    client.post("/register/form", data=REGISTRATION)
    [mail] = outbox_to(app, REGISTRATION["email"])
    link = mail_link(mail, "/register/activation/")
    # Not an account until the link is opened.
    assert client.post("/login/", data={"username": "rina.dinkes",
                                        "password": REGISTRATION["password"]}).status_code == 302
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="rina.dinkes") is None
    assert client.get(link).status_code == 200
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="rina.dinkes")
        assert {r.name for r in user.roles} == {"Applicant"}
        assert (user.id_doc_type, user.id_doc_number, user.agency, user.phone) == (
            "ktp", "1674015505900001", "Dinas Kesehatan Kota Lubuklinggau", "0812 7000 1234")
    login(client, "rina.dinkes", REGISTRATION["password"])
    assert client.get("/portal/").status_code == 200


def test_registration_asks_the_password_then_its_confirmation_and_says_register(app, world):
    """Issue 19: the form asked "Konfirmasi Kata Sandi" before "Kata sandi" and its button
    said "Simpan"."""
    page = app.test_client().get("/register/form").get_data(as_text=True)
    names = [n for n in re.findall(r'<(?:input|select)[^>]*\bname="([a-z_]+)"', page)
             if n != "csrf_token"]
    assert names[:6] == ["username", "first_name", "last_name", "email", "password",
                         "conf_password"], names
    labels = re.findall(r'<label for="(password|conf_password)"[^>]*>\s*([^<]+?)\s*<', page)
    assert labels == [("password", "Kata sandi"), ("conf_password", "Konfirmasi Kata Sandi")]
    button = re.search(r'<button type="submit"[^>]*>\s*([^<]+?)\s*<', page)
    assert button and button.group(1) == "Daftar"
    assert "Simpan" not in page


def test_activation_page_offers_to_log_in(app, world):
    """Issue 19: the page after the activation link had no way on but the navbar."""
    client = app.test_client()
    data = {**REGISTRATION, "username": "sari.bapenda", "first_name": "Sari",
            "email": "sari.wulandari@bapenda.lubuklinggaukota.go.id"}
    assert client.post("/register/form", data=data).status_code == 302
    [mail] = outbox_to(app, data["email"])
    page = client.get(mail_link(mail, "/register/activation/"))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Sari" in body
    button = re.search(r'<a [^>]*href="(/login/[^"]*)"[^>]*id="activation-login"[^>]*>\s*'
                       r'(?:<i [^>]*></i>\s*)?([^<]+?)\s*<', body)
    assert button and button.group(2) == "Masuk", body
    assert client.get(button.group(1)).status_code == 200


def test_password_reset_by_mail_link_once(app, world):
    from app.ops.bootstrap import create_user

    with app.app_context():
        create_user("Applicant", "lupa.sandi", "lupa.sandi@bappeda.lubuklinggaukota.go.id",
                    PASSWORD)
    client = app.test_client()
    r = client.post("/portal/password/forgot",
                    data={"email": "tidak.ada@bappeda.lubuklinggaukota.go.id"},
                    follow_redirects=True)
    unknown_answer = r.get_data(as_text=True)
    assert outbox_to(app, "tidak.ada@bappeda.lubuklinggaukota.go.id") == []
    r = client.post("/portal/password/forgot",
                    data={"email": "LUPA.Sandi@bappeda.lubuklinggaukota.go.id"},
                    follow_redirects=True)
    # The same answer whether or not the address has an account.
    assert r.get_data(as_text=True) == unknown_answer
    [mail] = outbox_to(app, "lupa.sandi@bappeda.lubuklinggaukota.go.id")
    link = mail_link(mail, "/portal/password/reset/")
    r = client.post(link, data={"password": "pendek", "confirm": "pendek"})
    assert r.status_code == 422  # too short: the form again
    r = client.post(link, data={"password": "sandi-baru-yang-panjang",
                                "confirm": "sandi-baru-yang-panjang"})
    assert r.status_code == 302
    login(app.test_client(), "lupa.sandi", "sandi-baru-yang-panjang")
    # The link worked once: the password changed, so it is void now.
    r = client.get(link)
    assert r.status_code == 302 and "/portal/password/forgot" in r.location


# --- the form --------------------------------------------------------------------------------


def _form(**values):
    data = {"title": "Survei Kesehatan Ibu dan Anak Kota Lubuklinggau", "year": "2027",
            "kind": "survey", "agency_name": "Dinas Kesehatan Kota Lubuklinggau",
            "variables-0-name": "Umur ibu", "variables-0-concept": "Umur saat wawancara"}
    data.update(values)
    return data


def _new_request_id(app, title):
    with app.app_context():
        return app.appbuilder.session.scalars(sa.select(m.ActivityRequest.id).where(
            m.ActivityRequest.title == title).order_by(m.ActivityRequest.id.desc())).first()


def test_draft_then_submit_lists_every_missing_item_at_once(app, world, clients):
    client = clients["applicant_a"]
    data = _form(title="Survei Draf Pertama 2027", office_id=str(world.offices["1674"]),
                 action="save")
    r = client.post("/portal/requests/new", data=data)
    assert r.status_code == 302
    req_id = _new_request_id(app, "Survei Draf Pertama 2027")
    page = client.get(f"/portal/requests/{req_id}").get_data(as_text=True)
    for label in ("Tujuan", "Penanggung jawab: nama", "Alamat instansi"):
        assert label in page  # the still-missing items, listed at once
    r = client.post(f"/portal/requests/{req_id}/submit", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Tujuan" in html and "Penanggung jawab: nama" in html
    with app.app_context():
        req = app.appbuilder.session.get(m.ActivityRequest, req_id)
        assert req.state == "draft"
        assert [v.name for v in req.variables] == ["Umur ibu"]


def test_the_form_says_beforehand_that_a_phone_or_an_e_mail_is_needed(app, world, clients):
    """Issue 19: submitting was refused for "Penanggung jawab: e-mail atau telepon" though
    neither field was marked. Both carry the mark of a one-of-two requirement with its hint,
    the note explains the mark, and the check at submission reads the same definition."""
    from app.requests import workflow
    from app.requests.form import FIELDS

    page = clients["applicant_a"].get("/portal/requests/new").get_data(as_text=True)
    for name in ("resp_phone", "resp_email"):
        group = page[page.index(f'<label for="{name}"'):]
        group = group[: group.index("</div>")]  # the field's form-group
        assert re.search(r'<span class="required-mark one-of-mark"[^>]*>\*\*</span>', group)
        assert "Isi minimal salah satu: telepon atau e-mail penanggung jawab." in group
    note = re.search(r"<p>\s*(Isian bertanda \*[^<]*)<a", page).group(1)
    assert "bertanda **" in note and "minimal satu" in note
    # The same definition refuses the submission.
    assert FIELDS["resp_phone"].one_of.key == FIELDS["resp_email"].one_of.key
    with app.test_request_context(), force_locale("id"):
        req = m.ActivityRequest(resp_phone=None, resp_email="")
        assert "Penanggung jawab: e-mail atau telepon" in workflow.missing_for_submit(req)
        req.resp_phone = "0812 7000 1234"
        assert "Penanggung jawab: e-mail atau telepon" not in workflow.missing_for_submit(req)


def test_bad_input_keeps_every_value_and_stores_nothing(app, world, clients):
    client = clients["applicant_a"]
    title = "Survei Yang Tidak Boleh Hilang 2027"
    data = _form(title=title, office_id=str(world.offices["1674"]), action="save",
                 objectives="Tujuan yang panjang dan tidak boleh hilang.",
                 collection_start="bukan tanggal", sample_size="-5", agency_email="bukan-email",
                 **{"variables-1-concept": "konsep tanpa nama"})
    r = client.post("/portal/requests/new", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="form-errors"' in html
    assert title in html and "Tujuan yang panjang dan tidak boleh hilang." in html
    assert "Umur saat wawancara" in html and "konsep tanpa nama" in html
    assert _new_request_id(app, title) is None


@pytest.mark.parametrize("field, value", [
    ("frequency", "hourly"), ("is_census", "2"), ("collection_methods", "telepathy"),
])
def test_a_choice_not_offered_is_refused_by_name(app, world, clients, field, value):
    """Select, yes/no and multi-choice answers must be one of the options; the field says so
    in Indonesian and nothing is stored (an empty choice skips the check: see the next test)."""
    title = f"Survei Pilihan Asing {field}"
    data = _form(title=title, office_id=str(world.offices["1674"]), action="save",
                 **{field: value})
    r = clients["applicant_a"].post("/portal/requests/new", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Pilih salah satu pilihan yang tersedia." in html
    assert _new_request_id(app, title) is None


def test_empty_and_offered_choices_are_kept(app, world, clients):
    title = "Survei Pilihan Kosong dan Sah 2027"
    data = _form(title=title, office_id=str(world.offices["1674"]), action="save",
                 frequency="", repetition=" ", is_census="1", collection_methods=["interview",
                                                                                "observation"])
    r = clients["applicant_a"].post("/portal/requests/new", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with app.app_context():
        req = app.appbuilder.session.get(m.ActivityRequest, _new_request_id(app, title))
        assert (req.frequency, req.repetition, req.is_census) == (None, None, True)
        assert req.collection_methods == "interview,observation"


def _complete(title, office_id, **values):
    return _form(title=title, office_id=str(office_id), action="submit",
                 agency_head_title="Kepala Dinas Kesehatan", agency_address="Jl. Merdeka 1",
                 resp_name="dr. Andi", resp_email="andi@dinkes.lubuklinggaukota.go.id",
                 objectives="Mengukur cakupan imunisasi dasar lengkap.",
                 collection_start="2027-02-01", collection_end="2027-03-31", **values)


def test_a_complete_submission_is_one_transaction(app, world, clients, monkeypatch):
    """Saving and submitting a complete form commit together: a crash half-way leaves no
    draft, audit event or mail behind, and sending the form again goes through once."""
    from app import notify

    client = clients["applicant_a"]
    title = "Survei Satu Transaksi Imunisasi 2027"
    data = _complete(title, world.offices["1674"])

    queued = notify.submitted

    def broken(*args, **kwargs):
        queued(*args, **kwargs)  # the request and its mails are written, the events not yet
        raise RuntimeError("crash between the writes")

    monkeypatch.setattr(notify, "submitted", broken)
    with pytest.raises(RuntimeError):
        client.post("/portal/requests/new", data=data)
    assert _new_request_id(app, title) is None
    monkeypatch.undo()

    r = client.post("/portal/requests/new", data=data)
    assert r.status_code == 302
    req_id = _new_request_id(app, title)
    with app.app_context():
        session = app.appbuilder.session
        assert session.get(m.ActivityRequest, req_id).state == "submitted"
        assert session.scalar(sa.select(sa.func.count()).select_from(m.ActivityRequest)
                              .where(m.ActivityRequest.title == title)) == 1
        actions = session.scalars(sa.select(m.AuditEvent.action).where(
            m.AuditEvent.object_type == "activity_request", m.AuditEvent.object_id == req_id)
            .order_by(m.AuditEvent.id)).all()
        assert actions == ["create", "submit"]
    assert any(title in row.body_text for row in outbox_to(app, "applicant_a@rekomstat.test"))


def test_the_applicant_submits_revises_and_resubmits(app, world, wf, clients):
    client = clients["applicant_a"]
    full = _form(title="Survei Lengkap Portal 2027", office_id=str(world.offices["1674"]),
                 agency_head_title="Kepala Dinas Kesehatan", agency_address="Jl. Merdeka 1",
                 resp_name="dr. Andi", resp_email="andi@dinkes.lubuklinggaukota.go.id",
                 objectives="Mengukur cakupan imunisasi.", collection_start="2027-02-01",
                 collection_end="2027-03-31", collection_methods=["interview", "other"],
                 collection_methods_other="Pengukuran antropometri", action="submit")
    r = client.post("/portal/requests/new", data=full)
    assert r.status_code == 302
    req_id = _new_request_id(app, "Survei Lengkap Portal 2027")
    with app.app_context():
        req = app.appbuilder.session.get(m.ActivityRequest, req_id)
        assert (req.state, req.channel, req.collection_methods) == (
            "submitted", "online", "interview,other")
        assert req.collection_methods_other == "Pengukuran antropometri"
        assert req.due_date is not None
    # The officer asks for a revision (through the workflow, as the screen would).
    from app.requests import workflow

    with app.app_context():
        session = app.appbuilder.session
        officer = session.get(m.RekomUser, world.users["officer_x"])
        workflow.apply(session, req_id, "start_review", officer)
        review = workflow.latest_review(session.get(m.ActivityRequest, req_id))
        item = workflow.applicable_checklist(session, review.request)[0]
        workflow.record_review(session, req_id, officer, {item.id: {"ok": False,
                                                                     "note": "Nama unit kurang"}})
        workflow.apply(session, req_id, "request_revision", officer,
                       note="Mohon lengkapi unit eselon II.")
    page = client.get(f"/portal/requests/{req_id}").get_data(as_text=True)
    assert "Mohon lengkapi unit eselon II." in page and "Nama unit kurang" in page
    edit = client.get(f"/portal/requests/{req_id}/edit").get_data(as_text=True)
    assert "Mengukur cakupan imunisasi." in edit and "Pengukuran antropometri" in edit
    r = client.post(f"/portal/requests/{req_id}/edit",
                    data={**full, "agency_unit": "Bidang P2P", "action": "resubmit"})
    with app.app_context():
        req = app.appbuilder.session.get(m.ActivityRequest, req_id)
        assert (req.state, req.agency_unit) == ("submitted", "Bidang P2P")
    # Withdrawn before issue; then nothing more can be changed.
    client.post(f"/portal/requests/{req_id}/withdraw", data={"note": "Anggaran dibatalkan"})
    with app.app_context():
        assert app.appbuilder.session.get(m.ActivityRequest, req_id).state == "withdrawn"
    r = client.get(f"/portal/requests/{req_id}/edit")
    assert r.status_code == 302


# --- documents -------------------------------------------------------------------------------


@pytest.fixture
def draft_id(app, world, wf):
    with app.app_context():
        return seed(app.appbuilder.session, world, wf, "draft")


def _files(app):
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _attachments(app, req_id):
    with app.app_context():
        return app.appbuilder.session.scalars(sa.select(m.Attachment).where(
            m.Attachment.request_id == req_id)).all()


@pytest.mark.parametrize("name,data", [
    ("program.pdf", b"MZ\x90\x00" + b"\x00" * 200),          # a renamed .exe
    ("kosong.pdf", b""),                                      # 0 bytes
    ("halaman.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),  # HTML
    ("kuesioner.docx", b"PK\x03\x04 not really a zip"),       # a broken zip
    ("data.xlsx", _docx()),                                   # a Word file called .xlsx
    ("skrip.js", PDF),                                        # an extension we never take
])
def test_refused_documents_store_nothing(app, clients, draft_id, name, data):
    before = _files(app)
    r = clients["applicant_a"].post(f"/portal/requests/{draft_id}/documents", data={
        "kind": "questionnaire", "file": (io.BytesIO(data), name)})
    assert r.status_code == 422  # the request's page again, with the reason
    assert "alert-danger" in r.get_data(as_text=True)
    assert _attachments(app, draft_id) == [] and _files(app) == before


def test_too_large_is_refused(app, clients, draft_id):
    big = PDF + b"0" * (11 * 1024 * 1024)
    before = _files(app)
    clients["applicant_a"].post(f"/portal/requests/{draft_id}/documents", data={
        "kind": "other", "file": (io.BytesIO(big), "besar.pdf")})
    assert _attachments(app, draft_id) == [] and _files(app) == before


def test_a_good_document_is_stored_under_a_random_name_and_served_to_the_right_people(
        app, clients, draft_id):
    r = clients["applicant_a"].post(f"/portal/requests/{draft_id}/documents", data={
        "kind": "cover_letter", "file": (io.BytesIO(PDF), "../../etc/Surat Pengantar.pdf")})
    assert r.status_code == 302
    [row] = _attachments(app, draft_id)
    assert row.original_name == "Surat Pengantar.pdf" and row.content_type == "application/pdf"
    assert "/" not in row.stored_name and "Surat" not in row.stored_name
    stored = [p for p in _files(app) if p.name == row.stored_name]
    assert len(stored) == 1 and stored[0].read_bytes() == PDF
    assert Path(app.config["UPLOAD_FOLDER"]) in stored[0].parents
    url = f"/portal/documents/{row.id}"
    for user, status in (("applicant_a", 200), ("officer_x", 200), ("admin", 200),
                         ("applicant_b", 404), ("officer_y", 404), (None, 302)):
        response = clients[user].get(url)
        assert response.status_code == status, user
        if status == 200:
            assert response.data == PDF
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    docx = clients["applicant_a"].post(f"/portal/requests/{draft_id}/documents", data={
        "kind": "questionnaire", "file": (io.BytesIO(_docx()), "kuesioner.docx")})
    assert docx.status_code == 302 and len(_attachments(app, draft_id)) == 2


# --- never another's --------------------------------------------------------------------------


def test_another_applicant_reaches_nothing(app, world, wf, clients):
    with app.app_context():
        session = app.appbuilder.session
        sent = seed(session, world, wf, "sent")
        draft = seed(session, world, wf, "draft")
    other = clients["applicant_b"]
    for url in (f"/portal/requests/{sent}", f"/portal/requests/{sent}/letter.pdf",
                f"/portal/requests/{sent}/form.pdf", f"/portal/requests/{draft}/edit"):
        assert other.get(url).status_code == 404, url
    for url in (f"/portal/requests/{draft}/submit", f"/portal/requests/{draft}/withdraw",
                f"/portal/requests/{draft}/edit", f"/portal/requests/{draft}/documents"):
        assert other.post(url, data={"title": "x"}).status_code == 404, url
    owner = clients["applicant_a"]
    letter = owner.get(f"/portal/requests/{sent}/letter.pdf")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    assert owner.get(f"/portal/requests/{draft}/letter.pdf").status_code == 404
    assert clients[None].get(f"/portal/requests/{sent}").status_code == 302


# --- PDFs from the form's definition ------------------------------------------------------------


def test_blank_and_filled_form_pdfs_follow_the_form_definition(app, world, wf, clients):
    blank = app.test_client().get("/portal/form.pdf")
    assert blank.status_code == 200
    text = _pdf_text(blank.data)
    with app.app_context(), force_locale("id"):
        titles = [str(section.title) for section in SECTIONS]
    for title in titles:
        assert title in text
    assert "Judul kegiatan" in text and "Wawancara" in text  # labels and the choices offered
    with app.app_context():
        req_id = seed(app.appbuilder.session, world, wf, "submitted")
    filled = clients["applicant_a"].get(f"/portal/requests/{req_id}/form.pdf")
    text = _pdf_text(filled.data)
    assert "Survei Ubinan Padi Sawah 2027" in text and "Dinas Pertanian Kota Lubuklinggau" in text


def test_my_requests_come_a_page_at_a_time(app, world):
    """An agency's account may hold years of requests: 25 a page, newest first, a pager, and
    a page number past the end or not a number shows a real page."""
    import datetime as dt

    from app.core import codes
    from app.ops.bootstrap import create_user

    from conftest import OFFICE_X

    with app.app_context():
        session = app.appbuilder.session
        user = create_user("Applicant", "pemohon.banyak", "banyak@bappeda.test", PASSWORD,
                           "Banyak", "Permohonan")
        start = dt.datetime(2026, 1, 1, 8, 0)
        for i in range(30):
            session.add(m.ActivityRequest(
                tracking_code=codes.tracking_code("RKS"), office_id=world.offices[OFFICE_X],
                applicant_id=user.id, state="draft", year=2026, kind="survey",
                title=f"Survei Halaman Nomor {i:02d}", created_at=start + dt.timedelta(days=i)))
        session.commit()
        session.remove()
    client = login(app.test_client(), "pemohon.banyak")

    def titles(html):
        return re.findall(r"Survei Halaman Nomor (\d\d)", html)

    first = client.get("/portal/").get_data(as_text=True)
    assert titles(first) == [f"{i:02d}" for i in range(29, 4, -1)]  # the newest 25
    assert "Halaman 1 dari 2" in first and 'href="/portal/?page=2"' in first
    second = client.get("/portal/?page=2").get_data(as_text=True)
    assert titles(second) == ["04", "03", "02", "01", "00"]
    assert 'href="/portal/?page=1"' in second and "page=3" not in second
    assert titles(client.get("/portal/?page=99").get_data(as_text=True)) == titles(second)
    assert titles(client.get("/portal/?page=dua").get_data(as_text=True)) == titles(first)


def test_the_blank_form_marks_the_one_of_two_contact_fields(app):
    """Whoever fills the form on paper reads beforehand that a phone or an e-mail of the
    person responsible is needed (the portal form's ** marks, the same definition)."""
    text = _pdf_text(app.test_client().get("/portal/form.pdf").data)
    assert "Penanggung jawab: telepon **" in text
    assert "Penanggung jawab: email **" in text or "Penanggung jawab: e-mail **" in text


# --- the variables table's limit (issue 20, item 7) ------------------------------------------
# request_commands.MAX_VARIABLES = 200. Before: 199–200 rows plus any other mistake answered 500
# (the page added blank rows past WTForms' max_entries) and the form was lost; a saved 200-row
# draft's edit page answered 500 for good; rows past 200 were dropped without a word.


def _variable_rows(count, start=0, every_field=False):
    """``count`` filled rows as the form posts them (``every_field``: with the empty inputs a
    browser sends too)."""
    from app.requests.form import VARIABLE_FIELDS

    data = {}
    for i in range(start, start + count):
        if every_field:
            data.update({f"variables-{i}-{f.name}": "" for f in VARIABLE_FIELDS})
        data[f"variables-{i}-name"] = f"Variabel {i + 1}"
        data[f"variables-{i}-concept"] = f"Konsep {i + 1}"
    return data


def _variables_of(app, req_id):
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        return session.scalars(sa.select(m.RequestVariable.name).where(
            m.RequestVariable.request_id == req_id).order_by(m.RequestVariable.position)).all()


def _shown_rows(html):
    """The variable numbers the page shows back, in order, and the number of rows it has."""
    names = [int(n) for n in re.findall(r'value="Variabel (\d+)"', html)]
    concepts = [int(n) for n in re.findall(r">\s*Konsep (\d+)</textarea>", html)]
    assert names == concepts, (names[:5], concepts[:5])
    return names, len(re.findall(r'name="variables-\d+-name"', html))


@pytest.fixture
def draft_of_200(app, world, clients):
    title = "Survei Dua Ratus Variabel 2027"
    data = _form(title=title, office_id=str(world.offices["1674"]), action="save",
                 **_variable_rows(200))
    r = clients["applicant_a"].post("/portal/requests/new", data=data)
    assert r.status_code == 302, r.status_code
    req_id = _new_request_id(app, title)
    assert len(_variables_of(app, req_id)) == 200
    return req_id


def test_a_draft_of_200_variables_opens_and_saves(app, clients, draft_of_200):
    client = clients["applicant_a"]
    page = client.get(f"/portal/requests/{draft_of_200}/edit")
    assert page.status_code == 200
    shown, rows = _shown_rows(page.get_data(as_text=True))
    assert shown == list(range(1, 201))
    assert rows == 200  # no blank row inviting a 201st
    r = client.post(f"/portal/requests/{draft_of_200}/edit", data=_form(
        title="Survei Dua Ratus Variabel 2027 (revisi)", action="save", **_variable_rows(200)))
    assert r.status_code == 302, r.status_code
    assert _variables_of(app, draft_of_200) == [f"Variabel {i}" for i in range(1, 201)]
    with app.app_context():
        assert app.appbuilder.session.get(m.ActivityRequest, draft_of_200).title.endswith(
            "(revisi)")


def test_a_draft_of_200_variables_saves_as_the_browser_sends_it(app, clients, draft_of_200):
    """The browser posts the form as multipart/form-data with every input, empty or not: 200
    rows of every variable field, the rest of the form and the empty file inputs (more than
    Werkzeug's default of 1 000 parts)."""
    from test_portal_metadata import browser_multipart

    from app.requests.form import FIELDS, OTHER_FIELDS

    data = {name: "" for name in (*FIELDS, *OTHER_FIELDS)}
    data.update(_form(title="Survei Dua Ratus Variabel 2027", action="save", note="",
                      **_variable_rows(200, every_field=True)))
    for kind in ("cover_letter", "questionnaire", "request_form", "other"):
        data[f"file_{kind}"] = (io.BytesIO(b""), "")
    # Encoded as a browser does (Werkzeug's test encoder writes empty fields its own way,
    # which its parser misreads now and then in a POST of this size: test_portal_metadata).
    body, content_type = browser_multipart(data)
    r = clients["applicant_a"].post(f"/portal/requests/{draft_of_200}/edit", data=body,
                                    content_type=content_type)
    assert r.status_code == 302, r.status_code
    assert len(_variables_of(app, draft_of_200)) == 200


@pytest.mark.parametrize("count", [201, 250, 401])
def test_more_than_200_variables_are_refused_in_words_and_nothing_is_lost(
        app, world, clients, count):
    title = f"Survei Kelebihan Variabel {count}"
    data = _form(title=title, office_id=str(world.offices["1674"]), action="save",
                 objectives="Tujuan yang tidak boleh hilang.", **_variable_rows(count))
    r = clients["applicant_a"].post("/portal/requests/new", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert (f"Tabel variabel berisi {count} baris; paling banyak 200. "
            f"Hapus {count - 200} baris.") in html
    assert title in html and "Tujuan yang tidak boleh hilang." in html
    shown, _rows = _shown_rows(html)
    # Every row comes back (a forged POST past twice the limit: the first 400 of them).
    assert shown == list(range(1, min(count, 400) + 1))
    assert _new_request_id(app, title) is None


def test_201_variables_on_a_saved_draft_change_nothing(app, clients, draft_of_200):
    r = clients["applicant_a"].post(f"/portal/requests/{draft_of_200}/edit", data=_form(
        title="Survei Yang Tidak Berubah", action="save", **_variable_rows(201)))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "paling banyak 200" in html and "Survei Yang Tidak Berubah" in html
    assert _shown_rows(html)[0] == list(range(1, 202))
    assert _variables_of(app, draft_of_200) == [f"Variabel {i}" for i in range(1, 201)]
    with app.app_context():
        assert app.appbuilder.session.get(
            m.ActivityRequest, draft_of_200).title == "Survei Dua Ratus Variabel 2027"


@pytest.mark.parametrize("count", [199, 200])
def test_199_or_200_variables_and_another_mistake_come_back_whole(app, world, clients, count):
    title = f"Survei {count} Variabel Dengan Salah Tanggal"
    data = _form(title=title, office_id=str(world.offices["1674"]), action="save",
                 collection_start="bukan tanggal", **_variable_rows(count))
    r = clients["applicant_a"].post("/portal/requests/new", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="form-errors"' in html and title in html and "bukan tanggal" in html
    assert "paling banyak 200" not in html
    shown, rows = _shown_rows(html)
    assert shown == list(range(1, count + 1))
    assert rows == 200  # 199 rows: one blank row up to the limit
    assert _new_request_id(app, title) is None


def test_a_200_variable_draft_with_another_mistake_keeps_the_draft(app, clients, draft_of_200):
    r = clients["applicant_a"].post(f"/portal/requests/{draft_of_200}/edit", data=_form(
        title="Survei Judul Baru", action="save", sample_size="-5", **_variable_rows(200)))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Survei Judul Baru" in html and _shown_rows(html)[0] == list(range(1, 201))
    with app.app_context():
        assert app.appbuilder.session.get(
            m.ActivityRequest, draft_of_200).title == "Survei Dua Ratus Variabel 2027"
