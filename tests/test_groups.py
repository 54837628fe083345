"""An account's roles through a group (FAB's groups: a group's roles are its members').

FAB's user form takes roles or groups; FAB's permission checks count a group's roles. Before,
saving an account's groups failed (FAB's Group.users refused our user class) and the service's
own reading of roles (office scoping, the mails to an office's officers, the officer and
applicant selects) looked at an account's own roles only. Here an account whose only role comes
from a group is made on the admin's form and works as that role everywhere.
"""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import Group

from app import models as m
from app import notify
from app.auth.roles import ADMIN, APPLICANT, OFFICER, holders_of, user_role_names

import screen_forms as sf
from conftest import OFFICE_X, OFFICE_Y, PASSWORD, login, make_rows


@pytest.fixture(scope="module")
def site(app, world, leave_no_trace):
    """A group holding the officer's role, a group holding the admin's, an account of office X
    made with the applicant's role (to be moved to the officers' group on the admin's form),
    and a request of each office."""
    from app.ops.bootstrap import create_user

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        session = app.appbuilder.session
        sm = app.appbuilder.sm
        officer_role, admin_role = sm.find_role(OFFICER), sm.find_role(ADMIN)
        officers = Group(name=f"petugas-{tag}", label="Petugas PST", roles=[officer_role])
        admins = Group(name=f"admin-{tag}", label="Admin TI", roles=[admin_role])
        session.add_all([officers, admins])
        member = create_user(APPLICANT, f"grup.{tag}", f"grup.{tag}@rekomstat.test", PASSWORD,
                             "Sari", "Anggota", office_code=OFFICE_X)
        rows_x = make_rows(session, m, world.offices[OFFICE_X], world.users["applicant_a"],
                           world.users["officer_x"], f"GX{tag}")
        rows_y = make_rows(session, m, world.offices[OFFICE_Y], world.users["applicant_b"],
                           world.users["officer_y"], f"GY{tag}")
        session.commit()
        ids = {"officers": officers.id, "admins": admins.id, "member": member.id,
               "username": member.username, "x": rows_x["ActivityRequestView"],
               "y": rows_y["ActivityRequestView"]}
        session.remove()
    return ids


def _groups_of(app, user_id):
    with app.app_context():
        session = app.appbuilder.session
        user = session.get(m.RekomUser, user_id)
        found = ([g.id for g in user.groups], [r.name for r in user.roles],
                 user_role_names(user))
        session.remove()
    return found


def _set_on_form(app, site, roles: list, groups: list):
    """The admin opens the account's form, sets its roles and groups, saves."""
    admin = login(app.test_client(), "admin")
    form, _ = sf.parse(admin.get(f"/users/edit/{site['member']}").get_data(as_text=True))
    assert "groups" in form.fields and str(site["officers"]) in sf.offered(form.fields["groups"])
    data = sf.browser_data(form)
    data["roles"], data["groups"] = roles, groups
    return admin.post(f"/users/edit/{site['member']}", data=data)


def test_an_accounts_group_is_saved_on_its_form_and_its_roles_count(app, world, site):
    r = _set_on_form(app, site, roles=[], groups=[str(site["officers"])])
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    groups, own, names = _groups_of(app, site["member"])
    assert groups == [site["officers"]] and own == [] and names == {OFFICER}

    # The member works as an officer of office X: the requests list is its office's.
    member = login(app.test_client(), site["username"])
    page = member.get("/activityrequestview/list/?psize_ActivityRequestView=100")
    assert page.status_code == 200
    listed = page.get_data(as_text=True)
    assert f"/activityrequestview/show/{site['x']}" in listed
    assert f"/activityrequestview/show/{site['y']}" not in listed
    assert member.get(f"/activityrequestview/show/{site['y']}").status_code in (302, 403, 404)

    # It is among the office's officers: their mails and the officer selects.
    with app.app_context():
        session = app.appbuilder.session
        staff = {row.id for row in notify.office_staff(session, world.offices[OFFICE_X])}
        other = {row.id for row in notify.office_staff(session, world.offices[OFFICE_Y])}
        officers = set(session.scalars(sa.select(m.RekomUser.id).where(
            m.RekomUser.id.in_(holders_of((OFFICER,))))))
        applicants = set(session.scalars(sa.select(m.RekomUser.id).where(
            m.RekomUser.id.in_(holders_of((APPLICANT,))))))
        session.remove()
    assert site["member"] in staff and site["member"] not in other
    assert site["member"] in officers and site["member"] not in applicants



def test_leaving_the_group_takes_its_roles_away(app, site):
    assert _set_on_form(app, site, roles=[], groups=[str(site["officers"])]).status_code == 302
    r = _set_on_form(app, site, roles=[str(_role_id(app, APPLICANT))], groups=[])
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    assert _groups_of(app, site["member"]) == ([], [APPLICANT], {APPLICANT})
    member = login(app.test_client(), site["username"])
    assert member.get("/activityrequestview/list/").status_code in (302, 403)


