"""National demo data (issue 27): BPS's office tree and up to millions of requests over it.

``generate_national(n, seed)`` builds what a national installation holds:

* the office tree: BPS RI (code ``0000``), the 38 provinces with their BPS codes (``pp00``) and
  names, and 514 regencies/cities under them with BPS-pattern codes (regencies ``pp01``…,
  cities from ``pp71``) and generated names; ``parent_id`` regency → province → headquarters.
  An office that exists already (the default one, ``1674``, and its parent ``1600``) is kept
  as it is and only linked into the tree. Each office gets its settings row and the default
  review checklist (as offices.directory.set_up_office gives them), in a few batched inserts;
* one officer (``petugas<code>``) and one head (``kepala<code>``) per office, all with one
  password hash computed once (DEMO_PASSWORD);
* a pool of applicants (one in 50 requests, at least one per office), each at an office;
* ``n`` requests spread over the offices by a Zipf-like weight (a few large offices, a long
  tail) and over the working days of 2019 to yesterday with ~25 % growth a year; their state
  follows their age (old ones closed, sent or withdrawn, recent ones in every state), with
  their variables, review rounds, letters (numbered per office and year in the order they were
  signed, gapless, continuing the counters), ratings, complaints and audit trail.

Rows are written in chunks of CHUNK requests, one transaction each: ``COPY`` on PostgreSQL
(psycopg's ``cursor.copy``), executemany Core inserts on SQLite. Ids are assigned here (from the
tables' current maxima; the sequences are moved past them at the end), so nothing is read back:
**run it on a database nobody else writes to meanwhile**. Memory: one chunk's rows, the
applicant pool, and three numbers per request (the sorted creation times and the letter
sequences: ~30 MB at a million).

The catalogue: on both engines the search index is kept by database triggers (migrations
0003/0005/0012). SQLite's fire on these inserts as on any. PostgreSQL's fire on ``COPY`` too
(row triggers do), but a request's document would then be rebuilt once per request, once per
variable and once per letter; when the role may (a superuser), each chunk runs with
``SET LOCAL session_replication_role = replica`` (triggers, foreign-key checks included, off
for this transaction only) and then calls the triggers' own ``rekomstat_search_refresh`` once
per recommended request of the chunk. Otherwise the triggers do it, slower, with the same
result.

Repeatable for a seed and a day, except what must stay unguessable (tracking codes' key,
verification tokens). E-mail addresses use reserved example domains.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import math
import random
import secrets
import time
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import current_app
from flask_appbuilder.security.sqla.models import assoc_user_role
from flask_babel import force_locale, gettext
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import generate_password_hash

from app.auth.roles import APPLICANT, HEAD, OFFICER
from app.core import codes
from app.letters import document as letters
from app.models import (
    COMPLAINT_CHANNELS,
    ActivityRequest,
    AuditEvent,
    ChecklistItem,
    Complaint,
    Letter,
    LetterCounter,
    Office,
    OfficeSetting,
    Rating,
    RekomUser,
    RequestVariable,
    Review,
)
from app.offices import workdays
from app.offices.directory import DEFAULT_CHECKLIST, SETTING_DEFAULTS
from app.ops import demo
from app.ops.demo import (
    AGENCIES,
    ANSWERS,
    APPLICANT_POSITIONS,
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
    STREETS,
    SUGGESTIONS,
    V_GENERIC,
)

CHUNK = 2000  # requests per transaction
FIRST_YEAR = 2019
GROWTH = 1.25  # requests per working day grow by this factor a year
ZIPF_S = 0.9  # office weight = 1 / rank ** ZIPF_S
APPLICANTS_PER = 50  # one applicant account per this many requests
COMPLAINT_ONE_IN = 50  # a complaint about one request in this many
HQ_CODE = "0000"
HQ_NAME = "BPS RI"

# BPS's 38 provinces (code, name, regencies, cities), as of 2023 (the four new Papua
# provinces: 92 Papua Barat Daya, 95 Papua Selatan, 96 Papua Tengah, 97 Papua Pegunungan).
PROVINCES = (
    ("11", "Aceh", 18, 5), ("12", "Sumatera Utara", 25, 8), ("13", "Sumatera Barat", 12, 7),
    ("14", "Riau", 10, 2), ("15", "Jambi", 9, 2), ("16", "Sumatera Selatan", 13, 4),
    ("17", "Bengkulu", 9, 1), ("18", "Lampung", 13, 2),
    ("19", "Kepulauan Bangka Belitung", 6, 1), ("21", "Kepulauan Riau", 5, 2),
    ("31", "DKI Jakarta", 1, 5), ("32", "Jawa Barat", 18, 9), ("33", "Jawa Tengah", 29, 6),
    ("34", "DI Yogyakarta", 4, 1), ("35", "Jawa Timur", 29, 9), ("36", "Banten", 4, 4),
    ("51", "Bali", 8, 1), ("52", "Nusa Tenggara Barat", 8, 2),
    ("53", "Nusa Tenggara Timur", 21, 1), ("61", "Kalimantan Barat", 12, 2),
    ("62", "Kalimantan Tengah", 13, 1), ("63", "Kalimantan Selatan", 11, 2),
    ("64", "Kalimantan Timur", 7, 3), ("65", "Kalimantan Utara", 4, 1),
    ("71", "Sulawesi Utara", 11, 4), ("72", "Sulawesi Tengah", 12, 1),
    ("73", "Sulawesi Selatan", 21, 3), ("74", "Sulawesi Tenggara", 15, 2),
    ("75", "Gorontalo", 5, 1), ("76", "Sulawesi Barat", 6, 0), ("81", "Maluku", 9, 2),
    ("82", "Maluku Utara", 8, 2), ("91", "Papua Barat", 7, 0), ("92", "Papua Barat Daya", 5, 1),
    ("94", "Papua", 8, 1), ("95", "Papua Selatan", 4, 0), ("96", "Papua Tengah", 8, 0),
    ("97", "Papua Pegunungan", 8, 0),
)

# Generated place names: a root and a second word (and, if taken, a direction).
_ROOTS = ("Batang", "Muara", "Tanjung", "Bukit", "Sungai", "Pulau", "Teluk", "Lubuk", "Kuala",
          "Padang", "Rantau", "Talang", "Karang", "Gunung", "Lembah", "Air", "Batu", "Danau",
          "Labuhan", "Tebing", "Ujung", "Pasir", "Tanah", "Rawa", "Bandar", "Sei", "Kampar",
          "Lima", "Tiga", "Kayu")
_SECONDS = ("Jaya", "Indah", "Makmur", "Sari", "Agung", "Permai", "Lestari", "Tinggi",
            "Panjang", "Hijau", "Baru", "Emas", "Putih", "Merah", "Besar", "Raya", "Mulia",
            "Kencana", "Damai", "Sejahtera")
_DIRECTIONS = ("Utara", "Selatan", "Timur", "Barat", "Tengah", "Hulu", "Hilir")

# The headquarters' applicants are ministries: one for each of demo.AGENCIES, same order.
_HQ_AGENCIES = (
    "Kementerian Kesehatan", "Kementerian PPN/Bappenas",
    "Kementerian Pendidikan Dasar dan Menengah", "Kementerian Pertanian", "Kementerian Sosial",
    "Direktorat Jenderal Kependudukan dan Pencatatan Sipil", "Kementerian Koperasi",
    "Kementerian Pariwisata", "RSUP Nasional Dr. Cipto Mangunkusumo", "Badan Pangan Nasional",
    "Kementerian Ketenagakerjaan", "Kementerian Perhubungan", "Kementerian Perdagangan",
)

# How states come out, by age: old requests are done with; recent ones are anywhere.
_OLD_DAYS = 90
_OLD_STATES = (("closed", "sent", "withdrawn", "draft", "revision_requested"),
               (83, 90, 96, 98, 100))  # cumulative
_RECENT_STATES = (tuple(s for s in demo._STATE_WEIGHTS if s != "letter_initialled"),
                  tuple(itertools.accumulate(w for s, w in demo._STATE_WEIGHTS.items()
                                             if s != "letter_initialled")))
_TRACKING_ALPHABET = codes._ALPHABET
_TRACKING_SPACE = len(_TRACKING_ALPHABET) ** 8

# Columns written, in COPY order.
REQ_COLS = (
    "id", "tracking_code", "office_id", "applicant_id", "officer_id", "channel", "state",
    "recommendation_code", "title", "year", "kind", "sector", "agency_name", "agency_unit",
    "agency_head_title", "agency_address", "agency_phone", "agency_email", "resp_name",
    "resp_position", "resp_address", "resp_phone", "resp_email", "tech_name", "tech_position",
    "tech_address", "tech_phone", "tech_email", "background", "objectives", "benefits",
    "funding_source", "planning_start", "planning_end", "design_start", "design_end",
    "collection_start", "collection_end", "processing_start", "processing_end",
    "analysis_start", "analysis_end", "dissemination_start", "dissemination_end",
    "evaluation_start", "evaluation_end", "repetition", "frequency", "collection_type",
    "coverage", "coverage_area", "coverage_level", "presentation_level", "collection_methods",
    "collection_media", "collection_units", "is_census", "sample_stages", "selection_method",
    "selection_method_name", "sampling_frame", "sample_size", "sampling_error", "sample_unit",
    "observation_unit", "pilot_test", "nonresponse_adjustment", "field_staff_count",
    "field_staff_education", "field_staff_training", "analysis_method", "analysis_units",
    "analysis_unit", "result_level", "quality_control", "processing_stages",
    "dissemination_products", "release_date_printed", "release_date_digital",
    "release_date_microdata", "created_at", "updated_at", "submitted_at", "complete_at",
    "clock_paused_at", "due_date", "sent_at", "sent_working_days", "closed_at",
)
VAR_COLS = ("id", "request_id", "position", "name", "concept", "definition", "reference_period",
            "questionnaire_item")
REVIEW_COLS = ("id", "request_id", "round", "officer_id", "checklist", "notes", "outcome",
               "started_at", "finished_at")
LETTER_COLS = ("id", "request_id", "office_id", "number", "year", "sequence", "result",
               "suggestions", "body", "drafted_at", "letter_date", "issued_at", "sent_at",
               "drafted_by_id", "issued_by_id", "signer_name", "signer_nip", "sha256",
               "verification_code")
RATING_COLS = ("id", "request_id", "office_id", "rater_id", "e1", "e2", "e3", "e4", "e5", "e6",
               "e7", "e8", "e9", "comment", "created_at")
AUDIT_COLS = ("id", "at", "actor_id", "office_id", "object_type", "object_id", "action",
              "from_state", "to_state", "note")
COMPLAINT_COLS = ("id", "tracking_code", "office_id", "channel", "reporter_name",
                  "reporter_email", "reporter_phone", "reporter_id", "request_id", "subject",
                  "text", "state", "assignee_id", "answer", "created_at", "ack_due_date",
                  "due_date", "acknowledged_at", "answered_at", "closed_at")
# (table, columns, columns holding JSON), in the order a chunk writes them.
TABLES = (
    (ActivityRequest.__table__, REQ_COLS, ()),
    (RequestVariable.__table__, VAR_COLS, ()),
    (Review.__table__, REVIEW_COLS, ("checklist",)),
    (Letter.__table__, LETTER_COLS, ()),
    (Rating.__table__, RATING_COLS, ()),
    (AuditEvent.__table__, AUDIT_COLS, ()),
    (Complaint.__table__, COMPLAINT_COLS, ()),
)
_RECOMMENDED = ("issued", "sent", "closed")


# --- The office tree ---------------------------------------------------------------------------

def office_tree() -> list[tuple[str, str, str | None, str]]:
    """(code, name, parent code, level) of every office: headquarters, provinces, regencies
    and cities. The same for every seed (names from a fixed generator)."""
    r = random.Random(2023)
    taken: set[str] = set()

    def place() -> str:
        while True:
            name = f"{r.choice(_ROOTS)} {r.choice(_SECONDS)}"
            if name in taken:
                name = f"{name} {r.choice(_DIRECTIONS)}"
            if name not in taken:
                taken.add(name)
                return name

    tree = [(HQ_CODE, HQ_NAME, None, "national")]
    for code, name, regencies, cities in PROVINCES:
        tree.append((f"{code}00", f"BPS Provinsi {name}", HQ_CODE, "province"))
        for i in range(1, regencies + 1):
            tree.append((f"{code}{i:02d}", f"BPS Kabupaten {place()}", f"{code}00", "regency"))
        for i in range(71, 71 + cities):
            tree.append((f"{code}{i:02d}", f"BPS Kota {place()}", f"{code}00", "regency"))
    return tree


@dataclass
class _Off:
    """One office as the generator needs it."""

    index: int
    id: int
    code: str
    name: str
    level: str
    region: str
    officer_id: int = 0
    head_id: int = 0
    signer_name: str = ""
    signer_nip: str = ""
    pattern: str = ""
    classification: str = ""
    sla_days: int = 30
    ack_days: int = 3
    answer_days: int = 14
    checklist: list = field(default_factory=list)  # (item id as str, scope, position)
    agencies: list = field(default_factory=list)
    applicants: list = field(default_factory=list)  # indexes into the pool


def _region(name: str, level: str) -> str:
    if level == "national":
        return "Indonesia"
    return name.removeprefix("BPS ").strip()


def _offices(session, counts: dict) -> list[_Off]:
    """Insert the missing offices, link every one of the tree to its parent, and give each
    its settings row and checklist if it has none. One transaction."""
    tree = office_tree()
    existing = dict(session.execute(select(Office.code, Office.id)).all())
    r = random.Random(2024)
    new = []
    for code, name, _parent, _level in tree:
        if code not in existing:
            first, last = demo._person(r)
            new.append(dict(code=code, name=name, active=True,
                            city="Jakarta" if code == HQ_CODE else _region(name, "regency"),
                            email=f"bps{code}@bps.example",
                            head_name=f"{first} {last}, {r.choice(DEGREES)}",
                            head_nip=f"19{r.randint(65, 85)}{r.randint(1, 12):02d}"
                                     f"{r.randint(1, 28):02d}{r.randint(1990, 2010)}"
                                     f"{r.randint(1, 12):02d}1{r.randint(0, 999):03d}"))
    if new:
        session.execute(insert(Office.__table__), new)
        counts["office"] += len(new)
    ids = dict(session.execute(select(Office.code, Office.id)).all())
    session.execute(
        update(Office.__table__).where(Office.__table__.c.id == bindparam("oid"))
        .where(Office.__table__.c.parent_id.is_(None)).values(parent_id=bindparam("pid")),
        [dict(oid=ids[code], pid=ids[parent]) for code, _, parent, _ in tree if parent])
    # Settings and checklists, as set_up_office makes them, for the offices without.
    with_setting = set(session.scalars(select(OfficeSetting.office_id)))
    with_items = set(session.scalars(select(ChecklistItem.office_id).distinct()))
    names = dict(session.execute(select(Office.id, Office.name)).all())
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"):
        settings = [dict(SETTING_DEFAULTS, office_id=ids[code],
                         signer_title=gettext("Head of %(office)s", office=names[ids[code]])[:200])
                    for code, *_ in tree if ids[code] not in with_setting]
        items = [dict(office_id=ids[code], position=pos, text=str(txt), applies_to=scope,
                      design_check=check, form_part=part, active=True)
                 for code, *_ in tree if ids[code] not in with_items
                 for pos, (txt, scope, check, part) in enumerate(DEFAULT_CHECKLIST, start=1)]
    if settings:
        session.execute(insert(OfficeSetting.__table__), settings)
    if items:
        session.execute(insert(ChecklistItem.__table__), items)
    counts["office_setting"] += len(settings)
    counts["checklist_item"] += len(items)

    rows = {o.id: o for o in session.scalars(select(Office).where(Office.id.in_(ids.values())))}
    setting_of = {s.office_id: s for s in session.scalars(
        select(OfficeSetting).where(OfficeSetting.office_id.in_(ids.values())))}
    items_of: dict[int, list] = {}
    for iid, oid, scope, pos in session.execute(
            select(ChecklistItem.id, ChecklistItem.office_id, ChecklistItem.applies_to,
                   ChecklistItem.position).where(ChecklistItem.active.is_(True))
            .order_by(ChecklistItem.office_id, ChecklistItem.position, ChecklistItem.id)):
        items_of.setdefault(oid, []).append((str(iid), scope, pos))
    out = []
    for index, (code, _name, _parent, level) in enumerate(tree):
        row, s = rows[ids[code]], setting_of[ids[code]]
        out.append(_Off(
            index=index, id=row.id, code=code, name=row.name, level=level,
            region=_region(row.name, level), signer_name=row.head_name or "",
            signer_nip=row.head_nip or "", pattern=s.number_pattern,
            classification=s.classification_code, sla_days=s.sla_working_days,
            ack_days=s.complaint_ack_days, answer_days=s.complaint_answer_days,
            checklist=items_of.get(row.id, [])))
    session.commit()
    return out


def _agencies(r: random.Random, off: _Off) -> list[dict]:
    slug = "".join(ch for ch in off.region.lower() if ch.isalnum())[:30] or "indonesia"
    out = []
    for i, (name, head, local, sector, units, s_titles, c_titles, variables) in enumerate(
            AGENCIES):
        if off.level == "national":
            name, head = _HQ_AGENCIES[i], f"Pimpinan {_HQ_AGENCIES[i]}"
        else:
            name, head = name.format(r=off.region), head.format(r=off.region)
        out.append(dict(
            name=name, head=head, sector=sector, units=units, survey=s_titles,
            compilation=c_titles, variables=variables,
            address=f"{r.choice(STREETS)} No. {r.randint(1, 150)}, {off.region}",
            phone=f"(0{r.randint(21, 987)}) {r.randint(300000, 899999)}",
            email=f"{local}@{slug}.example"))
    return out


# --- Accounts ----------------------------------------------------------------------------------

def _password_hash() -> str:
    cfg = current_app.config
    return generate_password_hash(
        cfg.get("DEMO_PASSWORD", "demo12345"),
        method=cfg.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=cfg.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))


def _insert_users(session, rows: list[dict], role_id: int) -> dict[str, int]:
    """Accounts in one executemany, their role in another; username -> id."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    for row in rows:
        row.update(active=True, created_on=now, changed_on=now, created_by_fk=None,
                   changed_by_fk=None)
    table = RekomUser.__table__
    session.execute(insert(table), rows)
    made = dict(session.execute(select(table.c.username, table.c.id).where(
        table.c.username.in_([row["username"] for row in rows]))).all())
    session.execute(insert(assoc_user_role),
                    [dict(user_id=uid, role_id=role_id) for uid in made.values()])
    return made


