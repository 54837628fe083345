"""Every absolute URL a user receives (mails, the letter's QR code, printed links) is built here.

One policy: PUBLIC_BASE_URL (config.py sets it: the operator's address, else the one run.py
serves on), never the host a request happened to arrive on, so a mail written by the CLI or a
worker links where one written in a web request does. The letter's QR code and the mail that
sends the letter both take ``verify_url``: the two can never disagree.
"""
from __future__ import annotations

from flask import current_app, url_for

# config.py's own default (HOST 127.0.0.1, PORT 8080), for an app configured without it.
DEFAULT_BASE_URL = "http://127.0.0.1:8080"


def base_url() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def public_url(path: str) -> str:
    """The absolute URL of an app path ("/verify/…", or what url_for gave)."""
    return base_url() + path


def public_url_for(endpoint: str, **values) -> str:
    """``public_url`` of an endpoint (needs the endpoint's blueprint registered)."""
    return public_url(url_for(endpoint, **values))


# The stable public paths (design.md, "Public URLs") and the staff screens a mail points to,
# written out: the domain writes mails outside a request too, where url_for has no host.
def verify_url(code: str) -> str:
    return public_url(f"/verify/{code}")


def request_url(request_id: int) -> str:
    return public_url(f"/portal/requests/{request_id}")


def request_form_url(request_id: int) -> str:
    """The applicant's form of their request (a revision is made there)."""
    return public_url(f"/portal/requests/{request_id}/edit")


def catalogue_result_url(request_id: int, result_id: int) -> str:
    """A received result's file, as the catalogue offers it to everyone."""
    return public_url(f"/catalogue/{request_id}/results/{result_id}")


def staff_request_url(request_id: int) -> str:
    return public_url(f"/activityrequestview/show/{request_id}")


def staff_complaint_url(complaint_id: int) -> str:
    return public_url(f"/complaintview/show/{complaint_id}")


def complaint_url(tracking_code: str) -> str:
    return public_url(f"/complaints/{tracking_code}")


def outbox_url(row_id: int) -> str:
    """The message on the admin's Outbox screen (OutboundEmailView's show page)."""
    return public_url(f"/outboundemailview/show/{row_id}")
