"""Load on loopback: two gunicorn app servers (several workers each) on one PostgreSQL.

For a bounded time, officers draft and send letters, the head signs (issue: number + PDF + QR
+ outbox row) and applicants submit the online form, every one as a browser would (log-in
form with its CSRF token, session cookie, the form or the JSON API), each virtual user going
to both servers in turn. When the time is up nothing new starts, but the letters signed
in it are still sent. Afterwards the database is checked: every accepted answer is there,
no letter number is used twice or skipped, no request is stuck half-way.

    python bench/load.py [--duration 20] [--servers 2] [--workers 2] [--requests 1500]
                         [--database-url postgresql://postgres@127.0.0.1:5432/rekomstat_load]

Prints one JSON object: errors, duplicates, gaps, counts and p50/p95 latency per kind. The
database named is dropped and made again. Redis (RATELIMIT_STORAGE_URI) is used for the
limiter when it answers on 127.0.0.1:6379, as in production with several app servers.

    python bench/load.py --mixed [--smoke] [--workers 2,4] [--steps 10,20,30,50,75,100] …

is issue 27's "many people at once": officers browsing and acting, heads signing, applicants
and anonymous catalogue searches, the offered load stepped until p95 crosses 500 ms, with 2
and 4 workers, the database checked afterwards (bench/load_mixed.py; `--mixed --help`).
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import queue
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
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/rekomstat_load"
DEMO_PASSWORD = "demo-load-12345"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def applicant_form(office_id: int, token: str, title: str) -> dict:
    """The applicants' form, complete and submitted at once (also bench/run.py's load)."""
    return {
        "csrf_token": token, "title": title, "year": "2027", "kind": "survey",
        "office_id": str(office_id), "agency_name": "Dinas Kesehatan Kota Lubuklinggau",
        "agency_head_title": "Kepala Dinas Kesehatan", "agency_address": "Jl. Merdeka 1",
        "resp_name": "dr. Andi", "resp_email": "andi@dinkes.example",
        "objectives": "Mengukur cakupan imunisasi dasar lengkap.",
        "collection_start": "2027-02-01", "collection_end": "2027-03-31",
        "collection_methods": "interview", "variables-0-name": "Umur ibu",
        "variables-0-concept": "Umur saat wawancara", "action": "submit",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _environment(database_url: str, instance: Path) -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "REKOMSTAT_INSTANCE": str(instance),
        # Both servers sign the same session cookies: a user may land on either.
        "SECRET_KEY": secrets.token_hex(32),
        "DEMO_PASSWORD": DEMO_PASSWORD,
        # Hundreds of log-ins from one address in seconds is the test, not an attack.
        "AUTH_RATE_LIMIT": "100000 per minute", "PUBLIC_FORM_RATE_LIMIT": "100000 per minute",
        "AUTH_LOCKOUT": "",
        "RATELIMIT_STORAGE_URI": (f"redis://127.0.0.1:6379/{secrets.randbelow(15) + 1}"
                                  if _redis_up() else "memory://"),
        "MAIL_SERVER": "",  # the outbox logs instead of sending
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    return env


def prepare(database_url: str, n_requests: int, env: dict) -> None:
    """A fresh database, migrated and filled by the demo generator."""
    import sqlalchemy as sa

    url = sa.engine.make_url(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    flask = [sys.executable, "-m", "flask", "--app", "app:create_app"]
    for args in (["init"], ["seed-demo", "--requests", str(n_requests)]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, capture_output=True)


def start_servers(n_servers: int, workers: int, env: dict) -> tuple[list, list[str]]:
    processes, bases = [], []
    for _ in range(n_servers):
        port = _free_port()
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True))
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    for base in bases:
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=10)
                break
            except OSError:  # refused while it starts, or a slow first page
                if time.monotonic() > deadline:
                    stop_servers(processes)
                    raise SystemExit(f"app server at {base} did not start")
                time.sleep(0.2)
    return processes, bases


def stop_servers(processes: list) -> None:
    for proc in processes:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in processes:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class User:
    """One browser: its own cookies, alternating between the app servers."""

    def __init__(self, bases: list[str], username: str, stats: "Stats"):
        self.bases, self.turn, self.stats = bases, 0, stats
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
        self.username = username
        self.csrf = ""  # the session's CSRF token: the API takes a cookie's write only with it

    def call(self, kind: str, path: str, data: dict | None = None, expect=(200, 302)):
        base = self.bases[self.turn % len(self.bases)]
        self.turn += 1
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(base + path, data=body, method=(
            "GET" if data is None and kind != "api" else "POST"))
        if kind == "api":
            request.add_header("X-CSRFToken", self.csrf)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as answer:
                status, text = answer.status, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode("utf-8", "replace")
        except OSError as err:
            status, text = 0, str(err)
        self.stats.record(kind, time.perf_counter() - started, status in expect,
                          f"{status} {path} {text[:200]}")
        return status, text

    def token(self, path: str) -> str:
        _status, page = self.call("page", path, expect=(200,))
        found = CSRF.search(page)
        return (found.group(1) or found.group(2)) if found else ""

    def log_in(self) -> None:
        token = self.csrf = self.token("/login/")
        status, _ = self.call("login", "/login/", {"username": self.username,
                                                   "password": DEMO_PASSWORD,
                                                   "csrf_token": token}, expect=(302,))
        if status != 302:
            raise RuntimeError(f"{self.username} could not log in")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.errors: list[str] = []

    def record(self, kind: str, seconds: float, ok: bool, what: str) -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(seconds)
            if not ok:
                self.errors.append(f"{kind}: {what}")


def _p(values: list[float], q: float) -> float:
    if len(values) < 2:
        return round(values[0] * 1000, 1) if values else 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000, 1)


def _work(database_url: str) -> dict:
    """Requests waiting for each role, by the officer who holds them."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT r.id, r.state, u.username FROM activity_request r "
            "LEFT JOIN ab_user u ON u.id = r.officer_id "
            "WHERE r.state IN ('verified', 'letter_drafted', 'issued') ORDER BY r.id")).all()
        office_id = conn.execute(sa.text("SELECT min(id) FROM office")).scalar()
        applicants = [u for (u,) in conn.execute(sa.text(
            "SELECT username FROM ab_user WHERE username LIKE 'pemohon%' ORDER BY id LIMIT 20"))]
    engine.dispose()
    return {"rows": rows, "office_id": office_id, "applicants": applicants}


