"""The last active administrator cannot lock the office out of its own screens.

Before: walked as the only administrator, deleting one's own account answered "Data berhasil
dihapus" (and logged out for good); unticking "active" or taking the admin role off one's own
account was saved the same way. Nobody could then manage accounts or offices from the screens,
only with ``flask create-user`` on the server; so could taking the admin role off a group
whose members were the only administrators. Now refused, in words, nothing changed
(auth/accounts.keep_an_admin); with another active administrator, each goes through.
"""
from __future__ import annotations

import contextlib
import re
import uuid

import pytest
import sqlalchemy as sa

from app import models as m
from app.auth.roles import ADMIN, OFFICER, holders_of

import screen_forms as sf
from conftest import PASSWORD, login

ONLY_ADMIN = "Ini satu-satunya administrator yang aktif"


@pytest.fixture()
def solo(app, world, leave_no_trace):
    """A fresh administrator ("solo"), logged in; the suite's other active administrators are
    made inactive while a test wants solo alone (``alone()``), and active again after."""
    from app.ops.bootstrap import create_user

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        user = create_user(ADMIN, f"solo.{tag}", f"solo.{tag}@rekomstat.test", PASSWORD,
                           "Sola", "Admin")
        user_id = user.id
        app.appbuilder.session.remove()
    client = login(app.test_client(), f"solo.{tag}")

    @contextlib.contextmanager
    def alone():
        with app.app_context():
            session = app.appbuilder.session
            others = session.scalars(sa.select(m.RekomUser).where(
                m.RekomUser.id.in_(holders_of(ADMIN)), m.RekomUser.active.is_(True),
                m.RekomUser.id != user_id)).all()
            others_ids = [u.id for u in others]
            for other in others:
                other.active = False
            session.commit()
            session.remove()
        try:
            yield
        finally:
            with app.app_context():
                session = app.appbuilder.session
                session.execute(sa.update(m.RekomUser).where(m.RekomUser.id.in_(others_ids))
                                .values(active=True))
                session.commit()
                session.remove()

    return {"id": user_id, "client": client, "alone": alone}


def _state(app, user_id):
    with app.app_context():
        session = app.appbuilder.session
        user = session.get(m.RekomUser, user_id)
        found = None if user is None else (user.active, sorted(r.name for r in user.roles))
        session.remove()
    return found


def _alerts(html: str) -> str:
    return " ".join(" ".join(re.sub(r"<[^>]+>|&times;", " ", t).split())
                    for t in re.findall(r'<div class="alert alert-danger">(.*?)</div>', html,
                                        re.S))


def _edit(app, solo, **changes):
    client = solo["client"]
    form, _ = sf.parse(client.get(f"/users/edit/{solo['id']}").get_data(as_text=True))
    data = sf.browser_data(form)
    data.update(changes)
    if changes.get("active") is False:
        data.pop("active", None)  # an unticked box sends nothing
    return client.post(f"/users/edit/{solo['id']}", data=data)


def _role_id(app, name):
    with app.app_context():
        role_id = app.appbuilder.sm.find_role(name).id
        app.appbuilder.session.remove()
    return str(role_id)


def test_the_only_admin_cannot_deactivate_themself(app, solo):
    with solo["alone"]():
        answer = _edit(app, solo, active=False)
        assert answer.status_code == 200  # the form again, with the reason
        assert ONLY_ADMIN in _alerts(answer.get_data(as_text=True))
        assert _state(app, solo["id"]) == (True, [ADMIN])


def test_the_only_admin_cannot_drop_their_admin_role(app, solo):
    with solo["alone"]():
        answer = _edit(app, solo, roles=[_role_id(app, OFFICER)])
        assert answer.status_code == 200
        assert ONLY_ADMIN in _alerts(answer.get_data(as_text=True))
        assert _state(app, solo["id"]) == (True, [ADMIN])


def test_the_only_admin_cannot_delete_themself(app, solo):
    with solo["alone"]():
        html = solo["client"].post(f"/users/delete/{solo['id']}",
                                   follow_redirects=True).get_data(as_text=True)
        assert ONLY_ADMIN in _alerts(html), html[:2000]
        assert _state(app, solo["id"]) == (True, [ADMIN])


def test_with_another_admin_each_goes_through(app, solo):
    """The world's admin is active: solo may step down, then go."""
    answer = _edit(app, solo, roles=[_role_id(app, ADMIN), _role_id(app, OFFICER)])
    assert answer.status_code == 302, _alerts(answer.get_data(as_text=True))
    answer = _edit(app, solo, roles=[_role_id(app, OFFICER)])
    assert answer.status_code == 302, _alerts(answer.get_data(as_text=True))
    assert _state(app, solo["id"]) == (True, [OFFICER])
    admin = login(app.test_client(), "admin")
    html = admin.post(f"/users/delete/{solo['id']}", follow_redirects=True).get_data(
        as_text=True)
    assert "Data berhasil dihapus" in html
    assert _state(app, solo["id"]) is None


def test_a_group_cannot_take_the_admin_role_from_the_only_admins(app, solo):
    """solo is an administrator through a group only: taking the role off the group on the
    group's form is refused while nobody else is an active administrator."""
    from flask_appbuilder.security.sqla.models import Group

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        session = app.appbuilder.session
        admins = Group(name=f"admin-{tag}", label=f"Admin TI {tag}",
                       roles=[app.appbuilder.sm.find_role(ADMIN)])
        session.add(admins)
        user = session.get(m.RekomUser, solo["id"])
        user.roles = [app.appbuilder.sm.find_role(OFFICER)]
        user.groups = [admins]
        session.commit()
        group_id = admins.id
        session.remove()
    client = solo["client"]
    with solo["alone"]():
        form, _ = sf.parse(client.get(f"/groups/edit/{group_id}").get_data(as_text=True))
        data = sf.browser_data(form)
        data["roles"] = [_role_id(app, OFFICER)]
        answer = client.post(f"/groups/edit/{group_id}", data=data)
        assert answer.status_code == 200
        assert ONLY_ADMIN in _alerts(answer.get_data(as_text=True))
        with app.app_context():
            session = app.appbuilder.session
            assert [r.name for r in session.get(Group, group_id).roles] == [ADMIN]
            session.remove()
    # With the suite's admin active again, the group may give the role up.
    data["roles"] = [_role_id(app, OFFICER)]
    assert client.post(f"/groups/edit/{group_id}", data=data).status_code == 302
    with app.app_context():
        session = app.appbuilder.session
        assert [r.name for r in session.get(Group, group_id).roles] == [OFFICER]
        session.remove()  # the group and its links go with the module's rows (leave_no_trace)
