"""The national demo's requests (app/ops/demo_national): creation times, each request's skeleton
(office, state, timeline), the letters' numbers in the order they are signed, and the replay of
one request into its rows (the form, variables, reviews, letter, rating, complaint, trail)."""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import random
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import func, select

from app.core import codes
from app.letters import document as letters
from app.models import COMPLAINT_CHANNELS, Letter, LetterCounter
from app.offices import workdays
from app.ops import demo
from app.ops.demo import (
    ANSWERS,
    BACKGROUND,
    BENEFITS,
    CHECK_NOTES,
    COMPLAINTS,
    DEGREES,
    FUNDING,
    OBJECTIVES,
    PHONE_PREFIXES,
    QUALITY_CONTROL,
    RATING_COMMENTS,
    SUGGESTIONS,
    V_GENERIC,
)
from app.ops.demo_national.tree import _cumulative, _Off, _pick
from app.ops.demo_national.writers import REQ_COLS

FIRST_YEAR = 2019
GROWTH = 1.25  # requests per working day grow by this factor a year
COMPLAINT_ONE_IN = 50  # a complaint about one request in this many

# How states come out, by age: old requests are done with; recent ones are anywhere.
_OLD_DAYS = 90
_OLD_STATES = (("closed", "sent", "withdrawn", "draft", "revision_requested"),
               (83, 90, 96, 98, 100))  # cumulative
_RECENT_STATES = (tuple(s for s in demo._STATE_WEIGHTS if s != "letter_initialled"),
                  tuple(itertools.accumulate(w for s, w in demo._STATE_WEIGHTS.items()
                                             if s != "letter_initialled")))
_TRACKING_ALPHABET = codes._ALPHABET
_TRACKING_SPACE = len(_TRACKING_ALPHABET) ** 8

_RECOMMENDED = ("issued", "sent", "closed")



# --- Dates --------------------------------------------------------------------------------------

def _creation_times(r: random.Random, n: int, last_day: dt.date) -> array:
    """n creation moments, sorted, as working-day index + fraction of the office day: days
    weighted to grow by GROWTH a year from 2019-01-01 to ``last_day``."""
    days = _weekdays(last_day)
    start = days[0]
    k = math.log(GROWTH) / 365.25
    cum = list(_cumulative(math.exp(k * (d - start).days) for d in days))
    total = cum[-1]
    out = array("d", sorted(min(bisect_right(cum, r.random() * total), len(cum) - 1) + r.random()
                            for _ in range(n)))
    return out


def _weekdays(last_day: dt.date) -> list[dt.date]:
    d, out = dt.date(FIRST_YEAR, 1, 1), []
    while d <= last_day:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


# --- One request's skeleton: office, state and timeline ------------------------------------------

# Fast draws: random.randint and random.choice go through _randbelow (several calls each);
# a request takes ~60 draws, a million requests twice that for the replay.
def _int(r: random.Random, lo: int, hi: int) -> int:
    return lo + int(r.random() * (hi - lo + 1))


def _ch(r: random.Random, seq):
    return seq[int(r.random() * len(seq))]


def _hours(r: random.Random, day: dt.date) -> dt.datetime:
    """A moment of office hours (08:00-16:00) on ``day``."""
    return dt.datetime(day.year, day.month, day.day, 8) + dt.timedelta(
        seconds=int(r.random() * 28800))


def _phone(r: random.Random) -> str:
    return _ch(r, PHONE_PREFIXES) + str(_int(r, 1_000_000, 99_999_999))


_STEP_GAPS = {  # action -> (from, to, actor, min days, max days)
    "submit": ("draft", "submitted", "applicant", 0, 6),
    "start_review": ("submitted", "in_review", "officer", 1, 5),
    "request_revision": ("in_review", "revision_requested", "officer", 1, 4),
    "resubmit": ("revision_requested", "submitted", "applicant", 3, 14),
    "verify": ("in_review", "verified", "officer", 1, 5),
    "draft_letter": ("verified", "letter_drafted", "officer", 0, 3),
    "issue": ("letter_drafted", "issued", "head", 1, 5),
    "send": ("issued", "sent", "officer", 0, 2),
    "close": ("sent", "closed", "officer", 3, 30),
}
_PAST_REVIEW = ("verified", "letter_drafted", "issued", "sent", "closed")


