"""Backups and the identity numbers' key (issue 25): a backup names the key its identity
numbers need by its id (never the key), and `flask restore` (and `--check`) refuses, before
anything changes, an archive whose numbers none of the configured IDENTITY_KEYS decrypts —
restored, every page that loads those rows would fail.

Sites of their own, as in tests/test_backup.py (whose helpers these are): a source under key A
with an applicant's and a guest's number, a target under key B with numbers of its own.
"""
from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_babel import force_locale
from test_backup import (
    Site,
    _create_pg,
    _pg_name,
    _populate,
    files_of,
    leftovers,
    members_of,
    snapshot,
    write_archive,
)
from test_backup import _close as _close_site

from app import create_app
from app import models as m
from app.core import identity
from app.ops import backup
from app.ops.backup import BackupError
from app.ops.backup_db import _copy_name, _copy_unescape

from conftest import OFFICE_X, app_config, database_url, is_postgres, login

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
ID_A, ID_B = identity.key_id(KEY_A), identity.key_id(KEY_B)
NIK_A = "3273016808850007"  # Bandung, a woman born 28 August 1985: in no other test
NIK_B = "1674012101790003"  # Lubuklinggau, a man born 21 January 1979
MASK_A, MASK_B = identity.mask(NIK_A), identity.mask(NIK_B)


# --- sites under a key -------------------------------------------------------------------------


def _config(site_url: str, root: Path, keys: str) -> dict:
    return {**app_config(site_url), "IDENTITY_KEYS": keys,
            "UPLOAD_FOLDER": str(root / "uploads"), "BACKUP_FOLDER": str(root / "backups")}


def _keyed_site(root: Path, label: str, keys: str) -> Site:
    root.mkdir(parents=True, exist_ok=True)
    if is_postgres():
        _create_pg(_pg_name(label))
        url = sa.engine.make_url(database_url()).set(database=_pg_name(label)).render_as_string(
            hide_password=False)
    else:
        url = f"sqlite:///{root / 'rekomstat.db'}"
    return Site(create_app(_config(url, root, keys)), url, root)


def _same_site_under(site: Site, keys: str):
    """Another app on the site's database and folders, holding other keys (as after a change
    of IDENTITY_KEYS and a restart)."""
    return create_app(_config(site.url, site.root, keys))


def _dispose(app) -> None:
    with app.app_context():
        app.appbuilder.session.remove()
        app.extensions["sqlalchemy"].engine.dispose()


def _add_numbers(site: Site, nik: str) -> None:
    """An applicant's and a guest's identity number (encrypted with the site's first key)."""
    with site.app.app_context():
        session = site.app.appbuilder.session
        user = site.app.appbuilder.sm.find_user(username="applicant_a")
        user.id_doc_type, user.id_doc_number = "ktp", nik
        office_id = session.scalars(sa.select(m.Office.id).where(m.Office.code == OFFICE_X)).one()
        session.add(m.GuestBookEntry(office_id=office_id, name="Tamu Berkunci", id_doc_type="ktp",
                                     id_doc_number=nik))
        session.commit()
        session.remove()


def _stored_tokens(app) -> list:
    """The identity numbers' ciphertexts as the database holds them."""
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        with engine.connect() as conn:
            tokens = [v for table in ("ab_user", "guest_book_entry") for v in conn.execute(
                sa.text(f"SELECT id_doc_number FROM {table} WHERE id_doc_number IS NOT NULL")
            ).scalars()]
        engine.dispose()
    return tokens


