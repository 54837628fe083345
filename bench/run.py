"""Benchmarks of Rekomstat on SQLite and PostgreSQL: each figure against a baseline of the same run.

    python bench/run.py [--engine sqlite|postgresql|both] [--sizes 1000,10000,100000]
                        [--only list,search,issue,submit,startup,dashboard]
                        [--out results.json]
                        [--fresh] [--smoke] [--pg-url postgresql://postgres@127.0.0.1:5432]

Prints one JSON document (and a table on stderr): per engine, per size, per benchmark the
measured figure, the baseline measured in the same run, their ratio, the target and ``ok``.
``--smoke`` runs everything at 1 000 requests on the engine TEST_DATABASE_URL names (SQLite
when unset), briefly, and exits 1 only when a benchmark crashes (missed targets are reported,
not failed). See bench/README.md for what each figure means and the latest figures.

Data: ``flask init`` + ``flask seed-demo --requests N`` (app/ops/demo.py) into a database kept
between runs — SQLite ``<tmp>/rekomstat-bench/sqlite-N.db``, PostgreSQL ``rekomstat_bench_N``
— regenerated when the generator, models or migrations change (or with ``--fresh``). Every run
works on a copy of it (``rekomstat_bench_N_run_<pid>``, dropped afterwards): issuing letters and the
load test write to it. No other database is ever created, changed or dropped.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import http.client
import http.cookiejar
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
SEED = 1674
DEMO_PASSWORD = "demo-bench-12345"
ADMIN_PASSWORD = "admin-bench-12345"
# One fixed key: sessions made by the bench process work on its gunicorn servers too.
SECRET_KEY = "b3nch" * 12
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_PREFIX = "rekomstat_bench_"
BENCHMARKS = ("list", "search", "issue", "submit", "startup", "dashboard")
IN_PROCESS = ("list", "search", "issue", "dashboard")
PAGE_SIZE = 25  # FAB's ModelView.page_size
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')

TARGETS = {
    "list_ratio": 1.5,          # FAB list page / bare page
    "growth": 2.0,              # page time at the largest size / at the smallest
    "search_p95_ms": 30.0,
    "search_speedup": 10.0,     # naive ILIKE p95 / search p95
    "issue_median_ms": 150.0,
    "submit_ratio": 0.5,        # real form rps / bare Flask writing the same rows
    "cold_start_ms": 2000.0,
    "worker_rss_mb": 150.0,
}

# Timing effort: smoke (CI, < 2 min in all) and the real thing.
EFFORT = {
    "smoke": dict(list_min=3, list_max=5, list_budget=2.0, warmup=1, search_queries=12,
                  search_budget=2.0, search_min_rounds=1, issues=4, submit_s=3.0,
                  submit_rounds=1, starts=2, rss_requests=5),
    "full": dict(list_min=15, list_max=300, list_budget=12.0, warmup=3, search_queries=40,
                 search_budget=12.0, search_min_rounds=3, issues=25, submit_s=10.0,
                 submit_rounds=2, starts=5, rss_requests=20),
}


def log(*parts) -> None:
    print("[bench]", *parts, file=sys.stderr, flush=True)


# --- figures ---------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def ms_stats(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2) if ms else None,
            "p95_ms": round(pct(ms, 95), 2) if ms else None,
            "min_ms": round(min(ms), 2) if ms else None,
            "max_ms": round(max(ms), 2) if ms else None}


def check(figure: str, value, unit: str, target: str, ok: bool, baseline=None,
          ratio=None, note: str = "") -> dict:
    def tidy(x):
        return round(x, 2) if isinstance(x, float) else x

    value, baseline = tidy(value), tidy(baseline)
    out = {"figure": figure, "value": value, "unit": unit, "baseline": baseline,
           "ratio": None if ratio is None else round(ratio, 3), "target": target,
           "ok": None if ok is None else bool(ok)}
    if note:
        out["note"] = note
    return out


def calibrate(rounds: int = 7) -> float:
    """Median ms of a fixed pure-Python loop: how fast this machine is right now."""
    def work():
        d, s = {}, 0
        for i in range(150_000):
            s += (i * i) % 7
            d[i & 1023] = str(i)
        return s

    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 2)


def interleaved(fns: dict, min_reps: int, max_reps: int, budget_s: float, warmup: int) -> dict:
    """Time each function in turn, round after round (noise hits all of them alike)."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples = {name: [] for name in fns}
    started, reps = time.perf_counter(), 0
    while reps < max_reps and (reps < min_reps or time.perf_counter() - started < budget_s):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t0)
        reps += 1
    return samples


# --- environments ------------------------------------------------------------------------------