def _plan(r: random.Random, state: str) -> list[str]:
    """The actions leading to ``state`` (as demo._timeline orders them)."""
    if state == "draft":
        return []
    acts = ["submit"]
    cycle = state == "revision_requested" or (
        state in _PAST_REVIEW + ("submitted", "in_review") and r.random() < 0.3)
    if state == "submitted":
        reviews = cycle
    elif state == "withdrawn":
        reviews = r.random() < 0.5
    else:
        reviews = True
    if reviews:
        acts.append("start_review")
        if cycle:
            acts.append("request_revision")
            if state != "revision_requested":
                acts.append("resubmit")
                if state != "submitted":
                    acts.append("start_review")
    if state in _PAST_REVIEW:
        acts.append("verify")
    if state in _PAST_REVIEW[1:]:
        acts.append("draft_letter")
    if state in _PAST_REVIEW[2:]:
        acts.append("issue")
    if state in _PAST_REVIEW[3:]:
        acts.append("send")
    if state == "closed":
        acts.append("close")
    if state == "withdrawn":
        acts.append("withdraw")
    return acts


def _skeleton(r: random.Random, cum: list[float], created: dt.datetime, last_end: dt.datetime
              ) -> tuple[int, list[tuple]]:
    """(office index, events): events are (action, from, to, local time, actor), cut where
    they would pass ``last_end`` (the request then stands where the last one left it)."""
    office = _pick(r, cum)
    old = (last_end - created).days > _OLD_DAYS
    weights = _OLD_STATES if old else _RECENT_STATES
    state = r.choices(weights[0], cum_weights=weights[1])[0]
    ev = [("create", None, "draft", created, "applicant")]
    t = created
    for action in _plan(r, state):
        if action == "withdraw":
            frm, to, actor, lo, hi = ev[-1][2], "withdrawn", "applicant", 1, 10
        else:
            frm, to, actor, lo, hi = _STEP_GAPS[action]
        nxt = _hours(r, (t + dt.timedelta(days=_int(r, lo, hi))).date())
        if nxt <= t:
            nxt = t + dt.timedelta(minutes=_int(r, 5, 120))
        nxt = demo._weekday(nxt)
        if nxt > last_end:
            break
        t = nxt
        ev.append((action, frm, to, t, actor))
    return office, ev


# --- The run's state, the letters' numbers and one request's rows --------------------------------


@dataclass
class _Ctx:
    session: object
    pg: bool
    trigger_free: bool
    offices: list
    cum: list
    pool: list
    seed: int
    tz_offset: dt.timedelta
    last_end: dt.datetime
    calendar: workdays.WorkCalendar
    ids: dict
    seqs: array
    code_key: tuple
    used_codes: set
    due_cache: dict = field(default_factory=dict)

    def utc(self, local: dt.datetime) -> dt.datetime:
        return local - self.tz_offset

    def add_days(self, day: dt.date, n: int) -> dt.date:
        key = (day, n)
        got = self.due_cache.get(key)
        if got is None:
            got = self.due_cache[key] = self.calendar.add_working_days(day, n)
        return got

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]


def _moment(days: list[dt.date], x: float) -> dt.datetime:
    """A creation moment from its working-day index + fraction: 08:00 to 16:00."""
    i = int(x)
    return dt.datetime.combine(days[i], dt.time(8)) + dt.timedelta(
        seconds=int((x - i) * 8 * 3600))


