"""The letter screens: the draft letter an officer edits and the head signs, and the
letter counters."""
from __future__ import annotations

import io

from flask import abort, g, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from app.core import public_urls
from app.letters import document as letters
from app.models import (
    LETTER_RESULTS,
    Letter,
    LetterCounter,
)
from app.requests import pdf_cache
from app.web import fab_internals as fab
from app.web import labels
from app.web.list_widgets import (
    RekomInterface,
)
from app.web.screens import READ_ONLY, OfficeScopedView, choice, labelled


def _letter_text(max_lines: int, suggestions: bool):
    """The edit form's check of a draft's suggestions or body (letters.text_problem)."""
    def check(form, field):
        problem = letters.text_problem(field.data, max_lines, suggestions=suggestions)
        if problem:
            raise ValidationError(problem)
    return check


class LetterView(OfficeScopedView):
    datamodel = RekomInterface(Letter)
    list_title = _l("Recommendation letters")
    show_title = _l("Recommendation letter")
    add_title = _l("Add letter")
    edit_title = _l("Edit letter")
    list_columns = ["number", "request", "result", "letter_date", "issued_at", "sent_at"]
    show_columns = [
        "number", "request", "office", "result", "suggestions", "body", "letter_date",
        "drafted_by", "drafted_at", "issued_by", "issued_at", "sent_at", "sha256",
        "verification_code",
    ]
    edit_columns = ["result", "suggestions", "body"]
    add_columns = ["request", "result", "suggestions", "body"]
    search_columns = ["number", "request", "result", "letter_date"]
    label_columns = labels.LETTER
    formatters_columns = {"result": labelled(LETTER_RESULTS)}
    edit_form_extra_fields = {"result": choice(_l("Result"), LETTER_RESULTS)}
    # What a draft may hold (letters.text_problem): each line is an item xhtml2pdf pays for.
    validators_columns = {"suggestions": [_letter_text(letters.SUGGESTION_MAX_LINES, True)],
                          "body": [_letter_text(letters.BODY_MAX_PARAGRAPHS, False)]}
    # Letters are made by the "draft letter" action and numbered by "issue", never added here.
    base_permissions = ["can_list", "can_show", "can_edit", "can_pdf"]
    show_template = "rekomstat/letter_show.html"

    def show_context(self, item, widgets) -> dict:
        return {"letter_pdf_url": url_for(".pdf", pk=item.id)}

    def pre_update(self, item):
        # The model refuses too (letters/document.py); this gives the officer the plain reason
        # first.
        if item.is_issued:
            raise ValueError(_("An issued letter cannot be changed."))
        item.drafted_by_id = g.user.id

    @expose("/pdf/<int:pk>")
    @has_access
    def pdf(self, pk):
        """The issued letter's PDF, for staff of its office."""
        letter = self.datamodel.get(pk, fab.base_filters(self))
        if letter is None:
            abort(404)
        if letter.is_issued:
            data = letter.pdf
        else:
            # A draft: marked as a draft, never stored with the letter — what the head reads
            # before signing; rendered once per change of what it shows (pdf_cache).
            data = pdf_cache.draft_letter(letter, public_urls.verify_url(letter.verification_code))
        return send_file(io.BytesIO(data), mimetype="application/pdf",
                         download_name=letters.pdf_filename(letter), as_attachment=False)


class LetterCounterView(OfficeScopedView):
    datamodel = RekomInterface(LetterCounter)
    base_permissions = READ_ONLY
    list_title = _l("Letter counters")
    show_title = _l("Letter counter")
    add_title = _l("Add letter counter")
    edit_title = _l("Edit letter counter")
    list_columns = show_columns = ["office", "year", "last_sequence"]
    label_columns = {
        "office": _l("Office"),
        "year": _l("Year"),
        "last_sequence": _l("Last number"),
    }


