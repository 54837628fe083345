"""The letter: its Indonesian text, HTML (default or the office's sandboxed template), the PDF
with its QR code, and the freeze of an issued letter."""
from __future__ import annotations

import datetime as dt
import io
import itertools
import uuid
from types import SimpleNamespace as NS

import pypdf
import pytest
import qrcode
import sqlalchemy as sa
from flask_babel import gettext
from jinja2.exceptions import SecurityError
from PIL import Image

from app import models as m
from app.letters import document as letters
from app.letters.document import LetterFrozenError, LetterRenderError

_serial = itertools.count(1)
LETTER_DATE = dt.date(2026, 11, 24)
HEAD = "Siti Rahmawati"
HEAD_NIP = "197501012000032001"
TITLE = "Survei Kepuasan Pasien Rumah Sakit Daerah"
AGENCY = "Dinas Kesehatan Kota Lubuklinggau"
VERIFY = "https://rekomstat.test/verify/"


def _tag() -> str:
    return f"{next(_serial)}{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def office_id(app, world):
    """An office of its own: its settings (template) and letters touch no other test."""
    from app.ops.bootstrap import ensure_office

    with app.app_context():
        code = f"8{uuid.uuid4().int % 10**6:06d}"
        office = ensure_office(
            code, "BPS Kota Uji Surat", address="Jalan Garuda No. 1, Lubuklinggau",
            city="Lubuklinggau", phone="(0733) 321456", website="https://lubuklinggaukota.bps.go.id",
            email="bps1674@bps.go.id", head_name=HEAD, head_nip=HEAD_NIP,
        )
        # No signer title set: the letter falls back to "Kepala <office name>".
        session = app.appbuilder.session
        session.scalars(sa.select(m.OfficeSetting).where(
            m.OfficeSetting.office_id == office.id)).one().signer_title = None
        session.commit()
        return office.id


@pytest.fixture
def session(app):
    with app.app_context():
        s = app.appbuilder.session
        yield s
        s.rollback()
        s.remove()


def make_letter(session, world, office_id, **fields) -> m.Letter:
    """A request and its drafted letter, committed."""
    tag = _tag()
    req = m.ActivityRequest(
        tracking_code=f"RKS-L{tag}", office_id=office_id,
        applicant_id=world.users["applicant_a"], state="letter_drafted", title=TITLE, year=2027,
        kind="survey", agency_name=AGENCY,
        agency_head_title="Kepala Dinas Kesehatan Kota Lubuklinggau",
        agency_address="Jalan Yos Sudarso No. 7, Lubuklinggau",
    )
    session.add(req)
    session.flush()
    letter = m.Letter(
        request_id=req.id, office_id=office_id, result="fit",
        body=letters.default_body(req, "fit"),
        suggestions="Cantumkan metode penarikan sampel.\nLengkapi definisi variabel umur.",
        verification_code=f"verif-{tag}", **fields,
    )
    session.add(letter)
    session.commit()
    return letter


