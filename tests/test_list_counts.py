"""A history list counts at most ``count_cap`` rows (screens.OfficeScopedView, 10 000), then
reads "lebih dari 10.000": an exact count read every matching row on every page (the nation's
audit log at 100 000 requests: 810 000 rows, 72 ms a page; ten times that at a million). The
officers' requests list keeps its exact count."""
from __future__ import annotations

import re

import pytest

from conftest import OFFICE_X, make_rows, statements


def _count_text(page: str) -> str:
    found = re.search(r"(?:Jumlah Data|Record Count):</strong>\s*([^<]+?)\s*</div>", page)
    assert found, page[:300]
    return found.group(1)


@pytest.fixture()
def capped(app, monkeypatch):
    """The variables' list capped at 3 (its datamodel is the view's own)."""
    view = next(v for v in app.appbuilder.baseviews
                if type(v).__name__ == "RequestVariableView")
    monkeypatch.setattr(view.datamodel, "count_cap", 3)
    return view


def test_a_long_history_reads_more_than_the_cap_and_still_pages(app, world, clients, capped,
                                                                leave_no_trace):
    from app import models as m

    with app.app_context():
        session = app.appbuilder.session
        for n in range(5):
            make_rows(session, m, world.offices[OFFICE_X], world.users["applicant_a"],
                      world.users["officer_x"], f"CAP{n}")
        session.remove()
    client = clients["officer_x"]
    with statements(app) as seen:
        page = client.get("/requestvariableview/list/?psize_RequestVariableView=2").get_data(
            as_text=True)
    assert _count_text(page) == "lebih dari 3"
    counts = [s for s in seen if "count(" in s.lower() and "FROM request_variable" in s]
    assert counts and all("LIMIT" in s.upper() for s in counts), counts
    # FAB's pages are counted from the cap: two pages of two, the second one reachable.
    assert "page_RequestVariableView=1" in page
    second = client.get("/requestvariableview/list/?psize_RequestVariableView=2"
                        "&page_RequestVariableView=1")
    assert second.status_code == 200 and "/requestvariableview/show/" in second.get_data(
        as_text=True)
    # Narrowed below the cap by a filter: the exact count.
    page = client.get("/requestvariableview/list/?_flt_0_request=RKS-TCAP1").get_data(
        as_text=True)
    assert _count_text(page) == "1"
    # In English too.
    english = clients["admin"]
    english.get("/lang/en")
    try:
        page = english.get("/requestvariableview/list/").get_data(as_text=True)
        assert _count_text(page) == "more than 3"
    finally:
        english.get("/lang/id")


def test_the_requests_list_counts_exactly(app, clients):
    view = next(v for v in app.appbuilder.baseviews
                if type(v).__name__ == "ActivityRequestView")
    assert view.datamodel.count_cap is None
    with statements(app) as seen:
        page = clients["officer_x"].get("/activityrequestview/list/").get_data(as_text=True)
    assert re.fullmatch(r"[\d.]+", _count_text(page))
    assert not any("count(" in s.lower() and "LIMIT" in s.upper() for s in seen)
