"""Letters: numbering, the letter text, its HTML and PDF with a QR code, and the freeze.

Numbers are unique and gapless per office per year. The counter row is bumped with a single
``UPDATE … SET last_sequence = last_sequence + 1 … RETURNING``: on PostgreSQL that takes the
row lock until the caller's transaction ends, so concurrent issuers queue and a rolled-back
issue gives its number back; SQLite serialises writers. The caller commits the number in the
same transaction as the state change.

The letter itself is an official Indonesian document: its text (the default body and the
template in ``templates/letters/``) is written in Indonesian directly, not as translatable
English. Only the errors shown to staff go through gettext.

An office may replace the layout with its own Jinja template (``OfficeSetting.letter_template``).
Office admins write it, so every letter template — the default one too, so that a copy of it
behaves the same — is rendered in a sandboxed Jinja environment that only sees plain data
(dicts of strings), never ORM objects, and the PDF renderer may fetch nothing but ``data:``
URIs.

Importing this module registers the freeze: once a letter is issued, its number, date, text
and PDF cannot change and the row cannot be deleted (``LetterFrozenError``).
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import io
import logging
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional

from babel.dates import format_date as _babel_format_date
from flask import has_app_context
from flask_babel import lazy_gettext as _l
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import event, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, object_session

from app.core.errors import DomainError
from app.core.nip import format_nip
from app.models import Letter, LetterCounter, Office, OfficeSetting
from app.offices import look
from app.offices.workdays import local_date, office_today, utcnow

if TYPE_CHECKING:
    import qrcode

log = logging.getLogger(__name__)

_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def allocate_sequence(session, office_id: int, year: int) -> int:
    """The next letter sequence of an office's year, inside the caller's transaction."""
    dialect = session.get_bind().dialect.name
    insert = _INSERTS[dialect]
    # The year's first letter: create the counter; a concurrent creator's row wins quietly.
    session.execute(
        insert(LetterCounter)
        .values(office_id=office_id, year=year, last_sequence=0)
        .on_conflict_do_nothing(index_elements=["office_id", "year"])
    )
    return session.execute(
        update(LetterCounter)
        .where(LetterCounter.office_id == office_id, LetterCounter.year == year)
        .values(last_sequence=LetterCounter.last_sequence + 1)
        .returning(LetterCounter.last_sequence)
    ).scalar_one()


def format_number(pattern: str, seq: int, office_code: str, classification: str, year: int) -> str:
    """E.g. ``B-{seq}/{office_code}0/{classification}/{year}`` → ``B-123/16740/VS.300/2024``."""
    return pattern.format(seq=seq, office_code=office_code, classification=classification,
                          year=year)


# --- Errors ------------------------------------------------------------------------------------


class LetterRenderError(Exception):
    """The letter's HTML or PDF could not be made (a broken or refused template, a PDF error)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class LetterFrozenError(DomainError, ValueError):
    """A change to (or the deletion of) an issued letter's frozen content was refused."""

    def __init__(
        self, letter_id: Optional[int], fields: Iterable[str] = (), deleting: bool = False
    ):
        self.letter_id = letter_id
        self.fields = tuple(fields)
        self.deleting = deleting
        if deleting:
            message = _l("An issued letter cannot be deleted.")
        else:
            message = _l("An issued letter cannot be changed.")
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        if self.fields:
            return f"{self.message} ({', '.join(self.fields)})"
        return str(self.message)


class DraftLockedError(DomainError, ValueError):
    """A draft that may not be edited now (issued, or initialled and not yet returned)."""


def edit_refusal(letter: Letter) -> Optional[str]:
    """Why the letter may not be edited now, or None: never once issued, nor once a section
    head initialled it (the initials are of the text they read)."""
    if letter.is_issued:
        return str(_l("An issued letter cannot be changed."))
    if letter.request is not None and letter.request.state == "letter_initialled":
        return str(_l("A section head has initialled this letter: it can be changed only after "
                      "it is returned."))
    return None


