"""The REST API: JWT login, scoping of requests/reviews/letters, workflow actions as POSTs,
the public letter verification the QR code points at, and the OpenAPI document."""
from __future__ import annotations

import hashlib
import io

from pypdf import PdfReader

from conftest import OFFICE_X, OFFICE_Y

FORM = {
    "title": "Survei Harga Produsen Gabah Kota Lubuklinggau 2027",
    "year": 2027,
    "kind": "survey",
    "agency_name": "Dinas Ketahanan Pangan Kota Lubuklinggau",
    "agency_head_title": "Kepala Dinas Ketahanan Pangan Kota Lubuklinggau",
    "agency_address": "Jl. Garuda No. 2, Lubuklinggau",
    "resp_name": "Andi Saputra",
    "resp_email": "andi@pangan.test",
    "objectives": "Memantau harga gabah di tingkat petani setiap bulan.",
    "collection_start": "2027-01-04",
    "collection_end": "2027-12-31",
}


def _new_request(api, world, user="applicant_a", **extra):
    r = api("POST", user, "/api/v1/requests/",
            json={**FORM, "office": world.offices[OFFICE_X], **extra})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_login_is_required(api, world):
    assert api("GET", None, "/api/v1/requests/").status_code == 401
    assert api("POST", None, "/api/v1/requests/1/submit", json={}).status_code == 401


def test_applicants_create_and_read_only_their_own(api, world):
    # A forged applicant id is ignored: the request belongs to whoever is logged in.
    req_id = _new_request(api, world, applicant=world.users["applicant_b"])
    own = api("GET", "applicant_a", f"/api/v1/requests/{req_id}").json["result"]
    assert (own["applicant"]["id"], own["state"], own["channel"]) == (
        world.users["applicant_a"], "draft", "online")
    assert own["tracking_code"].startswith("RKS-")
    assert api("GET", "applicant_b", f"/api/v1/requests/{req_id}").status_code == 404
    listed = api("GET", "applicant_b", "/api/v1/requests/?page_size=100").json["result"]
    assert req_id not in {row["id"] for row in listed}
    assert api("PUT", "applicant_b", f"/api/v1/requests/{req_id}",
               json={"title": "Diambil alih"}).status_code == 404
    assert api("POST", "applicant_b", f"/api/v1/requests/{req_id}/withdraw",
               json={}).status_code == 404


def test_staff_see_their_office_only(api, world):
    req_id = _new_request(api, world)
    assert api("GET", "officer_x", f"/api/v1/requests/{req_id}").status_code == 200
    assert api("GET", "head_x", f"/api/v1/requests/{req_id}").status_code == 200
    assert api("GET", "admin", f"/api/v1/requests/{req_id}").status_code == 200
    assert api("GET", "officer_y", f"/api/v1/requests/{req_id}").status_code == 404
    assert api("POST", "officer_y", f"/api/v1/requests/{req_id}/submit",
               json={}).status_code == 404


def test_bad_input_changes_nothing(api, world):
    r = api("POST", "applicant_a", "/api/v1/requests/",
            json={**FORM, "office": world.offices[OFFICE_X], "year": "tahun depan"})
    assert r.status_code == 422
    r = api("POST", "applicant_a", "/api/v1/requests/", json={**FORM, "office": 10**8})
    assert r.status_code == 422 and r.json["message"]
    req_id = _new_request(api, world)
    r = api("POST", "applicant_a", f"/api/v1/requests/{req_id}/submit", json={"note": 5})
    assert r.status_code == 400
    r = api("POST", "applicant_a", f"/api/v1/requests/{req_id}/approve", json={})
    assert r.status_code == 404
    assert api("GET", "applicant_a",
               f"/api/v1/requests/{req_id}").json["result"]["state"] == "draft"


def test_walk_in_request_recorded_by_an_officer(api, world):
    r = api("POST", "officer_x", "/api/v1/requests/", json={
        **FORM, "office": world.offices[OFFICE_Y], "applicant": world.users["applicant_b"]})
    assert r.status_code == 201
    row = api("GET", "officer_x", f"/api/v1/requests/{r.json['id']}").json["result"]
    # The office is the officer's own, whatever the body said; the channel is walk-in.
    assert (row["office"]["id"], row["channel"], row["applicant"]["id"]) == (
        world.offices[OFFICE_X], "walk_in", world.users["applicant_b"])
    r = api("POST", "officer_x", "/api/v1/requests/", json={
        **FORM, "office": world.offices[OFFICE_X], "applicant": world.users["officer_y"]})
    assert r.status_code == 422