def _staff(session, offices: list[_Off], hashed: str, counts: dict) -> None:
    """One officer and one head per office (existing accounts of those names are reused)."""
    sm = current_app.appbuilder.sm
    table = RekomUser.__table__
    r = random.Random(2025)
    for prefix, role in (("petugas", OFFICER), ("kepala", HEAD)):
        names = {f"{prefix}{o.code}": o for o in offices}
        have = dict(session.execute(select(table.c.username, table.c.id).where(
            table.c.username.in_(list(names)))).all())
        rows = []
        for username, o in names.items():
            first, last = demo._person(r)
            if username in have:
                continue
            rows.append(dict(
                username=username, first_name=first, last_name=last, password=hashed,
                email=f"{prefix}.{o.code}@bps.example", office_id=o.id,
                phone=demo._phone(r),
                position="Statistisi Ahli Muda" if role == OFFICER else f"Kepala {o.name}"))
        if rows:
            have.update(_insert_users(session, rows, sm.find_role(role).id))
            counts["ab_user"] += len(rows)
        for username, o in names.items():
            setattr(o, "officer_id" if role == OFFICER else "head_id", have[username])
    # Offices without a head on record sign with their head account's name.
    heads = {uid: f"{first} {last}" for uid, first, last in session.execute(
        select(table.c.id, table.c.first_name, table.c.last_name).where(
            table.c.id.in_([o.head_id for o in offices])))}
    for o in offices:
        if not o.signer_name:
            o.signer_name = heads.get(o.head_id, "")
    session.commit()


