"""Front office: queue numbers per office per day (8 kiosks at once on PostgreSQL), the kiosk
and its printable ticket, the board, the officers' queue actions (scoped to their office) and
the guest book's CSV export.

"Today" is patched to a day of its own for each test (``day`` fixture), far from the days
other tests put tickets on, so every test starts with an empty queue.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import multiprocessing as mp
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.orm import Session

from app import models as m
from app.frontoffice import queue as frontoffice
from app.frontoffice.queue import take_ticket
from app.offices import workdays

import screen_forms as sf
from conftest import OFFICE_X, OFFICE_Y, app_config, database_url, is_postgres

QUEUE_ACTIONS = ("call_next", "serve", "done", "no_show")
_DAYS = itertools.count()


def fresh_day() -> dt.date:
    """A day no other test (nor another test of this module) queues on."""
    return dt.date(2031, 1, 6) + dt.timedelta(days=7 * next(_DAYS))  # a week apart


@pytest.fixture
def day(monkeypatch):
    """Today, for the queue: a fresh day."""
    d = fresh_day()
    monkeypatch.setattr(workdays, "office_today", lambda: d)
    return d


def _with_queue(application):
    from app.frontoffice.pages import bp

    if "queue" not in application.blueprints:
        application.register_blueprint(bp)
    return application


@pytest.fixture(scope="module")
def fo_app(app, world):
    """The app with the public queue pages. Until create_app registers the blueprint, a second
    app on the same database (Flask refuses new blueprints once an app served a request)."""
    if "queue" in app.blueprints:
        return app
    from app import create_app

    return _with_queue(create_app(app_config()))


@pytest.fixture(scope="module")
def officer_grants(app, world):
    """The Officer role's queue actions, granted for this module if the matrix does not yet
    (auth/security.py's OFFICE_VIEWS names them); taken back afterwards."""
    added = []
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role("Officer")
        for name in QUEUE_ACTIONS:
            pv = sm.find_permission_view_menu(name, "QueueTicketView")
            assert pv is not None, f"no permission {name} on QueueTicketView"
            if pv not in role.permissions:
                sm.add_permission_role(role, pv)
                added.append(name)
    yield added
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role("Officer")
        for name in added:
            sm.del_permission_role(role, sm.find_permission_view_menu(name, "QueueTicketView"))


def _tickets(app, office_id, day):
    with app.app_context():
        session = app.appbuilder.session
        return session.scalars(
            sa.select(m.QueueTicket)
            .where(m.QueueTicket.office_id == office_id, m.QueueTicket.service_date == day)
            .order_by(m.QueueTicket.number)
        ).all()


def _queue(app, office_id, day, count) -> list[int]:
    with app.app_context():
        session = app.appbuilder.session
        ids = [take_ticket(session, office_id, day).id for _ in range(count)]
        session.commit()
    return ids


def _state(app, ticket_id) -> m.QueueTicket:
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        ticket = session.get(m.QueueTicket, ticket_id)
        session.expunge(ticket)
        return ticket


def _set(app, ticket_id, **values):
    with app.app_context():
        session = app.appbuilder.session
        ticket = session.get(m.QueueTicket, ticket_id)
        for key, value in values.items():
            setattr(ticket, key, value)
        session.commit()


def _flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as sess:
        return sess.pop("_flashes", [])


def _act(client, action, *ids, status=302):
    _flashes(client)
    response = client.post("/queueticketview/action_post",
                           data={"action": action, "rowid": [str(i) for i in ids]})
    assert response.status_code == status, response.status_code
    return _flashes(client)


# --- Numbering -----------------------------------------------------------------------------------


def test_numbers_count_per_office_and_per_day_without_gaps(app, world):
    x, y = world.offices[OFFICE_X], world.offices[OFFICE_Y]
    d1, d2 = fresh_day(), fresh_day()
    with app.app_context():
        session = app.appbuilder.session
        taken = [
            (code, d, take_ticket(session, office, d).number)
            for code, office, d in (
                ("x", x, d1), ("x", x, d1), ("y", y, d1), ("x", x, d2), ("x", x, d1),
                ("y", y, d2), ("y", y, d1),
            )
        ]
        session.commit()
        assert [n for *_, n in taken] == [1, 2, 1, 1, 3, 1, 2]
        # A ticket taken in a transaction that fails gives its number back: no gap.
        assert take_ticket(session, x, d1).number == 4
        session.rollback()
        again = take_ticket(session, x, d1)
        assert (again.number, again.state, again.service_date) == (4, "waiting", d1)
        session.commit()
    assert [t.number for t in _tickets(app, x, d1)] == [1, 2, 3, 4]
    assert [t.number for t in _tickets(app, y, d1)] == [1, 2]
    assert [t.number for t in _tickets(app, x, d2)] == [1]


def test_a_lost_race_is_retried_in_a_savepoint_keeping_the_callers_work(app, world,
                                                                        monkeypatch):
    """The INSERT that collides (here: forced, as if another kiosk took the number between)
    rolls back to its savepoint only; the next try takes the next number."""
    x = world.offices[OFFICE_X]
    d = fresh_day()
    real = frontoffice._next_number
    tries = []

    def first_stale(office_id, day):
        tries.append(day)
        return sa.literal(1) if len(tries) == 1 else real(office_id, day)

    with app.app_context():
        session = app.appbuilder.session
        take_ticket(session, x, d)
        session.commit()
        earlier = m.GuestBookEntry(office_id=x, name="Tamu sebelum antrean")
        session.add(earlier)
        session.flush()
        monkeypatch.setattr(frontoffice, "_next_number", first_stale)
        ticket = take_ticket(session, x, d)
        assert ticket.number == 2 and len(tries) == 2
        session.commit()
        assert session.get(m.GuestBookEntry, earlier.id) is not None
    assert [t.number for t in _tickets(app, x, d)] == [1, 2]


def _take_one(args):
    url, office_id, day, serialize, barrier = args
    engine = sa.create_engine(url)
    try:
        barrier.wait(timeout=30)  # every kiosk presses at the same moment
        with Session(engine) as session, session.begin():
            ticket = take_ticket(session, office_id, day, serialize=serialize)
            number = ticket.number
            # Hold the transaction a little, as a real request (page, commit) would.
            session.execute(sa.text("SELECT pg_sleep(0.05)"))
        return number
    finally:
        engine.dispose()


@pytest.mark.skipif(not is_postgres(), reason="concurrent writers across processes: PostgreSQL")
@pytest.mark.parametrize("serialize", [True, False], ids=["advisory-lock", "retry-only"])
def test_eight_kiosks_at_once_get_eight_consecutive_numbers(app, world, serialize):
    """With the advisory lock (the default) and without it (only the unique constraint and
    the retry): 8 processes, 8 distinct numbers 1…8, 8 rows."""
    office_id = world.offices[OFFICE_X]
    d = fresh_day()
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(8)
        with ctx.Pool(8) as pool:
            numbers = pool.map(_take_one, [(database_url(), office_id, d, serialize, barrier)] * 8)
    assert sorted(numbers) == list(range(1, 9))
    assert [t.number for t in _tickets(app, office_id, d)] == list(range(1, 9))


# --- Kiosk, ticket, board ------------------------------------------------------------------------


def _pdf_text(data: bytes) -> tuple[str, float]:
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    return "\n".join(p.extract_text() for p in reader.pages), float(page.mediabox.width)


def test_the_kiosk_takes_a_number_and_prints_it(fo_app, world, day):
    client = fo_app.test_client()
    page = client.get("/queue/?office=1674")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "BPS Kota Lubuklinggau" in html
    assert 'name="csrf_token"' in html and 'method="post"' in html
    # It reloads itself when idle: one script of our own, none inline, and a refresh without it.
    assert re.findall(r"<script[^>]*>", html) == [
        re.search(r'<script src="[^"]*auto_reload\.js"[^>]*>', html).group(0)]
    assert '<noscript><meta http-equiv="refresh"' in html

    taken = client.post("/queue/", data={"office": OFFICE_X})
    assert taken.status_code == 303
    ticket_id = int(re.search(r"/queue/ticket/(\d+)$", taken.headers["Location"]).group(1))
    ticket = _state(fo_app, ticket_id)
    assert (ticket.office_id, ticket.service_date, ticket.number, ticket.state) == (
        world.offices[OFFICE_X], day, 1, "waiting")

    shown = client.get(f"/queue/ticket/{ticket_id}").get_data(as_text=True)
    assert 'id="ticket-number">001<' in shown
    assert f"/queue/ticket/{ticket_id}.pdf" in shown

    pdf = client.get(f"/queue/ticket/{ticket_id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text, width = _pdf_text(pdf.data)
    assert "001" in text and "BPS Kota Lubuklinggau" in text
    assert str(day.year) in text
    assert abs(width - 80 / 25.4 * 72) < 1  # 80 mm wide: a receipt printer's slip

    # The next visitor gets the next number; the default office is OFFICE_CODE (1674).
    second = client.post("/queue/", data={})
    assert second.status_code == 303
    assert [t.number for t in _tickets(fo_app, world.offices[OFFICE_X], day)] == [1, 2]
    # Another office counts on its own.
    client.post("/queue/?office=1671")
    assert [t.number for t in _tickets(fo_app, world.offices[OFFICE_Y], day)] == [1]


def test_unknown_offices_and_tickets_are_not_found(fo_app, world, day):
    client = fo_app.test_client()
    assert client.get("/queue/?office=0000").status_code == 404
    assert client.post("/queue/", data={"office": "0000"}).status_code == 404
    assert client.get("/queue/board?office=" + "9" * 200).status_code == 404
    assert client.get("/queue/ticket/999999999").status_code == 404
    assert client.get("/queue/ticket/999999999.pdf").status_code == 404


def test_the_kiosk_refuses_a_post_without_csrf_token(app, world, day):
    from app import create_app

    guarded = _with_queue(create_app({**app_config(), "WTF_CSRF_ENABLED": True}))
    client = guarded.test_client()
    x = world.offices[OFFICE_X]
    assert client.post("/queue/", data={"office": OFFICE_X}).status_code == 400
    assert _tickets(app, x, day) == []
    html = client.get("/queue/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/queue/",
                       data={"office": OFFICE_X, "csrf_token": token}).status_code == 303
    assert [t.number for t in _tickets(app, x, day)] == [1]


def test_the_board_shows_the_called_number_and_the_waiting_count(fo_app, world, wf, day):
    x = world.offices[OFFICE_X]
    ids = _queue(fo_app, x, day, 5)
    with fo_app.app_context():
        session = fo_app.appbuilder.session
        first = frontoffice.call_next(session, x, day, wf["officer_x"]).id
        session.commit()
        frontoffice.move(session, first, "serve", wf["officer_x"])
        session.commit()
        second = frontoffice.call_next(session, x, day, wf["officer_x2"]).id
        session.commit()
    assert (first, second) == (ids[0], ids[1])

    page = fo_app.test_client().get("/queue/board?office=1674")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    # Scripts off: the page reloads itself; on: only the board's own file (issue 26), no inline.
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert '<script src="/static/queue_board.js" defer>' in scripts
    assert all(re.search(r'src="/static/', tag) for tag in scripts), scripts
    assert re.search(r'id="now-serving">\s*002\s*<', html)  # the latest call
    assert re.search(r'id="also-called">\s*<span>001</span>', html)  # still being served
    assert re.search(r'id="waiting">\s*3\s*<', html)

    # The other office's board knows nothing of these.
    other = fo_app.test_client().get("/queue/board?office=1671").get_data(as_text=True)
    assert re.search(r'id="now-serving">\s*—\s*<', other)
    assert re.search(r'id="waiting">\s*0\s*<', other)

    # Done and no-show leave the board; the kiosk page counts who is waiting.
    with fo_app.app_context():
        session = fo_app.appbuilder.session
        frontoffice.move(session, ids[0], "done", wf["officer_x"])
        frontoffice.move(session, ids[1], "no_show", wf["officer_x2"])
        session.commit()
    html = fo_app.test_client().get("/queue/board").get_data(as_text=True)
    assert re.search(r'id="now-serving">\s*—\s*<', html)
    kiosk = fo_app.test_client().get("/queue/").get_data(as_text=True)
    assert re.search(r'id="waiting">\s*3 ', kiosk)


# --- Officers' actions ---------------------------------------------------------------------------


def test_officer_calls_the_lowest_waiting_ticket_of_their_office(app, world, wf, clients,
                                                                 officer_grants, day):
    x, y = world.offices[OFFICE_X], world.offices[OFFICE_Y]
    y_ids = _queue(app, y, day, 1)
    x_ids = _queue(app, x, day, 3)
    yesterday = day - dt.timedelta(days=1)
    old = _queue(app, x, yesterday, 1)  # left over from yesterday: never called today
    client = clients["officer_x"]

    messages = _act(client, "call_next")
    assert [c for c, _ in messages] == ["success"] and "001" in messages[0][1]
    called = _state(app, x_ids[0])
    assert (called.state, called.served_by_id) == ("called", wf["officer_x"])
    assert called.called_at is not None
    assert [_state(app, i).state for i in x_ids[1:] + old + y_ids] == ["waiting"] * 4

    # Selecting another office's ticket: it is not even found (rows of an action are loaded
    # within the officer's office), and nothing changes.
    _act(client, "call_next", y_ids[0], status=404)
    assert _state(app, x_ids[1]).state == "waiting"
    assert _state(app, y_ids[0]).state == "waiting"

    _act(client, "call_next")
    _act(client, "call_next")
    messages = _act(client, "call_next")  # nobody waits any more
    assert [c for c, _ in messages] == ["warning"]
    assert [_state(app, i).state for i in x_ids] == ["called"] * 3
    assert _state(app, old[0]).state == "waiting" and _state(app, y_ids[0]).state == "waiting"


def test_queue_steps_land_back_on_the_queue_not_the_screen_before(app, world, clients,
                                                                  officer_grants, day):
    """Issue 19: FAB's get_redirect goes one page back in the history, so "call next" pressed
    on the queue landed on whatever list was open before it (e.g. the complaints)."""
    x = world.offices[OFFICE_X]
    ids = _queue(app, x, day, 3)
    client = clients["officer_x"]
    assert client.get("/complaintview/list/").status_code == 200
    queue = "/queueticketview/list/?_oc_QueueTicketView=number"
    assert client.get(queue).status_code == 200

    def lands(action, *rowids):
        _flashes(client)
        response = client.post("/queueticketview/action_post",
                               data={"action": action, "rowid": [str(i) for i in rowids]})
        assert response.status_code == 302
        return response.headers["Location"]

    # Back on the queue page the button was pressed on, its sorting kept.
    assert lands("call_next").endswith(queue)
    assert lands("serve", ids[0]).endswith(queue)
    assert lands("done", ids[0]).endswith(queue)
    assert _state(app, ids[0]).state == "done"
    # Pressed on a ticket's page: back on that page.
    assert client.get(f"/queueticketview/show/{ids[1]}").status_code == 200
    lands("call_next")
    assert client.post(f"/queueticketview/action/no_show/{ids[1]}").headers[
        "Location"].endswith(f"/queueticketview/show/{ids[1]}")
    # Nothing of the queue in the history (e.g. another tab): the queue list.
    client.get("/complaintview/list/")
    assert lands("call_next").endswith("/queueticketview/list/")


def test_serve_done_no_show_move_only_from_the_right_states(app, world, clients,
                                                            officer_grants, day):
    x = world.offices[OFFICE_X]
    waiting, called, serving, done, gone = _queue(app, x, day, 5)
    now = dt.datetime(2031, 1, 1, 2, 0)
    _set(app, called, state="called", called_at=now)
    _set(app, serving, state="serving", called_at=now)
    _set(app, done, state="done", called_at=now, finished_at=now)
    _set(app, gone, state="no_show", called_at=now, finished_at=now)
    client = clients["officer_x"]
    before = {i: _state(app, i) for i in (waiting, called, serving, done, gone)}

    def unchanged(ticket_id):
        a, b = before[ticket_id], _state(app, ticket_id)
        return (a.state, a.called_at, a.finished_at, a.served_by_id) == (
            b.state, b.called_at, b.finished_at, b.served_by_id)

    # Refused: each ticket named with its reason, nothing changed.
    for action, refused in (
        ("serve", (waiting, serving, done, gone)),
        ("done", (waiting, done, gone)),
        ("no_show", (waiting, serving, done, gone)),
    ):
        messages = _act(client, action, *refused)
        assert [c for c, _ in messages] == ["danger"] * len(refused), (action, messages)
        for ticket_id, (_, text) in zip(refused, messages):
            assert f"#{_state(app, ticket_id).number:03d}" in text
        assert all(unchanged(i) for i in before), action

    # Allowed.
    assert [c for c, _ in _act(client, "serve", called)] == ["success"]
    ticket = _state(app, called)
    assert ticket.state == "serving" and ticket.served_by_id == world.users["officer_x"]
    assert [c for c, _ in _act(client, "done", called)] == ["success"]
    ticket = _state(app, called)
    assert ticket.state == "done" and ticket.finished_at is not None

    # Several at once: those that may move do, the others are named.
    _set(app, waiting, state="called", called_at=now)
    messages = _act(client, "done", serving, done, waiting)
    assert sorted(c for c, _ in messages) == ["danger", "success"]
    assert (_state(app, serving).state, _state(app, waiting).state) == ("done", "done")
    assert unchanged(done)

    another = _queue(app, x, day, 1)[0]
    _set(app, another, state="called", called_at=now)
    # The show page's action URL (POST) works as well.
    _flashes(client)
    assert client.post(f"/queueticketview/action/no_show/{another}").status_code == 302
    ticket = _state(app, another)
    assert ticket.state == "no_show" and ticket.finished_at is not None


def test_an_officer_cannot_move_another_offices_ticket(app, world, clients, officer_grants, day):
    y = world.offices[OFFICE_Y]
    ticket_id = _queue(app, y, day, 1)[0]
    _set(app, ticket_id, state="called", called_at=dt.datetime(2031, 1, 1, 2, 0))
    client = clients["officer_x"]
    for action in ("serve", "done", "no_show"):
        # Another office's ticket is not found by the officer's screen: nothing named, nothing
        # moved.
        messages = _act(client, action, ticket_id, status=404)
        assert messages == []
        assert client.post(f"/queueticketview/action/{action}/{ticket_id}").status_code == 404
        assert _state(app, ticket_id).state == "called"
    # The officer of that office may.
    _act(clients["officer_y"], "serve", ticket_id)
    assert _state(app, ticket_id).state == "serving"


def test_admin_acts_in_every_office_and_heads_in_none(app, world, clients, day):
    x, y = world.offices[OFFICE_X], world.offices[OFFICE_Y]
    x_ids, y_ids = _queue(app, x, day, 2), _queue(app, y, day, 2)
    admin = clients["admin"]
    # Nothing selected: the admin's own office; a ticket selected: that ticket's office.
    _act(admin, "call_next")
    _act(admin, "call_next", y_ids[1])
    assert [_state(app, i).state for i in x_ids + y_ids] == ["called", "waiting", "called",
                                                            "waiting"]
    assert [c for c, _ in _act(admin, "serve", x_ids[0], y_ids[0])] == ["success"]
    assert [c for c, _ in _act(admin, "done", x_ids[0], y_ids[0])] == ["success"]
    assert [_state(app, i).state for i in (x_ids[0], y_ids[0])] == ["done", "done"]

    # The head reads the queue but takes no step: FAB refuses the action itself.
    head = clients["head_x"]
    _act(head, "call_next")
    _act(head, "no_show", x_ids[1])
    assert _state(app, x_ids[1]).state == "waiting"


def test_officer_queue_screen_and_a_ticket_taken_at_the_desk(app, world, clients,
                                                             officer_grants, day):
    x = world.offices[OFFICE_X]
    _queue(app, x, day, 2)
    client = clients["officer_x"]
    page = client.get("/queueticketview/list/").get_data(as_text=True)
    assert 'id="call-next"' in page and 'value="call_next"' in page
    assert re.search(r'id="queue-waiting">\s*2\s*<', page)
    # The add form takes today's next number of the officer's own office.
    response = client.post("/queueticketview/add", data={"office": x})
    assert response.status_code == 302
    assert [(t.number, t.state) for t in _tickets(app, x, day)] == [
        (1, "waiting"), (2, "waiting"), (3, "waiting")]
    # Heads see the screen without the button.
    page = clients["head_x"].get("/queueticketview/list/").get_data(as_text=True)
    assert 'id="queue-today"' in page and 'id="call-next"' not in page


# --- Guest book export ---------------------------------------------------------------------------


def _wib(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A WIB (UTC+7) clock time, as the naive UTC the table stores."""
    return dt.datetime.combine(day, dt.time(hour, minute)) - dt.timedelta(hours=7)


@pytest.fixture
def guests(app, world):
    """Visits around one day D, in both offices (names carry the test's tag)."""
    d = fresh_day()
    x, y = world.offices[OFFICE_X], world.offices[OFFICE_Y]
    with app.app_context():
        session = app.appbuilder.session
        ticket = take_ticket(session, x, d)
        rows = [
            m.GuestBookEntry(office_id=x, visited_at=_wib(d - dt.timedelta(days=1), 23),
                             name="Kemarin Malam"),
            m.GuestBookEntry(office_id=x, visited_at=_wib(d, 6, 30), name="Pagi Sekali",
                             ticket_id=ticket.id, id_doc_type="ktp",
                             id_doc_number="1674010101010001",
                             agency="Dinas Kesehatan Kota Lubuklinggau",
                             phone="+62 733 323693", email="pagi@dinkes.test",
                             purpose="Konsultasi rekomendasi"),
            m.GuestBookEntry(office_id=x, visited_at=_wib(d, 15), name="=HYPERLINK(\"x\")",
                             id_doc_type="paspor"),
            m.GuestBookEntry(office_id=x, visited_at=_wib(d + dt.timedelta(days=1), 0, 10),
                             name="Besok Dini Hari"),
            m.GuestBookEntry(office_id=y, visited_at=_wib(d, 9), name="Tamu Palembang"),
        ]
        session.add_all(rows)
        session.commit()
    return d


def _export(client, **params):
    return client.get("/guestbookentryview/export", query_string=params)


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_guest_book_export_by_date_for_the_officers_office(clients, guests):
    d = guests
    response = _export(clients["officer_x"], start=d.isoformat(), end=d.isoformat())
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = _rows(response)
    assert header[:4] == ["Waktu kunjungan", "Kantor", "Nomor antrean", "Nama"]
    assert "Nomor dokumen identitas" in header and "Keperluan kunjungan" in header
    assert [r[3] for r in rows] == ["Pagi Sekali", "'=HYPERLINK(\"x\")"]
    first = dict(zip(header, rows[0]))
    assert first["Waktu kunjungan"] == f"{d.isoformat()} 06:30"  # the office's clock (WIB)
    assert first["Nomor antrean"] == "001"
    assert first["Dokumen identitas"] == "Kartu Tanda Penduduk (KTP)" or first[
        "Dokumen identitas"].endswith("(KTP)")
    assert first["Nomor dokumen identitas"] == "1674••••••••0001"  # masked (issue 25)
    assert first["Telepon"] == "+62 733 323693"  # a phone number is not a formula

    next_day = (d + dt.timedelta(days=1)).isoformat()
    _, *rows = _rows(_export(clients["officer_x"], start=d.isoformat(), end=next_day))
    assert [r[3] for r in rows] == ["Pagi Sekali", "'=HYPERLINK(\"x\")", "Besok Dini Hari"]
    # The head of the office reads it too; the other office's officer sees only theirs.
    _, *rows = _rows(_export(clients["head_x"], start=d.isoformat(), end=d.isoformat()))
    assert len(rows) == 2
    _, *rows = _rows(_export(clients["officer_y"], start=d.isoformat(), end=next_day))
    assert [r[3] for r in rows] == ["Tamu Palembang"]


def test_guest_book_export_admin_and_refusals(clients, guests):
    d = guests.isoformat()
    _, *rows = _rows(_export(clients["admin"], start=d, end=d))
    assert sorted(r[3] for r in rows) == sorted(
        ["Pagi Sekali", "'=HYPERLINK(\"x\")", "Tamu Palembang"])
    _, *rows = _rows(_export(clients["admin"], start=d, end=d, office=OFFICE_Y))
    assert [r[3] for r in rows] == ["Tamu Palembang"]

    officer = clients["officer_x"]
    for bad in ({"start": "24-11-2026"}, {"start": d, "end": "2000-01-01"},
                {"start": "2031-02-30"}):
        response = _export(officer, **bad)
        assert response.status_code == 302 and "/guestbookentryview/list/" in response.headers[
            "Location"]
    assert clients["applicant_a"].get(f"/guestbookentryview/export?start={d}").status_code == 403
    anonymous = clients[None].get(f"/guestbookentryview/export?start={d}")
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]


def test_guest_book_list_offers_the_export_and_more_search_columns(clients):
    page = clients["officer_x"].get("/guestbookentryview/list/").get_data(as_text=True)
    assert 'id="guestbook-export"' in page and "/guestbookentryview/export" in page


def test_guest_book_form_offers_a_labelled_empty_choice(app, world, clients):
    """Issue 19: FAB's blank option of an optional select read "__None" (WTForms shows the
    value of an option without a label)."""
    client = clients["officer_x"]
    pk = world.rows[("GuestBookEntryView", OFFICE_X)]
    page = client.get("/guestbookentryview/add").get_data(as_text=True)
    select = page[page.index('id="ticket"'):]
    select = select[: select.index("</select>")]
    assert re.search(r'<option[^>]*value="__None"[^>]*>— tanpa nomor antrean —</option>',
                     select), select
    for url in ("/guestbookentryview/add", f"/guestbookentryview/edit/{pk}"):
        page = client.get(url).get_data(as_text=True)
        assert ">__None<" not in page
        # The request is typed as its tracking code (web/lookups.py): no list to leave empty.
        assert '<input class="form-control" id="request" name="request"' in page


def test_a_guest_is_linked_to_one_of_todays_tickets_and_keeps_it(app, world, clients, day):
    """The add form offers the office's tickets of today only (every ticket ever issued grew
    by thousands a year); another day's or office's ticket, forged into the form, is refused
    and nothing stored; an edit keeps the entry's ticket (not on the edit form)."""
    x, y = world.offices[OFFICE_X], world.offices[OFFICE_Y]
    today = _queue(app, x, day, 2)
    earlier = _queue(app, x, day - dt.timedelta(days=1), 1)
    theirs = _queue(app, y, day, 1)
    client = clients["officer_x"]
    page = client.get("/guestbookentryview/add").get_data(as_text=True)
    select = page[page.index('id="ticket"'):]
    select = select[: select.index("</select>")]
    offered = set(re.findall(r'<option[^>]*value="(\d+)"', select))
    assert offered == {str(t) for t in today}, select
    form, _ = sf.parse(page)
    # What the browser sends untouched, then what the officer types.
    base = {**sf.browser_data(form), "name": "Tamu Antrean", "phone": "0812",
            "purpose": "Konsultasi", "request": ""}
    base.pop("ticket", None)
    for forged in (earlier[0], theirs[0]):
        r = client.post("/guestbookentryview/add", data={**base, "ticket": str(forged)})
        assert r.status_code == 200 and "Tamu Antrean" in r.get_data(as_text=True)
    with app.app_context():
        session = app.appbuilder.session
        assert session.scalar(sa.select(sa.func.count(m.GuestBookEntry.id)).where(
            m.GuestBookEntry.name == "Tamu Antrean")) == 0
        session.remove()
    r = client.post("/guestbookentryview/add", data={**base, "ticket": str(today[1])})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    with app.app_context():
        session = app.appbuilder.session
        entry = session.scalars(sa.select(m.GuestBookEntry).where(
            m.GuestBookEntry.name == "Tamu Antrean")).one()
        assert entry.ticket_id == today[1]
        entry_id = entry.id
        session.remove()
    # The next day the entry is corrected: its ticket stays.
    page = client.get(f"/guestbookentryview/edit/{entry_id}").get_data(as_text=True)
    assert 'id="ticket"' not in page
    form, _ = sf.parse(page)
    r = client.post(f"/guestbookentryview/edit/{entry_id}",
                    data={**sf.browser_data(form), "phone": "0813"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    with app.app_context():
        session = app.appbuilder.session
        entry = session.get(m.GuestBookEntry, entry_id)
        assert (entry.phone, entry.ticket_id) == ("0813", today[1])
        session.remove()