def issue(session, letter, *, commit=True) -> bytes:
    """What the workflow does: number, date, render (unflushed), hash, issued_at, one commit."""
    office = session.get(m.Office, letter.office_id)
    seq = next(_serial)
    letter.sequence, letter.year, letter.letter_date = seq, 2026, LETTER_DATE
    letter.number = f"B-{seq}/{office.code}0/VS.300/2026"
    letter.signer_name, letter.signer_nip = office.head_name, office.head_nip
    pdf = letters.render_pdf(
        letters.render_html(letter, verify_url=VERIFY + letter.verification_code))
    letter.pdf, letter.sha256 = pdf, letters.sha256_hex(pdf)
    letter.issued_at = dt.datetime(2026, 11, 24, 3, 0)
    if commit:
        session.commit()
    return pdf


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def modules(img: Image.Image, box: int) -> list[list[bool]]:
    """The dark/light modules of a QR image drawn ``box`` pixels per module."""
    gray = img.convert("L")
    n = gray.width // box
    return [[gray.getpixel((c * box + box // 2, r * box + box // 2)) < 128 for c in range(n)]
            for r in range(n)]


# --- text ---------------------------------------------------------------------------------------


def test_dates_are_written_in_indonesian():
    assert letters.format_date_id(dt.date(2026, 11, 24)) == "24 November 2026"
    assert letters.format_date_id(dt.date(2026, 2, 1)) == "1 Februari 2026"
    assert letters.format_date_id(dt.date(1945, 8, 17)) == "17 Agustus 1945"


def test_default_body_names_the_activity_and_states_the_result():
    req = NS(title=TITLE, year=2027, agency_name=AGENCY)
    fit, not_fit = letters.default_body(req, "fit"), letters.default_body(req, "not_fit")
    for body in (fit, not_fit):
        assert TITLE in body and "2027" in body and AGENCY in body
        assert len([p for p in body.split("\n") if p.strip()]) == 2  # two paragraphs
    assert "layak untuk dilaksanakan" in fit and "belum layak" not in fit
    assert "belum layak untuk dilaksanakan" in not_fit


def test_default_suggestions_join_the_review_notes_in_round_order():
    reviews = [NS(round=2, notes="Lengkapi kuesioner."), NS(round=1, notes="  Perbaiki judul. "),
               NS(round=3, notes=""), NS(round=4, notes=None)]
    assert letters.default_suggestions(None, reviews) == "Perbaiki judul.\nLengkapi kuesioner."
    assert letters.default_suggestions(None, []) == ""
    assert letters.default_suggestions(NS(reviews=[NS(round=1, notes="x")])) == "x"


def test_default_suggestions_leave_out_the_revisions_already_made():
    reviews = [NS(round=1, outcome="revision", notes="Lengkapi kerangka sampel."),
               NS(round=2, outcome="revision", notes="Kuesioner belum dilampirkan."),
               NS(round=3, outcome="pass", notes="Unggah metadata ke Indah.")]
    assert letters.default_suggestions(None, reviews) == "Unggah metadata ke Indah."
    assert letters.default_suggestions(None, reviews[:2]) == ""


# --- QR code ------------------------------------------------------------------------------------


def test_qr_png_encodes_the_url():
    url = VERIFY + "abc123"
    png = letters.qr_png(url)
    assert png.startswith(b"\x89PNG")
    expected = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M,
                             border=letters.QR_BORDER)
    expected.add_data(url)
    expected.make(fit=True)
    assert modules(Image.open(io.BytesIO(png)), letters.QR_BOX_SIZE) == expected.get_matrix()
    other = letters.qr_png(VERIFY + "abc124")
    assert modules(Image.open(io.BytesIO(other)), letters.QR_BOX_SIZE) != expected.get_matrix()
    assert letters.qr_data_uri(url).startswith("data:image/png;base64,")


# --- the letter, HTML and PDF -------------------------------------------------------------------


def test_issued_letter_pdf_carries_the_letter_and_its_qr_code(app, world, office_id, session):
    letter = make_letter(session, world, office_id)
    issue(session, letter)
    session.expire_all()
    stored = session.get(m.Letter, letter.id)
    pdf = stored.pdf
    assert pdf.startswith(b"%PDF") and stored.sha256 == letters.sha256_hex(pdf)

    text = pdf_text(pdf)
    for expected in (
        "BADAN PUSAT STATISTIK", "BPS KOTA UJI SURAT", "Jalan Garuda No. 1", "(0733) 321456",
        "lubuklinggaukota.bps.go.id", "bps1674@bps.go.id",
        f"Nomor : {stored.number}",
        # What the letter's e-mail carries beside it (form_pdf: the form with BPS's notes).
        "Lampiran : 1 (satu) berkas Formulir FS3 hasil rekomendasi",
        "Hal : Rekomendasi Kegiatan Statistik",
        "Yth. Kepala Dinas Kesehatan Kota Lubuklinggau", "Jalan Yos Sudarso No. 7",
        TITLE, "2027", AGENCY, "Undang-Undang Nomor 16 Tahun 1997",
        "dinyatakan LAYAK untuk dilaksanakan",
        "Saran:", "1. Cantumkan metode penarikan sampel.", "2. Lengkapi definisi variabel umur.",
        "Lubuklinggau, 24 November 2026", "Kepala BPS Kota Uji Surat,", HEAD,
        "NIP. 19750101 200003 2 001",  # HEAD_NIP in BKN's four groups
    ):
        assert expected in text, expected
    assert "DRAF" not in text
    url = VERIFY + stored.verification_code
    assert url in text.replace(" ", "")

    # The one embedded image is the QR code of the verification URL.
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1
    assert modules(images[0].image, letters.QR_BOX_SIZE) == letters.qr_code(url).get_matrix()


def test_draft_and_not_fit_letters(app, world, office_id, session):
    letter = make_letter(session, world, office_id)
    letter.result = "not_fit"
    letter.body = "Paragraf pertama.\nParagraf kedua."
    letter.suggestions = None
    html = letters.render_html(letter, verify_url=VERIFY + "x")
    assert "<p class=\"body\">Paragraf pertama.</p>" in html
    assert "<p class=\"body\">Paragraf kedua.</p>" in html
    text = pdf_text(letters.render_pdf(html))
    assert "DRAF" in text and "dinyatakan BELUM LAYAK untuk dilaksanakan" in text
    assert "Saran" not in text  # no suggestions: no list
    assert letters.format_date_id(letters._today()) in text  # a draft shows today


def test_text_is_escaped(app, world, office_id, session):
    letter = make_letter(session, world, office_id)
    letter.body = "<b>tebal</b> & <script>x</script>"
    html = letters.render_html(letter, verify_url=VERIFY + "x")
    assert "&lt;b&gt;tebal&lt;/b&gt; &amp; &lt;script&gt;" in html and "<script>" not in html


def test_office_template_is_used_and_copy_of_default_renders_the_same(
    app, world, office_id, session
):
    letter = make_letter(session, world, office_id)
    setting = session.scalars(
        sa.select(m.OfficeSetting).where(m.OfficeSetting.office_id == office_id)).one()
    url = VERIFY + letter.verification_code
    default_html = letters.render_html(letter, verify_url=url)
    try:
        setting.letter_template = letters.template_source_default()
        session.commit()
        assert letters.render_html(letter, verify_url=url) == default_html

        setting.letter_template = (
            "<html><body><p>Surat khusus {{ office.name }} untuk {{ request.agency_name }}"
            " tanggal {{ letter.letter_date }}</p><img src=\"{{ qr }}\"></body></html>")
        session.commit()
        html = letters.render_html(letter, verify_url=url)
        text = pdf_text(letters.render_pdf(html))
        assert f"Surat khusus BPS Kota Uji Surat untuk {AGENCY}" in text
        assert "BADAN PUSAT STATISTIK" not in text

        # Extending the default: change one block, keep the rest.
        setting.letter_template = (
            '{% extends "letter.html" %}{% block body %}<p>Isi khusus.</p>{% endblock %}')
        session.commit()
        text = pdf_text(letters.render_pdf(letters.render_html(letter, verify_url=url)))
        assert "Isi khusus." in text and "BADAN PUSAT STATISTIK" in text and HEAD in text
    finally:
        setting.letter_template = None
        session.commit()


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__ }}",
    "{{ letter.__class__.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{% set x = [] %}{{ x.append(1) }}",
])
def test_office_template_cannot_reach_python_internals(app, world, office_id, session, source):
    letter = make_letter(session, world, office_id)
    setting = session.scalars(
        sa.select(m.OfficeSetting).where(m.OfficeSetting.office_id == office_id)).one()
    setting.letter_template = source
    session.commit()
    try:
        with pytest.raises(LetterRenderError) as caught:
            letters.render_html(letter, verify_url=VERIFY + "x")
        assert isinstance(caught.value.__cause__, SecurityError)
        with pytest.raises(LetterRenderError):
            letters.check_template(source)
    finally:
        setting.letter_template = None
        session.commit()