def app_env(database_url: str, instance: Path) -> dict:
    """The environment of every app process the bench starts: production defaults, except the
    limits (thousands of requests from one address is the test) and no SMTP server; mail is
    left to the outbox sender, as the README's production setup does."""
    env = dict(os.environ)
    for name in ("FAB_UPDATE_PERMS", "TEST_DATABASE_URL", "FLASK_APP", "FLASK_DEBUG",
                 "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)  # production defaults: no permission sync on start, bytecode kept
    env.update({
        "DATABASE_URL": database_url,
        "REKOMSTAT_INSTANCE": str(instance),
        "SECRET_KEY": SECRET_KEY,
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "AUTH_RATE_LIMIT": "1000000 per minute",
        "PUBLIC_FORM_RATE_LIMIT": "1000000 per minute",
        "KIOSK_RATE_LIMIT": "1000000 per minute",
        "AUTH_LOCKOUT": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": "",
        # The README's production setup: a sender process delivers the outbox, requests
        # don't wait on mail (none runs here: the rows stay pending).
        "MAIL_SEND_IN_REQUEST": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        # Compiled bytecode is kept as on a server, but outside the work tree.
        "PYTHONPYCACHEPREFIX": str(cache_dir() / "pycache"),
    })
    return env


def _pg_url(base: str, database: str) -> str:
    import sqlalchemy as sa

    base = base.replace("postgresql://", "postgresql+psycopg://", 1).replace(
        "postgres://", "postgresql+psycopg://", 1)
    return sa.engine.make_url(base).set(database=database).render_as_string(hide_password=False)


def _pg_admin(base: str):
    import sqlalchemy as sa

    return sa.create_engine(_pg_url(base, "postgres"), isolation_level="AUTOCOMMIT")


def _own(name: str) -> str:
    if not re.fullmatch(PG_PREFIX + r"[0-9]+(_run_[0-9]+)?", name):
        raise SystemExit(f"refusing to touch database {name!r}: not a bench database")
    return name


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def code_version() -> str:
    """What the generated data depends on: the generator, the models, the migrations."""
    h = hashlib.sha256()
    files = [ROOT / "app" / "demo.py", ROOT / "app" / "models.py"]
    files += sorted((ROOT / "migrations").rglob("*.py"))
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    path = Path(os.environ.get("BENCH_CACHE_DIR") or Path(tempfile.gettempdir()) / "rekomstat-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Dataset:
    """The kept database of one (engine, size) and this run's working copy of it."""

    def __init__(self, engine: str, size: int, pg_base: str, scratch: Path):
        self.engine, self.size, self.pg_base, self.scratch = engine, size, pg_base, scratch
        self.info: dict = {"requests": size, "seed": SEED}
        if engine == "sqlite":
            self.master_path = cache_dir() / f"sqlite-{size}.db"
            self.marker_path = self.master_path.with_suffix(".json")
            self.master_url = f"sqlite:///{self.master_path}"
            self.work_path = scratch / f"sqlite-{size}.db"
            self.work_url = f"sqlite:///{self.work_path}"
        else:
            self.master_db = _own(f"{PG_PREFIX}{size}")
            self.work_db = _own(f"{PG_PREFIX}{size}_run_{os.getpid()}")
            self.master_url = _pg_url(pg_base, self.master_db)
            self.work_url = _pg_url(pg_base, self.work_db)

    def marker(self) -> dict:
        return {"size": self.size, "seed": SEED, "code": code_version(),
                "password": hashlib.sha256(DEMO_PASSWORD.encode()).hexdigest()[:8]}

    def _read_marker(self):
        if self.engine == "sqlite":
            if self.master_path.exists() and self.marker_path.exists():
                return json.loads(self.marker_path.read_text())
            return None
        import sqlalchemy as sa

        admin = _pg_admin(self.pg_base)
        try:
            with admin.connect() as conn:
                text = conn.execute(sa.text(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = :n"), {"n": self.master_db}).scalar()
        finally:
            admin.dispose()
        try:
            return json.loads(text) if text else None
        except ValueError:
            return None

    def prepare(self, fresh: bool) -> None:
        marker = self.marker()
        stored = None if fresh else self._read_marker()
        if stored and {k: stored.get(k) for k in marker} == marker:
            self.info.update(cached=True, generated_at=stored.get("generated_at"),
                             generation_s=stored.get("generation_s"), rows=stored.get("rows"))
        else:
            self._generate(marker)
        self._copy()

    def _generate(self, marker: dict) -> None:
        import sqlalchemy as sa

        log(f"{self.engine} {self.size}: generating the data (flask init + seed-demo)…")
        started = time.perf_counter()
        target_url = self.master_url
        if self.engine == "sqlite":
            for path in (self.master_path, self.marker_path):
                path.unlink(missing_ok=True)
            # Written aside and renamed when whole: a run that stops half-way leaves no
            # database that looks ready.
            building = self.master_path.with_name(f"{self.master_path.name}.{os.getpid()}.tmp")
            building.unlink(missing_ok=True)
            target_url = f"sqlite:///{building}"
        else:
            admin = _pg_admin(self.pg_base)
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.master_db}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{self.master_db}"'))
            admin.dispose()
        instance = Path(tempfile.mkdtemp(prefix="instance-", dir=self.scratch))
        env = app_env(target_url, instance)
        flask = [sys.executable, "-m", "flask", "--app", "app:create_app"]
        out = ""
        for args in (["init"], ["seed-demo", "--requests", str(self.size), "--seed", str(SEED)]):
            done = subprocess.run(flask + args, cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode:
                raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")
            out = done.stdout
        rows = dict(re.findall(r"(\w+): (\d+)", out))
        rows = {k: int(v) for k, v in rows.items()}
        if self.engine == "postgresql":
            # What autovacuum does soon after a bulk load anyway: planner statistics.
            engine = sa.create_engine(self.master_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
            engine.dispose()
        seconds = round(time.perf_counter() - started, 1)
        marker.update(generated_at=time.strftime("%Y-%m-%d %H:%M:%S"), generation_s=seconds,
                      rows=rows)
        if self.engine == "sqlite":
            os.replace(building, self.master_path)
            self.marker_path.write_text(json.dumps(marker))
        else:
            admin = _pg_admin(self.pg_base)
            with admin.connect() as conn:
                comment = json.dumps(marker).replace("'", "''")
                conn.execute(sa.text(f"COMMENT ON DATABASE \"{self.master_db}\" IS '{comment}'"))
            admin.dispose()
        self.info.update(cached=False, generated_at=marker["generated_at"],
                         generation_s=seconds, rows=rows)
        log(f"{self.engine} {self.size}: generated in {seconds} s")

    def _copy(self) -> None:
        if self.engine == "sqlite":
            shutil.copyfile(self.master_path, self.work_path)
            return
        import sqlalchemy as sa

        admin = _pg_admin(self.pg_base)
        try:
            with admin.connect() as conn:
                # Working copies left by runs of this machine that were killed (their pid is
                # gone); a copy of a run still going is left alone.
                for (name,) in conn.execute(sa.text(
                        "SELECT datname FROM pg_database WHERE datname LIKE :p"),
                        {"p": f"{PG_PREFIX}%_run_%"}):
                    pid = int(name.rsplit("_", 1)[1])
                    if pid != os.getpid() and not _alive(pid):
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_own(name)}" WITH (FORCE)'))
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.work_db}" WITH (FORCE)'))
                for attempt in range(20):  # autovacuum may be visiting the template
                    try:
                        conn.execute(sa.text(
                            f'CREATE DATABASE "{self.work_db}" TEMPLATE "{self.master_db}"'))
                        break
                    except sa.exc.OperationalError:
                        if attempt == 19:
                            raise
                        time.sleep(0.5)
        finally:
            admin.dispose()

    def drop_copy(self) -> None:
        if self.engine == "sqlite":
            self.work_path.unlink(missing_ok=True)
            return
        import sqlalchemy as sa

        admin = _pg_admin(self.pg_base)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.work_db}" WITH (FORCE)'))
        admin.dispose()


# --- the in-process benchmarks (a worker process per engine and size) --------------------------


class SqlCounter:
    """Every statement the engine sends while ``active``."""

    def __init__(self, engine):
        import sqlalchemy as sa

        self.active, self.statements, self.commits = False, [], 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)
        sa.event.listen(engine, "commit", self._commit)

    def _commit(self, conn):
        if self.active:
            self.commits += 1

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.statements.append(" ".join(statement.split()))

    def run(self, fn):
        self.statements, self.commits, self.active = [], 0, True
        try:
            fn()
        finally:
            self.active = False
        return {**self.report(self.statements), "commits": self.commits}

    @staticmethod
    def report(statements: list[str]) -> dict:
        counts = collections.Counter(statements)
        repeated = [{"times": n, "sql": sql[:300]} for sql, n in counts.most_common() if n > 1]
        return {"count": len(statements), "distinct": len(counts), "repeated": repeated,
                "n_plus_one_suspects": [r for r in repeated if r["times"] >= 5],
                "statements": [s[:240] for s in statements]}


def worker_main(spec: dict) -> dict:
    """Runs in a fresh process whose environment app_env() made."""
    sys.path.insert(0, str(ROOT))
    from app import create_app, db

    effort = EFFORT["smoke" if spec["smoke"] else "full"]
    start_calibration = calibrate()
    result: dict = {}
    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    install_bare_list(app)
    install_submit_parts(app)
    with app.app_context():
        counter = SqlCounter(db.engine)
    for name, fn in (("list", bench_list), ("search", bench_search), ("issue", bench_issue),
                     ("dashboard", bench_dashboard), ("submit_in_process", submit_in_process)):
        if name.split("_")[0] not in spec["only"]:
            continue
        log(f"{spec['engine']} {spec['size']}: {name}…")
        try:
            result[name] = fn(app, counter, effort, **(
                {"size": spec["size"]} if name == "search" else {}))
        except Exception:
            result[name] = {"error": traceback.format_exc()[-4000:]}
            log(f"{name} crashed:\n{result[name]['error']}")
    # The machine's speed in this process: the faster of two measures (noise only adds time).
    end_calibration = calibrate()
    result["calibration_ms"] = min(start_calibration, end_calibration)
    result["calibration_ms_start_end"] = [start_calibration, end_calibration]
    return result


def submit_in_process(app, counter: SqlCounter, effort: dict) -> dict:
    """The applicants' form POST through the test client (no CSRF, no server): its SQL and
    where its time goes, to read next to the load figures."""
    import sqlalchemy as sa

    from app.models import Office

    client = app.test_client()
    _login(client, f"pemohon{SEED}_1")
    with app.app_context():
        office_id = app.appbuilder.session.scalar(
            sa.select(sa.func.min(Office.id)).where(Office.code == "1674"))
        app.appbuilder.session.remove()
    form = _form(office_id, "")

    # Each POST starts from the logged-in session: the "Done" messages a browser would show and
    # clear would otherwise pile up in the cookie, and every request would read and sign more.
    session_cookie = client.get_cookie("session").value

    def post():
        client.set_cookie("session", session_cookie)
        answer = client.post("/portal/requests/new", data=form)
        if answer.status_code != 302:
            raise RuntimeError(f"POST /portal/requests/new: {answer.status_code}")

    def part(path):
        def run():
            client.set_cookie("session", session_cookie)
            answer = client.post(path, data=form)
            if answer.status_code != 204:
                raise RuntimeError(f"POST {path}: {answer.status_code}")
        return run

    bare_client = _bare_app(app, office_id).test_client()

    def bare():
        answer = bare_client.post("/submit-same-writes", data=form)
        if answer.status_code != 302:
            raise RuntimeError(f"bare POST /submit-same-writes: {answer.status_code}")

    post()
    sql = counter.run(post)
    samples = interleaved({"post": post, "noop": part("/bench/post-noop"),
                           "form": part("/bench/post-form"), "bare": bare},
                          5, 10 if effort is EFFORT["smoke"] else 30, 5.0, 1)
    medians = {k: statistics.median(v) * 1000 for k, v in samples.items()}
    return {"timings": ms_stats(samples["post"]), "sql_statements": sql["count"],
            "sql": [s[:120] for s in sql["statements"]], "commits": sql["commits"],
            # Medians, ms: what the same POST costs with the view answering at once, with the
            # form built and validated only, and the rest (the domain's work); next to it
            # bench/bare_app.py writing the same rows, through its own test client.
            "parts_ms": {"around_the_view": round(medians["noop"], 2),
                         "form": round(medians["form"] - medians["noop"], 2),
                         "domain": round(medians["post"] - medians["form"], 2),
                         "whole": round(medians["post"], 2),
                         "bare_same_writes": round(medians["bare"], 2)}}


def _bare_app(app, office_id: int):
    """bench/bare_app.py on this process's database (it reads its settings at import)."""
    import sqlalchemy as sa

    from app.models import RekomUser

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        applicant = app.appbuilder.session.scalar(
            sa.select(RekomUser.id).where(RekomUser.username == f"pemohon{SEED}_1"))
        app.appbuilder.session.remove()
    _make_bare_table(url)
    os.environ.update(BENCH_BARE_DATABASE_URL=url, BENCH_BARE_APPLICANT_ID=str(applicant))
    import bare_app  # bench/ is this script's folder

    return bare_app.app


BARE_TEMPLATE = """<!doctype html><html><head><title>Requests</title></head><body>
<p>{{ first }}-{{ last }} / {{ total }}</p>
<table><tr><th>Tracking code</th><th>Title</th><th>Agency</th><th>Year</th><th>Channel</th>
<th>State</th><th>Due date</th><th>30-day promise</th></tr>
{% for r in rows %}<tr><td>{{ r.tracking_code }}</td><td>{{ r.title }}</td><td>{{ r.agency_name }}</td>
<td>{{ r.year }}</td><td>{{ channels.get(r.channel, r.channel) }}</td>
<td>{{ states.get(r.state, r.state) }}</td><td>{{ r.due_date or "" }}</td><td>{{ sla(r) }}</td></tr>
{% endfor %}</table>
{% if page > 1 %}<a href="?page={{ page - 1 }}">prev</a>{% endif %}
{% if last < total %}<a href="?page={{ page + 1 }}">next</a>{% endif %}
</body></html>"""


def install_bare_list(app) -> None:
    """/bench/bare: the officers' list page by hand — the same WHERE, ORDER BY, LIMIT/OFFSET
    and count as FAB's list, only the columns shown, a bare Jinja table (same SLA cell)."""
    import sqlalchemy as sa
    from flask import render_template_string, request

    from app.models import CHANNELS, REQUEST_STATES
    from app.models import ActivityRequest as R
    from app.offices.sla import sla_cell

    states = {k: str(v) for k, v in REQUEST_STATES.items()}
    channels = {k: str(v) for k, v in CHANNELS.items()}

    def bare():
        session = app.appbuilder.session
        office_id = int(request.args["office"])
        page = max(1, request.args.get("page", 1, type=int))
        where = [R.office_id == office_id]
        if request.args.get("state"):
            where.append(R.state == request.args["state"])
        total = session.execute(sa.select(sa.func.count()).select_from(R).where(*where)).scalar()
        rows = session.execute(
            sa.select(R.id, R.office_id, R.tracking_code, R.title, R.agency_name, R.year,
                      R.channel, R.state, R.due_date, R.sent_at, R.clock_paused_at)
            .where(*where).order_by(R.created_at.desc(), R.id.desc())  # FAB breaks ties by the key too
            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
        first = (page - 1) * PAGE_SIZE + 1
        return render_template_string(
            BARE_TEMPLATE, rows=rows, total=total, page=page, first=first,
            last=first + len(rows) - 1, states=states, channels=channels, sla=sla_cell)

    app.add_url_rule("/bench/bare", "bench_bare", bare)


def install_submit_parts(app) -> None:
    """Two stand-ins of the form's POST, registered only in the bench process, to show where a
    submission's time goes: ``/bench/post-noop`` is everything around the view (Flask and its
    extensions, the session, the logged-in user, the form body parsed and checked for bad
    characters) and answers at once; ``/bench/post-form`` also builds and validates the
    applicants' WTForms form. The real POST minus the second is the domain's work: the office,
    the workflow, the writes and the mails."""
    from app.auth.access import login_required
    from app.portal.forms import RequestForm

    @login_required
    def noop():
        return "", 204

    @login_required
    def form_only():
        RequestForm().validate()
        return "", 204

    app.add_url_rule("/bench/post-noop", "bench_post_noop", noop, methods=["POST"])
    app.add_url_rule("/bench/post-form", "bench_post_form", form_only, methods=["POST"])


def _login(client, username: str) -> None:
    answer = client.post("/login/?next=/admin/",
                         data={"username": username, "password": DEMO_PASSWORD})
    if answer.status_code != 302:
        raise RuntimeError(f"{username} could not log in ({answer.status_code})")


def _list_view(app):
    return next(v for v in app.appbuilder.baseviews if type(v).__name__ == "ActivityRequestView")


def _filter_index(view, column: str, filter_name: str) -> int:
    for i, flt in enumerate(view._filters.get_search_filters()[column]):
        if type(flt).__name__ == filter_name:
            return i
    raise LookupError(f"no {filter_name} on {column}")


def bench_list(app, counter: SqlCounter, effort: dict) -> dict:
    import sqlalchemy as sa

    from app.models import ActivityRequest, RekomUser

    client = app.test_client()
    _login(client, "petugas1")
    with app.app_context():
        session = app.appbuilder.session
        office_id = session.scalar(sa.select(RekomUser.office_id)
                                   .where(RekomUser.username == "petugas1"))
        total = session.scalar(sa.select(sa.func.count()).select_from(ActivityRequest)
                               .where(ActivityRequest.office_id == office_id))
        submitted = session.scalar(sa.select(sa.func.count()).select_from(ActivityRequest)
                                   .where(ActivityRequest.office_id == office_id,
                                          ActivityRequest.state == "submitted"))
        session.remove()
    view = _list_view(app)
    eq_state = _filter_index(view, "state", "FilterEqual")
    last_page = max(1, math.ceil(total / PAGE_SIZE))
    deep = min(200, last_page)
    pages = {
        "first": ("page_ActivityRequestView=0", "page=1"),
        "deep": (f"page_ActivityRequestView={deep - 1}", f"page={deep}"),
        # The list with a filter from its search form: state = submitted.
        "filtered": (f"_flt_{eq_state}_state=submitted&page_ActivityRequestView=0",
                     "state=submitted&page=1"),
    }

    def getter(url):
        def get():
            answer = client.get(url)
            if answer.status_code != 200:
                raise RuntimeError(f"GET {url}: {answer.status_code}")
            return answer
        return get

    fns, sql, same_rows = {}, {}, {}
    # Per-row queries (N+1) show as more statements for more rows: the first page with 5 rows.
    small = getter("/activityrequestview/list/?psize_ActivityRequestView=5"
                   "&page_ActivityRequestView=0")
    small()
    sql_5_rows = counter.run(small)["count"]
    for name, (fab_args, bare_args) in pages.items():
        fab = getter(f"/activityrequestview/list/?{fab_args}")
        bare = getter(f"/bench/bare?office={office_id}&{bare_args}")
        fns[f"fab_{name}"], fns[f"bare_{name}"] = fab, bare
        fab(), bare()  # warm
        sql[f"fab_{name}"] = counter.run(fab)
        sql[f"bare_{name}"] = counter.run(bare)
        fab_html, bare_html = fab().get_data(as_text=True), bare().get_data(as_text=True)
        codes = re.findall(r"RKS-[0-9A-Z-]+", bare_html)
        same_rows[name] = bool(codes) and all(code in fab_html for code in codes)
    samples = interleaved(fns, effort["list_min"], effort["list_max"], effort["list_budget"],
                          effort["warmup"])
    timings = {name: ms_stats(s) for name, s in samples.items()}
    out = {"office_rows": total, "submitted_rows": submitted, "deep_page": deep,
           "sql_first_page_5_rows": sql_5_rows,
           "last_page": last_page, "same_rows": same_rows, "timings": timings,
           "sql": {k: {kk: v[kk] for kk in ("count", "distinct", "repeated",
                                            "n_plus_one_suspects")}
                   for k, v in sql.items()},
           "sql_statements_fab_first": sql["fab_first"]["statements"],
           "checks": []}
    for name in pages:
        fab, bare = timings[f"fab_{name}"]["median_ms"], timings[f"bare_{name}"]["median_ms"]
        ratio = fab / bare
        page_no = {"first": 1, "deep": deep, "filtered": 1}[name]
        out["checks"].append(check(
            f"list {name} page (page {page_no}) median, FAB / bare", fab, "ms",
            f"<= {TARGETS['list_ratio']}x bare", ratio <= TARGETS["list_ratio"],
            baseline=bare, ratio=ratio))
    counts = {name: sql[f"fab_{name}"]["count"] for name in pages}
    counts["first_5_rows"] = sql_5_rows
    out["checks"].append(check(
        "list SQL statements per page (first/deep/filtered/5 rows)", counts, "statements",
        "the same on every page, page size and data size (no N+1)",
        len(set(counts.values())) == 1,
        baseline={name: sql[f"bare_{name}"]["count"] for name in pages},
        note="most repeated: " + "; ".join(
            f"{r['times']}x {r['sql'][:90]}" for r in sql["fab_first"]["repeated"][:2])))
    return out


def bench_dashboard(app, counter: SqlCounter, effort: dict) -> dict:
    """The officer's service dashboard (its default period), reported: the issue sets it no
    target. Next to it, the share of its time spent in the database driver, and the letters
    sent in the period, the rows its slowest figure (working days to letter) goes through."""
    import sqlalchemy as sa

    client = app.test_client()
    _login(client, "petugas1")

    def get():
        answer = client.get("/dashboard/")
        if answer.status_code != 200:
            raise RuntimeError(f"GET /dashboard/: {answer.status_code}")

    get()
    driver = []
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine

    def before(conn, *args):
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn, *args):
        driver.append(time.perf_counter() - conn.info.pop("bench_t0"))

    sql = counter.run(get)
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        get()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    in_driver_ms = sum(driver) * 1000
    samples = interleaved({"dashboard": get}, 2 if effort is EFFORT["smoke"] else 5,
                          5 if effort is EFFORT["smoke"] else 30,
                          1.0 if effort is EFFORT["smoke"] else 8.0, 1)["dashboard"]
    timings = ms_stats(samples)
    return {"timings": timings, "sql_statements": sql["count"],
            "sql_ms_one_page": round(in_driver_ms, 1),
            "checks": [check("dashboard (officer, default period) median", timings["median_ms"],
                             "ms", "reported", None, note=f"{sql['count']} statements, "
                             f"{in_driver_ms:.0f} ms of one page in the database driver")]}


def _search_queries(session, n: int) -> list[str]:
    """Words people type, drawn from the catalogue itself (seeded): one or two words of a
    title, an agency or a sector, some cut short as while typing, and a word found nowhere."""
    import sqlalchemy as sa

    from app.catalogue import search as s

    rows = session.execute(
        sa.select(s._R.c.title, s._R.c.agency_name, s._R.c.sector).select_from(s._catalogue_from())
        .where(s._recommended()).order_by(s._R.c.id).limit(5000)).all()
    rng = random.Random(SEED)
    stop = s.SIMILAR_STOPWORDS | {"di", "tahun"}
    queries = []
    while rows and len(queries) < n - 1:
        title, agency, sector = rng.choice(rows)
        source = rng.choices([title, agency or title, sector or title], weights=(6, 2, 1))[0]
        words = [w for w in s.terms(source, max_terms=40) if w not in stop and len(w) > 3
                 and not w.isdigit()]
        if not words:
            continue
        i = rng.randrange(len(words))
        q = " ".join(words[i:i + rng.choice((1, 1, 2))])
        if rng.random() < 0.25 and len(q) > 5:
            q = q[: rng.randint(4, len(q) - 1)]  # still typing
        if q not in queries:
            queries.append(q)
    queries.append("xylofonqz")  # no hit: the whole index says no
    return queries


def naive_search(session, q: str, per_page: int = 20):
    """The baseline: every word as ILIKE '%word%' on the activity's text columns."""
    import sqlalchemy as sa

    from app.catalogue import search as s

    conditions = [s._recommended()]
    for word in s.terms(q):
        pattern = f"%{word}%"
        conditions.append(sa.or_(*(col.ilike(pattern) for col in (
            s._R.c.title, s._R.c.objectives, s._R.c.agency_name, s._R.c.agency_unit,
            s._R.c.sector))))
    where = sa.and_(*conditions)
    source = s._catalogue_from()
    total = session.execute(sa.select(sa.func.count()).select_from(source).where(where)).scalar()
    rows = session.execute(
        sa.select(*s._hit_columns()).select_from(source).where(where)
        .order_by(s._L.c.issued_at.desc(), s._R.c.id.desc()).limit(per_page)).all()
    return total, rows


def bench_search(app, counter: SqlCounter, effort: dict, size: int = 0) -> dict:
    import sqlalchemy as sa

    from app.catalogue import search as s

    client = app.test_client()  # anonymous: the catalogue is public
    with app.app_context():
        session = app.appbuilder.session
        catalogue = session.execute(sa.select(sa.func.count()).select_from(s._catalogue_from())
                                    .where(s._recommended())).scalar()
        queries = _search_queries(session, effort["search_queries"])
        texts = [" ".join(filter(None, row)) for row in session.execute(
            sa.select(s._R.c.title, s._R.c.objectives).select_from(s._catalogue_from())
            .where(s._recommended()).order_by(s._R.c.id.desc()).limit(10)).all()]
        hits = {}
        for q in queries:  # warm both, and see they find about the same
            hits[q] = {"search": s.search(session, q=q).total, "naive": naive_search(session, q)[0]}
        fast, naive, similar, facets = [], [], [], []
        by_query = {q: ([], []) for q in queries}
        started, rounds = time.perf_counter(), 0
        while rounds < effort["search_min_rounds"] or (
                time.perf_counter() - started < effort["search_budget"] and rounds < 50):
            for q in queries:
                t0 = time.perf_counter()
                s.search(session, q=q)
                fast.append(time.perf_counter() - t0)
                by_query[q][0].append(fast[-1])
                t0 = time.perf_counter()
                naive_search(session, q)
                naive.append(time.perf_counter() - t0)
                by_query[q][1].append(naive[-1])
            for text in texts:
                t0 = time.perf_counter()
                s.similar(session, text, limit=5)
                similar.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            s.facets(session)  # the catalogue page's year/agency/sector lists
            facets.append(time.perf_counter() - t0)
            rounds += 1
        sql_search = counter.run(lambda: s.search(session, q=queries[0]))
        session.remove()

    page = []
    urls = [f"/catalogue/?q={urllib.parse.quote(q)}" for q in queries]
    for url in urls[:3]:
        client.get(url)
    sql_page = counter.run(lambda: client.get(urls[0]))
    started = time.perf_counter()
    for _ in range(effort["search_min_rounds"]):
        for url in urls:
            t0 = time.perf_counter()
            answer = client.get(url)
            page.append(time.perf_counter() - t0)
            if answer.status_code != 200:
                raise RuntimeError(f"GET {url}: {answer.status_code}")
        if time.perf_counter() - started > effort["search_budget"]:
            break
    fast_s, naive_s = ms_stats(fast), ms_stats(naive)
    page_s, similar_s = ms_stats(page), ms_stats(similar)
    speedup = naive_s["p95_ms"] / fast_s["p95_ms"]
    return {
        "catalogue_activities": catalogue, "queries": queries, "hits": hits,
        "timings": {"search": fast_s, "naive_ilike": naive_s, "catalogue_page": page_s,
                    "similar": similar_s, "facets": ms_stats(facets)},
        # Slowest first: the words that match most of the catalogue cost most.
        "per_query": dict(sorted(
            ((q, {"hits": hits[q]["search"],
                  "search_median_ms": round(statistics.median(f) * 1000, 2),
                  "naive_median_ms": round(statistics.median(n) * 1000, 2)})
             for q, (f, n) in by_query.items()),
            key=lambda kv: -kv[1]["search_median_ms"])),
        "sql": {"search": sql_search["count"],
                "catalogue_page": sql_page["count"],
                "catalogue_page_statements": sql_page["statements"]},
        "checks": [
            check("search() p95", fast_s["p95_ms"], "ms", f"<= {TARGETS['search_p95_ms']} ms",
                  fast_s["p95_ms"] <= TARGETS["search_p95_ms"]),
            check("search() speed-up over naive ILIKE (p95)", fast_s["p95_ms"], "ms",
                  f">= {TARGETS['search_speedup']}x faster at 100k",
                  speedup >= TARGETS["search_speedup"] if size >= 100_000 else None,
                  baseline=naive_s["p95_ms"], ratio=speedup,
                  note="" if size >= 100_000 else "the target is for 100k: informative here"),
            check("/catalogue/?q= page p95", page_s["p95_ms"], "ms",
                  f"<= {TARGETS['search_p95_ms']} ms", page_s["p95_ms"] <= TARGETS["search_p95_ms"],
                  baseline=fast_s["p95_ms"], ratio=page_s["p95_ms"] / fast_s["p95_ms"],
                  note="the whole page; baseline: search() alone"),
        ],
    }


def bench_issue(app, counter: SqlCounter, effort: dict) -> dict:
    import sqlalchemy as sa

    from app.letters import document as letters
    from app.requests import workflow
    from app.models import ActivityRequest, Letter, RekomUser

    n = effort["issues"]
    warm = 2
    with app.test_request_context("/"):
        session = app.appbuilder.session
        sm = app.appbuilder.sm
        head = sm.find_user(username="kepala")
        office_id = head.office_id
        users = {u.id: u for u in session.scalars(sa.select(RekomUser).where(
            RekomUser.username.in_(("petugas1", "petugas2"))))}
        drafted = list(session.scalars(
            sa.select(ActivityRequest.id).where(ActivityRequest.office_id == office_id,
                                                ActivityRequest.state == "letter_drafted")
            .order_by(ActivityRequest.id).limit(n + warm)))
        made = 0
        if len(drafted) < n + warm:  # draft more from verified requests, as the officer would
            verified = session.execute(
                sa.select(ActivityRequest.id, ActivityRequest.officer_id)
                .where(ActivityRequest.office_id == office_id,
                       ActivityRequest.state == "verified")
                .order_by(ActivityRequest.id).limit(n + warm - len(drafted))).all()
            for req_id, officer_id in verified:
                officer = users.get(officer_id) or next(iter(users.values()))
                workflow.apply(session, req_id, "draft_letter", officer)
                drafted.append(req_id)
                made += 1
        if len(drafted) < warm + 1:
            raise RuntimeError(f"only {len(drafted)} letters to issue")

        # Where the time goes, on the first draft: HTML (with the QR code) and the PDF.
        letter = session.scalar(sa.select(Letter).where(Letter.request_id == drafted[0]))
        url = workflow.verify_url(letter.verification_code)
        parts = {"qr_png": [], "render_html": [], "render_pdf": []}
        for _ in range(3):
            t0 = time.perf_counter()
            letters.qr_png(url)
            parts["qr_png"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            html = letters.render_html(letter, verify_url=url)
            parts["render_html"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pdf = letters.render_pdf(html)
            parts["render_pdf"].append(time.perf_counter() - t0)
        session.rollback()

        # Baseline: one row of the same size (the PDF) inserted and committed, nothing else.
        bare_table = sa.table("bench_bare_letter", sa.column("id"), sa.column("number"),
                              sa.column("pdf"), sa.column("sha256"))
        session.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_bare_letter (id INTEGER "
                                "PRIMARY KEY, number VARCHAR(80), pdf " +
                                ("BYTEA" if session.get_bind().dialect.name == "postgresql"
                                 else "BLOB") + ", sha256 VARCHAR(64))"))
        session.commit()
        bare = []
        for i in range(n):
            t0 = time.perf_counter()
            session.execute(sa.insert(bare_table).values(
                id=i + 1, number=f"B-{i}", pdf=pdf, sha256=letters.sha256_hex(pdf)))
            session.commit()
            bare.append(time.perf_counter() - t0)

        issue, sql_counts, first = [], [], []
        for i, req_id in enumerate(drafted):
            counter.statements, counter.active = [], True
            t0 = time.perf_counter()
            try:
                workflow.apply(session, req_id, "issue", head)
            finally:
                counter.active = False
            (first if i < warm else issue).append(time.perf_counter() - t0)
            sql_counts.append(len(counter.statements))
        issue_sql = SqlCounter.report(counter.statements)

        # The step after: "send" writes the outbox row (the e-mail with the PDF).
        send = []
        for req_id in drafted[warm:]:
            officer_id = session.scalar(sa.select(ActivityRequest.officer_id)
                                        .where(ActivityRequest.id == req_id))
            officer = users.get(officer_id) or next(iter(users.values()))
            t0 = time.perf_counter()
            workflow.apply(session, req_id, "send", officer)
            send.append(time.perf_counter() - t0)
        session.remove()

    issue_s, bare_s, send_s = ms_stats(issue), ms_stats(bare), ms_stats(send)
    median = issue_s["median_ms"]
    return {
        "letters_issued": len(issue) + len(first), "drafted_for_the_bench": made,
        "pdf_bytes": len(pdf),
        "timings": {"issue": issue_s, "issue_first_two": ms_stats(first),
                    "bare_insert_commit_of_the_pdf": bare_s, "send": send_s,
                    **{k: ms_stats(v) for k, v in parts.items()}},
        "sql": {"per_issue": sql_counts, "last_issue": issue_sql},
        "checks": [check("letter issue (number + PDF + QR) median", median, "ms",
                         f"<= {TARGETS['issue_median_ms']:.0f} ms",
                         median <= TARGETS["issue_median_ms"], baseline=bare_s["median_ms"],
                         ratio=median / bare_s["median_ms"],
                         note="baseline: INSERT + COMMIT of a row with the same PDF")],
    }


def run_worker(ds: Dataset, only: list[str], smoke: bool, scratch: Path) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="instance-", dir=scratch))
    env = app_env(ds.work_url, instance)
    spec = {"engine": ds.engine, "size": ds.size, "only": only, "smoke": smoke}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker",
                           json.dumps(spec)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          text=True)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("BENCH-RESULT "):
            return json.loads(line[len("BENCH-RESULT "):])
    error = {"error": f"worker exited {done.returncode} without a result"}
    return {name: error for name in only}


