"""Every staff list and add page of a national demo, in process, as a regency's officer, a
province's and the administrator (issue 27, "make it hold"): median and p95 ms, KB and SQL
statements per page. The requests list has its own benches (bench_list, bench_peer); this one
watches the screens around it, whose size grows with an office's history.

    .venv/bin/python bench/bench_staff_pages.py --url postgresql://postgres@127.0.0.1:5432/nat100k
    .venv/bin/python bench/bench_staff_pages.py --url URL --pages /reviewview/list/ --runs 9

The database is a ``flask seed-demo --national`` one (bench_national_pages.py --keep, or
harness.seed_national), analysed (harness.analyse) before the first run. Prints a Markdown table
and, with --out, JSON.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # noqa: E402

PAGES = (
    "/requestvariableview/list/", "/requestvariableview/add",
    "/requestindicatorview/list/", "/requestindicatorview/add",
    "/attachmentview/list/", "/reviewview/list/", "/activityresultview/list/",
    "/letterview/list/", "/ratingview/list/", "/complaintview/list/", "/complaintview/add",
    "/queueticketview/list/", "/guestbookentryview/list/", "/guestbookentryview/add",
    "/auditeventview/list/", "/outboundemailview/list/",
)
# The largest regency of the demo (seed 1674) and its province; the admin reads every office.
USERS = ("petugas5305", "petugas5300", "admin")


def measure(url: str, pages, users, runs: int, warmup: int) -> list[dict]:
    import os

    env = harness.app_env(url, Path(tempfile.mkdtemp(prefix="instance-")))
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    from app import create_app

    # CSRF off for the test client only: the pages are the same, a login needs no token.
    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    rows = []
    with app.app_context():
        counter = harness.SqlCounter(app.appbuilder.session.get_bind())
    for user in users:
        client = app.test_client()
        password = harness.ADMIN_PASSWORD if user == "admin" else harness.DEMO_PASSWORD
        answer = client.post("/login/", data={"username": user, "password": password})
        if answer.status_code != 302:
            raise SystemExit(f"{user} could not log in ({answer.status_code})")
        for page in pages:
            times, size, status = [], 0, None
            for i in range(warmup + runs):
                counter.statements.clear()
                counter.active = True
                started = time.perf_counter()
                r = client.get(page)
                elapsed = time.perf_counter() - started
                counter.active = False
                status, size = r.status_code, len(r.get_data())
                if i >= warmup:
                    times.append(elapsed)
            ms = sorted(t * 1000 for t in times)
            rows.append({"user": user, "page": page, "status": status,
                         "median_ms": round(statistics.median(ms), 1),
                         "p95_ms": round(harness.pct(ms, 95), 1),
                         "kb": round(size / 1024), "statements": len(counter.statements)})
            print(f"{user:12} {page:32} {rows[-1]['median_ms']:8} ms {rows[-1]['kb']:5} KB "
                  f"{rows[-1]['statements']:3} SQL {status}", file=sys.stderr, flush=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="a national demo's database URL")
    ap.add_argument("--pages", nargs="*", default=PAGES)
    ap.add_argument("--users", nargs="*", default=USERS)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    rows = measure(args.url, args.pages, args.users, args.runs, args.warmup)
    print("| user | page | median ms | p95 ms | KB | SQL | status |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['user']} | `{r['page']}` | {r['median_ms']} | {r['p95_ms']} | {r['kb']} | "
              f"{r['statements']} | {r['status']} |")
    if args.out:
        args.out.write_text(json.dumps({"machine": harness.machine(), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
