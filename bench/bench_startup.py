"""startup: the cold start of create_app() against importing Flask, FAB and SQLAlchemy, the SQL
sent while starting, and a gunicorn worker's memory after serving the pages people use."""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, SEED, TARGETS, Browser, Dataset, Server, app_env, check

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
                              (officer,
                               f"/activityrequestview/list/?page_ActivityRequestView={i}"),
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
