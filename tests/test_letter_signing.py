"""Signing the letter PDF (issue 23): a PAdES signature from a PKCS#12 file or a BSrE-shaped
remote service, the refusals an office meets (expired, revoked, wrong password, wrong file, the
service down or misbehaving), and the check /verify will run on an uploaded PDF.

Certificates are made here (tests/certs.py); the remote service and a timestamp authority run
on loopback (tests/fake_esign.py). The letter is the real sample letter, rendered as issuing
renders it.
"""
from __future__ import annotations

import datetime as dt
import io
import socket

import pypdf
import pytest
from flask_babel import force_locale

from app.letters import document as letters
from app.letters.demo_certificate import DEMO_ORG, make_demo_ca, make_office_signer
from app.letters.signature_check import Result, check
from app.letters.signing import (
    REASON,
    Pkcs12Signer,
    RemoteSigner,
    Signer,
    SigningError,
)
from tests.certs import OFFICE, PASSWORD, SIGNER_NAME, pki
from tests.fake_esign import FakeESign

CITY = "Lubuklinggau"
NIK = "1674010101700001"
PASSPHRASE = "rahasia-bsre-123"


@pytest.fixture
def indonesian(app):
    """What an officer's screen sees: an app context in Indonesian."""
    with app.test_request_context(), force_locale("id"):
        yield


@pytest.fixture(scope="module")
def letter_pdf(app) -> bytes:
    with app.app_context():
        return letters.render_pdf(letters.render_template(None, letters.sample_context()))


@pytest.fixture(scope="module")
def esign():
    p = pki()
    server = FakeESign(p12=p.signer.p12(p.ca), password=PASSWORD, nik=NIK,
                       passphrase=PASSPHRASE, tsa_cert=p.tsa.cert, tsa_key=p.tsa.key,
                       tsa_chain=[p.ca.cert]).start()
    yield server
    server.stop()


@pytest.fixture
def service(esign):
    esign.mode, esign.tsa_time = "ok", None
    esign.requests.clear()
    yield esign
    esign.mode, esign.tsa_time = "ok", None


def signer_for(issued, **kwargs) -> Pkcs12Signer:
    return Pkcs12Signer(issued.p12(pki().ca), PASSWORD, **kwargs)


def sign(signer, pdf: bytes) -> bytes:
    return signer.sign(pdf, signer_name=SIGNER_NAME, reason=REASON, location=CITY)


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- PKCS#12: a signed letter ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["signer", "rsa_signer"])
def test_a_signed_letter_validates_with_its_signer_and_time(indonesian, letter_pdf, kind):
    p = pki()
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
    signed = sign(signer_for(getattr(p, kind)), letter_pdf)
    after = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)

    # An incremental update: the letter as rendered, byte for byte, then the signature.
    assert signed.startswith(letter_pdf) and len(signed) > len(letter_pdf)
    result = check(signed, trust_roots=[p.ca.der])
    assert result == Result(
        signed=True, intact=True, covers_whole_file=True, later_changes=None,
        signer_name=SIGNER_NAME, signer_org=OFFICE, signed_at=result.signed_at,
        timestamped=False, trusted=True, demo=False, problem=None)
    assert before <= result.signed_at <= after
    # The letter's text reads the same after signing.
    assert text_of(signed) == text_of(letter_pdf)
    assert "B-1/99990/VS.300/2026" in text_of(signed)


def test_the_signature_carries_name_reason_and_place_and_is_pades(letter_pdf):
    from pyhanko.pdf_utils.reader import PdfFileReader

    signed = sign(signer_for(pki().signer), letter_pdf)
    sig = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert sig.sig_object["/Name"] == SIGNER_NAME
    assert sig.sig_object["/Reason"] == "Rekomendasi Kegiatan Statistik"
    assert sig.sig_object["/Location"] == CITY
    # Invisible: the letter itself prints the signer's name, NIP and the QR code.
    rect = [float(x) for x in sig.sig_field.get("/Rect", [0, 0, 0, 0])]
    assert rect[2] - rect[0] == 0 and rect[3] - rect[1] == 0


def test_without_trust_roots_the_check_says_nothing_of_trust(letter_pdf):
    result = check(sign(signer_for(pki().signer), letter_pdf))
    assert result.intact and result.trusted is None and result.problem is None


