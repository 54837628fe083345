"""The role and group screens list no accounts (issue 27, auth/security.py), walked in headless
Chromium:

- the admin adds a group: (a) nothing filled (the browser holds it back on the name; sent
  anyway, the server names it), (b) only the starred name, (c) a complete, ordinary group
  with a role, read back on its page, (d) hostile values — markup, SQL-ish text, a name past
  its 100 characters, a name taken — refused on the field with what was typed kept, or stored
  as the text it is and shown escaped; the form has no list of accounts;
- the roles' list and its search form name no account;
- an account's groups set on its own form ((a)–(d)), and the member working as the group's role;
- an officer reaches neither screen.

Screenshots: REKOMSTAT_SHOTS=<folder>/groups when set, else the test's temporary folder.
"""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from app import models as m
from browser import people as people_base
from browser.people import STAFF, form_field_errors, shots_folder, windows

pytestmark = pytest.mark.browser

REQUIRED = "Isian ini wajib diisi."
ENGLISH = re.compile(r"\b(This field is required|Not a valid|Added Row|Changed Row|Save|"
                     r"Already exists|Field cannot be longer)\b")


class Person(people_base.Person):
    broken = (*people_base.Person.broken, "IntegrityError", "psycopg", "sqlite3", "__None",
              "constraint", "violates")

    english = ENGLISH

    save = people_base.Person.save_form


@pytest.fixture
def people(browser, live_server, tmp_path):
    folder = shots_folder(tmp_path, "groups")
    yield from windows(lambda who, viewport=STAFF: Person(browser, live_server, folder, who,
                                                          viewport))


def _groups(app, name_like: str) -> list[tuple]:
    from flask_appbuilder.security.sqla.models import Group

    with app.app_context():
        session = app.appbuilder.session
        rows = [(g.name, g.label, g.description, sorted(r.name for r in g.roles),
                 sorted(u.username for u in g.users))
                for g in session.scalars(sa.select(Group).where(Group.name.like(name_like)))]
        session.remove()
    return rows


