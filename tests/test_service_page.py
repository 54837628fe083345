"""The service page and the queue board (issue 26).

The service page (``/``, templates/public/home.html): the 30-working-day promise and the cost
first, next to the main buttons; both procedures as numbered steps, each step as the service
standard states it; the complaint channels as links. The queue board's JSON
(``/queue/board.json``): the same numbers the board page shows, nothing about people.

The office here is the module's own (code 1676), shown as the service page's office by
replacing ``default_office`` for the test.
"""
from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
import sqlalchemy as sa

from app import models as m
from app.frontoffice import queue as frontoffice
from app.offices import workdays
from app.ops.bootstrap import ensure_office
from app.portal import public, service_standard

OFFICE = "1676"
OFFICE_NAME = "BPS Kabupaten Uji Layanan"
PHONE = "(0733) 451-234"
EMAIL = "pst1676@bps.go.id"
ADDRESS = "Jl. Uji Layanan No. 1"
DAY = dt.date(2032, 3, 3)  # the board's "today": no other test queues on it


@pytest.fixture(scope="module")
def office(app, world):
    with app.app_context():
        office = ensure_office(OFFICE, OFFICE_NAME, phone=PHONE, email=EMAIL, address=ADDRESS)
        # ensure_office keeps an existing row as it is (the browser walk makes this office
        # too): these details are the ones this module reads back.
        session = app.appbuilder.session
        row = session.get(m.Office, office.id)
        row.name, row.phone, row.email, row.address = OFFICE_NAME, PHONE, EMAIL, ADDRESS
        session.commit()
        return office.id


@pytest.fixture
def service_office(app, office, monkeypatch):
    """The service page shows office 1676."""
    def default_office(session):
        return session.get(m.Office, office)

    monkeypatch.setattr(public, "default_office", default_office)
    return office


def _page(client, url="/") -> str:
    answer = client.get(url)
    assert answer.status_code == 200, url
    return answer.get_data(as_text=True)


def _element(html: str, tag: str, element_id: str) -> str:
    """The inner HTML of ``<tag id="element_id">`` (not nested in a tag of its kind)."""
    found = re.search(rf'<{tag}\b[^>]*\bid="{element_id}"[^>]*>(.*?)</{tag}>', html, re.DOTALL)
    assert found, f"no <{tag} id={element_id}>"
    return found.group(1)


def _items(fragment: str) -> list[str]:
    """The text of each ``<li>``, tags dropped, spaces collapsed, entities read."""
    return [" ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", li)).split())
            for li in re.findall(r"<li\b[^>]*>(.*?)</li>", fragment, re.DOTALL)]


def _standard(app, items) -> list[str]:
    """The standard's sentences in Indonesian, with the office's name and address."""
    with app.test_request_context(headers={"Accept-Language": "id"}):
        values = {"office": OFFICE_NAME, "address": ADDRESS, "email": EMAIL}
        return [" ".join((str(item) % values if "%(" in str(item) else str(item)).split())
                for item in items]


def test_the_promise_and_the_cost_come_first_beside_the_buttons(app, service_office):
    html = _page(app.test_client())
    facts = _element(html, "ul", "service-facts")
    assert re.search(r'class="service-fact-number">30<', facts)
    assert "hari kerja" in facts and "Gratis" in facts and "Tidak dipungut biaya" in facts
    promise = _standard(app, [service_standard.COMPLETION_TIME])[0]
    assert promise in " ".join(htmllib.unescape(facts).split())
    # Before the procedure and the requirements, in the page's top, with the main buttons.
    procedure = html.index('id="procedure"')
    for marker in ('id="fact-time"', 'id="fact-cost"', 'id="home-actions"', 'id="register"',
                   'id="login"', 'id="search"', 'id="complain"'):
        assert html.index(marker) < procedure, marker
    assert html.index('id="procedure"') < html.index('id="requirements"')
    assert 'class="service-top"' in html[:procedure]
    assert '/static/service.css' in html.split("</head>")[0]
    # The headings go down one level at a time: h1, then h2s, h3s only under an h2.
    levels = [int(h) for h in re.findall(r"<h([1-6])\b", html.split("<main")[1])]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    assert "<script" not in html.split("<main")[1].split("</main>")[0]  # no script needed


def test_both_procedures_are_numbered_steps_as_the_standard_states_them(app, service_office):
    html = _page(app.test_client())
    for list_id, items in (("procedure-walk-in", service_standard.PROCEDURE_WALK_IN),
                           ("procedure-online", service_standard.PROCEDURE_ONLINE),
                           ("requirements-walk-in", service_standard.REQUIREMENTS_WALK_IN),
                           ("requirements-online", service_standard.REQUIREMENTS_ONLINE)):
        shown = _items(_element(html, "ol", list_id))
        assert shown == _standard(app, items), list_id
    walk_in = _element(html, "ol", "procedure-walk-in")
    assert walk_in.count('class="service-step"') == len(service_standard.PROCEDURE_WALK_IN)
    assert 'class="service-stepper"' in html.split('id="procedure-walk-in"')[0][-80:]
    # Side by side: the walk-in column, then the online one, in one block of two columns.
    block = html.split('id="procedure"')[1].split("</section>")[0]
    assert block.index("Langsung di PST") < block.index('id="procedure-walk-in"') < block.index(
        "Daring") < block.index('id="procedure-online"')
    # The office's own name and address, not a placeholder.
    assert "%(" not in html and OFFICE_NAME in walk_in and ADDRESS in walk_in