def begin_edit(letter: Letter, editor) -> None:
    """The one rule of a letter's edit, on the screen and through the API (``edit_refusal``);
    the editor becomes its drafter, so four eyes holds whoever changed it last."""
    refusal = edit_refusal(letter)
    if refusal:
        raise DraftLockedError(refusal)
    letter.drafted_by_id = editor.id


# --- Text ----------------------------------------------------------------------------------------
# Official BPS letters are Indonesian documents: the text below is Indonesian on purpose, not
# gettext msgids. The interface around the letter is translated; the letter is not.

LETTER_LOCALE = "id"


def format_date_id(d: dt.date) -> str:
    """``24 November 2026``: the date as an Indonesian letter writes it."""
    return _babel_format_date(d, "d MMMM y", locale=LETTER_LOCALE)


_BODY_OPENING = (
    "Sehubungan dengan permohonan rekomendasi kegiatan statistik yang Saudara sampaikan, "
    "bersama ini kami sampaikan bahwa rancangan kegiatan statistik \u201c{title}\u201d tahun "
    "{year} yang diselenggarakan oleh {agency} telah kami periksa sesuai dengan Undang-Undang "
    "Nomor 16 Tahun 1997 tentang Statistik."
)
_BODY_RESULT = {
    "fit": (
        "Berdasarkan hasil pemeriksaan tersebut, Badan Pusat Statistik merekomendasikan bahwa "
        "kegiatan tersebut layak untuk dilaksanakan. Catatan hasil pemeriksaan kami tuliskan "
        "pada formulir terlampir."
    ),
    "not_fit": (
        "Berdasarkan hasil pemeriksaan tersebut, Badan Pusat Statistik menilai bahwa kegiatan "
        "tersebut belum layak untuk dilaksanakan. Catatan hasil pemeriksaan kami tuliskan pada "
        "formulir terlampir; permohonan dapat diajukan kembali setelah rancangan kegiatan "
        "diperbaiki."
    ),
}
RESULT_LABELS = {"fit": "LAYAK", "not_fit": "BELUM LAYAK"}

# What goes with the letter (domain.md: the form annotated with BPS's notes goes back with it):
# one file, the request's form with the review result (form_pdf.render). The letter's
# "Lampiran" line, the form's heading and the mail's attachment all give it this name.
# A full enumeration or another kind of collection is fielded like a survey: form FS3.
FORM_CODES = {"enumeration": "FS3", "survey": "FS3", "compilation": "FP-KPA", "other": "FS3"}


def attachment_name(kind: str | None) -> str:
    """``Formulir FS3 hasil rekomendasi`` (a survey; ``FP-KPA`` for a compilation)."""
    return f"Formulir {FORM_CODES.get(kind or 'survey', 'FS3')} hasil rekomendasi"


def attachment_line(kind: str | None) -> str:
    """The letter's "Lampiran": ``1 (satu) berkas Formulir FS3 hasil rekomendasi``."""
    return f"1 (satu) berkas {attachment_name(kind)}"


def default_body(req, result: str = "fit") -> str:
    """The draft body an officer starts from: names the activity and states the result.

    Paragraphs are separated by a blank line; the letter keeps every line break as a paragraph.
    """
    opening = _BODY_OPENING.format(
        title=(req.title or "").strip(),
        year=req.year,
        agency=(req.agency_name or "").strip() or "instansi Saudara",
    )
    return f"{opening}\n\n{_BODY_RESULT.get(result, _BODY_RESULT['fit'])}"


def default_suggestions(req, reviews=None) -> str:
    """The reviewers' notes that still stand, one per line in round order; or ''.

    A round that asked for a revision is left out: its notes were the revision request, which
    the applicant has dealt with since (the request came back and passed a later round).
    """
    if reviews is None:
        reviews = req.reviews
    standing = [r for r in reviews if getattr(r, "outcome", None) != "revision"]
    ordered = sorted(standing, key=lambda r: (r.round or 0))
    return "\n".join(r.notes.strip() for r in ordered if r.notes and r.notes.strip())