def test_a_signer_of_another_authority_is_intact_but_not_trusted(indonesian, letter_pdf):
    p = pki()
    signed = Pkcs12Signer(p.stranger.p12(p.other_ca), PASSWORD).sign(
        letter_pdf, signer_name="Orang Lain", location=CITY)
    result = check(signed, trust_roots=[p.ca.der])
    assert result.intact and result.trusted is False
    assert result.signer_name == "Orang Lain"
    assert "tidak diterbitkan oleh penyelenggara sertifikasi yang dipercaya" in result.problem


def test_pem_trust_roots_count_too(letter_pdf):
    from cryptography.hazmat.primitives import serialization

    p = pki()
    pem = p.ca.cert.public_bytes(serialization.Encoding.PEM)
    assert check(sign(signer_for(p.signer), letter_pdf), trust_roots=[pem]).trusted is True


# --- tampering ---------------------------------------------------------------------------------


def _signed_range(pdf: bytes) -> tuple[int, int, int, int]:
    import re

    a, b, c, d = map(int, re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)",
                                     pdf)[-1])
    return a, b, c, d


def test_one_flipped_byte_in_the_letter_text_is_reported_as_altered(indonesian, letter_pdf):
    signed = sign(signer_for(pki().signer), letter_pdf)
    # A byte inside the first page's content stream: the PDF still reads, the digest differs.
    at = signed.index(b"stream", signed.index(b"/Contents")) + 40
    assert at < _signed_range(signed)[1]
    altered = signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1:]
    result = check(altered)
    assert result.signed and not result.intact
    assert result.problem == ("Surat ini diubah setelah ditandatangani: tanda tangannya "
                              "tidak lagi cocok dengan isinya.")


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9, "after_contents"])
def test_any_flipped_byte_in_the_signed_ranges_is_never_intact(letter_pdf, where):
    signed = sign(signer_for(pki().signer), letter_pdf)
    a, b, c, d = _signed_range(signed)
    at = c + d // 2 if where == "after_contents" else int(b * where)
    altered = signed[:at] + bytes([signed[at] ^ 0x20]) + signed[at + 1:]
    result = check(altered)
    assert not result.intact and result.problem


def test_bytes_appended_after_signing_are_reported(indonesian, letter_pdf):
    signed = sign(signer_for(pki().signer), letter_pdf)
    for tail in (b"\n% catatan tambahan\n", b"\n%%EOF\n" + b"x" * 5000):
        result = check(signed + tail)
        assert result.signed and result.intact  # the signed bytes themselves are unchanged
        assert not result.covers_whole_file and result.later_changes == "trailing_bytes"
        assert result.problem == "Ada yang ditambahkan ke PDF ini setelah ditandatangani."


def test_an_incremental_update_after_signing_is_reported(indonesian, letter_pdf):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = sign(signer_for(pki().signer), letter_pdf)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Tambahan"] = generic.NameObject("/Ya")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = check(out.getvalue())
    assert result.intact and not result.covers_whole_file
    assert result.later_changes == "other"
    assert result.problem == "Ada yang ditambahkan ke PDF ini setelah ditandatangani."


# --- refusals before signing -------------------------------------------------------------------


def test_an_expired_certificate_is_refused_and_nothing_is_signed(indonesian, letter_pdf):
    signer = signer_for(pki().expired)
    signed = None
    with pytest.raises(SigningError) as err:
        signed = sign(signer, letter_pdf)
    assert signed is None
    assert err.value.status == 409
    assert err.value.message.startswith("Sertifikat penanda tangan kedaluwarsa pada ")
    assert "Pasang sertifikat baru untuk kantor ini." in err.value.message
    # The date in words, as the screens write dates (no ISO date).
    expiry = pki().expired.cert.not_valid_after_utc
    assert str(expiry.year) in err.value.message and expiry.date().isoformat() not in (
        err.value.message)


def test_a_certificate_not_valid_yet_is_refused(indonesian, letter_pdf):
    with pytest.raises(SigningError, match="belum berlaku"):
        sign(signer_for(pki().not_yet), letter_pdf)


