"""An office's signing certificate: installed by an administrator, used when a letter is issued.

The one front door of these rows: the admin's screen, ``flask seed-demo`` and the tests all
install through ``install_pkcs12``/``install_remote`` and withdraw through ``withdraw``; the
workflow's issue step asks ``signer_for``. The PKCS#12 file is kept in the database, its
password is not: it is read from the environment when a letter is signed
(``REKOMSTAT_P12_PASSWORD_<office code>``, else ``REKOMSTAT_P12_PASSWORD``), so a copy of the
database alone cannot sign.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.core import audit
from app.letters.signing import Pkcs12Signer, RemoteSigner, Signer, SignerInfo, SigningError
from app.models import Office, SigningCertificate

PASSWORD_ENV = "REKOMSTAT_P12_PASSWORD"
PASSPHRASE_ENV = "REKOMSTAT_ESIGN_PASSPHRASE"
MAX_P12_BYTES = 64 * 1024  # a PKCS#12 of a key and a chain of a few certificates: a few KB


def _secret(prefix: str, office_code: str) -> Optional[str]:
    # Tests set SIGNING_SECRETS {env name: value} instead of changing the process environment.
    secrets = current_app.config.get("SIGNING_SECRETS") or {}
    for name in (f"{prefix}_{office_code}", prefix):
        value = secrets.get(name, os.environ.get(name))
        if value:
            return value
    return None


def password_env(office_code: str) -> str:
    return f"{PASSWORD_ENV}_{office_code}"


def current(session, office_id: int) -> Optional[SigningCertificate]:
    """The office's certificate that signs (its newest active one), or None."""
    return session.scalars(
        select(SigningCertificate)
        .where(SigningCertificate.office_id == office_id, SigningCertificate.active.is_(True))
        .order_by(SigningCertificate.uploaded_at.desc(), SigningCertificate.id.desc())
        .limit(1)
    ).first()


def _read_files(paths) -> list[bytes]:
    found = []
    for path in paths or ():
        try:
            found.append(Path(path).read_bytes())
        except OSError as exc:
            raise SigningError(_l("The server's revocation list cannot be read; ask the "
                                  "administrator."), detail=f"{path}: {exc}") from exc
    return found


def _pkcs12_signer(data: bytes, password: Optional[str]) -> Pkcs12Signer:
    config = current_app.config
    return Pkcs12Signer(data, password, timestamp_url=config.get("SIGNING_TIMESTAMP_URL"),
                        crls=_read_files(config.get("SIGNING_CRL_FILES")))


def _describe_row(row: SigningCertificate, info: SignerInfo) -> None:
    row.subject = (info.subject or "")[:300] or None
    row.issuer = (info.issuer or "")[:300] or None
    row.serial = (info.serial or "")[:80] or None
    row.valid_from = info.valid_from.replace(tzinfo=None) if info.valid_from else None
    row.valid_until = info.valid_until.replace(tzinfo=None) if info.valid_until else None
    row.demo = bool(info.demo)


def _replace(session, actor, office: Office, row: SigningCertificate) -> SigningCertificate:
    session.execute(update(SigningCertificate)
                    .where(SigningCertificate.office_id == office.id,
                           SigningCertificate.active.is_(True))
                    .values(active=False))
    row.office_id, row.active = office.id, True
    row.uploaded_by_id = actor.id if actor is not None else None
    session.add(row)
    session.flush()
    audit.record(session, actor, row, "certificate_installed", note=row.subject or
                 row.remote_user_id)
    return row


def _office(session, office_id) -> Office:
    office = session.get(Office, office_id) if office_id is not None else None
    if office is None:
        raise SigningError(_l("Choose the office whose letters this certificate signs."))
    return office


def install_pkcs12(session, actor, office_id: int, data: bytes, *,
                   allow_unprotected: bool = False) -> SigningCertificate:
    """Check ``data`` (a PKCS#12 file) with the office's password from the environment and
    make it the office's signing certificate, in the caller's transaction.

    Refused (``SigningError``, nothing written): no password set for the office, a file that
    is not PKCS#12 or does not open with it, a certificate that may not sign today. A file
    without a password is refused too, unless ``allow_unprotected`` (the demo's own
    certificate): its key would sit in the database in clear.
    """
    office = _office(session, office_id)
    data = bytes(data or b"")
    if not data:
        raise SigningError(_l("Choose the certificate file (.p12 or .pfx)."))
    if len(data) > MAX_P12_BYTES:
        raise SigningError(_l("This file is not a PKCS#12 certificate (.p12 or .pfx)."))
    password = _secret(PASSWORD_ENV, office.code)
    if password is None and not allow_unprotected:
        try:
            Pkcs12Signer(data, None)
        except SigningError:
            raise SigningError(_l(
                "The server has no password for this office's certificate: set %(name)s in "
                "the server's environment, restart it, and upload the file again.",
                name=password_env(office.code))) from None
        raise SigningError(_l("A certificate file without a password is refused: its key "
                              "would be kept unprotected."))
    signer = _pkcs12_signer(data, password)
    signer.check()
    row = SigningCertificate(kind="pkcs12", p12=data, sha256=hashlib.sha256(data).hexdigest())
    _describe_row(row, signer.describe())
    return _replace(session, actor, office, row)