def _lines(text: Optional[str]) -> list[str]:
    """Every non-blank line of a text, stripped: a body paragraph or a suggestion each."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


suggestion_lines = _lines  # the letter's numbered suggestions, as the annotated form lists them

# What an officer may put in a draft: every line is a paragraph or a numbered item of the PDF,
# and xhtml2pdf pays per item (figures: bench/README.md, bench/pdf_worst.py). A letter has a
# few paragraphs and a few suggestions; these leave ample room.
SUGGESTION_MAX_LINES = 50
BODY_MAX_PARAGRAPHS = 30
LETTER_TEXT_MAX = 20_000  # characters of the body or the suggestions


def text_problem(text: Optional[str], max_lines: int, *, suggestions: bool) -> Optional[str]:
    """Why a draft's suggestions (or body) are refused, in the user's language; else None."""
    text = text or ""
    if len(text) > LETTER_TEXT_MAX:
        return str(_l("At most %(max)d characters, please.", max=LETTER_TEXT_MAX))
    count = len(_lines(text))
    if count <= max_lines:
        return None
    if suggestions:
        return str(_l("At most %(max)d suggestions, one per line, please (there are "
                      "%(count)d).", max=max_lines, count=count))
    return str(_l("At most %(max)d paragraphs, one per line, please (there are %(count)d).",
                  max=max_lines, count=count))


# --- QR code -------------------------------------------------------------------------------------

QR_BOX_SIZE = 4  # pixels per module: ~150 px for a verification URL, printed 3 cm wide
QR_BORDER = 2  # quiet zone in modules (the printed margin around it adds the rest)


def qr_code(url: str) -> qrcode.QRCode:
    """The QR code of a URL as the letter prints it (same settings as ``qr_png``)."""
    import qrcode  # here, not at the top: only issuing a letter needs it, not every app start

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=QR_BOX_SIZE,
                       border=QR_BORDER)
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def qr_png(url: str) -> bytes:
    """A PNG of the QR code of ``url``."""
    buf = io.BytesIO()
    qr_code(url).make_image().save(buf)
    return buf.getvalue()


def qr_data_uri(url: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(url)).decode("ascii")


# --- HTML ----------------------------------------------------------------------------------------

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "letters"
DEFAULT_TEMPLATE_NAME = "letter.html"


def _finalize(value):
    return "" if value is None else value


# One environment for the default template and the offices' own: a copy of the default pasted
# into the setting renders exactly like the file. Sandboxed and immutable (no attribute starting
# with "_", no mutating calls), strict about undefined names so a typo fails loudly instead of
# printing an empty field on an official letter, and fed plain dicts only.
_ENV = ImmutableSandboxedEnvironment(
    loader=FileSystemLoader(str(TEMPLATE_DIR)),
    autoescape=True,
    undefined=StrictUndefined,
    finalize=_finalize,
    trim_blocks=True,
    lstrip_blocks=True,
)


def template_source_default() -> str:
    """The default letter template's source, for an admin to copy into the office setting."""
    return (TEMPLATE_DIR / DEFAULT_TEMPLATE_NAME).read_text(encoding="utf-8")


def _today() -> dt.date:
    # A preview may render outside the app (tests, the template's sample): WIB then.
    return office_today() if has_app_context() else local_date(utcnow())


def _text(value) -> str:
    return "" if value is None else str(value)


