"""A request's form is closed once its letter is issued, on the staff screens too.

The portal and the API change a request's variables, indicators and documents through
request_commands.update, which refuses once the letter is issued (can_edit). The staff screens
of those parts (a variable, an indicator, a document's record on its own screen) wrote the row
directly: an officer could add a variable to a recommendation already signed. Now they go
through request_commands.check_part_change, the same rule: refused in words, nothing written.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from conftest import OFFICE_X, make_rows

SCREENS = {"RequestVariableView": "requestvariableview",
           "RequestIndicatorView": "requestindicatorview",
           "AttachmentView": "attachmentview"}
REFUSED = "Permohonan dengan status ini tidak dapat diubah lagi."


@pytest.fixture(scope="module")
def parts(app, world, leave_no_trace):
    """Two requests of office X with one row of each part: one open (in review), one whose
    letter is issued; and a document of results on the issued one."""
    from app import models as m

    with app.app_context():
        session = app.appbuilder.session
        out = {}
        for tag, state in (("FPO", "in_review"), ("FPI", "issued")):
            rows = make_rows(session, m, world.offices[OFFICE_X], world.users["applicant_a"],
                             world.users["officer_x"], tag)
            req = session.get(m.ActivityRequest, rows["ActivityRequestView"])
            req.state = state
            out[state] = {**rows, "code": req.tracking_code}
        results = m.Attachment(request_id=out["issued"]["ActivityRequestView"], kind="results",
                               original_name="publikasi.pdf", stored_name="stored-FPR", size=10,
                               content_type="application/pdf", sha256="0" * 64)
        session.add(results)
        session.commit()
        out["results"] = results.id
        session.remove()
    return out


def _count(app, model, **where):
    with app.app_context():
        session = app.appbuilder.session
        n = session.scalar(sa.select(sa.func.count(model.id)).filter_by(**where))
        session.remove()
    return n


def _row(app, model, pk):
    with app.app_context():
        session = app.appbuilder.session
        row = session.get(model, pk)
        values = None if row is None else {c.name: getattr(row, c.name)
                                            for c in model.__table__.columns}
        session.remove()
    return values


ADDS = {"RequestVariableView": {"position": "7", "name": "Status pekerjaan"},
        "RequestIndicatorView": {"position": "7", "name": "Tingkat pengangguran"},
        "AttachmentView": {"kind": "questionnaire", "original_name": "kuesioner.pdf"}}
EDITS = {"RequestVariableView": {"position": "1", "name": "Umur (tahun)"},
         "RequestIndicatorView": {"position": "1", "name": "APS (persen)"},
         "AttachmentView": {"kind": "questionnaire"}}


def _edit(view, code):
    """The edit form's fields (a document's record: its kind only)."""
    return EDITS[view] if view == "AttachmentView" else {**EDITS[view], "request": code}


def _model(view):
    from app import models as m

    return {"RequestVariableView": m.RequestVariable, "RequestIndicatorView": m.RequestIndicator,
            "AttachmentView": m.Attachment}[view]


@pytest.mark.parametrize("user", ["officer_x", "admin"])
@pytest.mark.parametrize("view", sorted(SCREENS))
def test_an_issued_requests_parts_cannot_be_added_changed_or_removed(app, clients, parts,
                                                                     view, user):
    client, base, model = clients[user], SCREENS[view], _model(view)
    issued = parts["issued"]
    before = _count(app, model, request_id=issued["ActivityRequestView"])
    # Added, typed by its code and from the request's own "+" (the key in the filter).
    for url, data in ((f"/{base}/add", {**ADDS[view], "request": issued["code"]}),
                      (f"/{base}/add?_flt_0_request={issued['ActivityRequestView']}",
                       ADDS[view])):
        r = client.post(url, data=data)
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and REFUSED in page, (url, page[:300])
        assert ADDS[view].get("name", ADDS[view].get("original_name")) in page  # kept
    assert _count(app, model, request_id=issued["ActivityRequestView"]) == before
    # Changed, removed (an officer may only add a document's record: roles.py).
    pk = issued[view]
    kept = _row(app, model, pk)
    r = client.post(f"/{base}/edit/{pk}", data=_edit(view, issued["code"]))
    if (view, user) == ("AttachmentView", "officer_x"):
        assert r.status_code == 403
    else:
        assert r.status_code == 200 and REFUSED in r.get_data(as_text=True)
    assert _row(app, model, pk) == kept
    r = client.post(f"/{base}/delete/{pk}", follow_redirects=True)
    if (view, user) == ("AttachmentView", "officer_x"):
        assert r.status_code == 403
    else:
        assert REFUSED in r.get_data(as_text=True)
    assert _row(app, model, pk) == kept


@pytest.mark.parametrize("view", sorted(SCREENS))
def test_an_open_requests_parts_are_still_the_officers_to_change(app, clients, parts, view):
    client, base, model = clients["officer_x"], SCREENS[view], _model(view)
    open_ = parts["in_review"]
    rid = open_["ActivityRequestView"]
    before = _count(app, model, request_id=rid)
    r = client.post(f"/{base}/add", data={**ADDS[view], "request": open_["code"].lower()})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    assert _count(app, model, request_id=rid) == before + 1
    pk = open_[view]
    editor = clients["admin"] if view == "AttachmentView" else client
    r = editor.post(f"/{base}/edit/{pk}", data=_edit(view, open_["code"]))
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    changed = _row(app, model, pk)
    assert changed.get("name", changed.get("kind")) == EDITS[view].get("name",
                                                                       EDITS[view].get("kind"))


def test_a_row_is_not_moved_out_of_or_into_an_issued_request(app, clients, parts):
    from app.models import RequestVariable

    client = clients["officer_x"]
    open_, issued = parts["in_review"], parts["issued"]
    # Into (an open request's variable onto the issued one), and out of.
    for source, target in ((open_, issued), (issued, open_)):
        pk = source["RequestVariableView"]
        kept = _row(app, RequestVariable, pk)
        r = client.post(f"/requestvariableview/edit/{pk}",
                        data={"request": target["code"], "position": "9", "name": "Pindah"})
        assert r.status_code == 200 and REFUSED in r.get_data(as_text=True)
        assert _row(app, RequestVariable, pk) == kept


def test_results_handed_in_after_the_letter_are_not_part_of_the_form(app, clients, parts):
    """A document of the activity's results comes after the letter: it is recorded then, but
    it cannot become one of the form's documents."""
    from app.models import Attachment

    client = clients["officer_x"]
    issued = parts["issued"]
    r = client.post("/attachmentview/add", data={
        "request": issued["code"], "kind": "results", "original_name": "laporan-akhir.pdf"})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    assert _count(app, Attachment, request_id=issued["ActivityRequestView"],
                  original_name="laporan-akhir.pdf") == 1
    pk = parts["results"]
    r = clients["admin"].post(f"/attachmentview/edit/{pk}", data={"kind": "questionnaire"})
    assert r.status_code == 200 and REFUSED in r.get_data(as_text=True)
    assert _row(app, Attachment, pk)["kind"] == "results"


