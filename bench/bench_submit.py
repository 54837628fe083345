"""submit: the applicants' form under load (gunicorn + wrk) against bench/bare_app.py writing the
same rows; and in the worker process, the same POST through the test client and where its time
goes."""
from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from harness import (
    BENCH,
    EFFORT,
    ROOT,
    SEED,
    TARGETS,
    Browser,
    Dataset,
    Server,
    SqlCounter,
    app_env,
    check,
    interleaved,
    log_in,
    ms_stats,
    pct,
)

# --- under load: gunicorn, the real form and the bare app --------------------------------------


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


# --- in process (the worker): the same POST through the test client ----------------------------


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


def submit_in_process(app, counter: SqlCounter, effort: dict) -> dict:
    """The applicants' form POST through the test client (no CSRF, no server): its SQL and
    where its time goes, to read next to the load figures."""
    import sqlalchemy as sa

    from app.models import Office

    client = app.test_client()
    log_in(client, f"pemohon{SEED}_1")
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
