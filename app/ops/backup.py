"""Backup and restore of everything Rekomstat keeps: the database and the uploaded documents.

One archive, ``rekomstat-YYYYmmdd-HHMMSS.tar.gz`` (UTC), holds

* ``database/rekomstat.sqlite3`` (SQLite: a consistent copy made with SQLite's online backup
  API, never the live file) or ``database/rekomstat.pgdump`` (PostgreSQL: ``pg_dump
  --format=custom --no-owner``). Issued letters' PDFs are rows of the database, so they are in
  here too; so are the full-text index and its triggers (migration 0003).
* ``uploads/…``: the request documents, the UPLOAD_FOLDER as it was (``.part`` leftovers of an
  interrupted upload are left out).
* ``manifest.json``, written last: format, creation time (UTC), the code's and the database's
  Alembic revision, the engine, the row count of every table and the sha256 and size of every
  other member; and ``identity``: the identity numbers (models.EncryptedString columns) are in
  the copy as the database holds them, encrypted, and the manifest names the key they need by
  its id (``identity.key_id``, 8 hex digits of its SHA-256, never the key): ``key_id`` the key
  that encrypted new numbers, ``by_key`` how many numbers each key opened when the backup was
  made, ``unreadable`` how many none of IDENTITY_KEYS did, per table.

The database is copied first and the files after it: a document is written before its row is
committed (app/requests/uploads.py), so every row in the copy finds its file in the archive. On
PostgreSQL the row counts and ``pg_dump`` share one exported snapshot, so the manifest describes
exactly the dump.

``restore`` reads the whole archive once to check it (names, member types, every sha256 against
the manifest) before it changes anything; then it extracts into a staging folder next to the
upload folder, checks every hash again as it writes, replaces the database (SQLite: a temporary
file moved over the database file; PostgreSQL: ``pg_restore --single-transaction``, so a failure
leaves the old database) and swaps the upload folder for the staged one. Before the database
is replaced, every identity number of the staged copy is decrypted with the configured
IDENTITY_KEYS: one that none of them opens refuses the restore (restored, it would fail every
page that loads its row), naming the key the archive needs. ``check`` (``flask restore
--check``) does the same without changing anything.

Plain functions; app/ops/cli.py wires them to ``flask backup`` and ``flask restore``. Both run in
an app context; messages are for the operator, translated with flask_babel.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import stat
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from cryptography.fernet import InvalidToken
from flask import current_app
from flask_babel import gettext as _

from app.catalogue import search
from app.core import identity, process_cache
from app.extensions import MIGRATIONS_DIR
from app.offices.workdays import utcnow
from app.ops.backup_db import (  # noqa: F401  (database_counts, find_pg_tool, libpq_connection: API)
    CHUNK,
    BackupError,
    app_engine,
    database_counts,
    dump_postgres,
    dump_sqlite,
    find_pg_tool,
    fsync_dir,
    identity_values,
    libpq_connection,
    release_connections,
    restore_postgres,
    restore_sqlite,
    server_major_of,
)

FORMAT = "rekomstat-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {
    "sqlite": "database/rekomstat.sqlite3",
    "postgresql": "database/rekomstat.pgdump",
}
UPLOADS = "uploads"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


@dataclasses.dataclass
class RestoreResult:
    manifest: dict
    counts: dict  # table -> rows in the restored database
    mismatches: dict  # table -> (rows in the manifest, rows restored), only where they differ
    upgrade_needed: bool  # the archive's schema is older than the code's: run `flask db upgrade`
    index_problems: list  # search.check_index() after the restore
    files: int
    identity: dict | None = None  # scan_identity() of the restored database


# --- helpers ---------------------------------------------------------------------------------


def _now() -> dt.datetime:
    # Aware, unlike the stored times: .timestamp() must not read it as the server's local time.
    return utcnow().replace(tzinfo=dt.UTC)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def _upload_folder() -> Path:
    # Resolved: a symlinked upload folder is swapped where it really lives.
    return Path(current_app.config["UPLOAD_FOLDER"]).resolve()


def check_member_name(name: str) -> None:
    """Refuse a member name that could leave the folder it is extracted into."""
    if (not name or "\x00" in name or "\\" in name or name.startswith("/")
            or re.match(r"^[A-Za-z]:", name)):
        raise BackupError(_("The archive holds a member with an unsafe name (%(name)s): refused.",
                            name=repr(name)))
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise BackupError(_("The archive holds a member with an unsafe name (%(name)s): refused.",
                            name=repr(name)))


def _known_member(name: str, is_dir: bool) -> bool:
    if is_dir:
        return name in ("database", UPLOADS) or name.startswith(UPLOADS + "/")
    return (name == MANIFEST or name in DATABASE_MEMBERS.values()
            or name.startswith(UPLOADS + "/"))


# --- schema revisions ------------------------------------------------------------------------


def _script_directory():
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg)


def code_revision() -> str:
    return ",".join(sorted(_script_directory().get_heads()))


def _check_revision(revision: str | None) -> bool:
    """Refuse a schema newer than the code's; True when it is older (upgrade needed)."""
    from alembic.util import CommandError

    script = _script_directory()
    heads = set(script.get_heads())
    revisions = [r for r in (revision or "").split(",") if r]
    for rev in revisions:
        try:
            script.get_revision(rev)
        except CommandError:
            raise BackupError(_(
                "The backup's database is at migration %(archive)s, which this version of "
                "Rekomstat does not know (it knows up to %(code)s): the backup was made by a "
                "newer version. Upgrade Rekomstat first, then restore.",
                archive=revision, code=",".join(sorted(heads)))) from None
    return set(revisions) != heads


