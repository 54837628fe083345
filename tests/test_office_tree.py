"""Issue 27, the office tree: a province office's staff read the requests (and every other
office-scoped row) of the regencies and cities under it, and change only their own office's;
the headquarters, the root of every office, reads all. Pages that change something keep one
office (auth/access.visible_offices: reading is opt-in per endpoint)."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from app import models as m
from app.core.process_cache import forget_all
from app.offices.directory import office_scope
from app.ops.bootstrap import create_user, ensure_office

from conftest import PASSWORD, login, seed

PROVINCE, REGENCY, ELSEWHERE = "1690", "1691", "1692"


@pytest.fixture(scope="module")
def tree(app, world, wf):
    """Province 1690 with regency 1691 under it, and 1692 under no one; a request in each (and
    a complaint in the regency), an officer in each of the first two, a head in the province."""
    with app.app_context():
        session = app.appbuilder.session
        province = ensure_office(PROVINCE, "BPS Provinsi Uji Pohon")
        regency = ensure_office(REGENCY, "BPS Kabupaten Uji Pohon", parent_id=province.id)
        elsewhere = ensure_office(ELSEWHERE, "BPS Kabupaten Lain")
        ids = {"province": province.id, "regency": regency.id, "elsewhere": elsewhere.id}
        for name, role, code in (("officer_p1690", "Officer", PROVINCE),
                                 ("head_p1690", "Head", PROVINCE),
                                 ("officer_r1691", "Officer", REGENCY)):
            if session.scalar(sa.select(m.RekomUser.id).where(m.RekomUser.username == name)) \
                    is None:
                create_user(role, name, f"{name}@rekomstat.test", PASSWORD, office_code=code)
        titles = {}
        for key in ("province", "regency", "elsewhere"):
            req_id = seed(session, world, wf, "submitted")
            title = f"Survei Pohon {key} {uuid.uuid4().hex[:6]}"
            session.execute(sa.update(m.ActivityRequest).where(m.ActivityRequest.id == req_id)
                            .values(office_id=ids[key], title=title))
            ids[f"req_{key}"], titles[key] = req_id, title
        complaint = m.Complaint(office_id=ids["regency"], reporter_name="Warga Uji",
                                reporter_email="warga@uji.test", subject="Antrean lama",
                                text="Menunggu dua jam.", tracking_code=uuid.uuid4().hex[:12])
        session.add(complaint)
        session.commit()
        ids["complaint"] = complaint.id
        session.remove()
    forget_all()
    return ids, titles


def _list(client) -> str:
    return client.get("/activityrequestview/list/?psize_ActivityRequestView=100").get_data(
        as_text=True)


def test_the_scope_is_the_office_and_those_under_it(app, tree):
    ids, _ = tree
    with app.app_context():
        session = app.appbuilder.session
        province = office_scope(session, ids["province"])
        assert province.offices == {ids["province"], ids["regency"]}
        assert not province.everything
        assert office_scope(session, ids["regency"]).offices == {ids["regency"]}
        session.remove()


def test_a_province_reads_its_regencies_requests_but_changes_only_its_own(app, tree):
    ids, titles = tree
    officer = login(app.test_client(), "officer_p1690")
    page = _list(officer)
    assert titles["province"] in page and titles["regency"] in page
    assert titles["elsewhere"] not in page
    assert officer.get(f"/activityrequestview/show/{ids['req_regency']}").status_code == 200
    assert officer.get(f"/activityrequestview/show/{ids['req_elsewhere']}").status_code == 404
    # Its own request: editable; the regency's: not there for a change.
    assert officer.get(f"/activityrequestview/edit/{ids['req_province']}").status_code == 200
    assert officer.get(f"/activityrequestview/edit/{ids['req_regency']}").status_code == 404
    answer = officer.post(f"/activityrequestview/action/start_review/{ids['req_regency']}")
    assert answer.status_code == 404
    with app.app_context():
        state = app.appbuilder.session.get(m.ActivityRequest, ids["req_regency"]).state
        app.appbuilder.session.remove()
    assert state == "submitted"


def _row(page: str, title: str) -> str:
    """The list's table row holding ``title``."""
    rows = [row for row in page.split("<tr") if title in row]
    assert len(rows) == 1, title
    return rows[0]