def _applicants(session, offices: list[_Off], weights: list[float], n: int, seed: int,
                hashed: str, counts: dict) -> list[dict]:
    """The applicant pool: the first one at each office, the rest by the offices' weights;
    their profiles follow from the seed (existing accounts of the same names are reused)."""
    r = random.Random(seed * 7 + 1)
    prefix = f"pemohon{seed}n_"
    table = RekomUser.__table__
    existing = dict(session.execute(select(table.c.username, table.c.id).where(
        table.c.username.startswith(prefix, autoescape=True))).all())
    role_id = current_app.appbuilder.sm.find_role(APPLICANT).id
    cum = list(_cumulative(weights))
    pool, pending = [], []

    def flush():
        made = _insert_users(session, [row for _, row in pending], role_id)
        for profile, row in pending:
            profile["id"] = made[row["username"]]
        counts["ab_user"] += len(pending)
        session.commit()
        pending.clear()

    for i in range(n):
        o = offices[i] if i < len(offices) else offices[_pick(r, cum)]
        first, last = demo._person(r)
        agency = r.randrange(len(AGENCIES))
        profile = dict(username=f"{prefix}{i + 1}", first=first, last=last, office=o.index,
                       agency=agency, position=r.choice(APPLICANT_POSITIONS),
                       phone=demo._phone(r),
                       email=f"{first}.{last}.{seed}n{i + 1}@example.com".lower())
        ktp = demo._ktp(r, o.code if o.code[2:] != "00" else o.code[:2] + "71")
        o.applicants.append(len(pool))
        pool.append(profile)
        if profile["username"] in existing:
            profile["id"] = existing[profile["username"]]
            continue
        if not o.agencies:
            o.agencies = _agencies(random.Random(f"{seed}-{o.code}"), o)
        pending.append((profile, dict(
            username=profile["username"], first_name=first, last_name=last, password=hashed,
            email=profile["email"], id_doc_type="ktp", id_doc_number=ktp,
            phone=profile["phone"], agency=o.agencies[agency]["name"],
            position=profile["position"])))
        if len(pending) >= 2000:
            flush()
    if pending:
        flush()
    return pool


