"""Issue 25's identity document numbers: checked by their kind, stored encrypted (not in the
database's bytes nor a backup's), read back by the app, shown masked on the staff screens
and exports, kept when an edit form leaves them empty, re-encrypted by `flask identity
rotate`, and encrypted by migration 0018 where they were stored before.
"""
from __future__ import annotations

import os
import re
import subprocess
import tarfile
import uuid

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import models as m
from app.core import identity

from conftest import PASSWORD, TEST_IDENTITY_KEY, app_config, is_postgres, login

NIK = "3171014505900004"  # Jakarta Pusat, a woman born 5 May 1990: found in no other test


def _raw(app, table: str, username: str | None = None, row_id: int | None = None):
    """The column as the database holds it (no decryption)."""
    with app.app_context():
        session = app.appbuilder.session
        where = "username = :k" if username else "id = :k"
        value = session.execute(sa.text(f"SELECT id_doc_number FROM {table} WHERE {where}"),
                                {"k": username or row_id}).scalar()
        session.remove()
    return value


def _register(app, username: str, number: str, kind: str = "ktp"):
    return app.test_client().post("/register/form", data={
        "username": username, "first_name": "Dewi", "last_name": "Lestari",
        "email": f"{username}@bappeda.example.go.id", "password": "kata-sandi-dewi-1",
        "conf_password": "kata-sandi-dewi-1", "id_doc_type": kind, "id_doc_number": number,
        "phone": "0812 7000 4321", "agency": "Bappeda Uji", "position": "Analis",
        "privacy_consent": "y"})


# --- checked, normalised, encrypted -------------------------------------------------------------


def test_a_registration_stores_the_number_encrypted_and_reads_it_back(app, world):
    name = f"dewi.{uuid.uuid4().hex[:8]}"
    r = _register(app, name, "3171 0145 0590.0004")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    raw = _raw(app, "ab_register_user", username=name)
    assert raw and NIK not in raw and "3171" not in raw
    with app.app_context():
        reg = app.appbuilder.session.scalars(sa.select(m.RekomRegisterUser).where(
            m.RekomRegisterUser.username == name)).one()
        assert reg.id_doc_number == NIK  # spaces and dots gone
        app.appbuilder.session.remove()


@pytest.mark.parametrize("kind, number, message", [
    ("ktp", "1674", "NIK terdiri atas 16 angka"),
    ("ktp", "1674019905900001", "NIK terdiri atas 16 angka"),  # day 99
    ("ktp", "1674014513900001", "NIK terdiri atas 16 angka"),  # month 13
    ("ktp", "1674013102900001", "NIK terdiri atas 16 angka"),  # 31 February
    ("ktp", "1674017104900001", "NIK terdiri atas 16 angka"),  # 31 April, a woman's
    ("ktp", "16740145059000012", "NIK terdiri atas 16 angka"),
    ("ktp", "ABCDEFGHIJKLMNOP", "NIK terdiri atas 16 angka"),
    ("sim", "12345", "Nomor SIM terdiri atas 12 sampai 16 angka"),
    ("paspor", "12345678", "Nomor paspor terdiri atas satu atau dua huruf"),
    ("lainnya", "<b>", "Tulis nomor dokumen"),
])
def test_a_number_that_is_not_of_its_kind_is_refused_in_words(app, world, kind, number,
                                                                message):
    name = f"salah.{uuid.uuid4().hex[:8]}"
    r = _register(app, name, number, kind)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert _raw(app, "ab_register_user", username=name) is None
    with app.app_context():
        assert app.appbuilder.session.scalar(sa.select(sa.func.count()).where(
            m.RekomRegisterUser.username == name)) == 0
        app.appbuilder.session.remove()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(identity.PATTERNS)), number=st.text(max_size=60))
def test_any_text_is_refused_or_stored_as_its_kind_allows(kind, number):
    problem = identity.problem(kind, number)
    stored = identity.normalize(kind, number)
    if problem is None and stored is not None:
        assert identity.PATTERNS[kind].fullmatch(stored)
        assert len(stored) <= identity.MAX_LENGTH


def test_a_nik_born_on_29_february_is_a_nik():
    assert identity.problem("ktp", "1674012902000001") is None
    assert identity.problem("ktp", "1674016902000001") is None  # a woman's


def test_masks():
    assert identity.mask("1674015505900001") == "1674••••••••0001"
    assert identity.mask("X1234567") == "••••••67"
    assert identity.mask("") == "" and identity.mask(None) == ""


