"""NIP, the civil servant's number (Nomor Induk Pegawai, PP 11/2017 and BKN's rules).

Eighteen digits: date of birth (YYYYMMDD), month of appointment (YYYYMM), sex (1 or 2) and a
serial (3 digits). Written in letters in four groups: ``NIP. 19700101 199001 1 001``. Stored
as the bare digits, so that a search or a comparison does not depend on how it was typed.
"""
from __future__ import annotations

import datetime as dt
import re

DIGITS = 18
_SEPARATORS = re.compile(r"[\s.\-]+")


def digits_of(text: str | None) -> str | None:
    """The NIP's 18 digits, with the spaces, dots and dashes people type taken out; None when
    the text is empty. Raises ValueError, with the reason, for anything that is not a NIP."""
    bare = _SEPARATORS.sub("", (text or "").strip())
    if bare.upper().startswith("NIP"):
        bare = bare[3:]
    if not bare:
        return None
    if not bare.isascii() or not bare.isdigit() or len(bare) != DIGITS:
        raise ValueError("a NIP has 18 digits")
    try:
        dt.date(int(bare[0:4]), int(bare[4:6]), int(bare[6:8]))
    except ValueError:
        raise ValueError("the first 8 digits are not a date of birth") from None
    if not 1 <= int(bare[12:14]) <= 12:
        raise ValueError("digits 13-14 are not a month of appointment")
    if bare[14] not in "12":
        raise ValueError("digit 15 is 1 or 2")
    return bare


def format_nip(value: str | None) -> str:
    """``19700101 199001 1 001``; a stored value that is not 18 digits is shown as it is."""
    text = (value or "").strip()
    if len(text) != DIGITS or not text.isdigit():
        return text
    return f"{text[0:8]} {text[8:14]} {text[14]} {text[15:18]}"