# --- servers: submission load and the worker's memory -------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn, 2 sync workers, on a free loopback port."""

    def __init__(self, target: str, env: dict, chdir: Path = ROOT, workers: int = 2):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{self.port}", "--timeout", "120", "--log-level", "warning",
             "--chdir", str(chdir), target],
            cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(self.base + "/", timeout=30).read()
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"gunicorn {target} did not start")
                time.sleep(0.2)

    def workers_rss_mb(self) -> list[float]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(entry)
        rss = []
        for entry in pids:
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss.append(round(int(line.split()[1]) / 1024, 1))
        return sorted(rss)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str):
        self.base, self.jar = base, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def call(self, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body),
                                  timeout=60) as answer:
                return answer.status, answer.read().decode("utf-8", "replace"), dict(answer.headers)
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace"), dict(err.headers)

    def token(self, path: str) -> str:
        _, page, _ = self.call(path)
        found = CSRF.search(page)
        return (found.group(1) or found.group(2)) if found else ""

    def log_in(self, username: str) -> None:
        status, _, _ = self.call("/login/?next=/admin/",
                                 {"username": username, "password": DEMO_PASSWORD,
                                             "csrf_token": self.token("/login/")})
        if status != 302:
            raise RuntimeError(f"{username} could not log in ({status})")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def _form(office_id: int, token: str) -> dict:
    """The applicant's form as load.py posts it: a complete survey, submitted at once."""
    from load import applicant_form  # bench/ is this script's folder

    return applicant_form(office_id, token, "Survei Bench Beban Kerja Puskesmas")


WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = %(body)s
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = %(cookie)s
done = function(summary, latency, requests)
  io.write(string.format(
    "WRK-JSON {\\"requests\\":%%d,\\"duration_us\\":%%d,\\"status_errors\\":%%d," ..
    "\\"connect\\":%%d,\\"read\\":%%d,\\"write\\":%%d,\\"timeout\\":%%d," ..
    "\\"p50_us\\":%%d,\\"p95_us\\":%%d}\\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load(url: str, body: str, cookie: str, seconds: float, scratch: Path,
         connections: int = 4) -> dict:
    """Requests per second of POSTs to url for a bounded time: wrk, else Python threads."""
    if shutil.which("wrk"):
        script = scratch / f"post-{secrets.token_hex(4)}.lua"
        script.write_text(WRK_SCRIPT % {"body": _lua(body), "cookie": _lua(cookie)})
        done = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                               "--timeout", "30s", "-s", str(script), url],
                              capture_output=True, text=True)
        found = re.search(r"WRK-JSON (\{.*\})", done.stdout)
        if not found:
            raise RuntimeError(f"wrk: {done.stdout[-500:]} {done.stderr[-500:]}")
        r = json.loads(found.group(1))
        errors = r["status_errors"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
        return {"tool": "wrk", "requests": r["requests"], "errors": errors,
                "seconds": round(r["duration_us"] / 1e6, 2),
                "rps": round(r["requests"] / (r["duration_us"] / 1e6), 1),
                "p50_ms": round(r["p50_us"] / 1000, 1), "p95_ms": round(r["p95_us"] / 1000, 1)}
    return _python_load(url, body, cookie, seconds, connections)


def _python_load(url: str, body: str, cookie: str, seconds: float, connections: int) -> dict:
    parsed = urllib.parse.urlsplit(url)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    lock, times, errors = threading.Lock(), [], [0]
    stop_at = time.monotonic() + seconds

    def user():
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                conn.request("POST", parsed.path, body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                ok = answer.status < 400
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
            with lock:
                times.append(time.perf_counter() - t0)
                errors[0] += not ok
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=user) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {"tool": "python-threads", "requests": len(times), "errors": errors[0],
            "seconds": round(elapsed, 2), "rps": round(len(times) / elapsed, 1),
            "p50_ms": round(pct(times, 50) * 1000, 1), "p95_ms": round(pct(times, 95) * 1000, 1)}


def _make_bare_table(url: str) -> None:
    """bench_bare_request: activity_request's columns, no constraint, trigger or index."""
    import sqlalchemy as sa

    sys.path.insert(0, str(ROOT))
    from app.models import ActivityRequest

    metadata = sa.MetaData()
    columns = [sa.Column(c.name, c.type, primary_key=c.primary_key,
                         autoincrement=c.primary_key, nullable=not c.primary_key)
               for c in ActivityRequest.__table__.columns]
    table = sa.Table("bench_bare_request", metadata, *columns)
    engine = sa.create_engine(url)
    table.drop(engine, checkfirst=True)
    table.create(engine)
    engine.dispose()


def _count(url: str, sql: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(sa.text(sql)).scalar()
    engine.dispose()
    return int(value or 0)


def bench_submit(ds: Dataset, effort: dict, scratch: Path) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="instance-", dir=scratch))
    env = app_env(ds.work_url, instance)
    _make_bare_table(ds.work_url)
    office_id = _count(ds.work_url, "SELECT min(id) FROM office WHERE code = '1674'") or \
        _count(ds.work_url, "SELECT min(id) FROM office")
    applicant = f"pemohon{SEED}_1"
    applicant_id = _count(ds.work_url, f"SELECT id FROM ab_user WHERE username = '{applicant}'")
    bare_env = dict(env, BENCH_BARE_DATABASE_URL=ds.work_url,
                    BENCH_BARE_APPLICANT_ID=str(applicant_id))
    title = "Survei Bench Beban Kerja Puskesmas"
    real_rows = (f"FROM activity_request WHERE title = '{title}' "
                 "AND tracking_code NOT LIKE 'BRE-%'")
    real = Server("wsgi:app", env)
    try:
        browser = Browser(real.base)
        browser.log_in(applicant)
        token = browser.token("/portal/requests/new")
        body = urllib.parse.urlencode(_form(office_id, token))
        status, _, headers = browser.call("/portal/requests/new", _form(office_id, token))
        location = headers.get("Location", "")
        if status != 302 or "/portal/requests/" not in location:
            raise RuntimeError(f"the form was not accepted: {status} {location}")
        cookie = browser.cookie_header()
        bare = Server("bare_app:app", bare_env, chdir=BENCH)
        try:
            before = _count(ds.work_url, "SELECT count(*) " + real_rows)
            paths = {"real": (real, "/portal/requests/new"), "bare": (bare, "/submit"),
                     "same_writes": (bare, "/submit-same-writes")}
            runs = {name: [] for name in paths}
            order = list(paths) if effort["submit_rounds"] == 1 else \
                (list(paths) + list(reversed(paths))) * (effort["submit_rounds"] // 2)
            for which in order:
                server, path = paths[which]
                runs[which].append(load(server.base + path, body, cookie, effort["submit_s"],
                                        scratch))
            rss_real, rss_bare = real.workers_rss_mb(), bare.workers_rss_mb()
        finally:
            bare.stop()
    finally:
        real.stop()  # graceful: the requests under way finish first
    after = _count(ds.work_url, "SELECT count(*) " + real_rows)
    states = _count(ds.work_url, "SELECT count(*) " + real_rows + " AND state = 'submitted'")
    rps = {k: statistics.median(r["rps"] for r in v) for k, v in runs.items()}
    errors = sum(r["errors"] for v in runs.values() for r in v)
    ratio = rps["real"] / rps["same_writes"]
    return {
        "gunicorn_workers": 2, "tool": runs["real"][0]["tool"], "runs": runs,
        "csrf": "on (token and session cookie of a logged-in applicant)",
        "rows_written_by_real_form": after - before,
        "all_submitted": after == states,
        "worker_rss_mb": {"real": rss_real, "bare": rss_bare},
        "checks": [
            check("public form submit rps, real / bare same writes", rps["real"], "req/s",
                  f">= {TARGETS['submit_ratio']:.0%} of bare", ratio >= TARGETS["submit_ratio"]
                  and errors == 0, baseline=rps["same_writes"], ratio=ratio,
                  note=(f"{errors} errors; " if errors else "") + "baseline: bare Flask "
                  "writing the same rows in one transaction (bench/bare_app.py)"),
            check("public form submit rps, real / bare one-row insert", rps["real"], "req/s",
                  "reported", None, baseline=rps["bare"], ratio=rps["real"] / rps["bare"],
                  note="baseline: one INSERT into a table without constraints, indexes or "
                  "triggers; the gap to the line above is the domain's own writes"),
            check("gunicorn worker RSS after the load (max)", max(rss_real) if rss_real else None,
                  "MB", f"<= {TARGETS['worker_rss_mb']:.0f} MB",
                  bool(rss_real) and max(rss_real) <= TARGETS["worker_rss_mb"],
                  baseline=max(rss_bare) if rss_bare else None,
                  ratio=(max(rss_real) / max(rss_bare)) if rss_real and rss_bare else None,
                  note="baseline: the bare app's worker"),
        ],
    }


STARTUP_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
seen = []
event.listen(Engine, "before_cursor_execute", lambda c, cur, s, *a: seen.append(s))
from app import create_app
t1 = time.perf_counter()
app = create_app()
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "create_app_s": t2 - t1, "sql": seen[:20],
                  "sql_count": len(seen), "perms_sync": app.config.get("FAB_UPDATE_PERMS")}))