def test_a_revoked_certificate_is_refused_when_the_crl_is_given(indonesian, letter_pdf):
    p = pki()
    signer = signer_for(p.revoked, crls=[p.crl_der], trust_roots=[p.ca.der])
    with pytest.raises(SigningError) as err:
        sign(signer, letter_pdf)
    assert err.value.message == ("Sertifikat penanda tangan telah dicabut oleh penerbitnya. "
                                 "Pasang sertifikat baru untuk kantor ini.")
    # The CA certificate inside the PKCS#12 file anchors the check when no roots are given.
    with pytest.raises(SigningError, match="dicabut"):
        sign(signer_for(p.revoked, crls=[p.crl_der]), letter_pdf)
    # The same CRL lets a certificate that is not on it sign.
    signed = sign(signer_for(p.signer, crls=[p.crl_der], trust_roots=[p.ca.der]), letter_pdf)
    assert check(signed).intact


def test_a_crl_list_that_does_not_cover_the_certificate_stops_signing(indonesian,
                                                                      letter_pdf):
    p = pki()  # the CRL is the test CA's; the signer's issuer is another CA
    signer = Pkcs12Signer(p.stranger.p12(p.other_ca), PASSWORD, crls=[p.crl_der])
    with pytest.raises(SigningError) as err:
        signer.sign(letter_pdf, signer_name="Orang Lain")
    assert err.value.message == ("Sertifikat penanda tangan tidak dapat diperiksa terhadap "
                                 "penerbitnya.")


def test_a_revoked_certificate_is_refused_with_a_validation_context(indonesian, letter_pdf):
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    p = pki()
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(p.ca.der)],
                                crls=[asn1_crl.CertificateList.load(p.crl_der)],
                                revocation_mode="require")
    with pytest.raises(SigningError, match="dicabut"):
        sign(signer_for(p.revoked, validation_context=context), letter_pdf)


def test_a_certificate_whose_key_may_not_sign_is_refused(indonesian, letter_pdf):
    with pytest.raises(SigningError) as err:
        sign(signer_for(pki().no_signing), letter_pdf)
    assert err.value.message == "Sertifikat ini tidak boleh dipakai untuk menandatangani dokumen."


def test_a_wrong_password_is_refused_at_once(indonesian):
    p12 = pki().signer.p12(pki().ca)
    for password in (b"salah", None, "salah juga"):
        with pytest.raises(SigningError) as err:
            Pkcs12Signer(p12, password)
        assert err.value.message == "Kata sandi sertifikat salah."
    # The password may be given as text too.
    assert Pkcs12Signer(p12, PASSWORD.decode()).describe().subject == SIGNER_NAME


@pytest.mark.parametrize("upload", [
    b"", b"%PDF-1.4 not a certificate", b"\x30\x82\x01\x00" + b"\x00" * 256,
    "pem", "der", "key",
])
def test_a_file_that_is_not_pkcs12_is_refused(indonesian, upload):
    from cryptography.hazmat.primitives import serialization

    p = pki()
    data = {
        "pem": p.signer.cert.public_bytes(serialization.Encoding.PEM),
        "der": p.signer.der,
        "key": p.signer.key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()),
    }.get(upload, upload)
    with pytest.raises(SigningError) as err:
        Pkcs12Signer(data, PASSWORD)
    assert err.value.message == "Berkas ini bukan sertifikat PKCS#12 (.p12 atau .pfx)."


def test_a_pkcs12_without_password_works(letter_pdf):
    p = pki()
    signer = Pkcs12Signer(p.signer.p12(p.ca, password=None), None)
    assert check(sign(signer, letter_pdf)).intact


def test_describe_says_who_signs_and_until_when():
    p = pki()
    info = signer_for(p.signer, timestamp_url="http://127.0.0.1:9/tsa").describe()
    assert (info.kind, info.subject, info.organisation, info.issuer) == (
        "pkcs12", SIGNER_NAME, OFFICE, "Rekomstat Uji CA")
    assert info.valid_until == p.signer.cert.not_valid_after_utc
    assert info.timestamped and not info.demo
    assert info.serial == format(p.signer.cert.serial_number, "X")


def test_both_signers_are_signers():
    p = pki()
    assert isinstance(signer_for(p.signer), Signer)
    assert isinstance(RemoteSigner("http://127.0.0.1:9/", user_id=NIK, passphrase="x"), Signer)