def test_check_template_reports_mistakes_and_passes_the_default(app):
    with app.app_context():
        letters.check_template(letters.template_source_default())
        with pytest.raises(LetterRenderError, match="ofice"):
            letters.check_template("{{ ofice.name }}")  # a typo is an error, not a gap
        with pytest.raises(LetterRenderError):
            letters.check_template("{% if %}")


def test_pdf_reads_no_files_and_reports_failures(tmp_path):
    png = tmp_path / "qr.png"
    png.write_bytes(letters.qr_png("https://example.test"))

    def images(html):
        reader = pypdf.PdfReader(io.BytesIO(letters.render_pdf(html)))
        return sum(len(page.images) for page in reader.pages)

    assert images(f'<html><body><img src="{letters.qr_data_uri("x")}"></body></html>') == 1
    assert images(f'<html><body><img src="{png}"></body></html>') == 0  # a local file: refused
    assert images(f'<html><body><img src="file://{png}"></body></html>') == 0
    with pytest.raises(LetterRenderError):
        letters.render_pdf("<html><body><pdf:nexttemplate name='nope'/></body></html>")


def test_render_html_does_not_flush_a_half_issued_letter(app, world, office_id, session):
    """Numbered but issued_at not set yet (mid-issue): rendering must not autoflush it."""
    letter = make_letter(session, world, office_id)
    letter.number, letter.sequence, letter.year = f"B-X{_tag()}", 1, 2026
    letters.render_html(letter, verify_url=VERIFY + "x")  # would violate the CHECK if flushed
    session.rollback()