"""


def bench_startup(ds: Dataset, effort: dict, scratch: Path) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="instance-", dir=scratch))
    env = app_env(ds.work_url, instance)
    commands = {
        "app": [sys.executable, "-c", "from app import create_app; create_app()"],
        "baseline": [sys.executable, "-c", "import flask, flask_appbuilder, sqlalchemy"],
    }
    times = {k: [] for k in commands}
    for cmd in commands.values():  # once untimed: the bytecode cache is written, as on a server
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    for _ in range(effort["starts"]):
        for name, cmd in commands.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
            times[name].append(time.perf_counter() - t0)
    no_pyc = dict(env, PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=str(scratch / "nopyc"))
    t0 = time.perf_counter()
    subprocess.run(commands["app"], cwd=ROOT, env=no_pyc, check=True, capture_output=True)
    without_bytecode_ms = round((time.perf_counter() - t0) * 1000, 1)
    probe = subprocess.run([sys.executable, "-c", STARTUP_PROBE], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=True)
    probe = json.loads(probe.stdout.strip().splitlines()[-1])

    # Memory: a worker after serving the pages people use (officer list, catalogue, form).
    server = Server("wsgi:app", env)
    try:
        rss_start = server.workers_rss_mb()
        officer, applicant = Browser(server.base), Browser(server.base)
        officer.log_in("petugas1")
        applicant.log_in(f"pemohon{SEED}_1")
        for i in range(effort["rss_requests"]):
            for who, path in ((officer, "/activityrequestview/list/"),
                              (officer, f"/activityrequestview/list/?page_ActivityRequestView={i}"),
                              (officer, "/admin/"), (applicant, "/catalogue/?q=survei"),
                              (applicant, "/portal/requests/new"), (applicant, "/portal/")):
                who.call(path)
        rss = server.workers_rss_mb()
    finally:
        server.stop()
    app_ms = statistics.median(times["app"]) * 1000
    base_ms = statistics.median(times["baseline"]) * 1000
    return {
        "runs": {k: [round(t * 1000, 1) for t in v] for k, v in times.items()},
        "app_without_bytecode_cache_ms": without_bytecode_ms,
        "in_process": {"import_ms": round(probe["import_s"] * 1000, 1),
                       "create_app_ms": round(probe["create_app_s"] * 1000, 1),
                       "sql_statements_at_start": probe["sql_count"],
                       "sql_at_start": probe["sql"], "FAB_UPDATE_PERMS": probe["perms_sync"]},
        "worker_rss_mb": {"after_start": rss_start, "after_requests": rss},
        "checks": [
            check("cold start (python -c create_app()) median", round(app_ms, 1), "ms",
                  f"<= {TARGETS['cold_start_ms']:.0f} ms", app_ms <= TARGETS["cold_start_ms"],
                  baseline=round(base_ms, 1), ratio=app_ms / base_ms,
                  note="baseline: python -c 'import flask, flask_appbuilder, sqlalchemy'"),
            check("no SQL (no permission sync) at start", probe["sql_count"], "statements", "0",
                  probe["sql_count"] == 0),
            check("gunicorn worker RSS after serving pages (max)", max(rss) if rss else None,
                  "MB", f"<= {TARGETS['worker_rss_mb']:.0f} MB",
                  bool(rss) and max(rss) <= TARGETS["worker_rss_mb"],
                  baseline=min(rss_start) if rss_start else None,
                  ratio=(max(rss) / min(rss_start)) if rss and rss_start else None,
                  note="baseline: the worker just after start"),
        ],
    }


# --- the run -----------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text()
                          .splitlines() if line.startswith("MemTotal:")))
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "app"], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip())
    except OSError:
        commit, dirty = "", None
    return {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "nproc": os.cpu_count(),
            "cpu": cpu, "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "load_avg": os.getloadavg(),
            "git": commit, "app_changed_since_commit": dirty,
            "wrk": bool(shutil.which("wrk"))}


def growth(engine_result: dict) -> dict | None:
    """List page time from the smallest size to each larger one, raw and per calibration."""
    sizes = sorted((int(s), r) for s, r in engine_result["sizes"].items()
                   if isinstance(r.get("list"), dict) and "timings" in r["list"])
    if len(sizes) < 2:
        return None
    base_size, base = sizes[0]
    out = {"from": base_size, "pages": {}, "checks": []}
    for page in ("first", "deep"):
        t0 = base["list"]["timings"][f"fab_{page}"]["median_ms"]
        c0 = base.get("calibration_ms") or 1
        for size, res in sizes[1:]:
            t = res["list"]["timings"][f"fab_{page}"]["median_ms"]
            c = res.get("calibration_ms") or 1
            raw, norm = t / t0, (t / c) / (t0 / c0)
            out["pages"][f"{page} {base_size}->{size}"] = {
                "ms": [t0, t], "raw": round(raw, 2), "per_calibration": round(norm, 2),
                "pages_compared": [base["list"]["deep_page"], res["list"]["deep_page"]]
                if page == "deep" else [1, 1]}
            out["checks"].append(check(
                f"list {page} page growth {base_size} -> {size} (per CPU calibration)", t, "ms",
                f"<= {TARGETS['growth']}x", norm <= TARGETS["growth"], baseline=t0, ratio=norm))
    counts = {size: res["list"]["sql"]["fab_first"]["count"] for size, res in sizes}
    out["checks"].append(check("list SQL statements per page across sizes", counts,
                               "statements", "constant", len(set(counts.values())) == 1))
    return out


def summary_rows(result: dict) -> list[dict]:
    rows = []
    for engine, er in result["engines"].items():
        blocks = [(size, name, block) for size, sr in er["sizes"].items()
                  for name, block in sr.items() if isinstance(block, dict)]
        blocks += [("-", name, er[name]) for name in ("startup", "growth")
                   if isinstance(er.get(name), dict)]
        for size, name, block in blocks:
            if "error" in block:
                rows.append({"engine": engine, "size": size, "benchmark": name,
                             "figure": "CRASHED", "ok": False, "crashed": True,
                             "error": block["error"].strip().splitlines()[-1][:300]})
            for c in block.get("checks", []):
                rows.append({"engine": engine, "size": size, "benchmark": name, **c})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| engine | size | benchmark | figure | value | baseline | ratio | target | ok |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        if r.get("crashed"):
            lines.append(f"| {r['engine']} | {r['size']} | {r['benchmark']} | CRASHED: "
                         f"{r['error']} | | | | | no |")
            continue
        value = r["value"]
        value = json.dumps(value) if isinstance(value, dict) else value
        base = r.get("baseline")
        base = json.dumps(base) if isinstance(base, dict) else base
        lines.append(f"| {r['engine']} | {r['size']} | {r['benchmark']} | {r['figure']} | "
                     f"{value} {r['unit']} | {'' if base is None else base} | "
                     f"{'' if r.get('ratio') is None else r['ratio']} | {r['target']} | "
                     f"{ {True: 'yes', False: '**no**', None: 'n/a'}[r['ok']] } |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated numbers of demo requests (e.g. 1000,10000,100000)")
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help="comma-separated subset of " + ",".join(BENCHMARKS))
    parser.add_argument("--out", help="also write the JSON document here")
    parser.add_argument("--fresh", action="store_true", help="regenerate the kept databases")
    parser.add_argument("--smoke", action="store_true",
                        help="every benchmark at 1000 on TEST_DATABASE_URL's engine, briefly; "
                             "exit 1 only if one crashes")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL") or (
        os.environ.get("TEST_DATABASE_URL") if (os.environ.get("TEST_DATABASE_URL") or "")
        .startswith("postgres") else PG_DEFAULT),
        help="server of the PostgreSQL bench databases (its database name is ignored)")
    parser.add_argument("--keep", action="store_true", help="keep this run's working copies")
    parser.add_argument("--prepare-only", action="store_true",
                        help="only generate (or check) the kept databases, measure nothing")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print("BENCH-RESULT " + json.dumps(worker_main(json.loads(args.worker)), default=str))
        return 0

    if args.smoke:
        test_url = os.environ.get("TEST_DATABASE_URL") or ""
        engines = ["postgresql" if test_url.startswith("postgres") else "sqlite"]
        sizes = [1000]
        only = list(BENCHMARKS)
    else:
        engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        only = [b.strip() for b in args.only.split(",") if b.strip()]
        unknown = set(only) - set(BENCHMARKS)
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    effort = EFFORT["smoke" if args.smoke else "full"]
    result = {"machine": machine(), "mode": "smoke" if args.smoke else "full",
              "targets": TARGETS, "engines": {}}
    scratch = Path(tempfile.mkdtemp(prefix="rekomstat-bench-run-"))
    started = time.perf_counter()
    try:
        for engine in engines:
            er = result["engines"][engine] = {"sizes": {}}
            for i, size in enumerate(sizes):
                sr = er["sizes"][str(size)] = {}
                ds = Dataset(engine, size, args.pg_url, scratch)
                try:
                    ds.prepare(args.fresh)
                except Exception:
                    sr["data"] = {"error": traceback.format_exc()[-4000:]}
                    log(f"{engine} {size}: data could not be prepared:\n{sr['data']['error']}")
                    continue
                sr["data"] = ds.info
                if args.prepare_only:
                    ds.drop_copy()
                    continue
                try:
                    wanted = [b for b in (*IN_PROCESS, "submit") if b in only]
                    if wanted:
                        sr.update(run_worker(ds, wanted, args.smoke, scratch))
                    # Before the load test: its thousands of rows for one applicant would make
                    # that applicant's portal page, and so the worker's memory, unlike any real one.
                    if "startup" in only and i == 0:
                        log(f"{engine} {size}: startup…")
                        try:
                            er["startup"] = bench_startup(ds, effort, scratch)
                            er["startup"]["size"] = size
                        except Exception:
                            er["startup"] = {"error": traceback.format_exc()[-4000:]}
                    if "submit" in only:
                        log(f"{engine} {size}: submit (gunicorn + load)…")
                        try:
                            sr["submit"] = bench_submit(ds, effort, scratch)
                            inproc = sr["submit"]["in_process"] = sr.pop("submit_in_process",
                                                                         None)
                            parts = (inproc or {}).get("parts_ms")
                            if parts:
                                sr["submit"]["checks"].append(check(
                                    "form POST in process (test client), real / bare same "
                                    "writes", parts["whole"], "ms", "reported", None,
                                    baseline=parts["bare_same_writes"],
                                    ratio=parts["whole"] / parts["bare_same_writes"],
                                    note=f"around the view {parts['around_the_view']} ms, "
                                    f"form {parts['form']} ms, domain {parts['domain']} ms"))
                        except Exception:
                            sr["submit"] = {"error": traceback.format_exc()[-4000:]}
                finally:
                    if not args.keep:
                        ds.drop_copy()
            er["growth"] = growth(er)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    result["seconds"] = round(time.perf_counter() - started, 1)
    rows = summary_rows(result)
    result["summary"] = rows
    result["missed"] = [f"{r['engine']} {r['size']} {r['benchmark']}: {r['figure']}"
                        for r in rows if r["ok"] is False]
    result["crashed"] = [f"{r['engine']} {r['size']} {r['benchmark']}: {r.get('error')}"
                         for r in rows if r.get("crashed")]
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    print(table(rows), file=sys.stderr)
    return 1 if result["crashed"] else 0


if __name__ == "__main__":
    sys.exit(main())
