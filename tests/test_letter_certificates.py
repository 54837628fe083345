"""Issue 23, signed letters end to end: the admin installs an office's certificate, the head
issues, the PDF carries a PAdES signature, /verify checks an uploaded file, an admin revokes.

An office of its own (OFFICE): a certificate installed here signs only this office's letters,
so the rest of the suite keeps issuing unsigned ones.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from certs import PASSWORD as P12_PASSWORD
from certs import SIGNER_NAME, pki
from conftest import ensure_users, login
from fake_esign import FakeESign

OFFICE, OFFICE_NAME = "1697", "BPS Kabupaten Uji Tanda Tangan"
SECRET = f"REKOMSTAT_P12_PASSWORD_{OFFICE}"


@pytest.fixture(scope="module")
def site(app, world):
    """The office, its head and officer, and the admin's id."""
    from app.ops.bootstrap import ensure_office

    with app.app_context():
        office = ensure_office(OFFICE, OFFICE_NAME, city="Kota Uji")
        office.head_name = "Budi Santoso"
        office.head_nip = "197001011990011001"
        users = ensure_users(app, OFFICE, ("Head", "head_sig"), ("Officer", "officer_sig"))
        ids = {"office": office.id, "head": users["head_sig"], "officer": users["officer_sig"],
               "admin": world.users["admin"], "applicant": world.users["applicant_a"]}
        app.appbuilder.session.remove()
    return ids


@pytest.fixture()
def secrets(app):
    """The office's PKCS#12 password, as the server's environment would give it."""
    before = app.config.get("SIGNING_SECRETS")
    app.config["SIGNING_SECRETS"] = {SECRET: P12_PASSWORD.decode()}
    yield app.config["SIGNING_SECRETS"]
    app.config["SIGNING_SECRETS"] = before


@pytest.fixture(autouse=True)
def _no_certificate_left(app, site):
    """Each test starts with no active certificate in the office (and no cached signer)."""
    from app.letters import certificates
    from app.models import SigningCertificate

    yield
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(SigningCertificate).where(
            SigningCertificate.office_id == site["office"]).values(active=False))
        session.commit()
    certificates.forget_signers()


def drafted(app, site) -> int:
    """A request of the office at "letter drafted", ready for the head to issue."""
    from app.core import codes
    from app.models import ActivityRequest, Letter

    with app.app_context():
        session = app.appbuilder.session
        req = ActivityRequest(
            tracking_code=codes.tracking_code("RKS"), office_id=site["office"],
            applicant_id=site["applicant"], state="letter_drafted",
            title="Survei Harga Produsen Gabah 2027", year=2027, kind="survey",
            agency_name="Dinas Pertanian Kabupaten Uji",
            submitted_at=dt.datetime(2026, 11, 2, 3), complete_at=dt.datetime(2026, 11, 2, 3),
            due_date=dt.date(2026, 12, 15), officer_id=site["officer"])
        session.add(req)
        session.flush()
        session.add(Letter(request_id=req.id, office_id=site["office"], result="fit",
                           body="Badan Pusat Statistik merekomendasikan kegiatan ini.",
                           verification_code=codes.random_token(20),
                           drafted_by_id=site["officer"]))
        session.commit()
        rid = req.id
        session.remove()
    return rid


def issue(app, site, req_id):
    from app.models import RekomUser
    from app.requests import workflow

    with app.app_context():
        session = app.appbuilder.session
        try:
            return workflow.apply(session, req_id, "issue", session.get(RekomUser, site["head"]))
        finally:
            session.remove()


def letter_of(app, req_id):
    from app.models import Letter

    with app.app_context():
        session = app.appbuilder.session
        letter = session.scalars(sa.select(Letter).where(Letter.request_id == req_id)).one()
        values = {c: getattr(letter, c) for c in (
            "id", "number", "sequence", "pdf", "sha256", "verification_code", "issued_at",
            "signature_subject", "signature_issuer", "signature_demo", "revoked_at",
            "revoked_reason")}
        session.remove()
    return values


def counter(app, site):
    from app.models import LetterCounter

    with app.app_context():
        session = app.appbuilder.session
        value = session.scalars(sa.select(sa.func.max(LetterCounter.last_sequence)).where(
            LetterCounter.office_id == site["office"])).one()
        session.remove()
    return value or 0


def install(client, site, data: bytes, **form):
    return client.post("/signingcertificateview/add", data={
        "office": str(site["office"]), "kind": "pkcs12",
        "certificate_file": (io.BytesIO(data), "kepala.p12"), **form,
    }, content_type="multipart/form-data", follow_redirects=True)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