# --- identity numbers ------------------------------------------------------------------------


def _keyring() -> list:
    return identity.keyring(current_app.config["IDENTITY_KEYS"])


def scan_identity(dialect: str, db_file: Path, tool: str | None = None) -> dict:
    """What this installation's IDENTITY_KEYS make of the identity numbers in a copy of the
    database (``db_file``: the SQLite file or the pg_dump archive; ``tool``: pg_restore):
    ``rows`` numbers per table, ``by_key`` how many each key (by id) opens, ``unreadable`` per
    table how many none opens. Nothing but counts: no number, no ciphertext."""
    ring = _keyring()
    columns = [(table.name, column) for table, column in identity.stored_columns()]
    rows: dict = {}
    by_key: dict = {}
    unreadable: dict = {}
    for table, token in identity_values(dialect, db_file, columns, tool):
        rows[table] = rows.get(table, 0) + 1
        data = token.encode("utf-8", "replace")
        for kid, fernet in ring:
            try:
                fernet.decrypt(data)
            except (InvalidToken, ValueError, TypeError):
                continue
            by_key[kid] = by_key.get(kid, 0) + 1
            break
        else:
            unreadable[table] = unreadable.get(table, 0) + 1
    return {"columns": [f"{table}.{column}" for table, column in columns], "rows": rows,
            "by_key": by_key, "unreadable": unreadable}


def _per_table(counts: dict) -> str:
    return ", ".join(f"{table} ({n})" for table, n in sorted(counts.items()))


def refuse_unreadable(manifest: dict, scan: dict) -> None:
    """Refuse an archive holding identity numbers none of IDENTITY_KEYS decrypts: restored,
    every page that loads their rows would fail. Says which keys it needs and what to do."""
    unreadable = scan["unreadable"]
    if not unreadable:
        return
    installed = [kid for kid, _fernet in _keyring()]
    made = manifest.get("identity") if isinstance(manifest.get("identity"), dict) else None
    needed = []
    if made:
        needed = [str(k) for k in (made.get("by_key") or {}) if k not in installed]
        if not needed and made.get("key_id") and made["key_id"] not in installed:
            needed = [str(made["key_id"])]
    parts = [_("%(count)d identity number(s) in the archive cannot be decrypted with the keys "
               "of IDENTITY_KEYS, in %(tables)s.", count=sum(unreadable.values()),
               tables=_per_table(unreadable))]
    if needed:
        parts.append(_("The archive was made with the key of id %(archive)s; this installation "
                       "holds %(installed)s.", archive=", ".join(needed),
                       installed=", ".join(installed)))
    elif made:
        parts.append(_("None of this installation's keys (%(installed)s) opens them: they "
                       "could not be decrypted when the backup was made either.",
                       installed=", ".join(installed)))
    else:
        parts.append(_("The archive does not say which key it was made with (an older version "
                       "of Rekomstat made it); this installation holds %(installed)s.",
                       installed=", ".join(installed)))
    parts.append(_("Set IDENTITY_KEYS to this installation's key followed by the key the "
                   "archive was made with (comma-separated), restore, then run `flask identity "
                   "rotate` to re-encrypt them with the first key. Nothing was changed."))
    raise BackupError(" ".join(parts))


