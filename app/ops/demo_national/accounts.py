"""The national demo's accounts (app/ops/demo_national): an officer and a head per office, the
applicant pool; one password hash for all."""
from __future__ import annotations

import datetime as dt
import random

from flask import current_app
from flask_appbuilder.security.sqla.models import assoc_user_role
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from app.auth.roles import APPLICANT, HEAD, OFFICER
from app.models import RekomUser
from app.ops import demo
from app.ops.demo import AGENCIES, APPLICANT_POSITIONS
from app.ops.demo_national.tree import _agencies, _cumulative, _Off, _pick


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

