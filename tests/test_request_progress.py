"""Issue 26, a request's page: its steps (submitted → in review → revision → verified → letter
→ sent) each done, current or to come with the day reached, and the one obvious next thing the
applicant can do — drawn from the request's state and audit trail (requests/progress.py)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from app.requests import progress

from conftest import OWNER, login, seed

DAY = dt.datetime(2026, 11, 2, 3, 0)


def _at(n: int) -> dt.datetime:
    return DAY + dt.timedelta(days=n)


def _statuses(state, events):
    return {s.key: s.status for s in progress.steps(state, events)}


def test_a_draft_has_every_step_to_come():
    assert _statuses("draft", [(_at(0), "draft")]) == {
        "submitted": "todo", "in_review": "todo", "revision": "optional",
        "verified": "todo", "letter": "todo", "sent": "todo"}


def test_a_request_in_review_has_its_submission_done_with_its_day():
    steps = progress.steps("in_review", [(_at(0), "draft"), (_at(1), "submitted"),
                                         (_at(3), "in_review")])
    assert [(s.key, s.status) for s in steps][:3] == [
        ("submitted", "done"), ("in_review", "current"), ("revision", "optional")]
    assert steps[0].at == _at(1) and steps[1].at == _at(3)


def test_a_revision_asked_stays_done_while_the_request_is_checked_again():
    events = [(_at(1), "submitted"), (_at(2), "in_review"), (_at(3), "revision_requested"),
              (_at(5), "submitted"), (_at(6), "in_review")]
    statuses = _statuses("in_review", events)
    assert statuses["revision"] == "done" and statuses["in_review"] == "current"
    # The first time each step was reached is its day.
    assert progress.steps("in_review", events)[0].at == _at(1)


def test_a_request_past_review_without_revision_skipped_it():
    events = [(_at(1), "submitted"), (_at(2), "in_review"), (_at(4), "verified"),
              (_at(5), "letter_drafted"), (_at(6), "issued"), (_at(7), "sent")]
    assert _statuses("sent", events) == {
        "submitted": "done", "in_review": "done", "revision": "skipped", "verified": "done",
        "letter": "done", "sent": "current"}


def test_a_withdrawn_request_shows_how_far_it_got():
    statuses = _statuses("withdrawn", [(_at(1), "submitted"), (_at(2), "in_review"),
                                       (_at(3), "withdrawn")])
    assert statuses["submitted"] == statuses["in_review"] == "done"
    assert "current" not in statuses.values() and statuses["verified"] == "todo"


@pytest.mark.parametrize("state,kwargs,expected", [
    ("draft", dict(missing=True, actions={"submit"}), "complete"),
    ("draft", dict(missing=False, actions={"submit"}), "submit"),
    ("revision_requested", dict(missing=False, actions={"resubmit"}), "resubmit"),
    ("revision_requested", dict(missing=True, actions=set()), "revise"),
    ("in_review", dict(), None),
    ("sent", dict(results_open=True, can_rate=True, has_letter=True), "results"),
    ("sent", dict(can_rate=True, has_letter=True), "rate"),
    ("closed", dict(has_letter=True), "letter"),
])
def test_the_next_thing_to_do(state, kwargs, expected):
    args = dict(missing=False, actions=set(), results_open=False, can_rate=False,
                has_letter=False)
    args.update(kwargs)
    assert progress.next_action(state, **args) == expected


def _page(app, req_id) -> str:
    client = login(app.test_client(), OWNER)
    response = client.get(f"/portal/requests/{req_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _step_classes(page: str) -> dict:
    return dict((key, cls) for cls, key in
                re.findall(r'<li class="step-(\w+)" data-step="(\w+)"', page))


def test_the_page_draws_the_steps_and_one_primary_next_button(app, world, wf):
    with app.app_context():
        session = app.appbuilder.session
        in_review = seed(session, world, wf, "in_review")
        sent = seed(session, world, wf, "sent")
        draft = seed(session, world, wf, "draft", complete=False)
        session.remove()
    page = _page(app, in_review)
    assert _step_classes(page)["in_review"] == "current"
    assert 'aria-current="step"' in page
    assert 'id="office-turn"' in page and "btn-primary btn-lg" not in page
    page = _page(app, draft)
    assert set(_step_classes(page).values()) <= {"todo", "optional"}
    # Incomplete: the next step is completing the form, the one primary button.
    assert re.search(r'class="btn btn-primary btn-lg" id="edit"', page)
    assert page.count('id="edit"') == 1 and 'Lengkapi formulir' in page
    page = _page(app, sent)
    assert _step_classes(page)["sent"] == "current"
    assert page.count("btn-primary btn-lg") == 1
    assert page.count('id="letter"') == 1 and page.count('id="rate"') <= 1
