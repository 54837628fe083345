"""Worst-case PDF costs (issue 20, item 2): the largest form allowed and the largest draft letter.

    python bench/pdf_worst.py [--repeat 5] [--no-old] [--phases] [--out results.json]

Builds a throw-away SQLite database and instance folder, then, through the app's own routes
(Flask's test client, logged in):

- **the largest form allowed**: an issued request with every field at its limit (text columns
  at their length, long answers at request_commands.TEXT_LIMIT), 200 variables with every
  text at its cap (request_form), the checklist of its office with a note of TEXT_LIMIT on each
  item and 50 suggestions; ``GET /portal/requests/<id>/form.pdf`` the first time (a render)
  and then again (served from the cache, median of ``--repeat``);
- **the draft letter's preview** with the most the edit form allows (50 suggestions, 30 body
  paragraphs, 20 000 characters each): first GET and cached GET of ``/letterview/pdf/<id>``;

next to baselines measured in the same run: a small form (5 short variables) rendered the same
way; the letter with the 9 999 one-word suggestion lines of the issue; and, unless ``--no-old``,
the form template as it was before (``git show OLD_COMMIT:…``: one table for the variables)
rendering the same capped data and the data the old limits allowed (5 000 characters per
concept and definition: the issue's 42.5 s case).

Each figure is CPU seconds of this process (``time.process_time``: what a worker spends,
little moved by other load on the machine) and wall seconds. Prints one JSON document on
stdout and a Markdown table on stderr. The target (the largest form's first render <= 5 s) is
reported, never asserted: tests do not time anything. ``--phases``: one more render of the
largest form, its CPU split into xhtml2pdf's parse, line breaking, drawing and the rest.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OLD_COMMIT = "daf7ddf"  # the form template before issue 20 (one table for all variables)
OLD_TEMPLATE = "app/templates/portal/form_pdf.html"
TARGET_S = 5.0
PASSWORD = "bench-pdf-12345"


def log(*parts) -> None:
    print("[pdf_worst]", *parts, file=sys.stderr, flush=True)


def timed(fn):
    """(result, cpu seconds, wall seconds) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def figure(cpu: float, wall: float, **extra) -> dict:
    return {"cpu_s": round(cpu, 3), "wall_s": round(wall, 3), **extra}


def words(n: int, seed: str = "") -> str:
    """Indonesian-looking text of exactly n characters (words wrap like real text)."""
    phrase = seed + " pendapatan rumah tangga per kapita sebulan menurut kecamatan "
    return (phrase * (n // 40 + 2))[:n]


def _setup(tmp: Path):
    os.environ["REKOMSTAT_INSTANCE"] = str(tmp)
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no access log line per GET
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.ops.bootstrap import bootstrap, create_user, ensure_office

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "ADMIN_PASSWORD": PASSWORD, "SERVER_NAME": None})
    with app.app_context():
        bootstrap()
        office_id = ensure_office("1674", "BPS Kota Lubuklinggau").id
        users = {name: create_user(role, name, f"{name}@bench.test", PASSWORD,
                                   office_code=None if role == "Applicant" else "1674").id
                 for name, role in (("pemohon", "Applicant"), ("petugas", "Officer"),
                                    ("kepala", "Head"))}
    return app, office_id, users


def _row(fields, table, i: int, text_len: int) -> dict:
    """One row of a table (MS-Var, MS-Ind): texts at their cap (textareas at ``text_len``),
    every choice answered (all flags of a multi-choice)."""
    from app.requests.commands import TEXT_LIMIT
    from app.requests.form import text_limit

    row = {}
    for f in fields:
        if f.kind in ("text", "textarea"):
            limit = text_limit(f.name, table) or TEXT_LIMIT
            row[f.name] = words(min(limit, text_len) if f.kind == "textarea" else limit,
                                f"{i} {f.name}")
        elif f.kind == "bool":
            row[f.name] = True
        elif f.kind == "select":
            row[f.name] = list(f.choices)[-1]
        elif f.kind == "multi":
            row[f.name] = ",".join(f.choices)
    return row


