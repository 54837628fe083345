"""Ratings (the SKM survey of a sent request) and complaints (filed by anyone, followed by a
tracking code): who may, when, what is stored, what the public page shows, the deadlines in
working days and the acknowledgement in the outbox."""
from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app import models as m
from app.feedback import pages as feedback
from app.feedback import skm
from app.offices import workdays
from app.offices.workdays import office_calendar

from conftest import OFFICE_X, OFFICE_Y, seed

ANSWERS = {"e1": "4", "e2": "3", "e3": "2", "e4": "4", "e5": "3", "e6": "4", "e7": "1",
           "e8": "3", "e9": "4"}


def _seed(app, world, wf, state):
    with app.app_context():
        return seed(app.appbuilder.session, world, wf, state)


def _rows(app, model, *where):
    with app.app_context():
        session = app.appbuilder.session
        rows = session.scalars(sa.select(model).where(*where).order_by(model.id)).all()
        session.expunge_all()
        return rows


def _ratings(app, req_id):
    return _rows(app, m.Rating, m.Rating.request_id == req_id)


def _inputs(html: str, name: str) -> list[str]:
    return [tag for tag in re.findall(r"<input\b[^>]*>", html) if f'name="{name}"' in tag]


def _checked(html: str, name: str) -> str | None:
    """The value of the checked radio button of group ``name``, if any."""
    for tag in _inputs(html, name):
        if re.search(r"\bchecked\b", tag):
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select\b[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    for tag in re.findall(r"<option\b[^>]*>", select.group(1)):
        if re.search(r"\bselected\b", tag):
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def _rating_url(req_id: int) -> str:
    return f"/portal/requests/{req_id}/rating"


# --- the questionnaire ------------------------------------------------------------------------


def test_the_questionnaire_has_nine_elements_with_four_own_answers_each(app):
    assert [e.field for e in skm.ELEMENTS] == [f"e{i}" for i in range(1, 10)]
    with app.test_request_context(), force_locale("en"):
        texts = [(str(e.name), str(e.question), [str(a) for a in e.answers]) for e in skm.ELEMENTS]
        cost_answers = [str(skm.ELEMENTS[3].answer(v)) for v in skm.SCALE]
    assert all(name and question.endswith("?") and len(set(answers)) == 4
               for name, question, answers in texts)
    # each element words its answers itself (5 "suitable" repeats 1 "suitable", as in the rule)
    assert len({tuple(a) for _n, _q, a in texts}) == 8
    assert texts[0][0] == "Requirements" and texts[8][0] == "Facilities and infrastructure"
    assert cost_answers == ["Very expensive", "Fairly expensive", "Cheap", "Free of charge"]


# --- rating ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["sent", "closed"])
def test_the_owner_rates_a_sent_request_once(app, world, wf, clients, state):
    req_id = _seed(app, world, wf, state)
    client = clients["applicant_a"]
    page = client.get(_rating_url(req_id))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for element in skm.ELEMENTS:
        assert [re.search(r'value="(\d)"', t).group(1) for t in _inputs(html, element.field)] \
            == ["1", "2", "3", "4"]

    response = client.post(_rating_url(req_id),
                           data={**ANSWERS, "comment": "  Cepat, terima kasih. "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/portal/requests/{req_id}")
    [rating] = _ratings(app, req_id)
    assert rating.answers == tuple(int(ANSWERS[f"e{i}"]) for i in range(1, 10))
    assert rating.comment == "Cepat, terima kasih."
    assert rating.office_id == world.offices[OFFICE_X]
    assert rating.rater_id == world.users["applicant_a"]

    # Once only: the page now says so, and a second answer changes nothing.
    again = client.get(_rating_url(req_id))
    assert again.status_code == 200 and not _inputs(again.get_data(as_text=True), "e1")
    second = client.post(_rating_url(req_id), data={**ANSWERS, "e1": "1", "comment": "lagi"})
    assert second.status_code == 409
    assert [r.answers for r in _ratings(app, req_id)] == [rating.answers]
    assert _ratings(app, req_id)[0].comment == "Cepat, terima kasih."


def test_an_empty_comment_is_stored_as_none(app, world, wf, clients):
    req_id = _seed(app, world, wf, "sent")
    assert clients["applicant_a"].post(_rating_url(req_id), data=ANSWERS).status_code == 302
    assert _ratings(app, req_id)[0].comment is None


@pytest.fixture(scope="module")
def unrated(app, world, wf):
    """A sent request of applicant_a that the tests below must leave unrated."""
    return _seed(app, world, wf, "sent")


@pytest.mark.parametrize("user", ["applicant_b", "officer_x", "head_x", "admin"])
def test_nobody_else_rates_or_even_sees_the_request(app, clients, unrated, user):
    assert clients[user].get(_rating_url(unrated)).status_code == 404
    assert clients[user].post(_rating_url(unrated), data=ANSWERS).status_code == 404
    assert _ratings(app, unrated) == []


def test_anonymous_is_sent_to_log_in(app, clients, unrated):
    req_id = unrated
    for response in (clients[None].get(_rating_url(req_id)),
                     clients[None].post(_rating_url(req_id), data=ANSWERS)):
        assert response.status_code == 302 and "/login/" in response.headers["Location"]
    assert _ratings(app, req_id) == []
    assert clients["applicant_a"].get(_rating_url(10**9)).status_code == 404


@pytest.mark.parametrize("state", ["draft", "submitted", "in_review", "verified", "issued",
                                   "withdrawn"])
def test_not_before_the_letter_is_sent(app, world, wf, clients, state):
    req_id = _seed(app, world, wf, state)
    client = clients["applicant_a"]
    for response in (client.get(_rating_url(req_id)),
                     client.post(_rating_url(req_id), data=ANSWERS)):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/portal/requests/{req_id}")
    assert _ratings(app, req_id) == []


@pytest.mark.parametrize("change", [
    {"e5": None},  # an unanswered question
    {"e5": "5"},  # off the scale
    {"e5": "0"},
    {"e5": "abc"},
    {"comment": "x" * 2001},  # too long
])
def test_bad_answers_store_nothing_and_keep_what_was_entered(app, clients, unrated, change):
    req_id = unrated
    data = {**ANSWERS, "comment": "Petugas ramah."}
    data.update(change)
    data = {k: v for k, v in data.items() if v is not None}
    response = clients["applicant_a"].post(_rating_url(req_id), data=data)
    assert response.status_code == 400
    assert _ratings(app, req_id) == []
    html = response.get_data(as_text=True)
    for field, value in ANSWERS.items():
        if field not in change:
            assert _checked(html, field) == value, field
    if "e5" in change:
        assert _checked(html, "e5") is None
        assert re.search(r'id="q5"', html) and "has-error" in html
        assert "Petugas ramah." in html


def test_a_rating_racing_another_is_refused_by_the_unique_request(app, world, wf, clients,
                                                                  monkeypatch):
    req_id = _seed(app, world, wf, "sent")
    assert clients["applicant_a"].post(_rating_url(req_id), data=ANSWERS).status_code == 302
    # The check before the insert misses the first rating (as when both arrive at once).
    monkeypatch.setattr(feedback, "existing_rating", lambda session, request_id: None)
    response = clients["applicant_a"].post(_rating_url(req_id), data={**ANSWERS, "e1": "1"})
    assert response.status_code == 409
    [rating] = _ratings(app, req_id)
    assert rating.e1 == 4
    # The session is usable again afterwards.
    assert clients["applicant_a"].get("/complaints/new").status_code == 200


# --- complaints ------------------------------------------------------------------------------


def _address() -> str:
    return f"warga-{uuid.uuid4().hex[:10]}@example.com"


def _complaint_form(world, **fields):
    data = {"office": str(world.offices[OFFICE_X]), "name": "Rudi Hartono",
            "phone": "0812-7000-1234", "subject": "Surat belum diterima",
            "text": "Sudah lewat 30 hari kerja, surat rekomendasi belum saya terima.",
            "request_link": "0"}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def _complaints(app, *where):
    return _rows(app, m.Complaint, *where)


def _code_from(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.fullmatch(r".*/complaints/(ADU-[A-Z0-9]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_the_form_offers_active_offices_with_the_configured_one_first_chosen(app, world, clients):
    html = clients[None].get("/complaints/new").get_data(as_text=True)
    assert _selected(html, "office") == str(world.offices[OFFICE_X])
    assert f'value="{world.offices[OFFICE_Y]}"' in html
    assert 'name="request_link"' not in html  # nothing to link without an account
    assert 'name="csrf_token"' not in html  # CSRF is off in the tests (see the CSRF test)


def test_anonymous_without_an_email_is_refused_and_nothing_is_stored(app, world, clients):
    subject = f"Tanpa alamat {uuid.uuid4().hex[:6]}"
    before = len(_rows(app, m.OutboundEmail))
    response = clients[None].post("/complaints/new",
                                  data=_complaint_form(world, subject=subject, email=""))
    assert response.status_code == 400
    assert _complaints(app, m.Complaint.subject == subject) == []
    assert len(_rows(app, m.OutboundEmail)) == before
    html = response.get_data(as_text=True)
    assert subject in html and "Rudi Hartono" in html  # what was typed stays
    assert re.search(r'<input[^>]*name="email"', html)


@pytest.mark.parametrize("change", [
    {"email": "bukan-alamat"},
    {"subject": "   "},
    {"text": ""},
    {"office": "999999"},
    {"office": "abc"},
    {"request_link": "1"},  # anonymous: no request can be linked at all
    {"phone": "telepon saya"},
    {"subject": "x" * 301},
])
def test_bad_complaints_store_nothing(app, world, clients, change):
    marker = uuid.uuid4().hex[:8]
    data = _complaint_form(world, email=_address(), name=f"Pelapor {marker}")
    data.update(change)
    response = clients[None].post("/complaints/new", data=data)
    assert response.status_code == 400
    assert _complaints(app, m.Complaint.reporter_name == f"Pelapor {marker}") == []


def test_anonymous_with_an_email_files_a_complaint_and_follows_it(app, world, clients):
    address = _address()
    response = clients[None].post("/complaints/new", data=_complaint_form(world, email=address))
    code = _code_from(response)
    [c] = _complaints(app, m.Complaint.tracking_code == code)
    assert (c.channel, c.state, c.office_id) == ("web", "received", world.offices[OFFICE_X])
    assert (c.reporter_email, c.reporter_name, c.reporter_phone) == (
        address, "Rudi Hartono", "0812-7000-1234")
    assert c.reporter_id is None and c.request_id is None
    assert c.subject == "Surat belum diterima" and c.text.startswith("Sudah lewat")
    assert c.ack_due_date and c.due_date and c.ack_due_date < c.due_date

    page = clients[None].get(f"/complaints/{code}", follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert code in html and "Surat belum diterima" in html
    assert "BPS Kota Lubuklinggau" in html
    assert str(m.COMPLAINT_STATES["received"]) in html or "Diterima" in html
    for private in (address, "warga-", "Rudi Hartono", "0812-7000-1234", "Sudah lewat"):
        assert private not in html
    # Any client with the code sees the same page; the code's case does not matter.
    assert clients["applicant_b"].get(f"/complaints/{code.lower()}").status_code == 200

    # The acknowledgement went to the outbox, to the reporter, in the office language.
    [mail] = _rows(app, m.OutboundEmail, m.OutboundEmail.recipient == address)
    assert code in mail.subject and code in mail.body_text and code in mail.body_html
    assert f"/complaints/{code}" in mail.body_text
    assert mail.office_id == world.offices[OFFICE_X]
    assert "Kode pelacakan" in mail.body_text  # Indonesian, whatever the visitor browses in
    assert mail.state in ("pending", "sent", "held")  # held: the tests run without MAIL_SERVER


def test_the_redirect_page_shows_the_code_prominently_and_a_flash(app, world, clients):
    client = app.test_client()
    response = client.post("/complaints/new", data=_complaint_form(world, email=_address()),
                           follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    code = re.search(r'<code id="tracking-code">(ADU-[A-Z0-9]+)</code>', html).group(1)
    assert _complaints(app, m.Complaint.tracking_code == code)
    assert "alert-success" in html


def test_unknown_codes_are_not_found(app, clients):
    for code in ("ADU-XXXXXXXX", "x" * 200, "RKS-TX"):
        response = clients[None].get(f"/complaints/{code}")
        assert response.status_code == 404
        assert "ADU-XXXXXXXX" not in response.get_data(as_text=True) or code == "ADU-XXXXXXXX"


def test_the_answer_shows_once_answered(app, world, clients):
    code = _code_from(clients[None].post("/complaints/new",
                                         data=_complaint_form(world, email=_address())))
    answer = "Surat sudah kami kirim ulang ke alamat email Bapak pada 2 Desember."
    assert answer not in clients[None].get(f"/complaints/{code}").get_data(as_text=True)
    with app.app_context():
        session = app.appbuilder.session
        c = session.scalars(sa.select(m.Complaint).where(m.Complaint.tracking_code == code)).one()
        c.state, c.answer = "answered", answer
        c.answered_at = dt.datetime(2026, 12, 2, 3, 0)
        session.commit()
    html = clients[None].get(f"/complaints/{code}").get_data(as_text=True)
    assert answer in html


FRIDAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize("today, ack, due", [
    # Friday: the weekend does not count. No holiday in late November / early December 2026.
    (FRIDAY, dt.date(2026, 11, 25), dt.date(2026, 12, 10)),
    # Thursday before Idul Fitri 2025: cuti bersama 28 Mar (Nyepi), Idul Fitri 31 Mar–1 Apr,
    # cuti bersama 2–4 and 7 Apr, Good Friday 18 Apr (SKB 2025; checked by hand).
    (dt.date(2025, 3, 27), dt.date(2025, 4, 10), dt.date(2025, 4, 28)),
])
def test_deadlines_are_working_days_from_the_office_settings(app, world, clients, monkeypatch,
                                                             today, ack, due):
    monkeypatch.setattr(workdays, "office_today", lambda: today)
    code = _code_from(clients[None].post("/complaints/new",
                                         data=_complaint_form(world, email=_address())))
    [c] = _complaints(app, m.Complaint.tracking_code == code)
    assert (c.ack_due_date, c.due_date) == (ack, due)
    with app.app_context():
        session = app.appbuilder.session
        calendar = office_calendar(session, c.office_id)
        setting = session.scalars(sa.select(m.OfficeSetting).where(
            m.OfficeSetting.office_id == c.office_id)).one()
        assert (setting.complaint_ack_days, setting.complaint_answer_days) == (3, 14)
        assert c.ack_due_date == calendar.add_working_days(today, 3)
        assert c.due_date == calendar.add_working_days(today, 14)
        assert calendar.is_working_day(c.ack_due_date) and calendar.is_working_day(c.due_date)


def test_deadlines_follow_the_office_setting(app, world, clients, monkeypatch):
    monkeypatch.setattr(workdays, "office_today", lambda: FRIDAY)
    office_id = world.offices[OFFICE_Y]
    with app.app_context():
        session = app.appbuilder.session
        setting = session.scalars(sa.select(m.OfficeSetting).where(
            m.OfficeSetting.office_id == office_id)).one()
        saved = setting.complaint_ack_days, setting.complaint_answer_days
        setting.complaint_ack_days, setting.complaint_answer_days = 1, 5
        session.commit()
    try:
        code = _code_from(clients[None].post("/complaints/new", data=_complaint_form(
            world, email=_address(), office=str(office_id))))
    finally:
        with app.app_context():
            session = app.appbuilder.session
            setting = session.scalars(sa.select(m.OfficeSetting).where(
                m.OfficeSetting.office_id == office_id)).one()
            setting.complaint_ack_days, setting.complaint_answer_days = saved
            session.commit()
    [c] = _complaints(app, m.Complaint.tracking_code == code)
    assert c.office_id == office_id
    assert (c.ack_due_date, c.due_date) == (dt.date(2026, 11, 23), dt.date(2026, 11, 27))


def test_a_logged_in_applicant_files_with_the_account_and_links_only_own_requests(
        app, world, wf, clients):
    own = _seed(app, world, wf, "sent")  # applicant_a's, office X
    with app.app_context():
        own_code = app.appbuilder.session.get(m.ActivityRequest, own).tracking_code

    # applicant_b is offered none of applicant_a's requests, and a forged id is refused.
    html_b = clients["applicant_b"].get("/complaints/new").get_data(as_text=True)
    assert own_code not in html_b
    assert 'value="applicant_b@rekomstat.test"' in html_b  # prefilled from the account
    subject = f"Tautan palsu {uuid.uuid4().hex[:6]}"
    forged = clients["applicant_b"].post("/complaints/new", data=_complaint_form(
        world, subject=subject, email="", request_link=str(own)))
    assert forged.status_code == 400
    assert _complaints(app, m.Complaint.subject == subject) == []

    # applicant_a links their own request; the blank address falls back to the account's,
    # and the complaint goes to the office that handles the request.
    html_a = clients["applicant_a"].get("/complaints/new").get_data(as_text=True)
    assert own_code in html_a
    code = _code_from(clients["applicant_a"].post("/complaints/new", data=_complaint_form(
        world, email="", request_link=str(own), office=str(world.offices[OFFICE_Y]))))
    [c] = _complaints(app, m.Complaint.tracking_code == code)
    assert c.request_id == own and c.reporter_id == world.users["applicant_a"]
    assert c.reporter_email == "applicant_a@rekomstat.test"
    assert c.office_id == world.offices[OFFICE_X]
    assert _rows(app, m.OutboundEmail, m.OutboundEmail.recipient == "applicant_a@rekomstat.test",
                 m.OutboundEmail.subject.contains(code))


def test_csrf_applies_when_enabled(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = app.test_client()
    address = _address()
    refused = client.post("/complaints/new", data=_complaint_form(world, email=address))
    assert refused.status_code == 400
    assert _complaints(app, m.Complaint.reporter_email == address) == []

    page = client.get("/complaints/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    accepted = client.post("/complaints/new",
                           data={**_complaint_form(world, email=address), "csrf_token": token})
    _code_from(accepted)
    assert len(_complaints(app, m.Complaint.reporter_email == address)) == 1


def test_tracking_codes_are_random_and_distinct(app, world, clients):
    codes = {_code_from(clients[None].post("/complaints/new",
                                           data=_complaint_form(world, email=_address())))
             for _ in range(3)}
    assert len(codes) == 3
    assert all(re.fullmatch(r"ADU-[2-9A-HJKMNP-Z]{8}", code) for code in codes)