# --- installing ----------------------------------------------------------------------------------


def test_the_admin_installs_a_certificate_and_the_screen_describes_it(app, site, secrets):
    admin = login(app.test_client(), "admin")
    page = install(admin, site, pki().signer.p12(pki().ca))
    assert page.status_code == 200
    listing = text_of(admin.get("/signingcertificateview/list/"))
    assert SIGNER_NAME in listing and "Rekomstat Uji CA" in listing


@pytest.mark.parametrize("case, expected", [
    ("no password on the server", "REKOMSTAT_P12_PASSWORD_1697"),
    ("not pkcs12", "bukan sertifikat PKCS#12"),
    ("wrong password", "Kata sandi sertifikat salah"),
    ("expired", "kedaluwarsa"),
    ("no file", "Pilih berkas sertifikat"),
])
def test_a_certificate_that_cannot_sign_is_refused_in_words_and_nothing_is_saved(
        app, site, secrets, case, expected):
    from app.models import SigningCertificate

    p = pki()
    data = {"no password on the server": p.signer.p12(p.ca), "not pkcs12": b"%PDF-1.4 bukan",
            "wrong password": p.signer.p12(p.ca, password=b"sandi-lain"),
            "expired": p.expired.p12(p.ca), "no file": b""}[case]
    if case == "no password on the server":
        secrets.clear()
    with app.app_context():
        before = app.appbuilder.session.scalar(sa.select(sa.func.count(SigningCertificate.id)))
    page = install(login(app.test_client(), "admin"), site, data)
    assert page.status_code == 200
    assert expected in text_of(page), text_of(page)[-1500:]
    with app.app_context():
        after = app.appbuilder.session.scalar(sa.select(sa.func.count(SigningCertificate.id)))
    assert after == before


def test_only_the_admin_reaches_the_certificates(app, site):
    for name in ("officer_x", "head_x", "applicant_a"):
        client = login(app.test_client(), name)
        r = client.get("/signingcertificateview/list/")
        assert r.status_code in (302, 403), name
        r = client.get("/signingcertificateview/add")
        assert r.status_code in (302, 403), name


# --- issuing -------------------------------------------------------------------------------------


def test_an_issued_letter_is_signed_and_verify_says_so_for_the_file(app, site, secrets):
    from app.letters import signature_check

    p = pki()
    install(login(app.test_client(), "admin"), site, p.signer.p12(p.ca))
    rid = drafted(app, site)
    issue(app, site, rid)
    letter = letter_of(app, rid)
    assert letter["signature_subject"] == SIGNER_NAME
    assert letter["signature_issuer"] == "Rekomstat Uji CA"
    checked = signature_check.check(letter["pdf"], trust_roots=[p.ca.der])
    assert checked.signed and checked.intact and checked.trusted and checked.covers_whole_file
    assert checked.signer_name == SIGNER_NAME
    # The letter's own text is still there, and the hash is of the signed file.
    assert "Budi Santoso" in "".join(page.extract_text() for page in
                                     PdfReader(io.BytesIO(letter["pdf"])).pages)
    import hashlib
    assert hashlib.sha256(letter["pdf"]).hexdigest() == letter["sha256"]

    anonymous = app.test_client()
    url = f"/verify/{letter['verification_code']}"
    page = text_of(anonymous.get(url))
    assert f"Ditandatangani oleh {SIGNER_NAME}" in page
    answer = anonymous.post(url, data={"pdf": (io.BytesIO(letter["pdf"]), "surat.pdf")},
                            content_type="multipart/form-data")
    said = text_of(answer)
    assert answer.status_code == 200
    assert "Berkas ini persis surat yang diterbitkan" in said
    assert f"Tanda tangannya utuh: ditandatangani oleh {SIGNER_NAME}" in said

    # One byte flipped inside the signed range: not the letter, and the signature breaks.
    altered = bytearray(letter["pdf"])
    spot = altered.find(b"Budi") if b"Budi" in altered else len(altered) // 3
    altered[spot] ^= 0x01
    said = text_of(anonymous.post(url, data={"pdf": (io.BytesIO(bytes(altered)), "s.pdf")},
                                  content_type="multipart/form-data"))
    assert "BUKAN surat yang diterbitkan" in said
    assert "Berkas ini persis" not in said and "Tanda tangannya utuh" not in said