def identity_lines(scan: dict) -> list[str]:
    """Lines for the operator on the identity numbers a restore would bring (or brought)."""
    count = sum(scan["rows"].values())
    if not count or scan["unreadable"]:
        return []
    first = _keyring()[0][0]
    lines = [_("Identity numbers: all %(count)d can be decrypted with this installation's "
               "IDENTITY_KEYS.", count=count)]
    older = {k: n for k, n in scan["by_key"].items() if k != first}
    if older:
        lines.append(_("%(count)d of them are encrypted with an older key (id %(ids)s): after "
                       "restoring, run `flask identity rotate`, then that key can leave "
                       "IDENTITY_KEYS.", count=sum(older.values()), ids=", ".join(older)))
    return lines


def _pg_restore_for(manifest: dict) -> str:
    return find_pg_tool("pg_restore", int(manifest.get("pg_dump_major") or 0))[0]


# --- writing the archive ---------------------------------------------------------------------


class _HashingReader:
    def __init__(self, raw):
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n=-1):
        data = self.raw.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> dict:
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        reader = _HashingReader(fh)
        # Exactly st_size bytes are copied (tarfile fails if the file shrank meanwhile).
        tar.addfile(_tarinfo(name, st.st_size, st.st_mtime), reader)
    return {"sha256": reader.sha.hexdigest(), "size": reader.size}


def _upload_files(folder: Path, skipped: list) -> Iterator[tuple[str, Path]]:
    """(relative posix name, path) of every regular file in the upload folder, sorted."""
    if not folder.is_dir():
        return
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for file_name in sorted(files):
            path = Path(root) / file_name
            rel = path.relative_to(folder).as_posix()
            if file_name.endswith(".part"):
                continue  # an upload interrupted before its rename: never a stored document
            if not stat.S_ISREG(os.lstat(path).st_mode):
                skipped.append(rel)
                continue
            try:
                check_member_name(f"{UPLOADS}/{rel}")
            except BackupError:
                skipped.append(rel)
                continue
            yield rel, path


def _output_path(output) -> Path:
    name = f"rekomstat-{_now():%Y%m%d-%H%M%S}.tar.gz"
    if output is None:
        cfg = current_app.config
        folder = cfg.get("BACKUP_FOLDER") or os.environ.get("BACKUP_FOLDER") or Path(
            cfg.get("INSTANCE_DIR") or current_app.instance_path) / "backups"
        return Path(folder) / name
    output = Path(output)
    if output.is_dir():
        return output / name
    return output