def install_demo(session, actor, office: Office) -> SigningCertificate:
    """A self-made demo certificate for ``office`` (its CA says DEMO in the signature), so the
    demo's letters are signed end to end. Without a password: it protects nothing real."""
    from app.letters.demo_certificate import make_office_signer

    made = make_office_signer(signer_name=office.head_name or office.name,
                              office_name=office.name)
    return install_pkcs12(session, actor, office.id, made.p12, allow_unprotected=True)


def install_remote(session, actor, office_id: int, user_id: str) -> SigningCertificate:
    """Sign the office's letters at the remote signing service as ``user_id`` (the signer's
    NIK there). The service's address is the server's ESIGN_URL."""
    office = _office(session, office_id)
    user_id = (user_id or "").strip()
    if not current_app.config.get("ESIGN_URL"):
        raise SigningError(_l("This server has no remote signing service (ESIGN_URL)."))
    if not user_id:
        raise SigningError(_l("Enter the signer's identity at the signing service (NIK)."))
    if not (len(user_id) == 16 and user_id.isascii() and user_id.isdigit()):
        raise SigningError(_l("The NIK is 16 digits."))
    row = SigningCertificate(kind="remote", remote_user_id=user_id, demo=False)
    return _replace(session, actor, office, row)


def withdraw(session, actor, row: SigningCertificate) -> None:
    """The certificate signs no more letters (the office's letters are only hashed again,
    unless another certificate is installed)."""
    if not row.active:
        return
    row.active = False
    session.flush()
    audit.record(session, actor, row, "certificate_withdrawn", note=row.subject or
                 row.remote_user_id)


# Loading a PKCS#12 costs 12 ms (EC) to 96 ms (RSA) and pyHanko's signer more: kept per
# certificate row, its content and its password (bench/README.md, issue 23).
_SIGNERS: dict[tuple, Signer] = {}


def _signer_key(row, office_code: str) -> tuple:
    config = current_app.config
    secret = _secret(PASSWORD_ENV if row.kind == "pkcs12" else PASSPHRASE_ENV, office_code)
    return (row.id, row.sha256, row.remote_user_id,
            hashlib.sha256((secret or "").encode("utf-8")).hexdigest(),
            config.get("SIGNING_TIMESTAMP_URL"), tuple(config.get("SIGNING_CRL_FILES") or ()),
            config.get("ESIGN_URL"), config.get("ESIGN_TIMEOUT"))


def signer_for(session, office: Office) -> Optional[Signer]:
    """The office's signer, or None when the office has no certificate (its letters are
    hashed, not signed). ``SigningError`` when it has one that cannot sign now."""
    row = current(session, office.id)
    if row is None:
        return None
    key = _signer_key(row, office.code)
    signer = _SIGNERS.get(key)
    if signer is None:
        signer = _make_signer(row, office)
        if len(_SIGNERS) > 64:
            _SIGNERS.clear()
        _SIGNERS[key] = signer
    return signer


def _make_signer(row: SigningCertificate, office: Office) -> Signer:
    config = current_app.config
    if row.kind == "remote":
        url = config.get("ESIGN_URL")
        passphrase = _secret(PASSPHRASE_ENV, office.code)
        if not url or not passphrase:
            raise SigningError(_l(
                "The remote signing service is not set up on this server (ESIGN_URL and "
                "%(name)s); ask the administrator.", name=f"{PASSPHRASE_ENV}_{office.code}"))
        return RemoteSigner(url, user_id=row.remote_user_id, passphrase=passphrase,
                            timeout=float(config.get("ESIGN_TIMEOUT") or 15))
    password = _secret(PASSWORD_ENV, office.code)
    if password is None and not row.demo:
        raise SigningError(_l(
            "The server has no password for this office's certificate: set %(name)s in the "
            "server's environment and restart it.", name=password_env(office.code)))
    return _pkcs12_signer(row.p12, password)


def forget_signers() -> None:
    _SIGNERS.clear()
