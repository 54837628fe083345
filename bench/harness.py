"""The shared pieces of the benchmarks (bench/run.py runs them): settings and targets, the
figures (percentiles, interleaved timing, checks), the app processes' environment, the kept
databases and their working copies, the SQL counter, gunicorn servers and a browser, and the
summary. One module, imported by run.py and by every bench_*.py, so that a benchmark and its
baseline always share the same constants, environment and way of timing.
"""
from __future__ import annotations

import collections
import hashlib
import http.cookiejar
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
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
# Every bench process (the seeding one, each worker) encrypts and reads identity numbers with
# the same key; each has an instance folder of its own, which would otherwise make one each.
IDENTITY_KEY = "YmVuY2gtcmVrb21zdGF0LWlkZW50aXR5LWtleS0zMiE="
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
        "IDENTITY_KEYS": IDENTITY_KEY,
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
    files = [ROOT / "app" / "ops" / "demo.py", ROOT / "app" / "models.py"]
    files += sorted((ROOT / "migrations").rglob("*.py"))
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    default = Path(tempfile.gettempdir()) / "rekomstat-bench"
    path = Path(os.environ.get("BENCH_CACHE_DIR") or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _from_template(conn, name: str, template: str, options: str = "") -> None:
    """CREATE DATABASE name TEMPLATE template (dropped first), on an AUTOCOMMIT connection."""
    import sqlalchemy as sa

    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    for attempt in range(20):  # autovacuum may be visiting the template
        try:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{options}'))
            return
        except sa.exc.OperationalError:
            if attempt == 19:
                raise
            time.sleep(0.5)


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
                "password": hashlib.sha256(DEMO_PASSWORD.encode()).hexdigest()[:8],
                "identity_key": hashlib.sha256(IDENTITY_KEY.encode()).hexdigest()[:8]}

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
                        conn.execute(sa.text(
                            f'DROP DATABASE IF EXISTS "{_own(name)}" WITH (FORCE)'))
                _from_template(conn, self.work_db, self.master_db)
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


# --- national databases: made, seeded, copied, dropped (bench_national_*, bench_peer --url,
# bench_growth) ----------------------------------------------------------------------------------


def run_timed(cmd: list[str], env: dict, cwd: Path = ROOT) -> tuple[float, float, float, str,
                                                                    str, int]:
    """(wall s, CPU s, peak RSS MB, stdout, stderr, exit status) of one child."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read(),
                err.read(), proc.returncode)


def engine_of(url: str) -> str:
    return "postgresql" if url.startswith("postgres") else "sqlite"


def new_database(engine: str, pg_base: str, name: str, scratch: Path) -> str:
    """An empty database: SQLite ``scratch/<name>.db``, PostgreSQL ``<name>`` (dropped first
    if there). Its URL."""
    import sqlalchemy as sa

    if engine == "sqlite":
        return f"sqlite:///{scratch / f'{name}.db'}"
    admin = _pg_admin(pg_base)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return _pg_url(pg_base, name)


def drop_database(url: str, pg_base: str = PG_DEFAULT) -> None:
    """A database made by new_database or copy_database (SQLite: the file and its -wal/-shm)."""
    import sqlalchemy as sa

    if engine_of(url) == "sqlite":
        path = Path(url.split(":///", 1)[1])
        for p in path.parent.glob(path.name + "*"):
            p.unlink(missing_ok=True)
        return
    name = sa.engine.make_url(url).database
    admin = _pg_admin(pg_base)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def copy_database(url: str, scratch: Path, suffix: str) -> str:
    """A working copy of a kept database (``<name>_<suffix>``; SQLite in ``scratch``), so that a
    bench may add tables to it. PostgreSQL copies the files (STRATEGY FILE_COPY: no WAL of the
    whole database); nobody may be connected to the original meanwhile."""
    import sqlalchemy as sa

    if engine_of(url) == "sqlite":
        source = Path(url.split(":///", 1)[1])
        target = scratch / f"{source.stem}_{suffix}.db"
        with sa.create_engine(url).connect() as conn:  # the WAL folded in first
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    parsed = sa.engine.make_url(url)
    name = f"{parsed.database}_{suffix}"
    base = parsed.set(database="postgres").render_as_string(hide_password=False)
    admin = _pg_admin(base)
    try:
        with admin.connect() as conn:
            _from_template(conn, name, parsed.database, " STRATEGY FILE_COPY")
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def analyse(url: str) -> float:
    """VACUUM ANALYZE (PostgreSQL) / ANALYZE (SQLite): the state autovacuum reaches soon after a
    bulk load (statistics, the visibility map). Straight after COPY, PostgreSQL planned the
    overdue list as a loop over every office and read the heap for "index-only" scans (a
    regency's dashboard: 470 ms instead of 48 at 100 000 requests). Seconds taken."""
    import sqlalchemy as sa

    started = time.perf_counter()
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if engine_of(url) == "postgresql" else "ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def seed_national(url: str, size: int, scratch: Path) -> tuple[float, float, float, str]:
    """``flask init`` (not timed), then ``flask seed-demo --national --requests size --seed
    1674`` in a child with the bench's app environment: (wall s, CPU s, peak RSS MB, stdout)
    of the seeding. No VACUUM/ANALYZE here (analyse)."""
    env = app_env(url, Path(tempfile.mkdtemp(prefix="instance-", dir=scratch)))
    flask = [sys.executable, "-m", "flask", "--app", "app:create_app"]
    _w, _c, _r, _o, err, code = run_timed(flask + ["init"], env)
    if code:
        raise RuntimeError(f"flask init failed:\n{err[-3000:]}")
    wall, cpu, rss, out, err, code = run_timed(
        flask + ["seed-demo", "--national", "--requests", str(size), "--seed", str(SEED)], env)
    if code:
        raise RuntimeError(f"seed-demo --national failed:\n{err[-3000:]}")
    return wall, cpu, rss, out


# --- in process: the SQL counter, the test client's login --------------------------------------


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


def log_in(client, username: str) -> None:
    answer = client.post("/login/?next=/admin/",
                         data={"username": username, "password": DEMO_PASSWORD})
    if answer.status_code != 302:
        raise RuntimeError(f"{username} could not log in ({answer.status_code})")


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
                body = answer.read().decode("utf-8", "replace")
                return answer.status, body, dict(answer.headers)
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


# --- the summary -------------------------------------------------------------------------------


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
