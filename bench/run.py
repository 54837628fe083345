"""Benchmarks of Rekomstat on SQLite and PostgreSQL: each figure against a baseline of the same
run.

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
works on a copy of it (``rekomstat_bench_N_run_<pid>``, dropped afterwards): issuing letters and
the load test write to it. No other database is ever created, changed or dropped.

This file is the entry point and the run: the options, the worker process (this script again,
with ``--worker``) that runs list, search, issue, dashboard and the in-process submission, and
the summary. What they share is in bench/harness.py; each benchmark is its own bench_<name>.py.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench_dashboard import bench_dashboard
from bench_issue import bench_issue
from bench_list import bench_list, install_bare_list
from bench_search import bench_search
from bench_startup import bench_startup
from bench_submit import bench_submit, install_submit_parts, submit_in_process

from harness import (
    BENCHMARKS,
    EFFORT,
    IN_PROCESS,
    PG_DEFAULT,
    ROOT,
    TARGETS,
    Dataset,
    SqlCounter,
    app_env,
    calibrate,
    check,
    growth,
    log,
    machine,
    summary_rows,
    table,
)

# --- the in-process benchmarks (a worker process per engine and size) --------------------------


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


# --- the run -----------------------------------------------------------------------------------


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
                    # Before the load test: its thousands of rows for one applicant would
                    # make that applicant's portal page, and so the worker's memory, unlike
                    # any real one.
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
