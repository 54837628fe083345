"""Signing an issued letter's PDF: a PAdES signature made here with pyHanko from the office's
PKCS#12 file, or by a remote signing service in the shape of BSrE's e-sign API.

Both are a ``Signer``: ``sign(pdf, signer_name=…, reason=…, location=…) -> signed pdf`` and
``describe()`` for the screens. Neither touches the database or the Flask request; the caller
(the workflow's issue step) picks the signer of the office and stores what comes back.

Every refusal is a ``SigningError`` (a ``DomainError``, 409) with a plain, translated message:
the screens show it as it is. What the server said, or the traceback, goes to the log only.

pyHanko is imported on first use, not with this module: it costs about a second of import
time, and the app starts (and most requests run) without signing anything.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import functools
import io
import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Optional, Protocol, runtime_checkable
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError
from app.letters.loops import outside_event_loop

if TYPE_CHECKING:
    from cryptography import x509
    from pyhanko_certvalidator import ValidationContext

log = logging.getLogger(__name__)

REASON = "Rekomendasi Kegiatan Statistik"
FIELD_NAME = "TandaTanganSurat"


class SigningError(DomainError):
    """The letter could not be signed; nothing was signed and nothing should be issued."""

    def __init__(self, message, *, detail: str = ""):
        super().__init__(message, status=409)
        self.detail = detail  # for the log only, never shown


@dataclass(frozen=True)
class SignerInfo:
    """What the screens say about an office's signer."""

    kind: str                      # "pkcs12" or "remote"
    subject: str = ""              # the certificate's holder (CN), PKCS#12 only
    organisation: str = ""         # its O
    issuer: str = ""               # the issuing CA's CN (or O)
    serial: str = ""               # hexadecimal
    valid_from: Optional[dt.datetime] = None
    valid_until: Optional[dt.datetime] = None
    demo: bool = False             # issued by the Rekomstat demo CA
    timestamped: bool = False      # a timestamp authority is configured (PAdES B-T)
    service: str = ""              # the remote service's host, remote only


@runtime_checkable
class Signer(Protocol):
    def sign(self, pdf: bytes, *, signer_name: str, reason: str = REASON,
             location: str = "") -> bytes:
        """The signed PDF, or ``SigningError``."""
        ...

    def describe(self) -> SignerInfo:
        ...


# --- helpers -----------------------------------------------------------------------------------


def _name_part(name: "x509.Name", oid) -> str:
    attrs = name.get_attributes_for_oid(oid)
    return str(attrs[0].value) if attrs else ""


def _date_words(moment: dt.datetime) -> str:
    """``6 Desember 2026`` in the user's language and time zone (an ISO date outside an app)."""
    try:
        from flask_babel import format_date, to_user_timezone

        return format_date(to_user_timezone(moment).date(), "long", rebase=False)
    except Exception:  # no app context (a script): plain ISO
        return moment.date().isoformat()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _looks_like_pkcs12(data: bytes) -> bool:
    """The outer structure of a PKCS#12 file (PFX, version 3, with its authenticated safe),
    which can be read without the password: a wrong password and a wrong file are told apart."""
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return (pfx["version"].native == "v3"
                and pfx["auth_safe"]["content_type"].native in ("data", "signed_data"))
    except Exception:
        return False


def _run(coro):
    return asyncio.run(coro)


# --- PKCS#12 -----------------------------------------------------------------------------------


