"""NIP, the civil servant's number (Nomor Induk Pegawai, PP 11/2017 and BKN's rules).

Eighteen digits: date of birth (YYYYMMDD), month of appointment (YYYYMM), sex (1 or 2) and a
serial (3 digits). Written in letters in four groups: ``NIP. 19700101 199001 1 001``. Stored
as the bare digits, so that a search or a comparison does not depend on how it was typed.
"""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l

DIGITS = 18
# What a form shows: the rule, then the example in the written form.
_EXAMPLE = "19700101 199001 1 001"
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
        raise ValueError(_l("A NIP has 18 digits, e.g. %(example)s.", example=_EXAMPLE))
    try:
        dt.date(int(bare[0:4]), int(bare[4:6]), int(bare[6:8]))
    except ValueError:
        raise ValueError(_l("The first 8 digits of a NIP are a date of birth (YYYYMMDD), e.g. "
                            "%(example)s.", example=_EXAMPLE)) from None
    if not 1 <= int(bare[12:14]) <= 12 or not 1900 <= int(bare[8:12]):
        raise ValueError(_l("Digits 9 to 14 of a NIP are the month of appointment (YYYYMM), "
                            "e.g. %(example)s.", example=_EXAMPLE))
    if bare[14] not in "12":
        raise ValueError(_l("Digit 15 of a NIP is 1 or 2, e.g. %(example)s.", example=_EXAMPLE))
    return bare


def format_nip(value: str | None) -> str:
    """``19700101 199001 1 001``; a stored value that is not 18 digits is shown as it is."""
    text = (value or "").strip()
    if len(text) != DIGITS or not text.isdigit():
        return text
    return f"{text[0:8]} {text[8:14]} {text[14]} {text[15:18]}"