def test_another_offices_row_is_listed_for_reading_only_with_its_office(app, tree):
    """On the province's list a regency's row names its office and offers only "show": no
    edit, delete or action checkbox, which would answer "not found" (issue 27)."""
    ids, titles = tree
    officer = login(app.test_client(), "officer_p1690")
    page = _list(officer)
    assert '<th class="row-office">Kantor</th>' in page
    regency, own = _row(page, titles["regency"]), _row(page, titles["province"])
    assert "1691 BPS Kabupaten Uji Pohon" in regency
    assert "1690 BPS Provinsi Uji Pohon" in own
    assert f"/activityrequestview/show/{ids['req_regency']}" in regency
    assert "/activityrequestview/edit/" not in regency
    assert "/activityrequestview/delete/" not in regency
    assert 'class="action_check"' not in regency
    assert f"/activityrequestview/edit/{ids['req_province']}" in own
    assert f'value="{ids["req_province"]}" type="checkbox"' in own
    # A regency's own list: one office, no office column.
    page = _list(login(app.test_client(), "officer_r1691"))
    assert 'class="row-office"' not in page
    assert f"/activityrequestview/edit/{ids['req_regency']}" in _row(page, titles["regency"])


def test_another_offices_request_page_offers_no_change(app, tree):
    """Its page, its form and its letter read; none of the buttons that change it."""
    ids, _ = tree
    officer = login(app.test_client(), "officer_p1690")
    own = officer.get(f"/activityrequestview/show/{ids['req_province']}").get_data(as_text=True)
    regency = officer.get(f"/activityrequestview/show/{ids['req_regency']}").get_data(
        as_text=True)
    # A submitted request: its officer may start the review of their own office's request.
    assert f"/activityrequestview/action/start_review/{ids['req_province']}" in own
    assert "/action/" not in regency
    answer = officer.get(f"/activityrequestview/form/{ids['req_regency']}")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert officer.get(f"/activityrequestview/form/{ids['req_elsewhere']}").status_code == 404


def test_a_document_of_a_regencys_request_reads_from_the_province(app, tree):
    """The request's page lists its documents: the province's staff download them too; an
    office elsewhere, or a regency reading up, does not."""
    import os

    from app.core import codes

    ids, _ = tree
    with app.app_context():
        session = app.appbuilder.session
        docs = {}
        for key in ("regency", "province"):
            token = codes.random_token(32)
            path = os.path.join(app.config["UPLOAD_FOLDER"], token[:2], token)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(b"%PDF-1.4 kuesioner " + key.encode())
            doc = m.Attachment(request_id=ids[f"req_{key}"], original_name=f"kuesioner-{key}.pdf",
                               stored_name=token, size=24, content_type="application/pdf",
                               sha256="0" * 64, kind="questionnaire")
            session.add(doc)
            session.flush()
            docs[key] = doc.id
        session.commit()
        session.remove()
    province = login(app.test_client(), "officer_p1690")
    answer = province.get(f"/portal/documents/{docs['regency']}")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF-1.4 kuesioner regency")
    regency = login(app.test_client(), "officer_r1691")
    assert regency.get(f"/portal/documents/{docs['regency']}").status_code == 200
    assert regency.get(f"/portal/documents/{docs['province']}").status_code == 404
    elsewhere = login(app.test_client(), "officer_x")
    assert elsewhere.get(f"/portal/documents/{docs['regency']}").status_code == 404


def test_other_views_list_another_offices_rows_for_reading_only(app, tree):
    ids, _ = tree
    head = login(app.test_client(), "head_p1690")
    page = head.get("/complaintview/list/").get_data(as_text=True)
    row = _row(page, "Antrean lama")
    assert "1691 BPS Kabupaten Uji Pohon" in row
    assert f"/complaintview/show/{ids['complaint']}" in row
    assert "/complaintview/edit/" not in row and 'class="action_check"' not in row
    shown = head.get(f"/complaintview/show/{ids['complaint']}").get_data(as_text=True)
    assert "/complaintview/action/" not in shown


def test_a_regency_does_not_read_its_province(app, tree):
    ids, titles = tree
    officer = login(app.test_client(), "officer_r1691")
    page = _list(officer)
    assert titles["regency"] in page and titles["province"] not in page
    assert officer.get(f"/activityrequestview/show/{ids['req_province']}").status_code == 404


def test_other_office_rows_follow_the_same_rule(app, tree):
    ids, _ = tree
    head = login(app.test_client(), "head_p1690")
    page = head.get("/complaintview/list/").get_data(as_text=True)
    assert "Antrean lama" in page
    assert head.get(f"/complaintview/show/{ids['complaint']}").status_code == 200
    officer = login(app.test_client(), "officer_p1690")
    assert officer.get(f"/complaintview/edit/{ids['complaint']}").status_code in (403, 404)


