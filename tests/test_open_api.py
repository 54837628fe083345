"""The open catalogue API (anonymous, public fields, CSV/JSON download), the OpenAPI document
and Swagger UI without logging in, and the officers' complaint and rating APIs with their
office scoping."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from app import models as m
from app.auth.access_log import PERSONAL_ACCESS_ACTIONS

from conftest import OFFICE_X, OFFICE_Y, login, seed

YEAR = 2181  # the catalogue rows of this module: a year no other test uses
PUBLIC_KEYS = {"id", "recommendation_code", "title", "year", "kind", "sector", "sector_label",
               "agency_name", "office", "letter"}
# One activity's record (GET /api/v1/catalogue/<id>): its public metadata, no more.
RECORD_KEYS = PUBLIC_KEYS | {
    "kind_label", "objectives", "coverage", "coverage_label", "coverage_area", "frequency",
    "frequency_label", "collection_methods", "collection_methods_labels", "release_dates",
    "variables", "indicators",
    "results"}  # the results BPS received (PP 51/1999): public by nature, microdata files not
SECTOR_LABEL = "Pertanian dan Perikanan"  # agriculture_fisheries, in the default language
PRIVATE_TEXTS = ("RKS-", "siti@pertanian.test", "Siti Rahmawati", "Yos Sudarso")


@pytest.fixture(scope="module")
def catalogue(app, world, wf):
    """Three recommended activities of YEAR (one titled like a spreadsheet formula) and one
    request of YEAR whose letter is only drafted (not in the catalogue)."""
    with app.app_context():
        session = app.appbuilder.session
        ids = {}
        for key, state, title in (
            ("sent", "sent", "Survei Ubinan Jagung Katalog Terbuka"),
            ("closed", "closed", "Survei Harga Eceran Katalog Terbuka"),
            ("formula", "issued", "=HYPERLINK(\"http://contoh.test\",\"klik\") Katalog Terbuka"),
            ("drafted", "letter_drafted", "Survei Belum Terbit Katalog Terbuka"),
        ):
            pk = seed(session, world, wf, state)
            req = session.get(m.ActivityRequest, pk)
            req.title, req.year, req.sector = title, YEAR, "agriculture_fisheries"
            session.commit()
            ids[key] = pk
        session.remove()
    return ids


def _year_filter(page_size=100):
    return f"(filters:!((col:year,opr:eq,value:{YEAR})),page_size:{page_size})"


# --- the catalogue -------------------------------------------------------------------------


def test_anyone_reads_the_catalogue_with_public_fields_only(app, catalogue):
    client = app.test_client()  # no login, no token
    r = client.get("/api/v1/catalogue/", query_string={"q": _year_filter()})
    assert r.status_code == 200, r.json
    rows = {row["id"]: row for row in r.json["result"]}
    assert set(rows) == {catalogue["sent"], catalogue["closed"], catalogue["formula"]}
    assert r.json["count"] == 3
    for row in rows.values():
        assert set(row) <= PUBLIC_KEYS, row
        assert set(row["letter"]) == {"number", "letter_date"}
        assert (row["sector"], row["sector_label"]) == ("agriculture_fisheries", SECTOR_LABEL)
        assert row["letter"]["number"].startswith("B-")
    assert not any(text in r.get_data(as_text=True) for text in PRIVATE_TEXTS)
    # One activity; a request that is not recommended (yet) is not found.
    one = client.get(f"/api/v1/catalogue/{catalogue['sent']}")
    assert one.status_code == 200 and one.json["result"]["title"].startswith("Survei Ubinan")
    assert set(one.json["result"]) <= RECORD_KEYS
    assert one.json["result"]["sector_label"] == SECTOR_LABEL
    assert not any(text in one.get_data(as_text=True) for text in PRIVATE_TEXTS)
    assert client.get(f"/api/v1/catalogue/{catalogue['drafted']}").status_code == 404


def test_the_catalogue_api_cannot_write_or_tell_more(app, catalogue):
    client = app.test_client()
    pk = catalogue["sent"]
    assert client.post("/api/v1/catalogue/", json={"title": "x"}).status_code in (404, 405)
    assert client.put(f"/api/v1/catalogue/{pk}", json={"title": "x"}).status_code in (404, 405)
    assert client.delete(f"/api/v1/catalogue/{pk}").status_code in (404, 405)
    assert client.get("/api/v1/catalogue/_info").status_code == 404
    # A rison column outside the public ones is refused, not answered.
    r = client.get("/api/v1/catalogue/", query_string={"q": "(columns:!(resp_email))"})
    assert r.status_code == 400 or "resp_email" not in r.get_data(as_text=True)
    # The private requests API still needs a login.
    assert client.get("/api/v1/requests/").status_code == 401


def test_catalogue_search_by_words_with_bad_arguments_refused(app, catalogue):
    client = app.test_client()
    r = client.get("/api/v1/catalogue/search",
                   query_string={"q": "ubinan jagung katalog", "year": YEAR})
    assert r.status_code == 200
    assert [hit["request_id"] for hit in r.json["result"]] == [catalogue["sent"]]
    assert r.json["count"] == 1 and r.json["more"] is False
    hit = r.json["result"][0]
    assert hit["letter_number"].startswith("B-") and hit["office_name"] == "BPS Kota Lubuklinggau"
    assert (hit["sector"], hit["sector_label"]) == ("agriculture_fisheries", SECTOR_LABEL)
    # The sector filter is a code; the label's words are searched like any others.
    by_code = client.get("/api/v1/catalogue/search",
                         query_string={"sector": "agriculture_fisheries", "year": YEAR})
    assert by_code.status_code == 200 and by_code.json["count"] == 3
    assert client.get("/api/v1/catalogue/search", query_string={
        "sector": "health", "year": YEAR}).json["count"] == 0
    by_label = client.get("/api/v1/catalogue/search",
                          query_string={"q": "perikanan katalog terbuka", "year": YEAR})
    assert by_label.json["count"] == 3
    for sector in ("Pertanian", "pertanian dan perikanan", "agriculture", "%", "health,labour"):
        bad = client.get("/api/v1/catalogue/search", query_string={"sector": sector})
        assert bad.status_code == 400, sector
        assert bad.json["message"].startswith("Sektor tidak dikenal"), bad.json
    for args in ({"year": "dua ribu"}, {"page": "0"}, {"page_size": "1000"}, {"page": "x"}):
        bad = client.get("/api/v1/catalogue/search", query_string=args)
        assert bad.status_code == 400, args
        assert bad.json["message"]


def test_catalogue_download_as_csv_and_json(app, catalogue):
    client = app.test_client()
    r = client.get("/api/v1/catalogue/download.csv", query_string={"year": YEAR})
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    assert r.headers["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert {int(row["id"]) for row in rows} == {catalogue["sent"], catalogue["closed"],
                                                catalogue["formula"]}
    by_id = {int(row["id"]): row for row in rows}
    assert by_id[catalogue["sent"]]["kind_label"] == "Survei"  # the default language's label
    assert by_id[catalogue["sent"]]["sector"] == "agriculture_fisheries"
    assert by_id[catalogue["sent"]]["sector_label"] == SECTOR_LABEL
    assert by_id[catalogue["sent"]]["letter_date"] == "2026-11-03"  # open data: ISO dates
    # A cell a spreadsheet would run as a formula is text in the CSV ...
    assert by_id[catalogue["formula"]]["title"].startswith("'=HYPERLINK")
    assert not any(text in r.get_data(as_text=True) for text in PRIVATE_TEXTS)

    j = client.get("/api/v1/catalogue/download.json", query_string={"year": YEAR})
    assert j.status_code == 200 and j.mimetype == "application/json"
    records = json.loads(j.get_data(as_text=True))
    assert {rec["id"] for rec in records} == set(by_id)
    # ... and the JSON keeps the text as written.
    formula = next(rec for rec in records if rec["id"] == catalogue["formula"])
    assert formula["title"].startswith("=HYPERLINK")
    assert set(records[0]) == set(rows[0])  # the same fields in both formats
    assert client.get("/api/v1/catalogue/download.csv",
                      query_string={"year": "tahun"}).status_code == 400


def test_the_whole_catalogue_downloads_past_one_batch(app, catalogue):
    """Without a year: every recommended activity, however many batches it takes."""
    with app.app_context():
        session = app.appbuilder.session
        expected = session.scalar(
            sa.select(sa.func.count()).select_from(m.ActivityRequest)
            .join(m.Letter, m.Letter.request_id == m.ActivityRequest.id)
            .where(m.ActivityRequest.state.in_(("issued", "sent", "closed")),
                   m.Letter.issued_at.is_not(None)))
        session.remove()
    body = app.test_client().get("/api/v1/catalogue/download.csv").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(body)))) == expected >= 3


def test_openapi_and_swagger_are_readable_without_login(app, world, catalogue):
    client = app.test_client()
    r = client.get("/api/v1/_openapi")
    assert r.status_code == 200
    paths = r.json["paths"]
    for path in ("/catalogue/", "/catalogue/search", "/catalogue/download.csv",
                 "/catalogue/download.json", "/complaints/", "/complaints/{pk}/{step}",
                 "/ratings/", "/ratings/ikm", "/requests/"):
        assert "/api/v1" + path in paths, path
    # The catalogue says it needs no login; the officers' APIs say they do.
    assert paths["/api/v1/catalogue/"]["get"]["security"] == []
    assert paths["/api/v1/complaints/"]["get"]["security"] != []
    page = client.get("/swagger/v1")
    assert page.status_code == 200 and "swagger-ui" in page.get_data(as_text=True)
    # Logged in, every role reads them too.
    for name in ("applicant_a", "officer_x", "head_x", "admin"):
        logged_in = login(app.test_client(), name)
        assert logged_in.get("/swagger/v1").status_code == 200, name
        assert logged_in.get("/api/v1/_openapi").status_code == 200, name


# --- complaints ----------------------------------------------------------------------------


def test_staff_read_their_offices_complaints_only(api, world):
    mine = world.rows[("ComplaintView", OFFICE_X)]
    theirs = world.rows[("ComplaintView", OFFICE_Y)]
    listed = api("GET", "officer_x", "/api/v1/complaints/?q=(page_size:100)")
    assert listed.status_code == 200
    offices = {row["office"]["id"] for row in listed.json["result"]}
    assert offices == {world.offices[OFFICE_X]}
    assert api("GET", "officer_x", f"/api/v1/complaints/{mine}").status_code == 200
    assert api("GET", "officer_x", f"/api/v1/complaints/{theirs}").status_code == 404
    assert api("GET", "head_x", f"/api/v1/complaints/{mine}").status_code == 200
    both = api("GET", "admin", "/api/v1/complaints/?q=(page_size:100)").json["result"]
    assert {row["office"]["id"] for row in both} >= set(world.offices.values())
    # Applicants follow their complaints on the public page, not here; nobody else at all.
    assert api("GET", "applicant_a", "/api/v1/complaints/").status_code == 403
    assert api("GET", None, "/api/v1/complaints/").status_code == 401


def _outbox_to(app, address):
    with app.app_context():
        session = app.appbuilder.session
        rows = session.scalars(sa.select(m.OutboundEmail.subject)
                               .where(m.OutboundEmail.recipient == address)).all()
        session.remove()
    return rows


def test_an_officer_records_and_handles_a_complaint(app, api, world):
    r = api("POST", "officer_x", "/api/v1/complaints/", json={
        "channel": "email", "subject": "Surat belum diterima",
        "text": "Sudah lewat 30 hari kerja.", "reporter_name": "Rina",
        "reporter_email": "rina.api@dinas.test", "office": world.offices[OFFICE_Y]})
    assert r.status_code == 201, r.json
    pk = r.json["id"]
    assert r.json["state"] == "received" and r.json["tracking_code"]
    shown = api("GET", "officer_x", f"/api/v1/complaints/{pk}").json["result"]
    # An officer records in their own office, whatever the body names.
    assert shown["office"]["id"] == world.offices[OFFICE_X]
    assert shown["due_date"] and shown["ack_due_date"]
    assert len(_outbox_to(app, "rina.api@dinas.test")) == 1  # the acknowledgement

    # The head reads but does not handle; another office's officer does not even see it.
    assert api("POST", "head_x", f"/api/v1/complaints/{pk}/take").status_code == 403
    assert api("POST", "officer_y", f"/api/v1/complaints/{pk}/take").status_code == 404
    assert api("POST", "officer_x", f"/api/v1/complaints/{pk}/close").status_code == 409
    assert api("POST", "officer_x", f"/api/v1/complaints/{pk}/reopen").status_code == 404

    taken = api("POST", "officer_x", f"/api/v1/complaints/{pk}/take")
    assert taken.status_code == 200, taken.json
    assert (taken.json["from_state"], taken.json["state"]) == ("received", "in_progress")
    empty = api("POST", "officer_x", f"/api/v1/complaints/{pk}/answer", json={"text": "  "})
    assert empty.status_code == 409 and empty.json["message"]
    assert api("POST", "officer_x", f"/api/v1/complaints/{pk}/answer",
               json=["bukan objek"]).status_code == 400
    answered = api("POST", "officer_x", f"/api/v1/complaints/{pk}/answer",
                   json={"text": "Surat sudah dikirim ulang hari ini."})
    assert answered.status_code == 200 and answered.json["state"] == "answered"
    assert len(_outbox_to(app, "rina.api@dinas.test")) == 2  # and the answer
    closed = api("POST", "officer_x", f"/api/v1/complaints/{pk}/close")
    assert closed.status_code == 200 and closed.json["state"] == "closed"
    with app.app_context():
        session = app.appbuilder.session
        events = session.scalars(sa.select(m.AuditEvent.action).where(
            m.AuditEvent.object_type == "complaint", m.AuditEvent.object_id == pk)
            .order_by(m.AuditEvent.id)).all()
        session.remove()
    # The handling's steps; the reads of the reporter's details are accesses (issue 25).
    assert [e for e in events if e not in PERSONAL_ACCESS_ACTIONS] == ["take", "answer", "close"]
    assert set(events) - {"take", "answer", "close"} <= {"view_personal"}


@pytest.mark.parametrize("body,field", [
    ({"text": "isi"}, "subject"),
    ({"subject": "x" * 301, "text": "isi"}, "subject"),
    ({"subject": "Lambat", "text": "isi", "channel": "merpati"}, "channel"),
    ({"subject": "Lambat", "text": "isi", "reporter_email": "bukan-alamat"}, "reporter_email"),
    ({"subject": "Lambat", "text": "isi", "request": 2**40}, "request"),
    ({"subject": "Lambat", "text": "isi", "request": "satu"}, "request"),
])
def test_a_bad_complaint_is_refused_and_nothing_recorded(app, api, body, field):
    def count():
        with app.app_context():
            session = app.appbuilder.session
            n = session.scalar(sa.select(sa.func.count()).select_from(m.Complaint))
            session.remove()
        return n

    before = count()
    r = api("POST", "officer_x", "/api/v1/complaints/", json=body)
    assert r.status_code == 422, r.json
    assert field in r.json["message"]
    assert count() == before


def test_a_complaint_about_another_offices_request_is_refused(api, world):
    other = world.rows[("ActivityRequestView", OFFICE_Y)]
    r = api("POST", "officer_x", "/api/v1/complaints/",
            json={"subject": "Lambat", "text": "isi", "request": other})
    assert r.status_code == 422 and "request" in r.json["message"]
    assert api("POST", "head_x", "/api/v1/complaints/",
               json={"subject": "Lambat", "text": "isi"}).status_code == 403


# --- ratings -------------------------------------------------------------------------------


def test_ratings_are_read_per_office_with_the_index(app, api, world):
    mine = world.rows[("RatingView", OFFICE_X)]
    theirs = world.rows[("RatingView", OFFICE_Y)]
    listed = api("GET", "head_x", "/api/v1/ratings/?q=(page_size:100)")
    assert listed.status_code == 200
    assert {row["office"]["id"] for row in listed.json["result"]} == {world.offices[OFFICE_X]}
    assert api("GET", "officer_x", f"/api/v1/ratings/{mine}").json["result"]["e1"] == 4
    assert api("GET", "officer_x", f"/api/v1/ratings/{theirs}").status_code == 404
    assert api("GET", "applicant_a", "/api/v1/ratings/").status_code == 403
    assert api("POST", "officer_x", "/api/v1/ratings/", json={"e1": 1}).status_code in (404, 405)

    today = dt.date.today()
    period = {"start": (today - dt.timedelta(days=400)).isoformat(),
              "end": (today + dt.timedelta(days=1)).isoformat()}
    index = api("GET", "officer_x", "/api/v1/ratings/ikm", query_string=period)
    assert index.status_code == 200, index.json
    assert index.json["office"] == world.offices[OFFICE_X]
    with app.app_context():
        from app.offices.workdays import office_timezone
        from app.reports import figures as reports

        expected = reports.period_ikm(app.appbuilder.session, world.offices[OFFICE_X],
                                      dt.date.fromisoformat(period["start"]),
                                      dt.date.fromisoformat(period["end"]),
                                      office_timezone())
        app.appbuilder.session.remove()
    assert index.json["respondents"] == expected.respondents >= 1
    assert index.json["converted"] == expected.converted and index.json["grade"] == expected.grade
    # An officer cannot ask for another office's index; an admin can.
    other = api("GET", "officer_x", "/api/v1/ratings/ikm",
                query_string={**period, "office": world.offices[OFFICE_Y]})
    assert other.json["office"] == world.offices[OFFICE_X]
    admin = api("GET", "admin", "/api/v1/ratings/ikm",
                query_string={**period, "office": world.offices[OFFICE_Y]})
    assert admin.json["office"] == world.offices[OFFICE_Y]
    for bad in ({"start": "kemarin", "end": period["end"]},
                {"start": period["end"], "end": period["start"]},
                {"start": "2000-01-01", "end": "2026-01-01"}):
        r = api("GET", "officer_x", "/api/v1/ratings/ikm", query_string=bad)
        assert r.status_code == 400 and r.json["message"], bad


def test_the_catalogue_page_links_its_open_data(app, catalogue):
    import re

    client = app.test_client()
    page = client.get("/catalogue/", query_string={"year": YEAR}).get_data(as_text=True)
    links = dict(re.findall(r'href="(/api/v1/catalogue/download\.(csv|json)[^"]*)"', page))
    assert set(links.values()) == {"csv", "json"}
    for href in links:
        assert f"year={YEAR}" in href  # the year chosen on the page
        body = client.get(href.replace("&amp;", "&"))
        assert body.status_code == 200 and "Katalog Terbuka" in body.get_data(as_text=True)
    assert 'href="/swagger/v1"' in page
