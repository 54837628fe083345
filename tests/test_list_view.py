"""The officers' request list after its speed-up (app/web/list_widgets.py): the same page as FAB's
own widgets and templates render, for every staff role and both languages; the features kept
(actions menu, checkboxes, row links as permitted, SLA cell, order-by headers, page size,
pagination); rows of another office never shown; the office select only where it is useful."""
from __future__ import annotations

import re

import pytest
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.widgets import ListWidget, SearchWidget

from app.models import ActivityRequest
from app.web.list_widgets import LeanListWidget

from conftest import OFFICE_X, OFFICE_Y, login, seed

LIST = "/activityrequestview/list/"


def _seed(app, world, wf, state, **kw):
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, state, **kw)
        return req_id, session.get(ActivityRequest, req_id).tracking_code


def _page(client, url=LIST):
    answer = client.get(url)
    assert answer.status_code == 200, url
    return answer.get_data(as_text=True)


def _normalised(html: str) -> str:
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    html = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html))


def _view(app, name):
    return next(v for v in app.appbuilder.baseviews if type(v).__name__ == name)


@pytest.mark.parametrize("user", ["officer_x", "head_x", "admin"])
def test_the_page_is_what_fabs_own_widgets_render(app, world, wf, user):
    """Same HTML (whitespace, nonces and CSRF tokens aside) as FAB's ListWidget, SearchWidget
    and list template, in Indonesian and in English, on a plain, an ordered, a filtered and a
    second page, and on the overdue list that shares the screen."""
    _seed(app, world, wf, "submitted")
    _seed(app, world, wf, "in_review")
    urls = [
        LIST,
        LIST + "?_oc_ActivityRequestView=title&_od_ActivityRequestView=asc",
        LIST + "?_flt_3_state=submitted&psize_ActivityRequestView=50",
        LIST + "?page_ActivityRequestView=1&psize_ActivityRequestView=2",
        "/overduerequestview/list/",
    ]
    client = login(app.test_client(), user)
    views = [_view(app, "ActivityRequestView"), _view(app, "OverdueRequestView")]
    assert all(v.list_widget is LeanListWidget for v in views)
    for lang in ("id", "en"):
        client.get(f"/lang/{lang}")
        lean = [_page(client, url) for url in urls]
        try:
            for view in views:  # FAB's defaults, on these instances only
                view.list_widget, view.search_widget = ListWidget, SearchWidget
                view.list_template = "appbuilder/general/model/list.html"
            fab = [_page(client, url) for url in urls]
        finally:
            for view in views:
                for name in ("list_widget", "search_widget", "list_template"):
                    view.__dict__.pop(name, None)
        for url, ours, theirs in zip(urls, lean, fab):
            assert _normalised(ours) == _normalised(theirs), (user, lang, url)


def test_an_officer_sees_the_actions_the_links_and_the_sla(app, world, wf, clients):
    req_id, code = _seed(app, world, wf, "submitted")
    html = _page(clients["officer_x"], LIST + f"?_flt_0_tracking_code={code}")
    assert code in html
    # The checkbox of the row and the form the actions menu posts.
    assert f'<input id="{req_id}" class="action_check" name="rowid" value="{req_id}"' in html
    assert 'action="/activityrequestview/action_post"' in html
    # The officer's workflow actions in the menu, and not the head's.
    for name in ("submit", "start_review", "request_revision", "verify", "send", "close"):
        assert f"{name}_menu_item" in html, name
    for name in ("issue", "return_draft"):
        assert f"{name}_menu_item" not in html, name
    # Row links: show and edit (officers edit requests), no delete.
    assert f'href="/activityrequestview/show/{req_id}"' in html
    assert f'href="/activityrequestview/edit/{req_id}"' in html
    assert "/activityrequestview/delete/" not in html
    assert 'href="/activityrequestview/add"' in html
    # The SLA cell and the labels of the state and channel columns.
    assert "hari kerja lagi" in html and "Diajukan" in html
    # Order-by headers and the page size menu.
    assert "_oc_ActivityRequestView=title" in html
    assert "psize_ActivityRequestView=50" in html or "Jumlah Data" in html  # FAB's, in id


