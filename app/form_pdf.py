"""The request form as PDF: blank (to fill on paper) or filled (for the office's archive).

Both come from the same definition as the online form (request_form.SECTIONS), rendered with
xhtml2pdf like the letters.
"""
from __future__ import annotations

from flask import current_app, render_template

from . import letters
from .request_form import SECTIONS, VARIABLE_FIELDS, choice_label


def _rows(req):
    sections = []
    for section in SECTIONS:
        fields = []
        for f in section.fields:
            value = choice_label(f, getattr(req, f.name)) if req is not None else ""
            if req is not None and f.other and getattr(req, f.other):
                value = f"{value}; {getattr(req, f.other)}" if value else getattr(req, f.other)
            options = [str(label) for label in f.choices.values()] if f.choices else []
            fields.append({"label": f.label, "value": value, "options": options,
                           "required": f.required, "long": f.kind == "textarea"})
        sections.append({"title": section.title, "fields": fields,
                         "surveys_only": section.surveys_only})
    return sections


def render(req=None) -> bytes:
    variables = []
    if req is not None:
        variables = [[getattr(v, f.name) or "" for f in VARIABLE_FIELDS] for v in req.variables]
    html = render_template(
        "portal/form_pdf.html", req=req, sections=_rows(req), variable_fields=VARIABLE_FIELDS,
        variables=variables or [[""] * len(VARIABLE_FIELDS)] * (0 if req else 8),
        office=req.office if req is not None else None,
        service_office=current_app.config.get("OFFICE_NAME"),
    )
    return letters.render_pdf(html)