def test_the_database_and_a_backup_hold_no_number_in_clear(app, world, tmp_path):
    name = f"rahasia.{uuid.uuid4().hex[:8]}"
    assert _register(app, name, NIK).status_code == 302
    with app.app_context():
        from app.ops.bootstrap import create_user

        user = create_user("Applicant", f"u{name}", f"u{name}@x.example.go.id", PASSWORD)
        user.id_doc_type, user.id_doc_number = "ktp", NIK
        office_id = world.offices["1674"]
        app.appbuilder.session.add(m.GuestBookEntry(office_id=office_id, name="Tamu Rahasia",
                                                    id_doc_type="ktp", id_doc_number=NIK))
        app.appbuilder.session.commit()
        app.appbuilder.session.remove()
        if not is_postgres():
            path = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
            read = 0
            for suffix in ("", "-wal"):
                if not os.path.exists(path + suffix):
                    continue
                # Read by another process: an open() and close() of the file here would drop
                # every POSIX lock this process holds on it — the SHARED lock each pooled WAL
                # connection keeps — and a later process's last close would then delete the
                # WAL from under them (conftest: _sqlite_keeps_its_locks).
                data = subprocess.run(["cat", path + suffix], capture_output=True,
                                      check=True).stdout
                read += len(data)
                assert NIK.encode() not in data, f"the number in clear in {path}{suffix}"
            assert read > 100_000  # the database itself was read
    target = tmp_path / "cadangan.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(target)])
    assert result.exit_code == 0, result.output
    with tarfile.open(target) as archive:
        for member in archive.getmembers():
            if member.isfile():
                assert NIK.encode() not in archive.extractfile(member).read(), member.name


# --- masked on the screens, kept by an edit ------------------------------------------------------