def test_the_admin_adds_a_group_and_the_role_screens_name_no_account(app, world, people):
    tag = uuid.uuid4().hex[:6]
    admin = people("admin")
    admin.log_in("admin")
    page = admin.page
    admin.goto("/groups/add")
    admin.shot("tambah-grup")
    assert page.locator("#users").count() == 0  # no list of every account
    assert "applicant_a" not in page.content() and "officer_x" not in page.content()

    # (a) Nothing: the browser holds the starred name; sent anyway, the server names it.
    assert page.eval_on_selector("#model_form", "f => f.reportValidity()") is False
    page.eval_on_selector("#model_form", "f => { f.noValidate = true; }")
    admin.save("kosong")
    assert form_field_errors(page, "name") == REQUIRED
    # (b) Only the name.
    page.fill("#name", f"grup-{tag}-a")
    admin.save("nama-saja")
    assert "Data berhasil ditambahkan" in " ".join(admin.alerts()), admin.alerts()
    assert _groups(app, f"grup-{tag}-a") == [(f"grup-{tag}-a", "", "", [], [])]  # FAB keeps ""
    # (c) A complete, ordinary group with a role.
    admin.goto("/groups/add")
    page.fill("#name", f"grup-{tag}-pst")
    page.fill("#label", "Petugas PST Kota")
    page.fill("#description", "Petugas pelayanan statistik terpadu di kantor kota.")
    page.click("#s2id_autogen1, .select2-selection--multiple")
    page.locator(".select2-results__option", has_text="Petugas").first.click()
    admin.save("lengkap")
    assert "Data berhasil ditambahkan" in " ".join(admin.alerts()), admin.alerts()
    [(name, label, description, roles, users)] = _groups(app, f"grup-{tag}-pst")
    assert (label, description, users) == (
        "Petugas PST Kota", "Petugas pelayanan statistik terpadu di kantor kota.", [])
    assert roles == ["Officer"]
    # (d) Hostile: a taken name and one past 100 characters are refused on the field, what
    # was typed kept; markup and SQL-ish text are stored as text and shown escaped.
    admin.goto("/groups/add")
    for name in (f"grup-{tag}-pst", "g" * 150):
        # As a forged form would send it: the browser's own limit lifted.
        page.eval_on_selector_all("#model_form [maxlength]",
                                  "l => l.forEach(e => e.removeAttribute('maxlength'))")
        page.fill("#name", name)
        page.fill("#label", "Tetap di sini")
        admin.save("nama-ditolak")
        assert form_field_errors(page, "name"), name
        assert page.input_value("#name") == name and page.input_value("#label") == "Tetap di sini"
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile = f"<script>alert('{tag}')</script>'; DROP TABLE ab_group; --"
    page.fill("#name", f"grup-{tag}-x")
    page.fill("#label", hostile)
    page.fill("#description", "\u202eterbalik\u200b")
    admin.save("isian-aneh")
    assert "Data berhasil ditambahkan" in " ".join(admin.alerts()), admin.alerts()
    [(_n, label, description, _r, _u)] = _groups(app, f"grup-{tag}-x")
    assert (label, description) == (hostile, "\u202eterbalik\u200b")
    admin.goto("/groups/list/")
    admin.shot("daftar-grup")
    assert hostile in admin.main_text() and dialogs == []
    assert "Petugas" in admin.main_text() and "[Officer]" not in admin.main_text()

    # The roles' list and its search: no account anywhere.
    admin.goto("/roles/list/")
    admin.shot("daftar-peran")
    assert "applicant_a" not in page.content() and "officer_x" not in page.content()

    # An officer: neither screen.
    officer = people("petugas")
    officer.log_in("officer_x")
    for path in ("/groups/add", "/groups/list/", "/roles/list/"):
        assert officer.page.goto(officer.base + path).status == 403, path
        officer.shot("ditolak")
        assert "Anda tidak berhak membuka halaman ini." in officer.main_text(), path


def test_no_account_is_on_the_group_pages_even_many(app, world, people):
    """Many applicants (the national shape in small): the group form and lists stay small."""
    with app.app_context():
        session = app.appbuilder.session
        n = session.scalar(sa.select(sa.func.count(m.RekomUser.id)))
        session.remove()
    admin = people("admin-ukuran")
    admin.log_in("admin")
    for path in ("/groups/add", "/groups/list/", "/roles/list/"):
        admin.goto(path)
        assert "@rekomstat.test" not in admin.page.content(), (path, n)