def build_context(
    *, office, setting, letter, request, verify_url: str, today: Optional[dt.date] = None,
    logo: str = "",
) -> dict:
    """The template context from the rows (or any objects with the same attributes).

    Only strings, numbers, booleans and lists of strings go in: the sandbox never sees an ORM
    object (no lazy loads, no reaching the applicant's password hash through a relationship).
    """
    office_name = _text(office.name)
    signer_title = _text(getattr(setting, "signer_title", None)) or f"Kepala {office_name}"
    date = letter.letter_date or today or _today()
    result = letter.result or "fit"
    return {
        "office": {
            "name": office_name,
            "code": _text(office.code),
            "address": _text(office.address),
            "city": _text(office.city),
            "phone": _text(office.phone),
            "website": _text(office.website),
            "email": _text(office.email),
            "head_name": _text(office.head_name),
            "head_nip": format_nip(_text(office.head_nip)),
        },
        "setting": {
            "signer_title": signer_title,
            "classification_code": _text(getattr(setting, "classification_code", None)),
            "number_pattern": _text(getattr(setting, "number_pattern", None)),
        },
        "letter": {
            "number": _text(letter.number),
            "is_draft": not letter.number,
            "letter_date": format_date_id(date),
            "year": letter.year or date.year,
            "result": result,
            "result_label": RESULT_LABELS.get(result, result),
            "is_fit": result == "fit",
            "body": _text(letter.body),
            "body_paragraphs": _lines(letter.body),
            "suggestions": _text(letter.suggestions),
            "suggestion_items": _lines(letter.suggestions),
            "signer_title": signer_title,
            "signer_name": _text(letter.signer_name) or _text(office.head_name),
            "signer_nip": format_nip(_text(letter.signer_nip) or _text(office.head_nip)),
            "verification_code": _text(letter.verification_code),
            "attachment": attachment_line(getattr(request, "kind", None)),
        },
        "request": {
            "title": _text(request.title),
            "year": request.year,
            "agency_name": _text(request.agency_name),
            "agency_unit": _text(request.agency_unit),
            "agency_head_title": _text(request.agency_head_title),
            "agency_address": _text(request.agency_address),
            "kind": _text(getattr(request, "kind", None)) or "survey",
            "form_name": attachment_name(getattr(request, "kind", None)),
            "recommendation_code": _text(request.recommendation_code),
            "tracking_code": _text(request.tracking_code),
        },
        "qr": qr_data_uri(verify_url),
        "verify_url": verify_url,
        # The office's logo on the letterhead, as a data: URI; "" when it has none.
        "logo": logo,
    }


def _rows(letter: Letter):
    """(office, setting, request) of a letter, read without autoflush.

    The caller may be half-way through issuing (a number set, issued_at not yet), which the
    table's CHECK constraint would refuse if it were flushed now.
    """
    session = object_session(letter)
    if session is None:
        return letter.office, None, letter.request
    with session.no_autoflush:
        office = letter.office or session.get(Office, letter.office_id)
        setting = session.scalars(
            select(OfficeSetting).where(OfficeSetting.office_id == office.id)
        ).first()
        return office, setting, letter.request


def _logo(letter: Letter, office) -> str:
    """The office's logo now (offices/look.py): a letter issued before keeps its frozen PDF."""
    session = object_session(letter)
    if session is None or office is None:
        return ""
    with session.no_autoflush:
        return look.logo_data_uri(session, office.id)


def letter_context(letter: Letter, *, verify_url: str) -> dict:
    """The template context of a letter row (reads its office, setting and request)."""
    office, setting, request = _rows(letter)
    return build_context(
        office=office, setting=setting, letter=letter, request=request, verify_url=verify_url,
        logo=_logo(letter, office),
    )


def render_template(source: Optional[str], context: dict) -> str:
    """Render an office's template source (or the default one when empty) with a context."""
    try:
        if source and source.strip():
            template = _ENV.from_string(source)
        else:
            template = _ENV.get_template(DEFAULT_TEMPLATE_NAME)
        return template.render(context)
    except Exception as exc:  # syntax, undefined names, sandbox refusals, errors in filters
        raise LetterRenderError(
            _l("The letter template could not be rendered: %(error)s", error=str(exc))
        ) from exc


def render_html(letter: Letter, *, verify_url: str) -> str:
    """The full HTML of a letter: the office's own template if it has one, else the default."""
    office, setting, request = _rows(letter)
    context = build_context(
        office=office, setting=setting, letter=letter, request=request, verify_url=verify_url,
        logo=_logo(letter, office),
    )
    return render_template(setting.letter_template if setting is not None else None, context)


