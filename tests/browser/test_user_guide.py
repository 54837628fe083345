"""The user guide's screenshots: docs/screenshots.py takes one screen per role into a temporary
folder (its own app on its own SQLite file, demo data, Debian's Chromium), each picture is a real
PNG of the expected size and its page showed the expected Indonesian heading; and
the README's user guide only shows pictures that exist in docs/img/ and that the script makes.
"""
from __future__ import annotations

import importlib.util
import re
import struct
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "README.md"

# One screen per role: (shot, msgid of its heading, msgids of other words it must show).
# The msgids are looked up in the Indonesian catalogue, so a reworded translation still passes
# while an English (untranslated) heading does not.
EXPECTED = {
    "public-home": ("Statistical activity recommendation service", ("Requirements",)),
    "applicant-requests": ("My requests", ("New request",)),
    "officer-request": ("Request", ("Save checklist",)),
    "head-letter": ("Request", ("Issue letter", "Return draft")),
    "admin-users": ("List Users", ()),
}


def _script():
    spec = importlib.util.spec_from_file_location("rekomstat_screenshots",
                                                  ROOT / "docs" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _guide_images() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    return re.findall(r"!\[[^\]]*\]\(([^)\s]+)", text) + re.findall(
        r"<img[^>]*\ssrc=\"([^\"]+)\"", text)


def test_guide_shows_only_images_the_script_makes():
    script = _script()
    made = {f"docs/img/{shot.name}.png" for shot in script.SHOTS}
    images = _guide_images()
    assert images, "the README's user guide shows no screenshots"
    for image in images:
        assert image.startswith("docs/img/"), f"{image}: paths are relative to the repository root"
        assert image in made, f"{image} is not made by docs/screenshots.py"
        assert (ROOT / image).is_file(), f"{image} is missing: run docs/screenshots.py"
    assert {shot.role for shot in script.SHOTS} == set(script.ROLES)


@pytest.mark.browser
def test_one_screen_per_role(browser, tmp_path):
    from flask_babel import force_locale, gettext

    script = _script()
    shots = [shot for shot in script.SHOTS if shot.name in EXPECTED]
    assert {shot.role for shot in shots} == set(script.ROLES)
    port = script.free_port()
    app, cast = script.build_app(tmp_path / "app", port=port)
    server = script.serve(app, port)
    try:
        results = script.shoot(browser, cast, shots, tmp_path / "img")
    finally:
        server.shutdown()

    with app.test_request_context(), force_locale("id"):
        words = {msgid: gettext(msgid) for heading, others in EXPECTED.values()
                 for msgid in (heading, *others)}
    assert [r.shot.name for r in results] == [s.name for s in shots]
    for result in results:
        data = result.path.read_bytes()
        width, height = _png_size(data)
        assert (width, height) == result.size
        assert width == result.shot.viewport[0]
        assert 100 <= height <= result.shot.max_height
        assert len(data) < 150_000, f"{result.path.name}: {len(data)} bytes"
        try:
            from PIL import Image
        except ImportError:
            pass
        else:
            with Image.open(result.path) as image:
                image.verify()

        heading, others = EXPECTED[result.shot.name]
        assert words[heading] != heading, f"no Indonesian for {heading!r}"
        assert result.heading == words[heading], (result.shot.name, result.heading)
        for msgid in others:
            assert words[msgid] in result.text, (result.shot.name, msgid, words[msgid])
        assert not [p for p in result.problems if "Content Security Policy" in p], result.problems