# --- the freeze ---------------------------------------------------------------------------------


def _row(session, letter_id):
    return session.execute(
        sa.select(m.Letter.body, m.Letter.number, m.Letter.pdf, m.Letter.issued_at,
                  m.Letter.office_id).where(m.Letter.id == letter_id)
    ).one()


@pytest.fixture
def issued(app, world, office_id, session):
    letter = make_letter(session, world, office_id)
    issue(session, letter)
    return letter.id


@pytest.mark.parametrize("loaded", [True, False], ids=["loaded", "expired"])
@pytest.mark.parametrize("field,value", [
    ("body", "Isi yang diubah."),
    ("number", "B-999999/00000/VS.300/2026"),
    ("pdf", b"%PDF-1.4 palsu"),
    ("sha256", "0" * 64),
    ("letter_date", dt.date(2027, 1, 1)),
    ("result", "not_fit"),
    ("issued_at", None),
    ("signer_name", "Orang Lain"),
])
def test_issued_letter_cannot_be_changed(session, issued, field, value, loaded):
    before = _row(session, issued)
    session.expire_all()
    letter = session.get(m.Letter, issued)
    if loaded:
        _ = letter.issued_at, letter.pdf, getattr(letter, field)
    else:
        session.expire(letter)  # set without loading: the old value is unknown to the ORM
    setattr(letter, field, value)
    with pytest.raises(LetterFrozenError) as caught:
        session.flush()
    assert field in caught.value.fields
    # The message is the user's language (Indonesian by default).
    assert gettext("An issued letter cannot be changed.") in str(caught.value)
    assert isinstance(caught.value, ValueError)
    session.rollback()
    assert _row(session, issued) == before


def test_issued_letter_cannot_move_to_another_office_or_request(session, world, issued):
    before = _row(session, issued)
    letter = session.get(m.Letter, issued)
    letter.office = session.get(m.Office, world.offices["1671"])
    with pytest.raises(LetterFrozenError) as caught:
        session.flush()
    assert "office_id" in caught.value.fields
    session.rollback()
    assert _row(session, issued) == before