def test_without_a_certificate_the_letter_is_hashed_and_the_page_says_unsigned(app, site):
    rid = drafted(app, site)
    issue(app, site, rid)
    letter = letter_of(app, rid)
    assert letter["signature_subject"] is None and letter["number"]
    page = text_of(app.test_client().get(f"/verify/{letter['verification_code']}"))
    assert "Tidak ditandatangani secara elektronik" in page


def test_a_certificate_expired_since_it_was_installed_refuses_the_issue_and_numbers_nothing(
        app, site, secrets):
    from app.letters import certificates
    from app.models import Office, SigningCertificate
    from app.requests.workflow import WorkflowError  # noqa: F401  (the same family of refusal)

    p = pki()
    with app.app_context():
        session = app.appbuilder.session
        # Installed while valid, expired today: as if the years had passed.
        session.add(SigningCertificate(office_id=session.get(Office, site["office"]).id,
                                       kind="pkcs12", p12=p.expired.p12(p.ca), subject="Lama",
                                       demo=False, active=True))
        session.commit()
        session.remove()
    certificates.forget_signers()
    rid = drafted(app, site)
    before = counter(app, site)
    with pytest.raises(Exception) as refused:
        issue(app, site, rid)
    assert "kedaluwarsa" in str(refused.value)
    letter = letter_of(app, rid)
    assert letter["number"] is None and letter["issued_at"] is None and letter["pdf"] is None
    assert counter(app, site) == before


def test_the_remote_signer_down_fails_the_issue_whole_and_sends_nothing(app, site):
    from app.letters import certificates
    from app.models import OutboundEmail

    p = pki()
    service = FakeESign(p12=p.signer.p12(p.ca), password=P12_PASSWORD, nik="1674000000000001",
                        passphrase="rahasia").start()
    before_config = {k: app.config.get(k) for k in ("ESIGN_URL", "SIGNING_SECRETS",
                                                     "ESIGN_TIMEOUT")}
    app.config.update(ESIGN_URL=service.sign_url, ESIGN_TIMEOUT=5, SIGNING_SECRETS={
        f"REKOMSTAT_ESIGN_PASSPHRASE_{OFFICE}": "rahasia"})
    try:
        admin = login(app.test_client(), "admin")
        admin.post("/signingcertificateview/add", data={
            "office": str(site["office"]), "kind": "remote",
            "remote_user_id": "1674000000000001"}, follow_redirects=True)
        # Up: the letter comes back signed by the service.
        rid = drafted(app, site)
        issue(app, site, rid)
        assert letter_of(app, rid)["signature_subject"]
        assert service.requests and service.requests[-1].fields.get("nik") == b"1674000000000001"

        # Down: nothing numbered, no mail queued, and the message says why.
        service.stop()
        certificates.forget_signers()
        rid = drafted(app, site)
        before = counter(app, site)
        with app.app_context():
            mails = app.appbuilder.session.scalar(sa.select(sa.func.count(OutboundEmail.id)))
        with pytest.raises(Exception) as refused:
            issue(app, site, rid)
        assert "layanan tanda tangan" in str(refused.value).lower()
        letter = letter_of(app, rid)
        assert letter["number"] is None and letter["pdf"] is None
        assert counter(app, site) == before
        with app.app_context():
            assert app.appbuilder.session.scalar(
                sa.select(sa.func.count(OutboundEmail.id))) == mails
    finally:
        app.config.update(before_config)
        try:
            service.stop()
        except Exception:
            pass


# --- revoking ------------------------------------------------------------------------------------


def test_the_admin_revokes_with_a_reason_and_the_public_page_says_so(app, site):
    rid = drafted(app, site)
    issue(app, site, rid)
    letter = letter_of(app, rid)
    admin = login(app.test_client(), "admin")
    show = text_of(admin.get(f"/letterview/show/{letter['id']}"))
    assert "Cabut surat" in show

    # No reason: refused in words, nothing changed.
    page = admin.post(f"/letterview/revoke/{letter['id']}", data={"reason": "  "},
                      follow_redirects=True)
    assert "Tuliskan alasan" in text_of(page)
    assert letter_of(app, rid)["revoked_at"] is None

    reason = "Kegiatan dibatalkan oleh instansi <b>pemohon</b>."
    admin.post(f"/letterview/revoke/{letter['id']}", data={"reason": reason},
               follow_redirects=True)
    revoked = letter_of(app, rid)
    assert revoked["revoked_at"] is not None and revoked["revoked_reason"] == reason
    assert revoked["sha256"] == letter["sha256"] and revoked["number"] == letter["number"]

    public = app.test_client().get(f"/verify/{letter['verification_code']}")
    html = public.get_data(as_text=True)
    assert "Surat ini telah dicabut" in text_of(public)
    assert "&lt;b&gt;pemohon&lt;/b&gt;" in html  # the reason shows as typed, not as markup

    again = admin.post(f"/letterview/revoke/{letter['id']}", data={"reason": "lagi"},
                       follow_redirects=True)
    assert letter_of(app, rid)["revoked_reason"] == reason
    assert again.status_code == 200