def _request(session, office_id, users, *, variables: int, text_len: int, issued: bool,
             small: bool = False, indicators: int = 0):
    """A request with every field at its limit (or a small one), its variables and
    indicators."""
    from sqlalchemy import select

    from app.core import codes
    from app.letters import document as letters
    from app.models import (
        ActivityRequest,
        ChecklistItem,
        Letter,
        RequestIndicator,
        RequestVariable,
        Review,
    )
    from app.requests.commands import TEXT_LIMIT
    from app.requests.form import (
        FIELDS,
        INDICATOR_FIELDS,
        OTHER_FIELDS,
        VARIABLE_FIELDS,
        text_limit,
    )

    now = dt.datetime(2026, 11, 2, 3, 0)
    values = {}
    for name, f in FIELDS.items():
        if f.kind in ("text", "textarea") and not small:
            values[name] = words(text_limit(name) or TEXT_LIMIT, name)
    for name in OTHER_FIELDS:
        values[name] = None if small else words(text_limit(name) or 200, name)
    values.update(title="Survei Terbesar yang Diizinkan" if not small else "Survei Kecil",
                  year=2027, kind="survey", agency_name="Dinas Pertanian Kota Lubuklinggau",
                  resp_email="siti@pertanian.test", collection_start=dt.date(2027, 3, 1),
                  collection_end=dt.date(2027, 4, 30))
    req = ActivityRequest(tracking_code=codes.tracking_code("RKS"), office_id=office_id,
                          applicant_id=users["pemohon"], state="issued" if issued else "draft",
                          **values)
    session.add(req)
    session.flush()
    for i in range(1, variables + 1):
        session.add(RequestVariable(request_id=req.id, position=i, **_row(
            VARIABLE_FIELDS, RequestVariable.__table__, i, text_len)))
    for i in range(1, indicators + 1):
        session.add(RequestIndicator(request_id=req.id, position=i, **_row(
            INDICATOR_FIELDS, RequestIndicator.__table__, i, text_len)))
    if issued:
        req.submitted_at = req.complete_at = now
        req.officer_id = users["petugas"]
        items = session.scalars(select(ChecklistItem).where(
            ChecklistItem.office_id == office_id)).all()
        session.add(Review(request=req, round=1, officer_id=users["petugas"], started_at=now,
                           finished_at=now, outcome="pass",
                           checklist={str(i.id): {"ok": True, "note": words(TEXT_LIMIT, "catatan")}
                                      for i in items}))
        suggestions = "\n".join(words(letters.LETTER_TEXT_MAX // letters.SUGGESTION_MAX_LINES - 1,
                                      f"saran {i}")
                                for i in range(letters.SUGGESTION_MAX_LINES))
        letter = Letter(request=req, office_id=office_id, result="fit", body="Layak.",
                        suggestions=suggestions, verification_code=codes.random_token(20),
                        drafted_by_id=users["petugas"])
        session.add(letter)
        session.flush()
        seq = letters.allocate_sequence(session, office_id, 2026)
        letter.sequence, letter.year = seq, 2026
        letter.number = f"B-{seq}/16740/VS.300/2026"
        letter.letter_date, letter.issued_at = dt.date(2026, 11, 3), now
        letter.pdf = b"%PDF-1.4 bench"
        letter.sha256 = letters.sha256_hex(letter.pdf)
        letter.issued_by_id = users["kepala"]
        req.recommendation_code = "REK-1674-2026-0001"
    session.commit()
    return req.id


