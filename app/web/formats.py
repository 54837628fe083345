"""Dates, date-times and numbers as the user's locale writes them (Flask-Babel): in Indonesian
"24 November 2026", "24 November 2026 10.00", "12.345"; in English "November 24, 2026",
"November 24, 2026, 10:00 AM", "12,345". Date-times are stored in UTC and shown in the
configured time zone (BABEL_DEFAULT_TIMEZONE).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import get_datetime_format
from flask_babel import (
    format_date,
    format_decimal,
    format_time,
    get_locale,
    to_user_timezone,
)


def date_text(value: dt.date | None) -> str:
    """A date in words: ``24 November 2026``."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_user_timezone(value).date()
    return format_date(value, "long", rebase=False)


def datetime_text(value: dt.datetime | None) -> str:
    """A moment, to the minute: ``24 November 2026 10.00`` (the date in words, the time as
    the locale writes it, joined as the locale joins them)."""
    if value is None:
        return ""
    local = to_user_timezone(value)
    return get_datetime_format("medium", locale=get_locale()).format(
        format_time(local, "short", rebase=False), format_date(local, "long", rebase=False))


def number_text(value, pattern: str | None = None) -> str:
    """A number with the locale's grouping and decimal sign: ``12.345`` / ``12,345``."""
    if value is None:
        return ""
    return format_decimal(value, pattern) if pattern else format_decimal(value)


def value_text(value):
    """A date or date-time in words; anything else as it is (for FAB's formatters)."""
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    if isinstance(value, dt.date):
        return date_text(value)
    return value


def is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
