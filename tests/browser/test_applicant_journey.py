"""An applicant's whole journey in a real browser (headless Chromium, a phone-sized window):
register and confirm by the e-mailed link, fill and submit a request with a document, then —
after the officers' steps, taken through the REST API — download the letter and rate the service.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import models as m
from app.requests import workflow

from conftest import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
USER = {
    "username": "budi.bappeda", "first_name": "Budi", "last_name": "Santoso",
    "email": "budi.santoso@bappeda.lubuklinggaukota.go.id", "password": "kata-sandi-budi-123",
}


def _activation_link(inbox, address):
    for received in inbox.received:
        if address in received.rcpt:
            body = received.msg.get_body(("plain",)).get_content()
            match = re.search(r"https?://\S+/register/activation/\S+", body)
            if match:
                return match.group(0)
    return None


def _api(app, user, method, path, **kwargs):
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": user, "password": PASSWORD, "provider": "db"}).json["access_token"]
    return client.open(path, method=method, headers={"Authorization": f"Bearer {token}"},
                       **kwargs)


@pytest.mark.browser
def test_register_request_letter_rating(app, world, live_server, smtp_inbox, page, tmp_path):
    inbox, _ = smtp_inbox
    base = live_server

    # The service page leads to registration.
    page.goto(base + "/")
    assert page.locator("h1").first.inner_text()
    page.goto(base + "/register/form")
    for name, value in USER.items():
        page.fill(f"#{name}", value)
    page.fill("#conf_password", USER["password"])
    page.select_option("#id_doc_type", "ktp")
    page.fill("#id_doc_number", "1674011203850002")
    page.fill("#phone", "0813 6700 4455")
    page.fill("#agency", "Bappeda Kota Lubuklinggau")
    page.fill("#position", "Analis Perencanaan")
    page.check("#privacy_consent")  # after reading the notice above the form
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()

    # The activation link is in the mail that reached the SMTP server.
    for _ in range(50):
        link = _activation_link(inbox, USER["email"])
        if link:
            break
        page.wait_for_timeout(100)
    assert link, "no activation mail arrived"
    page.goto(link)
    page.goto(base + "/login/")
    page.fill("#username", USER["username"])
    page.fill("#password", USER["password"])
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert "/portal/" in page.url

    # The request form, with a document.
    page.click("#new-request")  # the form in steps (issue 26): here all of it on one page
    page.wait_for_load_state()
    page.click("#whole-form")
    page.wait_for_load_state()
    page.fill("#title", "Survei Perencanaan Partisipatif Kelurahan 2027")
    page.fill("#year", "2027")
    page.select_option("#kind", "survey")
    page.fill("#agency_name", "Bappeda Kota Lubuklinggau")
    page.fill("#agency_head_title", "Kepala Bappeda Kota Lubuklinggau")
    page.fill("#agency_address", "Jl. Garuda No. 1, Lubuklinggau")
    page.fill("#resp_name", "Budi Santoso")
    page.fill("#resp_email", USER["email"])
    page.fill("#objectives", "Memetakan usulan warga dalam musyawarah perencanaan kelurahan.")
    page.fill("#collection_start", "2027-02-01")
    page.fill("#collection_end", "2027-03-31")
    page.check("input[name=collection_methods][value=interview]")
    page.fill("input[name='variables-0-name']", "Jumlah usulan")
    cover = tmp_path / "surat-pengantar.pdf"
    cover.write_bytes(PDF)
    page.set_input_files("#file_cover_letter", str(cover))
    page.click("#submit-request")
    page.wait_for_load_state()
    assert page.locator("#state").inner_text() == "Diajukan"
    assert "surat-pengantar.pdf" in page.locator("#documents").inner_text()
    req_id = int(page.url.rstrip("/").split("/")[-1])

    # The officers' steps, through the REST API.
    def act(user, action, **body):
        r = _api(app, user, "POST", f"/api/v1/requests/{req_id}/{action}", json=body)
        assert r.status_code == 200, (action, r.json)

    act("officer_x", "start_review")
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        items = workflow.applicable_checklist(session, req)
        review_id = workflow.latest_review(req).id
    r = _api(app, "officer_x", "PUT", f"/api/v1/reviews/{review_id}/checklist",
             json={"checklist": {str(i.id): {"ok": True} for i in items}})
    assert r.status_code == 200
    act("officer_x", "verify")
    act("officer_x", "draft_letter")
    act("head_x", "issue")
    act("officer_x", "send")

    # The letter, then the rating.
    page.goto(f"{base}/portal/requests/{req_id}")
    assert page.locator("#state").inner_text() == "Dikirim"
    with page.expect_download() as download:
        page.click("#letter")
    path = download.value.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    page.click("#rate")
    for i in range(1, 10):
        page.check(f"input[name=e{i}][value='{3 if i % 2 else 4}']")
    page.fill("textarea[name=comment]", "Petugas ramah dan cepat.")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()
    with app.app_context():
        session = app.appbuilder.session
        rating = session.scalars(sa.select(m.Rating).where(m.Rating.request_id == req_id)).one()
        assert rating.answers == (3, 4, 3, 4, 3, 4, 3, 4, 3)
        assert rating.comment == "Petugas ramah dan cepat."


@pytest.mark.browser
def test_similar_activities_appear_while_typing(app, world, wf, live_server, page):
    from conftest import seed

    with app.app_context():
        session = app.appbuilder.session
        done = seed(session, world, wf, "issued")
        session.get(m.ActivityRequest, done).title = "Sensus Penangkaran Burung Walet 2026"
        session.commit()
    page.goto(live_server + "/login/")
    page.fill("#username", "applicant_b")
    page.fill("#password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    page.goto(live_server + "/portal/requests/new")
    assert page.locator("#similar").is_hidden()
    page.type("#title", "Sensus penangkaran burung walet", delay=20)
    page.wait_for_selector("#similar:not([hidden])")
    assert "Sensus Penangkaran Burung Walet 2026" in page.locator("#similar-list").inner_text()
