"""`flask backup` / `flask restore` (app/ops/backup.py) on the suite's engine.

Restoring replaces a whole database, so nothing here touches the shared test database: the
tests run on a site of their own (its own database — a temporary SQLite file, or a fresh
PostgreSQL database next to the test database — and its own upload folder), migrated and
bootstrapped like a real installation, with an issued letter and an uploaded document.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app import create_app
from app.catalogue import search
from app.models import ActivityRequest, Attachment, Letter, Office
from app.ops import backup
from app.ops.backup import BackupError
from app.ops.bootstrap import bootstrap, create_user
from app.requests import uploads

from conftest import (
    OFFICE_X,
    PASSWORD,
    World,
    app_config,
    database_url,
    is_postgres,
    seed,
)

PG_ONLY = pytest.mark.skipif(not is_postgres(), reason="PostgreSQL only")
# The newest migration: a backup records it and restore --check names it.
HEAD = max(p.name.split("_", 1)[0]
           for p in (Path(__file__).parent.parent / "migrations" / "versions").glob("[0-9]*.py"))
SQLITE_ONLY = pytest.mark.skipif(is_postgres(), reason="SQLite only")

DOCUMENT = b"%PDF-1.4\n% kuesioner survei ubinan\n" + bytes(range(256)) * 40
LETTER_PDF = b"%PDF-1.4 seeded"  # what conftest.seed puts into an issued letter


# --- a site of its own -----------------------------------------------------------------------


def _admin_engine():
    return sa.create_engine(sa.engine.make_url(database_url()).set(database="postgres"),
                            isolation_level="AUTOCOMMIT")


def _pg_name(label: str) -> str:
    return f"{sa.engine.make_url(database_url()).database}_bk_{label}"


def _create_pg(name: str) -> None:
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _drop_pg(name: str) -> None:
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Site:
    app: object
    url: str
    root: Path
    request_id: int = 0
    attachment: str = ""  # stored name of the uploaded document

    @property
    def uploads(self) -> Path:
        return Path(self.app.config["UPLOAD_FOLDER"])

    @property
    def backups(self) -> Path:
        return Path(self.app.config["BACKUP_FOLDER"])

    def document(self) -> Path:
        return self.uploads / self.attachment[:2] / self.attachment


def _site(root: Path, label: str) -> Site:
    root.mkdir(parents=True, exist_ok=True)
    if is_postgres():
        _create_pg(_pg_name(label))
        url = sa.engine.make_url(database_url()).set(database=_pg_name(label)).render_as_string(
            hide_password=False)
    else:
        url = f"sqlite:///{root / 'rekomstat.db'}"
    app = create_app({**app_config(url), "UPLOAD_FOLDER": str(root / "uploads"),
                      "BACKUP_FOLDER": str(root / "backups")})
    return Site(app, url, root)


def _close(site: Site) -> None:
    with site.app.app_context():
        site.app.appbuilder.session.remove()
        site.app.extensions["sqlalchemy"].engine.dispose()
    if is_postgres():
        _drop_pg(sa.engine.make_url(site.url).database)


def _populate(site: Site) -> None:
    with site.app.app_context():
        bootstrap()
        session = site.app.appbuilder.session
        sm = site.app.appbuilder.sm
        ids = {"admin": sm.find_user(username="admin").id}
        for name, role, office in (("officer_x", "Officer", OFFICE_X),
                                   ("head_x", "Head", OFFICE_X),
                                   ("applicant_a", "Applicant", None)):
            ids[name] = create_user(role, name, f"{name}@rekomstat.test", PASSWORD,
                                    office_code=office).id
        office_id = session.scalars(sa.select(Office.id).where(Office.code == OFFICE_X)).one()
        world = World(offices={OFFICE_X: office_id}, users=ids)
        site.request_id = seed(session, world, ids, "issued")
        checked = uploads.CheckedFile(DOCUMENT, "kuesioner.pdf", "application/pdf",
                                      hashlib.sha256(DOCUMENT).hexdigest())
        site.attachment = uploads.store(session, site.request_id, "questionnaire", checked,
                                        ids["applicant_a"]).stored_name
        session.commit()
        session.remove()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    s = _site(tmp_path_factory.mktemp("backup-src"), "src")
    _populate(s)
    yield s
    _close(s)


@pytest.fixture()
def empty_site(tmp_path):
    s = _site(tmp_path / "dst", "dst")
    yield s
    _close(s)


# --- looking at a site -----------------------------------------------------------------------


def snapshot(app) -> dict:
    """Every row of every table (the search index's own included), order-independent."""
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                names = conn.execute(sa.text(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
            else:
                names = conn.execute(sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )).scalars().all()
            quote = conn.dialect.identifier_preparer.quote
            result = {
                name: sorted(repr(tuple(row)) for row in conn.execute(
                    sa.text(f"SELECT * FROM {quote(name)}")))
                for name in names
            }
        engine.dispose()
    return result


def files_of(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def search_hits(app, words: str) -> list:
    with app.app_context():
        session = app.appbuilder.session
        try:
            return [hit.request_id for hit in search.search(session, words).items]
        finally:
            session.remove()


def leftovers(site: Site) -> list:
    """Staging folders, old upload folders, temporary database files a restore left behind."""
    return [p.name for p in site.root.iterdir()
            if p.name.startswith(".")]


@pytest.fixture(scope="module")
def golden(site):
    """A backup of the populated site, and the site as it was then."""
    with site.app.app_context():
        path, manifest = backup.backup_with_manifest()
    return path, manifest, snapshot(site.app), files_of(site.uploads)


def assert_untouched(site: Site, golden) -> None:
    _path, _manifest, rows, files = golden
    assert snapshot(site.app) == rows
    assert files_of(site.uploads) == files
    assert leftovers(site) == []


# --- archives made by hand -------------------------------------------------------------------


def members_of(path: Path) -> dict:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def write_archive(path: Path, members: dict, *, extra: tuple = (), relist: bool = True) -> Path:
    """A tar.gz of ``members`` (name -> bytes); the manifest's file list recomputed from them
    unless ``relist`` is false; ``extra`` TarInfo objects (links...) appended as they are."""
    members = dict(members)
    manifest = json.loads(members.pop(backup.MANIFEST)) if backup.MANIFEST in members else None
    if manifest is not None and relist:
        manifest["files"] = {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                             for name, data in members.items()}
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
        if manifest is not None:
            data = json.dumps(manifest).encode()
            info = tarfile.TarInfo(backup.MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def with_manifest(src: Path, dst: Path, **changes) -> Path:
    members = members_of(src)
    manifest = json.loads(members[backup.MANIFEST])
    manifest.update(changes)
    members[backup.MANIFEST] = json.dumps(manifest).encode()
    return write_archive(dst, members)


# --- the archive -----------------------------------------------------------------------------


def test_backup_holds_manifest_database_and_files(site, golden):
    path, manifest, _rows, _files = golden
    assert path.parent == site.backups
    assert re.fullmatch(r"rekomstat-\d{8}-\d{6}\.tar\.gz", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # personal data: the owner only
    members = members_of(path)
    stored = json.loads(members.pop(backup.MANIFEST))
    assert stored == manifest
    assert manifest["format"] == backup.FORMAT and manifest["created_at"].endswith("Z")
    assert manifest["engine"] == ("postgresql" if is_postgres() else "sqlite")
    assert manifest["alembic_revision"] == manifest["app"]["code_revision"] == HEAD
    assert set(members) == set(manifest["files"])
    for name, data in members.items():
        assert manifest["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(),
                                           "size": len(data)}
    assert members[f"uploads/{site.attachment[:2]}/{site.attachment}"] == DOCUMENT
    assert manifest["database"] in members
    tables = manifest["tables"]
    assert tables["activity_request"] == 1 and tables["letter"] == 1
    assert tables["attachment"] == 1 and tables["ab_user"] == 4
    assert ("activity_search" if is_postgres() else "activity_fts") in tables
    assert manifest["attachments"] == {"rows": 1, "missing_files": []}
    with site.app.app_context():
        lines = backup.summary(manifest, path)
    assert any(HEAD in line for line in lines)
    if not is_postgres():  # the copy is a complete SQLite database in a single file
        assert members[manifest["database"]].startswith(b"SQLite format 3\x00")


def test_round_trip_restores_rows_pdfs_files_and_search(site, golden):
    path, manifest, rows, files = golden
    assert search_hits(site.app, "ubinan") == [site.request_id]
    document = site.document()
    with site.app.app_context():
        engine = site.app.extensions["sqlalchemy"].engine
        with engine.begin() as conn:  # behind the ORM's back: an issued letter is frozen there
            conn.execute(sa.text("UPDATE letter SET pdf = :pdf"), {"pdf": b"%PDF-1.4 tampered"})
            conn.execute(sa.text("UPDATE activity_request SET title = 'Sensus Lain'"))
            conn.execute(sa.text("DELETE FROM outbound_email"))
            conn.execute(sa.text("DELETE FROM attachment"))
        engine.dispose()
    document.unlink()
    (site.uploads / "zz").mkdir()
    (site.uploads / "zz" / "stray").write_bytes(b"not in the backup")
    assert search_hits(site.app, "ubinan") == []
    assert snapshot(site.app) != rows

    with site.app.app_context():
        result = backup.restore(path, yes=True)

    assert result.mismatches == {} and result.index_problems == []
    assert result.counts == manifest["tables"] and result.upgrade_needed is False
    assert snapshot(site.app) == rows
    assert files_of(site.uploads) == files
    assert document.read_bytes() == DOCUMENT
    assert leftovers(site) == []
    with site.app.app_context():
        session = site.app.appbuilder.session
        assert session.get(Letter, session.scalars(sa.select(Letter.id)).one()).pdf == LETTER_PDF
        attachment = session.scalars(sa.select(Attachment)).one()
        assert uploads.path_of(attachment).read_bytes() == DOCUMENT
        assert session.get(ActivityRequest, site.request_id).title.startswith("Survei Ubinan")
        session.remove()
    # The index and its triggers came back: search finds it, and follows a new change.
    assert search_hits(site.app, "ubinan") == [site.request_id]
    with site.app.app_context():
        engine = site.app.extensions["sqlalchemy"].engine
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE activity_request SET title = 'Survei Jagung'"))
        engine.dispose()
    assert search_hits(site.app, "jagung") == [site.request_id]
    with site.app.app_context():
        backup.restore(path, yes=True)
    assert snapshot(site.app) == rows


def test_restore_into_an_empty_database_needs_no_yes(site, golden, empty_site):
    path, _manifest, rows, files = golden
    with empty_site.app.app_context():
        assert backup.database_counts() == {}
        result = backup.restore(path)
    assert result.mismatches == {} and result.index_problems == []
    assert snapshot(empty_site.app) == rows
    assert files_of(empty_site.uploads) == files
    assert search_hits(empty_site.app, "ubinan padi") == [site.request_id]
    assert leftovers(empty_site) == []


def test_cli_backup_and_restore(site, golden, tmp_path):
    _path, _manifest, rows, files = golden
    runner = site.app.test_cli_runner()
    target = tmp_path / "cli.tar.gz"
    result = runner.invoke(args=["backup", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert str(target) in result.output and target.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["cli.tar.gz"]  # no temporary left
    # The same name again: refused, the existing archive kept.
    before = target.read_bytes()
    again = runner.invoke(args=["backup", "--output", str(target)])
    assert again.exit_code == 1 and target.read_bytes() == before

    folder = tmp_path / "folder"
    folder.mkdir()
    into_folder = runner.invoke(args=["backup", "-o", str(folder)])
    assert into_folder.exit_code == 0, into_folder.output
    assert next(p.name for p in folder.iterdir()).startswith("rekomstat-")

    checked = runner.invoke(args=["restore", "--check", str(target)])
    assert checked.exit_code == 0 and HEAD in checked.output, checked.output
    damaged = bytearray(target.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    (tmp_path / "damaged.tar.gz").write_bytes(bytes(damaged))
    checked = runner.invoke(args=["restore", "--check", str(tmp_path / "damaged.tar.gz")])
    assert checked.exit_code == 1

    site.document().write_bytes(b"changed on disk")
    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert site.document().read_bytes() == b"changed on disk"  # nothing restored

    restored = runner.invoke(args=["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "activity_request" in restored.output and "<--" not in restored.output
    assert snapshot(site.app) == rows and files_of(site.uploads) == files


def test_default_output_in_instance_backups(site, tmp_path):
    app = site.app
    saved = app.config.pop("BACKUP_FOLDER")
    app.config["INSTANCE_DIR"] = str(tmp_path / "instance")
    try:
        with app.app_context():
            path = backup.backup()
    finally:
        app.config["BACKUP_FOLDER"] = saved
        app.config.pop("INSTANCE_DIR")
    assert path.parent == tmp_path / "instance" / "backups"
    assert path.name.startswith("rekomstat-") and path.name.endswith(".tar.gz")


def test_a_failed_backup_leaves_no_archive(site, tmp_path, monkeypatch):
    def broken(folder, skipped):
        yield from ()
        raise OSError("disk full")

    monkeypatch.setattr(backup, "_upload_files", broken)
    target = tmp_path / "out" / "x.tar.gz"
    with site.app.app_context(), pytest.raises(OSError, match="disk full"):
        backup.backup(target)
    assert list((tmp_path / "out").iterdir()) == []


# --- restore refuses -------------------------------------------------------------------------


def test_restore_onto_data_needs_yes(site, golden):
    path = golden[0]
    with site.app.app_context(), force_locale("en"), pytest.raises(BackupError, match="--yes"):
        backup.restore(path)
    assert_untouched(site, golden)


def _refused(site, golden, archive: Path, match: str) -> None:
    with site.app.app_context(), force_locale("en"), pytest.raises(BackupError, match=match):
        backup.restore(archive, yes=True)
    assert_untouched(site, golden)


def test_flipped_byte_is_refused(site, golden, tmp_path):
    data = bytearray(golden[0].read_bytes())
    for i, position in enumerate((len(data) // 3, len(data) // 2, len(data) - 12)):
        damaged = bytearray(data)
        damaged[position] ^= 0xFF
        archive = tmp_path / f"flipped-{i}.tar.gz"
        archive.write_bytes(bytes(damaged))
        _refused(site, golden, archive, "damaged")


def test_truncated_or_foreign_files_are_refused(site, golden, tmp_path):
    data = golden[0].read_bytes()
    (tmp_path / "half.tar.gz").write_bytes(data[: len(data) // 2])
    _refused(site, golden, tmp_path / "half.tar.gz", "damaged")
    (tmp_path / "text.tar.gz").write_bytes(b"not an archive at all")
    _refused(site, golden, tmp_path / "text.tar.gz", "damaged")
    members = members_of(golden[0])
    del members[backup.MANIFEST]
    _refused(site, golden, write_archive(tmp_path / "nomanifest.tar.gz", members),
             "not a Rekomstat backup")
    _refused(site, golden, with_manifest(golden[0], tmp_path / "foreign.tar.gz",
                                         format="someone-else"), "not a Rekomstat backup")
    _refused(site, golden, with_manifest(golden[0], tmp_path / "future.tar.gz", format_version=2),
             "format version")


def test_edited_file_is_refused(site, golden, tmp_path):
    members = members_of(golden[0])
    name = f"uploads/{site.attachment[:2]}/{site.attachment}"
    members[name] = DOCUMENT.replace(b"ubinan", b"jagung")  # same size, other bytes
    _refused(site, golden, write_archive(tmp_path / "edited.tar.gz", members, relist=False),
             "damaged")
    members = members_of(golden[0])
    del members[name]  # listed in the manifest but gone
    _refused(site, golden, write_archive(tmp_path / "missing.tar.gz", members, relist=False),
             "damaged")
    members = members_of(golden[0])
    members["uploads/zz/unlisted"] = b"smuggled"
    _refused(site, golden, write_archive(tmp_path / "unlisted.tar.gz", members, relist=False),
             "damaged")


@pytest.mark.parametrize("name", ["../evil", "uploads/../../evil", "/tmp/rekomstat-evil",
                                  "uploads/./x", "uploads//x", "uploads\\..\\evil",
                                  "etc/passwd"])
def test_escaping_member_names_are_refused(site, golden, tmp_path, name):
    members = members_of(golden[0])
    members[name] = b"evil"  # listed in the manifest with its right sha256: only the name is bad
    archive = write_archive(tmp_path / "evil.tar.gz", members)
    _refused(site, golden, archive, "unsafe name|no Rekomstat backup has")
    assert not (site.root.parent / "evil").exists() and not (tmp_path.parent / "evil").exists()
    assert not Path("/tmp/rekomstat-evil").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.FIFOTYPE])
def test_links_and_special_files_are_refused(site, golden, tmp_path, kind):
    info = tarfile.TarInfo("uploads/zz/link")
    info.type = kind
    info.linkname = "/etc/passwd"
    archive = write_archive(tmp_path / "link.tar.gz", members_of(golden[0]), extra=(info,))
    _refused(site, golden, archive, "link|special file")


def test_newer_schema_is_refused_older_is_accepted(site, golden, tmp_path):
    _refused(site, golden, with_manifest(golden[0], tmp_path / "newer.tar.gz",
                                         alembic_revision="0099"), "newer version")
    older = with_manifest(golden[0], tmp_path / "older.tar.gz", alembic_revision="0002")
    with site.app.app_context():
        result = backup.restore(older, yes=True)
    assert result.upgrade_needed is True
    assert_untouched(site, golden)  # the data of the archive (really at 0003) is back
    output = site.app.test_cli_runner().invoke(args=["restore", str(older), "--yes"]).output
    assert "flask db upgrade" in output


def test_other_engine_is_refused(site, golden, tmp_path):
    other = "sqlite" if is_postgres() else "postgresql"
    members = members_of(golden[0])
    manifest = json.loads(members[backup.MANIFEST])
    manifest["engine"] = other
    data = members.pop(manifest["database"])
    manifest["database"] = backup.DATABASE_MEMBERS[other]
    members[manifest["database"]] = data
    members[backup.MANIFEST] = json.dumps(manifest).encode()
    _refused(site, golden, write_archive(tmp_path / "other.tar.gz", members),
             "cannot be restored here")


def test_restore_leaves_the_shared_test_database_alone(app, site, golden):
    """The suite's own database (conftest's app) is a different database from the site's."""
    with app.app_context():
        before = backup.database_counts()
        assert app.config["SQLALCHEMY_DATABASE_URI"] != site.url
    with site.app.app_context():
        backup.restore(golden[0], yes=True)
    with app.app_context():
        assert backup.database_counts() == before


# --- engines ---------------------------------------------------------------------------------


@SQLITE_ONLY
def test_sqlite_backup_is_a_consistent_copy_not_the_live_file(site, golden, tmp_path):
    import sqlite3

    live = sqlite3.connect(sa.engine.make_url(site.url).database)
    try:
        live.execute("BEGIN IMMEDIATE")
        live.execute("UPDATE activity_request SET title = 'UNCOMMITTED'")
        with site.app.app_context():
            path, manifest = backup.backup_with_manifest(tmp_path / "during-write.tar.gz")
    finally:
        live.rollback()
        live.close()
    copy = tmp_path / "copy.db"
    copy.write_bytes(members_of(path)[manifest["database"]])
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("SELECT title FROM activity_request").fetchone()[0].startswith(
            "Survei Ubinan")
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()


@PG_ONLY
def test_postgres_restore_refuses_tables_the_backup_lacks(site, golden):
    with site.app.app_context():
        engine = site.app.extensions["sqlalchemy"].engine
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE stray_table (id integer)"))
        engine.dispose()
    try:
        with (site.app.app_context(), force_locale("en"),
              pytest.raises(BackupError, match="stray_table")):
            backup.restore(golden[0], yes=True)
    finally:
        with site.app.app_context():
            engine = site.app.extensions["sqlalchemy"].engine
            with engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE stray_table"))
            engine.dispose()
    assert_untouched(site, golden)


@PG_ONLY
def test_postgres_backup_with_an_old_pg_dump_fails_clearly(site, tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    tool = fake / "pg_dump"
    tool.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    tool.chmod(0o755)
    site.app.config["PG_BIN_DIR"] = str(fake)
    try:
        with (site.app.app_context(), force_locale("en"),
              pytest.raises(BackupError, match=r"pg_dump 9\.6 .*older than PostgreSQL")):
            backup.backup(tmp_path / "out" / "x.tar.gz")
    finally:
        del site.app.config["PG_BIN_DIR"]
    assert list((tmp_path / "out").iterdir()) == []


def test_pg_tools_missing_or_too_old(site, tmp_path, monkeypatch):
    monkeypatch.setenv("PG_BIN_DIR", str(tmp_path))
    tool = tmp_path / "pg_restore"
    tool.write_text("#!/bin/sh\necho 'pg_restore (PostgreSQL) 14.11'\n")
    tool.chmod(0o755)
    with site.app.app_context(), force_locale("en"):
        with pytest.raises(BackupError, match="pg_dump was not found.*postgresql-client-15"):
            backup.find_pg_tool("pg_dump", 15)
        with pytest.raises(BackupError, match="14.11 .*older than PostgreSQL 15"):
            backup.find_pg_tool("pg_restore", 15)
        assert backup.find_pg_tool("pg_restore", 14) == (str(tool), 14)


def test_libpq_connection_keeps_the_password_off_the_command_line():
    url = sa.engine.make_url("postgresql+psycopg://rekom:s%3Ecret%20pw@db.example:6543/"
                             "rekom stat?sslmode=require")
    conninfo, env = backup.libpq_connection(url)
    assert "cret" not in conninfo and env["PGPASSWORD"] == "s>cret pw"
    assert "dbname='rekom stat'" in conninfo and "sslmode=require" in conninfo
    assert "host=db.example" in conninfo and "port=6543" in conninfo and "user=rekom" in conninfo


def test_member_names():
    for good in ("manifest.json", "uploads/ab/abcdef", "database/rekomstat.sqlite3"):
        backup.check_member_name(good)
    for bad in ("", "/x", "../x", "a/../b", "a//b", "./a", "a\\b", "C:x", "a\x00b", "a/."):
        with pytest.raises(BackupError):
            backup.check_member_name(bad)
    assert os.sep == "/"  # the suite runs on POSIX