# --- timestamps (PAdES B-T) --------------------------------------------------------------------


def test_with_a_timestamp_authority_the_time_comes_from_the_token(indonesian, letter_pdf,
                                                                  service):
    p = pki()
    # The authority's clock, set apart from this machine's, shows which time is reported.
    service.tsa_time = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.timezone.utc)
    signed = sign(signer_for(p.signer, timestamp_url=service.tsa_url), letter_pdf)
    result = check(signed, trust_roots=[p.ca.der])
    assert result.signed and result.intact and result.trusted
    assert result.timestamped and result.signed_at == service.tsa_time
    assert result.problem is None
    # Without one, the time is the one the signer claims.
    assert not check(sign(signer_for(p.signer), letter_pdf)).timestamped


def test_the_timestamp_authority_down_refuses_signing(indonesian, letter_pdf):
    signer = signer_for(pki().signer,
                        timestamp_url=f"http://127.0.0.1:{closed_port()}/tsa")
    with pytest.raises(SigningError) as err:
        sign(signer, letter_pdf)
    assert err.value.message == ("Server penanda waktu tidak menjawab; surat tidak "
                                 "ditandatangani. Coba lagi nanti.")


# --- the remote signing service ----------------------------------------------------------------


def remote(service, **kwargs) -> RemoteSigner:
    kwargs.setdefault("passphrase", PASSPHRASE)
    return RemoteSigner(service.sign_url, user_id=NIK, **kwargs)


def test_the_remote_service_signs_the_letter(indonesian, letter_pdf, service):
    signed = remote(service).sign(letter_pdf, signer_name=SIGNER_NAME, location=CITY)
    result = check(signed, trust_roots=[pki().ca.der])
    assert result.signed and result.intact and result.trusted
    assert result.signer_name == SIGNER_NAME
    assert text_of(signed) == text_of(letter_pdf)
    [seen] = service.requests
    assert seen.fields["file"] == letter_pdf
    assert seen.fields["nik"] == NIK.encode() and seen.fields["passphrase"] == PASSPHRASE.encode()
    assert seen.fields["tampilan"] == b"invisible"
    assert remote(service).describe().service == "127.0.0.1"


def test_a_wrong_passphrase_is_the_services_refusal(indonesian, letter_pdf, service, caplog):
    with pytest.raises(SigningError) as err:
        remote(service, passphrase="salah").sign(letter_pdf, signer_name=SIGNER_NAME)
    assert err.value.message == (
        "Layanan tanda tangan elektronik menolak menandatangani surat. Periksa NIK dan "
        "passphrase penanda tangan di pengaturan kantor.")
    assert "Passphrase anda salah" not in err.value.message
    assert "Passphrase anda salah" in caplog.text  # the detail is in the log
    assert "salah" not in caplog.text.replace("Passphrase anda salah", "")  # not the passphrase


def test_the_service_down_refuses_signing(indonesian, letter_pdf):
    signer = RemoteSigner(f"http://127.0.0.1:{closed_port()}/api/sign/pdf", user_id=NIK,
                          passphrase=PASSPHRASE, timeout=5)
    with pytest.raises(SigningError) as err:
        signer.sign(letter_pdf, signer_name=SIGNER_NAME)
    assert err.value.message == ("Layanan tanda tangan elektronik tidak dapat dihubungi; "
                                 "surat tidak ditandatangani. Coba lagi nanti.")


def test_a_server_error_refuses_signing_without_its_text(indonesian, letter_pdf, service,
                                                         caplog):
    service.mode = "500"
    with pytest.raises(SigningError) as err:
        remote(service).sign(letter_pdf, signer_name=SIGNER_NAME)
    assert err.value.message == ("Layanan tanda tangan elektronik sedang bermasalah dan tidak "
                                 "menandatangani surat. Coba lagi nanti.")
    assert "NullPointer" not in err.value.message and "NullPointer" in caplog.text
    assert PASSPHRASE not in caplog.text