def test_the_limit_of_rows_is_the_domains(app, clients, parts, monkeypatch):
    from app.models import RequestIndicator
    from app.requests import commands

    open_ = parts["in_review"]
    rid = open_["ActivityRequestView"]
    have = _count(app, RequestIndicator, request_id=rid)
    monkeypatch.setattr(commands, "INDICATOR_ROWS",
                        commands.RowTable(**{**vars(commands.INDICATOR_ROWS), "limit": have}))
    from app.requests import views

    monkeypatch.setattr(views.RequestIndicatorView, "row_table", commands.INDICATOR_ROWS)
    r = clients["officer_x"].post("/requestindicatorview/add", data={
        "request": open_["code"], "position": "8", "name": "Satu lagi"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and f"Paling banyak {have} indikator" in page, page[:500]
    assert _count(app, RequestIndicator, request_id=rid) == have


@pytest.mark.parametrize("user", ["officer_x", "admin"])
def test_a_closed_requests_tabs_offer_no_change(clients, parts, user):
    """The request's page: an issued request's tabs show its parts without "+", edit or
    delete (they would be refused); an open request's keep them. The lists alike."""
    client = clients[user]
    for state, open_ in (("issued", False), ("in_review", True)):
        rows = parts[state]
        page = client.get(f"/activityrequestview/show/{rows['ActivityRequestView']}").get_data(
            as_text=True)
        for view, base in SCREENS.items():
            if (view, user) == ("AttachmentView", "officer_x"):
                changes = (f"/{base}/add",)  # an officer only adds a document's record
            else:
                changes = (f"/{base}/add", f"/{base}/edit/{rows[view]}",
                           f"/{base}/delete/{rows[view]}")
            assert f"/{base}/show/{rows[view]}" in page, (state, view)
            for link in changes:
                assert (link in page) is open_, (state, link)
        lst = client.get("/requestvariableview/list/", query_string={
            "_flt_0_request": rows["code"]}).get_data(as_text=True)
        assert f"/requestvariableview/show/{rows['RequestVariableView']}" in lst
        assert (f"/requestvariableview/edit/{rows['RequestVariableView']}" in lst) is open_
    # A document of results on the issued request keeps its buttons (not part of the form).
    page = clients["admin"].get(
        f"/activityrequestview/show/{parts['issued']['ActivityRequestView']}").get_data(
        as_text=True)
    assert f"/attachmentview/edit/{parts['results']}" in page
