"""Rekomstat's officers' list as Django's admin changelist (issue 27, the peer baseline).

The same as app/requests/views.py ActivityRequestView shows an officer: the columns of its
``list_columns`` (state and channel as their Indonesian labels, the SLA cell in working days),
its text search columns, 25 rows a page, newest first, the rows of the officer's own office.
Written as a team would for Django, with its defaults otherwise; two choices, both in
Django's favour and said in bench/README.md:

- the state filter is a SimpleListFilter with the fixed list of states: ``list_filter =
  ["state"]`` would run ``SELECT DISTINCT state`` over the whole table on every page;
- the calendar of days off is read once per office and kept for 60 s in the process, as
  Rekomstat does (app/offices/workdays.py CALENDAR_TTL_S).

A province's officer reads the rows of the offices under it and the headquarters' every row,
as Rekomstat's office scope gives them (bench_peer.py --url, on the national demo data).
"""
from __future__ import annotations

import datetime as dt
import time
from bisect import bisect_right
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.contrib import admin

from .models import AbUser, ActivityRequest, NonWorkingDay, Office

STATES = {
    "draft": "Draf", "submitted": "Diajukan", "in_review": "Sedang diperiksa",
    "revision_requested": "Perlu perbaikan", "verified": "Terverifikasi",
    "letter_drafted": "Draf surat disusun", "letter_initialled": "Surat diparaf",
    "issued": "Diterbitkan", "sent": "Dikirim", "closed": "Selesai", "withdrawn": "Ditarik",
}
CHANNELS = {"online": "Daring", "walk_in": "Datang langsung"}
ZONE = ZoneInfo("Asia/Jakarta")

# --- the SLA cell: working days from today to the due date (Rekomstat's rule) -----------------

_MONDAY = dt.date(1900, 1, 1)


def _weekdays_through(day: dt.date) -> int:
    weeks, rest = divmod((day - _MONDAY).days + 1, 7)
    return weeks * 5 + min(rest, 5)


@lru_cache(maxsize=64)
def _national(year: int) -> frozenset:
    import holidays

    return frozenset(holidays.country_holidays("ID", categories=("public", "government"),
                                               years=year))


@lru_cache(maxsize=256)
def _exceptions(extra_off: frozenset, extra_on: frozenset, year: int):
    first = dt.date(year, 1, 1)
    days = [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]

    def working(d):
        if d in extra_on:
            return True
        return d.weekday() < 5 and d not in extra_off and d not in _national(year)

    return (tuple(d for d in days if d.weekday() < 5 and not working(d)),
            tuple(d for d in days if d.weekday() >= 5 and working(d)))


def _working_days_between(cal, start: dt.date, end: dt.date) -> int:
    if end <= start:
        return 0
    count = _weekdays_through(end) - _weekdays_through(start)
    for year in range(start.year, end.year + 1):
        off, on = _exceptions(cal[0], cal[1], year)
        count -= bisect_right(off, end) - bisect_right(off, start)
        count += bisect_right(on, end) - bisect_right(on, start)
    return count


_CALENDARS: dict = {}


def _calendar(office_id: int):
    kept = _CALENDARS.get(office_id)
    if kept and kept[0] > time.monotonic():
        return kept[1]
    rows = list(NonWorkingDay.objects.filter(office_id__in=[office_id]).values_list(
        "day", "is_working_day")) + list(NonWorkingDay.objects.filter(
            office__isnull=True).values_list("day", "is_working_day"))
    cal = (frozenset(d for d, on in rows if not on), frozenset(d for d, on in rows if on))
    _CALENDARS[office_id] = (time.monotonic() + 60.0, cal)
    return cal


def sla_text(r: ActivityRequest) -> str:
    if r.due_date is None or r.state in ("draft", "withdrawn"):
        return ""
    if r.sent_at is not None:
        sent = r.sent_at.replace(tzinfo=dt.timezone.utc).astimezone(ZONE).date()
        return "Terkirim terlambat" if sent > r.due_date else "Terkirim tepat waktu"
    if r.clock_paused_at is not None:
        return "Dijeda (menunggu perbaikan)"
    today = dt.datetime.now(ZONE).date()
    cal = _calendar(r.office_id)
    if today <= r.due_date:
        return f"{_working_days_between(cal, today, r.due_date)} hari kerja lagi"
    return f"Terlambat {_working_days_between(cal, r.due_date, today)} hari kerja"


# --- the changelist ---------------------------------------------------------------------------


class StateFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return list(STATES.items())

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


_OFFICES: dict = {}


def _offices_of(username: str):
    """The offices whose rows the FAB account of the same name reads (the bench logs in under
    the same names on both sides), as Rekomstat's office_scope: the office and the offices under
    it (parent_id links); None for every office (the headquarters) or an account without an
    office. Kept per process, as Rekomstat keeps its office tree."""
    if username not in _OFFICES:
        office_id = (AbUser.objects.filter(username=username)
                     .values_list("office_id", flat=True).first())
        scope = None
        if office_id is not None:
            parents = dict(Office.objects.values_list("id", "parent_id"))
            children: dict = {}
            for child, parent in parents.items():
                children.setdefault(parent, []).append(child)
            seen, todo = {office_id}, [office_id]
            while todo:
                for child in children.get(todo.pop(), ()):
                    if child not in seen:
                        seen.add(child)
                        todo.append(child)
            scope = None if seen >= parents.keys() else sorted(seen)
        _OFFICES[username] = scope
    return _OFFICES[username]


@admin.register(ActivityRequest)
class ActivityRequestAdmin(admin.ModelAdmin):
    list_display = ("tracking_code", "title", "agency_name", "year", "channel_label",
                    "state_label", "due_date", "sla")
    list_filter = (StateFilter, "office")
    search_fields = ("tracking_code", "title", "agency_name")
    list_per_page = 25
    ordering = ("-created_at",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        offices = _offices_of(request.user.get_username())
        if offices is None:
            return qs
        return (qs.filter(office_id=offices[0]) if len(offices) == 1
                else qs.filter(office_id__in=offices))

    @admin.display(description="Saluran", ordering="channel")
    def channel_label(self, obj):
        return CHANNELS.get(obj.channel, obj.channel)

    @admin.display(description="Status", ordering="state")
    def state_label(self, obj):
        return STATES.get(obj.state, obj.state)

    @admin.display(description="Janji 30 hari")
    def sla(self, obj):
        return sla_text(obj)