class Pkcs12Signer:
    """A PAdES signature (B-B; B-T with ``timestamp_url``) with the key of a PKCS#12 file.

    The file is read at once: not PKCS#12, a wrong password, no key or no certificate in it, a
    key that does not belong to the certificate → ``SigningError``. ``check()`` (also run by
    every ``sign()``) refuses a certificate that is not valid at this moment, one whose key
    usage allows neither digitalSignature nor nonRepudiation, and — when ``crls`` or a
    ``validation_context`` are given — one that is revoked.

    ``trust_roots`` (DER or PEM) anchor the revocation check; without them the self-signed
    certificates the PKCS#12 file carries are used. The CA certificates in the file are
    embedded in every signature, so a reader can build the chain.
    """

    kind = "pkcs12"

    def __init__(
        self,
        p12_bytes: bytes,
        password: bytes | str | None,
        *,
        timestamp_url: str | None = None,
        timestamp_timeout: float = 10,
        crls: Iterable[bytes] = (),
        trust_roots: Iterable[bytes] = (),
        validation_context: "ValidationContext | None" = None,
    ):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import pkcs12

        from app.letters.signature_check import asn1_names

        asn1_names()
        if isinstance(password, str):
            password = password.encode("utf-8")
        data = bytes(p12_bytes or b"")
        if not _looks_like_pkcs12(data):
            raise SigningError(_l("This file is not a PKCS#12 certificate (.p12 or .pfx)."))
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, password or None)
        except Exception as exc:  # cryptography says "Invalid password or PKCS12 data"
            raise SigningError(
                _l("The certificate's password is wrong."), detail=repr(exc)) from exc
        if key is None or cert is None:
            raise SigningError(
                _l("The certificate file holds no signing key and certificate."))
        raw = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        if key.public_key().public_bytes(*raw) != cert.public_key().public_bytes(*raw):
            raise SigningError(
                _l("The key in the certificate file does not belong to its certificate."))
        self._key = key
        self._cert = cert
        self._extra = list(extra or ())
        self.timestamp_url = timestamp_url or None
        self.timestamp_timeout = timestamp_timeout
        self._crls = [bytes(c) for c in crls]
        self._trust_roots = [bytes(r) for r in trust_roots]
        self._validation_context = validation_context
        self._pyhanko_signer = None

    # -- what the screens show

    @property
    def certificate(self) -> "x509.Certificate":
        return self._cert

    def describe(self) -> SignerInfo:
        from cryptography.x509.oid import NameOID

        from app.letters.demo_certificate import is_demo_name

        cert = self._cert
        issuer = (_name_part(cert.issuer, NameOID.COMMON_NAME)
                  or _name_part(cert.issuer, NameOID.ORGANIZATION_NAME))
        return SignerInfo(
            kind=self.kind,
            subject=_name_part(cert.subject, NameOID.COMMON_NAME),
            organisation=_name_part(cert.subject, NameOID.ORGANIZATION_NAME),
            issuer=issuer, serial=format(cert.serial_number, "X"),
            valid_from=cert.not_valid_before_utc, valid_until=cert.not_valid_after_utc,
            demo=is_demo_name(cert.issuer), timestamped=bool(self.timestamp_url),
        )

    # -- the checks before signing

    def check(self, now: dt.datetime | None = None) -> None:
        """``SigningError`` unless the certificate may sign at ``now`` (default: this moment)."""
        outside_event_loop(self._check, now)

    def _check(self, now: dt.datetime | None = None) -> None:
        from cryptography import x509

        now = now or _utcnow()
        cert = self._cert
        if now < cert.not_valid_before_utc:
            raise SigningError(_l(
                "The signing certificate is not valid yet (valid from %(date)s).",
                date=_date_words(cert.not_valid_before_utc)))
        if now > cert.not_valid_after_utc:
            raise SigningError(_l(
                "The signing certificate expired on %(date)s. Install a new certificate "
                "for this office.", date=_date_words(cert.not_valid_after_utc)))
        try:
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            usage = None  # no restriction (RFC 5280)
        if usage is not None and not (usage.digital_signature or usage.content_commitment):
            raise SigningError(_l("This certificate may not be used to sign documents."))
        if self._crls or self._validation_context is not None:
            self._check_revocation(now)

    def _check_revocation(self, now: dt.datetime) -> None:
        from cryptography.hazmat.primitives import serialization
        from pyhanko_certvalidator import CertificateValidator, ValidationContext
        from pyhanko_certvalidator.errors import (
            PathBuildingError,
            PathValidationError,
            RevokedError,
        )
        from pyhanko_certvalidator.policy_decl import (
            CertRevTrustPolicy,
            RevocationCheckingPolicy,
            RevocationCheckingRule,
        )

        der = serialization.Encoding.DER
        ee = _asn1_cert(self._cert.public_bytes(der))
        others = [_asn1_cert(c.public_bytes(der)) for c in self._extra]
        context = self._validation_context
        if context is None:
            roots = [_asn1_cert_any(r) for r in self._trust_roots] or [
                c for c in others if c.self_signed]
            # The CRLs given are meant for this certificate: consult them even when it names
            # no distribution point (certvalidator's legacy modes would skip them then). A
            # list that does not cover it, or is out of date, stops signing; CA certificates
            # higher up are checked only where they name their CRL.
            policy = CertRevTrustPolicy(RevocationCheckingPolicy(
                ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED_SOFT))
            context = ValidationContext(trust_roots=roots, other_certs=others,
                                        crls=self._crls, allow_fetching=False,
                                        revinfo_policy=policy, moment=now)
        validator = CertificateValidator(ee, intermediate_certs=others,
                                         validation_context=context)
        try:
            _run(validator.async_validate_path())
        except RevokedError as exc:
            raise SigningError(_l(
                "The signing certificate has been revoked by its issuer. Install a new "
                "certificate for this office."), detail=str(exc)) from exc
        except (PathBuildingError, PathValidationError) as exc:
            raise SigningError(_l(
                "The signing certificate could not be checked against its issuer."),
                detail=str(exc)) from exc

    # -- signing

    def _signer(self):
        if self._pyhanko_signer is None:
            from asn1crypto import keys as asn1_keys
            from cryptography.hazmat.primitives import serialization
            from pyhanko.sign.signers.pdf_cms import SimpleSigner
            from pyhanko_certvalidator.registry import SimpleCertificateStore

            store = SimpleCertificateStore()
            der = serialization.Encoding.DER
            store.register_multiple(_asn1_cert(c.public_bytes(der)) for c in self._extra)
            key_der = self._key.private_bytes(der, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())
            self._pyhanko_signer = _loaded_key_signer_class(SimpleSigner)(
                signing_cert=_asn1_cert(self._cert.public_bytes(der)),
                signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
                cert_registry=store,
            )
            self._pyhanko_signer.pyca_key = self._key
        return self._pyhanko_signer

    def _reserve(self) -> int:
        """Room for the signature in the PDF, in hex digits: the certificates it embeds, the
        signature value and signed attributes, and a timestamp token when there is one.

        pyHanko would otherwise estimate it by making a whole dummy signature first, which
        doubles the cost of signing (bench/bench_signing.py); too little room is caught by
        pyHanko and ``sign`` then falls back to its estimate."""
        from cryptography.hazmat.primitives import serialization

        der = serialization.Encoding.DER
        certs = sum(len(c.public_bytes(der)) for c in [self._cert, *self._extra])
        room = certs + 2048 + (12288 if self.timestamp_url else 0)
        return 2 * room

    def sign(self, pdf: bytes, *, signer_name: str, reason: str = REASON,
             location: str = "") -> bytes:
        return outside_event_loop(self._check_and_sign, pdf, signer_name, reason, location)

    def _check_and_sign(self, pdf: bytes, signer_name: str, reason: str, location: str
                        ) -> bytes:
        self._check()
        try:
            return self._sign(pdf, signer_name, reason, location, self._reserve())
        except _TooLittleRoom:
            return self._sign(pdf, signer_name, reason, location, None)

    def _sign(self, pdf: bytes, signer_name: str, reason: str, location: str,
              reserve: int | None) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        timestamper = None
        if self.timestamp_url:
            from pyhanko.sign.timestamps import HTTPTimeStamper

            timestamper = HTTPTimeStamper(self.timestamp_url, timeout=self.timestamp_timeout)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME, md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            name=signer_name or None, reason=reason or None, location=location or None,
        )
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            out = signers.PdfSigner(meta, signer=self._signer(), timestamper=timestamper,
                                    new_field_spec=fields.SigFieldSpec(FIELD_NAME)
                                    ).sign_pdf(writer, bytes_reserved=reserve)
        except Exception as exc:
            if reserve is not None and "larger than expected" in str(exc):
                raise _TooLittleRoom() from exc
            log.warning("letters: signing failed: %r", exc, exc_info=True)
            if timestamper is not None and _is_timestamp_failure(exc):
                raise SigningError(_l(
                    "The timestamp server did not answer; the letter was not signed. "
                    "Try again later."), detail=repr(exc)) from exc
            raise SigningError(_l("The letter PDF could not be signed."),
                               detail=repr(exc)) from exc
        return out.getvalue()


