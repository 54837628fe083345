"""What /verify says about an uploaded PDF: is it the letter issued, is its signature intact,
who signed and when, is the letter revoked."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from flask import current_app

from app.letters import document, signature_check
from app.models import Letter

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # an issued letter is tens of KB; the form many pages


@dataclass(frozen=True)
class Verdict:
    same_file: bool  # exactly the letter issued
    same_form: bool  # exactly the annotated form sent with it (hashed, not signed)
    signature: signature_check.Result
    revoked: bool


def trust_roots() -> list[bytes]:
    """The CA certificates (DER) of the server's SIGNING_TRUST_ROOTS bundle."""
    path = current_app.config.get("SIGNING_TRUST_ROOTS")
    if not path:
        return []
    from asn1crypto import pem

    data = Path(path).read_bytes()
    if not pem.detect(data):
        return [data]
    return [der for _kind, _headers, der in pem.unarmor(data, multiple=True)]


def check_upload(letter: Letter, data: bytes) -> Verdict:
    digest = document.sha256_hex(data)
    same = letter.sha256 is not None and digest == letter.sha256
    form = letter.form_sha256 is not None and digest == letter.form_sha256
    result = signature_check.check(data, trust_roots=trust_roots())
    return Verdict(same_file=same, same_form=form, signature=result, revoked=letter.is_revoked)


def read_limited(stream) -> Optional[bytes]:
    """The upload's bytes, or None when it is larger than any letter."""
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    return None if len(data) > MAX_UPLOAD_BYTES else data
