"""Shared fixtures: one migrated database per test session, on the engine TEST_DATABASE_URL names.

TEST_DATABASE_URL unset: SQLite in a temporary folder. A PostgreSQL URL: that database is
emptied (schema dropped) at the start, then migrated with Alembic like a real deployment.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import re
import tempfile
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

_TMP = tempfile.mkdtemp(prefix="rekomstat-test-")
# Before config.py is imported: the generated SECRET_KEY and files go to the temp folder.
os.environ.setdefault("REKOMSTAT_INSTANCE", _TMP)

from app import create_app  # noqa: E402
from app.core import codes  # noqa: E402
from app.letters import document as letters  # noqa: E402
from app.models import ActivityRequest, ChecklistItem, Letter, RekomUser, Review  # noqa: E402
from app.ops.bootstrap import bootstrap, create_user, ensure_office  # noqa: E402

PASSWORD = "rahasia-uji-123"
OFFICE_X, OFFICE_Y = "1674", "1671"


def database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{os.path.join(_TMP, 'test.db')}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def is_postgres() -> bool:
    return database_url().startswith("postgresql")


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


TEST_IDENTITY_KEY = "cmVrb21zdGF0LXRlc3QtaWRlbnRpdHkta2V5LTMyYiE="  # 32 bytes, base64

# Passwords hashed cheaply in the tests: production keeps FAB's default, scrypt (~0.1 s a hash
# and a check by design), which the suite's thousands of logins and users would pay for again and
# again. The hash is still checked the same way (Werkzeug reads the method from the hash itself).
TEST_PASSWORD_HASH = "pbkdf2:sha256:1000"
# What FAB checks a password against when the user is unknown (so that an unknown name takes as
# long as a known one): the same cheap method, that balance kept. It is FAB's own default
# otherwise, and its value is of no matter (it is never the right hash).
TEST_FAKE_PASSWORD_HASH = ("pbkdf2:sha256:1000$rekomstat$a6dfab4c2c2fd8e1c3f3fd50c0d3b09d"
                           "3b7a9b60b5f5a4e2bd3b2ac1c3cfd7e8")


def app_config(url: str | None = None) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url or database_url(),
        "WTF_CSRF_ENABLED": False,
        "ADMIN_PASSWORD": PASSWORD,
        "ADMIN_USERNAME": "admin",
        "ADMIN_EMAIL": "admin@rekomstat.test",
        "SERVER_NAME": None,
        # Hundreds of logins from one test address: limits are tested on an app of their own.
        "RATELIMIT_ENABLED": False,
        # The sender service's reminders would remind of every test's requests at today's
        # date: tests/test_reminders.py runs them office by office, with a frozen clock.
        "REMINDERS_EVERY": 0,
        # Nor the retention periods at today's date: tests/test_retention.py runs them office
        # by office, at a chosen moment.
        "RETENTION": False,
        # Identity numbers' key: fixed, so that every app of the session reads the same rows.
        "IDENTITY_KEYS": TEST_IDENTITY_KEY,
        "FAB_PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH,
        "AUTH_DB_FAKE_PASSWORD_HASH_CHECK": TEST_FAKE_PASSWORD_HASH,
    }


@dataclass
class World:
    """Two offices with a row of every table each, and a user of every role."""

    offices: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)  # (view name, office code) -> pk


@pytest.fixture()
def scratch_url(tmp_path):
    """An empty database on the suite's engine, apart from the shared one (dropped after):
    for what must start from nothing (migrations, first runs, the demo generator)."""
    if not is_postgres():
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    base = sa.engine.make_url(database_url())
    name = f"{base.database}_scratch"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _sqlite_lock_lost(path: str) -> bool:
    """This process has the SQLite database open but no longer holds the SHARED lock that
    SQLite's WAL connections keep on it (Linux: /proc/locks).

    POSIX locks belong to the process and file: any open() and close() of the file outside
    SQLite drops them all. From then on another process closing its last connection takes
    the EXCLUSIVE lock and deletes the WAL and its index; this process's pooled connections
    go on with the deleted files, and every new one fails with "disk I/O error"
    (SQLITE_IOERR_SHORT_READ) — what full SQLite runs met from test_identity on."""
    try:
        inode = os.stat(path).st_ino
        opened = any(os.readlink(f"/proc/self/fd/{fd}") == path
                     for fd in os.listdir("/proc/self/fd")
                     if os.path.islink(f"/proc/self/fd/{fd}"))
        with open("/proc/locks") as locks:
            held = [line.split() for line in locks]
    except OSError:
        return False  # no /proc: not Linux
    pid = str(os.getpid())
    shared = [f for f in held
              if f[4] == pid and f[5].rsplit(":", 1)[-1] == str(inode) and f[6] == "1073741826"]
    return opened and not shared


@pytest.fixture(autouse=True)
def _sqlite_keeps_its_locks():
    """After each test on SQLite: the process still holds its lock on the test database."""
    yield
    if not is_postgres():
        path = os.path.join(_TMP, "test.db")
        assert not _sqlite_lock_lost(path), (
            "this test dropped the process's POSIX locks on the SQLite test database (an "
            "open() and close() of the file outside SQLite?): see conftest._sqlite_lock_lost")


@pytest.fixture(autouse=True)
def _fresh_catalogue_facets():
    """The catalogue's facets, the offices and their calendars are cached per process
    (app/catalogue/search.py, app/core/process_cache.py); each test starts without what an earlier
    one left there."""
    from app.catalogue import search
    from app.core import process_cache

    search.clear_facets_cache()
    process_cache.forget_all()


@pytest.fixture(scope="session")
def app():
    url = database_url()
    if is_postgres():
        reset_postgres(url)
    application = create_app(app_config(url))
    with application.app_context():
        bootstrap()
    yield application
    with application.app_context():
        application.appbuilder.session.remove()
    sa.create_engine(url).dispose()


@pytest.fixture(scope="session")
def world(app) -> World:
    from app import models as m

    w = World()
    with app.app_context():
        session = app.appbuilder.session
        w.offices[OFFICE_X] = ensure_office(OFFICE_X, "BPS Kota Lubuklinggau").id
        w.offices[OFFICE_Y] = ensure_office(OFFICE_Y, "BPS Kota Palembang").id
        for name, role, office in (
            ("officer_x", "Officer", OFFICE_X),
            ("officer_y", "Officer", OFFICE_Y),
            ("head_x", "Head", OFFICE_X),
            ("section_x", "SectionHead", OFFICE_X),
            ("applicant_a", "Applicant", None),
            ("applicant_b", "Applicant", None),
        ):
            w.users[name] = create_user(
                role, name, f"{name}@rekomstat.test", PASSWORD, office_code=office
            ).id
        w.users["admin"] = app.appbuilder.sm.find_user(username="admin").id

        for code, applicant in ((OFFICE_X, "applicant_a"), (OFFICE_Y, "applicant_b")):
            office_id = w.offices[code]
            rows = make_rows(session, m, office_id, w.users[applicant], w.users["admin"], code)
            for view, pk in rows.items():
                w.rows[(view, code)] = pk
    return w


def ensure_users(app, office_code: str | None, *people) -> dict[str, int]:
    """The people a module's site needs, each made once in the database (a module fixture runs
    again on a database an earlier module filled): their ids by username. A person is
    ``(role, username[, first, last[, office_code]])``: the office given for all unless named
    (None for an applicant); the e-mail is ``<username>@rekomstat.test``. Call it inside an
    app context; it commits."""
    sm = app.appbuilder.sm
    ids = {}
    for role, username, *rest in people:
        first, last = (rest + ["", ""])[:2]
        code = rest[2] if len(rest) > 2 else office_code
        user = sm.find_user(username=username)
        if user is None:
            user = create_user(role, username, f"{username}@rekomstat.test", PASSWORD,
                               first, last, office_code=code)
        ids[username] = user.id
    app.appbuilder.session.commit()
    return ids


@pytest.fixture(scope="module")
def leave_no_trace(app, world):
    """Every row the module adds is deleted when it ends, children first: the tests after it
    read the shared database's screens, and must neither see nor wade through what the module
    typed (the screen contract's hostile values of 10 000 characters)."""
    from flask_appbuilder import Model

    with app.app_context():
        session = app.appbuilder.session
        tables = [t for t in Model.metadata.sorted_tables if "id" in t.c]
        newest = {t.name: session.scalar(sa.select(sa.func.max(t.c.id))) or 0 for t in tables}
        session.remove()
    yield
    with app.app_context():
        session = app.appbuilder.session
        for table in reversed(tables):
            session.execute(table.delete().where(table.c.id > newest[table.name]))
        session.commit()
        session.remove()


_SERIAL = itertools.count(1)


def make_rows(session, m, office_id, applicant_id, actor_id, tag) -> dict[str, int]:
    """One row of every table in an office, keyed by the view that shows it."""
    today = dt.date(2026, 11, 24)
    req = m.ActivityRequest(
        tracking_code=f"RKS-T{tag}",
        office_id=office_id,
        applicant_id=applicant_id,
        title=f"Survei Kepuasan Masyarakat {tag}",
        year=2026,
        agency_name=f"Dinas Kesehatan {tag}",
        state="submitted",
    )
    session.add(req)
    session.flush()
    letter = m.Letter(
        request_id=req.id, office_id=office_id, verification_code=f"verif-{tag}", body="Draf"
    )
    # Numbers, days and years unique per call, so throwaway rows can be made again and again
    # (deleting a row must not let a later call reuse its number).
    number = next(_SERIAL)
    counter_year = 3000 + number  # far from the years other tests number letters in
    ticket = m.QueueTicket(office_id=office_id, service_date=today, number=number)
    session.add_all([letter, ticket])
    session.flush()
    rows = {
        "ActivityRequestView": req,
        "RequestVariableView": m.RequestVariable(request_id=req.id, position=1, name="Umur"),
        "RequestIndicatorView": m.RequestIndicator(request_id=req.id, position=1,
                                                   name="Angka partisipasi sekolah"),
        "AttachmentView": m.Attachment(
            request_id=req.id, original_name="surat.pdf", stored_name=f"stored-{tag}", size=10,
            content_type="application/pdf", sha256="0" * 64,
        ),
        "ReviewView": m.Review(request_id=req.id, round=1),
        "LetterView": letter,
        "ActivityResultView": m.ActivityResult(
            request_id=req.id, product="digital", link=f"https://data.example.test/{tag}",
            state="submitted"),
        "ComplaintView": m.Complaint(
            tracking_code=f"ADU-T{tag}", office_id=office_id, subject="Lambat", text="Terlalu lama"
        ),
        "RatingView": m.Rating(
            request_id=req.id, office_id=office_id, **{f"e{i}": 4 for i in range(1, 10)}
        ),
        "QueueTicketView": ticket,
        "GuestBookEntryView": m.GuestBookEntry(
            office_id=office_id, name="Budi", ticket_id=ticket.id
        ),
        "OfficeView": session.get(m.Office, office_id),
        "OfficeSettingView": session.scalars(
            sa.select(m.OfficeSetting).where(m.OfficeSetting.office_id == office_id)
        ).one(),
        "ChecklistItemView": session.scalars(
            sa.select(m.ChecklistItem).where(m.ChecklistItem.office_id == office_id)
        ).first(),
        "NonWorkingDayView": m.NonWorkingDay(
            office_id=office_id, day=dt.date(2040, 1, 1) + dt.timedelta(days=number),
            name="Cuti bersama Natal",
            kind="cuti_bersama",
        ),
        "LetterCounterView": m.LetterCounter(
            office_id=office_id, year=counter_year, last_sequence=0
        ),
        # Withdrawn (inactive): an active certificate would sign every letter the suite issues.
        "SigningCertificateView": m.SigningCertificate(
            office_id=office_id, kind="remote", remote_user_id=f"16740{number:011d}",
            subject="Kepala BPS", demo=False, active=False,
        ),
        "AuditEventView": m.AuditEvent(
            office_id=office_id, actor_id=actor_id, object_type="activity_request",
            object_id=req.id, action="submit", from_state="draft", to_state="submitted",
        ),
        "OutboundEmailView": m.OutboundEmail(
            office_id=office_id, recipient="a@rekomstat.test", subject="Diterima", body_text="Halo"
        ),
        # An applicant's request to erase their account, waiting for the administrators.
        "ErasureRequestView": m.ErasureRequest(user_id=applicant_id, state="pending",
                                               reason="Tidak dipakai lagi"),
        # An access to personal data (the officer's screen of who saw whose data).
        "PersonalDataAccessView": m.AuditEvent(
            office_id=office_id, actor_id=actor_id, object_type="activity_request",
            object_id=req.id, action="view_personal",
        ),
    }
    session.add_all(rows.values())
    session.commit()
    return {view: _pk(obj) for view, obj in rows.items()}


def _pk(obj):
    mapper = sa.inspect(obj).mapper
    values = mapper.primary_key_from_instance(obj)
    # FAB addresses composite keys as "a,b"? It uses its own encoding; keep a tuple here.
    return values[0] if len(values) == 1 else tuple(values)


def outbox_to(app, address):
    """The outbox rows to ``address``, oldest first, as the database has them now."""
    from app.models import OutboundEmail

    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        return session.scalars(sa.select(OutboundEmail).where(
            OutboundEmail.recipient == address).order_by(OutboundEmail.id)).all()


def mail_link(row, path_part):
    """The path (and query) of the first link in a mail's text that contains ``path_part``."""
    match = re.search(r"https?://\S*" + re.escape(path_part) + r"\S*", row.body_text)
    assert match, row.body_text
    return "/" + match.group(0).split("/", 3)[3]


@contextlib.contextmanager
def statements(app):
    """The SQL statements the app's engine sends within the block (a list, filled as they go)."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def login(client, username: str, password: str = PASSWORD):
    response = client.post(
        "/login/", data={"username": username, "password": password}, follow_redirects=False
    )
    assert response.status_code == 302, f"login of {username} failed"
    return client


@pytest.fixture(scope="module")
def tokens(app, world):
    """A JWT per user of the world, from FAB's REST login (module scope: tokens expire)."""
    client = app.test_client()
    result = {}
    for name in world.users:
        r = client.post("/api/v1/security/login",
                        json={"username": name, "password": PASSWORD, "provider": "db"})
        assert r.status_code == 200, (name, r.json)
        result[name] = {"Authorization": f"Bearer {r.json['access_token']}"}
    return result


@pytest.fixture
def api(app, tokens):
    """``api(method, user, path, **kwargs)``: a REST call as that user (None: no token)."""
    client = app.test_client()

    def call(method, user, path, **kwargs):
        headers = {**(tokens[user] if user else {}), **kwargs.pop("headers", {})}
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


class LoggedInClients(dict):
    """``{user name: logged-in test client}`` (None: anonymous), shared by the whole session.

    A logout ends every session of the account (issue 20: ``sessions_valid_after``), and so
    does a password change: a test that logs one of these users out elsewhere (the route walk
    of test_access_routes calls GET /logout/ as each) left the shared client logged out for
    every test after it, in whatever order they ran. Each lookup checks that the client's
    session is still logged in and logs it in again if not: its cookie still names the user
    and, once an account's ``sessions_valid_after`` was set (an ORM event raises the flag),
    the account's cutoff read on an engine of its own (statements counted on the app's engine
    do not see it) is not after the session's login."""

    def __init__(self, app, names):
        super().__init__({None: app.test_client()})
        self.app = app
        # A connection of its own for each check, closed after it (NullPool): one kept open
        # for the whole session outlived the SQLite file a backup restore replaces, and a
        # later app's first connection then failed with "disk I/O error" (test_transactions,
        # full SQLite runs only).
        self.engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"],
                                       poolclass=sa.pool.NullPool)
        self.relogins = 0  # how often a client was found logged out (tests/test_tidy_review)
        self.ended: set[int] = set()  # accounts whose sessions_valid_after was set
        sa.event.listen(RekomUser.sessions_valid_after, "set", self._sessions_ended)
        for name in names:
            dict.__setitem__(self, name, login(app.test_client(), name))

    def _sessions_ended(self, user, value, old, initiator):
        if user.id is not None:
            self.ended.add(user.id)

    def __getitem__(self, name):
        client = super().__getitem__(name)
        if name is not None and not self.still_logged_in(client, name):
            login(client, name)
            self.relogins += 1
        return client

    def _session_of(self, client) -> dict:
        from flask.sessions import SecureCookieSessionInterface

        interface = self.app.session_interface
        if type(interface) is SecureCookieSessionInterface:  # the cookie, read directly
            cookie = client.get_cookie(self.app.config["SESSION_COOKIE_NAME"])
            if cookie is None:
                return {}
            return interface.get_signing_serializer(self.app).loads(cookie.value)
        with client.session_transaction() as stored:
            return dict(stored)

    def still_logged_in(self, client, name) -> bool:
        from app.auth.security import SESSION_LOGIN_AT

        stored = self._session_of(client)
        began, user_id = stored.get(SESSION_LOGIN_AT), stored.get("_user_id")
        if not began or not user_id:
            return False
        if int(user_id) not in self.ended:
            return True
        table = RekomUser.__table__
        with self.engine.connect() as conn:
            username, cutoff = conn.execute(
                sa.select(table.c.username, table.c.sessions_valid_after)
                .where(table.c.id == int(user_id))).one_or_none() or (None, None)
        return username == name and (cutoff is None
                                     or dt.datetime.fromisoformat(began) >= cutoff)

    def close(self):
        sa.event.remove(RekomUser.sessions_valid_after, "set", self._sessions_ended)
        self.engine.dispose()


