"""Identity document numbers (a KTP's NIK, a SIM's or a passport's number): checked when given,
encrypted at rest, shown masked (UU 27/2022 on personal data protection, issue 25).

The number is encrypted by its column's type (``models.EncryptedString``) with the keys of
``IDENTITY_KEYS``: Fernet keys, comma-separated; the first encrypts, every one decrypts. To
rotate, put a new key first, run ``flask identity rotate`` (every stored number re-encrypted
with it), then drop the old key. The database, and so every backup, holds only ciphertext; the
key lives in the environment (or, on a bare machine, ``instance/identity_key``), never beside
the data.

Screens and exports show ``mask(number)``: ``3171••••••••0004``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import audit
from app.core.errors import DomainError
from app.core.transactions import unit_of_work

MASK = "•"
# What each kind of document's number looks like, once spaces, dots and dashes are gone.
PATTERNS = {
    # Nomor Induk Kependudukan: 6 digits of region (province 11-96), 6 of birth date (day + 40
    # for women), 4 of sequence.
    "ktp": re.compile(r"(1[1-9]|[2-9]\d)\d{4}(0[1-9]|[12]\d|3[01]|4[1-9]|[56]\d|7[01])"
                      r"(0[1-9]|1[0-2])\d{2}\d{4}"),
    "sim": re.compile(r"\d{12,16}"),
    "paspor": re.compile(r"[A-Z]{1,2}\d{6,8}"),
    "lainnya": re.compile(r"[0-9A-Z][0-9A-Z./ -]{2,49}"),
}
MESSAGES = {
    "ktp": _l("A NIK has 16 digits (region, date of birth, sequence), as on the KTP."),
    "sim": _l("A SIM number has 12 to 16 digits."),
    "paspor": _l("A passport number is one or two letters followed by 6 to 8 digits."),
    "lainnya": _l("Give the document's number: 3 to 50 letters or digits."),
}
MAX_LENGTH = 50
REASON_MIN, REASON_MAX = 5, 500
REVEAL = "reveal_identity"  # the audit event's action


class IdentityKeyError(RuntimeError):
    """``IDENTITY_KEYS`` is missing or not a list of Fernet keys."""


def key_id(key: str) -> str:
    """A key's fingerprint, safe to print and to store beside the data: the first 8 hex digits
    of the SHA-256 of the key as written (``printf %s "$KEY" | sha256sum | cut -c1-8``)."""
    return hashlib.sha256(key.strip().encode()).hexdigest()[:8]


def keyring(keys: str) -> list:
    """(key id, Fernet) of each key of a comma-separated list, in its order (the first one
    encrypts): which key opens a number, where MultiFernet only says whether one does."""
    cipher(keys)  # the same refusal of an empty list or a value that is no key
    return [(key_id(k), Fernet(k.strip())) for k in keys.split(",") if k.strip()]


def cipher(keys: str) -> MultiFernet:
    """The MultiFernet of a comma-separated list of keys (the first one encrypts)."""
    parts = [k.strip() for k in (keys or "").split(",") if k.strip()]
    if not parts:
        raise IdentityKeyError("IDENTITY_KEYS is empty: identity numbers cannot be encrypted")
    try:
        return MultiFernet([Fernet(k) for k in parts])
    except (ValueError, TypeError) as exc:
        raise IdentityKeyError("IDENTITY_KEYS holds a value that is not a Fernet key "
                               "(32 url-safe base64 bytes)") from exc


class RevealRefused(DomainError):
    """A reveal without a reason said in words (nothing shown, nothing written)."""

    def __init__(self, message, status: int = 422):
        super().__init__(message, status)


def reveal(session, actor, obj, reason: str) -> str:
    """The full number of ``obj`` (an account or a guest book entry) for ``actor``, who says
    why: written to the audit trail (who, when, whose, why) in the same transaction."""
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN:
        raise RevealRefused(_("Say why you need the full number (at least %(min)d characters).",
                              min=REASON_MIN))
    if len(reason) > REASON_MAX:
        raise RevealRefused(_("The reason is longer than %(max)d characters.", max=REASON_MAX))
    number = getattr(obj, "id_doc_number", None)
    if not number:
        raise RevealRefused(_("No identity number is stored here."), status=404)
    with unit_of_work(session):
        audit.record(session, actor, obj, REVEAL, note=reason)
    return number


def new_key() -> str:
    return Fernet.generate_key().decode()


def normalize(doc_type: Optional[str], number: Optional[str]) -> Optional[str]:
    """The number as stored: upper case, without the spaces, dots and dashes people type in
    a NIK or a SIM number; None when empty."""
    text = " ".join((number or "").split()).upper()
    if not text:
        return None
    if doc_type in ("ktp", "sim", "paspor"):
        text = re.sub(r"[\s.\-]", "", text)
    return text


def problem(doc_type: Optional[str], number: Optional[str]):
    """Why ``number`` cannot be a ``doc_type``'s number (a lazy message), or None."""
    text = normalize(doc_type, number)
    if text is None:
        return None
    if len(text) > MAX_LENGTH:
        return _l("Give the document's number: 3 to 50 letters or digits.")
    pattern = PATTERNS.get(doc_type or "lainnya", PATTERNS["lainnya"])
    if not pattern.fullmatch(text) or (doc_type == "ktp" and not _real_birth_date(text)):
        return MESSAGES.get(doc_type or "lainnya", MESSAGES["lainnya"])
    return None


def _real_birth_date(nik: str) -> bool:
    """Digits 7-12 of a NIK are a date of birth (the day + 40 for a woman): a real one (29
    February counts, whatever the year: the year has two digits only)."""
    day, month = int(nik[6:8]), int(nik[8:10])
    try:
        dt.date(2000, month, day - 40 if day > 40 else day)
    except ValueError:
        return False
    return True


def mask(number: Optional[str]) -> str:
    """The number as screens and exports show it: its first and last four characters of a
    long number, the last two of a short one, the rest as dots."""
    text = number or ""
    if not text:
        return ""
    if len(text) >= 12:
        return text[:4] + MASK * (len(text) - 8) + text[-4:]
    return MASK * max(len(text) - 2, 1) + text[-2:]


def stored_columns() -> list:
    """(table, column) of every identity number stored (models.EncryptedString columns)."""
    from app.models import EncryptedString, Model

    return [(table, column.name) for table in Model.metadata.sorted_tables
            for column in table.columns if isinstance(column.type, EncryptedString)]


def rotate(session, cipher_: MultiFernet, tables) -> int:
    """Re-encrypt every stored number of ``tables`` ((table, column) pairs) with the first key;
    returns how many were. Reads and writes the ciphertext itself (not the column's type)."""
    import sqlalchemy as sa

    done = 0
    for table, column in tables:
        col = sa.type_coerce(table.c[column], sa.String)
        rows = session.execute(sa.select(table.c.id, col).where(col.is_not(None))).all()
        for row_id, token in rows:
            try:
                fresh = cipher_.rotate(token.encode()).decode()
            except InvalidToken as exc:
                raise IdentityKeyError(
                    f"{table.name} #{row_id}: no key of IDENTITY_KEYS opens its number") from exc
            session.execute(table.update().where(table.c.id == row_id)
                            .values({column: sa.type_coerce(fresh, sa.String)}))
            done += 1
    return done
