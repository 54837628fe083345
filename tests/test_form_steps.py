"""Issue 26, the form in steps: one block of the same form per page (portal/form_steps.py), each
step saved as a draft through the one front door (request_commands) before the next opens, a
step never clearing what another holds, and the last step listing what is still missing with
links to the fields."""
from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from app import models as m
from app.portal import form_steps

from conftest import OWNER, login, seed

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _client(app):
    return login(app.test_client(), OWNER)


def _req(app, req_id) -> m.ActivityRequest:
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        session.expunge(req)
        return req


def _start(app, client, title=None, **extra) -> int:
    """Step 1 of a new request, saved: the draft's id."""
    title = title or f"Survei Step {uuid.uuid4().hex[:6]}"
    office = client.get("/portal/requests/new?step=activity").get_data(as_text=True)
    office_id = re.search(r'<option value="(\d+)" selected', office).group(1)
    r = client.post("/portal/requests/new", data={
        "step": "activity", "action": "next", "office_id": office_id, "title": title,
        "year": "2027", "kind": "survey", **extra})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    match = re.search(r"/portal/requests/(\d+)/edit\?step=organiser", r.headers["Location"])
    assert match, r.headers["Location"]
    return int(match.group(1))


def test_a_new_request_opens_on_its_first_step_with_the_progress(app, world):
    client = _client(app)
    page = client.get("/portal/requests/new?step=activity").get_data(as_text=True)
    assert "Langkah 1 dari 12" in page
    assert 'name="title"' in page and 'name="office_id"' in page
    # Only this step's block: Block I's fields come on the next page.
    assert 'name="agency_name"' not in page and 'name="variables-0-name"' not in page
    # Every step named in the progress indicator, the current one marked.
    assert page.count('class="form-step-button"') == len(form_steps.STEPS)
    assert page.count('aria-current="step"') == 1
    # Any other step asked of a request not yet made is its first step too.
    assert "Langkah 1 dari 12" in client.get(
        "/portal/requests/new?step=review").get_data(as_text=True)


def test_each_step_saves_its_own_fields_and_never_clears_another(app, world):
    client = _client(app)
    title = f"Survei Langkah {uuid.uuid4().hex[:6]}"
    req_id = _start(app, client, title)
    req = _req(app, req_id)
    assert (req.state, req.title, req.year, req.applicant_id) == (
        "draft", title, 2027, world.users[OWNER])
    page = client.get(f"/portal/requests/{req_id}/edit?step=organiser").get_data(as_text=True)
    assert "Langkah 2 dari 12" in page and 'name="agency_name"' in page
    assert 'name="title"' not in page
    r = client.post(f"/portal/requests/{req_id}/edit", data={
        "step": "organiser", "action": "next", "agency_name": "Dinas Kesehatan Kota Lubuklinggau",
        "agency_head_title": "Kepala Dinas Kesehatan", "agency_address": "Jl. Merdeka 1"})
    assert r.status_code == 302 and r.headers["Location"].endswith("step=people")
    req = _req(app, req_id)
    # Block I saved, and step 1's answers still there (not posted again, not cleared).
    assert req.agency_name == "Dinas Kesehatan Kota Lubuklinggau"
    assert (req.title, req.year, req.kind) == (title, 2027, "survey")
    # Back and a jump save too, then go where the button says.
    r = client.post(f"/portal/requests/{req_id}/edit", data={
        "step": "people", "action": "back", "resp_name": "Rina Marlina"})
    assert r.headers["Location"].endswith("step=organiser")
    r = client.post(f"/portal/requests/{req_id}/edit", data={
        "step": "organiser", "action": "goto:planning", "agency_name": "Dinkes Lubuklinggau"})
    assert r.headers["Location"].endswith("step=planning")
    req = _req(app, req_id)
    assert (req.resp_name, req.agency_name, req.agency_address) == (
        "Rina Marlina", "Dinkes Lubuklinggau", None)


