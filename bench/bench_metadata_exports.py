"""A period's Satu Data metadata exports (issue 22): INDAH's workbook and the DDI codebooks of
1 000 requests, the most one period may hold (indah.MAX_REQUESTS).

    python bench/bench_metadata_exports.py [--requests 1000] [--repeat 3]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
        [--profile indah|ddi] [--only indah|ddi] [--out results.json]

Builds a throw-away database (SQLite in a temporary folder by default; with ``--database-url``
or TEST_DATABASE_URL naming a PostgreSQL server, a database ``rekomstat_bench_metadata_<pid>``
made on it and dropped at the end), migrated as a deployment is, with ``--requests`` issued
requests of one office submitted in 2026: every answer of the form given (texts of realistic
lengths, textareas of a few hundred to 1 500 characters), 30 variables each on average (one in
twenty has 200), two indicators each, and the issued letter.

Then, as the staff route does it (``MetadataExportView.indah_period`` / ``ddi_period``: the
period's requests with the export's loader options, then the file), on the officer's test
client ``GET /metadata/indah.xlsx`` and ``GET /metadata/ddi.zip`` for 2026, ``--repeat`` times
each: CPU seconds of this process and wall seconds (median), the peak RSS during the export
(Linux: /proc/self/clear_refs resets the high-water mark, VmHWM read after), the SQL
statements of one export, the file's size and rows. Next to them, baselines measured in the
same run:

- **openpyxl alone**: the same three sheets' rows and columns (the same number of cells),
  their values taken from the database beforehand as plain tuples, written in write-only mode
  with nothing else: what the library costs for this file;
- **lxml + zip alone**: the same elements (tag, attributes, text) as the export's codebooks,
  read back from its zip beforehand, built with lxml, serialised and deflated into a zip.

Prints one JSON document on stdout and a Markdown table on stderr. The target (INDAH's period
export of 1 000 requests <= 10 s wall) is reported, never asserted. ``--profile indah`` (or
ddi) prints cProfile's top functions of one export on stderr.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import random
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
TARGET_S = 10.0
PASSWORD = "bench-meta-12345"
OFFICE = ("1674", "BPS Kota Lubuklinggau")
SEED = 22
YEAR = 2026
PG_NAME = f"rekomstat_bench_metadata_{os.getpid()}"


def log(*parts) -> None:
    print("[metadata_exports]", *parts, file=sys.stderr, flush=True)


# --- measuring ---------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset the process's RSS high-water mark (Linux 4.0+); False when it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measured(fn):
    """(result, {cpu_s, wall_s, rss_before_mb, peak_rss_mb}) of one call."""
    import gc

    gc.collect()
    peak_ok = _reset_peak()
    rss0 = _status_kb("VmRSS")
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = _status_kb("VmHWM") if peak_ok else None
    return result, {"cpu_s": round(cpu, 3), "wall_s": round(wall, 3),
                    "rss_before_mb": round(rss0 / 1024, 1),
                    "peak_rss_mb": None if peak is None else round(peak / 1024, 1),
                    "peak_growth_mb": None if peak is None else round((peak - rss0) / 1024, 1)}


def median_of(runs: list[dict]) -> dict:
    out = {"n": len(runs)}
    for key in ("cpu_s", "wall_s", "rss_before_mb", "peak_rss_mb", "peak_growth_mb"):
        values = [r[key] for r in runs if r.get(key) is not None]
        out[key] = round(statistics.median(values), 3) if values else None
    out["wall_s_all"] = [r["wall_s"] for r in runs]
    return out


# --- the database ------------------------------------------------------------------------------


def _pg_urls(base: str) -> tuple[str, str]:
    import sqlalchemy as sa

    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    url = sa.engine.make_url(base)
    admin = url.set(database="postgres").render_as_string(hide_password=False)
    return admin, url.set(database=PG_NAME).render_as_string(hide_password=False)


def _pg(admin_url: str, sql: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def words(rng: random.Random, n: int) -> str:
    """Indonesian-looking text of about n characters."""
    vocabulary = ("rumah", "tangga", "pendapatan", "per", "kapita", "sebulan", "menurut",
                  "kecamatan", "jumlah", "penduduk", "usia", "kerja", "yang", "bekerja",
                  "pada", "sektor", "pertanian", "dan", "perikanan", "tahun", "data", "survei",
                  "responden", "wilayah", "kota", "kabupaten", "pengeluaran", "konsumsi")
    out, size = [], 0
    while size < n:
        word = rng.choice(vocabulary)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)[:n].strip() or "data"


def _answers(rng: random.Random, i: int, submitted: dt.datetime) -> dict:
    """Every answer of the form (Blocks I-VIII), of realistic lengths."""
    from app.models import ActivityRequest
    from app.requests import form

    table = ActivityRequest.__table__
    values = {}
    for name, f in form.FIELDS.items():
        length = getattr(table.columns[name].type, "length", None)
        if f.kind == "select":
            values[name] = rng.choice(list(f.choices))
        elif f.kind == "multi":
            codes = list(f.choices)
            values[name] = ",".join(sorted(rng.sample(codes, rng.randint(1, min(3, len(codes)))),
                                           key=codes.index))
        elif f.kind == "bool":
            values[name] = rng.random() < 0.6
        elif f.kind == "textarea":
            values[name] = words(rng, min(length or 1500, rng.randint(300, 1500)))
        elif f.kind == "email":
            values[name] = f"pegawai{i}@dinas{rng.randint(1, 40)}.go.id"
        elif f.kind == "text" and name.endswith(("_phone", "_fax")):
            values[name] = f"(0733) {rng.randint(300000, 399999)}"
        elif f.kind == "text":
            values[name] = words(rng, min(length or 200, rng.randint(15, 90)))
    for name in form.OTHER_FIELDS:
        values[name] = words(rng, 40) if rng.random() < 0.2 else None
    start = dt.date(YEAR + 1, 1, 1) + dt.timedelta(days=rng.randint(0, 60))
    for stage in ("planning", "design", "collection", "processing", "analysis",
                  "dissemination", "evaluation"):
        values[f"{stage}_start"] = start
        start += dt.timedelta(days=rng.randint(10, 60))
        values[f"{stage}_end"] = start
    for name in ("release_date_printed", "release_date_digital", "release_date_microdata"):
        values[name] = start + dt.timedelta(days=rng.randint(1, 90))
    values.update(
        title=f"Survei {words(rng, rng.randint(30, 120))} Tahun {YEAR + 1}",
        year=YEAR + 1, kind="survey" if rng.random() < 0.65 else "compilation",
        sample_size=rng.randint(100, 20000), sampling_fraction=round(rng.uniform(0.5, 30), 3),
        sampling_error=round(rng.uniform(0.5, 10), 3), supervisor_count=rng.randint(1, 30),
        field_staff_count=rng.randint(5, 200), submitted_at=submitted, complete_at=submitted,
        created_at=submitted - dt.timedelta(days=2), updated_at=submitted)
    return values


def _variable(rng: random.Random, position: int) -> dict:
    from app.models import VARIABLE_TYPES

    categorical = rng.random() < 0.4
    domain = ("\n".join(f"{k} = {words(rng, rng.randint(6, 30))}"
                        for k in range(1, rng.randint(3, 12)))
              if categorical else (words(rng, rng.randint(5, 60)) if rng.random() < 0.5
                                   else None))
    return dict(
        position=position, name=words(rng, rng.randint(10, 60)),
        alias=f"R{position:03d}" if rng.random() < 0.7 else None,
        concept=words(rng, rng.randint(80, 600)), definition=words(rng, rng.randint(80, 600)),
        reference=words(rng, rng.randint(10, 60)) if rng.random() < 0.5 else None,
        reference_period="Sebulan yang lalu" if rng.random() < 0.5 else None,
        measure=words(rng, rng.randint(5, 30)) if rng.random() < 0.5 else None,
        unit=rng.choice(("orang", "rupiah", "tahun", "hektar", None)),
        data_type="integer" if categorical else rng.choice(list(VARIABLE_TYPES)),
        value_domain=domain,
        validation_rule=f"0 <= R{position:03d} <= 999" if rng.random() < 0.3 else None,
        question=words(rng, rng.randint(40, 250)) + "?",
        questionnaire_item=f"R{position:03d}", public=rng.random() < 0.7)


def _indicator(rng: random.Random, position: int) -> dict:
    from app.models import FREQUENCIES, PRESENTATION_LEVELS

    levels = list(PRESENTATION_LEVELS)
    return dict(
        position=position, name=words(rng, rng.randint(15, 80)),
        concept=words(rng, rng.randint(100, 600)), definition=words(rng, rng.randint(100, 600)),
        interpretation=words(rng, rng.randint(100, 500)), method=words(rng, rng.randint(80, 400)),
        formula="100 × A / B", measure=words(rng, 20), unit="persen",
        classification=words(rng, 40), disaggregation=words(rng, 40),
        composite=rng.random() < 0.3, source_indicators=None,
        source_variables=words(rng, 60),
        estimation_level=",".join(rng.sample(levels, 2)) if len(levels) > 1 else levels[0],
        periodicity=rng.choice(list(FREQUENCIES)), public=rng.random() < 0.7)


def build(app, n_requests: int) -> dict:
    """The office, its staff, an applicant and ``n_requests`` issued requests (variables,
    indicators, letters); returns what was written."""
    import sqlalchemy as sa

    from app.core import codes
    from app.models import ActivityRequest, Letter, RequestIndicator, RequestVariable
    from app.ops.bootstrap import bootstrap, create_user, ensure_office

    rng = random.Random(SEED)
    with app.app_context():
        bootstrap()
        office_id = ensure_office(*OFFICE).id
        users = {name: create_user(role, name, f"{name}@bench.test", PASSWORD,
                                   office_code=None if role == "Applicant" else OFFICE[0]).id
                 for name, role in (("pemohon", "Applicant"), ("petugas", "Officer"),
                                    ("kepala", "Head"))}
        session = app.appbuilder.session
        counts = {"requests": 0, "variables": 0, "indicators": 0, "chars": 0}
        sizes = [200 if i % 20 == 7 else rng.randint(5, 37) for i in range(n_requests)]
        first = dt.datetime(YEAR, 1, 5, 2)
        span = (dt.datetime(YEAR, 12, 20) - first).total_seconds()
        for batch in range(0, n_requests, 100):
            reqs = []
            for i in range(batch, min(batch + 100, n_requests)):
                submitted = first + dt.timedelta(seconds=int(span * i / n_requests))
                req = ActivityRequest(
                    tracking_code=codes.tracking_code("RKS"), office_id=office_id,
                    applicant_id=users["pemohon"], officer_id=users["petugas"], state="issued",
                    recommendation_code=f"REK-{OFFICE[0]}-{YEAR}-{i + 1:04d}",
                    **_answers(rng, i, submitted))
                req.letter = Letter(
                    office_id=office_id, result="fit", body=words(rng, 400),
                    verification_code=codes.random_token(20), drafted_by_id=users["petugas"],
                    number=f"B-{i + 1}/{OFFICE[0]}0/VS.300/{YEAR}", year=YEAR, sequence=i + 1,
                    letter_date=(submitted + dt.timedelta(days=5)).date(),
                    issued_at=submitted + dt.timedelta(days=5), issued_by_id=users["kepala"],
                    sha256="0" * 64)
                reqs.append(req)
            session.add_all(reqs)
            session.flush()
            var_rows, ind_rows = [], []
            for req, i in zip(reqs, range(batch, batch + len(reqs))):
                var_rows += [dict(request_id=req.id, **_variable(rng, p))
                             for p in range(1, sizes[i] + 1)]
                ind_rows += [dict(request_id=req.id, **_indicator(rng, p)) for p in (1, 2)]
            session.execute(sa.insert(RequestVariable).execution_options(render_nulls=True),
                            var_rows)
            session.execute(sa.insert(RequestIndicator).execution_options(render_nulls=True),
                            ind_rows)
            session.commit()
            counts["requests"] += len(reqs)
            counts["variables"] += len(var_rows)
            counts["indicators"] += len(ind_rows)
            counts["chars"] += sum(len(v) for row in var_rows + ind_rows for v in row.values()
                                   if isinstance(v, str))
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            session.execute(sa.text("ANALYZE"))  # what autovacuum does soon after a load
            session.commit()
        session.remove()
    counts["office_id"] = office_id
    return counts


# --- baselines ---------------------------------------------------------------------------------


def _raw_rows(app) -> dict:
    """The three sheets' rows as plain tuples of the database's values (Core, no ORM): what
    the baseline writes."""
    import sqlalchemy as sa

    from app.models import ActivityRequest, RequestIndicator, RequestVariable

    with app.app_context():
        session = app.appbuilder.session
        rows = {
            "MS-Keg": [tuple(r) for r in session.execute(
                sa.select(*ActivityRequest.__table__.columns).order_by(ActivityRequest.id))],
            "MS-Var": [tuple(r) for r in session.execute(
                sa.select(*RequestVariable.__table__.columns).order_by(
                    RequestVariable.request_id, RequestVariable.position))],
            "MS-Ind": [tuple(r) for r in session.execute(
                sa.select(*RequestIndicator.__table__.columns).order_by(
                    RequestIndicator.request_id, RequestIndicator.position))],
        }
        session.remove()
    return rows


def _fit(row: tuple, width: int) -> list:
    """``row`` cut or repeated to ``width`` cells: the export's number of columns."""
    cells = [v for v in row if not isinstance(v, (bytes, dt.datetime))]
    return (cells * (width // max(len(cells), 1) + 1))[:width]


def openpyxl_alone(raw: dict, shape: dict) -> bytes:
    """The same number of rows and columns per sheet, written in write-only mode, no more."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title in ("MS-Keg", "MS-Var", "MS-Ind"):
        ws = wb.create_sheet(title)
        width = shape[title]["columns"]
        ws.append([f"kolom {i}" for i in range(width)])
        for row in raw[title]:
            ws.append(_fit(row, width))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _elements(xml: bytes) -> list:
    """A document's elements in document order as (depth, tag, attributes, text)."""
    from lxml import etree

    root = etree.fromstring(xml)
    out = []

    def walk(el, depth):
        out.append((depth, el.tag, dict(el.attrib), el.text if len(el) == 0 else None))
        for child in el:
            walk(child, depth + 1)

    walk(root, 0)
    return out


def lxml_alone(documents: list) -> bytes:
    """The same elements built with lxml, serialised and deflated into a zip, no more."""
    from lxml import etree

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, elements in documents:
            stack = []
            for depth, tag, attrs, text in elements:
                if depth == 0:
                    el = etree.Element(tag, attrs, nsmap={None: "ddi:codebook:2_5"})
                else:
                    del stack[depth:]
                    el = etree.SubElement(stack[depth - 1], tag, attrs)
                el.text = text
                stack.append(el)
            archive.writestr(name, etree.tostring(stack[0], xml_declaration=True,
                                                  encoding="UTF-8", pretty_print=True))
    return buffer.getvalue()


# --- the run -----------------------------------------------------------------------------------


def _shape(data: bytes) -> dict:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    out = {}
    for ws in wb.worksheets:
        rows = columns = 0
        for row in ws.iter_rows(values_only=True):
            rows += 1
            columns = max(columns, len(row))
        out[ws.title] = {"rows": rows, "columns": columns}
    wb.close()
    return out


def _profile(fn, label: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(35)
    stats.sort_stats("tottime").print_stats(25)
    log(f"profile of one {label} export:\n{out.getvalue()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="exports timed (median)")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"),
                        help="a PostgreSQL server (its database in the URL is not touched)")
    parser.add_argument("--sqlite-file", help="keep the SQLite database there and use it again "
                        "when it exists (the data is the same for the same --requests)")
    parser.add_argument("--only", choices=("indah", "ddi"))
    parser.add_argument("--profile", choices=("indah", "ddi"))
    parser.add_argument("--out", help="also write the JSON there")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one measured run, in its process
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    started, load_before = time.time(), os.getloadavg()
    pg_admin = None
    with tempfile.TemporaryDirectory(prefix="rekomstat-metadata-bench-") as tmp:
        if args.database_url and args.database_url.startswith("postgres"):
            pg_admin, url = _pg_urls(args.database_url)
            _pg(pg_admin, f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            _pg(pg_admin, f'CREATE DATABASE "{PG_NAME}"')
            engine = "postgresql"
        else:
            path = Path(args.sqlite_file).resolve() if args.sqlite_file else Path(tmp) / "b.db"
            url, engine = f"sqlite:///{path}", "sqlite"
        try:
            results = run(url, engine, args, Path(tmp))
        finally:
            if pg_admin:
                _pg(pg_admin, f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
    results["machine"] = {
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.time() - started, 1)}
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    _table(results)
    return 0


def _app(url: str, instance: Path):
    os.environ["REKOMSTAT_INSTANCE"] = str(instance)
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no access log line per GET
    sys.path.insert(0, str(ROOT))
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                       "RATELIMIT_ENABLED": False, "ADMIN_PASSWORD": PASSWORD,
                       "SERVER_NAME": None})


def run(url: str, engine: str, args, tmp: Path) -> dict:
    """Build the data here, then measure each run in a process of its own (a worker's: its
    peak memory is the export's, not what an earlier run left in the allocator)."""
    import subprocess

    sys.path.insert(0, str(BENCH))
    from harness import code_version  # the models and migrations the data was written with

    marker = Path(f"{args.sqlite_file}.json") if args.sqlite_file and engine == "sqlite" else None
    kept = json.loads(marker.read_text()) if marker and marker.exists() else {}
    if kept.get("requests") == args.requests and kept.get("code") == code_version():
        data = kept
        log(f"using {args.sqlite_file} again: {data}")
    else:
        if marker:
            Path(args.sqlite_file).unlink(missing_ok=True)
        app = _app(url, tmp)
        log(f"{engine}: building {args.requests} issued requests…")
        data, build_s = measured(lambda: build(app, args.requests))
        data.update(build_s=build_s["wall_s"], code=code_version())
        log(f"built in {build_s['wall_s']} s: {data}")
        if marker:
            marker.write_text(json.dumps(data))
        del app
    results = {"engine": engine, "requests": data["requests"], "variables": data["variables"],
               "indicators": data["indicators"], "table_chars": data["chars"],
               "build_s": data.get("build_s"), "target_indah_wall_s": TARGET_S}

    def measure(kind: str, profile: bool = False) -> dict:
        command = [sys.executable, __file__, "--child", kind, "--url", url,
                   "--scratch", str(tmp)]
        if profile:
            command.append("--profile=" + kind)
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            raise RuntimeError(f"{kind} failed:\n{done.stderr[-4000:]}")
        if profile:
            print(done.stderr, file=sys.stderr)
        return json.loads(done.stdout)

    for kind, baseline in (("indah", "openpyxl"), ("ddi", "lxml")):
        if args.only and args.only != kind:
            continue
        runs = []
        for n in range(args.repeat):
            runs.append(measure(kind))
            log(f"{kind} run {n + 1}: {runs[-1]}")
        last = runs[-1]
        results[kind] = {"export": median_of(runs), "bytes": last["bytes"],
                         "sql_statements": last["sql_statements"],
                         "sql_repeated": last["sql_repeated"],
                         **{k: last[k] for k in ("sheets", "cells", "documents", "elements")
                            if k in last}}
        base = []
        for n in range(args.repeat):
            base.append(measure(baseline))
            log(f"{baseline} alone run {n + 1}: {base[-1]}")
        results[kind][f"baseline_{baseline}_alone"] = median_of(base)
        if kind == "indah":
            results[kind]["ok"] = results[kind]["export"]["wall_s"] <= TARGET_S
        if args.profile == kind:
            measure(kind, profile=True)
    return results


def child(args) -> int:
    """One measured run in this fresh process: warm up on a one-day period (imports, the
    catalogues, the connection pool), then the whole year's export, or a baseline."""
    sys.path.insert(0, str(BENCH))
    scratch = Path(args.scratch)
    app = _app(args.url, scratch)
    from harness import SqlCounter

    kind = args.child
    out: dict = {}
    if kind in ("indah", "ddi"):
        client = app.test_client()
        r = client.post("/login/", data={"username": "petugas", "password": PASSWORD})
        assert r.status_code == 302, "the officer could not log in"
        path = {"indah": "/metadata/indah.xlsx", "ddi": "/metadata/ddi.zip"}[kind]

        def get(period):
            answer = client.get(f"{path}?{period}")
            assert answer.status_code == 200, (path, answer.status_code, answer.data[:300])
            return answer.data

        get(f"from={YEAR}-01-05&to={YEAR}-01-06")  # warm: a day's requests
        with app.app_context():
            counter = SqlCounter(app.extensions["sqlalchemy"].engine)
        year = f"from={YEAR}-01-01&to={YEAR}-12-31"
        if args.profile:
            _profile(lambda: get(year), kind)
            print("{}")
            return 0
        counter.active = True
        body, figures = measured(lambda: get(year))
        counter.active = False
        sql = counter.report(counter.statements)
        out.update(figures, bytes=len(body), sql_statements=sql["count"],
                   sql_repeated=sql["repeated"][:5])
        (scratch / f"{kind}.out").write_bytes(body)
        if kind == "indah":
            shape = _shape(body)
            (scratch / "shape.json").write_text(json.dumps(shape))
            out.update(sheets=shape, cells=sum(s["rows"] * s["columns"] for s in shape.values()))
        else:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                out.update(documents=len(archive.namelist()),
                           elements=sum(len(_elements(archive.read(n)))
                                        for n in archive.namelist()))
    elif kind == "openpyxl":
        shape = json.loads((scratch / "shape.json").read_text())
        raw = _raw_rows(app)
        openpyxl_alone({k: v[:2] for k, v in raw.items()}, shape)  # warm
        out.update(measured(lambda: openpyxl_alone(raw, shape))[1])
    elif kind == "lxml":
        with zipfile.ZipFile(scratch / "ddi.out") as archive:
            documents = [(n, _elements(archive.read(n))) for n in archive.namelist()]
        lxml_alone(documents[:2])  # warm
        out.update(measured(lambda: lxml_alone(documents))[1])
    print(json.dumps(out))
    return 0


def _table(r: dict) -> None:
    def cell(f):
        return f"{f['cpu_s']} / {f['wall_s']} / {f['peak_rss_mb']} ({f['peak_growth_mb']:+})"

    print(f"\n{r['engine']}: {r['requests']} requests, {r['variables']} variables, "
          f"{r['indicators']} indicators\n", file=sys.stderr)
    print("| figure | CPU s / wall s / peak RSS MB (growth) |\n| --- | --- |", file=sys.stderr)
    if "indah" in r:
        i = r["indah"]
        print(f"| INDAH period export ({i['cells']} cells, {i['sql_statements']} statements) | "
              f"{cell(i['export'])} |", file=sys.stderr)
        print(f"| openpyxl alone, same cells | {cell(i['baseline_openpyxl_alone'])} |",
              file=sys.stderr)
    if "ddi" in r:
        d = r["ddi"]
        print(f"| DDI period export ({d['documents']} codebooks, {d['elements']} elements, "
              f"{d['sql_statements']} statements) | {cell(d['export'])} |", file=sys.stderr)
        print(f"| lxml + zip alone, same elements | {cell(d['baseline_lxml_alone'])} |",
              file=sys.stderr)
    if "indah" in r:
        ok = "✓" if r["indah"]["ok"] else "✗"
        print(f"\ntarget: INDAH period export <= {TARGET_S} s wall: {ok}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
