"""Rendered PDFs kept until what they show changes, so that one GET cannot hold a worker.

xhtml2pdf takes seconds for a large form, so a PDF that is served on demand is rendered once
per change, not once per GET:

- a request's form (``request_form``) and a draft letter's preview (``draft_letter``): a file
  under ``PDF_CACHE_FOLDER`` (instance/pdf-cache), shared by every worker, named by the row
  and the SHA-256 of the HTML handed to xhtml2pdf. That HTML is everything the PDF shows —
  the fields, the variables, the issued letter's annotation, the office, the language of the
  labels, a draft's date and QR code, the template itself — so any change names another file
  and a stale PDF is never served. Building the HTML costs milliseconds; the render, seconds.
  The file is written atomically (``.part`` + ``os.replace``); older versions of the same row
  are removed then. A cache that cannot be read or written only costs a render: it never
  fails the request.
- the blank form (``blank_form``): in this process's memory, once per language.

A render (a cache miss) in a web request is counted per user, or per address when anonymous,
in Flask-Limiter's storage (``PDF_RENDER_RATE_LIMIT``); over it the request gets a 429 page
in the user's language instead of a render.
"""
from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Callable

from flask import abort, current_app, has_request_context, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse as parse_limit

from app.letters import document as letters
from app.requests import form_pdf

log = logging.getLogger(__name__)

# Part of every key: a change in how PDFs are made (not in what they show) starts afresh.
VERSION = b"pdf-cache-1\n"
LIMIT_SCOPE = "pdf-render"


def _key(html: str) -> str:
    return hashlib.sha256(VERSION + html.encode("utf-8")).hexdigest()


def _folder() -> Path:
    return Path(current_app.config["PDF_CACHE_FOLDER"])


def _read(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        log.warning("pdf cache: cannot read %s", path, exc_info=True)
        return None
    return data if data.startswith(b"%PDF") else None  # a damaged file: render anew


def _write(path: Path, data: bytes) -> None:
    """Keep ``data`` at ``path`` (atomically) and drop the row's older versions; any failure
    is logged and forgotten (the caller has its PDF already)."""
    prefix = path.name.rsplit("-", 1)[0] + "-"
    partial = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as fh:
            fh.write(data)
        os.replace(partial, path)
        for old in path.parent.glob(prefix + "*.pdf"):
            if old.name != path.name:
                old.unlink(missing_ok=True)
    except OSError:
        log.warning("pdf cache: cannot write %s", path, exc_info=True)
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            pass


# --- the render limit --------------------------------------------------------------------------


def _limit_item():
    """PDF_RENDER_RATE_LIMIT parsed, or None when it is empty or the limiter is off."""
    rate = current_app.config.get("PDF_RENDER_RATE_LIMIT")
    limiter = getattr(current_app.appbuilder.sm, "limiter", None)
    if not rate or limiter is None or not getattr(limiter, "enabled", False):
        return None, None
    return limiter, parse_limit(rate)


def _who() -> str:
    if current_user and getattr(current_user, "is_authenticated", False):
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr or '-'}"


def _count_render() -> None:
    """Count one render for this user (or address); over the limit, answer 429 instead."""
    if not has_request_context():
        return  # the outbox sender, the command line: not a visitor
    limiter, item = _limit_item()
    if item is None:
        return
    who = _who()
    try:
        if limiter.limiter.hit(item, LIMIT_SCOPE, who):
            return
        reset = limiter.limiter.get_window_stats(item, LIMIT_SCOPE, who)[0]
    except Exception:  # the limiter's storage (Redis) unreachable: render, as without a limit
        log.warning("pdf render limit: storage unavailable", exc_info=True)
        return
    log.warning("pdf render refused: %s over PDF_RENDER_RATE_LIMIT on %s", who, request.path)
    page = render_template(
        "errors/http.html", title=_("Too many PDFs at once"),
        message=_("You have asked for many new PDFs in a short time, and making one takes the "
                  "server a while. Please wait a few minutes and try again."))
    response = current_app.make_response((page, 429))
    response.headers["Retry-After"] = str(max(1, int(reset - time.time())))
    abort(response)


# --- the PDFs ----------------------------------------------------------------------------------


def cached(name: str, html: str, render: Callable[[str], bytes] | None = None,
           *, limited: bool = True) -> bytes:
    """The PDF of ``html`` kept as ``<name>-<key>.pdf``: read, or rendered (counted against the
    render limit when ``limited``) and kept. ``name`` says whose it is: ``form-12``."""
    path = _folder() / f"{name}-{_key(html)}.pdf"
    data = _read(path)
    if data is not None:
        return data
    if limited:
        _count_render()
    data = (render or letters.render_pdf)(html)
    _write(path, data)
    return data


def request_form(req, *, limited: bool = True) -> bytes:
    """A request's form as PDF (form_pdf.render, with the issued letter's annotation); once the
    letter is sent, the annotated form frozen with it."""
    letter = req.letter
    if letter is not None and letter.form_sha256 is not None:
        return letter.form_pdf
    return cached(f"form-{req.id}", form_pdf.render_html(req), limited=limited)


def draft_letter(letter, verify_url: str) -> bytes:
    """A draft letter's preview (never stored with the letter: see LetterView.pdf)."""
    html = letters.render_html(letter, verify_url=verify_url)
    return cached(f"letter-{letter.id}", html)


_blank: dict[str, bytes] = {}
_blank_lock = threading.Lock()


def blank_form() -> bytes:
    """The blank form: rendered once per process and language (its HTML says which)."""
    html = form_pdf.render_html(None)
    key = _key(html)
    data = _blank.get(key)
    if data is None:
        with _blank_lock:  # threads of one worker: one render
            data = _blank.get(key)
            if data is None:
                _count_render()
                data = _blank[key] = letters.render_pdf(html)
    return data


def clear_memory() -> None:
    """Forget the blank forms of this process (tests)."""
    _blank.clear()

