"""The national demo's office tree (app/ops/demo_national): BPS RI, the 38 provinces and their
regencies/cities, their rows, settings and checklists, the agencies that apply at each, and the
offices' weights (a few large offices, a long tail)."""
from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import bindparam, insert, select, update

from app.models import ChecklistItem, Office, OfficeSetting
from app.offices.directory import DEFAULT_CHECKLIST, SETTING_DEFAULTS
from app.ops import demo
from app.ops.demo import AGENCIES, DEGREES, STREETS

ZIPF_S = 0.9  # office weight = 1 / rank ** ZIPF_S
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



# --- Weights ------------------------------------------------------------------------------------

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

