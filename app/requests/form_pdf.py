"""The request form as PDF: blank (to fill on paper) or filled (for the office's archive).

Both come from the same definition as the online form (request_form.SECTIONS), rendered with
xhtml2pdf like the letters. Once the letter is issued, the filled form also carries BPS's
review result (domain.md: the form annotated with BPS's notes, "FS3 hasil rekomendasi", goes
back with the letter): the letter's number and date, the recommendation identity, the checklist
of the round that passed with its notes, and the suggestions. That is the file the letter's
"Lampiran" line names and its e-mail carries.
"""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from sqlalchemy import select
from sqlalchemy.orm import object_session

from app.letters import document as letters
from app.models import (
    LETTER_RESULTS,
    REVIEW_OUTCOMES,
    ChecklistItem,
    RequestIndicator,
    RequestVariable,
)
from app.requests.form import (
    INDICATOR_FIELDS,
    SECTIONS,
    VARIABLE_FIELDS,
    YES_NO,
    choice_label,
    text_limit,
)

# A request's own long answers are capped at request_commands.TEXT_LIMIT (imported from there
# it would be a cycle: request_commands -> workflow -> notify -> here).
ANSWER_PRINT_LIMIT = 5000
# A checklist note longer than this is printed under the checklist, not in its cell.
CHECK_NOTE_IN_CELL = 300
# The form's tables of rows: (key, fields, row model); blocks of the blank form for each.
ROW_TABLES = (("variables", VARIABLE_FIELDS, RequestVariable),
              ("indicators", INDICATOR_FIELDS, RequestIndicator))
BLANK_BLOCKS = {"variables": 3, "indicators": 2}


def shown(value, limit: int | None) -> dict:
    """A text as the PDF prints it: at most ``limit`` characters, and how many were left out
    (data saved before a cap was lowered is kept whole in the database, printed cut)."""
    text = "" if value is None else str(value)
    if limit is None or len(text) <= limit:
        return {"text": text, "cut": 0}
    return {"text": text[:limit].rstrip(), "cut": len(text) - limit}


def _rows(req):
    sections = []
    for section in SECTIONS:
        fields = []
        for f in section.fields:
            value = choice_label(f, getattr(req, f.name)) if req is not None else ""
            if req is not None and f.other and getattr(req, f.other):
                value = f"{value}; {getattr(req, f.other)}" if value else getattr(req, f.other)
            options = [str(label) for label in f.choices.values()] if f.choices else []
            fields.append({"label": f.label, "value": shown(value, ANSWER_PRINT_LIMIT),
                           "options": options, "required": f.required,
                           "one_of": f.one_of is not None, "long": f.kind == "textarea",
                           # A filled long answer: a paragraph of its own (the template's note)
                           "block": req is not None and f.kind == "textarea" and bool(value)})
        sections.append({"title": section.title, "fields": fields,
                         "surveys_only": section.surveys_only})
    return sections


def review_result(req) -> dict | None:
    """BPS's notes for the form once the request's letter is issued, else None."""
    letter = req.letter if req is not None else None
    if letter is None or not letter.is_issued:
        return None
    review = max(req.reviews, key=lambda r: r.round or 0, default=None)
    results = (review.checklist or {}) if review is not None else {}
    checks = []
    session = object_session(req)
    ids = [int(key) for key in results if str(key).isdigit()]
    if ids and session is not None:
        for item in session.scalars(select(ChecklistItem).where(ChecklistItem.id.in_(ids))
                                    .order_by(ChecklistItem.position, ChecklistItem.id)):
            result = results.get(str(item.id)) or {}
            note = (result.get("note") or "").strip()
            checks.append({"text": item.text, "ok": YES_NO["1" if result.get("ok") else "0"],
                           "note": note, "long": len(note) > CHECK_NOTE_IN_CELL})
    rounds = [{"round": r.round, "outcome": REVIEW_OUTCOMES.get(r.outcome, r.outcome),
               "finished": format_date(r.finished_at.date(), "long") if r.finished_at else "",
               "notes": (r.notes or "").strip()}
              for r in sorted(req.reviews, key=lambda r: r.round or 0)]
    return {
        "rounds": rounds,
        "name": letters.attachment_name(req.kind),
        "number": letter.number,
        "date": format_date(letter.letter_date, "long") if letter.letter_date else "",
        "recommendation_code": req.recommendation_code or "",
        "result": LETTER_RESULTS.get(letter.result, letter.result),
        "round": review.round if review is not None else None,
        "checks": checks,
        "suggestions": letters.suggestion_lines(letter.suggestions),
    }


def freeze_annotated(letter) -> bool:
    """Render the issued letter's annotated form once, in the office language, and keep it with
    its SHA-256 on the letter (the caller commits). False when it is kept already."""
    if letter.form_sha256 is not None or not letter.is_issued:
        return False
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"):
        data = render(letter.request)
    letter.form_pdf, letter.form_sha256 = data, letters.sha256_hex(data)
    return True


def render(req=None) -> bytes:
    """The form's PDF: blank without a request; with an issued letter, annotated (see above)."""
    return letters.render_pdf(render_html(req))


def _table(req, key: str, fields, model) -> dict:
    """One table of rows as the PDF prints it. Filled: each row a block, its short answers
    (codes as labels) in one paragraph and each long one a paragraph of its own (few
    flowables: bench/README.md, the 200-variable worst case). Blank: a few blocks to fill."""
    if req is None:
        return {"key": key, "blank": [
            {"label": f.label, "required": f.required, "long": f.kind == "textarea",
             "options": [str(label) for label in f.choices.values()] if f.choices else []}
            for f in fields], "blocks": BLANK_BLOCKS[key]}
    # Caps for what people typed; a choice's label is printed whole.
    limits = {f.name: text_limit(f.name, model.__table__) if f.kind in ("text", "textarea")
              else None for f in fields}
    rows = []
    for row in getattr(req, key):
        short, long = [], []
        for f in fields[1:]:
            value = shown(choice_label(f, getattr(row, f.name)), limits[f.name])
            if value["text"]:
                (long if f.kind == "textarea" else short).append((f.label, value))
        rows.append({"name": shown(row.name, limits["name"]), "short": short, "long": long})
    return {"key": key, "rows": rows}


def render_html(req=None) -> str:
    """The form's HTML as xhtml2pdf gets it: everything the PDF shows, so pdf_cache keys on it."""
    return render_template(
        "portal/form_pdf.html", req=req, sections=_rows(req),
        tables=[_table(req, key, fields, model) for key, fields, model in ROW_TABLES],
        office_name=req.office.name if req is not None else "", result=review_result(req),
    )