def test_issued_letter_cannot_be_deleted(session, issued):
    before = _row(session, issued)
    session.delete(session.get(m.Letter, issued))
    with pytest.raises(LetterFrozenError) as caught:
        session.flush()
    assert caught.value.deleting
    assert gettext("An issued letter cannot be deleted.") in str(caught.value)
    session.rollback()
    assert _row(session, issued) == before


def test_issued_letter_can_be_sent_and_unchanged_values_pass(session, issued):
    letter = session.get(m.Letter, issued)
    letter.sent_at = dt.datetime(2026, 11, 25, 2, 0)
    letter.body = letter.body  # the same value (an edit form saving untouched fields)
    letter.number = str(letter.number)
    session.commit()
    session.expire_all()
    assert session.get(m.Letter, issued).sent_at == dt.datetime(2026, 11, 25, 2, 0)


def test_the_freeze_holds_in_any_session(app, issued):
    from sqlalchemy.orm import Session

    engine = app.extensions["sqlalchemy"].engine
    with app.app_context(), Session(engine) as other:
        other.get(m.Letter, issued).body = "Lewat sesi lain."
        with pytest.raises(LetterFrozenError):
            other.commit()
        other.rollback()


def test_draft_letters_stay_editable_and_deletable(app, world, office_id, session):
    letter = make_letter(session, world, office_id)
    letter.body, letter.result = "Diubah.", "not_fit"
    session.commit()
    session.delete(letter)
    session.commit()
    assert session.get(m.Letter, letter.id) is None


def test_issuing_in_one_flush_after_an_earlier_flush_is_allowed(app, world, office_id, session):
    """Issuing a letter flushed as a draft earlier in the same transaction (like the workflow)."""
    letter = make_letter(session, world, office_id)
    letter.body = "Disunting sebelum terbit."
    session.flush()
    issue(session, letter)
    session.expire_all()
    assert session.get(m.Letter, letter.id).issued_at is not None


def test_signer_from_setting_and_letter(app, world, office_id, session):
    letter = make_letter(session, world, office_id, signer_name="Budi Santoso", signer_nip="1980")
    setting = session.scalars(
        sa.select(m.OfficeSetting).where(m.OfficeSetting.office_id == office_id)).one()
    setting.signer_title = "Kepala Bagian Umum BPS Kota Uji Surat"
    try:
        html = letters.render_html(letter, verify_url=VERIFY + "x")
        assert "Kepala Bagian Umum BPS Kota Uji Surat," in html
        assert "<b>Budi Santoso</b>" in html and "NIP. 1980" in html and HEAD not in html
    finally:
        session.rollback()


# --- through the workflow: the draft, its preview, the issued letter and its attachment ---------

REVISION_NOTE = "Lengkapi kerangka sampel dan lampirkan kuesioner."
PASSING_NOTE = "Unggah metadata kegiatan ke aplikasi Indah setelah kegiatan selesai."
NIP_WRITTEN = "NIP. 19750101 200003 2 001"  # HEAD_NIP in BKN's four groups


@pytest.fixture
def office_x_head(app, world):
    """Office X with its head's name and NIP (the office screen stores the NIP's digits)."""
    with app.app_context():
        session = app.appbuilder.session
        office = session.get(m.Office, world.offices["1674"])
        before = office.head_name, office.head_nip
        office.head_name, office.head_nip = HEAD, HEAD_NIP
        session.commit()
    yield
    with app.app_context():
        session = app.appbuilder.session
        office = session.get(m.Office, world.offices["1674"])
        office.head_name, office.head_nip = before
        session.commit()


