"""The admin's operations screens: the audit trail and the outbox."""
from __future__ import annotations

from flask import flash, redirect
from flask_appbuilder import BaseView, expose
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from app import notify
from app.auth import processing
from app.core.transactions import unit_of_work
from app.models import (
    COMPLAINT_STATES,
    EMAIL_STATES,
    REQUEST_STATES,
    AuditEvent,
    OutboundEmail,
)
from app.web import labels
from app.web.interface import RekomInterface
from app.web.screens import READ_ONLY, OfficeScopedView, labelled

# The objects of the audit trail (an office's own events: the reminders' daily digest).
AUDIT_OBJECTS = {"activity_request": _l("Request"), "complaint": _l("Complaints"),
                 "office": _l("Office"), "guest_book_entry": _l("Guest book entry"),
                 "ab_user": _l("Account")}
AUDIT_STATES = {**COMPLAINT_STATES, **REQUEST_STATES}


class AuditEventView(OfficeScopedView):
    datamodel = RekomInterface(AuditEvent)
    base_permissions = READ_ONLY
    list_title = _l("Audit trail")
    show_title = _l("Audit event")
    add_title = _l("Add audit event")
    edit_title = _l("Edit audit event")
    list_columns = ["at", "actor", "object_type", "object_id", "action", "from_state", "to_state"]
    show_columns = list_columns + ["note", "office"]
    base_order = ("at", "desc")
    label_columns = {
        "at": _l("When"),
        "actor": _l("Who"),
        "object_type": _l("Object"),
        "object_id": _l("Object id"),
        "action": _l("Action"),
        "from_state": _l("From"),
        "to_state": _l("To"),
        "note": _l("Note"),
        "office": _l("Office"),
    }
    # The trail stores codes (activity_request, submit, draft): shown with their labels.
    formatters_columns = {
        "object_type": labelled(AUDIT_OBJECTS),
        "action": labelled(labels.AUDIT_ACTIONS),  # the timelines' table
        "from_state": labelled(AUDIT_STATES),
        "to_state": labelled(AUDIT_STATES),
    }


class OutboundEmailView(OfficeScopedView):
    datamodel = RekomInterface(OutboundEmail)
    base_permissions = READ_ONLY
    list_title = _l("Outbox")
    show_title = _l("Outgoing e-mail")
    add_title = _l("Add e-mail")
    edit_title = _l("Edit e-mail")
    list_columns = ["created_at", "recipient", "subject", "state", "attempts", "next_attempt_at"]
    show_columns = list_columns + ["sent_at", "last_error", "body_text"]
    base_order = ("created_at", "desc")
    label_columns = {
        "created_at": _l("Created"),
        "recipient": _l("Recipient"),
        "subject": _l("Subject"),
        "state": _l("State"),
        "attempts": _l("Attempts"),
        "next_attempt_at": _l("Next attempt"),
        "sent_at": _l("Sent"),
        "last_error": _l("Last error"),
        "body_text": _l("Message"),
        "body_html": _l("Message (HTML)"),
        "letter": _l("Letter"),
        "office": _l("Office"),
    }
    # Without a mail server the admin hands a message on (notify.mail_configured): the page
    # shows it with its links clickable and, when held, says so.
    show_template = "rekomstat/outbox_show.html"
    search_columns = ["recipient", "subject", "state", "created_at"]

    @staticmethod
    def links(text: str | None) -> list[str]:
        """The addresses in a message (activation, invitation, request pages …)."""
        import re

        return [url.rstrip(".,;:!?)") for url in re.findall(r"https?://[^\s<>\"']+",
                                                               text or "")]

    @staticmethod
    def text_with_links(text: str | None):
        """The message as text (escaped), each address a link that opens in a new tab."""
        from markupsafe import Markup

        text, parts, rest = text or "", [], 0
        for url in OutboundEmailView.links(text):
            start = text.index(url, rest)
            parts += [escape(text[rest:start]), Markup(
                '<a href="{0}" target="_blank" rel="noopener noreferrer">{0}</a>').format(url)]
            rest = start + len(url)
        return Markup("").join([*parts, escape(text[rest:])])

    formatters_columns = {"state": labelled(EMAIL_STATES), "body_text": text_with_links}

    def show_context(self, item, widgets) -> dict:
        if item is None:
            return {}
        return {"email_held": item.state == notify.HELD, "email_recipient": item.recipient,
                "email_links": self.links(item.body_text)}

    @action("retry", _l("Send again now"), icon="fa-repeat")
    def retry(self, items):
        """Put failed (or waiting) messages back in the queue and try them at once."""
        ids = [item.id for item in (items if isinstance(items, list) else [items]) if item]
        session = self.datamodel.session
        with unit_of_work(session):
            count = notify.retry(session, ids)
        result = notify.try_send_now(ids)
        flash(_("%(count)d message(s) queued again; %(sent)d sent now.", count=count,
                sent=result.get("sent", 0)), "info")
        return redirect(self.get_redirect())




class RecordsOfProcessingView(BaseView):
    """The records of processing personal data (UU 27/2022): built from the schema's
    annotations and the permission matrix (auth/processing.py), for the office's data
    protection officer and auditors. Administrators only."""

    route_base = "/processing"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("rekomstat/processing.html",
                                    title=_("Records of processing personal data"),
                                    records=processing.records(self.appbuilder))