def backup_with_manifest(output=None) -> tuple[Path, dict]:
    """Write the archive; returns its path and its manifest."""
    engine = app_engine()
    dialect = engine.dialect.name
    if dialect not in DATABASE_MEMBERS:
        raise BackupError(_("Backups support SQLite and PostgreSQL, not %(engine)s.",
                            engine=dialect))
    final = _output_path(output).absolute()
    if final.exists():
        raise BackupError(_("%(path)s already exists: choose another --output.", path=final))
    final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = _upload_folder()
    with tempfile.TemporaryDirectory(prefix="rekomstat-backup-") as work:
        dump = dump_sqlite if dialect == "sqlite" else dump_postgres
        db_file, info = dump(engine, Path(work))
        # Read back from the copy itself, by the very code a restore checks it with.
        scan = scan_identity(dialect, db_file,
                             None if dialect == "sqlite" else _pg_restore_for(info))
        # Not the final name until it is complete (mkstemp: readable by the owner only).
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6,
                                  format=tarfile.PAX_FORMAT) as tar:
                    db_member = DATABASE_MEMBERS[dialect]
                    files = {db_member: _add_file(tar, db_member, db_file)}
                    skipped: list = []
                    for rel, path in _upload_files(folder, skipped):
                        files[f"{UPLOADS}/{rel}"] = _add_file(tar, f"{UPLOADS}/{rel}", path)
                    stored = {f"{UPLOADS}/{n[:2]}/{n}" for n in info.pop("attachments")}
                    manifest = {
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "created_at": _now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "app": {"name": current_app.config.get("APP_NAME", "Rekomstat"),
                                "code_revision": code_revision()},
                        "engine": dialect,
                        "database": db_member,
                        **info,
                        "attachments": {"rows": len(stored),
                                        "missing_files": sorted(stored - set(files))},
                        "skipped_files": skipped,
                        "files": files,
                        "identity": {"cipher": "fernet", "key_id": _keyring()[0][0], **scan},
                    }
                    data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                    tar.addfile(_tarinfo(MANIFEST, len(data), _now().timestamp()),
                                io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    fsync_dir(final.parent)
    return final, manifest


def backup(output=None) -> Path:
    """Back up the database and the upload folder into one tar.gz; returns its path."""
    return backup_with_manifest(output)[0]


def summary(manifest: dict, path: Path | None = None) -> list[str]:
    """Lines for the operator describing an archive."""
    tables = manifest.get("tables", {})
    uploads = {k: v for k, v in manifest["files"].items() if k.startswith(UPLOADS + "/")}
    lines = [
        _("Database: %(engine)s %(version)s, migration %(revision)s, %(rows)d rows in "
          "%(tables)d tables", engine=manifest["engine"],
          version=manifest.get("server_version") or "", revision=manifest.get("alembic_revision"),
          rows=sum(tables.values()), tables=len(tables)),
        _("Uploaded files: %(count)d (%(size)s)", count=len(uploads),
          size=human_size(sum(v["size"] for v in uploads.values()))),
    ]
    if path is not None:
        lines.append(_("Archive size: %(size)s", size=human_size(Path(path).stat().st_size)))
    missing = manifest.get("attachments", {}).get("missing_files", [])
    if missing:
        lines.append(_("Warning: %(count)d document(s) of the database have no file in the "
                       "upload folder: %(names)s", count=len(missing),
                       names=", ".join(missing[:10])))
    for name in manifest.get("skipped_files", []):
        lines.append(_("Warning: skipped %(name)s (not a regular file, or an unsafe name)",
                       name=name))
    lines += _manifest_identity_lines(manifest)
    return lines


def _manifest_identity_lines(manifest: dict) -> list[str]:
    made = manifest.get("identity")
    if not isinstance(made, dict):
        return [_("Identity numbers: this archive does not name the key that encrypted them "
                  "(an older version of Rekomstat made it).")]
    rows = made.get("rows") or {}
    needed = list(made.get("by_key") or {}) or [made.get("key_id")]
    if not sum(rows.values()):
        return [_("Identity numbers: none in this archive; this installation encrypts them with "
                  "the key of id %(id)s.", id=made.get("key_id"))]
    lines = [_("Identity numbers: %(count)d, stored encrypted; restoring them needs the key of "
               "id %(ids)s in IDENTITY_KEYS: keep that key, apart from the backups.",
               count=sum(rows.values()), ids=", ".join(str(k) for k in needed))]
    unreadable = made.get("unreadable") or {}
    if unreadable:
        lines.append(_("Warning: %(count)d identity number(s) could not be decrypted with "
                       "IDENTITY_KEYS when the backup was made (%(tables)s): restoring this "
                       "archive will be refused until a key that opens them is configured.",
                       count=sum(unreadable.values()), tables=_per_table(unreadable)))
    return lines


# --- reading the archive ---------------------------------------------------------------------


def _damaged(path, exc) -> BackupError:
    return BackupError(_("The archive %(path)s is damaged or not a tar.gz file (%(error)s); "
                         "nothing was changed.", path=path, error=exc))


def _read_archive(path: Path, dest: Path | None = None,
                  only: set | None = None) -> tuple[bytes | None, dict]:
    """Every member checked (name, type) and hashed; written under ``dest`` if given (only
    the members named in ``only``, if given). Returns the manifest's bytes and
    {name: (sha256, size)}."""
    seen: dict = {}
    manifest = None
    dirs: set = set()
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = member.name
                if member.issym() or member.islnk():
                    raise BackupError(_("The archive holds a link (%(name)s): refused.",
                                        name=repr(name)))
                if not (member.isfile() or member.isdir()):
                    raise BackupError(_("The archive holds a special file (%(name)s): refused.",
                                        name=repr(name)))
                check_member_name(name)
                if not _known_member(name, member.isdir()):
                    raise BackupError(_("The archive holds %(name)s, which no Rekomstat backup "
                                        "has: refused.", name=repr(name)))
                if name in seen or name in dirs or (name == MANIFEST and manifest is not None):
                    raise BackupError(_("The archive holds %(name)s twice: refused.",
                                        name=repr(name)))
                if member.isdir():
                    dirs.add(name)
                    continue
                src = tar.extractfile(member)
                if name == MANIFEST:
                    if member.size > MAX_MANIFEST_BYTES:
                        raise BackupError(_("The archive's manifest is too large: refused."))
                    manifest = src.read()
                    continue
                sha = hashlib.sha256()
                with contextlib.ExitStack() as stack:
                    out = None
                    if dest is not None and (only is None or name in only):
                        target = dest / name
                        real_dest = os.path.realpath(dest) + os.sep
                        if not os.path.realpath(target).startswith(real_dest):
                            raise BackupError(_("The archive holds a member with an unsafe name "
                                                "(%(name)s): refused.", name=repr(name)))
                        target.parent.mkdir(parents=True, exist_ok=True)
                        out = stack.enter_context(open(target, "xb"))
                    while chunk := src.read(CHUNK):
                        sha.update(chunk)
                        if out is not None:
                            out.write(chunk)
                seen[name] = (sha.hexdigest(), member.size)
            # Read to the end, so gzip checks its CRC over the whole stream.
            while tar.fileobj.read(CHUNK):
                pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _damaged(path, exc) from exc
    return manifest, seen


def _check_manifest(path: Path, raw: bytes | None, seen: dict) -> dict:
    if raw is None:
        raise BackupError(_("%(path)s is not a Rekomstat backup: it has no manifest.json.",
                            path=path))
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise BackupError(_("The manifest of %(path)s is damaged: %(error)s", path=path,
                            error=exc)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(path)s is not a Rekomstat backup.", path=path))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(_("%(path)s is a backup of format version %(version)s, which this "
                            "version of Rekomstat cannot read: upgrade Rekomstat.",
                            path=path, version=manifest.get("format_version")))
    files = manifest.get("files")
    engine = manifest.get("engine")
    if (not isinstance(files, dict) or engine not in DATABASE_MEMBERS
            or manifest.get("database") != DATABASE_MEMBERS[engine]
            or manifest["database"] not in files
            or not isinstance(manifest.get("tables"), dict)
            or not all(isinstance(v, dict) and isinstance(v.get("sha256"), str)
                       and isinstance(v.get("size"), int) for v in files.values())):
        raise BackupError(_("The manifest of %(path)s is incomplete: refused.", path=path))
    for name in files:
        check_member_name(name)
    wrong = sorted(
        name for name in set(files) | set(seen)
        if name not in files or name not in seen
        or seen[name] != (files[name]["sha256"], files[name]["size"])
    )
    if wrong:
        raise BackupError(_("The archive %(path)s is damaged: %(count)d file(s) missing, "
                            "changed or not in its manifest (%(names)s); nothing was changed.",
                            path=path, count=len(wrong), names=", ".join(wrong[:5])))
    return manifest


