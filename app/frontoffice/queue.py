"""Front office: the day's queue of each office (its public pages: frontoffice/pages.py).

Numbering. Tickets are numbered 1, 2, 3 … per office per day (the office's calendar day, WIB
by default: ``workdays.office_today``). A ticket is inserted with
``number = COALESCE(MAX(number), 0) + 1`` of its office and day, computed by the INSERT
itself, inside a SAVEPOINT; the unique constraint (office, day, number) is what guarantees
no duplicates: a kiosk that lost a race gets an IntegrityError, rolls back to its savepoint
(the caller's transaction stays usable) and tries again with the new maximum. No gaps either:
a number exists only as a committed row, and a rolled-back ticket leaves no hole behind a
committed one unless it was the last. On PostgreSQL the inserters of one office and day first
take a transaction-scoped advisory lock, so that several kiosks at once queue up instead of
colliding and retrying (the constraint and the retry stay the guarantee); SQLite serialises
writers anyway. No counter table (and no migration) is needed.

Counters. An officer calls a ticket to their desk, the *counter* ("Loket 2"): free text of
at most ``COUNTER_MAX`` characters, stored on the ticket when it is called and shown on the
board next to its number. The screen remembers the officer's counter (frontoffice/views.py);
``last_counter`` is the one they used last, for a new login.

Officers move tickets (``call_next``, ``move``) with conditional UPDATEs (``… WHERE state IN
(…)``), so two officers pressing "call next" at the same moment never call the same ticket.
The functions here take a session and ids, never the Flask request; the FAB actions are in
frontoffice/views.py.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.core.errors import DomainError
from app.models import QUEUE_STATES, QueueTicket
from app.offices import workdays

# Losing the race this many times in a row means something else is wrong (it is not load:
# every lost race means another kiosk's ticket was committed).
MAX_ATTEMPTS = 50

ACTIVE = ("called", "serving")
# action -> (states it may start from, state it leads to)
MOVES = {
    "serve": (("called",), "serving"),
    "done": (("called", "serving"), "done"),
    "no_show": (("called",), "no_show"),
}
WRONG_STATE = {
    "serve": _l("Only a called ticket can be served (now: %(state)s)."),
    "done": _l("Only a called or served ticket can be finished (now: %(state)s)."),
    "no_show": _l("Only a called ticket can be marked as no-show (now: %(state)s)."),
}


class QueueError(DomainError):
    """A queue step was refused; ``message`` says why (translated when shown)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message  # kept lazy: translated in the language of the page showing it

    def __str__(self) -> str:
        return str(self.message)


COUNTER_MAX = 20  # queue_ticket.counter is a String(20)


def today() -> dt.date:
    """The office's calendar day: the queue starts again at 1 every morning."""
    return workdays.office_today()


def display_number(number: int) -> str:
    """How a queue number is printed and shown: ``007``."""
    return f"{number:03d}"


def ticket_label(ticket: QueueTicket) -> str:
    """A ticket in a message to staff: ``24-11-2026 #007``."""
    return f"{ticket.service_date:%d-%m-%Y} #{display_number(ticket.number)}"


def clean_counter(text: str | None) -> str | None:
    """A counter as typed, spaces tidied: ``None`` when empty; ``QueueError`` when too long."""
    name = " ".join((text or "").split())
    if not name:
        return None
    if len(name) > COUNTER_MAX:
        raise QueueError(_l("A counter's name has at most %(num)d characters.",
                            num=COUNTER_MAX))
    return name


def counter_text(counter: str | None) -> str:
    """A counter as the board shows it: as typed ("Loket 2"); a bare number ("2") is named
    ("Counter 2", "Loket 2" in Indonesian)."""
    if not counter:
        return ""
    if counter.isdigit():
        return str(_l("Counter %(name)s", name=counter))
    return counter


def last_counter(session, user_id: int | None) -> str | None:
    """The counter this officer called their latest ticket to (any day), if any."""
    if user_id is None:
        return None
    return session.scalar(
        select(QueueTicket.counter)
        .where(QueueTicket.served_by_id == user_id, QueueTicket.counter.is_not(None),
               QueueTicket.called_at.is_not(None))
        .order_by(QueueTicket.called_at.desc(), QueueTicket.id.desc())
        .limit(1)
    )


# --- Numbering -----------------------------------------------------------------------------------


def _next_number(office_id: int, day: dt.date):
    """``COALESCE(MAX(number), 0) + 1`` of an office's day, as SQL the INSERT evaluates.

    An alias of the table, so the subquery never correlates with the INSERT's own table.
    """
    other = aliased(QueueTicket)
    return (
        select(func.coalesce(func.max(other.number), 0) + 1)
        .where(other.office_id == office_id, other.service_date == day)
        .scalar_subquery()
    )


def _is_duplicate(err: IntegrityError) -> bool:
    """The unique (office, day, number) constraint, not some other integrity error."""
    text = str(getattr(err, "orig", err)).lower()
    return "unique" in text or "duplicate" in text


