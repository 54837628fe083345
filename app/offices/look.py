"""An office's look (issue 26): its colour and its logo, on the public and applicant pages and
on its letters' letterhead.

The rules, in one place for the settings screen, the pages and the letter:

- **The colour** is the header's background under white text: ``#rrggbb`` (empty: the
  portal's blue, ``DEFAULT_COLOUR``), refused when white text on it reads below WCAG AA's
  4.5:1 (``contrast_with_white``).
- **The logo** is a PNG or a JPEG, told by its content (the bytes and Pillow's reading of
  them), never by the file's name; at most ``MAX_LOGO_BYTES`` and ``MAX_LOGO_SIDE`` pixels a
  side. SVG is refused: it may carry script and the letter's PDF engine does not draw it.
  The settings row names it by media type and SHA-256 (what the pages need, cached with
  the row); its bytes are a row of ``office_logo``, read only by its route and the letter.
  Kept in the database, not the uploads folder: the backup carries the database whole, and
  the uploads only as the requests' documents.

A refusal is a ``LookError`` naming its field (the screen shows it there); nothing is written.
"""
from __future__ import annotations

import base64
import hashlib
import io
import re
from typing import NamedTuple, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.errors import DomainError
from app.models import OfficeLogo, OfficeSetting
from app.offices import directory

DEFAULT_COLOUR = "#0a4d8c"
MIN_CONTRAST = 4.5  # WCAG 2.1 AA, normal text
MAX_LOGO_BYTES = 300 * 1024
MAX_LOGO_SIDE = 4000
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"))
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


class LookError(DomainError):
    """A refused colour or logo, with its message on the field it concerns."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message, status=400)
        self.errors = {field: [str(message)]}


class Look(NamedTuple):
    """What a page's header shows of an office."""

    office_id: Optional[int]
    name: str
    colour: str
    logo_sha256: Optional[str]


# --- the colour ----------------------------------------------------------------------------------


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def contrast_with_white(colour: str) -> float:
    """WCAG 2.1's contrast ratio of white text on ``colour`` (#rrggbb)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)
    return 1.05 / (luminance + 0.05)


def colour_problem(text: Optional[str]) -> Optional[str]:
    """Why ``text`` cannot be the office's colour, or None."""
    value = (text or "").strip()
    if not value:
        return None
    if not _HEX.fullmatch(value):
        return str(_l("Write the colour as # and six hexadecimal digits, e.g. #0a4d8c."))
    ratio = contrast_with_white(value)
    if ratio < MIN_CONTRAST:
        return str(_l("White text on this colour is too hard to read (contrast %(ratio)s:1, "
                      "at least 4.5:1 is needed): choose a darker colour.",
                      ratio=f"{ratio:.1f}".replace(".", ",")))
    return None


def colour(text: Optional[str]) -> str:
    """The colour to store for ``text``: lower case; empty: the default. ``LookError`` if it
    cannot be one."""
    problem = colour_problem(text)
    if problem:
        raise LookError("brand_colour", problem)
    return (text or "").strip().lower() or DEFAULT_COLOUR


# --- the logo ------------------------------------------------------------------------------------


def logo_type(data: bytes) -> str:
    """The media type of a logo's bytes, or ``LookError`` (on the field ``logo_file``)."""
    if not data:
        raise LookError("logo_file", _l("The file is empty."))
    if len(data) > MAX_LOGO_BYTES:
        raise LookError("logo_file", _l("The logo may be at most %(kb)s KB.",
                                        kb=MAX_LOGO_BYTES // 1024))
    kind = next((name for magic, name in _MAGIC if data.startswith(magic)), None)
    not_an_image = _l("The logo must be a PNG or JPEG image.")
    if kind is None:
        raise LookError("logo_file", not_an_image)
    from PIL import Image  # Pillow comes with the PDF engine (reportlab)

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            found = image.format
            image.verify()
    except Exception:  # a broken or disguised file: Pillow's many errors alike
        raise LookError("logo_file", not_an_image) from None
    if found != kind:
        raise LookError("logo_file", not_an_image)
    if max(width, height) > MAX_LOGO_SIDE or min(width, height) < 1:
        raise LookError("logo_file", _l("The logo may be at most %(px)s pixels wide and high.",
                                        px=MAX_LOGO_SIDE))
    return LOGO_TYPES[kind]


def set_logo(session, setting: OfficeSetting, data: bytes) -> None:
    """Make ``data`` the office's logo (checked first; the caller commits)."""
    media_type = logo_type(data)
    digest = hashlib.sha256(data).hexdigest()
    row = session.get(OfficeLogo, setting.office_id)
    if row is None:
        row = OfficeLogo(office_id=setting.office_id)
        session.add(row)
    row.sha256, row.data = digest, data
    setting.logo_type, setting.logo_sha256 = media_type, digest


def remove_logo(session, setting: OfficeSetting) -> None:
    """The office has no logo any more (the caller commits)."""
    row = session.get(OfficeLogo, setting.office_id)
    if row is not None:
        session.delete(row)
    setting.logo_type = setting.logo_sha256 = None


# --- reading -------------------------------------------------------------------------------------


def logo(session, office_id: int) -> Optional[tuple[str, str, bytes]]:
    """(media type, SHA-256, bytes) of the office's logo, or None. Only the logo its settings
    name: a row left by a deleted office of the same id is not this office's."""
    found = session.execute(
        select(OfficeSetting.logo_type, OfficeLogo.sha256, OfficeLogo.data)
        .join(OfficeLogo, OfficeLogo.office_id == OfficeSetting.office_id)
        .where(OfficeSetting.office_id == office_id,
               OfficeSetting.logo_sha256 == OfficeLogo.sha256,
               OfficeSetting.logo_type.is_not(None))
    ).first()
    return tuple(found) if found else None


def logo_data_uri(session, office_id: Optional[int]) -> str:
    """The office's logo as a data: URI (the letter's letterhead), or "" when it has none."""
    found = logo(session, office_id) if office_id is not None else None
    if not found:
        return ""
    media_type, _digest, data = found
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def look(session, plain: bool = False, office_id: Optional[int] = None) -> Look:
    """An office's look, for the public and applicant pages' header: ``office_id``'s (a
    request's office, a queue board's), else the default office's; ``plain``: the portal's own
    (a page staff and public alike see, which names no office)."""
    info = directory.office_info(session, office_id) if office_id and not plain else None
    office = info.office if info is not None and info.office.active else None
    if office is None:
        office = None if plain else directory.default_office(session)
    if office is None:
        return Look(None, "Rekomstat", DEFAULT_COLOUR, None)
    info = directory.office_info(session, office.id)
    setting = info.setting if info is not None else directory.DEFAULT_SETTING
    shown = setting.brand_colour if not colour_problem(setting.brand_colour) else None
    return Look(office.id, office.name, shown or DEFAULT_COLOUR,
                setting.logo_sha256 if setting.logo_type else None)