def test_an_accounts_groups_are_set_on_its_own_form(app, world, people):
    """The admin gives an account its role through a group, on the account's own form: (a)
    neither a role nor a group is refused on the field, nothing written; (b) only the group
    (the form's one requirement met by it); (c) a complete, ordinary account — its office,
    profile, a group and a role; (d) a forged group that does not exist is refused. The member
    then works as an officer of its office."""
    from flask_appbuilder.security.sqla.models import Group

    from app.ops.bootstrap import create_user

    from conftest import OFFICE_X, PASSWORD

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        session = app.appbuilder.session
        officer_role = app.appbuilder.sm.find_role("Officer")
        session.add(Group(name=f"grup-{tag}-pst", label="Petugas PST", roles=[officer_role]))
        user = create_user("Applicant", f"anggota.{tag}", f"anggota.{tag}@rekomstat.test",
                           PASSWORD, "Sari", "Anggota", office_code=OFFICE_X)
        session.commit()
        user_id = user.id
        session.remove()

    def account():
        with app.app_context():
            u = app.appbuilder.session.get(m.RekomUser, user_id)
            found = (sorted(r.name for r in u.roles), sorted(g.name for g in u.groups),
                     u.position or None)  # FAB saves an empty field as ""
            app.appbuilder.session.remove()
        return found

    admin = people("admin-anggota")
    admin.log_in("admin")
    page = admin.page
    admin.goto(f"/users/edit/{user_id}")
    admin.shot("form-pengguna")

    # (a) Neither a role nor a group: the account's one role taken off, saved.
    page.locator("#roles + .select2 .select2-selection__choice__remove").first.click()
    page.keyboard.press("Escape")
    admin.save("tanpa-peran-dan-grup")
    assert "Pilih peran atau grup" in form_field_errors(page, "roles")
    assert account() == (["Applicant"], [], None)

    # (b) Only a group.
    page.click("#groups + .select2 .select2-selection--multiple")
    page.locator(".select2-results__option", has_text=f"grup-{tag}-pst").first.click()
    admin.save("grup-saja")
    assert "Data berhasil diubah" in " ".join(admin.alerts()), admin.alerts()
    assert account() == ([], [f"grup-{tag}-pst"], None)
    # The group's page names its member and its role in words.
    with app.app_context():
        group_id = app.appbuilder.session.scalar(
            sa.select(Group.id).where(Group.name == f"grup-{tag}-pst"))
        app.appbuilder.session.remove()
    admin.goto(f"/groups/show/{group_id}")
    admin.shot("tampil-grup")
    shown = admin.main_text()
    assert f"Sari Anggota (anggota.{tag})" in shown and "Petugas" in shown
    assert "[Officer]" not in shown and "[Sari" not in shown

    # (c) Complete and ordinary: a role beside the group, and the profile.
    admin.goto(f"/users/edit/{user_id}")
    page.click("#roles + .select2 .select2-selection--multiple")
    page.locator(".select2-results__option", has_text="Ketua tim").first.click()
    page.keyboard.press("Escape")
    page.fill("#position", "Statistisi Ahli Muda")
    admin.save("lengkap")
    assert "Data berhasil diubah" in " ".join(admin.alerts()), admin.alerts()
    assert account() == (["SectionHead"], [f"grup-{tag}-pst"], "Statistisi Ahli Muda")
    admin.goto(f"/users/show/{user_id}")
    admin.shot("tampil-pengguna")
    assert "Petugas PST" in admin.main_text()  # its groups by their label, on its page
    assert f"[grup-{tag}-pst]" not in admin.main_text()
    # The users' list (its page's offices and roles read at once): the account's row.
    admin.goto(f"/users/list/?_flt_2_username=anggota.{tag}")
    admin.shot("daftar-pengguna")
    listed = admin.main_text()
    assert f"anggota.{tag}" in listed and "Ketua tim / Kepala seksi" in listed
    assert "BPS Kota Lubuklinggau" in listed

    # (d) A group that does not exist, as a forged form would send it.
    admin.goto(f"/users/edit/{user_id}")
    page.eval_on_selector("#groups", "s => { s.add(new Option('Palsu', '999999', true, true)); }")
    page.fill("#position", "Tidak tersimpan")
    admin.save("grup-palsu")
    assert "Bukan salah satu pilihan yang tersedia" in form_field_errors(page, "groups")
    assert page.input_value("#position") == "Tidak tersimpan"
    assert account() == (["SectionHead"], [f"grup-{tag}-pst"], "Statistisi Ahli Muda")

    # The member works as an officer of its office (the group's role).
    member = people("anggota")
    member.log_in(f"anggota.{tag}")
    member.goto("/activityrequestview/list/")
    member.shot("daftar-permohonan-anggota")
    assert "Permohonan" in member.main_text() and "Jumlah Data" in member.main_text()
    # Its office's requests only: one of office X opens, one of office Y does not.
    member.goto(f"/activityrequestview/show/{world.rows[('ActivityRequestView', '1674')]}")
    assert "RKS-T1674" in member.main_text()
    other = world.rows[("ActivityRequestView", "1671")]
    assert member.page.goto(f"{member.base}/activityrequestview/show/{other}").status in (
        403, 404)
    assert "RKS-T1671" not in member.main_text()
