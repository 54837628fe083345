"""The queue's counter (issue 26): an officer calls a ticket to their desk ("Loket 2"); the
ticket keeps it, the board and its JSON show "012 → Loket 2", and the officer's screen
remembers the counter so that it is typed once, not at every call.

"Today" is a day of its own per test (``day``), so every test starts with an empty queue, and
the officer is one of this module's own, so no other test inherits a remembered counter.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
import sqlalchemy as sa
from test_frontoffice import _flashes, fo_app, officer_grants  # noqa: F401 (fixtures)

from app import models as m
from app.frontoffice import queue as frontoffice
from app.offices import workdays

from conftest import OFFICE_X, PASSWORD, login

OFFICER = "petugas.loket"
_DAYS = itertools.count()


@pytest.fixture
def day(monkeypatch):
    """Today, for the queue: a day no other test queues on."""
    d = dt.date(2036, 2, 4) + dt.timedelta(days=7 * next(_DAYS))
    monkeypatch.setattr(workdays, "office_today", lambda: d)
    return d


@pytest.fixture(scope="module")
def officer(app, world):
    """An officer of office X that only this module uses (its counters stay here)."""
    from app.ops.bootstrap import create_user

    with app.app_context():
        sm = app.appbuilder.sm
        if sm.find_user(username=OFFICER) is None:
            create_user("Officer", OFFICER, "petugas.loket@rekomstat.test", PASSWORD,
                        office_code=OFFICE_X)
        return sm.find_user(username=OFFICER).id


def _queue(app, office_id, day, count) -> list[int]:
    with app.app_context():
        session = app.appbuilder.session
        ids = [frontoffice.take_ticket(session, office_id, day).id for _ in range(count)]
        session.commit()
    return ids


def _ticket(app, ticket_id) -> m.QueueTicket:
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        ticket = session.get(m.QueueTicket, ticket_id)
        session.expunge(ticket)
        return ticket


def _call(client, counter=None, *ids):
    """Press "call next" on the queue screen: with the counter field (its text), or without
    it (None: the list's action menu)."""
    _flashes(client)
    data = {"action": "call_next", "rowid": [str(i) for i in ids]}
    if counter is not None:
        data["counter"] = counter
    response = client.post("/queueticketview/action_post", data=data)
    assert response.status_code == 302, response.status_code
    return _flashes(client)


def _counter_field(client) -> str:
    page = client.get("/queueticketview/list/").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="queue-counter"[^>]*>', page, re.S)
    assert field, "no counter field next to the call button"
    return re.search(r'value="([^"]*)"', field.group(0)).group(1)


# --- The domain ------------------------------------------------------------------------------


def test_a_counters_name_is_tidied_and_bounded(app):
    with app.test_request_context():
        assert frontoffice.clean_counter("  Loket   2 ") == "Loket 2"
        assert frontoffice.clean_counter("") is None
        assert frontoffice.clean_counter("   ") is None
        assert frontoffice.clean_counter(None) is None
        assert frontoffice.clean_counter("x" * 20) == "x" * 20
        with pytest.raises(frontoffice.QueueError) as refused:
            frontoffice.clean_counter("Meja konsultasi nomor 12")  # 24 characters
        assert "20" in str(refused.value)
        # On the board: as typed; a bare number is named.
        assert frontoffice.counter_text("Meja 3") == "Meja 3"
        assert frontoffice.counter_text("2") == "Loket 2"
        assert frontoffice.counter_text(None) == ""


def test_call_next_records_the_counter(app, world, officer, day):
    x = world.offices[OFFICE_X]
    ids = _queue(app, x, day, 3)
    with app.app_context():
        session = app.appbuilder.session
        first = frontoffice.call_next(session, x, day, officer, counter=" Loket  2 ")
        session.commit()
        assert (first.id, first.counter, first.state) == (ids[0], "Loket 2", "called")
        assert frontoffice.last_counter(session, officer) == "Loket 2"
        second = frontoffice.call_next(session, x, day, officer)  # no counter named
        session.commit()
        assert second.counter is None
        assert frontoffice.last_counter(session, officer) == "Loket 2"  # the latest named
        # Too long: refused, nothing called.
        with pytest.raises(frontoffice.QueueError):
            frontoffice.call_next(session, x, day, officer, counter="y" * 21)
        session.rollback()
        assert frontoffice.last_counter(session, None) is None
    assert _ticket(app, ids[2]).state == "waiting"
    # Serving and finishing keep the counter the ticket was called to.
    with app.app_context():
        session = app.appbuilder.session
        frontoffice.move(session, ids[0], "serve", officer)
        session.commit()
    assert _ticket(app, ids[0]).counter == "Loket 2"


# --- The officer's screen --------------------------------------------------------------------


def test_the_officer_types_the_counter_once(app, world, officer, officer_grants, day):  # noqa: F811
    x = world.offices[OFFICE_X]
    ids = _queue(app, x, day, 6)
    client = login(app.test_client(), OFFICER)
    # Never called to a counter yet: an empty field beside the button.
    _counter_field(client)

    messages = _call(client, "Loket 2")
    assert messages == [("success", "Nomor 001 dipanggil ke Loket 2.")]
    assert _ticket(app, ids[0]).counter == "Loket 2"
    # Remembered: the field says so, and the next call (with the field, or from the list's
    # action menu without it) goes to the same counter.
    assert _counter_field(client) == "Loket 2"
    page = client.get("/queueticketview/list/").get_data(as_text=True)
    assert re.search(r'id="queue-now-counter">.*Loket 2', page, re.S)
    assert _call(client) == [("success", "Nomor 002 dipanggil ke Loket 2.")]
    assert _ticket(app, ids[1]).counter == "Loket 2"

    # A new login (another day, another browser): the counter of their latest call.
    again = login(app.test_client(), OFFICER)
    assert _counter_field(again) == "Loket 2"
    assert _call(again) == [("success", "Nomor 003 dipanggil ke Loket 2.")]

    # Moved to desk 3: typed once more, then remembered.
    _call(client, "3")
    assert _ticket(app, ids[3]).counter == "3"
    assert _counter_field(client) == "3"

    # Too long: refused with the reason, nothing called, the remembered counter kept.
    messages = _call(client, "Meja konsultasi nomor 12")
    assert [c for c, _ in messages] == ["danger"] and "20" in messages[0][1]
    assert _ticket(app, ids[4]).state == "waiting"
    assert _counter_field(client) == "3"

    # Emptied: no counter from now on (not the latest one again).
    assert _call(client, "  ") == [("success", "Nomor 005 dipanggil.")]
    assert _ticket(app, ids[4]).counter is None
    assert _counter_field(client) == ""
    _call(client)
    assert _ticket(app, ids[5]).counter is None


def test_the_queue_list_shows_the_counter(app, world, officer, officer_grants, day):  # noqa: F811
    x = world.offices[OFFICE_X]
    _queue(app, x, day, 1)
    client = login(app.test_client(), OFFICER)
    _call(client, "Loket 7")
    page = client.get("/queueticketview/list/").get_data(as_text=True)
    assert re.search(r"<td[^>]*>\s*Loket 7\s*</td>", page)


# --- The board -------------------------------------------------------------------------------


def test_the_board_shows_each_number_with_its_counter(fo_app, world, officer, day):  # noqa: F811
    x = world.offices[OFFICE_X]
    _queue(fo_app, x, day, 4)
    with fo_app.app_context():
        session = fo_app.appbuilder.session
        frontoffice.call_next(session, x, day, officer, counter="Loket 1")
        frontoffice.call_next(session, x, day, officer)  # an office with one desk: none
        frontoffice.call_next(session, x, day, officer, counter="2")
        session.commit()
    client = fo_app.test_client()
    html = client.get("/queue/board?office=1674").get_data(as_text=True)
    # Now: 003 to Loket 2, big, inside the block screen readers hear change.
    assert re.search(r'id="now-serving">\s*003\s*<', html)
    line = re.search(r'<p class="board-counter" id="now-counter-line"([^>]*)>(.*?)</p>', html,
                     re.S)
    assert "hidden" not in line.group(1)
    assert re.search(r'id="now-counter">\s*Loket 2\s*<', line.group(2))
    # Heard as "please go to Loket 2": the arrow is hidden from screen readers.
    assert re.search(r'<span aria-hidden="true">→ </span><span class="sr-only">silakan ke '
                     r'</span>', line.group(2))
    live = html[html.index('aria-live="polite"'):html.index('id="now-state"')]
    assert 'id="now-counter"' in live
    # The others, latest call first, each with its counter (none: an empty cell).
    also = html[html.index('id="also-called"'):html.index("</div>", html.index(
        'id="also-called"'))]
    assert re.findall(r"<span>(\d+)</span>", also) == ["002", "001"]
    cells = re.findall(r'<span class="board-call-counter">(.*?)</span>(?=<span>|\s*$)', also,
                       re.S)
    assert [re.sub(r"<[^>]+>|→|silakan ke", "", c).strip() for c in cells] == ["", "Loket 1"]

    state = client.get("/queue/board.json?office=1674").json
    assert state["now_serving"] == {"number": "003", "counter": "Loket 2", "state": "called",
                                    "state_label": "Dipanggil"}
    assert [(t["number"], t["counter"]) for t in state["called"]] == [
        ("003", "Loket 2"), ("002", ""), ("001", "Loket 1")]
    assert state["also_called"] == ["002", "001"]
    # Still nobody named: a counter is a desk, not a person.
    with fo_app.app_context():
        user = fo_app.appbuilder.session.get(m.RekomUser, officer)
        for name in filter(None, (user.username, user.first_name, user.last_name, user.email)):
            assert name not in str(state), name


def test_a_call_without_counter_hides_the_arrow(fo_app, world, officer, day):  # noqa: F811
    x = world.offices[OFFICE_X]
    _queue(fo_app, x, day, 1)
    with fo_app.app_context():
        session = fo_app.appbuilder.session
        frontoffice.call_next(session, x, day, officer)
        session.commit()
    html = fo_app.test_client().get("/queue/board?office=1674").get_data(as_text=True)
    assert re.search(r'id="now-counter-line" hidden>', html)
    assert fo_app.test_client().get("/queue/board.json?office=1674").json[
        "now_serving"]["counter"] == ""


def test_the_migration_adds_the_counter_column(app):
    """0023 follows 0022 and adds queue_ticket.counter, a String(20) that may be empty."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "migrations/versions/0023_queue_counter.py"
    spec = importlib.util.spec_from_file_location("migration_0023", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (module.revision, module.down_revision) == ("0023", "0022")
    with app.app_context():
        columns = {c["name"]: c for c in sa.inspect(app.appbuilder.session.get_bind())
                   .get_columns("queue_ticket")}
    assert columns["counter"]["nullable"] is True
    assert getattr(columns["counter"]["type"], "length", None) == 20
