"""Staff screens with an identity document number (users, registrations, the guest book): the
number is checked as its document's kind says, shown masked on lists and detail pages, and
never put back into an edit form — the form says which number is stored (masked) and keeps it
unless a new one is typed (issue 25; app/core/identity.py)."""
from __future__ import annotations

from flask import abort, g, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import inspect
from wtforms.validators import ValidationError

from app.core import identity
from app.web import fab_internals as fab

NUMBER, KIND = "id_doc_number", "id_doc_type"


def masked(value) -> str:
    return identity.mask(value)


def check_number(form, field) -> None:
    """WTForms validator of the number field, by the form's document kind."""
    kind = getattr(form, KIND, None)
    message = identity.problem(kind.data if kind is not None else None, field.data)
    if message:
        raise ValidationError(str(message))


# A view's formatters_columns and validators_columns for the number.
FORMATTERS = {NUMBER: masked}
VALIDATORS = {NUMBER: [check_number]}


class IdentityNumberMixin:
    """Mixed into a FAB ModelView whose model has ``id_doc_type`` and ``id_doc_number`` (its
    formatters and validators include FORMATTERS and VALIDATORS; its pre_add and pre_update
    call ``_identity_before_write``)."""

    # The detail page, with "Show the full number" for those who may (the view's extra_args
    # name the permission's view: identity_view).
    show_template = "rekomstat/identity_show.html"

    def render_template(self, template, **kwargs):
        # The detail page offers the reveal only where a number is stored.
        if template == self.show_template and kwargs.get("pk") is not None:
            item = self.datamodel.get(kwargs["pk"], fab.base_filters(self))
            kwargs["has_identity_number"] = bool(item is not None
                                                 and getattr(item, NUMBER, None))
        return super().render_template(template, **kwargs)

    @expose("/identity/<int:pk>", methods=["GET", "POST"])
    @has_access
    def reveal_identity(self, pk):
        """The full number, once a reason is given; each reveal is an audit event."""
        item = self.datamodel.get(pk, fab.base_filters(self))  # another office's: not found
        if item is None or not getattr(item, NUMBER, None):
            abort(404)
        reason, number, error, status = request.form.get("reason", ""), None, None, 200
        if request.method == "POST":
            try:
                number = identity.reveal(self.datamodel.session, g.user, item, reason)
            except identity.RevealRefused as err:
                error, status = err.message, err.status
        return self.render_template(
            "rekomstat/identity_reveal.html", title=_("Identity document number"),
            item=item, masked=identity.mask(getattr(item, NUMBER)), number=number,
            reason=reason, error=error, back=url_for(".show", pk=pk),
            reason_max=identity.REASON_MAX), status

    def prefill_form(self, form, pk):
        super().prefill_form(form, pk)
        field = getattr(form, NUMBER, None)
        if field is None:
            return
        item = self.datamodel.get(pk)
        stored = getattr(item, NUMBER, None) if item is not None else None
        field.data = ""
        if stored:
            field.description = _("Stored: %(number)s. Leave empty to keep it; type the whole "
                                  "number to change it.", number=identity.mask(stored))

    def _identity_before_write(self, item) -> None:
        """Keep the stored number when the form left it empty; store a new one normalised."""
        value = getattr(item, NUMBER, None)
        if not value:
            history = inspect(item).attrs[NUMBER].history
            if history.deleted and history.deleted[0]:
                setattr(item, NUMBER, history.deleted[0])
            return
        setattr(item, NUMBER, identity.normalize(getattr(item, KIND, None), value))