def test_officers_and_heads_cannot_revoke(app, site):
    rid = drafted(app, site)
    issue(app, site, rid)
    letter = letter_of(app, rid)
    for name in ("officer_sig", "head_sig"):
        client = login(app.test_client(), name)
        assert "Cabut surat" not in text_of(client.get(f"/letterview/show/{letter['id']}"))
        r = client.post(f"/letterview/revoke/{letter['id']}", data={"reason": "x"})
        assert r.status_code in (302, 403)
    assert letter_of(app, rid)["revoked_at"] is None


# --- /verify with bad uploads --------------------------------------------------------------------


@pytest.mark.parametrize("upload, expected", [
    (None, "Pilih berkas PDF"),
    (b"", "Pilih berkas PDF"),
    (b"bukan pdf sama sekali", "bukan PDF"),
    (b"%PDF-1.4\n" + b"0" * 100, "BUKAN surat yang diterbitkan"),
])
def test_verify_takes_bad_uploads_in_words(app, site, upload, expected):
    rid = drafted(app, site)
    issue(app, site, rid)
    code = letter_of(app, rid)["verification_code"]
    data = {} if upload is None else {"pdf": (io.BytesIO(upload), "x.pdf")}
    r = app.test_client().post(f"/verify/{code}", data=data, content_type="multipart/form-data")
    assert r.status_code in (200, 400)
    assert expected in text_of(r), text_of(r)[:2000]
    assert "Traceback" not in r.get_data(as_text=True)


def test_seed_demo_gives_the_office_a_demo_certificate_that_signs(scratch_url):
    """On a database of its own: `flask seed-demo` installs a DEMO certificate; a letter issued
    afterwards is signed and /verify calls it a demo."""
    from app import create_app
    from app.letters import certificates, signature_check
    from app.ops.bootstrap import bootstrap

    from conftest import app_config

    demo = create_app(app_config(scratch_url))
    with demo.app_context():
        bootstrap()
    result = demo.test_cli_runner().invoke(args=["seed-demo", "--requests", "12"])
    assert result.exit_code == 0, result.output
    assert "DEMO" in result.output
    with demo.app_context():
        from app.models import ActivityRequest, RekomUser
        from app.ops.bootstrap import ensure_default_office
        from app.requests import workflow

        session = demo.appbuilder.session
        office = ensure_default_office()
        row = certificates.current(session, office.id)
        assert row is not None and row.demo
        req = session.scalars(sa.select(ActivityRequest).where(
            ActivityRequest.state == "letter_drafted")).first()
        assert req is not None
        head = session.scalars(sa.select(RekomUser).where(
            RekomUser.office_id == office.id, RekomUser.roles.any(name="Head"))).first()
        workflow.apply(session, req.id, "issue", head)
        letter = session.get(ActivityRequest, req.id).letter
        checked = signature_check.check(letter.pdf)
        assert checked.signed and checked.intact and checked.demo
        code = letter.verification_code
        session.remove()
    page = text_of(demo.test_client().get(f"/verify/{code}"))
    assert "Sertifikat DEMO" in page
    certificates.forget_signers()
    with demo.app_context():
        demo.appbuilder.session.remove()


# --- the annotated form sent with the letter ---------------------------------------------------


def _with_review(app, site, req_id, notes_by_round):
    """Reviews of the request, as the officer left them: a round asking for revision, then
    the round that passed, each with its notes."""
    from app.models import ChecklistItem, Review

    with app.app_context():
        session = app.appbuilder.session
        items = session.scalars(sa.select(ChecklistItem).where(
            ChecklistItem.office_id == site["office"])).all()
        for number, (outcome, notes) in enumerate(notes_by_round, start=1):
            session.add(Review(
                request_id=req_id, round=number, officer_id=site["officer"], outcome=outcome,
                notes=notes, started_at=dt.datetime(2026, 11, number + 2, 3),
                finished_at=dt.datetime(2026, 11, number + 3, 3),
                checklist={str(i.id): {"ok": outcome == "pass",
                                       "note": f"Catatan butir {i.position}"} for i in items}))
        session.commit()
        session.remove()


