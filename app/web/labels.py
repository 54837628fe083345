"""What each column is called, on the staff screens and in the APIs alike (one table per
object, in English msgids translated at render time), so a label cannot differ between the
screen an officer reads and the JSON an integration reads."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import REMINDER_KINDS
from app.requests import form as request_form
from app.requests import results, workflow

REVIEW = {
    "request": _l("Request"),
    "round": _l("Round"),
    "officer": _l("Officer"),
    "outcome": _l("Outcome"),
    "checklist": _l("Checklist"),
    "notes": _l("Notes"),
    "started_at": _l("Started"),
    "finished_at": _l("Finished"),
}

REQUEST = {
    **request_form.labels(),  # the form's own labels: one definition for every screen
    "tracking_code": _l("Tracking code"),
    "office": _l("Office"),
    "applicant": _l("Applicant"),
    "officer": _l("Officer"),
    "channel": _l("Channel"),
    "state": _l("State"),
    "recommendation_code": _l("Recommendation identity"),
    "created_at": _l("Created"),
    "submitted_at": _l("Submitted"),
    "complete_at": _l("Recorded complete"),
    "due_date": _l("Due date"),
    "results_due_date": _l("Results due"),
    "sent_at": _l("Letter sent"),
    "closed_at": _l("Closed"),
    "sla": _l("30-day promise"),
}

LETTER = {
    "number": _l("Letter number"),
    "request": _l("Request"),
    "office": _l("Office"),
    "result": _l("Result"),
    "suggestions": _l("Suggestions"),
    "body": _l("Letter text"),
    "letter_date": _l("Letter date"),
    "drafted_by": _l("Drafted by"),
    "drafted_at": _l("Drafted"),
    "issued_by": _l("Issued by"),
    "issued_at": _l("Issued"),
    "sent_at": _l("Sent"),
    "sha256": _l("PDF SHA-256"),
    "verification_code": _l("Verification code"),
    "signer_name": _l("Signed by"),
    "signer_nip": _l("Signer's NIP"),
    "signature_subject": _l("Electronic signature of"),
    "signature_issuer": _l("Certificate issued by"),
    "revoked_at": _l("Revoked"),
    "revoked_reason": _l("Reason for revoking"),
    "revoked_by": _l("Revoked by"),
}

COMPLAINT = {
    "tracking_code": _l("Tracking code"),
    "office": _l("Office"),
    "channel": _l("Channel"),
    "reporter_name": _l("Reporter name"),
    "reporter_email": _l("Reporter e-mail"),
    "reporter_phone": _l("Reporter phone"),
    "request": _l("Request"),
    "subject": _l("Subject"),
    "text": _l("Complaint"),
    "state": _l("State"),
    "assignee": _l("Officer"),
    "answer": _l("Answer"),
    "created_at": _l("Received"),
    "ack_due_date": _l("Acknowledge by"),
    "due_date": _l("Answer by"),
    "answered_at": _l("Answered"),
    "closed_at": _l("Closed"),
    "deadline": _l("Deadline"),
}

RATING = {
    "request": _l("Request"),
    "e1": _l("Requirements"),
    "e2": _l("Procedure"),
    "e3": _l("Completion time"),
    "e4": _l("Cost"),
    "e5": _l("Product"),
    "e6": _l("Staff competence"),
    "e7": _l("Staff behaviour"),
    "e8": _l("Complaint handling"),
    "e9": _l("Facilities"),
    "comment": _l("Comment"),
    "created_at": _l("Rated"),
    "office": _l("Office"),
    "rater": _l("Rated by"),
}

# What the audit trail's actions are called: a request's transitions (the buttons' own words),
# and the steps that are not transitions. The one table of the staff timeline, the portal's
# timeline and the audit list.
AUDIT_ACTIONS = {
    **{name: t.label for name, t in workflow.TRANSITIONS.items()},
    "create": _l("Created"),
    "review": _l("Checklist recorded"),
    "take": _l("Take up"),  # a complaint's handling (complaints.HANDLING)
    "answer": _l("Answer"),
    "revoke_letter": _l("Letter revoked"),
    "certificate_installed": _l("Signing certificate installed"),
    "certificate_withdrawn": _l("Signing certificate withdrawn"),
    "reveal_identity": _l("Identity number revealed"),
    # Accesses to personal data (auth/access_log.py, the "Personal data access" screen).
    "view_personal": _l("Personal data viewed"),
    "export_personal": _l("Personal data exported"),
    "download_own_data": _l("Own data downloaded"),
    "erase_account": _l("Account erased"),
    # The applicant's own data (auth/erasure.py, auth/accounts.update_profile).
    "erasure_asked": _l("Erasure of the account asked"),
    "erasure_refused": _l("Erasure of the account refused"),
    "profile_corrected": _l("Profile corrected"),
    "retention": _l("Retention periods applied"),
    **REMINDER_KINDS,  # offices/reminders.py: each reminder sent is an event of its object
    **results.EVENTS,  # the follow-up after the letter
}


def audit_action(action: str) -> str:
    """The words of an audit event's action (its code when it has none)."""
    label = AUDIT_ACTIONS.get(action)
    return str(label) if label is not None else action


# Columns many objects share, and the ids the APIs show of related rows ("officer.id").
COMMON = {
    "id": _l("Id"),
    "office": _l("Office"),
    "request": _l("Request"),
    "applicant": _l("Applicant"),
    "officer": _l("Officer"),
    "state": _l("State"),
    "created_at": _l("Created"),
    "clock_paused_at": _l("Clock paused"),
    "rater": _l("Rated by"),
    "comment": _l("Comment"),
}


def for_column(table: dict, column: str):
    """The label of ``column`` ("request.id" reads as "Request"), or None."""
    base = column.split(".", 1)[0]
    return table.get(column) or table.get(base) or COMMON.get(column) or COMMON.get(base)