def test_neither_roles_nor_groups_is_refused_in_indonesian(app, site):
    before = _groups_of(app, site["member"])
    r = _set_on_form(app, site, roles=[], groups=[])
    assert r.status_code == 200
    form, _ = sf.parse(r.get_data(as_text=True))
    errors = " ".join(form.fields["roles"].errors + form.fields["groups"].errors)
    assert "Pilih peran atau grup" in errors, errors
    assert _groups_of(app, site["member"]) == before


def test_an_admin_through_a_group_gets_the_admins_mail(app, site):
    from app.ops.bootstrap import create_user

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        session = app.appbuilder.session
        user = create_user(APPLICANT, f"admin.grup.{tag}", f"admin.grup.{tag}@rekomstat.test",
                           PASSWORD, "Adi", "Admin")
        user.roles = []
        user.groups = [session.get(Group, site["admins"])]
        session.commit()
        assert user.id in {row.id for row in notify.admins(session)}
        assert ADMIN in user_role_names(user)
        session.remove()


def _role_id(app, name):
    with app.app_context():
        role_id = app.appbuilder.sm.find_role(name).id
        app.appbuilder.session.remove()
    return role_id


def test_a_forged_group_is_refused_and_nothing_changes(app, site):
    before = _groups_of(app, site["member"])
    r = _set_on_form(app, site, roles=[str(_role_id(app, APPLICANT))], groups=["999999"])
    assert r.status_code == 200, r.status_code
    form, _ = sf.parse(r.get_data(as_text=True))
    assert "Bukan salah satu pilihan yang tersedia" in " ".join(form.fields["groups"].errors), \
        form.fields["groups"].errors
    assert _groups_of(app, site["member"]) == before


def test_a_deleted_groups_roles_go_with_it(app, world):
    """SQLite applied no ON DELETE CASCADE (its foreign keys were off until a604680): a deleted
    group's role links stayed, and the next group given its id held its roles (an admins'
    group, deleted, came back in the next one made). FAB refuses to delete a group that still
    has members."""
    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        session = app.appbuilder.session
        admin_role = app.appbuilder.sm.find_role(ADMIN)
        group = Group(name=f"hapus-{tag}", roles=[admin_role])
        session.add(group)
        session.commit()
        group_id = group.id
        session.remove()
    admin = login(app.test_client(), "admin")
    r = admin.post(f"/groups/delete/{group_id}", follow_redirects=True)
    assert "Data berhasil dihapus" in r.get_data(as_text=True)
    with app.app_context():
        session = app.appbuilder.session
        assert session.get(Group, group_id) is None
        link = Group.roles.property.secondary
        assert session.scalar(sa.select(sa.func.count()).select_from(link).where(
            link.c.group_id == group_id)) == 0
        again = Group(name=f"baru-{tag}")
        session.add(again)
        session.commit()
        assert again.roles == []
        session.delete(again)
        session.commit()
        session.remove()


def role_held_by_a_group(app, label: str) -> tuple[int, int, str]:
    """A new role that only a new group (labelled ``label``) holds: (role id, group id, the
    role's name)."""
    from flask_appbuilder.security.sqla.models import Role

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        session = app.appbuilder.session
        role = Role(name=f"peran-{tag}")
        group = Group(name=f"grup-{tag}", label=label, roles=[role])
        session.add_all([role, group])
        session.commit()
        found = (role.id, group.id, role.name)
        session.remove()
    return found


def test_a_role_a_group_holds_is_not_deleted(app, world):
    """FAB refuses to delete a role while accounts hold it, but counted no group: the role went
    and the group's members lost it without a word. Now refused, naming the group; taken off
    the group first, it goes."""
    from flask_appbuilder.security.sqla.models import Role

    role_id, group_id, _ = role_held_by_a_group(app, "Tim Survei")
    admin = login(app.test_client(), "admin")
    html = admin.post(f"/roles/delete/{role_id}", follow_redirects=True).get_data(as_text=True)
    assert "Grup masih memegang peran ini (Tim Survei" in html, html[:3000]
    assert "Data berhasil dihapus" not in html
    with app.app_context():
        session = app.appbuilder.session
        assert session.get(Role, role_id) is not None
        assert [r.id for r in session.get(Group, group_id).roles] == [role_id]
        session.get(Group, group_id).roles = []
        session.commit()
        session.remove()
    html = admin.post(f"/roles/delete/{role_id}", follow_redirects=True).get_data(as_text=True)
    assert "Data berhasil dihapus" in html
    with app.app_context():
        session = app.appbuilder.session
        assert session.get(Role, role_id) is None
        session.delete(session.get(Group, group_id))
        session.commit()
        session.remove()