def send(app, site, req_id):
    from app.models import RekomUser
    from app.requests import workflow

    with app.app_context():
        session = app.appbuilder.session
        try:
            return workflow.apply(session, req_id, "send",
                                  session.get(RekomUser, site["officer"]))
        finally:
            session.remove()


def test_the_sent_letter_carries_its_annotated_form_frozen_and_hashed(app, site):
    import hashlib

    from app import notify
    from app.letters.document import LetterFrozenError
    from app.models import Letter

    rid = drafted(app, site)
    _with_review(app, site, rid, [("revision", "Tambahkan definisi variabel pendapatan."),
                                  ("pass", "Semua butir lengkap.")])
    issue(app, site, rid)
    assert letter_of(app, rid)  # issued
    send(app, site, rid)
    with app.app_context():
        session = app.appbuilder.session
        letter = session.scalars(sa.select(Letter).where(Letter.request_id == rid)).one()
        form = letter.form_pdf
        assert form and hashlib.sha256(form).hexdigest() == letter.form_sha256
        text = re.sub(r"\s+", " ", "".join(
            page.extract_text() for page in PdfReader(io.BytesIO(form)).pages))
        # The review, every round with its notes, the checklist with its notes, the identity.
        for expected in ("Formulir FS3 hasil rekomendasi", letter.number,
                         "Tambahkan definisi variabel pendapatan.", "Semua butir lengkap.",
                         "Perlu perbaikan", "Catatan butir 1",
                         letter.request.recommendation_code):
            assert expected in text, expected
        # The mail's attachment is the frozen file, not a new render.
        assert notify._letter_form_pdf(letter) == form
        # Frozen: it cannot be written again.
        letter.form_pdf, letter.form_sha256 = b"%PDF-1.4 lain", "0" * 64
        with pytest.raises(LetterFrozenError):
            session.flush()
        session.rollback()
        code, number = letter.verification_code, letter.number
        session.remove()

    # The applicant's download of the form is that file too.
    applicant = login(app.test_client(), "applicant_a")
    assert applicant.get(f"/portal/requests/{rid}/form.pdf").data == form
    # And /verify recognises it.
    page = app.test_client().post(f"/verify/{code}", data={"pdf": (io.BytesIO(form), "f.pdf")},
                                  content_type="multipart/form-data")
    said = text_of(page)
    assert "Berkas ini persis formulir lampiran yang dikirim bersama surat" in said, said[-800:]
    assert "BUKAN" not in said and number


def test_the_person_who_drafted_the_letter_may_not_sign_it(app, site):
    """Four eyes: the head who (also) drafted the letter is refused, nothing is numbered; the
    letter waits for another signer."""
    from app.models import Letter

    rid = drafted(app, site)
    with app.app_context():
        session = app.appbuilder.session
        letter = session.scalars(sa.select(Letter).where(Letter.request_id == rid)).one()
        letter.drafted_by_id = site["head"]  # the head edited the draft last
        session.commit()
        session.remove()
    before = counter(app, site)
    with pytest.raises(Exception) as refused:
        issue(app, site, rid)
    assert "orang lain" in str(refused.value)
    assert letter_of(app, rid)["number"] is None and counter(app, site) == before
    with app.app_context():
        from app.models import ActivityRequest
        assert app.appbuilder.session.get(ActivityRequest, rid).state == "letter_drafted"
        app.appbuilder.session.remove()


def test_a_not_yet_fit_letter_says_so_on_verify_and_in_the_catalogue(app, site):
    from app.models import Letter

    rid = drafted(app, site)
    with app.app_context():
        session = app.appbuilder.session
        letter = session.scalars(sa.select(Letter).where(Letter.request_id == rid)).one()
        letter.result = "not_fit"
        letter.body = "Kegiatan belum layak: kerangka sampel belum ada."
        session.commit()
        session.remove()
    issue(app, site, rid)
    code = letter_of(app, rid)["verification_code"]
    client = app.test_client()
    assert "Belum layak" in text_of(client.get(f"/verify/{code}"))
    assert "Belum layak" in text_of(client.get(f"/catalogue/{rid}"))
    listing = text_of(client.get("/catalogue/?q=Produsen+Gabah"))
    assert "Survei Harga Produsen Gabah 2027" in listing and "Belum layak" in listing