def test_the_api_reads_the_same_scope(app, tree):
    ids, _ = tree
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": "officer_p1690", "password": PASSWORD, "provider": "db"}).json
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    found = {row["id"] for row in client.get(
        "/api/v1/requests/?q=(page_size:100)", headers=headers).json["result"]}
    assert {ids["req_province"], ids["req_regency"]} <= found
    assert ids["req_elsewhere"] not in found
    assert client.get(f"/api/v1/requests/{ids['req_regency']}",
                      headers=headers).status_code == 200
    answer = client.post(f"/api/v1/requests/{ids['req_regency']}/start_review", json={},
                         headers=headers)
    assert answer.status_code in (403, 404)


def test_the_headquarters_reads_every_office(app, tree):
    """The root of every office (here made for the test, then undone; not BPS RI's own code
    "0000", which other tests use as a code no office has)."""
    ids, titles = tree
    with app.app_context():
        session = app.appbuilder.session
        hq_id = ensure_office("0001", "BPS RI (uji)").id
        roots = session.scalars(sa.select(m.Office.id).where(
            m.Office.parent_id.is_(None), m.Office.id != hq_id)).all()
        session.execute(sa.update(m.Office).where(m.Office.id.in_(roots))
                        .values(parent_id=hq_id))
        if session.scalar(sa.select(m.RekomUser.id).where(
                m.RekomUser.username == "officer_hq0001")) is None:
            create_user("Officer", "officer_hq0001", "officer_hq0001@rekomstat.test", PASSWORD,
                        office_code="0001")
        session.commit()
        session.remove()
    forget_all()
    try:
        officer = login(app.test_client(), "officer_hq0001")
        page = _list(officer)
        assert titles["elsewhere"] in page and titles["regency"] in page
        with app.app_context():
            assert office_scope(app.appbuilder.session, hq_id).everything
            app.appbuilder.session.remove()
        assert officer.get(f"/activityrequestview/edit/{ids['req_elsewhere']}").status_code \
            == 404
    finally:
        with app.app_context():
            session = app.appbuilder.session
            session.execute(sa.update(m.Office).where(m.Office.id.in_(roots))
                            .values(parent_id=None))
            # Out of the offices applicants choose from on later tests' forms.
            session.execute(sa.update(m.Office).where(m.Office.id == hq_id).values(active=False))
            session.commit()
            session.remove()
        forget_all()


def _register(client, **args) -> str:
    """The dashboard's request register (xlsx) as text."""
    import io

    from openpyxl import load_workbook

    answer = client.get("/dashboard/export/requests", query_string={
        "start": "2026-01-01", "end": "2026-12-31", **args})
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data), read_only=True)
    return " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True)
                    for cell in row if cell is not None)


def _codes(app, ids) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        codes = {key: session.get(m.ActivityRequest, ids[f"req_{key}"]).tracking_code
                 for key in ("province", "regency", "elsewhere")}
        session.remove()
    return codes


def test_a_province_dashboard_covers_its_area_or_one_of_its_offices(app, tree):
    ids, _ = tree
    codes = _codes(app, ids)
    officer = login(app.test_client(), "officer_p1690")
    page = officer.get("/dashboard/").get_data(as_text=True)
    # Its area by default, with the choice of each office in it.
    assert f'data-office="area-{ids["province"]}"' in page
    assert "BPS Provinsi Uji Pohon dan kantor di bawahnya" in page
    assert f'<option value="{ids["regency"]}"' in page
    assert f'<option value="{ids["elsewhere"]}"' not in page
    text = _register(officer)
    assert codes["province"] in text and codes["regency"] in text
    assert codes["elsewhere"] not in text
    # One office of the area.
    text = _register(officer, office=str(ids["regency"]))
    assert codes["regency"] in text and codes["province"] not in text
    # An office outside it is not a choice: the area again.
    page = officer.get(f"/dashboard/?office={ids['elsewhere']}").get_data(as_text=True)
    assert f'data-office="area-{ids["province"]}"' in page


def test_a_regency_dashboard_has_no_choice(app, tree):
    ids, _ = tree
    officer = login(app.test_client(), "officer_r1691")
    page = officer.get(f"/dashboard/?office=area-{ids['province']}").get_data(as_text=True)
    assert f'data-office="{ids["regency"]}"' in page and 'id="office"' not in page


def test_an_admin_chooses_a_province_area(app, tree):
    ids, _ = tree
    codes = _codes(app, ids)
    admin = login(app.test_client(), "admin")
    page = admin.get("/dashboard/").get_data(as_text=True)
    assert f'<option value="area-{ids["province"]}"' in page and 'data-office="all"' in page
    text = _register(admin, office=f"area-{ids['province']}")
    assert codes["regency"] in text and codes["elsewhere"] not in text
