"""Is this PDF signed, is the signature intact, who signed it and when? (pyHanko validates.)

``check(pdf)`` never raises on what a user uploads: a file that is no PDF, a truncated one or
one whose signature cannot even be parsed comes back as a ``Result`` with ``problem`` set.

What the fields mean, in pyHanko's terms:

- ``intact``: the digest of the signed byte ranges matches the one the signature carries and
  the signature value verifies with the certificate's key (pyHanko's ``intact`` and ``valid``).
- ``covers_whole_file``: pyHanko's coverage is ``ENTIRE_FILE`` — not a byte was added after the
  signature. Otherwise ``later_changes`` says what pyHanko's difference analysis found in what
  was added: ``"signature_upkeep"`` (validation data or document timestamps: harmless),
  ``"form_filling"``, ``"other"`` (anything else, e.g. a changed page), ``"trailing_bytes"``
  (bytes after the signed file that are no incremental update at all: pyHanko itself reports
  coverage ``ENTIRE_REVISION`` with modification level ``NONE`` and a good ``bottom_line``
  for them, or cannot read the file when they hide its ``startxref``), or ``"unknown"``.
- ``trusted``: the signer's certificate chains to one of ``trust_roots`` (and, with
  ``allow_fetching``, is not revoked as far as its CRL or OCSP responder says); ``None`` when
  no roots were given.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import io
import logging
from dataclasses import dataclass, replace
from typing import Iterable, Optional

from flask_babel import gettext as _

log = logging.getLogger(__name__)

# Checked without trust roots (the usual case on /verify), pyHanko cannot build a path to a
# root and logs that as a warning with its traceback, once per check: that is expected here
# (the result says trusted=None), so those records are dropped while such a check runs.
_without_roots = contextvars.ContextVar("signature_check_without_roots", default=False)


class _ExpectedPathFailure(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (_without_roots.get() and str(record.msg).startswith("Failed to build path"))


logging.getLogger("pyhanko.sign.validation.generic_cms").addFilter(_ExpectedPathFailure())


@dataclass(frozen=True)
class Result:
    signed: bool
    intact: bool = False
    covers_whole_file: bool = False
    later_changes: Optional[str] = None
    signer_name: str = ""
    signer_org: str = ""
    signed_at: Optional[dt.datetime] = None
    timestamped: bool = False
    trusted: Optional[bool] = None
    demo: bool = False
    problem: Optional[str] = None


def asn1_names() -> None:
    """asn1crypto learns the name ``tst_info`` (timestamp tokens) when ``asn1crypto.tsp`` is
    imported, but only if no name of that type was looked up before: after that, making or
    reading a timestamp fails with "invalid literal for int()". Import it before any use."""
    import asn1crypto.tsp  # noqa: F401


def _first(value) -> str:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "")


def _is_demo(issuer_native: dict) -> bool:
    from app.letters.demo_certificate import DEMO_ORG

    org = issuer_native.get("organization_name")
    orgs = org if isinstance(org, (list, tuple)) else [org]
    return DEMO_ORG in orgs


def _roots(trust_roots: Iterable[bytes]) -> list:
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    out = []
    for data in trust_roots:
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        out.append(asn1_x509.Certificate.load(data))
    return out


def _later_changes(status) -> Optional[str]:
    from pyhanko.sign.diff_analysis import ModificationLevel

    level = status.modification_level
    if level is None:
        return "unknown"
    if level == ModificationLevel.NONE:
        # Not the whole file, yet no change in any later revision: bytes after the signed
        # revision that are no revision at all (pyHanko's coverage ENTIRE_REVISION, level NONE).
        return "trailing_bytes"
    if level == ModificationLevel.LTA_UPDATES:
        return "signature_upkeep"
    if level == ModificationLevel.FORM_FILLING:
        return "form_filling"
    return "other"


def check(pdf: bytes, *, trust_roots: Iterable[bytes] = (), allow_fetching: bool = False
          ) -> Result:
    """The letter's first signature, checked. See the module's docstring for the fields."""
    from app.letters.loops import outside_event_loop

    return outside_event_loop(_check, pdf, trust_roots=trust_roots,
                              allow_fetching=allow_fetching)


def _check(pdf: bytes, *, trust_roots: Iterable[bytes], allow_fetching: bool) -> Result:
    asn1_names()
    data = bytes(pdf or b"")
    if b"%PDF-" not in data[:1024]:
        return Result(signed=False, problem=_("This file is not a PDF."))
    signatures = _signatures(data)
    trailing = False
    if signatures is None and b"/ByteRange" in data:
        # Bytes after the signed file's last ``%%EOF`` that are no incremental update (pyHanko
        # then finds no ``startxref``): read the file up to an earlier ``%%EOF`` and report the
        # rest as added.
        end = len(data)
        for _attempt in range(_MAX_EOF_TRIES):
            end = data.rfind(b"%%EOF", 0, end)
            if end < 0:
                break
            cut = end + 5
            cut += len(data[cut:cut + 2]) - len(data[cut:cut + 2].lstrip(b"\r\n"))
            found = _signatures(data[:cut])  # with its end-of-line: the signed range has it
            if found:
                signatures, trailing = found, True
                break
    if signatures is None or (not signatures and b"/ByteRange" in data):
        # Unreadable; or a signature's byte range is there but no readable signature (a signed
        # file cut short after its first revision reads as that unsigned revision).
        return Result(signed=False, problem=_(
            "This PDF is damaged or incomplete and cannot be checked."))
    if not signatures:
        return Result(signed=False, problem=_("This PDF carries no digital signature."))
    roots = _roots(trust_roots)  # configuration, not the upload: a bad root raises
    try:
        result = _check_signature(signatures[0], roots=roots, allow_fetching=allow_fetching)
    except Exception as exc:
        log.info("letters: signature could not be validated: %r", exc)
        return Result(signed=True, problem=_(
            "The signature in this PDF is damaged and cannot be checked."))
    if trailing:
        result = replace(result, covers_whole_file=False, later_changes="trailing_bytes",
                         problem=result.problem if not result.intact else _ADDED())
    return result


_MAX_EOF_TRIES = 3


def _signatures(data: bytes):
    """The file's signatures (``[]``: none), or ``None`` when pyHanko cannot read it."""
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(io.BytesIO(data), strict=False)
        return list(reader.embedded_regular_signatures)
    except Exception as exc:
        log.info("letters: unreadable PDF in signature check: %r", exc)
        return None