@pytest.mark.parametrize("mode", ["garbage", "unsigned"])
def test_a_reply_that_is_not_a_signed_pdf_is_refused(indonesian, letter_pdf, service, mode):
    service.mode = mode
    with pytest.raises(SigningError) as err:
        remote(service).sign(letter_pdf, signer_name=SIGNER_NAME)
    assert err.value.message == (
        "Layanan tanda tangan elektronik mengirim sesuatu yang bukan surat bertanda tangan; "
        "surat tidak ditandatangani.")


def test_a_service_that_does_not_answer_in_time_refuses_signing(indonesian, letter_pdf,
                                                                service):
    service.mode = "slow"
    with pytest.raises(SigningError) as err:
        remote(service, timeout=0.5).sign(letter_pdf, signer_name=SIGNER_NAME)
    assert err.value.message == (
        "Layanan tanda tangan elektronik tidak menjawab tepat waktu; surat tidak "
        "ditandatangani. Coba lagi nanti.")


def test_a_service_address_that_is_no_web_address_is_refused(indonesian):
    for url in ("", "ftp://esign.example/", "esign.example/api"):
        with pytest.raises(SigningError, match="bukan alamat web"):
            RemoteSigner(url, user_id=NIK, passphrase=PASSPHRASE)


# --- the demo certificate ----------------------------------------------------------------------


def test_the_demo_certificate_signs_and_says_it_is_a_demo(indonesian, letter_pdf):
    ca = make_demo_ca()
    demo = make_office_signer(signer_name="Nama Kepala", office_name="BPS Kota Contoh", ca=ca,
                              password=b"demo")
    org = ca.certificate.subject.get_attributes_for_oid(
        __import__("cryptography").x509.oid.NameOID.ORGANIZATION_NAME)[0].value
    assert org == DEMO_ORG == "Rekomstat DEMO \u2014 bukan sertifikat resmi"
    signer = Pkcs12Signer(demo.p12, demo.password)
    assert signer.describe().demo and signer.describe().issuer == "Rekomstat DEMO CA"
    signed = signer.sign(letter_pdf, signer_name="Nama Kepala", location="Contoh")
    result = check(signed, trust_roots=[ca.cert_der])
    assert result.intact and result.trusted and result.demo
    assert result.signer_name == "Nama Kepala" and result.signer_org == "BPS Kota Contoh"
    assert result.problem == "Ditandatangani dengan sertifikat demo, bukan sertifikat resmi."
    # An official certificate is not a demo.
    assert not check(sign(signer_for(pki().signer), letter_pdf)).demo


def test_demo_subjects_are_fixed_and_keys_fresh():
    a = make_office_signer(signer_name="Nama Kepala", office_name="BPS Kota Contoh")
    b = make_office_signer(signer_name="Nama Kepala", office_name="BPS Kota Contoh")
    assert a.certificate.subject == b.certificate.subject
    assert a.ca.certificate.subject == b.ca.certificate.subject
    assert a.certificate.public_key() != b.certificate.public_key()


# --- check() never raises ----------------------------------------------------------------------


@pytest.mark.parametrize("data, problem", [
    (b"", "Berkas ini bukan PDF."),
    (b"hello, world", "Berkas ini bukan PDF."),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "Berkas ini bukan PDF."),
    (b"%PDF-1.7\n" + b"\xff" * 500, "PDF ini rusak atau tidak lengkap sehingga tidak dapat "
                                    "diperiksa."),
])
def test_check_on_garbage_says_what_it_is(indonesian, data, problem):
    assert check(data) == Result(signed=False, problem=problem)


def test_check_on_a_truncated_signed_letter(indonesian, letter_pdf):
    signed = sign(signer_for(pki().signer), letter_pdf)
    for cut in (signed.rindex(b"/ByteRange") + 20, len(signed) - 40, len(signed) - 7):
        result = check(signed[:cut])
        assert not result.signed and not result.intact
        assert result.problem == ("PDF ini rusak atau tidak lengkap sehingga tidak dapat "
                                  "diperiksa.")


def test_check_on_an_unsigned_letter(indonesian, letter_pdf):
    assert check(letter_pdf) == Result(
        signed=False, problem="PDF ini tidak memuat tanda tangan elektronik.")


def test_check_speaks_english_too(app, letter_pdf):
    with app.test_request_context(), force_locale("en"):
        assert check(letter_pdf).problem == "This PDF carries no digital signature."
