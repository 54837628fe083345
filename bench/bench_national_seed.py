"""How long `flask seed-demo --national` takes (issue 27, "Data"), on SQLite and PostgreSQL.

    python bench/bench_national_seed.py [--engine sqlite|postgresql|both]
                                        [--sizes 10000,100000] [--pg-url URL] [--smoke]

For each engine and size: a fresh database (SQLite: a file in a temporary folder; PostgreSQL:
``rekomstat_natseed_<size>_<pid>``, dropped afterwards), ``flask init`` (not timed), then
``flask seed-demo --national --requests N --seed 1674`` in a subprocess with the bench's app
environment (harness.app_env), timed as a whole (wall seconds, the child's CPU seconds and
peak RSS), with the generator's own seconds (without the process start) and its row counts.
Then the data is checked: letter numbers unique and gapless per office and year, the counters
in step, the search index holding exactly the recommended requests, every office with its
settings and checklist; and the size of the database.

Prints one JSON document on stdout, progress and a Markdown table on stderr. ``--smoke``: 300
requests on the engine TEST_DATABASE_URL names (SQLite when unset), well under 20 s.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    PG_DEFAULT,
    drop_database,
    log,
    machine,
    new_database,
    seed_national,
)

PREFIX = "rekomstat_natseed_"

CHECKS = {
    "letters_not_unique": """
        SELECT count(*) FROM (SELECT office_id, year, sequence FROM letter
         WHERE sequence IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1) x""",
    "years_with_gaps": """
        SELECT count(*) FROM (SELECT office_id, year FROM letter WHERE sequence IS NOT NULL
         GROUP BY 1, 2 HAVING count(*) <> max(sequence)) x""",
    "counters_out_of_step": """
        SELECT count(*) FROM letter_counter c WHERE c.last_sequence <> (SELECT
         coalesce(max(l.sequence), 0) FROM letter l WHERE l.office_id = c.office_id
         AND l.year = c.year)""",
    "offices_without_setup": """
        SELECT count(*) FROM office o WHERE NOT EXISTS (SELECT 1 FROM office_setting s
         WHERE s.office_id = o.id) OR NOT EXISTS (SELECT 1 FROM checklist_item i
         WHERE i.office_id = o.id)""",
    "sent_without_issued_letter": """
        SELECT count(*) FROM activity_request r WHERE r.state IN ('issued', 'sent', 'closed')
         AND NOT EXISTS (SELECT 1 FROM letter l WHERE l.request_id = r.id
         AND l.issued_at IS NOT NULL)""",
}
RECOMMENDED = """SELECT count(*) FROM activity_request r JOIN letter l ON l.request_id = r.id
                  WHERE r.state IN ('issued', 'sent', 'closed') AND l.issued_at IS NOT NULL"""
INDEXED = {"sqlite": """SELECT count(*) FROM activity_fts f JOIN activity_request r
                         ON r.id = f.rowid JOIN letter l ON l.request_id = r.id
                         WHERE r.state IN ('issued', 'sent', 'closed')
                         AND l.issued_at IS NOT NULL AND f.title <> ''
                         AND f.variables <> ''""",
           "postgresql": "SELECT count(*) FROM activity_search"}


def one(engine: str, size: int, pg_base: str, scratch: Path) -> dict:
    import sqlalchemy as sa

    url = new_database(engine, pg_base, f"{PREFIX}{size}_{os.getpid()}", scratch)
    try:
        log(f"{engine} {size}: init and generating…")
        wall, cpu, rss, out = seed_national(url, size, scratch)
        line = next((ln for ln in out.splitlines() if "activity_request:" in ln), "")
        rows = {k: int(v) for k, v in re.findall(r"(\w+): (\d+)", line)}
        inner = re.search(r"seconds: ([0-9.]+)", out)
        triggers = re.search(r"search index: (.*)$", out, re.M)
        engine_ = sa.create_engine(url)
        with engine_.connect() as conn:
            checks = {k: conn.execute(sa.text(sql)).scalar() for k, sql in CHECKS.items()}
            recommended = conn.execute(sa.text(RECOMMENDED)).scalar()
            indexed = conn.execute(sa.text(INDEXED[engine])).scalar()
            db_mb = (Path(url.split(":///", 1)[1]).stat().st_size / 2**20
                     if engine == "sqlite" else
                     conn.execute(sa.text("SELECT pg_database_size(current_database())"))
                     .scalar() / 2**20)
        engine_.dispose()
        checks["search_rows_missing"] = recommended - indexed
        result = {
            "engine": engine, "requests": size, "wall_s": round(wall, 1),
            "generator_s": float(inner.group(1)) if inner else None,
            "cpu_s": round(cpu, 1), "peak_rss_mb": round(rss, 1),
            "requests_per_s": round(size / wall) if wall else None,
            "database_mb": round(db_mb, 1), "rows": rows,
            "search_index": triggers.group(1) if triggers else None,
            "recommended": recommended, "checks": checks,
            "ok": all(v == 0 for v in checks.values()),
        }
        log(f"{engine} {size}: {wall:.1f} s wall ({result['generator_s']} s in the generator), "
            f"{cpu:.1f} s CPU, {rss:.0f} MB, {db_mb:.0f} MB on disk, checks "
            f"{'ok' if result['ok'] else checks}")
        return result
    finally:
        drop_database(url, pg_base)


def table(results: list[dict]) -> str:
    lines = ["| engine | requests | wall s | in the generator s | CPU s | requests/s | "
             "peak RSS MB | database MB | checks |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r['engine']} | {r['requests']:,} | {r['wall_s']} | "
                     f"{r['generator_s']} | {r['cpu_s']} | {r['requests_per_s']:,} | "
                     f"{r['peak_rss_mb']} | {r['database_mb']} | "
                     f"{'ok' if r['ok'] else r['checks']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL") or PG_DEFAULT)
    parser.add_argument("--smoke", action="store_true",
                        help="300 requests on TEST_DATABASE_URL's engine (SQLite when unset)")
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    pg_base = args.pg_url
    if args.smoke:
        test_url = os.environ.get("TEST_DATABASE_URL") or ""
        engines = ["postgresql" if test_url.startswith("postgres") else "sqlite"]
        pg_base = test_url or pg_base
        sizes = [300]
    results, failed = [], False
    with tempfile.TemporaryDirectory(prefix="natseed-") as tmp:
        for engine in engines:
            for size in sizes:
                try:
                    results.append(one(engine, size, pg_base, Path(tmp)))
                except Exception as exc:  # reported, and the exit status says so
                    log(f"{engine} {size}: CRASHED: {exc}")
                    results.append({"engine": engine, "requests": size, "error": str(exc)})
                    failed = True
    print(json.dumps({"machine": machine(), "results": results}, indent=2, default=str))
    done = [r for r in results if "error" not in r]
    if done:
        print(table(done), file=sys.stderr)
    return 1 if failed or not all(r["ok"] for r in done) else 0


if __name__ == "__main__":
    sys.exit(main())