def _ADDED() -> str:
    return _("Something was added to this PDF after it was signed.")


def _check_signature(embedded, *, roots: list, allow_fetching: bool) -> Result:
    from pyhanko.sign.validation import KeyUsageConstraints, validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    # No roots given: an empty list (not None), so pyHanko never falls back to the operating
    # system's TLS roots; the signature is then checked for integrity only.
    context = ValidationContext(trust_roots=roots, allow_fetching=allow_fetching)
    token = _without_roots.set(not roots)
    try:
        status = validate_pdf_signature(
            embedded, signer_validation_context=context, ts_validation_context=context,
            key_usage_settings=KeyUsageConstraints(
                key_usage={"digital_signature", "non_repudiation"},
                match_all_key_usages=False),
        )
    finally:
        _without_roots.reset(token)
    cert = status.signing_cert
    subject = cert.subject.native
    signer_name = _first(subject.get("common_name")) or _first(
        embedded.sig_object.get("/Name"))
    ts = status.timestamp_validity
    signed_at = ts.timestamp if ts is not None else status.signer_reported_dt
    intact = bool(status.intact and status.valid)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    later = None if whole else _later_changes(status)
    demo = _is_demo(cert.issuer.native)
    trusted = bool(status.trusted) if roots else None

    if not intact:
        problem = _("The letter was changed after it was signed: its signature no longer "
                    "matches its content.")
    elif not whole and later != "signature_upkeep":
        problem = _ADDED()
    elif demo:
        problem = _("Signed with a demonstration certificate, not an official one.")
    elif trusted is False:
        problem = _("The signature is intact, but its certificate was not issued by a "
                    "trusted authority.")
    else:
        problem = None
    return Result(
        signed=True, intact=intact, covers_whole_file=whole, later_changes=later,
        signer_name=signer_name, signer_org=_first(subject.get("organization_name")),
        signed_at=signed_at, timestamped=ts is not None, trusted=trusted, demo=demo,
        problem=problem,
    )