def _drafted_after_a_revision(app, api, world):
    """A request sent back once with REVISION_NOTE, then passed with PASSING_NOTE, drafted:
    its id, and ``act(user, action)`` to move it on."""
    from test_api import FORM

    from app.requests import workflow

    req_id = api("POST", "applicant_a", "/api/v1/requests/",
                 json={**FORM, "office": world.offices["1674"]}).json["id"]

    def act(user, action, **body):
        response = api("POST", user, f"/api/v1/requests/{req_id}/{action}", json=body)
        assert response.status_code == 200, (action, response.json)

    act("applicant_a", "submit")
    act("officer_x", "start_review")
    act("officer_x", "request_revision", note=REVISION_NOTE)
    act("applicant_a", "resubmit")
    act("officer_x", "start_review")
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        officer = session.get(m.RekomUser, world.users["officer_x"])
        items = workflow.applicable_checklist(session, req)
        workflow.record_review(session, req_id, officer, {i.id: True for i in items},
                               notes=PASSING_NOTE)
    act("officer_x", "verify")
    act("officer_x", "draft_letter")
    return req_id, act


def test_the_draft_suggests_what_still_stands_and_the_signer_has_the_offices_nip(
        app, world, wf, api, clients, office_x_head):
    req_id, act = _drafted_after_a_revision(app, api, world)
    with app.app_context():
        letter = app.appbuilder.session.get(m.ActivityRequest, req_id).letter
        letter_id = letter.id
        # The revision note was dealt with when the request came back; the passing round's stands.
        assert letter.suggestions == PASSING_NOTE

    preview = clients["head_x"].get(f"/letterview/pdf/{letter_id}")
    assert preview.status_code == 200
    act("head_x", "issue")
    with app.app_context():
        issued_pdf = app.appbuilder.session.get(m.Letter, letter_id).pdf
    for text in (pdf_text(preview.data), pdf_text(issued_pdf)):
        assert f"Saran: 1. {PASSING_NOTE}" in text
        assert REVISION_NOTE not in text
        assert f"{HEAD} {NIP_WRITTEN}" in text  # the NIP, formatted, under the signer's name


def test_the_issued_requests_form_is_the_letters_attachment(app, world, wf, api, office_x_head):
    from app.requests import form_pdf

    req_id, act = _drafted_after_a_revision(app, api, world)
    with app.test_request_context("/"):
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        before_issue = pdf_text(form_pdf.render(req))
        assert "Formulir FS3 hasil rekomendasi" not in before_issue
        assert "Hasil pemeriksaan BPS" not in before_issue
        session.rollback()
    act("head_x", "issue")
    with app.test_request_context("/"):
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        letter_text = pdf_text(req.letter.pdf)
        form_text = pdf_text(form_pdf.render(req))
        number, code = req.letter.number, req.recommendation_code
        blank = pdf_text(form_pdf.render(None))
    name = letters.attachment_name("survey")
    assert f"Lampiran : 1 (satu) berkas {name}" in letter_text
    for expected in (
        f"Lampiran surat Nomor {number} tanggal", name, "Hasil pemeriksaan BPS",
        f"Identitas rekomendasi {code}", "Hasil Layak dilaksanakan",
        # The checklist of the round that passed, and the suggestions of the letter.
        "Judul kegiatan dan penyelenggara teridentifikasi Ya", f"Saran: 1. {PASSING_NOTE}",
    ):
        assert expected in form_text, expected
    assert "Hasil pemeriksaan BPS" not in blank


def test_a_compilations_attachment_is_its_own_form():
    assert letters.attachment_line("compilation") == (
        "1 (satu) berkas Formulir FP-KPA hasil rekomendasi")
    assert letters.attachment_line("survey") == "1 (satu) berkas Formulir FS3 hasil rekomendasi"


def test_warm_up_makes_the_sample_letter_once_per_process(monkeypatch):
    made = []
    monkeypatch.setattr(letters, "_warmed", False)
    monkeypatch.setattr(letters, "render_pdf", lambda html: made.append(html) or b"%PDF")
    letters.warm_up()
    letters.warm_up()
    assert len(made) == 1 and "BPS KOTA CONTOH" in made[0]  # the default template, sample data
