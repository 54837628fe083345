"""One way for each shared idea (issue 21): the unit of work every write ends with, the audit
trail's one writer and label table, and every refused step a DomainError."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import bootstrap, complaints, frontoffice, labels, letters, list_args
from app import accounts, request_commands, request_actions, uploads, workflow
from app.errors import DomainError
from app.models import Office
from app.transactions import unit_of_work
from app.views import AuditEventView
from conftest import OFFICE_X


def test_unit_of_work_commits_or_writes_nothing(app, world):
    office_id = world.offices[OFFICE_X]
    with app.app_context():
        session = app.appbuilder.session
        name = session.get(Office, office_id).name
        with pytest.raises(RuntimeError):
            with unit_of_work(session):
                session.get(Office, office_id).name = "Never stored"
                session.flush()
                raise RuntimeError("refused")
        assert session.get(Office, office_id).name == name  # rolled back: read afresh
        with unit_of_work(session):
            session.get(Office, office_id).name = name + " (for a moment)"
        with app.app_context():  # another session: it was committed
            other = app.appbuilder.session
            assert other.scalar(sa.select(Office.name).where(Office.id == office_id)) \
                == name + " (for a moment)"
        with unit_of_work(session):
            session.get(Office, office_id).name = name


def test_every_timeline_calls_an_action_the_same(app):
    """The staff timeline, the portal's timeline and the audit list read one table."""
    with app.test_request_context("/", headers={"Accept-Language": "id"}):
        audit_list = AuditEventView.formatters_columns["action"]
        assert request_actions.labels.AUDIT_ACTIONS is labels.AUDIT_ACTIONS
        for action in ("create", "review", "submit", "take", "answer"):
            assert audit_list(action) == labels.audit_action(action)
        assert labels.audit_action("review") == "Daftar periksa dicatat"
        assert labels.audit_action("verify") == str(workflow.TRANSITIONS["verify"].label)
        assert labels.audit_action("unknown") == "unknown"


@pytest.mark.parametrize("error", [
    workflow.WorkflowError, complaints.ComplaintError, request_commands.RequestInputError,
    frontoffice.QueueError, uploads.UploadError, accounts.WalkInError,
    letters.LetterFrozenError, bootstrap.UserError, list_args.Refusal,
])
def test_every_refusal_is_a_domain_error(error):
    assert issubclass(error, DomainError)