def test_a_head_reads_and_gets_the_heads_actions_only(app, world, wf, clients):
    req_id, code = _seed(app, world, wf, "letter_drafted")
    html = _page(clients["head_x"], LIST + f"?_flt_0_tracking_code={code}")
    assert f'href="/activityrequestview/show/{req_id}"' in html
    assert f"/activityrequestview/edit/{req_id}" not in html
    assert "/activityrequestview/delete/" not in html
    assert 'href="/activityrequestview/add"' not in html
    assert "issue_menu_item" in html and "return_draft_menu_item" in html
    assert "start_review_menu_item" not in html and "verify_menu_item" not in html


def test_the_admin_may_delete_and_filter_by_office(app, world, wf, clients):
    req_id, code = _seed(app, world, wf, "submitted")
    html = _page(clients["admin"], LIST + f"?_flt_0_tracking_code={code}")
    assert f"/activityrequestview/delete/{req_id}" in html
    assert '\\"office\\"' in html and "BPS Kota Palembang" in html  # every office to pick


def test_rows_of_another_office_are_never_listed(app, world, wf, clients):
    # Both offices' fixture requests start so (conftest.make_rows): only X's is listed.
    html = _page(clients["officer_x"], LIST + "?_flt_0_tracking_code=RKS-T16")
    assert f"RKS-T{OFFICE_X}" in html
    assert f"RKS-T{OFFICE_Y}" not in html
    # Not through a filter on the other office either.
    other = world.offices[OFFICE_Y]
    html = _page(clients["officer_x"], LIST + f"?_flt_0_office={other}")
    assert f"RKS-T{OFFICE_Y}" not in html and "BPS Kota Palembang" not in html


def test_the_office_select_is_left_out_for_users_of_one_office(app, world, clients):
    html = _page(clients["officer_x"])
    assert 'name="office"' not in html and '\\"office\\"' not in html
    assert 'name="tracking_code"' in html  # the other search fields stay
    # An office filter in the address keeps the field, so the form can show it: their office.
    own = world.offices[OFFICE_X]
    html = _page(clients["officer_x"], LIST + f"?_flt_0_office={own}")
    assert '\\"office\\"' in html and "BPS Kota Lubuklinggau" in html
    assert "BPS Kota Palembang" not in html


def test_english_labels_on_the_english_page(app, world, wf):
    _, code = _seed(app, world, wf, "submitted")
    client = login(app.test_client(), "officer_x")
    client.get("/lang/en")
    html = _page(client, LIST + f"?_flt_0_tracking_code={code}")
    assert "Submitted" in html and "Diajukan" not in html
    assert "Requests" in html and "Permohonan" not in html
    client.get("/lang/id")
    html = _page(client, LIST + f"?_flt_0_tracking_code={code}")
    assert "Diajukan" in html


@pytest.mark.parametrize("user", ["officer_x", "head_x", "admin", "applicant_a"])
def test_the_fast_permission_check_answers_as_fab(app, world, user):
    """has_access after the request's first check (a set look-up) == FAB's own answer."""
    from flask import g
    from flask_login import current_user, login_user

    sm = app.appbuilder.sm
    pairs = [(perm, view) for view in ("ActivityRequestView", "LetterView", "OfficeSettingView",
                                       "UserDBModelView", "Requests", "Layanan", "Security")
             for perm in ("can_list", "can_show", "can_edit", "can_delete", "can_add",
                          "menu_access", "verify", "issue", "close")]
    with app.test_request_context("/"):
        login_user(sm.get_user_by_id(world.users[user]))
        g.user = current_user  # FAB's before_request
        sm.has_access("can_list", "ActivityRequestView")  # the first: FAB's way
        fast_path = g.get("_rekom_fast_access") is not None
        fast = [sm.has_access(perm, view) for perm, view in pairs]
        theirs = [SecurityManager.has_access(sm, perm, view) for perm, view in pairs]
    assert fast == theirs
    assert any(fast) == (user != "applicant_a")
    assert fast_path  # the answers above came from the fast path
