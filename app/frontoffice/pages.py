"""The front office's public pages (blueprint ``queue``), on the queue of frontoffice/queue.py.

Public pages (no login):

- ``GET /queue/?office=<code>``: the "take a number" page for a kiosk (default office:
  ``OFFICE_CODE``); ``POST /queue/`` takes a ticket and redirects to its page;
- ``GET /queue/ticket/<id>``: the number just taken, with the printable ticket
  ``GET /queue/ticket/<id>.pdf`` (80 mm wide, for a receipt printer). A ticket shows only an
  office, a date and a number — nothing personal — so serving it by its id is acceptable;
- ``GET /queue/board?office=<code>``: the display in the waiting room: the number called now,
  the others still at the desk, the waiting count. Its script (static/queue_board.js) asks
  ``GET /queue/board.json?office=<code>`` every few seconds and changes the numbers in place;
  without scripts, a ``<meta http-equiv="refresh">`` in ``<noscript>`` reloads the page. The
  JSON holds what the board shows — numbers, states and the counter each number is called to
  ("012 → Loket 2"), never who serves or who waits.
"""
from __future__ import annotations

import datetime as dt
import io

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.transactions import app_session as _session
from app.core.transactions import unit_of_work
from app.frontoffice.queue import (
    board_state,
    counter_text,
    display_number,
    take_ticket,
    today,
)
from app.letters import document as letters
from app.models import QUEUE_STATES, Office, QueueTicket

bp = Blueprint("queue", __name__, url_prefix="/queue")

# Seconds between reloads of the board; the kiosk page reloads (fresh CSRF token) now and then.
BOARD_REFRESH = 5
KIOSK_REFRESH = 600
TICKET_PAGE_BACK = 30  # seconds the number stays on the kiosk's screen


def _find_office(code: str | None = None) -> Office | None:
    """The office named by ``?office=<code>`` (or the form), else the default office."""
    code = (code or request.values.get("office") or current_app.config.get("OFFICE_CODE")
            or "").strip()
    if not code or len(code) > 10:
        return None
    return _session().scalars(
        select(Office).where(Office.code == code, Office.active.is_(True))
    ).first()


def _office(code: str | None = None) -> Office:
    """``_find_office``, or 404."""
    office = _find_office(code)
    if office is None:
        abort(404)
    return office


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _template_globals(day: dt.date) -> dict:
    return {"day_text": format_date(day, "full"), "number": display_number,
            "counter": counter_text, "states": QUEUE_STATES}


@bp.route("/", methods=["GET", "POST"])
def kiosk():
    """Take a number (a kiosk, or the officer at the desk). The form carries the CSRF token."""
    office = _office()
    session = _session()
    day = today()
    if request.method == "POST":
        with unit_of_work(session):
            ticket = take_ticket(session, office.id, day)
        # Post/redirect/get: reloading the result page never takes a second number.
        return redirect(url_for(".ticket", ticket_id=ticket.id), code=303)
    state = board_state(session, office.id, day)
    return _no_store(make_response(render_template(
        "queue/kiosk.html", office=office, waiting=state["waiting"],
        refresh=KIOSK_REFRESH, **_template_globals(day))))


def _ticket_or_404(ticket_id: int) -> QueueTicket:
    ticket = _session().get(QueueTicket, ticket_id)
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/ticket/<int:ticket_id>")
def ticket(ticket_id: int):
    """The number just taken, a link to print it, and back to the kiosk after a while."""
    item = _ticket_or_404(ticket_id)
    back = url_for(".kiosk", office=item.office.code)
    return _no_store(make_response(render_template(
        "queue/ticket.html", ticket=item, office=item.office, back=back,
        back_after=TICKET_PAGE_BACK, **_template_globals(item.service_date))))


@bp.get("/ticket/<int:ticket_id>.pdf")
def ticket_pdf(ticket_id: int):
    """The printable ticket: office, date, the big number, "please wait to be called"."""
    item = _ticket_or_404(ticket_id)
    html = render_template(
        "queue/ticket_pdf.html", ticket=item, office=item.office,
        taken_text=_local_time_text(item.created_at), **_template_globals(item.service_date))
    pdf = letters.render_pdf(html)
    name = (f"antrean-{item.office.code}-{item.service_date:%Y%m%d}-"
            f"{display_number(item.number)}.pdf")
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=name,
                     as_attachment=False)


def _local_time_text(stamp: dt.datetime | None) -> str:
    """A stored (naive UTC) timestamp as the office's clock time, e.g. ``08.15``."""
    if stamp is None:
        return ""
    return format_time(stamp, "short")  # flask-babel: naive = UTC, shown in the office's zone


@bp.get("/board")
def board():
    """The waiting room's display: the number called now and how many are waiting."""
    office = _office()
    day = today()
    state = board_state(_session(), office.id, day)
    return _no_store(make_response(render_template(
        "queue/board.html", office=office, current=state["current"], waiting=state["waiting"],
        refresh=BOARD_REFRESH, **_template_globals(day))))


def board_payload(office: Office, day: dt.date, state: dict) -> dict:
    """What the board shows, for its script: numbers as printed, states as the page words
    them, the counter each is called to ("Loket 2", "" when none was named). Nothing about
    people (no officer, no visitor).

    ``now_serving``: the latest call; ``called``: every ticket shown, latest call first (the
    first is ``now_serving``); ``also_called``: the numbers of the others."""
    current = [{"number": display_number(t.number), "counter": counter_text(t.counter),
                "state": t.state, "state_label": str(QUEUE_STATES.get(t.state, t.state))}
               for t in state["current"]]
    return {
        "office": {"code": office.code, "name": office.name},
        "day": format_date(day, "full"),
        "now_serving": current[0] if current else None,
        "called": current,
        "also_called": [t["number"] for t in current[1:]],
        "waiting": state["waiting"],
        "refresh": BOARD_REFRESH,
    }


@bp.get("/board.json")
def board_json():
    """The board's state as JSON (the board's script asks for it every few seconds)."""
    office = _find_office()
    if office is None:
        response = jsonify(message=_("No office has this code: check the office in the "
                                     "board's address."))
        response.status_code = 404
        return _no_store(response)
    day = today()
    state = board_state(_session(), office.id, day)
    return _no_store(jsonify(board_payload(office, day, state)))