# --- Weights and dates -------------------------------------------------------------------------

def _cumulative(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def _pick(r: random.Random, cum: list[float]) -> int:
    return min(bisect_right(cum, r.random() * cum[-1]), len(cum) - 1)


def office_weights(offices: list[_Off], seed: int) -> list[float]:
    """Zipf-like: ranks from a seeded shuffle in which the headquarters and the provinces
    come out larger on average than the regencies; weight = 1 / rank ** ZIPF_S."""
    r = random.Random(seed * 11 + 3)
    score = [r.random() * (0.3 if o.level != "regency" else 1.0) for o in offices]
    order = sorted(range(len(offices)), key=score.__getitem__)
    weights = [0.0] * len(offices)
    for rank, index in enumerate(order, start=1):
        weights[index] = 1.0 / rank ** ZIPF_S
    return weights


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


# --- The generator -------------------------------------------------------------------------------

_COUNTED = ("office", "office_setting", "checklist_item", "ab_user", "activity_request",
            "request_variable", "review", "letter", "letter_counter", "rating", "complaint",
            "audit_event")


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


def generate_national(n_requests: int = 5000, seed: int = 1674, *,
                      today: dt.date | None = None, chunk: int = CHUNK,
                      progress=None) -> dict:
    """Fill the national demo; returns rows made per table, the seconds it took and the
    largest offices (code, requests)."""
    started = time.perf_counter()
    session = current_app.appbuilder.session
    session.commit()
    cfg = current_app.config
    tz = ZoneInfo(cfg.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Jakarta")
    today = today or dt.datetime.now(tz).date()
    last_day = today - dt.timedelta(days=1)
    counts = dict.fromkeys(_COUNTED, 0)

    offices = _offices(session, counts)
    hashed = _password_hash()
    _staff(session, offices, hashed, counts)
    weights = office_weights(offices, seed)
    cum = list(_cumulative(weights))
    pool = _applicants(session, offices, weights, max(len(offices), n_requests // APPLICANTS_PER),
                       seed, hashed, counts)
    for o in offices:
        if not o.agencies:
            o.agencies = _agencies(random.Random(f"{seed}-{o.code}"), o)

    r = random.Random(seed)
    days = _weekdays(last_day)
    created = _creation_times(r, n_requests, last_day)
    last_end = dt.datetime.combine(last_day, dt.time(23, 59))
    dialect = session.get_bind().dialect.name
    ctx = _Ctx(
        session=session, pg=dialect == "postgresql", trigger_free=False, offices=offices,
        cum=cum, pool=pool, seed=seed,
        tz_offset=tz.utcoffset(dt.datetime.combine(today, dt.time(12))), last_end=last_end,
        calendar=workdays.office_calendar(session, None), ids=_max_ids(session),
        seqs=array("l", bytes(8 * n_requests)) if n_requests else array("l"),
        code_key=(secrets.randbelow(_TRACKING_SPACE // 31) * 31 + 1,
                  secrets.randbelow(_TRACKING_SPACE)),
        used_codes=set(session.scalars(select(ActivityRequest.tracking_code)))
        | set(session.scalars(select(Complaint.tracking_code))))
    ctx.trigger_free = ctx.pg and _may_skip_triggers(session)
    finals = _number_letters(ctx, days, created, counts)
    per_office = [0] * len(offices)
    for start in range(0, n_requests, chunk):
        rows = {t.name: [] for t, _, _ in TABLES}
        recommended = []
        for idx in range(start, min(start + chunk, n_requests)):
            office = _build(ctx, idx, days, created[idx], rows, recommended)
            per_office[office] += 1
        _write(ctx, rows, recommended)
        for t, _, _ in TABLES:
            counts[t.name] += len(rows[t.name])
        if progress:
            progress(min(start + chunk, n_requests), n_requests, time.perf_counter() - started)
    _finish(ctx, finals, counts)
    largest = sorted(range(len(offices)), key=lambda i: -per_office[i])[:5]
    return {"counts": counts, "seconds": round(time.perf_counter() - started, 1),
            "largest": [(offices[i].code, per_office[i]) for i in largest],
            "search_triggers": "refreshed per chunk" if ctx.trigger_free else "fired per row"}


def _max_ids(session) -> dict:
    return {t.name: session.scalar(select(func.coalesce(func.max(t.c.id), 0))) or 0
            for t, _, _ in TABLES}


def _may_skip_triggers(session) -> bool:
    """May this role turn the triggers off for its own transactions (a superuser)?"""
    return session.scalar(text("SELECT current_setting('is_superuser')")) == "on"


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


# --- Writing ---------------------------------------------------------------------------------

def _write(ctx: _Ctx, rows: dict, recommended: list[int]) -> None:
    """One chunk, one transaction: COPY (PostgreSQL) or executemany (SQLite)."""
    session = ctx.session
    if not ctx.pg:
        for table, cols, _json in TABLES:
            if rows[table.name]:
                session.execute(insert(table), [dict(zip(cols, row))
                                                for row in rows[table.name]])
        session.commit()
        return
    if ctx.trigger_free:
        session.execute(text("SET LOCAL session_replication_role = replica"))
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        for table, cols, json_cols in TABLES:
            data = rows[table.name]
            if not data:
                continue
            js = [cols.index(c) for c in json_cols]
            with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in data:
                    if js:
                        row = list(row)
                        for i in js:
                            row[i] = json.dumps(row[i])
                    copy.write_row(row)
        if ctx.trigger_free and recommended:
            # What the triggers would have done: the search document of each recommended
            # request, by the triggers' own function.
            cur.execute("SELECT count(rekomstat_search_refresh(rid)) FROM unnest(%s::int[]) "
                        "AS rid", (recommended,))
    session.commit()


def _finish(ctx: _Ctx, finals: dict, counts: dict) -> None:
    """The letter counters at their new values; PostgreSQL's id sequences past the ids used."""
    session = ctx.session
    if finals:
        ins = (pg_insert if ctx.pg else sqlite_insert)(LetterCounter.__table__)
        session.execute(ins.on_conflict_do_update(
            index_elements=["office_id", "year"],
            set_={"last_sequence": ins.excluded.last_sequence}),
            [dict(office_id=oid, year=year, last_sequence=seq)
             for (oid, year), seq in finals.items()])
        counts["letter_counter"] = len(finals)
    if ctx.pg:
        for table, _, _ in TABLES:
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"))
    session.commit()
    # The planner's statistics of the tables just filled: without them PostgreSQL planned the
    # dashboard's overdue list as a loop over every office (468-627 ms at 100k, 41-238 after;
    # bench/README.md), and SQLite never gathers them by itself.
    session.execute(text("ANALYZE"))
    session.commit()
