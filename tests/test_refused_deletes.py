"""Deleting a row that other rows still use: refused in words, nothing deleted, on both engines.

Before: on PostgreSQL the database refused (ON DELETE RESTRICT) and FAB flashed its exception,
whose text is empty: the admin saw a blank box. On SQLite (the embedded default) foreign keys
were not enforced at all: the office, the applicant's account or the request was deleted and
its requests, letters and form rows stayed behind pointing at nothing; a later row given the
freed id inherited them. SQLite enforces them now (web/sqlite_setup.py), so the schema's
RESTRICT, CASCADE and SET NULL hold on both engines.
"""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from app import models as m
from app.auth.roles import APPLICANT

from conftest import PASSWORD, login, make_rows

IN_USE = "Tidak dihapus: data lain masih merujuk ke data ini"
DELETED = "Data berhasil dihapus"


@pytest.fixture()
def site(app, world, leave_no_trace):
    """An office of its own with an applicant, a request of every kind of row (make_rows: a
    letter, form rows, a review, a rating...) and a second request with form rows only."""
    from app.ops.bootstrap import create_user, ensure_office

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        session = app.appbuilder.session
        office = ensure_office(f"98{int(tag, 16) % 100:02d}", f"BPS Kabupaten Uji {tag}")
        applicant = create_user(APPLICANT, f"hapus.{tag}", f"hapus.{tag}@rekomstat.test",
                                PASSWORD, "Rina", "Pemohon")
        rows = make_rows(session, m, office.id, applicant.id, world.users["officer_x"], tag)
        bare = m.ActivityRequest(tracking_code=f"RKS-H{tag}", office_id=office.id,
                                 applicant_id=world.users["applicant_a"], title=f"Survei {tag}",
                                 year=2026, agency_name="Dinas Uji", state="submitted")
        session.add(bare)
        session.flush()
        session.add_all([m.RequestVariable(request_id=bare.id, position=1, name="Umur"),
                         m.RequestIndicator(request_id=bare.id, position=1, name="Angka")])
        session.commit()
        ids = {"office": office.id, "applicant": applicant.id, "bare": bare.id, **rows}
        session.remove()
    return ids


@pytest.fixture()
def admin(app):
    """A client of its own: the shared ones may carry messages flashed by earlier tests."""
    return login(app.test_client(), "admin")


def _alerts(html: str, kind: str) -> list[str]:
    found = re.findall(rf'<div class="alert alert-{kind}">(.*?)</div>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>|&times;", " ", text).split()) for text in found]


def _delete(client, path: str) -> str:
    answer = client.post(path, follow_redirects=True)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _count(app, model, **where) -> int:
    with app.app_context():
        session = app.appbuilder.session
        n = session.scalar(sa.select(sa.func.count()).select_from(model).where(
            *[getattr(model, col) == value for col, value in where.items()]))
        session.remove()
    return n


def test_an_office_with_requests_is_kept_with_a_reason(app, site, admin):
    html = _delete(admin, f"/officeview/delete/{site['office']}")
    assert any(IN_USE in text for text in _alerts(html, "danger")), _alerts(html, "danger")
    assert not _alerts(html, "success")
    # Nothing deleted: the office, its requests, and the settings and checklist its screen
    # deletes before the office (OfficeView.pre_delete) are back with the rollback.
    assert _count(app, m.Office, id=site["office"]) == 1
    assert _count(app, m.ActivityRequest, office_id=site["office"]) == 2
    assert _count(app, m.OfficeSetting, office_id=site["office"]) == 1
    assert _count(app, m.ChecklistItem, office_id=site["office"]) >= 1
    # The office's page still opens for the admin, and the officer of another office is
    # untouched: nothing half-done left in the admin's session.
    assert admin.get(f"/officeview/show/{site['office']}").status_code == 200


def test_an_applicant_with_requests_is_kept_with_a_reason(app, site, admin):
    html = _delete(admin, f"/users/delete/{site['applicant']}")
    assert any(IN_USE in text for text in _alerts(html, "danger")), _alerts(html, "danger")
    assert _count(app, m.RekomUser, id=site["applicant"]) == 1
    assert _count(app, m.ActivityRequest, applicant_id=site["applicant"]) == 1


def test_a_request_with_its_letter_is_kept_with_a_reason(app, site, admin):
    request_id = site["ActivityRequestView"]
    html = _delete(admin, f"/activityrequestview/delete/{request_id}")
    assert any(IN_USE in text for text in _alerts(html, "danger")), _alerts(html, "danger")
    assert _count(app, m.ActivityRequest, id=request_id) == 1
    assert _count(app, m.Letter, request_id=request_id) == 1
    assert _count(app, m.RequestVariable, request_id=request_id) == 1


def test_the_api_refuses_the_same_delete_in_words(app, site, api, world):
    """The REST API's DELETE (the admin's) answers the same sentence, not the driver's text."""
    request_id = site["ActivityRequestView"]
    answer = api("DELETE", "admin", f"/api/v1/requests/{request_id}",
                 headers={"Accept-Language": "id"})
    assert answer.status_code == 422, answer.get_data(as_text=True)
    text = answer.get_data(as_text=True)
    assert "Tidak dihapus" in text or "Not deleted" in text, text
    assert "constraint" not in text.lower() and "activity_request" not in text
    assert _count(app, m.ActivityRequest, id=request_id) == 1


def test_a_request_nothing_refers_to_goes_with_its_rows(app, site, admin):
    """The schema's ON DELETE CASCADE on both engines: the request's form rows go with it (on
    SQLite they stayed, for the next request given the same id)."""
    html = _delete(admin, f"/activityrequestview/delete/{site['bare']}")
    assert any(DELETED in text for text in _alerts(html, "success")), html[:2000]
    assert _count(app, m.ActivityRequest, id=site["bare"]) == 0
    assert _count(app, m.RequestVariable, request_id=site["bare"]) == 0
    assert _count(app, m.RequestIndicator, request_id=site["bare"]) == 0


def test_an_unused_office_is_deleted_with_its_settings(app, world, admin, leave_no_trace):
    from app.ops.bootstrap import ensure_office

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        office_id = ensure_office(f"97{int(tag, 16) % 100:02d}", f"BPS Kota Kosong {tag}").id
        app.appbuilder.session.remove()
    html = _delete(admin, f"/officeview/delete/{office_id}")
    assert any(DELETED in text for text in _alerts(html, "success")), html[:2000]
    assert _count(app, m.Office, id=office_id) == 0
    assert _count(app, m.OfficeSetting, office_id=office_id) == 0
    assert _count(app, m.ChecklistItem, office_id=office_id) == 0


def test_sqlite_enforces_the_schemas_foreign_keys(app):
    """Every connection of the app, on SQLite too: a row naming a missing office is refused."""
    with app.app_context():
        session = app.appbuilder.session
        missing = (session.scalar(sa.select(sa.func.max(m.Office.id))) or 0) + 1000
        with pytest.raises(sa.exc.IntegrityError):
            session.execute(sa.insert(m.OfficeSetting).values(office_id=missing))
            session.flush()
        session.rollback()
        session.remove()