def _serialize(session, office_id: int, day: dt.date) -> None:
    """PostgreSQL: make concurrent takers of one office's day wait for each other.

    Held until the caller's transaction ends. Only an optimisation: without it the unique
    constraint and the retry still give distinct consecutive numbers.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(
            func.hashtext(f"rekomstat.queue:{office_id}:{day.isoformat()}"))))


def _sqlite_transaction(session) -> None:
    """SQLite: make sure a real transaction is open before the first SAVEPOINT.

    The sqlite3 driver opens its transaction only before an INSERT/UPDATE/DELETE, so a
    SAVEPOINT issued first would open one of its own and its RELEASE would commit at once —
    the caller could no longer roll the ticket back. BEGIN IMMEDIATE also takes the write
    lock now, as the advisory lock does on PostgreSQL.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    raw = session.connection().connection.driver_connection
    if not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def number_ticket(session, ticket: QueueTicket, *, serialize: bool = True,
                  attempts: int = MAX_ATTEMPTS) -> QueueTicket:
    """Insert ``ticket`` (office and day set) with the next number of its office and day.

    Inside the caller's transaction, which the caller commits. Each try runs in a savepoint: a
    collision with a concurrent taker rolls back only that try, and the caller's
    transaction (earlier work included) stays usable.
    """
    _sqlite_transaction(session)
    if serialize:
        _serialize(session, ticket.office_id, ticket.service_date)
    for _attempt in range(attempts):
        ticket.number = _next_number(ticket.office_id, ticket.service_date)
        try:
            with session.begin_nested():
                session.add(ticket)
                session.flush()
        except IntegrityError as err:
            if not _is_duplicate(err):
                raise
            continue
        return ticket
    raise QueueError(_l("No queue number could be taken; please try again."))


def take_ticket(session, office_id: int, day: dt.date, **kwargs) -> QueueTicket:
    """A new waiting ticket with the next number of the office's day (caller commits)."""
    ticket = QueueTicket(office_id=office_id, service_date=day, state="waiting")
    return number_ticket(session, ticket, **kwargs)


# --- Officers' steps -----------------------------------------------------------------------------


def call_next(session, office_id: int, day: dt.date, user_id: int | None,
              counter: str | None = None) -> QueueTicket:
    """The lowest waiting ticket of the office's day becomes "called" to ``counter`` (the
    officer's desk, see ``clean_counter``; None: no counter named) (caller commits).

    ``QueueError`` when nobody is waiting. Two officers calling at once get two tickets: the
    UPDATE only takes a ticket that is still waiting, and the loser of a race takes the next.
    """
    counter = clean_counter(counter)
    table = QueueTicket.__table__
    for _attempt in range(MAX_ATTEMPTS):
        candidate = session.scalar(
            select(QueueTicket.id)
            .where(QueueTicket.office_id == office_id, QueueTicket.service_date == day,
                   QueueTicket.state == "waiting")
            .order_by(QueueTicket.number)
            .limit(1)
        )
        if candidate is None:
            raise QueueError(_l("No ticket is waiting today."))
        moved = session.execute(
            update(table)
            .where(table.c.id == candidate, table.c.state == "waiting")
            .values(state="called", called_at=workdays.utcnow(), served_by_id=user_id,
                    counter=counter)
        ).rowcount
        if moved == 1:
            return session.get(QueueTicket, candidate, populate_existing=True)
    raise QueueError(_l("The ticket was changed by someone else meanwhile; please try again."))


def move(session, ticket_id: int, action: str, user_id: int | None,
         office_id: int | None = None) -> QueueTicket:
    """``serve``, ``done`` or ``no_show`` one ticket (caller commits).

    ``office_id``: the only office whose tickets may be moved (None: any, for admins).
    Refusals raise ``QueueError`` and change nothing.
    """
    sources, target = MOVES[action]
    ticket = session.get(QueueTicket, ticket_id, populate_existing=True)
    if ticket is None:
        raise QueueError(_l("Ticket not found."))
    if office_id is not None and ticket.office_id != office_id:
        raise QueueError(_l("This ticket belongs to another office."))
    if ticket.state not in sources:
        raise QueueError(WRONG_STATE[action] % {
            "state": QUEUE_STATES.get(ticket.state, ticket.state)})
    table = QueueTicket.__table__
    values = {"state": target}
    now = workdays.utcnow()
    if action == "serve":
        values["served_by_id"] = user_id
    if target in ("done", "no_show"):
        values["finished_at"] = now
        if ticket.served_by_id is None:
            values["served_by_id"] = user_id
    moved = session.execute(
        update(table)
        .where(table.c.id == ticket.id, table.c.state.in_(sources))
        .values(**values)
    ).rowcount
    if moved != 1:
        raise QueueError(_l("The ticket was changed by someone else meanwhile; please try "
                            "again."))
    return session.get(QueueTicket, ticket.id, populate_existing=True)


def board_state(session, office_id: int, day: dt.date, shown: int = 4) -> dict:
    """What the board shows: the tickets called or being served (latest call first) and how
    many are waiting."""
    current = session.scalars(
        select(QueueTicket)
        .where(QueueTicket.office_id == office_id, QueueTicket.service_date == day,
               QueueTicket.state.in_(ACTIVE))
        .order_by(QueueTicket.called_at.desc(), QueueTicket.id.desc())
        .limit(shown)
    ).all()
    waiting = session.scalar(
        select(func.count(QueueTicket.id))
        .where(QueueTicket.office_id == office_id, QueueTicket.service_date == day,
               QueueTicket.state == "waiting")
    )
    return {"current": current, "waiting": waiting or 0}
