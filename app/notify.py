"""E-mail. For now: without a mail server, messages go to the log instead of being sent.

The outbox sender with retries grows here in the workflow issue.
"""
from __future__ import annotations

import logging

from flask import Flask
from flask_mail import email_dispatched

log = logging.getLogger(__name__)


def _log_message(app, message, **_):
    if app.config.get("MAIL_LOG_ONLY"):
        log.info(
            "mail not sent (no MAIL_SERVER): to=%s subject=%r\n%s",
            ", ".join(message.send_to), message.subject, message.body or "",
        )


def init_app(app: Flask) -> None:
    # Flask-Mail's suppress mode skips SMTP but still signals each message: log it there.
    app.config["MAIL_SUPPRESS_SEND"] = bool(
        app.config.get("MAIL_LOG_ONLY") or app.config.get("MAIL_SUPPRESS_SEND")
    )
    email_dispatched.connect(_log_message, weak=False)