@pytest.fixture(scope="session")
def clients(app, world):
    """A logged-in test client per role (None: anonymous), logged in again whenever a test
    ended its session (LoggedInClients)."""
    result = LoggedInClients(app, world.users)
    yield result
    result.close()


# --- requests in any workflow state ------------------------------------------------------------

OWNER = "applicant_a"
_SEED_YEAR = 2990  # seeded issued letters number in a year no other test uses
_serial = itertools.count(1)


@pytest.fixture(scope="session")
def wf(app, world):
    with app.app_context():
        sm = app.appbuilder.sm
        if sm.find_user(username="officer_x2") is None:
            create_user("Officer", "officer_x2", "officer_x2@rekomstat.test", PASSWORD,
                        office_code=OFFICE_X)
        ids = dict(world.users, officer_x2=sm.find_user(username="officer_x2").id)
    return ids


def actor(session, ids, name):
    return session.get(RekomUser, ids[name])


def seed(session, world, ids, state: str, *, complete=True, due=dt.date(2026, 12, 15)) -> int:
    """A request of office X owned by applicant_a, put straight into ``state`` with the rows
    that state implies (review, letter, number), as the workflow would have left it."""
    office_id = world.offices[OFFICE_X]
    now = dt.datetime(2026, 11, 2, 3, 0)
    req = ActivityRequest(
        tracking_code=codes.tracking_code("RKS"), office_id=office_id,
        applicant_id=ids[OWNER], state=state, title="Survei Ubinan Padi Sawah 2027", year=2027,
        kind="survey", agency_name="Dinas Pertanian Kota Lubuklinggau",
        agency_head_title="Kepala Dinas Pertanian Kota Lubuklinggau",
        agency_address="Jl. Yos Sudarso No. 5, Lubuklinggau",
        resp_name="Siti Rahmawati", resp_email="siti@pertanian.test",
        collection_start=dt.date(2027, 3, 1), collection_end=dt.date(2027, 4, 30),
        objectives="Mengukur produktivitas padi sawah per kecamatan." if complete else None,
    )
    session.add(req)
    if state != "draft":
        req.submitted_at = req.complete_at = now
        req.due_date = due
    handled = state not in ("draft", "submitted", "withdrawn")
    if handled:
        req.officer_id = ids["officer_x"]
        items = session.scalars(sa.select(ChecklistItem).where(
            ChecklistItem.office_id == office_id)).all()
        review = Review(request=req, round=1, officer_id=ids["officer_x"], started_at=now,
                        checklist={str(i.id): {"ok": True, "note": ""} for i in items},
                        outcome="pending")
        if state != "in_review":
            review.finished_at = now
            review.outcome = "revision" if state == "revision_requested" else "pass"
        session.add(review)
    if state == "revision_requested":
        req.clock_paused_at = now
    if state in ("letter_drafted", "letter_initialled", "issued", "sent", "closed"):
        letter = Letter(request=req, office_id=office_id, result="fit",
                        body="Badan Pusat Statistik merekomendasikan kegiatan ini.",
                        verification_code=codes.random_token(20), drafted_by_id=ids["officer_x"])
        session.add(letter)
        if state == "letter_initialled":
            letter.initialled_by_id, letter.initialled_at = ids["section_x"], now
        if state not in ("letter_drafted", "letter_initialled"):
            session.flush()
            seq = letters.allocate_sequence(session, office_id, _SEED_YEAR)
            letter.sequence, letter.year = seq, _SEED_YEAR
            letter.number = f"B-{seq}/16740/VS.300/{_SEED_YEAR}"
            letter.letter_date = dt.date(2026, 11, 3)
            letter.issued_at = now
            letter.pdf = b"%PDF-1.4 seeded"
            letter.sha256 = letters.sha256_hex(letter.pdf)
            letter.issued_by_id = ids["head_x"]
    if state in ("sent", "closed"):
        req.sent_at = now
    if state in ("closed", "withdrawn"):
        req.closed_at = now
    session.commit()
    return req.id


