"""A worker killed while it writes an upload leaves ``<stored>.part`` (app/requests/uploads.py
renames it only once complete): removed at start-up and by `flask cleanup` once older than an hour,
never an upload still being written, never a stored document."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from app.requests import uploads

ROOT = Path(__file__).resolve().parent.parent
HOURS = 3600


def _files(folder: Path, age: float) -> dict[str, Path]:
    """An interrupted upload ``age`` seconds old, one in flight, and stored documents (one as
    old, one with a name that merely contains .part)."""
    files = {
        "old_part": folder / "ab" / "abOldToken.part",
        "fresh_part": folder / "cd" / "cdFreshToken.part",
        "document": folder / "ab" / "abStoredDocument",
        "lookalike": folder / "ef" / "ef.partial-not-a-part-file",
    }
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4 half")
    old = time.time() - age
    for key in ("old_part", "document", "lookalike"):
        os.utime(files[key], (old, old))
    return files


def test_an_old_part_file_is_removed_when_the_app_starts(tmp_path):
    """wsgi.py, the production start (gunicorn's master with --preload, or each worker)."""
    folder = tmp_path / "uploads"
    files = _files(folder, age=2 * HOURS)
    env = {**os.environ, "REKOMSTAT_INSTANCE": str(tmp_path), "LOG_LEVEL": "WARNING",
           # No SQL at start (test_startup): any database will do, the quickest to load.
           "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"}
    env.pop("FLASK_APP", None)
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert not files["old_part"].exists()
    assert files["fresh_part"].read_bytes() == b"%PDF-1.4 half"  # maybe still being written
    assert files["document"].read_bytes() == b"%PDF-1.4 half"
    assert files["lookalike"].exists()


def test_flask_cleanup_removes_them_in_the_upload_folder(app):
    folder = Path(app.config["UPLOAD_FOLDER"])
    files = _files(folder, age=uploads.PART_GRACE_SECONDS + 60)
    try:
        result = app.test_cli_runner().invoke(args=["cleanup"])
        assert result.exit_code == 0, result.output
        assert not files["old_part"].exists()
        assert files["fresh_part"].exists() and files["document"].exists()
        assert files["lookalike"].exists()
    finally:
        for path in files.values():
            path.unlink(missing_ok=True)


def test_a_missing_upload_folder_is_nothing_to_clean(tmp_path):
    assert uploads.remove_leftovers(tmp_path / "not-there") == 0
