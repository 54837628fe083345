"""One way for each shared idea (issue 21): the unit of work every write ends with, the audit
trail's one writer and label table, and every refused step a DomainError."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth import accounts
from app.core.errors import DomainError
from app.core.transactions import unit_of_work
from app.feedback import complaints
from app.frontoffice import queue as frontoffice
from app.letters import document as letters
from app.models import Office
from app.ops import bootstrap
from app.ops.views import AuditEventView
from app.requests import commands as request_commands
from app.requests import uploads, workflow
from app.requests import views as request_actions
from app.web import labels, list_args

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


def test_no_module_of_app_reaches_back_to_its_importer():
    """No import cycle between any two modules of app/, across packages too (the contract
    `no-cycles` in .importlinter holds the modules inside each package)."""
    import grimp

    graph = grimp.build_graph("app", cache_dir=None)
    cycles = []
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append(" -> ".join((importer, *back)))
    assert cycles == []