def test_the_complaint_channels_are_links(app, service_office):
    html = _page(app.test_client())
    channels = _element(html, "ul", "complaint-channels")
    hrefs = re.findall(r'<a\b[^>]*href="([^"]+)"', channels)
    assert "tel:0733451234" in hrefs
    assert f"mailto:{EMAIL}" in hrefs
    assert "https://www.lapor.go.id" in hrefs and "https://pengaduan.bps.go.id" in hrefs
    assert "/complaints/new" in hrefs
    for href in hrefs:
        assert re.match(r"(tel:\+?\d+|mailto:\S+@\S+|https?://\S+|/complaints/new)$", href), href
    # Every channel but the box at the desk is a link; the box keeps the standard's words.
    items = re.findall(r"<li\b[^>]*>(.*?)</li>", channels, re.DOTALL)
    assert sum("<a " not in item for item in items) == 1
    assert "Kotak saran &amp; pengaduan di Pelayanan Statistik Terpadu (PST) " + OFFICE_NAME \
        in channels


def test_an_office_without_phone_or_e_mail_shows_no_empty_link(app, office, monkeypatch):
    bare = m.Office(code="16761", name="Kantor Tanpa Kontak")
    monkeypatch.setattr(public, "default_office", lambda session: bare)
    channels = _element(_page(app.test_client()), "ul", "complaint-channels")
    assert 'href="tel:' not in channels and 'href="mailto:' not in channels
    assert 'href="/complaints/new"' in channels


def test_tel_links_keep_only_digits():
    assert service_standard.tel_href("(0733) 451-234") == "tel:0733451234"
    assert service_standard.tel_href("+62 733 451234") == "tel:+62733451234"
    assert service_standard.tel_href("") == "" and service_standard.tel_href(None) == ""
    assert service_standard.tel_href("belum ada") == ""


# --- The queue board's JSON ------------------------------------------------------------------


@pytest.fixture
def queue(app, world, wf, office, monkeypatch):
    """Office 1676 today: tickets 1–5; 1 served, 2 called (the latest call), 3–5 waiting."""
    monkeypatch.setattr(workdays, "office_today", lambda: DAY)
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.delete(m.QueueTicket).where(m.QueueTicket.office_id == office))
        for _ in range(5):
            frontoffice.take_ticket(session, office, DAY)
        session.commit()
        first = frontoffice.call_next(session, office, DAY, wf["officer_x"])
        session.commit()
        frontoffice.move(session, first.id, "serve", wf["officer_x"])
        session.commit()
        frontoffice.call_next(session, office, DAY, wf["officer_x"])
        session.commit()
    yield office
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.delete(m.QueueTicket).where(m.QueueTicket.office_id == office))
        session.commit()


def _board_numbers(html: str) -> dict:
    now = re.search(r'id="now-serving">\s*([^<]*?)\s*<', html).group(1)
    state = re.search(r'id="now-state">\s*([^<]*?)\s*<', html).group(1)
    also = re.findall(r"<span>(\d+)</span>", _element(html, "div", "also-called"))
    waiting = int(re.search(r'id="waiting">\s*(\d+)\s*<', html).group(1))
    return {"now": now, "state": state, "also": also, "waiting": waiting}


def test_the_board_json_answers_what_the_board_shows(app, world, queue):
    client = app.test_client()
    page = _board_numbers(_page(client, f"/queue/board?office={OFFICE}"))
    assert page == {"now": "002", "state": "Dipanggil", "also": ["001"], "waiting": 3}

    answer = client.get(f"/queue/board.json?office={OFFICE}")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.headers["Cache-Control"] == "no-store"
    state = answer.json
    assert {"now": state["now_serving"]["number"], "state": state["now_serving"]["state_label"],
            "also": state["also_called"], "waiting": state["waiting"]} == page
    assert state["office"] == {"code": OFFICE, "name": OFFICE_NAME}
    assert str(DAY.year) in state["day"]

    # After the next call, both say the same new thing.
    with app.app_context():
        session = app.appbuilder.session
        frontoffice.call_next(session, queue, DAY, world.users["officer_x"])
        session.commit()
    page = _board_numbers(_page(client, f"/queue/board?office={OFFICE}"))
    state = client.get(f"/queue/board.json?office={OFFICE}").json
    assert page == {"now": "003", "state": "Dipanggil", "also": ["002", "001"], "waiting": 2}
    assert (state["now_serving"]["number"], state["also_called"], state["waiting"]) == (
        "003", ["002", "001"], 2)


def test_the_board_json_names_nobody(app, world, queue):
    text = app.test_client().get(f"/queue/board.json?office={OFFICE}").get_data(as_text=True)
    with app.app_context():
        officer = app.appbuilder.session.get(m.RekomUser, world.users["officer_x"])
        names = [officer.username, officer.first_name, officer.last_name, officer.email]
    for name in filter(None, names):
        assert name not in text, name
    state = app.test_client().get(f"/queue/board.json?office={OFFICE}").json
    assert set(state) == {"office", "day", "now_serving", "called", "also_called", "waiting",
                          "refresh"}
    assert set(state["now_serving"]) == {"number", "counter", "state", "state_label"}


def test_the_board_json_of_an_unknown_office_says_so(app, world):
    client = app.test_client()
    for code in ("0000", "9" * 200, ""):
        answer = client.get(f"/queue/board.json?office={code}" if code else
                            "/queue/board.json?office=%20")
        assert answer.status_code == 404 and answer.mimetype == "application/json"
        assert "Tidak ada kantor dengan kode ini" in answer.json["message"]