def _draft_letter(session, office_id, users, *, lines: int, body_paragraphs: int,
                  chars: int) -> int:
    from app.core import codes
    from app.models import ActivityRequest, Letter

    req = ActivityRequest(tracking_code=codes.tracking_code("RKS"), office_id=office_id,
                          applicant_id=users["pemohon"], state="letter_drafted",
                          title="Survei Surat Terbesar", year=2027, kind="survey",
                          agency_name="Dinas Kesehatan Kota Lubuklinggau",
                          agency_head_title="Kepala Dinas Kesehatan",
                          agency_address="Jalan Yos Sudarso No. 7")
    session.add(req)
    session.flush()
    per_line = max(1, chars // max(lines, 1) - 1)
    letter = Letter(
        request_id=req.id, office_id=office_id, result="fit",
        body="\n".join(words(max(1, chars // body_paragraphs - 1), f"paragraf {i}")
                       for i in range(body_paragraphs)),
        suggestions="\n".join(words(per_line, f"saran {i}") if per_line > 1 else "x"
                              for i in range(lines)),
        verification_code=codes.random_token(20), drafted_by_id=users["petugas"])
    session.add(letter)
    session.commit()
    return letter.id


def _login(app, username):
    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, f"login of {username} failed"
    return client


def _get_twice(client, url, repeat):
    """(first GET: cpu, wall), (cached GETs: median cpu, median wall), size."""
    r, cpu, wall = timed(lambda: client.get(url))
    assert r.status_code == 200 and r.data.startswith(b"%PDF"), (url, r.status_code)
    first = figure(cpu, wall, bytes=len(r.data))
    again = [timed(lambda: client.get(url))[1:] for _ in range(repeat)]
    cached = figure(statistics.median(c for c, _ in again),
                    statistics.median(w for _, w in again), n=repeat)
    return first, cached, r.data


def _pages(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def _old_template_render(app, req_id, *, variables_len: int | None):
    """The form as the old template rendered it (one table of variables), from git."""
    try:
        source = subprocess.run(["git", "show", f"{OLD_COMMIT}:{OLD_TEMPLATE}"], cwd=ROOT,
                                check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        return {"skipped": f"git show {OLD_COMMIT}: {exc}"}
    from app.letters import document as letters
    from app.models import ActivityRequest
    from app.requests import form_pdf
    from app.requests.form import VARIABLE_FIELDS

    with app.test_request_context("/"):
        req = app.appbuilder.session.get(ActivityRequest, req_id)
        sections = form_pdf._rows(req)
        for section in sections:  # the old template printed plain values
            for f in section["fields"]:
                f["value"] = f["value"]["text"]
        variables = []
        for v in req.variables:
            row = [getattr(v, f.name) or "" for f in VARIABLE_FIELDS]
            if variables_len:  # what the old limits let through: 5 000 per long text
                row = [words(variables_len, str(v.position)) if f.kind == "textarea" else value
                       for f, value in zip(VARIABLE_FIELDS, row)]
            variables.append(row)
        html = app.jinja_env.from_string(source).render(
            req=req, sections=sections, variable_fields=VARIABLE_FIELDS, variables=variables,
            office=req.office, result=form_pdf.review_result(req))
        app.appbuilder.session.rollback()
    data, cpu, wall = timed(lambda: letters.render_pdf(html))
    return figure(cpu, wall, pages=_pages(data))


def _phases(app, req_id) -> dict:
    """Where one render of the largest form goes, in CPU seconds: xhtml2pdf's parse of the
    HTML into flowables, breaking the paragraphs into lines, drawing them, and the rest
    (frames, pages, writing the file); and how many characters were broken into lines (more
    than the text: a page break re-breaks what is left of the paragraph it cuts). Wraps
    xhtml2pdf's functions in this process for this one render, then puts them back."""
    from xhtml2pdf import document as x_document
    from xhtml2pdf import reportlab_paragraph as x_paragraph

    from app.letters import document as letters
    from app.models import ActivityRequest
    from app.requests import form_pdf

    with app.test_request_context("/"):
        html = form_pdf.render_html(app.appbuilder.session.get(ActivityRequest, req_id))
        app.appbuilder.session.rollback()
    spent = {"parse": 0.0, "break_lines": 0.0, "draw_paragraphs": 0.0}
    broken = [0]
    originals = []

    def wrap(owner, name, key, count=False):
        real = getattr(owner, name)

        def timed_call(*args, **kwargs):
            if count:
                broken[0] += sum(len(f.text) for f in args[0].frags
                                 if isinstance(getattr(f, "text", None), (str, bytes)))
            start = time.process_time()
            try:
                return real(*args, **kwargs)
            finally:
                spent[key] += time.process_time() - start

        originals.append((owner, name, real))
        setattr(owner, name, timed_call)

    wrap(x_document, "pisaStory", "parse")
    wrap(x_paragraph.Paragraph, "breakLines", "break_lines", count=True)
    wrap(x_paragraph.Paragraph, "draw", "draw_paragraphs")
    try:
        _, cpu, wall = timed(lambda: letters.render_pdf(html))
    finally:
        for owner, name, real in originals:
            setattr(owner, name, real)
    rest = cpu - sum(spent.values())
    return figure(cpu, wall, **{k: round(v, 3) for k, v in spent.items()},
                  rest=round(rest, 3), html_chars=len(html), chars_broken=broken[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="cached GETs timed (median)")
    parser.add_argument("--no-old", action="store_true",
                        help="skip the old template's baselines (about a minute)")
    parser.add_argument("--phases", action="store_true",
                        help="one more render of the largest form, split into its phases")
    parser.add_argument("--out", help="also write the JSON there")
    args = parser.parse_args()
    started = time.time()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="rekomstat-pdf-bench-") as tmp:
        app, office_id, users = _setup(Path(tmp))
        from app.letters import document as letters
        from app.requests.form import VARIABLE_TEXT_LIMIT

        with app.app_context():
            session = app.appbuilder.session
            largest = _request(session, office_id, users, variables=200,
                               text_len=VARIABLE_TEXT_LIMIT, issued=True, indicators=100)
            small = _request(session, office_id, users, variables=5, text_len=60,
                             issued=False, small=True)
            letter_max = _draft_letter(session, office_id, users,
                                       lines=letters.SUGGESTION_MAX_LINES,
                                       body_paragraphs=letters.BODY_MAX_PARAGRAPHS,
                                       chars=letters.LETTER_TEXT_MAX)
            letter_issue = _draft_letter(session, office_id, users, lines=9999,
                                         body_paragraphs=2, chars=9999 * 2)
            session.remove()
        applicant, head = _login(app, "pemohon"), _login(app, "kepala")
        # Warm: xhtml2pdf's import and first use are paid once per process (letters.warm_up),
        # not by the figures below.
        log("warming up")
        applicant.get("/portal/form.pdf")
        results = {"target_first_render_s": TARGET_S}
        log("small form (5 short variables)")
        first, cached, data = _get_twice(applicant, f"/portal/requests/{small}/form.pdf",
                                         args.repeat)
        results["small_form"] = {"first": {**first, "pages": _pages(data)}, "cached": cached}
        log("largest form allowed (200 variables at the caps, issued, annotated)")
        first, cached, data = _get_twice(applicant, f"/portal/requests/{largest}/form.pdf",
                                         args.repeat)
        results["largest_form"] = {"first": {**first, "pages": _pages(data)}, "cached": cached,
                                   "variable_text_limit": VARIABLE_TEXT_LIMIT,
                                   "ok": first["wall_s"] <= TARGET_S,
                                   "ok_cpu": first["cpu_s"] <= TARGET_S}
        log("draft letter, most the edit form allows")
        first, cached, data = _get_twice(head, f"/letterview/pdf/{letter_max}", args.repeat)
        results["letter_preview_max"] = {
            "first": {**first, "pages": _pages(data)}, "cached": cached,
            "suggestions": letters.SUGGESTION_MAX_LINES,
            "body_paragraphs": letters.BODY_MAX_PARAGRAPHS, "chars": letters.LETTER_TEXT_MAX}
        log("draft letter, 9 999 suggestion lines (the issue's case, one render)")
        r, cpu, wall = timed(lambda: head.get(f"/letterview/pdf/{letter_issue}"))
        results["letter_preview_9999_lines"] = figure(cpu, wall, status=r.status_code)
        if args.phases:
            log("largest form allowed: one more render, split into its phases")
            results["largest_form_phases"] = _phases(app, largest)
        if not args.no_old:
            log("old template, the same largest form")
            results["old_template_largest_form"] = _old_template_render(
                app, largest, variables_len=None)
            log("old template, 200 variables at the old limit of 5 000 characters")
            results["old_template_old_limits"] = _old_template_render(
                app, largest, variables_len=5000)
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


def _table(r: dict) -> None:
    def cell(f):
        if not f or "cpu_s" not in f:
            return (f or {}).get("skipped", "—")
        pages = f" ({f['pages']} pages)" if "pages" in f else ""
        return f"{f['cpu_s']} / {f['wall_s']}{pages}"

    rows = [
        ("largest form allowed: first GET (render)", cell(r["largest_form"]["first"])),
        ("largest form allowed: cached GET (median)", cell(r["largest_form"]["cached"])),
        ("small form (5 variables): first GET", cell(r["small_form"]["first"])),
        ("small form: cached GET", cell(r["small_form"]["cached"])),
        ("old template, same largest form (render only)",
         cell(r.get("old_template_largest_form"))),
        ("old template, 200 variables at 5 000 characters (render only)",
         cell(r.get("old_template_old_limits"))),
        ("letter preview, 50 suggestions + 30 paragraphs: first GET",
         cell(r["letter_preview_max"]["first"])),
        ("letter preview, same: cached GET", cell(r["letter_preview_max"]["cached"])),
        ("letter preview, 9 999 suggestion lines: first GET",
         cell(r["letter_preview_9999_lines"])),
    ]
    print("\n| figure | CPU s / wall s |\n| --- | --- |", file=sys.stderr)
    for name, value in rows:
        print(f"| {name} | {value} |", file=sys.stderr)
    if "largest_form_phases" in r:
        p = r["largest_form_phases"]
        print(f"\nlargest form, one render by phase (CPU s): parse {p['parse']}, line breaking "
              f"{p['break_lines']}, drawing paragraphs {p['draw_paragraphs']}, rest {p['rest']}"
              f" of {p['cpu_s']}; {p['chars_broken']} characters broken into lines",
              file=sys.stderr)
    ok = "✓" if r["largest_form"]["ok"] else "✗"
    ok_cpu = "✓" if r["largest_form"]["ok_cpu"] else "✗"
    print(f"\ntarget: largest form's first render <= {TARGET_S} s: CPU {ok_cpu}, wall {ok}",
          file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