def sample_context(verify_url: str = "https://rekomstat.example/verify/CONTOH") -> dict:
    """A made-up letter's context: for previewing or checking a template before saving it."""
    from types import SimpleNamespace as NS

    office = NS(name="BPS Kota Contoh", code="9999", address="Jalan Contoh No. 1",
                city="Contoh", phone="(0000) 123456", website="https://contoh.bps.go.id",
                email="bps9999@bps.go.id", head_name="Nama Kepala", head_nip="197001011990011001")
    letter = NS(number="B-1/99990/VS.300/2026", letter_date=dt.date(2026, 1, 2), year=2026,
                result="fit", body=default_body(NS(title="Survei Contoh", year=2026,
                                                   agency_name="Dinas Contoh")),
                suggestions="Saran pertama\nSaran kedua", signer_name=None, signer_nip=None,
                verification_code="CONTOH")
    request = NS(title="Survei Contoh", year=2026, agency_name="Dinas Contoh", agency_unit="",
                 agency_head_title="Kepala Dinas Contoh", agency_address="Jalan Contoh No. 2",
                 recommendation_code="REK-9999-2026-0001", tracking_code="RKS-CONTOH")
    return build_context(office=office, setting=None, letter=letter, request=request,
                         verify_url=verify_url)


def check_template(source: str) -> None:
    """Raise ``LetterRenderError`` if an office template fails on a sample letter (form check)."""
    render_template(source, sample_context())


# --- PDF -----------------------------------------------------------------------------------------

@functools.cache
def _pdf_engine():
    """xhtml2pdf and its options, imported on first use: the import is a third of the app's
    start-up time, and most requests never make a PDF."""
    from xhtml2pdf import pisa

    try:  # the fetch policy of recent xhtml2pdf (0.2.28 here): what a document may read
        from xhtml2pdf.config.resources import ResourceAccessPolicy
    except ImportError:  # pragma: no cover - older xhtml2pdf
        return pisa, {}
    # The letter embeds its QR code as a data: URI and needs nothing else: no file, no network.
    return pisa, {"resource_policy": ResourceAccessPolicy.server(None, allow_remote=False)}


def render_pdf(html: str) -> bytes:
    """The PDF of a letter's HTML (xhtml2pdf); ``LetterRenderError`` if it reports errors."""
    out = io.BytesIO()
    pisa, kwargs = _pdf_engine()
    try:
        status = pisa.CreatePDF(src=html, dest=out, encoding="utf-8", **kwargs)
    except Exception as exc:
        raise LetterRenderError(
            _l("The letter PDF could not be created: %(error)s", error=str(exc))
        ) from exc
    if status.err:
        raise LetterRenderError(
            _l("The letter PDF could not be created: %(error)s",
               error=f"{status.err} error(s) reported by xhtml2pdf")
        )
    return out.getvalue()


_warm_lock = threading.Lock()
_warmed = False


def warm_up(background: bool = False) -> None:
    """Make a letter once, on sample data, so that the first real one does not pay for it.

    The first PDF of a process costs many times a later one (bench/README.md): importing
    xhtml2pdf and reportlab, their fonts and CSS machinery, PIL's image plugins for the QR
    code, compiling the letter template. A server calls this at start (gunicorn
    ``--preload``: in the master, so every worker starts warm; ``background=True`` in a
    daemon thread where no fork follows). Once per process; a failure is only logged, the
    letter that needs the PDF will report it.
    """
    global _warmed
    with _warm_lock:
        if _warmed:
            return
        _warmed = True
    if background:
        threading.Thread(target=_warm, name="letters-warm-up", daemon=True).start()
    else:
        _warm()


def _warm() -> None:
    try:
        render_pdf(render_template(None, sample_context()))
    except Exception:  # pragma: no cover - whatever it is, the real letter will say it
        log.exception("letters: warming up the PDF renderer failed")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pdf_filename(letter) -> str:
    """``surat-rekomendasi-B-123-16740-VS.300-2024.pdf`` (a draft: ``…-draf-<id>.pdf``)."""
    stem = letter.number or f"draf-{letter.id}"
    return ("surat-rekomendasi-" + (re.sub(r"[^A-Za-z0-9.]+", "-", stem).strip("-.") or "x")
            + ".pdf")