def _number_letters(ctx: _Ctx, days, created, counts) -> dict:
    """Sequences of the letters to be issued, per office and year in the order they are
    signed, after what the counters (and any letter) hold; returns the counters' new values."""
    last = {}
    for oid, year, seq in ctx.session.execute(
            select(LetterCounter.office_id, LetterCounter.year, LetterCounter.last_sequence)):
        last[(oid, year)] = seq
    for oid, year, seq in ctx.session.execute(
            select(Letter.office_id, Letter.year, func.max(Letter.sequence))
            .where(Letter.sequence.is_not(None)).group_by(Letter.office_id, Letter.year)):
        last[(oid, year)] = max(last.get((oid, year), 0), seq or 0)
    epoch = dt.datetime(FIRST_YEAR - 1, 1, 1)
    keys = []
    for idx in range(len(created)):
        r = random.Random(ctx.seed * 1_000_003 + idx)
        office, ev = _skeleton(r, ctx.cum, _moment(days, created[idx]), ctx.last_end)
        issue = next((e[3] for e in ev if e[0] == "issue"), None)
        if issue is not None:
            minutes = int((issue - epoch).total_seconds() // 60)
            keys.append(((office << 32 | minutes) << 32) | idx)
    keys.sort()
    by_office = {o.index: o.id for o in ctx.offices}
    start_of = {}
    for key in keys:
        idx, minutes, office = key & 0xFFFFFFFF, (key >> 32) & 0xFFFFFFFF, key >> 64
        year = (epoch + dt.timedelta(minutes=minutes)).year
        k = (by_office[office], year)
        if k not in start_of:
            start_of[k] = last.get(k, 0)
        last[k] = last.get(k, 0) + 1
        ctx.seqs[idx] = last[k]
    return {k: last[k] for k in start_of}


def _tracking_code(ctx: _Ctx, idx: int, prefix: str) -> str:
    """Unique among this run's (an affine bijection of the index under a random key),
    unguessable without the key; one already in the database gets another."""
    a, b = ctx.code_key
    v = (idx * a + b) % _TRACKING_SPACE
    chars = []
    for _ in range(8):
        v, d = divmod(v, 31)
        chars.append(_TRACKING_ALPHABET[d])
    code = f"{prefix}-{''.join(chars)}"
    while code in ctx.used_codes:
        code = codes.tracking_code(prefix, 9)
    return code


def _build(ctx: _Ctx, idx: int, days, x: float, rows: dict, recommended: list) -> int:
    """One request and everything that hangs from it, into ``rows``; returns its office."""
    r = random.Random(ctx.seed * 1_000_003 + idx)
    office_index, ev = _skeleton(r, ctx.cum, _moment(days, x), ctx.last_end)
    o = ctx.offices[office_index]
    at = {a: when for a, _, _, when, _ in ev}
    state = ev[-1][2]
    who = ctx.pool[_ch(r, o.applicants)]
    agency = o.agencies[who["agency"]]
    rid = ctx.next_id("activity_request")
    req = _request(r, ev[0][3], who, agency, o)
    req.update(id=rid, tracking_code=_tracking_code(ctx, rid, "RKS"), office_id=o.id,
               applicant_id=who["id"], state=state, created_at=ctx.utc(ev[0][3]),
               updated_at=ctx.utc(ev[-1][3]))
    if "submit" in at:
        first = next(e[3] for e in ev if e[0] == "submit")
        req["submitted_at"] = req["complete_at"] = ctx.utc(first)
        req["due_date"] = ctx.add_days(first.date(), o.sla_days)
    if "start_review" in at:
        req["officer_id"] = o.officer_id
    if state == "revision_requested":
        req["clock_paused_at"] = ctx.utc(at["request_revision"])
    if "send" in at:
        req["sent_at"] = ctx.utc(at["send"])
        if "submit" in at:  # as the workflow counts it when it sends (the dashboard's median)
            req["sent_working_days"] = ctx.calendar.working_days_between(
                first.date(), at["send"].date())
    if state == "closed":
        req["closed_at"] = ctx.utc(at["close"])

    for pos, (name, concept, definition, period) in enumerate(req.pop("_variables"), start=1):
        rows["request_variable"].append((
            ctx.next_id("request_variable"), rid, pos, name, concept, definition, period,
            f"Blok {_ch(r, ('II', 'III', 'IV'))} Rincian {pos}"
            if req["kind"] == "survey" else None))
    _reviews(ctx, r, ev, req["kind"], o, rid, rows)
    if "draft_letter" in at:
        _letter(ctx, r, idx, req, at, o, rows)
        if "issue" in at and state in _RECOMMENDED:
            recommended.append(rid)
    if "send" in at and r.random() < 0.7:
        end = at.get("close", min(at["send"] + dt.timedelta(hours=_int(r, 1, 20)),
                                  ctx.last_end))
        scores = r.choices((1, 2, 3, 4), weights=(2, 8, 45, 45), k=9)
        rows["rating"].append((
            ctx.next_id("rating"), rid, o.id, who["id"], *scores,
            _ch(r, RATING_COMMENTS) if r.random() < 0.4 else None,
            ctx.utc(at["send"] + (end - at["send"]) * r.random())))
    actors = {"applicant": who["id"], "officer": o.officer_id, "head": o.head_id}
    for action, frm, to, when, actor in ev:
        rows["audit_event"].append((ctx.next_id("audit_event"), ctx.utc(when), actors[actor],
                                    o.id, "activity_request", rid, action, frm, to, None))
    if state != "draft" and r.random() < 1 / COMPLAINT_ONE_IN:
        _complaint(ctx, r, o, who, rid, next(e[3] for e in ev if e[0] == "submit"), rows)
    rows["activity_request"].append(tuple(map(req.get, REQ_COLS)))
    return office_index


def _request(r: random.Random, created: dt.datetime, who: dict, agency: dict, o: _Off) -> dict:
    """The form's content (a lean demo._request): Blocks I-VIII and the variables."""
    kind = "survey" if r.random() < 0.65 else "compilation"
    base = _ch(r, agency[kind] or agency["survey"])
    year = created.year + (1 if created.month >= 10 else 0)
    place = o.region
    title = (f"{base} di {place} Tahun {year}" if kind == "survey"
             else f"{base} {place} Tahun {year}")
    fill = dict(topic=demo._topic(base), place=place, agency=agency["name"], year=year,
                next=year + 1)
    first, last = demo._person(r)
    unit = _ch(r, agency["units"])
    survey = kind == "survey"
    level = {"national": "national", "province": "province"}.get(o.level, "regency")
    req = dict(
        channel="walk_in" if r.random() < 0.2 else "online", title=title, year=year, kind=kind,
        sector=agency["sector"], agency_name=agency["name"], agency_unit=unit,
        agency_head_title=agency["head"], agency_address=agency["address"],
        agency_phone=agency["phone"], agency_email=agency["email"],
        resp_name=f"{first} {last}, {_ch(r, DEGREES)}", resp_position=f"Kepala {unit}",
        resp_address=agency["address"], resp_phone=_phone(r),
        resp_email=f"{first}.{last}{_int(r, 1, 99)}@example.com".lower(),
        tech_name=f"{who['first']} {who['last']}", tech_position=who["position"],
        tech_address=agency["address"], tech_phone=who["phone"], tech_email=who["email"],
        background=" ".join(s.format(**fill) for s in r.sample(BACKGROUND, _int(r, 1, 2))),
        objectives=" ".join(s.format(**fill) for s in r.sample(OBJECTIVES, _int(r, 1, 2))),
        benefits=_ch(r, BENEFITS), funding_source=_ch(r, FUNDING).format(r=place, y=year),
        repetition="repeated" if r.random() < 0.55 else "one_off",
        collection_type="cross_section", coverage="whole" if level == "national" else "part",
        coverage_area=place, coverage_level=level, presentation_level=level,
        result_level=level, quality_control=_ch(r, QUALITY_CONTROL),
        analysis_units="other",
        processing_stages=_ch(r, ("editing,coding,entry,validation", "entry,validation")),
        dissemination_products=_ch(r, ("printed", "digital", "digital,microdata")),
    )
    if req["repetition"] == "repeated":
        req["frequency"] = _ch(r, ("quarterly", "semiannual", "yearly", "yearly", "yearly"))
    d = created.date() + dt.timedelta(days=_int(r, 14, 45))
    for stage in ("planning", "design", "collection", "processing", "analysis",
                  "dissemination", "evaluation"):
        end = d + dt.timedelta(days=_int(r, 7, 30))
        req[f"{stage}_start"], req[f"{stage}_end"] = d, end
        d = end + dt.timedelta(days=_int(r, 0, 3))
    for product in req["dissemination_products"].split(","):
        req[f"release_date_{product}"] = req["dissemination_end"]
    if survey:
        req.update(
            collection_methods=_ch(r, ("interview", "interview,observation",
                                         "self_administered")),
            collection_media=_ch(r, ("paper", "capi", "paper,capi", "cawi")),
            collection_units=_ch(r, ("household", "individual", "business")),
            is_census=False, sample_stages=_ch(r, ("single", "multi")),
            selection_method="probability",
            selection_method_name="Pengambilan sampel acak sistematis",
            sampling_frame="Daftar rumah tangga hasil Regsosek 2022",
            sample_size=_ch(r, (100, 200, 400, 800, 1500)),
            sampling_error=round(r.uniform(1.0, 5.0), 2), sample_unit="Rumah tangga",
            observation_unit="Anggota rumah tangga", pilot_test=r.random() < 0.6,
            nonresponse_adjustment="Penggantian sampel dari daftar cadangan.",
            field_staff_count=_int(r, 5, 60), field_staff_education="Minimal SMA/sederajat",
            field_staff_training=f"Pelatihan petugas selama {_int(r, 1, 3)} hari.",
            analysis_method="Analisis deskriptif dengan tabulasi silang dan grafik.",
            analysis_unit="Rumah tangga")
    else:
        req.update(collection_methods="admin_records", collection_media="cawi",
                   collection_units="institution", field_staff_count=_int(r, 0, 10),
                   analysis_method="Analisis deskriptif atas rekapitulasi laporan unit kerja.",
                   analysis_unit="Perangkat daerah")
    pool = list(agency["variables"]) + (list(V_GENERIC) if survey else [])
    req["_variables"] = r.sample(pool, min(len(pool), _int(r, 3, 6)))
    return req


def _reviews(ctx: _Ctx, r, ev, kind, o: _Off, rid: int, rows: dict) -> None:
    """One review per start_review: a revision round fails some items, the pass clears all."""
    items = [(i, pos) for i, scope, pos in o.checklist if scope in ("all", kind)]
    current, n = None, 0
    for action, _, _, when, _ in ev:
        if action == "start_review":
            n += 1
            current = [ctx.next_id("review"), rid, n, o.officer_id, {}, None, "pending",
                       ctx.utc(when), None]
            rows["review"].append(current)
        elif action == "request_revision" and current is not None:
            failed = {i for i, _ in r.sample(items, min(len(items), _int(r, 1, 3)))}
            notes = {i: CHECK_NOTES.get(pos, "Perlu dilengkapi.") for i, pos in items}
            current[4] = {i: {"ok": i not in failed, "note": notes[i] if i in failed else ""}
                          for i, _ in items}
            current[5] = " ".join(notes[i] for i, _ in items if i in failed)
            current[6], current[8], current = "revision", ctx.utc(when), None
        elif action == "verify" and current is not None:
            current[4] = {i: {"ok": True, "note": ""} for i, _ in items}
            current[5] = "Formulir lengkap dan jelas."
            current[6], current[8], current = "pass", ctx.utc(when), None


def _letter(ctx: _Ctx, r, idx: int, req: dict, at: dict, o: _Off, rows: dict) -> None:
    result = "fit" if r.random() < 0.95 else "not_fit"
    body = letters.default_body(SimpleNamespace(title=req["title"], year=req["year"],
                                                agency_name=req["agency_name"]), result)
    suggestions = " ".join(s.format(r=o.region) for s in r.sample(SUGGESTIONS, 2))
    number = year = seq = letter_date = issued_at = issued_by = sha = None
    if "issue" in at:
        seq, year = ctx.seqs[idx], at["issue"].year
        number = letters.format_number(o.pattern, seq, o.code, o.classification, year)
        letter_date, issued_at, issued_by = at["issue"].date(), ctx.utc(at["issue"]), o.head_id
        sha = hashlib.sha256(f"{number}|{req['tracking_code']}|{req['title']}".encode()
                             ).hexdigest()
        req["recommendation_code"] = f"REK-{o.code}-{year}-{seq:04d}"
    rows["letter"].append((
        ctx.next_id("letter"), req["id"], o.id, number, year, seq, result, suggestions, body,
        ctx.utc(at["draft_letter"]), letter_date, issued_at,
        ctx.utc(at["send"]) if "send" in at else None, o.officer_id, issued_by,
        o.signer_name, o.signer_nip, sha, codes.random_token(20)))


def _complaint(ctx: _Ctx, r, o: _Off, who: dict, rid: int, submitted: dt.datetime,
               rows: dict) -> None:
    """A complaint about a request, some days after it was submitted (never after
    yesterday); older ones are answered or closed."""
    created = demo._weekday(_hours(
        r, (submitted + dt.timedelta(days=_int(r, 3, 40))).date()))
    if created > ctx.last_end:
        created = submitted + dt.timedelta(hours=1)
    old = (ctx.last_end - created).days > 30
    state = r.choices(("received", "in_progress", "answered", "closed"),
                      weights=(0, 1, 3, 16) if old else (3, 3, 2, 2))[0]
    subject, body = _ch(r, COMPLAINTS)
    ack = min(demo._weekday(created + dt.timedelta(hours=_int(r, 2, 40))), ctx.last_end)
    answered = min(demo._weekday(ack + dt.timedelta(days=_int(r, 0, 9))), ctx.last_end)
    closed = min(demo._weekday(answered + dt.timedelta(days=_int(r, 1, 7))), ctx.last_end)
    anonymous = r.random() < 0.2
    code = _tracking_code(ctx, ctx.ids["complaint"] + 1, "ADU")
    rows["complaint"].append((
        ctx.next_id("complaint"), code, o.id, _ch(r, list(COMPLAINT_CHANNELS)),
        None if anonymous else f"{who['first']} {who['last']}",
        None if anonymous else who["email"], None if anonymous else who["phone"],
        None if anonymous else who["id"], rid, subject, body, state,
        o.officer_id if state != "received" else None,
        _ch(r, ANSWERS) if state in ("answered", "closed") else None,
        ctx.utc(created), ctx.add_days(created.date(), o.ack_days),
        ctx.add_days(created.date(), o.answer_days),
        ctx.utc(ack) if state != "received" else None,
        ctx.utc(answered) if state in ("answered", "closed") else None,
        ctx.utc(closed) if state == "closed" else None))