def _numbers_shown(app) -> tuple[str, str]:
    """The applicant's and the guest's number as the admin's screens show them (each page
    loads the rows: a number no key opens would fail it)."""
    client = login(app.test_client(), "admin")
    with app.app_context():
        session = app.appbuilder.session
        user_id = app.appbuilder.sm.find_user(username="applicant_a").id
        entry_id = session.scalars(sa.select(m.GuestBookEntry.id)).one()
        session.remove()
    for page in ("/users/list/", "/guestbookentryview/list/"):
        assert client.get(page).status_code == 200, page
    user = client.get(f"/users/show/{user_id}")
    guest = client.get(f"/guestbookentryview/show/{entry_id}")
    assert user.status_code == guest.status_code == 200
    found = []
    for page in (user.get_data(as_text=True), guest.get_data(as_text=True)):
        found.append(next((mask for mask in (MASK_A, MASK_B) if mask in page), ""))
    return found[0], found[1]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A site under key A with two identity numbers, and its backup."""
    site = _keyed_site(tmp_path_factory.mktemp("id-src"), "ida", KEY_A)
    _populate(site)
    _add_numbers(site, NIK_A)
    with site.app.app_context():
        path, manifest = backup.backup_with_manifest()
    yield site, path, manifest
    _close_site(site)


@pytest.fixture()
def target(tmp_path):
    """A site under key B, with data and identity numbers of its own."""
    site = _keyed_site(tmp_path / "dst", "idb", KEY_B)
    _populate(site)
    _add_numbers(site, NIK_B)
    yield site
    _close_site(site)


def _without_identity(archive: Path, dst: Path) -> Path:
    """The archive as an older Rekomstat wrote it: a manifest without ``identity``."""
    members = members_of(archive)
    manifest = json.loads(members[backup.MANIFEST])
    del manifest["identity"]
    members[backup.MANIFEST] = json.dumps(manifest).encode()
    return write_archive(dst, members)


# --- the archive names its key -------------------------------------------------------------------


def test_the_manifest_names_the_key_by_id_and_holds_no_key_nor_number(source):
    site, path, manifest = source
    assert ID_A == hashlib.sha256(KEY_A.encode()).hexdigest()[:8] != ID_B
    made = manifest["identity"]
    assert made["key_id"] == ID_A and made["by_key"] == {ID_A: 2}
    assert made["rows"] == {"ab_user": 1, "guest_book_entry": 1} and made["unreadable"] == {}
    assert {"ab_user.id_doc_number", "ab_register_user.id_doc_number",
            "guest_book_entry.id_doc_number"} <= set(made["columns"])
    whole = path.read_bytes()
    assert KEY_A.encode() not in whole
    for name, data in members_of(path).items():
        for secret in (KEY_A, KEY_A.rstrip("="), NIK_A):
            assert secret.encode() not in data, (name, secret)
    # The operator is told, in the words of `flask backup`.
    result = site.app.test_cli_runner().invoke(
        args=["backup", "--output", str(site.root / "cli.tar.gz")])
    assert result.exit_code == 0, result.output
    assert "Nomor identitas: 2, disimpan terenkripsi" in result.output
    assert ID_A in result.output and KEY_A not in result.output


# --- restore under another key -------------------------------------------------------------------


def test_an_archive_of_another_key_is_refused_and_nothing_changes(source, target):
    _site, archive, _manifest = source
    rows, files = snapshot(target.app), files_of(target.uploads)
    with target.app.app_context(), force_locale("en"), \
            pytest.raises(BackupError) as refused:
        backup.restore(archive, yes=True)
    message = str(refused.value)
    assert message.startswith("2 identity number(s) in the archive cannot be decrypted")
    assert "ab_user (1), guest_book_entry (1)" in message
    assert f"made with the key of id {ID_A}; this installation holds {ID_B}." in message
    assert "IDENTITY_KEYS" in message and "flask identity rotate" in message
    assert "Nothing was changed" in message
    for secret in [NIK_A, KEY_A, KEY_B, *_stored_tokens(source[0].app)]:
        assert secret not in message
    assert snapshot(target.app) == rows and files_of(target.uploads) == files
    assert leftovers(target) == []
    assert _numbers_shown(target.app) == (MASK_B, MASK_B)
    rows = snapshot(target.app)  # the visits are in the audit trail now

    # The commands, in the operator's language: --check and the restore itself refuse.
    runner = target.app.test_cli_runner()
    checked = runner.invoke(args=["restore", "--check", str(archive)])
    assert checked.exit_code == 1
    assert "2 nomor identitas dalam arsip tidak dapat didekripsi" in checked.output
    assert ID_A in checked.output and ID_B in checked.output
    assert "flask identity rotate" in checked.output and "Tidak ada yang diubah" in checked.output
    assert NIK_A not in checked.output and "Traceback" not in checked.output
    restored = runner.invoke(args=["restore", str(archive), "--yes"])
    assert restored.exit_code == 1 and "tidak dapat didekripsi" in restored.output
    assert snapshot(target.app) == rows and files_of(target.uploads) == files
    assert leftovers(target) == []
    assert _numbers_shown(target.app) == (MASK_B, MASK_B)


def test_accepted_while_the_old_key_is_still_listed_then_rotated_away(source, target):
    _site, archive, _manifest = source
    both = _same_site_under(target, f"{KEY_B},{KEY_A}")
    only_b = None
    try:
        runner = both.test_cli_runner()
        checked = runner.invoke(args=["restore", "--check", str(archive)])
        assert checked.exit_code == 0, checked.output
        assert "semua 2 dapat didekripsi" in checked.output
        assert f"kunci lama (id {ID_A})" in checked.output
        restored = runner.invoke(args=["restore", str(archive), "--yes"])
        assert restored.exit_code == 0, restored.output
        assert "flask identity rotate" in restored.output
        assert _numbers_shown(both) == (MASK_A, MASK_A)
        rotated = runner.invoke(args=["identity", "rotate"])
        assert rotated.exit_code == 0 and "dienkripsi ulang: 2" in rotated.output
        # Key A can leave IDENTITY_KEYS now: the restored numbers open with B alone.
        only_b = _same_site_under(target, KEY_B)
        assert _numbers_shown(only_b) == (MASK_A, MASK_A)
        with only_b.app_context():
            assert only_b.appbuilder.sm.find_user(username="applicant_a").id_doc_number == NIK_A
            only_b.appbuilder.session.remove()
    finally:
        _dispose(both)
        if only_b is not None:
            _dispose(only_b)


def test_an_archive_without_identity_numbers_passes_under_any_key(tmp_path):
    plain = _keyed_site(tmp_path / "plain", "idplain", KEY_A)
    empty = _keyed_site(tmp_path / "empty", "idempty", KEY_B)
    try:
        _populate(plain)
        with plain.app.app_context():
            path, manifest = backup.backup_with_manifest()
        assert manifest["identity"]["rows"] == {} and manifest["identity"]["key_id"] == ID_A
        rows = snapshot(plain.app)
        checked = empty.app.test_cli_runner().invoke(args=["restore", "--check", str(path)])
        assert checked.exit_code == 0, checked.output
        assert "Nomor identitas: tidak ada dalam arsip ini" in checked.output
        with empty.app.app_context():
            result = backup.restore(path)
        assert result.identity["rows"] == {} and result.mismatches == {}
        assert snapshot(empty.app) == rows
    finally:
        _close_site(plain)
        _close_site(empty)


def test_an_older_archive_without_key_id_is_checked_by_decrypting(source, target, tmp_path):
    old = _without_identity(source[1], tmp_path / "old.tar.gz")
    rows = snapshot(target.app)
    with target.app.app_context(), force_locale("en"), \
            pytest.raises(BackupError, match="does not say which key") as refused:
        backup.restore(old, yes=True)
    assert "2 identity number(s)" in str(refused.value) and ID_B in str(refused.value)
    assert snapshot(target.app) == rows
    both = _same_site_under(target, f"{KEY_B},{KEY_A}")
    try:
        checked = both.test_cli_runner().invoke(args=["restore", "--check", str(old)])
        assert checked.exit_code == 0, checked.output
        assert "versi Rekomstat yang lebih lama" in checked.output
        assert "semua 2 dapat didekripsi" in checked.output
    finally:
        _dispose(both)


def test_a_backup_warns_of_numbers_no_key_opens(source, target, tmp_path):
    """A number already unreadable when the backup is made: the backup is written (better
    than none) and says so; restoring it is refused until a key opens it."""
    with target.app.app_context():
        engine = target.app.extensions["sqlalchemy"].engine
        with engine.begin() as conn:  # the ciphertext of another installation, by hand
            conn.execute(sa.text("UPDATE guest_book_entry SET id_doc_number = :t"),
                         {"t": _stored_tokens(source[0].app)[0]})
        engine.dispose()
        path, manifest = backup.backup_with_manifest(tmp_path / "broken.tar.gz")
        with force_locale("en"):
            lines = backup.summary(manifest, path)
    assert manifest["identity"]["unreadable"] == {"guest_book_entry": 1}
    assert manifest["identity"]["by_key"] == {ID_B: 1}
    assert any(line.startswith("Warning: 1 identity number(s) could not be decrypted")
               for line in lines), lines
    checked = target.app.test_cli_runner().invoke(args=["restore", "--check", str(path)])
    assert checked.exit_code == 1 and "guest_book_entry (1)" in checked.output


# --- reading a pg_dump's rows --------------------------------------------------------------


def test_copy_text_fields_and_names():
    assert _copy_unescape(rb"gAAAAAB-x_y=") == b"gAAAAAB-x_y="
    assert _copy_unescape(rb"a\tb\\c\nd\101\x42") == b"a\tb\\c\ndAB"
    assert _copy_name(b'public.ab_user') == "ab_user"
    assert _copy_name(b'"my schema"."odd ""name"""') == 'odd "name"'
    assert _copy_name(b' "position"') == "position"


def test_the_archive_database_is_read_row_by_row(source):
    """The identity values come from the archive's own database (the pg_dump's COPY text on
    PostgreSQL), streamed: a generator, not a list."""
    _site, path, manifest = source
    with tarfile.open(path) as tar, source[0].app.app_context():
        work = Path(source[0].root) / "read"
        work.mkdir(exist_ok=True)
        tar.extract(manifest["database"], work, filter="data")
        tool = None if manifest["engine"] == "sqlite" else backup._pg_restore_for(manifest)
        values = backup.identity_values(
            manifest["engine"], work / manifest["database"],
            [("guest_book_entry", "id_doc_number"), ("ab_user", "id_doc_number"),
             ("no_such_table", "id_doc_number"), ("office", "no_such_column")], tool)
        assert not isinstance(values, list)
        found = sorted(values)
    assert [table for table, _token in found] == ["ab_user", "guest_book_entry"]
    assert sorted(token for _t, token in found) == sorted(_stored_tokens(source[0].app))