def run(duration: float = 20, n_servers: int = 2, workers: int = 2, n_requests: int = 1500,
        database_url: str = DEFAULT_URL, applicants: int = 4) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="rekomstat-load-"))
    env = _environment(database_url, instance)
    prepare(database_url, n_requests, env)
    work = _work(database_url)
    # The officers' queues: each officer drafts and sends what they hold; one head signs.
    drafting = {"petugas1": queue.Queue(), "petugas2": queue.Queue()}
    sending = {"petugas1": queue.Queue(), "petugas2": queue.Queue()}
    signing: queue.Queue = queue.Queue()
    holder = {}
    for req_id, state, officer in work["rows"]:
        holder[req_id] = officer
        # Demo letters have no PDF (and are never mailed without it): only letters signed
        # during the run are sent.
        if state == "verified" and officer in drafting:
            drafting[officer].put(req_id)
        elif state == "letter_drafted":
            signing.put(req_id)

    processes, bases = start_servers(n_servers, workers, env)
    stats = Stats()
    outcome = {"issued": [], "sent": [], "drafted": [], "submitted": []}
    stop_at = [0.0]

    def officer(name: str) -> None:
        user = User(bases, name, stats)
        user.log_in()
        jobs = [(sending[name], "send", "sent"), (drafting[name], "draft_letter", "drafted")]
        while time.monotonic() < stop_at[0]:
            jobs.reverse()  # take turns: a letter to send, a letter to draft
            for source, action, done in jobs:
                try:
                    req_id = source.get_nowait()
                except queue.Empty:
                    continue
                status, _ = user.call("api", f"/api/v1/requests/{req_id}/{action}",
                                      expect=(200,))
                if status == 200:
                    outcome[done].append(req_id)
                    if action == "draft_letter":
                        signing.put(req_id)
                break
            else:
                time.sleep(0.05)
        # The window is closed to new drafts, but a letter signed in it is still sent, as at
        # the end of a working day: otherwise on a slow machine the chain draft -> sign ->
        # send may never reach its last step and sending would go unmeasured and unchecked.
        heads_done.wait()
        while True:
            try:
                req_id = sending[name].get_nowait()
            except queue.Empty:
                return
            status, _ = user.call("api", f"/api/v1/requests/{req_id}/send", expect=(200,))
            if status == 200:
                outcome["sent"].append(req_id)

    def head() -> None:
        user = User(bases, "kepala", stats)
        user.log_in()
        while time.monotonic() < stop_at[0]:
            try:
                req_id = signing.get(timeout=0.1)
            except queue.Empty:
                continue
            status, _ = user.call("api", f"/api/v1/requests/{req_id}/issue", expect=(200,))
            if status == 200:
                outcome["issued"].append(req_id)
                officer_name = holder.get(req_id)
                if officer_name in sending:
                    sending[officer_name].put(req_id)

    def applicant(username: str, n: int) -> None:
        user = User(bases, username, stats)
        user.log_in()
        i = 0
        while time.monotonic() < stop_at[0]:
            i += 1
            title = f"Survei Beban {n:02d}-{i:04d}"
            token = user.token("/portal/requests/new")
            status, _ = user.call("submit", "/portal/requests/new",
                                  applicant_form(work["office_id"], token, title),
                                  expect=(302,))
            if status == 302:
                outcome["submitted"].append(title)

    heads_done = threading.Event()
    heads = [threading.Thread(target=head) for _ in range(2)]
    threads = [threading.Thread(target=officer, args=(n,)) for n in drafting] + heads
    threads += [threading.Thread(target=applicant, args=(name, i))
                for i, name in enumerate(work["applicants"][:applicants])]
    stop_at[0] = time.monotonic() + duration
    started = time.monotonic()
    try:
        for t in threads:
            t.start()
        for t in heads:
            t.join(duration + 120)
        heads_done.set()
        for t in threads:
            t.join(duration + 120)
    finally:
        elapsed = time.monotonic() - started
        stop_servers(processes)
        shutil.rmtree(instance, ignore_errors=True)
    result = check(database_url, outcome)
    kinds = {k: {"n": len(v), "p50_ms": _p(v, 50), "p95_ms": _p(v, 95)}
             for k, v in sorted(stats.times.items())}
    every = [x for v in stats.times.values() for x in v]
    result.update({
        "servers": n_servers, "workers_per_server": workers, "duration_s": round(elapsed, 1),
        "virtual_users": len(threads), "http_requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1),
        "p50_ms": _p(every, 50), "p95_ms": _p(every, 95), "by_kind": kinds,
        "errors": len(stats.errors), "first_errors": stats.errors[:5],
        "done": {k: len(v) for k, v in outcome.items()},
        "limiter_storage": env["RATELIMIT_STORAGE_URI"].split("/")[0] + "//",
    })
    return result