def verify(path) -> dict:
    """Check an archive completely without changing anything; returns its manifest."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("No archive at %(path)s.", path=path))
    raw, seen = _read_archive(path)
    return _check_manifest(path, raw, seen)


def check(path) -> tuple[dict, dict]:
    """``verify``, and the identity numbers of the archive's database decrypted with this
    installation's IDENTITY_KEYS (refused if any cannot be); returns the manifest and
    ``scan_identity``'s counts. Changes nothing."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("No archive at %(path)s.", path=path))
    # The database is read from a copy: next to the upload folder, as a restore stages it.
    parent = _upload_folder().parent
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".rekomstat-check-", dir=parent) as work:
        raw, seen = _read_archive(path, dest=Path(work), only=set(DATABASE_MEMBERS.values()))
        manifest = _check_manifest(path, raw, seen)
        tool = None if manifest["engine"] == "sqlite" else _pg_restore_for(manifest)
        scan = scan_identity(manifest["engine"], Path(work) / manifest["database"], tool)
    refuse_unreadable(manifest, scan)
    return manifest, scan


# --- restore ---------------------------------------------------------------------------------


def _swap_uploads(staged: Path, folder: Path) -> None:
    staged.mkdir(exist_ok=True)
    old = None
    if folder.exists():
        os.chmod(staged, stat.S_IMODE(folder.stat().st_mode))  # keep the folder's permissions
        old = folder.with_name(f".{folder.name}.old-{secrets.token_hex(4)}")
        os.rename(folder, old)
    try:
        os.rename(staged, folder)
    except BaseException:
        if old is not None:
            os.rename(old, folder)
        raise
    fsync_dir(folder.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def restore(path, *, yes: bool = False) -> RestoreResult:
    """Replace the database and the upload folder with an archive's (checked first)."""
    path = Path(path)
    manifest = verify(path)
    engine = app_engine()
    dialect = engine.dialect.name
    if manifest["engine"] != dialect:
        raise BackupError(_("The archive holds a %(archive)s database but this Rekomstat uses "
                            "%(configured)s: it cannot be restored here.",
                            archive=manifest["engine"], configured=dialect))
    upgrade_needed = _check_revision(manifest.get("alembic_revision"))

    current = database_counts()
    rows = sum(n for table, n in current.items() if table != "alembic_version")
    if rows and not yes:
        raise BackupError(_("The database already holds data (%(rows)d rows). A restore "
                            "replaces all of it and the uploaded files: run again with --yes "
                            "to confirm.", rows=rows))
    tool = None
    if dialect == "postgresql":
        extra = sorted(set(current) - set(manifest["tables"]))
        if extra:
            # pg_restore --clean drops only what the dump holds: these would stay behind.
            raise BackupError(_("The database holds tables the backup does not have "
                                "(%(tables)s). Restore into an empty database (for example "
                                "dropdb and createdb) instead; nothing was changed.",
                                tables=", ".join(extra)))
        with engine.connect() as conn:
            server_major = server_major_of(conn)
        tool, _major = find_pg_tool("pg_restore", max(server_major,
                                                     int(manifest.get("pg_dump_major") or 0)))
        release_connections(engine)

    folder = _upload_folder()
    folder.parent.mkdir(parents=True, exist_ok=True)
    # Next to the upload folder: the swap at the end is a rename on one filesystem.
    staging = Path(tempfile.mkdtemp(prefix=".rekomstat-restore-", dir=folder.parent))
    try:
        raw, seen = _read_archive(path, dest=staging)
        if _check_manifest(path, raw, seen) != manifest:
            raise BackupError(_("The archive %(path)s changed while it was being restored; "
                                "nothing was changed.", path=path))
        staged_db = staging / manifest["database"]
        # Before anything is replaced: numbers no configured key opens are refused.
        scan = scan_identity(dialect, staged_db, tool)
        refuse_unreadable(manifest, scan)
        if dialect == "sqlite":
            restore_sqlite(engine, staged_db)
        else:
            restore_postgres(engine, staged_db, tool)
        try:
            _swap_uploads(staging / UPLOADS, folder)
        except OSError as exc:
            raise BackupError(_("The database was restored, but the upload folder %(folder)s "
                                "could not be replaced (%(error)s): fix that and restore again.",
                                folder=folder, error=exc)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    release_connections(engine)
    process_cache.forget_all()  # the restored days off and offices, not what this process kept
    counts = database_counts()
    expected = manifest["tables"]
    mismatches = {t: (expected.get(t), counts.get(t)) for t in sorted(set(expected) | set(counts))
                  if expected.get(t) != counts.get(t)}
    session = current_app.appbuilder.session
    try:
        index_problems = search.check_index(session)
    finally:
        session.remove()
    files = sum(1 for name in manifest["files"] if name.startswith(UPLOADS + "/"))
    return RestoreResult(manifest, counts, mismatches, upgrade_needed, index_problems, files,
                         scan)