def test_a_mistake_on_a_step_saves_nothing_and_keeps_what_was_typed(app, world):
    client = _client(app)
    req_id = _start(app, client)
    r = client.post(f"/portal/requests/{req_id}/edit", data={
        "step": "planning", "action": "next", "objectives": "Mengukur cakupan imunisasi.",
        "collection_start": "2027-05-01", "collection_end": "2027-03-01"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="form-errors"' in page and "Langkah 4 dari 12" in page
    assert "Mengukur cakupan imunisasi." in page  # what was typed comes back
    # The mistake is said at its field, and a screen reader reads it with the field.
    field = re.search(r'<input[^>]*id="collection_end"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="collection_end-error"' in field
    said = re.search(r'<div id="collection_end-error">(.*?)</div>', page, re.S).group(1)
    assert "tanggal" in said.lower() or "sebelum" in said.lower(), said
    req = _req(app, req_id)
    assert req.objectives is None and req.collection_start is None


def test_the_variables_step_keeps_the_rows_and_other_steps_leave_them(app, world):
    client = _client(app)
    req_id = _start(app, client)
    page = client.get(f"/portal/requests/{req_id}/edit?step=rows").get_data(as_text=True)
    assert 'name="variables-0-name"' in page and 'name="indicators-0-name"' in page
    r = client.post(f"/portal/requests/{req_id}/edit", data={
        "step": "rows", "action": "next", "variables-0-name": "Umur",
        "variables-1-name": "Jenis kelamin", "indicators-0-name": "Rasio jenis kelamin"})
    assert r.status_code == 302 and r.headers["Location"].endswith("step=documents")
    client.post(f"/portal/requests/{req_id}/edit", data={
        "step": "activity", "action": "save", "title": "Survei Penduduk Mini", "year": "2027",
        "kind": "survey"})
    with app.app_context():
        req = app.appbuilder.session.get(m.ActivityRequest, req_id)
        assert [v.name for v in req.variables] == ["Umur", "Jenis kelamin"]
        assert [i.name for i in req.indicators] == ["Rasio jenis kelamin"]
        assert req.title == "Survei Penduduk Mini"


def test_the_documents_step_takes_files_and_only_it(app, world):
    client = _client(app)
    req_id = _start(app, client)
    # A file posted with another step is not read.
    client.post(f"/portal/requests/{req_id}/edit", data={
        "step": "planning", "action": "next",
        "file_cover_letter": (__import__("io").BytesIO(PDF), "pengantar.pdf")},
        content_type="multipart/form-data")
    assert _count_documents(app, req_id) == 0
    r = client.post(f"/portal/requests/{req_id}/edit", data={
        "step": "documents", "action": "next",
        "file_cover_letter": (__import__("io").BytesIO(PDF), "pengantar.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 302 and r.headers["Location"].endswith("step=review")
    assert _count_documents(app, req_id) == 1
    page = client.get(f"/portal/requests/{req_id}/edit?step=documents").get_data(as_text=True)
    assert "pengantar.pdf" in page


def _count_documents(app, req_id) -> int:
    with app.app_context():
        return app.appbuilder.session.scalar(sa.select(sa.func.count()).select_from(
            m.Attachment).where(m.Attachment.request_id == req_id))


def test_the_last_step_lists_what_is_missing_with_links_then_submits(app, world):
    client = _client(app)
    req_id = _start(app, client)
    page = client.get(f"/portal/requests/{req_id}/edit?step=review").get_data(as_text=True)
    missing = re.findall(r'<li><a href="(/portal/requests/\d+/edit\?step=(\w+)#(\w+))">', page)
    steps = {field: step for _url, step, field in missing}
    # Each needed answer linked to its own step and field.
    assert steps["agency_name"] == "organiser" and steps["resp_name"] == "people"
    assert steps["objectives"] == "planning" and steps["collection_start"] == "planning"
    assert steps["resp_phone"] == "people"  # the phone-or-e-mail group, by its first field
    assert "title" not in steps and 'id="submit-request"' in page and "disabled" in page
    # The progress indicator counts the missing answers on each step.
    assert re.search(r"step=organiser|2</span>\s*<span class=\"step-title\">Blok I", page)
    # Submitting early: kept as a draft, back on the list of what is missing.
    r = client.post(f"/portal/requests/{req_id}/edit", data={"step": "review",
                                                            "action": "submit"})
    assert r.status_code == 302 and r.headers["Location"].endswith("step=review")
    assert _req(app, req_id).state == "draft"
    for step, data in (
        ("organiser", {"agency_name": "Bappeda", "agency_head_title": "Kepala Bappeda",
                       "agency_address": "Jl. Garuda 1"}),
        ("people", {"resp_name": "Budi", "resp_email": "budi@bappeda.test"}),
        ("planning", {"objectives": "Memetakan usulan warga.",
                      "collection_start": "2027-02-01", "collection_end": "2027-03-31"}),
    ):
        r = client.post(f"/portal/requests/{req_id}/edit",
                        data={"step": step, "action": "save", **data})
        assert r.status_code == 302, (step, r.get_data(as_text=True)[:1500])
    page = client.get(f"/portal/requests/{req_id}/edit?step=review").get_data(as_text=True)
    assert 'id="complete"' in page and 'id="missing"' not in page
    r = client.post(f"/portal/requests/{req_id}/edit", data={"step": "review",
                                                            "action": "submit"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/portal/requests/{req_id}")
    req = _req(app, req_id)
    assert req.state == "submitted" and req.title and req.agency_name == "Bappeda"


def test_a_revision_is_resubmitted_from_the_last_step(app, world, wf):
    with app.app_context():
        req_id = seed(app.appbuilder.session, world, wf, "revision_requested")
        app.appbuilder.session.remove()
    client = _client(app)
    page = client.get(f"/portal/requests/{req_id}/edit?step=review").get_data(as_text=True)
    assert 'value="resubmit"' in page and 'value="submit"' not in page
    r = client.post(f"/portal/requests/{req_id}/edit", data={
        "step": "planning", "action": "goto:review", "background": "Diperbaiki.",
        "objectives": "Mengukur produktivitas padi sawah per kecamatan.",
        "collection_start": "2027-03-01", "collection_end": "2027-04-30"})
    assert r.headers["Location"].endswith("step=review")
    r = client.post(f"/portal/requests/{req_id}/edit", data={"step": "review",
                                                            "action": "resubmit"})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    assert r.headers["Location"].endswith(f"/portal/requests/{req_id}"), r.headers["Location"]
    req = _req(app, req_id)
    assert (req.state, req.background) == ("submitted", "Diperbaiki.")


def test_another_applicants_request_has_no_steps(app, world, wf):
    with app.app_context():
        req_id = seed(app.appbuilder.session, world, wf, "draft")
        app.appbuilder.session.remove()
    other = login(app.test_client(), "applicant_b")
    assert other.get(f"/portal/requests/{req_id}/edit?step=people").status_code == 404
    r = other.post(f"/portal/requests/{req_id}/edit", data={
        "step": "people", "action": "next", "resp_name": "Penyusup"})
    assert r.status_code == 404
    assert _req(app, req_id).resp_name == "Siti Rahmawati"


def test_the_browser_copy_is_named_per_user_and_dropped_once_saved(app, world):
    client = _client(app)
    page = client.get("/portal/requests/new?step=activity").get_data(as_text=True)
    user = world.users[OWNER]
    assert f'data-draft-key="rekomstat-form:{user}:new:activity"' in page
    assert 'data-draft-saved=""' in page
    req_id = _start(app, client)
    page = client.get(f"/portal/requests/{req_id}/edit?step=organiser").get_data(as_text=True)
    assert f'data-draft-key="rekomstat-form:{user}:{req_id}:organiser"' in page
    # The page after the save names the copy of the step saved (the new request's first).
    assert f'data-draft-saved="rekomstat-form:{user}:new:activity"' in page
    # Once: the next page has nothing to drop.
    page = client.get(f"/portal/requests/{req_id}/edit?step=organiser").get_data(as_text=True)
    assert 'data-draft-saved=""' in page


def test_the_request_page_opens_the_first_step_still_lacking_an_answer(app, world):
    client = _client(app)
    req_id = _start(app, client)
    page = client.get(f"/portal/requests/{req_id}").get_data(as_text=True)
    assert re.search(r'id="edit" href="/portal/requests/\d+/edit\?step=organiser"', page)


def test_the_whole_form_stays_one_page_and_offers_the_steps(app, world):
    client = _client(app)
    page = client.get("/portal/requests/new").get_data(as_text=True)
    assert 'name="agency_name"' in page and 'name="variables-0-name"' in page
    assert 'id="form-in-steps"' in page and "step=activity" in page