def test_staff_screens_show_the_number_masked_and_an_edit_keeps_it(app, world):
    admin = login(app.test_client(), "admin")
    with app.app_context():
        from app.ops.bootstrap import create_user

        user = create_user("Applicant", f"masked.{uuid.uuid4().hex[:8]}",
                           f"masked.{uuid.uuid4().hex[:8]}@x.example.go.id", PASSWORD)
        user.id_doc_type, user.id_doc_number = "ktp", NIK
        app.appbuilder.session.commit()
        user_id = user.id
        app.appbuilder.session.remove()
    show = admin.get(f"/users/show/{user_id}").get_data(as_text=True)
    assert "3171••••••••0004" in show and NIK not in show
    edit = admin.get(f"/users/edit/{user_id}").get_data(as_text=True)
    assert NIK not in edit and "Tersimpan: 3171••••••••0004" in edit
    # Saved with the number left empty: kept.
    from screen_forms import browser_data, parse

    form, _ = parse(edit)
    data = browser_data(form)
    data["id_doc_number"] = ""
    r = admin.post(f"/users/edit/{user_id}", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with app.app_context():
        assert app.appbuilder.session.get(m.RekomUser, user_id).id_doc_number == NIK
        app.appbuilder.session.remove()
    # A wrong one is refused on its field; a new one is stored.
    r = admin.post(f"/users/edit/{user_id}", data={**data, "id_doc_number": "12"})
    assert r.status_code in (200, 422) and "NIK terdiri atas 16 angka" in r.get_data(
        as_text=True)
    r = admin.post(f"/users/edit/{user_id}", data={**data,
                                                    "id_doc_number": "1674-0155-0590-0001"})
    assert r.status_code == 302
    with app.app_context():
        assert app.appbuilder.session.get(m.RekomUser, user_id).id_doc_number == \
            "1674015505900001"
        app.appbuilder.session.remove()
    assert re.search(r"1674•+0001", admin.get(f"/users/show/{user_id}").get_data(as_text=True))


def test_the_guest_book_shows_the_number_masked(app, world):
    officer = login(app.test_client(), "officer_x")
    r = officer.post("/guestbookentryview/add", data={
        "office": str(world.offices["1674"]), "name": "Tamu Bertopeng", "id_doc_type": "ktp",
        "id_doc_number": NIK, "agency": "Dinas Uji", "purpose": "Konsultasi"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with app.app_context():
        entry = app.appbuilder.session.scalars(sa.select(m.GuestBookEntry).where(
            m.GuestBookEntry.name == "Tamu Bertopeng")).first()
        entry_id = entry.id
        assert entry.id_doc_number == NIK
        app.appbuilder.session.remove()
    assert NIK not in (_raw(app, "guest_book_entry", row_id=entry_id) or "")
    show = officer.get(f"/guestbookentryview/show/{entry_id}").get_data(as_text=True)
    assert "3171••••••••0004" in show and NIK not in show
    edit = officer.get(f"/guestbookentryview/edit/{entry_id}").get_data(as_text=True)
    assert NIK not in edit
    refused = officer.post("/guestbookentryview/add", data={
        "office": str(world.offices["1674"]), "name": "Tamu Salah Nomor", "id_doc_type": "ktp",
        "id_doc_number": "1234", "purpose": "Konsultasi"})
    assert "NIK terdiri atas 16 angka" in refused.get_data(as_text=True)


# --- rotation and the migration ------------------------------------------------------------------


def test_rotation_re_encrypts_with_the_new_key(scratch_url):
    from flask_migrate import upgrade

    from app import create_app

    new_key = Fernet.generate_key().decode()
    old = create_app({**app_config(scratch_url), "IDENTITY_KEYS": TEST_IDENTITY_KEY})
    with old.app_context():
        upgrade()
        session = old.appbuilder.session
        office = m.Office(code="7625", name="BPS Uji Rotasi", active=True)
        session.add(office)
        session.flush()
        session.add(m.GuestBookEntry(office_id=office.id, name="Tamu Rotasi",
                                     id_doc_type="ktp", id_doc_number=NIK))
        session.commit()
        session.remove()
    both = create_app({**app_config(scratch_url),
                       "IDENTITY_KEYS": f"{new_key},{TEST_IDENTITY_KEY}"})
    result = both.test_cli_runner().invoke(args=["identity", "rotate"])
    assert result.exit_code == 0, result.output
    assert "dienkripsi ulang: 1" in result.output
    only_new = create_app({**app_config(scratch_url), "IDENTITY_KEYS": new_key})
    with only_new.app_context():
        assert only_new.appbuilder.session.scalars(
            sa.select(m.GuestBookEntry.id_doc_number)).one() == NIK
        only_new.appbuilder.session.remove()
    with old.app_context(), pytest.raises(InvalidToken):
        old.appbuilder.session.scalars(sa.select(m.GuestBookEntry.id_doc_number)).one()
    for application in (old, both, only_new):
        with application.app_context():
            application.appbuilder.session.remove()
            application.extensions["sqlalchemy"].engine.dispose()


def test_migration_0018_encrypts_what_was_stored_and_goes_back(scratch_url):
    from flask_migrate import downgrade, upgrade

    from app import create_app

    application = create_app(app_config(scratch_url))
    with application.app_context():
        upgrade(revision="0017")
        engine = application.extensions["sqlalchemy"].engine
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO office (code, name, active) "
                                 "VALUES ('7618', 'BPS Uji Migrasi NIK', :t)"), {"t": True})
            office_id = conn.execute(sa.text(
                "SELECT id FROM office WHERE code = '7618'")).scalar()
            conn.execute(sa.text(
                "INSERT INTO guest_book_entry (office_id, visited_at, name, id_doc_type, "
                "id_doc_number) VALUES (:o, CURRENT_TIMESTAMP, 'Tamu Lama', 'ktp', :n)"),
                {"o": office_id, "n": NIK})
            conn.execute(sa.text(
                "INSERT INTO ab_user (first_name, last_name, username, email, active, "
                "id_doc_type, id_doc_number) VALUES ('Ani', 'Lama', 'ani.lama', "
                "'ani@lama.test', :t, 'ktp', ' ')"), {"t": True})
        upgrade()
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT id_doc_number FROM guest_book_entry")).scalar()
            blank = conn.execute(sa.text(
                "SELECT id_doc_number FROM ab_user WHERE username = 'ani.lama'")).scalar()
        assert stored != NIK and NIK not in stored
        assert application.extensions["identity_cipher"].decrypt(
            stored.encode()).decode() == NIK
        assert blank is None  # an empty number is no number
        downgrade(revision="0017")
        with engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT id_doc_number FROM guest_book_entry")).scalar() == NIK
        upgrade()
        application.appbuilder.session.remove()
    engine.dispose()


def test_a_key_that_is_no_key_is_refused():
    with pytest.raises(identity.IdentityKeyError):
        identity.cipher("")
    with pytest.raises(identity.IdentityKeyError):
        identity.cipher("bukan-kunci")


# --- the one screen that shows the whole number --------------------------------------------------


def _guest(app, world, office="1674") -> int:
    with app.app_context():
        session = app.appbuilder.session
        entry = m.GuestBookEntry(office_id=world.offices[office], name="Tamu Dibuka",
                                 id_doc_type="ktp", id_doc_number=NIK)
        session.add(entry)
        session.commit()
        entry_id = entry.id
        session.remove()
    return entry_id


def _reveals(app, entry_id) -> list:
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(m.AuditEvent.actor_id, m.AuditEvent.note).where(
            m.AuditEvent.object_type == "guest_book_entry", m.AuditEvent.object_id == entry_id,
            m.AuditEvent.action == "reveal_identity")).all()
        session.remove()
    return [tuple(r) for r in rows]


