"""The admin's delete button on rows other rows still use, walked in headless Chromium
(tests/test_refused_deletes.py checks the same on both engines without a browser):

- an office holding requests, from the offices' list: FAB's "are you sure?", then a red
  sentence saying why nothing was deleted (before: a blank box on PostgreSQL, and on SQLite
  the office gone with its requests left pointing at nothing); the office is still listed;
- the applicant account behind a request, from the users' list: the same;
- a request that has its letter, from the requests' list: the same;
- an office nothing uses: deleted, "Data berhasil dihapus";
- a role that only a group holds, from the roles' list: refused, naming the group;
- the only active administrator unticking "Aktif" on their own account, then pressing the
  bin on it: both refused in words, nothing changed.

A delete has nothing to fill in: the (a)–(d) of a form do not apply; the hostile case is a
row the admin may not delete, above. Screenshots: REKOMSTAT_SHOTS=<folder>/deletes when set.
"""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from test_groups import role_held_by_a_group
from test_last_admin import ONLY_ADMIN, solo  # noqa: F401 - the fixture
from test_refused_deletes import DELETED, IN_USE, site  # noqa: F401 - the fixture

from app import models as m
from browser import people as people_base
from browser.people import STAFF, shots_folder, windows

pytestmark = pytest.mark.browser


class Person(people_base.Person):
    broken = (*people_base.Person.broken, "psycopg", "sqlite3", "constraint", "violates",
              "DatabaseException")
    english = re.compile(r"\b(Deleted Row|Not deleted|Delete record|Associated data)\b")


@pytest.fixture
def people(browser, live_server, tmp_path):
    folder = shots_folder(tmp_path, "deletes")
    yield from windows(lambda who, viewport=STAFF: Person(browser, live_server, folder, who,
                                                          viewport))


def _delete_row(person, list_path: str, delete_path: str, step: str) -> list[str]:
    """Open the list, press the row's bin, confirm: the alerts of the page it leads to."""
    person.goto(list_path)
    button = person.page.locator(f'a[id="btn-delete-{delete_path}"]')
    assert button.count() == 1, f"{list_path}: no delete button for {delete_path}"
    person.shot(f"{step}-daftar")
    button.click()
    person.confirm_modal("")
    person.shot(f"{step}-hasil")
    return person.alerts()


def _exists(app, model, pk) -> bool:
    with app.app_context():
        session = app.appbuilder.session
        found = session.get(model, pk) is not None
        session.remove()
    return found


def test_the_admin_is_told_why_a_row_in_use_stays(app, world, site, people):  # noqa: F811
    admin = people("admin")
    admin.log_in("admin")
    with app.app_context():
        session = app.appbuilder.session
        code = session.get(m.Office, site["office"]).code
        username = session.get(m.RekomUser, site["applicant"]).username
        tracking = session.get(m.ActivityRequest, site["ActivityRequestView"]).tracking_code
        session.remove()

    alerts = _delete_row(admin, f"/officeview/list/?_flt_0_code={code}",
                         f"/officeview/delete/{site['office']}", "kantor")
    assert any(IN_USE in text for text in alerts), alerts
    assert admin.page.locator(".alert-danger").count() >= 1
    assert _exists(app, m.Office, site["office"])

    alerts = _delete_row(admin, f"/users/list/?_flt_0_username={username}",
                         f"/users/delete/{site['applicant']}", "akun")
    assert any(IN_USE in text for text in alerts), alerts
    assert _exists(app, m.RekomUser, site["applicant"])

    alerts = _delete_row(admin, f"/activityrequestview/list/?_flt_0_tracking_code={tracking}",
                         f"/activityrequestview/delete/{site['ActivityRequestView']}",
                         "permohonan")
    assert any(IN_USE in text for text in alerts), alerts
    assert _exists(app, m.ActivityRequest, site["ActivityRequestView"])

    # An office nothing uses goes, with its settings.
    from app.ops.bootstrap import ensure_office

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        empty = ensure_office(f"96{int(tag, 16) % 100:02d}", f"BPS Kota Kosong {tag}")
        empty_id, empty_code = empty.id, empty.code
        app.appbuilder.session.remove()
    alerts = _delete_row(admin, f"/officeview/list/?_flt_0_code={empty_code}",
                         f"/officeview/delete/{empty_id}", "kantor-kosong")
    assert any(DELETED in text for text in alerts), alerts
    assert not _exists(app, m.Office, empty_id)
    with app.app_context():
        session = app.appbuilder.session
        assert session.scalar(sa.select(sa.func.count()).select_from(m.OfficeSetting)
                              .where(m.OfficeSetting.office_id == empty_id)) == 0
        session.remove()


def test_a_role_a_group_holds_stays_with_a_reason(app, world, people):
    """The roles' list: a role that only a group holds (FAB counted accounts alone, and took
    the role from the group's members without a word) is refused, naming the group."""
    from flask_appbuilder.security.sqla.models import Group, Role

    role_id, group_id, name = role_held_by_a_group(app, "Tim Lapangan")
    admin = people("admin")
    admin.log_in("admin")
    alerts = _delete_row(admin, f"/roles/list/?_flt_0_name={name}",
                         f"/roles/delete/{role_id}", "peran")
    assert any("Grup masih memegang peran ini (Tim Lapangan)" in text for text in alerts), alerts
    assert _exists(app, Role, role_id)
    with app.app_context():
        session = app.appbuilder.session
        session.delete(session.get(Group, group_id))
        session.delete(session.get(Role, role_id))
        session.commit()
        session.remove()


def test_the_only_admin_keeps_their_account(app, world, solo, people):  # noqa: F811
    with app.app_context():
        username = app.appbuilder.session.get(m.RekomUser, solo["id"]).username
        app.appbuilder.session.remove()
    admin = people("solo")
    admin.log_in(username)
    with solo["alone"]():
        admin.goto(f"/users/edit/{solo['id']}")
        admin.shot("akun-sendiri")
        admin.page.uncheck("#active")
        admin.save_form("nonaktif")
        assert any(ONLY_ADMIN in text for text in admin.alerts()), admin.alerts()
        assert admin.page.is_checked("#active") is False  # what was typed is kept
        alerts = _delete_row(admin, f"/users/list/?_flt_0_username={username}",
                             f"/users/delete/{solo['id']}", "hapus-diri")
        assert any(ONLY_ADMIN in text for text in alerts), alerts
    with app.app_context():
        user = app.appbuilder.session.get(m.RekomUser, solo["id"])
        assert user is not None and user.active
        app.appbuilder.session.remove()