def test_the_whole_path_through_the_api(app, api, world):
    req_id = _new_request(api, world)
    post = lambda user, action, **body: api(  # noqa: E731
        "POST", user, f"/api/v1/requests/{req_id}/{action}", json=body)

    r = post("applicant_a", "start_review")
    assert r.status_code == 403 and r.json["message"]
    r = post("applicant_a", "submit")
    assert (r.status_code, r.json["state"]) == (200, "submitted")
    assert api("PUT", "applicant_a", f"/api/v1/requests/{req_id}",
               json={"title": "Judul lain"}).status_code == 409
    assert post("head_x", "start_review").status_code == 403
    assert post("officer_x", "start_review").json["state"] == "in_review"
    r = post("officer_x", "verify")
    assert r.status_code == 409 and r.json["message"]  # the checklist is not passed yet
    r = post("officer_x", "request_revision")
    assert r.status_code == 409  # the applicant needs the notes
    assert post("officer_x", "request_revision",
                note="Lengkapi metode sampling.").status_code == 200
    assert api("PUT", "applicant_a", f"/api/v1/requests/{req_id}",
               json={"sampling_frame": "Daftar petani 2026"}).status_code == 200
    assert post("applicant_a", "resubmit").json["state"] == "submitted"
    assert post("officer_x", "start_review").json["state"] == "in_review"

    reviews = api("GET", "officer_x",
                  f"/api/v1/reviews/?q=(filters:!((col:request,opr:rel_o_m,value:{req_id})))")
    assert reviews.status_code == 200, reviews.json
    rows = sorted(reviews.json["result"], key=lambda row: row["round"])
    assert [row["round"] for row in rows] == [1, 2]
    assert rows[0]["notes"] == "Lengkapi metode sampling."
    from app.models import ActivityRequest
    from app.requests import workflow

    with app.app_context():
        session = app.appbuilder.session
        items = workflow.applicable_checklist(session, session.get(ActivityRequest, req_id))
        checklist = {str(i.id): {"ok": True, "note": ""} for i in items}
    assert api("PUT", "officer_y", f"/api/v1/reviews/{rows[1]['id']}/checklist",
               json={"checklist": checklist}).status_code == 404
    r = api("PUT", "officer_x", f"/api/v1/reviews/{rows[1]['id']}/checklist",
            json={"checklist": checklist})
    assert r.status_code == 200
    assert post("officer_x", "verify").json["state"] == "verified"
    assert post("officer_x", "draft_letter", note="Gunakan KBLI 2020.").status_code == 200
    drafts = api("GET", "officer_x", "/api/v1/letters/?page_size=100").json["result"]
    draft = next(row for row in drafts if row["request"]["id"] == req_id)
    assert "Gunakan KBLI 2020." in draft["suggestions"]
    assert api("PUT", "officer_x", f"/api/v1/letters/{draft['id']}", json={
        "body": draft["body"] + "\n\nTembusan: Bappeda."}).status_code == 200
    assert api("PUT", "applicant_a", f"/api/v1/letters/{draft['id']}",
               json={"body": "x"}).status_code in (403, 404)
    # Applicants do not see a draft.
    letters = api("GET", "applicant_a", "/api/v1/letters/?page_size=100").json["result"]
    assert req_id not in {row["request"]["id"] for row in letters}
    assert post("officer_x", "issue").status_code == 403
    r = post("head_x", "issue")
    assert (r.status_code, r.json["state"]) == (200, "issued")

    letters = api("GET", "applicant_a", "/api/v1/letters/?page_size=100").json["result"]
    letter = next(row for row in letters if row["request"]["id"] == req_id)
    assert letter["number"].startswith("B-") and letter["number"].endswith("/VS.300/" + str(
        letter["letter_date"][:4]))
    pdf = api("GET", "applicant_a", f"/api/v1/letters/{letter['id']}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == letter["sha256"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    flat = " ".join(text.split())
    assert letter["number"] in flat
    assert "Dinas Ketahanan Pangan Kota Lubuklinggau" in flat
    assert "Survei Harga Produsen Gabah" in flat
    assert api("GET", "applicant_b", f"/api/v1/letters/{letter['id']}/pdf").status_code == 404
    assert "Tembusan: Bappeda." in flat  # the edited draft is what was issued
    r = api("PUT", "officer_x", f"/api/v1/letters/{letter['id']}", json={"body": "Diubah"})
    assert r.status_code == 409  # issued: frozen
    assert api("GET", "officer_x", f"/api/v1/letters/{letter['id']}").json["result"][
        "body"] != "Diubah"

    # The QR code's page: public, the same number and hash.
    page = app.test_client().get(f"/verify/{letter['verification_code']}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert letter["number"] in body and letter["sha256"] in body
    assert "Dinas Ketahanan Pangan Kota Lubuklinggau" in body

    assert post("applicant_a", "withdraw").status_code == 409  # too late: issued
    assert post("officer_x", "send").json["state"] == "sent"
    assert post("officer_x", "close").json["state"] == "closed"


def test_verify_page_unknown_code(app):
    client = app.test_client()
    for code in ("tidak-ada", "x" * 200, "' OR 1=1 --"):
        r = client.get(f"/verify/{code}")
        assert r.status_code == 404
        assert "B-" not in r.get_data(as_text=True)


def test_openapi_lists_every_endpoint(api):
    spec = api("GET", "admin", "/api/v1/_openapi").json
    paths = spec["paths"]
    for path in ("/requests/", "/requests/{pk}", "/requests/{pk}/{action_name}", "/reviews/",
                 "/reviews/{pk}/checklist", "/letters/", "/letters/{pk}/pdf"):
        assert "/api/v1" + path in paths, path
    actions = paths["/api/v1/requests/{pk}/{action_name}"]["post"]["parameters"]
    enum = next(p for p in actions if p["name"] == "action_name")["schema"]["enum"]
    assert set(enum) == {"submit", "start_review", "request_revision", "resubmit", "verify",
                         "draft_letter", "initial", "issue", "return_draft", "send", "close",
                         "withdraw"}
