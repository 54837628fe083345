"""The letter screens: the draft letter an officer edits and the head signs, and the
letter counters."""
from __future__ import annotations

import io

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms.validators import ValidationError

from app.core import public_urls
from app.core.errors import DomainError
from app.core.transactions import unit_of_work
from app.letters import certificates, revocation
from app.letters import document as letters
from app.models import (
    LETTER_RESULTS,
    SIGNING_KINDS,
    Letter,
    LetterCounter,
    SigningCertificate,
)
from app.requests import pdf_cache
from app.web import fab_internals as fab
from app.web import labels
from app.web.interface import RekomInterface
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
        "verification_code", "signature_subject", "signature_issuer", "revoked_at",
        "revoked_reason", "revoked_by",
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
    # can_revoke: the administrator's (auth/roles.py gives it to no other role).
    base_permissions = ["can_list", "can_show", "can_edit", "can_pdf", "can_revoke"]
    show_template = "rekomstat/letter_show.html"

    def show_context(self, item, widgets) -> dict:
        may_revoke = (item.is_issued and not item.is_revoked and self.appbuilder.sm.has_access(
            "can_revoke", self.class_permission_name))
        return {"letter_pdf_url": url_for(".pdf", pk=item.id),
                "revoke_url": url_for(".revoke", pk=item.id) if may_revoke else None}

    @expose("/revoke/<int:pk>", methods=["GET", "POST"])
    @has_access
    def revoke(self, pk):
        """Revoke an issued letter with a reason (the public verification page shows it)."""
        letter = self.datamodel.get(pk, fab.base_filters(self))
        if letter is None:
            abort(404)
        reason = request.form.get("reason", "")
        if request.method == "POST":
            try:
                with unit_of_work(self.datamodel.session) as session:
                    revocation.revoke(session, g.user, letter, reason)
            except DomainError as err:
                flash(err.message, "danger")
            else:
                flash(_("The letter was revoked; its verification page says so."), "success")
                return redirect(url_for(".show", pk=pk))
        return self.render_template("rekomstat/letter_revoke.html",
                                    title=_("Revoke the letter"), letter=letter, reason=reason,
                                    max_length=revocation.REASON_MAX)

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        """A letter that may not be edited now (issued, initialled) does not open its form:
        the officer reads why on the request's page instead of typing in vain."""
        letter = self.datamodel.get(pk, fab.base_filters(self))
        refusal = letters.edit_refusal(letter) if letter is not None else None
        if refusal:
            flash(refusal, "danger")
            return redirect(url_for("ActivityRequestView.show", pk=letter.request_id))
        return super().edit(pk)

    def pre_update(self, item):
        # The model refuses an issued letter's change too; this gives the plain reason first.
        letters.begin_edit(item, g.user)

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




class SigningCertificateView(OfficeScopedView):
    """The administrator installs an office's signing certificate (or its signer at a remote
    signing service) and withdraws it; every write goes through letters/certificates.py."""

    datamodel = RekomInterface(SigningCertificate)
    list_title = _l("Signing certificates")
    show_title = _l("Signing certificate")
    add_title = _l("Install a signing certificate")
    edit_title = _l("Signing certificate")
    list_columns = ["office", "kind", "subject", "remote_user_id", "issuer", "valid_until",
                    "demo", "active"]
    show_columns = ["office", "kind", "subject", "issuer", "serial", "valid_from",
                    "valid_until", "demo", "remote_user_id", "active", "uploaded_by",
                    "uploaded_at", "sha256"]
    add_columns = ["office", "kind", "certificate_file", "remote_user_id"]
    search_columns = ["office", "kind", "subject", "active"]
    base_order = ("uploaded_at", "desc")
    # No edit or delete: a certificate is replaced by installing another, and withdrawn.
    base_permissions = ["can_list", "can_show", "can_add", "withdraw"]
    label_columns = {
        "office": _l("Office"),
        "kind": _l("How letters are signed"),
        "certificate_file": _l("Certificate file (.p12 or .pfx)"),
        "remote_user_id": _l("Signer's identity at the signing service (NIK)"),
        "subject": _l("Certificate holder"),
        "issuer": _l("Issued by"),
        "serial": _l("Serial number"),
        "valid_from": _l("Valid from"),
        "valid_until": _l("Valid until"),
        "demo": _l("Demo certificate"),
        "active": _l("Signs letters"),
        "uploaded_by": _l("Installed by"),
        "uploaded_at": _l("Installed"),
        "sha256": _l("File SHA-256"),
    }
    # No angle brackets in these: FAB prints a lazy string as markup.
    description_columns = {
        "remote_user_id": _l("Only for the remote signing service: the signer's 16-digit NIK. "
                             "The passphrase is read from REKOMSTAT_ESIGN_PASSPHRASE_ followed "
                             "by the office code (e.g. REKOMSTAT_ESIGN_PASSPHRASE_1674), in the "
                             "server's environment."),
    }
    formatters_columns = {"kind": labelled(SIGNING_KINDS)}
    add_form_extra_fields = {
        "kind": choice(_l("How letters are signed"), SIGNING_KINDS),
        "certificate_file": FileField(
            _l("Certificate file (.p12 or .pfx)"),
            description=_l("Its password is not typed here: the server reads it from "
                           "REKOMSTAT_P12_PASSWORD_ followed by the office code (e.g. "
                           "REKOMSTAT_P12_PASSWORD_1674), in its environment.")),
    }

    def write_add(self, form) -> None:
        office = form.office.data
        office_id = office.id if office is not None else None
        with unit_of_work(self.datamodel.session) as session:
            if form.kind.data == "remote":
                certificates.install_remote(session, g.user, office_id,
                                            form.remote_user_id.data)
                return
            upload = form.certificate_file.data
            data = upload.read(certificates.MAX_P12_BYTES + 1) if upload else b""
            certificates.install_pkcs12(session, g.user, office_id, data)

    @action("withdraw", _l("Withdraw the certificate"),
            _l("Letters of the office will no longer be signed with this certificate. Go on?"),
            "fa-ban")
    def act_withdraw(self, items):
        items = items if isinstance(items, list) else [items]
        try:
            with unit_of_work(self.datamodel.session) as session:
                for item in items:
                    certificates.withdraw(session, g.user, item)
        except DomainError as err:
            flash(err.message, "danger")
        else:
            flash(_("Withdrawn: the office's letters are no longer signed with it."), "success")
        return redirect(url_for(".list"))