def check(database_url: str, outcome: dict) -> dict:
    """What the database holds after the run, against what the servers answered."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        duplicates = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT office_id, year, sequence FROM letter "
            "WHERE sequence IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1) d")).scalar()
        numbers_twice = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT number FROM letter WHERE number IS NOT NULL "
            "GROUP BY 1 HAVING count(*) > 1) d")).scalar()
        # Gapless: per office and year the sequences are exactly 1..counter.
        gaps = conn.execute(sa.text(
            "SELECT count(*) FROM letter_counter c WHERE c.last_sequence <> (SELECT count(*) "
            "FROM letter l WHERE l.office_id = c.office_id AND l.year = c.year "
            "AND l.sequence IS NOT NULL)")).scalar()
        issued_ok = conn.execute(sa.text(
            "SELECT count(*) FROM activity_request r JOIN letter l ON l.request_id = r.id "
            "WHERE r.id = ANY(:ids) AND r.state IN ('issued', 'sent') AND l.pdf IS NOT NULL "
            "AND l.sha256 IS NOT NULL"), {"ids": outcome["issued"]}).scalar()
        sent_ok = conn.execute(sa.text(
            "SELECT count(*) FROM activity_request WHERE id = ANY(:ids) AND state = 'sent'"),
            {"ids": outcome["sent"]}).scalar()
        submitted = conn.execute(sa.text(
            "SELECT title, state, due_date IS NOT NULL FROM activity_request "
            "WHERE title LIKE 'Survei Beban %'")).all()
        # Half-way would be: issued without a number or PDF, sent without a send time, a
        # drafted letter missing (demo letters have no PDF: only the run's own are checked).
        touched = outcome["issued"] + outcome["sent"] + outcome["drafted"]
        stuck = conn.execute(sa.text(
            "SELECT count(*) FROM activity_request r LEFT JOIN letter l ON l.request_id = r.id "
            "WHERE r.id = ANY(:ids) AND ((r.state IN ('issued', 'sent') AND r.id = ANY(:signed) "
            "AND (l.number IS NULL OR l.pdf IS NULL OR l.sha256 IS NULL)) "
            "OR (r.state = 'sent' AND r.sent_at IS NULL) OR l.id IS NULL "
            "OR r.state NOT IN ('letter_drafted', 'issued', 'sent'))"),
            {"ids": touched, "signed": outcome["issued"]}).scalar()
        stuck += conn.execute(sa.text(
            "SELECT count(*) FROM activity_request WHERE title LIKE 'Survei Beban %' "
            "AND (state <> 'submitted' OR due_date IS NULL OR submitted_at IS NULL)")).scalar()
        mails_for_letters = conn.execute(sa.text(
            "SELECT count(DISTINCT letter_id) FROM outbound_email WHERE letter_id IN "
            "(SELECT l.id FROM letter l WHERE l.request_id = ANY(:ids))"),
            {"ids": outcome["sent"]}).scalar()
    engine.dispose()
    titles = [t for t, _, _ in submitted]
    return {
        "duplicates": duplicates + numbers_twice,
        "gaps": gaps,
        "lost": (len(outcome["issued"]) - issued_ok) + (len(outcome["sent"]) - sent_ok)
        + len(set(outcome["submitted"]) - set(titles))
        + (len(outcome["sent"]) - mails_for_letters),
        "submitted_twice": len(titles) - len(set(titles)),
        "submitted_not_whole": sum(1 for _, state, due in submitted
                                   if state != "submitted" or not due),
        "stuck": stuck,
    }


def main() -> None:
    if "--mixed" in sys.argv[1:]:  # the stepped mixed workload (issue 27): one front door
        import load_mixed

        load_mixed.main([a for a in sys.argv[1:] if a != "--mixed"])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=1500, help="demo requests to start with")
    parser.add_argument("--applicants", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL",
                                                                 DEFAULT_URL))
    args = parser.parse_args()
    result = run(args.duration, args.servers, args.workers, args.requests, args.database_url,
                 args.applicants)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    bad = result["errors"] or result["duplicates"] or result["gaps"] or result["lost"] or \
        result["stuck"] or result["submitted_twice"] or result["submitted_not_whole"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
