"""Small screens where the look is the point (issue 19), in headless Chromium: the registration
form's order and button, the activation page's way on, the guest book's empty choices, the
role chips, the request form's "one of two" mark, the queue after "call next", and the
applicant's own profile.

REKOMSTAT_SHOTS=<folder> keeps a screenshot of each screen there, to look at.
"""
from __future__ import annotations

import os
import re

import pytest

from conftest import OFFICE_X, PASSWORD

pytestmark = pytest.mark.browser


def _shot(page, name, part=None):
    """A screenshot of the page (or of one part of it) when REKOMSTAT_SHOTS names a folder."""
    folder = os.environ.get("REKOMSTAT_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{name}.png")
        if part is not None:
            part.screenshot(path=path)
        else:
            page.screenshot(path=path, full_page=True)


def _log_in(page, base, username, password=PASSWORD):
    page.goto(base + "/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()


def _top(page, selector) -> float:
    return page.locator(selector).bounding_box()["y"]


def _activation_link(inbox, address):
    for received in inbox.received:
        if address in received.rcpt:
            body = received.msg.get_body(("plain",)).get_content()
            match = re.search(r"https?://\S+/register/activation/\S+", body)
            if match:
                return match.group(0)
    return None


def test_registration_asks_the_password_first_and_activation_leads_to_log_in(
        live_server, smtp_inbox, page):
    inbox, _ = smtp_inbox
    page.goto(live_server + "/register/form")
    _shot(page, "register_form")
    # The password, then its confirmation, each under its own label.
    assert _top(page, "#password") < _top(page, "#conf_password")
    assert page.locator("label[for=password]").inner_text().startswith("Kata sandi")
    assert page.locator("label[for=conf_password]").inner_text().startswith(
        "Konfirmasi Kata Sandi")
    button = page.locator("#register-form button[type=submit]")
    assert button.count() == 1 and button.inner_text().strip() == "Daftar"

    user = {"username": "dewi.bps", "first_name": "Dewi", "last_name": "Lestari",
            "email": "dewi.lestari@diskominfo.lubuklinggaukota.go.id",
            "password": "kata-sandi-dewi-123"}
    for name, value in user.items():
        page.fill(f"#{name}", value)
    page.fill("#conf_password", user["password"])
    page.select_option("#id_doc_type", "ktp")
    page.fill("#id_doc_number", "1674014407910003")
    page.fill("#phone", "0812 7111 2233")
    page.fill("#agency", "Diskominfo Kota Lubuklinggau")
    page.check("#privacy_consent")
    button.click()
    page.wait_for_load_state()
    for _ in range(50):
        link = _activation_link(inbox, user["email"])
        if link:
            break
        page.wait_for_timeout(100)
    assert link, "no activation mail arrived"

    page.goto(link)
    _shot(page, "activation")
    login = page.locator("#activation-login")
    assert login.is_visible() and login.inner_text().strip() == "Masuk"
    login.click()
    page.wait_for_load_state()
    assert "/login/" in page.url
    page.fill("#username", user["username"])
    page.fill("#password", user["password"])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
    assert "/portal/" in page.url


def test_guest_book_form_shows_labelled_empty_choices(live_server, page):
    _log_in(page, live_server, "officer_x")
    page.goto(live_server + "/guestbookentryview/add")
    _shot(page, "guestbook_add")
    body = page.locator("body").inner_text()
    assert "__None" not in body
    # Select2 shows the chosen option's text: the empty choice, in words.
    shown = page.locator("#select2-ticket-container")
    assert shown.get_attribute("title") == "— tanpa nomor antrean —"
    assert shown.inner_text().lstrip("×").strip() == "— tanpa nomor antrean —"
    # The request is typed, not chosen (app/web/lookups.py): an empty box that says what to type.
    box = page.locator("#request")
    assert box.input_value() == "" and box.get_attribute("placeholder") == (
        "Kode lacak permohonan, mis. RKS-7K2M9QXA.")


def test_role_chips_read_the_indonesian_role_names(live_server, world, page):
    _log_in(page, live_server, "admin")
    page.goto(live_server + f"/users/edit/{world.users['head_x']}")
    _shot(page, "user_edit")
    chips = [c.strip() for c in page.locator(
        ".select2-search-choice, .select2-selection__choice").all_inner_texts()]
    chips = [c.lstrip("×").strip() for c in chips]
    assert chips == ["Kepala kantor"], chips


def test_request_form_marks_the_phone_or_e_mail_of_the_person_responsible(live_server, page):
    _log_in(page, live_server, "applicant_a")
    page.goto(live_server + "/portal/requests/new")
    for name in ("resp_phone", "resp_email"):
        group = page.locator(".form-group", has=page.locator(f"#{name}"))
        mark = group.locator(".one-of-mark")
        assert mark.is_visible() and mark.inner_text() == "**"
        assert group.locator(".one-of-hint").inner_text() == (
            "Isi minimal salah satu: telepon atau e-mail penanggung jawab.")
    _shot(page, "request_form_note", page.locator("main > p").first)
    _shot(page, "request_form_people", page.locator("#section-people"))
    assert "bertanda **" in page.locator("main > p").first.inner_text()


def test_call_next_lands_on_the_queue(live_server, world, page, app):
    from app.frontoffice import queue as frontoffice

    with app.app_context():
        session = app.appbuilder.session
        frontoffice.take_ticket(session, world.offices[OFFICE_X], frontoffice.today())
        session.commit()
    _log_in(page, live_server, "officer_x")
    page.goto(live_server + "/complaintview/list/")
    page.goto(live_server + "/queueticketview/list/")
    page.click("#call-next")
    page.wait_for_load_state()
    _shot(page, "queue_after_call_next")
    assert "/queueticketview/list/" in page.url
    assert page.locator("#queue-today").is_visible()


def test_applicant_sees_and_edits_their_own_profile(live_server, app, world, page):
    _log_in(page, live_server, "applicant_b")
    response = page.goto(live_server + "/users/userinfo/")
    assert response.status == 200
    _shot(page, "applicant_profile")
    assert "applicant_b" in page.locator("body").inner_text()
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(world.users["applicant_b"])
        first, last = user.first_name, user.last_name
    page.get_by_role("link", name=re.compile("Ubah|Edit", re.IGNORECASE)).first.click()
    page.wait_for_url("**/userinfoeditview/form")
    _shot(page, "applicant_profile_edit")
    page.fill("#first_name", "Yusuf")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()
    try:
        assert "Yusuf" in page.locator("body").inner_text()
    finally:
        with app.app_context():
            user = app.appbuilder.sm.get_user_by_id(world.users["applicant_b"])
            user.first_name, user.last_name = first, last
            app.appbuilder.session.commit()


def test_similar_activities_on_the_request_form_are_words_only(live_server, app, world, wf,
                                                                page):
    """The box names each activity (title — agency (year)): no bare closeness score, which
    means nothing to an applicant (issue 19 saw "0,00" on the officers' request page)."""
    from conftest import seed

    with app.app_context():
        seed(app.appbuilder.session, world, wf, "issued")
    _log_in(page, live_server, "applicant_a")
    page.goto(live_server + "/portal/requests/new")
    page.fill("#title", "Survei Ubinan Padi Sawah")
    box = page.locator("#similar")
    box.wait_for(state="visible")
    _shot(page, "similar_box", box)
    items = page.locator("#similar-list li").all_inner_texts()
    # Other tests' activities may be similar too: each item is words, and the seeded one is
    # among them.
    assert items and all(re.fullmatch(r".+ — .+ \(\d{4}\)", item) for item in items), items
    assert ("Survei Ubinan Padi Sawah 2027 — Dinas Pertanian Kota Lubuklinggau (2027)"
            in items), items
    assert not re.search(r"\d+,\d\d", box.inner_text())