class _TooLittleRoom(Exception):
    pass


@functools.cache
def _loaded_key_signer_class(simple_signer):
    """pyHanko's ``SimpleSigner`` loads the private key from DER at every signature; for an
    RSA key, cryptography then checks the key's primes, about 160 ms a time
    (bench/bench_signing.py). This one signs with the key loaded once, for RSA PKCS#1 v1.5 and
    ECDSA, and leaves any other mechanism to pyHanko."""

    class LoadedKeySigner(simple_signer):
        pyca_key = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
            from pyhanko_certvalidator.util import get_pyca_cryptography_hash

            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algo = mechanism.signature_algo
            except ValueError:
                algo = mechanism["algorithm"].native
            key = self.pyca_key
            digest = get_pyca_cryptography_hash(digest_algorithm)
            if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
                return key.sign(data, padding.PKCS1v15(), digest)
            if algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(digest))
            return super().sign_raw(data, digest_algorithm)

    return LoadedKeySigner


def _is_timestamp_failure(exc: BaseException) -> bool:
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (TimestampRequestError, OSError, asyncio.TimeoutError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _asn1_cert(der: bytes):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(der)


def _asn1_cert_any(data: bytes):
    """A DER or PEM certificate as asn1crypto wants it."""
    from asn1crypto import pem

    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return _asn1_cert(data)


# --- remote (BSrE-shaped) ----------------------------------------------------------------------


class RemoteSigner:
    """A remote signing service in the shape of BSrE's e-sign API: ``POST`` multipart with
    ``file`` (the PDF), ``nik`` (the signer's identity), ``passphrase`` and
    ``tampilan=invisible``; 200 with the signed PDF; JSON ``{"error"/"message": …}`` on 4xx/5xx.

    Whatever goes wrong — the service down or slow, a refusal, a reply that is no PDF or a PDF
    without an intact signature — is a ``SigningError`` with a plain message; the server's own
    words and the details go to the log, the passphrase never.
    """

    kind = "remote"

    def __init__(self, url: str, *, user_id: str, passphrase: str, timeout: float = 30):
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SigningError(_l("The signing service's address is not a web address."))
        self.url = url
        self.user_id = user_id
        self._passphrase = passphrase
        self.timeout = timeout

    def describe(self) -> SignerInfo:
        return SignerInfo(kind=self.kind, service=urlsplit(self.url).hostname or "")

    def _body(self, pdf: bytes) -> tuple[bytes, str]:
        boundary = "rekomstat-" + secrets.token_hex(16)
        out = io.BytesIO()

        def part(name: str, value: bytes, filename: str | None = None,
                 ctype: str | None = None) -> None:
            out.write(f"--{boundary}\r\n".encode())
            disp = f'form-data; name="{name}"'
            if filename:
                disp += f'; filename="{filename}"'
            out.write(f"Content-Disposition: {disp}\r\n".encode())
            if ctype:
                out.write(f"Content-Type: {ctype}\r\n".encode())
            out.write(b"\r\n" + value + b"\r\n")

        part("file", pdf, "surat.pdf", "application/pdf")
        part("nik", str(self.user_id).encode("utf-8"))
        part("passphrase", str(self._passphrase).encode("utf-8"))
        part("tampilan", b"invisible")
        out.write(f"--{boundary}--\r\n".encode())
        return out.getvalue(), f"multipart/form-data; boundary={boundary}"

    def sign(self, pdf: bytes, *, signer_name: str = "", reason: str = REASON,
             location: str = "") -> bytes:
        # The service signs as the holder of ``nik``: name, reason and location are its own.
        body, ctype = self._body(pdf)
        req = urllib.request.Request(
            self.url, data=body, method="POST",
            headers={"Content-Type": ctype, "Accept": "application/pdf, application/json"},
        )
        host = urlsplit(self.url).netloc
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                reply = resp.read()
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            log.warning("letters: signing service %s answered %s: %s", host, exc.code, detail)
            if 400 <= exc.code < 500:
                raise SigningError(_l(
                    "The signing service refused to sign the letter. Check the signer's "
                    "identity and passphrase in the office settings."),
                    detail=f"{exc.code} {detail}") from exc
            raise SigningError(_l(
                "The signing service has a problem and did not sign the letter. Try again "
                "later."), detail=f"{exc.code} {detail}") from exc
        except (TimeoutError, socket.timeout) as exc:
            log.warning("letters: signing service %s did not answer within %s s", host,
                        self.timeout)
            raise SigningError(_l(
                "The signing service did not answer in time; the letter was not signed. "
                "Try again later."), detail="timeout") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason_ = getattr(exc, "reason", exc)
            if isinstance(reason_, (TimeoutError, socket.timeout)):
                log.warning("letters: signing service %s did not answer within %s s", host,
                            self.timeout)
                raise SigningError(_l(
                    "The signing service did not answer in time; the letter was not signed. "
                    "Try again later."), detail="timeout") from exc
            log.warning("letters: signing service %s unreachable: %r", host, reason_)
            raise SigningError(_l(
                "The signing service cannot be reached; the letter was not signed. Try again "
                "later."), detail=repr(reason_)) from exc
        if not reply.startswith(b"%PDF-"):
            log.warning("letters: signing service %s sent no PDF (%d bytes, starts %r)",
                        host, len(reply), reply[:40])
            raise SigningError(_l(
                "The signing service sent something that is not a signed letter; the letter "
                "was not signed."), detail="not a PDF")
        from app.letters.signature_check import check

        result = check(reply)
        if not (result.signed and result.intact):
            log.warning("letters: signing service %s sent a PDF without an intact signature "
                        "(signed=%s intact=%s)", host, result.signed, result.intact)
            raise SigningError(_l(
                "The signing service sent something that is not a signed letter; the letter "
                "was not signed."), detail="no intact signature")
        return reply


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """The service's message from a JSON error body (for the log), cut short."""
    try:
        raw = exc.read(4096)
    except Exception:
        return ""
    try:
        data = json.loads(raw)
        if isinstance(data, dict):
            for key in ("error", "message", "detail"):
                if data.get(key):
                    return str(data[key])[:300]
    except ValueError:
        pass
    return raw[:300].decode("utf-8", "replace")