def test_an_officer_reveals_a_number_saying_why_and_the_trail_keeps_it(app, world):
    entry_id = _guest(app, world)
    officer = login(app.test_client(), "officer_x")
    show = officer.get(f"/guestbookentryview/show/{entry_id}").get_data(as_text=True)
    assert 'id="reveal-identity"' in show and NIK not in show
    page = officer.get(f"/guestbookentryview/identity/{entry_id}").get_data(as_text=True)
    assert NIK not in page and "3171••••••••0004" in page
    # No reason, or a word: refused in words, nothing shown, nothing written.
    for reason in ("", "  ab "):
        r = officer.post(f"/guestbookentryview/identity/{entry_id}", data={"reason": reason})
        assert r.status_code == 422 and NIK not in r.get_data(as_text=True)
        assert "Tuliskan alasan" in r.get_data(as_text=True)
    assert _reveals(app, entry_id) == []
    r = officer.post(f"/guestbookentryview/identity/{entry_id}",
                     data={"reason": "Verifikasi tamu untuk surat undangan rapat"})
    assert r.status_code == 200 and NIK in r.get_data(as_text=True)
    assert _reveals(app, entry_id) == [(world.users["officer_x"],
                                        "Verifikasi tamu untuk surat undangan rapat")]
    # The audit trail screen names it in words.
    trail = officer.get("/auditeventview/list/?_flt_0_action=reveal_identity")
    assert "Nomor identitas ditampilkan" in trail.get_data(as_text=True)


def test_who_may_not_reveal_does_not_see_the_number(app, world):
    entry_id = _guest(app, world)
    head = login(app.test_client(), "head_x")
    assert 'id="reveal-identity"' not in head.get(
        f"/guestbookentryview/show/{entry_id}").get_data(as_text=True)
    r = head.post(f"/guestbookentryview/identity/{entry_id}",
                  data={"reason": "Hanya ingin tahu saja"})
    assert NIK not in r.get_data(as_text=True) and r.status_code in (302, 403)
    other = login(app.test_client(), "officer_y")  # another office
    r = other.post(f"/guestbookentryview/identity/{entry_id}",
                   data={"reason": "Hanya ingin tahu saja"})
    assert r.status_code == 404 and NIK not in r.get_data(as_text=True)
    assert _reveals(app, entry_id) == []


def test_an_admin_reveals_an_accounts_number(app, world):
    with app.app_context():
        from app.ops.bootstrap import create_user

        user = create_user("Applicant", f"buka.{uuid.uuid4().hex[:8]}",
                           f"buka.{uuid.uuid4().hex[:8]}@x.example.go.id", PASSWORD)
        user.id_doc_type, user.id_doc_number = "ktp", NIK
        app.appbuilder.session.commit()
        user_id = user.id
        app.appbuilder.session.remove()
    admin = login(app.test_client(), "admin")
    assert 'id="reveal-identity"' in admin.get(f"/users/show/{user_id}").get_data(as_text=True)
    r = admin.post(f"/users/identity/{user_id}", data={"reason": "Permintaan koreksi data"})
    assert r.status_code == 200 and NIK in r.get_data(as_text=True)
    with app.app_context():
        assert app.appbuilder.session.scalar(sa.select(sa.func.count()).where(
            m.AuditEvent.object_type == "ab_user", m.AuditEvent.object_id == user_id,
            m.AuditEvent.action == "reveal_identity")) == 1
        app.appbuilder.session.remove()
    # Someone's own profile page shows their number masked, with no reveal.
    own = admin.get("/users/userinfo/").get_data(as_text=True)
    assert 'id="reveal-identity"' not in own