# --- The freeze ----------------------------------------------------------------------------------
# Issued means: issued_at as the database has it (committed, or flushed earlier in this
# transaction) is not NULL. Issuing itself — setting issued_at, number & co. on a letter whose
# stored issued_at is NULL — is allowed; sent_at (and the drafting fields) may change later.

FROZEN_COLUMNS = (
    "number", "year", "sequence", "result", "suggestions", "body", "letter_date", "issued_at",
    "issued_by_id", "signer_name", "signer_nip", "pdf", "sha256", "verification_code",
    "request_id", "office_id", "signature_subject", "signature_issuer", "signature_demo",
)
# The annotated form sent with the letter (issue 23): written once, after the letter is issued
# (its render is kept out of the issue step, which holds the office's letter counter), then
# frozen like the rest.
WRITE_ONCE_COLUMNS = ("form_pdf", "form_sha256")
# Setting these relationships changes a frozen foreign key when the flush syncs it.
_FROZEN_RELATIONSHIPS = {
    "request": "request_id", "office": "office_id", "issued_by": "issued_by_id",
}


def _stored(execute, state, name: str):
    """Column ``name`` as the database has it (committed, or flushed earlier in this
    transaction): from what was loaded or flushed when known, else read."""
    hist = state.attrs[name].history
    if hist.deleted:
        return hist.deleted[0]
    if hist.unchanged:
        return hist.unchanged[0]
    # Not loaded, or overwritten from NULL / from a value never loaded.
    table = Letter.__table__
    row = execute(select(table.c[name]).where(table.c.id == state.identity[0])).first()
    return row[0] if row is not None else None


def _was_issued(execute, state) -> bool:
    if state.key is None:  # never stored: nothing issued to protect yet
        return False
    return _stored(execute, state, "issued_at") is not None


def _changed_frozen(state) -> list[str]:
    changed = [name for name in FROZEN_COLUMNS if state.attrs[name].history.has_changes()]
    for rel, column in _FROZEN_RELATIONSHIPS.items():
        if column not in changed and state.attrs[rel].history.has_changes():
            changed.append(column)
    return changed


def _check_update(execute, obj) -> None:
    state = sa_inspect(obj)
    changed = _changed_frozen(state)
    once = [name for name in WRITE_ONCE_COLUMNS if state.attrs[name].history.has_changes()]
    if (changed or once) and _was_issued(execute, state):
        if once and _stored(execute, state, "form_sha256") is not None:
            changed += once
        if changed:
            raise LetterFrozenError(state.identity[0] if state.identity else None, changed)


def _check_delete(execute, obj) -> None:
    state = sa_inspect(obj)
    if _was_issued(execute, state):
        raise LetterFrozenError(state.identity[0] if state.identity else None, deleting=True)


@event.listens_for(Session, "before_flush")
def _freeze_issued_letters(session, flush_context, instances) -> None:
    """Refuse before anything is written, leaving the transaction usable (roll back or fix)."""
    def execute(stmt):
        # Inside flush, so no autoflush; the statement sees this transaction's flushed rows.
        return session.execute(stmt)

    for obj in session.dirty:
        if isinstance(obj, Letter):
            _check_update(execute, obj)
    for obj in session.deleted:
        if isinstance(obj, Letter):
            _check_delete(execute, obj)


# The same checks once more per row as it is written: catches a change made during the flush
# (a foreign key synced from a relationship, another before_flush listener). Raising here
# aborts the flush and rolls the transaction back.
@event.listens_for(Letter, "before_update")
def _freeze_before_update(mapper, connection, target) -> None:
    _check_update(connection.execute, target)


@event.listens_for(Letter, "before_delete")
def _freeze_before_delete(mapper, connection, target) -> None:
    _check_delete(connection.execute, target)
