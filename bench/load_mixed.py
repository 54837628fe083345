"""Many people at once (issue 27): a mixed workload under gunicorn, stepped until it hurts.

Virtual users, each a browser (log-in form with its CSRF token, session cookie, redirects
followed, think time between pages), on one gunicorn server on loopback:

- officers browse (the request list: first page, a deep page, filtered by state, searched by
  title; a request's page; the dashboard) and act: each takes a submitted request through
  "start review", the checklist, "verify" and "draft letter", and sends the letters signed;
- heads open the drafted letters' list and a request, and sign ("issue": number, PDF, QR);
- applicants read their portal and their own requests' pages and submit the online form;
- anonymous visitors search the public catalogue (/catalogue/?q=) and open an entry.

The offered load is stepped (e.g. 10, 20, 30, 50, 75, 100 users) for each worker count; each
step reports count, p50/p95/p99 and errors per page kind and the throughput, and the knee is
the first step whose p95 (all pages) crosses 500 ms. Afterwards the database is checked
against every answer the servers gave.

    python bench/load.py --mixed [--workers 2,4] [--steps 10,20,30,50,75,100] [--duration 40]
                                 [--requests 10000] [--think 1.0] [--smoke] [--out FILE]
                                 [--worker-class sync|gthread|both] [--autogroup-nice -15]

The data: `flask seed-demo --requests N` in a template database rekomstat_load_tpl_N (kept,
remade when the code of the demo, models or migrations changes, or with --fresh), plus the
load's officers and heads; every worker count runs on its own copy rekomstat_load_run_<pid>,
dropped at the end. stdout: one JSON document; stderr: progress and Markdown tables.
Exit status 1 when any error answer or any database check failed.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import load

import harness

ROOT = harness.ROOT
# The PostgreSQL server (as bench/run.py): BENCH_PG_URL, else TEST_DATABASE_URL's if it is one.
PG_BASE = os.environ.get("BENCH_PG_URL") or (
    os.environ.get("TEST_DATABASE_URL", "") if os.environ.get(
        "TEST_DATABASE_URL", "").startswith("postgresql") else "") or harness.PG_DEFAULT
PG_BASE = PG_BASE.replace("postgresql+psycopg://", "postgresql://", 1).rsplit("/", 1)[0] + \
    "/postgres"
PASSWORD = harness.DEMO_PASSWORD
TITLE_PREFIX = "Survei Beban Campuran"
P95_KNEE_MS = 500
MIX = (("anonymous", 0.30), ("applicant", 0.25), ("head", 0.10), ("officer", 0.35))
ERROR_TEXTS = ("Terjadi kesalahan", "Something went wrong")
FLASH_DANGER = re.compile(r'class="alert alert-danger"[^>]*>\s*(?:<button[^>]*>[^<]*</button>)?'
                          r'\s*([^<]{0,200})')
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
ATTR = re.compile(r'(name|value)="([^"]*)"')
LIST_PAGE = 25


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


# --- the database ------------------------------------------------------------------------------


def _url(database: str, base: str = PG_BASE) -> str:
    return base.rsplit("/", 1)[0] + "/" + database


def _engine(database_url: str, **kw):
    import sqlalchemy as sa

    return sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                            **kw)


def _admin(sql: str, params: dict | None = None):
    import sqlalchemy as sa

    engine = _engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        out = conn.execute(sa.text(sql), params or {}).all() if sql.lstrip().upper().startswith(
            "SELECT") else conn.execute(sa.text(sql))
    engine.dispose()
    return out


def prepare_template(size: int, max_officers: int, max_heads: int, fresh: bool) -> dict:
    """rekomstat_load_tpl_<size>: the demo data and the load's accounts, kept between runs."""
    name = f"rekomstat_load_tpl_{size}"
    marker = {"size": size, "seed": harness.SEED, "password": PASSWORD,
              "code": harness.code_version()}
    rows = _admin("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                  "WHERE datname = :n", {"n": name})
    stored = json.loads(rows[0][0]) if rows and rows[0][0] else None
    # At least the accounts the largest step needs (more are made, never fewer than 40 + 12,
    # so that a run with fewer users keeps the data).
    max_officers, max_heads = max(max_officers, 40), max(max_heads, 12)
    instance = Path(tempfile.mkdtemp(prefix="rekomstat-load-"))
    env = harness.app_env(_url(name), instance)
    accounts = [sys.executable, str(Path(__file__).with_name("load_setup.py")), "accounts",
                str(max_officers), str(max_heads), PASSWORD]
    if stored and not fresh and {k: stored.get(k) for k in marker} == marker:
        if stored.get("officers", 0) >= max_officers and stored.get("heads", 0) >= max_heads:
            log(f"template {name}: kept ({stored.get('generated_at')})")
            return stored
        log(f"template {name}: kept, more accounts…")
        subprocess.run(accounts, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        shutil.rmtree(instance, ignore_errors=True)
        stored.update(officers=max_officers, heads=max_heads)
        comment = json.dumps(stored).replace("'", "''")
        _admin(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
        return stored
    marker.update(officers=max_officers, heads=max_heads)
    log(f"template {name}: flask init + seed-demo --requests {size} + accounts…")
    started = time.perf_counter()
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    flask = [sys.executable, "-m", "flask", "--app", "app:create_app"]
    for args in (flask + ["init"],
                 flask + ["seed-demo", "--requests", str(size), "--seed", str(harness.SEED)],
                 accounts):
        done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{args[-3:]} failed:\n{done.stderr[-3000:]}")
    shutil.rmtree(instance, ignore_errors=True)
    engine = _engine(_url(name), isolation_level="AUTOCOMMIT")
    import sqlalchemy as sa

    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    marker.update(generated_at=time.strftime("%Y-%m-%d %H:%M:%S"),
                  generation_s=round(time.perf_counter() - started, 1))
    comment = json.dumps(marker).replace("'", "''")
    _admin(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
    log(f"template {name}: made in {marker['generation_s']} s")
    return marker


def copy_database(size: int) -> str:
    name = f"rekomstat_load_run_{os.getpid()}"
    # Copies of killed runs (their process gone) go first.
    for (old,) in _admin("SELECT datname FROM pg_database WHERE datname LIKE "
                         "'rekomstat\\_load\\_run\\_%'"):
        pid = int(old.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
            alive = pid != os.getpid()
        except OSError:
            alive = False
        if not alive:
            _admin(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "rekomstat_load_tpl_{size}"')
    return name


def read_work(database_url: str) -> dict:
    """What the virtual users start from: requests to review and letters to sign, the
    applicants and their requests, words of the catalogue, a sample of request ids."""
    import sqlalchemy as sa

    engine = _engine(database_url)
    with engine.connect() as conn:
        q = lambda sql, **p: conn.execute(sa.text(sql), p).all()  # noqa: E731
        office_id = q("SELECT office_id FROM ab_user WHERE username = 'petugas1'")[0][0]
        submitted = [r for (r,) in q(
            "SELECT id FROM activity_request WHERE state = 'submitted' AND office_id = :o "
            "AND officer_id IS NULL ORDER BY id", o=office_id)]
        drafted = [r for (r,) in q(
            "SELECT r.id FROM activity_request r JOIN letter l ON l.request_id = r.id "
            "WHERE r.state = 'letter_drafted' AND r.office_id = :o ORDER BY r.id", o=office_id)]
        ids = [r for (r,) in q("SELECT id FROM activity_request WHERE office_id = :o "
                               "ORDER BY random() LIMIT 2000", o=office_id)]
        applicants = {}
        for user, req_id in q(
                "SELECT u.username, r.id FROM ab_user u JOIN activity_request r "
                "ON r.applicant_id = u.id WHERE u.username LIKE 'pemohon%' ORDER BY u.id, r.id"):
            applicants.setdefault(user, []).append(req_id)
        titles = [t for (t,) in q("SELECT title FROM activity_request WHERE state IN "
                                  "('issued', 'sent', 'closed') ORDER BY random() LIMIT 400")]
        total = q("SELECT count(*) FROM activity_request WHERE office_id = :o",
                  o=office_id)[0][0]
    engine.dispose()
    words = sorted({w for t in titles for w in re.findall(r"[A-Za-z]{5,}", t)})
    return {"office_id": office_id, "submitted": submitted, "drafted": drafted, "ids": ids,
            "applicants": list(applicants.items()), "words": words, "total": total}


# --- the browser -------------------------------------------------------------------------------


class Stats:
    """Every request: (kind, start, seconds, ok); errors with what the page said."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows: list[tuple[str, float, float, bool]] = []
        self.errors: list[str] = []

    def record(self, kind: str, start: float, seconds: float, ok: bool, what: str = "") -> None:
        with self.lock:
            self.rows.append((kind, start, seconds, ok))
            if not ok:
                self.errors.append(f"{kind}: {what}")

    def window(self, t0: float, t1: float) -> list[tuple[str, float, bool]]:
        with self.lock:
            return [(k, s, ok) for k, t, s, ok in self.rows if t0 <= t < t1]


class Browser:
    def __init__(self, base: str, stats: Stats, rng: random.Random):
        self.base, self.stats, self.rng = base, stats, rng
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), load._NoRedirect())
        self.csrf = ""

    def get(self, kind: str, path: str, **kw) -> tuple[int, str, str]:
        return self.call(kind, path, None, **kw)

    def call(self, kind: str, path: str, data: dict | None = None, expect=(200, 302),
             follow: int = 4, flash_is_error: bool = False) -> tuple[int, str, str]:
        """One request, and the pages redirects lead to (each recorded as its own kind, as a
        browser loads them; at most ``follow`` of them). Returns (status, text, location of
        the first answer)."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        started = time.perf_counter()
        location = ""
        try:
            with self.opener.open(request, timeout=120) as answer:
                status, text = answer.status, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode("utf-8", "replace")
            location = err.headers.get("Location", "") or ""
        except OSError as err:
            status, text = 0, str(err)
        seconds = time.perf_counter() - started
        bad_text = next((t for t in ERROR_TEXTS if t in text), None)
        ok = status in expect and bad_text is None
        self.stats.record(kind, started, seconds, ok,
                          f"{status} {path} {bad_text or ''} {_visible(text)[:160]}")
        if status == 302 and follow and location:
            target = urllib.parse.urlsplit(location)
            nxt = target.path + (f"?{target.query}" if target.query else "")
            status2, text2, _ = self.call(_kind_of(nxt), nxt, follow=follow - 1)
            danger = FLASH_DANGER.search(text2) if flash_is_error else None
            if danger:
                self.stats.record(kind + " refused", started, 0.0, False,
                                  f"{path}: {danger.group(1).strip()}")
                return 409, text2, location
            return status, text2, location
        return status, text, location

    def form_fields(self, page: str) -> dict:
        fields = {}
        for tag in HIDDEN.findall(page):
            attrs = dict(ATTR.findall(tag))
            if "name" in attrs:
                fields[attrs["name"]] = attrs.get("value", "")
        return fields

    def log_in(self, username: str) -> None:
        _status, page, _ = self.get("login page", "/login/", expect=(200,))
        found = load.CSRF.search(page)
        self.csrf = (found.group(1) or found.group(2)) if found else ""
        status, _, _ = self.call("login", "/login/", {
            "username": username, "password": PASSWORD, "csrf_token": self.csrf},
            expect=(302,))
        if status != 302:
            raise RuntimeError(f"{username} could not log in")


def _visible(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def _kind_of(path: str) -> str:
    if path.startswith("/activityrequestview/show/"):
        return "request page"
    if path.startswith("/portal/requests/"):
        return "portal request page"
    if path.startswith("/portal"):
        return "portal home"
    if path.startswith("/admin") or path == "/":
        return "home (after log-in)"
    return "redirect target"


# --- the virtual users -------------------------------------------------------------------------


class Shared:
    """Work the virtual users hand each other, and what the servers said was done."""

    def __init__(self, work: dict, filters: dict):
        self.work, self.filters = work, filters
        self.submitted: queue.Queue = queue.Queue()
        for req_id in work["submitted"]:
            self.submitted.put(req_id)
        # Letters to sign: the run's own drafts first (their officers then send them), then
        # the demo's backlog (demo letters are never sent: they have no PDF).
        self.to_sign: queue.Queue = queue.Queue()
        self.backlog: queue.Queue = queue.Queue()
        for req_id in work["drafted"]:
            self.backlog.put((req_id, None))
        self.to_send: dict[str, queue.Queue] = {}
        self.pipelines: dict[str, dict] = {}  # officer account -> {"id", "step"}
        self.lock = threading.Lock()
        # request id -> [(action, ok)] in the order the answers came.
        self.done: dict[int, list[str]] = {}
        self.submissions: list[tuple[str, int | None]] = []
        self.counter = 0

    def did(self, req_id: int, action: str) -> None:
        with self.lock:
            self.done.setdefault(req_id, []).append(action)

    def next_title(self) -> str:
        with self.lock:
            self.counter += 1
            return f"{TITLE_PREFIX} {os.getpid()}-{self.counter:05d}"


class VirtualUser:
    def __init__(self, role: str, account: str | None, base: str, stats: Stats,
                 shared: Shared, stop: threading.Event, think: float, seed: int):
        self.role, self.account, self.shared, self.stop = role, account, shared, stop
        self.think_mean = think
        self.rng = random.Random(seed)
        self.browser = Browser(base, stats, self.rng)
        self.stats = stats
        self.own: list[int] = []

    def think(self) -> None:
        self.stop.wait(min(self.rng.expovariate(1 / self.think_mean), 5 * self.think_mean))

    def run(self) -> None:
        self.stop.wait(self.rng.uniform(0, self.think_mean * 2))  # arrivals spread out
        try:
            if self.account:
                self.browser.log_in(self.account)
            step = getattr(self, f"step_{self.role}")
            while not self.stop.is_set():
                step()
                self.think()
        except Exception as err:  # noqa: BLE001 - a crashed user is an error of the run
            self.stats.record(f"{self.role} crashed", time.perf_counter(), 0.0, False,
                              f"{type(err).__name__}: {err}")

    # anonymous: the catalogue
    def step_anonymous(self) -> None:
        words = self.shared.work["words"] or ["survei"]
        q = " ".join(self.rng.sample(words, self.rng.choice((1, 1, 2))))
        if self.rng.random() < 0.25:
            q = q[: max(3, len(q) // 2)]  # cut short, as while typing
        _s, page, _ = self.browser.get("catalogue search",
                                       "/catalogue/?" + urllib.parse.urlencode({"q": q}))
        entries = re.findall(r'href="/catalogue/(\d+)"', page)
        if entries and self.rng.random() < 0.5:
            self.think()
            self.browser.get("catalogue entry", f"/catalogue/{self.rng.choice(entries)}")
        elif self.rng.random() < 0.1:
            self.think()
            self.browser.get("home", "/")

    # applicants: the portal, their own requests, the form
    def step_applicant(self) -> None:
        mine = self.own
        r = self.rng.random()
        if r < 0.35:
            self.browser.get("portal home", "/portal/")
        elif r < 0.75 and mine:
            self.browser.get("portal request page", f"/portal/requests/{self.rng.choice(mine)}")
        else:
            _s, page, _ = self.browser.get("form page", "/portal/requests/new", expect=(200,))
            self.think()
            title = self.shared.next_title()
            data = load.applicant_form(self.shared.work["office_id"], "", title)
            data.update(self.browser.form_fields(page))
            data["title"], data["action"] = title, "submit"
            status, _text, location = self.browser.call(
                "submit", "/portal/requests/new", data, expect=(302,), flash_is_error=True)
            found = re.search(r"/portal/requests/(\d+)", location)
            req_id = int(found.group(1)) if found else None
            if status == 302:
                with self.shared.lock:
                    self.shared.submissions.append((title, req_id))
                if req_id:
                    mine.append(req_id)

    # heads: the letters to sign
    def step_head(self) -> None:
        flt = self.shared.filters["state"]
        self.browser.get("list filtered", f"/activityrequestview/list/?_flt_{flt}_state="
                                          "letter_drafted&page_ActivityRequestView=0")
        try:
            req_id, officer = self.shared.to_sign.get_nowait()
        except queue.Empty:
            try:
                req_id, officer = self.shared.backlog.get_nowait()
            except queue.Empty:
                return
        self.think()
        self.browser.get("request page", f"/activityrequestview/show/{req_id}")
        self.think()
        status, _t, _l = self.browser.call(
            "issue", f"/activityrequestview/action/issue/{req_id}",
            {"csrf_token": self.browser.csrf}, expect=(302,), flash_is_error=True)
        if status == 302:
            self.shared.did(req_id, "issue")
            if officer:
                self.shared.to_send.setdefault(officer, queue.Queue()).put(req_id)

    # officers: browse, and move their requests on
    def step_officer(self) -> None:
        if self.rng.random() < 0.45 and self.act():
            return
        r = self.rng.random()
        flt = self.shared.filters
        total = self.shared.work["total"]
        if r < 0.25:
            self.browser.get("list first", "/activityrequestview/list/")
        elif r < 0.35:
            deep = self.rng.randint(2, max(2, min(200, total // LIST_PAGE)))
            self.browser.get("list deep", f"/activityrequestview/list/?page_ActivityRequestView="
                                          f"{deep - 1}")
        elif r < 0.5:
            state = self.rng.choice(("submitted", "in_review", "verified", "issued", "sent"))
            self.browser.get("list filtered", f"/activityrequestview/list/?_flt_{flt['state']}"
                                              f"_state={state}&page_ActivityRequestView=0")
        elif r < 0.62:
            word = self.rng.choice(self.shared.work["words"] or ["survei"])
            self.browser.get("list search", f"/activityrequestview/list/?_flt_{flt['title']}"
                                            f"_title={urllib.parse.quote(word)}")
        elif r < 0.92:
            req_id = self.rng.choice(self.shared.work["ids"])
            self.browser.get("request page", f"/activityrequestview/show/{req_id}")
        else:
            self.browser.get("dashboard", "/dashboard/")

    def act(self) -> bool:
        """One step of this officer's work: a signed letter to send first, else the next step
        of the request in hand (start review, checklist, verify, draft), else a new one."""
        sh, b = self.shared, self.browser
        sending = sh.to_send.get(self.account)
        if sending is not None and not sending.empty():
            req_id = sending.get_nowait()
            b.get("request page", f"/activityrequestview/show/{req_id}")
            self.think()
            self._action("send", req_id)
            return True
        hand = sh.pipelines.get(self.account)
        if hand is None:
            try:
                hand = sh.pipelines[self.account] = {"id": sh.submitted.get_nowait(),
                                                     "step": "start_review"}
            except queue.Empty:
                return False
        req_id, step = hand["id"], hand["step"]
        _s, page, _ = b.get("request page", f"/activityrequestview/show/{req_id}")
        self.think()
        if step == "checklist":
            items = sorted(set(re.findall(r'name="item" value="(\d+)"', page)))
            data = {"csrf_token": b.csrf, "item": items, "notes": "Lengkap (uji beban)."}
            data.update({f"ok_{i}": "y" for i in items})
            status, text, _ = b.call("checklist", f"/activityrequestview/checklist/{req_id}",
                                     data, expect=(302,), flash_is_error=True)
            ok = status == 302
            if ok:
                sh.did(req_id, "checklist")
        else:
            ok = self._action(step, req_id)
        if ok:
            following = {"start_review": "checklist", "checklist": "verify",
                         "verify": "draft_letter", "draft_letter": None}[step]
            if following:
                hand["step"] = following
            else:
                sh.pipelines.pop(self.account, None)
                sh.to_sign.put((req_id, self.account))
        else:
            sh.pipelines.pop(self.account, None)  # refused: counted as an error, dropped
        return True

    def _action(self, action: str, req_id: int) -> bool:
        status, _t, _l = self.browser.call(
            action, f"/activityrequestview/action/{action}/{req_id}",
            {"csrf_token": self.browser.csrf}, expect=(302,), flash_is_error=True)
        if status == 302:
            self.shared.did(req_id, action)
        return status == 302


def cast(n_users: int) -> list[str]:
    """The roles of n users, in the MIX's shares (at least one of each)."""
    counts = {role: max(1, round(share * n_users)) for role, share in MIX}
    counts["officer"] += n_users - sum(counts.values())
    return [role for role, _ in MIX for _ in range(counts[role])]


# --- one step of offered load ----------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    """Nearest rank, in ms."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, int(q / 100 * len(ordered) + 0.999) - 1))]
                 * 1000, 1)


def summarise(rows: list[tuple[str, float, bool]], seconds: float) -> dict:
    kinds: dict[str, list] = {}
    for kind, s, ok in rows:
        kinds.setdefault(kind, []).append((s, ok))
    by_kind = {k: {"n": len(v), "p50_ms": _pct([s for s, _ in v], 50),
                   "p95_ms": _pct([s for s, _ in v], 95), "p99_ms": _pct([s for s, _ in v], 99),
                   "errors": sum(1 for _, ok in v if not ok)}
               for k, v in sorted(kinds.items())}
    every = [s for _, s, _ in rows]
    return {"requests": len(every), "requests_per_s": round(len(every) / seconds, 1),
            "p50_ms": _pct(every, 50), "p95_ms": _pct(every, 95), "p99_ms": _pct(every, 99),
            "errors": sum(1 for _, _, ok in rows if not ok), "by_kind": by_kind}


def run_step(n_users: int, base: str, shared: Shared, duration: float, warmup: float,
             think: float, server_pids: list[int], database: str) -> dict:
    stats = Stats()
    stop = threading.Event()
    roles = cast(n_users)
    seen: dict[str, int] = {}
    users = []
    applicants = shared.work["applicants"]
    for i, role in enumerate(roles):
        k = seen[role] = seen.get(role, 0) + 1
        account = {"officer": f"petugas_load{k:02d}", "head": f"kepala_load{k:02d}",
                   "applicant": applicants[(k - 1) % len(applicants)][0] if applicants else None,
                   "anonymous": None}[role]
        user = VirtualUser(role, account, base, stats, shared, stop, think,
                           seed=n_users * 1000 + i)
        if role == "applicant":
            user.own = list(applicants[(k - 1) % len(applicants)][1])
        users.append(user)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    threads = [threading.Thread(target=u.run, daemon=True) for u in users]
    for t in threads:
        t.start()
    time.sleep(warmup)
    backends = _backends(database)
    cpu1, me1, t1 = _cpu_seconds(server_pids), time.process_time(), time.perf_counter()
    db1 = _cpu_seconds(backends, children=False)
    time.sleep(duration)
    t2 = time.perf_counter()
    cpu2, me2 = _cpu_seconds(server_pids), time.process_time()
    db2 = _cpu_seconds(backends, children=False)
    stop.set()
    for t in threads:
        t.join(130)
    window = stats.window(t1, t2)
    result = {"users": n_users, "roles": {r: roles.count(r) for r, _ in MIX},
              "window_s": round(t2 - t1, 1), **summarise(window, t2 - t1),
              "server_cpu_pct": round(100 * (cpu2 - cpu1) / (t2 - t1), 0),
              "generator_cpu_pct": round(100 * (me2 - me1) / (t2 - t1), 0),
              # PostgreSQL's backends of this database (those open through the window).
              "db_cpu_pct": round(100 * (db2 - db1) / (t2 - t1), 0),
              "loadavg_1m_start_end": [round(load0, 2), round(os.getloadavg()[0], 2)],
              "warmup_errors": len(stats.window(t0, t1)) and sum(
                  1 for _, _, ok in stats.window(t0, t1) if not ok),
              "first_errors": stats.errors[:8], "all_errors": len(stats.errors)}
    n = max(1, result["requests"])
    result["cpu_ms_per_request"] = {"app": round(1000 * (cpu2 - cpu1) / n, 1),
                                    "db": round(1000 * (db2 - db1) / n, 1)}
    return result


def _backends(database: str) -> list[int]:
    """The PostgreSQL backend processes serving this database now."""
    return [pid for (pid,) in _admin("SELECT pid FROM pg_stat_activity WHERE datname = :d",
                                     {"d": database})]


def _cpu_seconds(pids: list[int], children: bool = True) -> float:
    """utime + stime of these processes (and their children: gunicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in _tree(pids) if children else pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def _tree(pids: list[int]) -> list[int]:
    out = list(pids)
    for pid in pids:
        try:
            kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        out += [int(k) for k in kids]
    return out


# --- the check afterwards --------------------------------------------------------------------

TARGET = {"start_review": "in_review", "checklist": "in_review", "verify": "verified",
          "draft_letter": "letter_drafted", "issue": "issued", "send": "sent"}


def check(database_url: str, shared: Shared) -> dict:
    """The database against every answer: letter numbers, each request in the state its last
    answered action left it, each action's rows whole, each accepted submission there once."""
    import sqlalchemy as sa

    engine = _engine(database_url)
    problems: list[str] = []
    with engine.connect() as conn:
        q = lambda sql, **p: conn.execute(sa.text(sql), p).all()  # noqa: E731
        duplicates = q("SELECT count(*) FROM (SELECT office_id, year, sequence FROM letter "
                       "WHERE sequence IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1) d")[0][0]
        duplicates += q("SELECT count(*) FROM (SELECT number FROM letter WHERE number IS NOT "
                        "NULL GROUP BY 1 HAVING count(*) > 1) d")[0][0]
        gaps = q("SELECT count(*) FROM letter_counter c WHERE c.last_sequence <> (SELECT "
                 "count(*) FROM letter l WHERE l.office_id = c.office_id AND l.year = c.year "
                 "AND l.sequence IS NOT NULL) OR c.last_sequence <> (SELECT coalesce(max("
                 "sequence), 0) FROM letter l WHERE l.office_id = c.office_id "
                 "AND l.year = c.year)")[0][0]
        ids = list(shared.done)
        rows = {r[0]: r for r in q(
            "SELECT r.id, r.state, r.officer_id, r.sent_at, l.id, l.number, l.sequence, "
            "l.sha256, l.pdf IS NOT NULL, l.issued_at, l.drafted_by_id, l.body, l.sent_at, "
            "r.recommendation_code, "
            "(SELECT count(*) FROM outbound_email m WHERE m.letter_id = l.id), "
            "(SELECT max(v.round) FROM review v WHERE v.request_id = r.id), "
            "(SELECT v.outcome FROM review v WHERE v.request_id = r.id ORDER BY v.round DESC "
            " LIMIT 1), "
            "(SELECT v.checklist::text FROM review v WHERE v.request_id = r.id "
            " ORDER BY v.round DESC LIMIT 1) "
            "FROM activity_request r LEFT JOIN letter l ON l.request_id = r.id "
            "WHERE r.id = ANY(:ids)", ids=ids)}
        audit = {}
        for obj, action, n in q("SELECT object_id, action, count(*) FROM audit_event WHERE "
                                "object_type = 'activity_request' AND object_id = ANY(:ids) "
                                "AND at > now() - interval '1 day' GROUP BY 1, 2", ids=ids):
            audit[(obj, action)] = n
        for req_id, actions in shared.done.items():
            row = rows.get(req_id)
            if row is None:
                problems.append(f"{req_id}: gone")
                continue
            (_, state, _officer, sent_at, letter_id, number, seq, sha, has_pdf, issued_at,
             drafted_by, body, letter_sent, rec_code, mails, _round, outcome, checklist) = row
            want = TARGET[actions[-1]]
            if state != want:
                problems.append(f"{req_id}: {state}, its last answer was {actions[-1]}")
            for action in actions:
                audit_name = "review" if action == "checklist" else action
                if not audit.get((req_id, audit_name)):
                    problems.append(f"{req_id}: {action} answered, no audit event")
            if "checklist" in actions and (not checklist or checklist in ("{}", "null")):
                problems.append(f"{req_id}: checklist answered, review has none")
            if "verify" in actions and outcome != "pass":
                problems.append(f"{req_id}: verified, review outcome {outcome}")
            if "draft_letter" in actions and (letter_id is None or not body or not drafted_by):
                problems.append(f"{req_id}: drafted, letter missing or empty")
            if "issue" in actions and not (number and seq and sha and has_pdf and issued_at
                                           and rec_code):
                problems.append(f"{req_id}: issued without number/PDF/hash/date")
            if "send" in actions and not (sent_at and letter_sent and mails):
                problems.append(f"{req_id}: sent without send time or mail row")
        titles = [t for t, _ in shared.submissions]
        found = q("SELECT title, id, state, submitted_at IS NOT NULL, due_date IS NOT NULL, "
                  "tracking_code IS NOT NULL FROM activity_request WHERE title = ANY(:t)",
                  t=titles)
        by_title: dict[str, list] = {}
        for row in found:
            by_title.setdefault(row[0], []).append(row)
        for title, req_id in shared.submissions:
            got = by_title.get(title, [])
            if len(got) != 1:
                problems.append(f"submission {title!r}: {len(got)} rows")
            elif not all(got[0][3:]) or (req_id and got[0][1] != req_id):
                problems.append(f"submission {title!r}: not whole {got[0]}")
        submission_audit = q("SELECT count(*) FROM activity_request r WHERE r.title = ANY(:t) "
                             "AND NOT EXISTS (SELECT 1 FROM audit_event a WHERE a.object_type = "
                             "'activity_request' AND a.object_id = r.id AND a.action = 'submit')",
                             t=titles)[0][0]
        if submission_audit:
            problems.append(f"{submission_audit} submissions without their audit event")
    engine.dispose()
    counts: dict[str, int] = {}
    for actions in shared.done.values():
        for a in actions:
            counts[a] = counts.get(a, 0) + 1
    counts["submit"] = len(shared.submissions)
    return {"duplicates": duplicates, "gaps": gaps, "problems": len(problems),
            "first_problems": problems[:10], "actions_answered": counts}


# --- a worker count ------------------------------------------------------------------------


def _prioritise(pid: int, nice: int | None) -> None:
    """A shared machine: the kernel's autogroups give each session an equal share of the CPUs
    whatever its processes' nice; ``nice`` (root) weights the server's session instead."""
    if nice is not None:
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


def start_server(workers: int, env: dict, worker_class: str,
                 nice: int | None = None) -> tuple[subprocess.Popen, str]:
    port = load._free_port()
    args = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--preload",
            "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--backlog", "2048",
            "--log-level", "warning"]
    if worker_class == "gthread":
        args += ["--worker-class", "gthread", "--threads", "4"]
    proc = subprocess.Popen(args + ["wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
    _prioritise(proc.pid, nice)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(base + "/health", timeout=10)
            return proc, base
        except urllib.error.HTTPError:
            return proc, base
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                load.stop_servers([proc])
                raise SystemExit(f"gunicorn at {base} did not start")
            time.sleep(0.3)


def run_workers(workers: int, steps: list[int], size: int, duration: float, warmup: float,
                think: float, filters: dict, worker_class: str, nice: int | None = None
                ) -> dict:
    name = copy_database(size)
    url = _url(name)
    instance = Path(tempfile.mkdtemp(prefix="rekomstat-load-"))
    env = harness.app_env(url, instance)
    proc = None
    try:
        shared = Shared(read_work(url), filters)
        proc, base = start_server(workers, env, worker_class, nice)
        # Warm every worker (its first pages compile templates, import the PDF code).
        warm = Browser(base, Stats(), random.Random(1))
        for _ in range(workers * 3):
            warm.get("warm", "/catalogue/?q=survei")
        results = []
        for n in steps:
            log(f"{worker_class} {workers} workers, {n} users: {warmup:.0f} s warm-up + "
                f"{duration:.0f} s…  (uptime: {_uptime()})")
            before = _uptime()
            step = run_step(n, base, shared, duration, warmup, think, [proc.pid], name)
            step["uptime_before"] = before
            results.append(step)
            log(f"  {step['requests_per_s']} req/s, p50 {step['p50_ms']} p95 {step['p95_ms']} "
                f"p99 {step['p99_ms']} ms, errors {step['errors']}, server CPU "
                f"{step['server_cpu_pct']} %, database CPU {step['db_cpu_pct']} %, generator "
                f"CPU {step['generator_cpu_pct']} %; CPU ms a request: "
                f"{step['cpu_ms_per_request']}")
        load.stop_servers([proc])
        proc = None
        checked = check(url, shared)
    finally:
        if proc is not None:
            load.stop_servers([proc])
        shutil.rmtree(instance, ignore_errors=True)
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    knee = next((s for s in results if s["p95_ms"] > P95_KNEE_MS), None)
    under = [s for s in results if s["p95_ms"] <= P95_KNEE_MS]
    return {"workers": workers, "worker_class": worker_class, "autogroup_nice": nice,
            "steps": results,
            "best_under_500ms": max((s["requests_per_s"] for s in under), default=None),
            "knee": {"users": knee["users"], "requests_per_s": knee["requests_per_s"],
                     "p95_ms": knee["p95_ms"]} if knee else None,
            "database": checked}


def _uptime() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def table(config: dict) -> str:
    lines = [f"\n{config['worker_class']}, {config['workers']} workers",
             "| users | req/s | p50 ms | p95 ms | p99 ms | errors | CPU % app + db | CPU ms a "
             "request app + db | load avg before |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in config["steps"]:
        cpu = s.get("cpu_ms_per_request", {})
        lines.append(f"| {s['users']} | {s['requests_per_s']} | {s['p50_ms']} | {s['p95_ms']} "
                     f"| {s['p99_ms']} | {s['errors']} | {s['server_cpu_pct']:.0f} + "
                     f"{s.get('db_cpu_pct', 0):.0f} | {cpu.get('app')} + {cpu.get('db')} | "
                     f"{s['uptime_before']} |")
    return "\n".join(lines)


def kind_table(step: dict) -> str:
    lines = [f"\nper page kind at {step['users']} users",
             "| page kind | n | p50 ms | p95 ms | p99 ms | errors |", "| --- | --- | --- | --- "
             "| --- | --- |"]
    for k, v in step["by_kind"].items():
        lines.append(f"| {k} | {v['n']} | {v['p50_ms']} | {v['p95_ms']} | {v['p99_ms']} | "
                     f"{v['errors']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    global PG_BASE
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="2,4", help="gunicorn worker counts, e.g. 2,4")
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread", "both"))
    parser.add_argument("--steps", default="10,20,30,50,75,100", help="users at each step")
    parser.add_argument("--duration", type=float, default=40, help="measured seconds a step")
    parser.add_argument("--warmup", type=float, default=8, help="seconds before measuring")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument("--requests", type=int, default=10000, help="demo requests")
    parser.add_argument("--fresh", action="store_true", help="remake the template database")
    parser.add_argument("--smoke", action="store_true",
                        help="1 000 requests, 2 sync workers, 8 users for 3 + 6 s (CI)")
    parser.add_argument("--out", help="also write the JSON there")
    parser.add_argument("--autogroup-nice", type=int, default=None,
                        help="weight of the app server's session on a shared machine, -20…19 "
                        "(root; /proc/PID/autogroup): what it would get alone, roughly")
    parser.add_argument("--pg-url", default=PG_BASE,
                        help="the PostgreSQL server (its database name is not used)")
    args = parser.parse_args(argv)
    PG_BASE = args.pg_url.rsplit("/", 1)[0] + "/postgres"
    if args.smoke:
        args.workers, args.steps, args.duration, args.warmup = "2", "8", 6, 3
        args.requests, args.think, args.worker_class = 1000, 0.3, "sync"
    workers = [int(w) for w in args.workers.split(",")]
    steps = [int(s) for s in args.steps.split(",")]
    started = time.perf_counter()
    largest = max(steps)
    prepare_template(args.requests, max_officers=max(1, len([r for r in cast(largest)
                                                             if r == "officer"])),
                     max_heads=max(1, len([r for r in cast(largest) if r == "head"])),
                     fresh=args.fresh)
    instance = Path(tempfile.mkdtemp(prefix="rekomstat-load-"))
    filters = json.loads(subprocess.run(
        [sys.executable, str(Path(__file__).with_name("load_setup.py")), "filters"],
        cwd=ROOT, env=harness.app_env(_url(f"rekomstat_load_tpl_{args.requests}"), instance),
        capture_output=True, text=True, check=True).stdout)
    shutil.rmtree(instance, ignore_errors=True)
    classes = ("sync", "gthread") if args.worker_class == "both" else (args.worker_class,)
    configs = [run_workers(w, steps, args.requests, args.duration, args.warmup, args.think,
                           filters, c, args.autogroup_nice) for c in classes for w in workers]
    result = {"machine": harness.machine(), "requests_in_db": args.requests,
              "think_s_mean": args.think, "mix": dict(MIX), "configs": configs,
              "seconds": round(time.perf_counter() - started, 1)}
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    for config in configs:
        log(table(config))
        top = min(config["steps"], key=lambda s: abs(s["users"] - 50))
        log(kind_table(top))
        log(f"database: {json.dumps(config['database'], ensure_ascii=False)}")
    log(f"total {result['seconds']} s")
    bad = any(s["errors"] for c in configs for s in c["steps"]) or any(
        c["database"]["duplicates"] or c["database"]["gaps"] or c["database"]["problems"]
        for c in configs)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
