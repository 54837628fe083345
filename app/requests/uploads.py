"""Request documents: checked by content, stored outside static/ under random names.

Only PDF, DOC(X) and XLS(X) are accepted, recognised by their bytes (a renamed program or an
HTML page called .pdf is refused), non-empty and within MAX_UPLOAD_MB. The name the applicant
gave is kept for display only; the file on disk is ``<UPLOAD_FOLDER>/<ab>/<random token>``, so
no uploaded name ever reaches the filesystem.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.core import codes
from app.core.errors import DomainError
from app.models import Attachment

log = logging.getLogger(__name__)

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls container
# extension -> (content type, how to recognise it)
TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UploadError(DomainError, ValueError):
    """A file refused; the message says why, in the user's language."""

    def __init__(self, message, status: int = 422):
        super().__init__(message, status)


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    original_name: str
    content_type: str
    sha256: str


def detect(data: bytes) -> set[str]:
    """The extensions these bytes may honestly carry (empty: not a document we accept)."""
    if data.startswith(b"%PDF-"):
        return {"pdf"}
    if data.startswith(OLE2):
        return {"doc", "xls"}  # the same container; the extension tells which
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return set()
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return {"docx"}
            if "xl/workbook.xml" in names:
                return {"xlsx"}
    return set()


def display_name(name: str) -> str:
    """The applicant's file name, made safe to show and to offer as a download name."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[:200] or "dokumen"


def check(storage) -> CheckedFile:
    """Read an uploaded file (werkzeug FileStorage) and refuse anything but a real document."""
    limit = current_app.config.get("MAX_UPLOAD_MB", 10) * 1024 * 1024
    data = storage.stream.read(limit + 1)
    name = display_name(storage.filename or "")
    if not data:
        raise UploadError(_("The file %(name)s is empty.", name=name))
    if len(data) > limit:
        raise UploadError(_("The file %(name)s is larger than %(mb)d MB.", name=name,
                            mb=current_app.config.get("MAX_UPLOAD_MB", 10)))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in TYPES or extension not in detect(data):
        raise UploadError(_("The file %(name)s is not a PDF, Word or Excel document.", name=name))
    return CheckedFile(data, name, TYPES[extension], hashlib.sha256(data).hexdigest())


def _folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def path_of(attachment: Attachment) -> Path:
    return _folder() / attachment.stored_name[:2] / attachment.stored_name


def store(session, request_id: int, kind: str, checked: CheckedFile, user_id: int) -> Attachment:
    """Write the file and add its row to the session (the caller commits; see ``discard``)."""
    stored = codes.random_token(32)
    target = _folder() / stored[:2] / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(stored + ".part")
    with open(partial, "wb") as fh:
        fh.write(checked.data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, target)  # a crash leaves a .part file, never half a document
    row = Attachment(request_id=request_id, kind=kind, original_name=checked.original_name,
                     stored_name=stored, size=len(checked.data),
                     content_type=checked.content_type, sha256=checked.sha256,
                     uploaded_by_id=user_id)
    session.add(row)
    return row


PART_GRACE_SECONDS = 3600  # an upload still being written (in any worker) is far younger


def remove_leftovers(folder=None, grace: float = PART_GRACE_SECONDS, now=None) -> int:
    """Remove the ``.part`` files of uploads interrupted before their rename (a worker killed
    mid-write) that are older than ``grace`` seconds; stored documents have no suffix and are
    never touched. One walk of the folder (``UPLOAD_FOLDER`` by default): cheap enough for every
    start. Returns how many were removed."""
    folder = Path(folder if folder is not None else _folder())
    cutoff = (time.time() if now is None else now) - grace
    removed = 0
    for root, _dirs, files in os.walk(folder, followlinks=False):
        for name in files:
            if not name.endswith(".part"):
                continue
            path = Path(root) / name
            try:
                if path.lstat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass  # renamed or removed meanwhile
            except OSError as err:  # not ours to remove: say so, and start all the same
                log.warning("could not remove the unfinished upload %s: %s", path, err)
    return removed


def discard(rows) -> None:
    """Remove the files of rows whose transaction rolled back."""
    for row in rows:
        try:
            path_of(row).unlink()
        except FileNotFoundError:
            pass
