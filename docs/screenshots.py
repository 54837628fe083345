"""Screenshots for the user guide (the README's "User guide"), taken in headless Chromium.

    .venv/bin/python docs/screenshots.py [--out docs/img] [--only public-home,officer-request]

Builds a throwaway Rekomstat on a temporary SQLite database (the app factory, the bootstrap, the
demo data of ``flask seed-demo`` with a fixed seed, a few real workflow steps so the officer has a
checklist to fill and the outbox holds mail), serves it on loopback, logs in as each role with
Playwright driving Debian's ``/usr/bin/chromium`` (never a browser Playwright downloads) and saves
one PNG per entry of ``SHOTS``, in the default Indonesian interface.

The data is the same on every run except the calendar (the demo's "today" is the real day unless
``--today`` pins it: the app's own clock cannot be pinned, and a pinned past day makes every open
request look overdue) and the random tracking and verification codes. Every shot waits for the
element it frames, never for a fixed time, so template changes show up as a clear error naming the
shot rather than as a blank picture.

``tests/browser/test_user_guide.py`` runs the same functions for one shot per role.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import os
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "demo12345"  # the demo accounts' password (DEMO_PASSWORD)
ADMIN = "admin"
SEED = 1674
N_REQUESTS = 48

STAFF_VIEWPORT = (1280, 800)
MARGIN = 12
PORTAL_VIEWPORT = (1024, 768)
PHONE_VIEWPORT = (375, 812)  # a phone's width (issue 26: every public page works at 375 px)
BOARD_VIEWPORT = (1280, 720)  # the queue board's screen


# --- The app ---------------------------------------------------------------------------------

@dataclass
class Cast:
    """Who logs in as which role, and the rows the shots show (found in the demo data)."""

    base: str = ""
    users: dict = field(default_factory=dict)  # role -> username
    ids: dict = field(default_factory=dict)  # name -> id or code used in the shots' URLs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_app(folder: Path, *, port: int, requests: int = N_REQUESTS, seed: int = SEED,
              today: dt.date | None = None):
    """A Rekomstat app on a new SQLite database in ``folder``, filled with demo data.

    Returns ``(app, cast)``. ``folder`` must be empty or new; nothing outside it is written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # Read by config.py when first imported: the generated secret key goes to the temp folder.
    os.environ.setdefault("REKOMSTAT_INSTANCE", str(folder))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    from app import create_app

    base = f"http://127.0.0.1:{port}"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'rekomstat.db'}",
        "SECRET_KEY": "screenshots-only-" + "0" * 32,
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "INSTANCE_DIR": folder,
        "ADMIN_USERNAME": ADMIN,
        "ADMIN_EMAIL": "admin@bps.example",
        "ADMIN_PASSWORD": PASSWORD,
        "DEMO_PASSWORD": PASSWORD,
        "PUBLIC_BASE_URL": base,
        "MAIL_SERVER": "",
        "MAIL_LOG_ONLY": True,
        "TESTING": False,
        # One script logs in as five people from one address within seconds.
        "RATELIMIT_ENABLED": False,
        "AUTH_LOCKOUT": "",
        "LOG_LEVEL": "ERROR",
    })
    # FAB warns on every log-in without a "next" page; the screenshots do five of them.
    logging.getLogger("flask_appbuilder.utils.base").setLevel(logging.ERROR)
    with app.app_context():
        cast = _fill(app, requests=requests, seed=seed, today=today)
    cast.base = base
    return app, cast


def _fill(app, *, requests: int, seed: int, today: dt.date | None) -> Cast:
    import sqlalchemy as sa

    from app import notify
    from app.frontoffice import queue as frontoffice
    from app.models import ActivityRequest, Office, OfficeSetting, RekomUser
    from app.ops import bootstrap, demo
    from app.requests import workflow

    bootstrap.bootstrap()
    demo.generate(n_requests=requests, seed=seed, today=today)
    session = app.appbuilder.session
    sm = app.appbuilder.sm
    officer, head = sm.find_user(username="petugas1"), sm.find_user(username="kepala")
    cast = Cast(users={"officer": "petugas1", "head": "kepala", "admin": ADMIN})
    office_code = app.config["OFFICE_CODE"]

    def in_state(state):
        """Requests in ``state``, the furthest due date first (the least overdue)."""
        return session.scalars(
            sa.select(ActivityRequest).where(ActivityRequest.state == state)
            .order_by(ActivityRequest.due_date.desc().nulls_last(), ActivityRequest.id)).all()

    def need(rows, what, count=1):
        if len(rows) < count:
            raise SystemExit(f"the demo data has fewer than {count} {what}: raise --requests")
        return rows

    mails = []

    def step(req, action, actor, note=None):
        mails.extend(workflow.apply(session, req.id, action, actor, note=note).email_ids)

    def holder(req):
        """The officer who handles the request (one back from a revision stays with the officer
        who reviewed it), else petugas1."""
        return session.get(RekomUser, req.officer_id) if req.officer_id else officer

    def check(req, failing=(), notes=None):
        items = workflow.applicable_checklist(session, req)
        workflow.record_review(session, req.id, holder(req), {
            str(i.id): {"ok": i.position not in failing,
                        "note": demo.CHECK_NOTES.get(i.position, "") if i.position in failing
                        else ""} for i in items}, notes=notes)

    # The officer's request: taken up by petugas1, its checklist partly filled. A second one
    # goes back to its applicant with notes, a third is verified: mail for the outbox.
    # petugas1's own first (the shot): one back from a revision stays with its reviewer.
    submitted = need(sorted(in_state("submitted"),
                            key=lambda r: r.officer_id not in (None, officer.id)),
                     "submitted requests", 3)
    if submitted[0].officer_id not in (None, officer.id):
        raise SystemExit("the demo data has no submitted request for petugas1: change --seed")
    for req in submitted[:3]:
        step(req, "start_review", holder(req))
    check(submitted[0], failing=(8, 9))
    cast.ids["officer_request"] = submitted[0].id
    note = "Mohon lengkapi jadwal pengolahan dan definisi operasional variabel."
    check(submitted[1], failing=(4, 7), notes=note)
    step(submitted[1], "request_revision", holder(submitted[1]), note)
    check(submitted[2])
    step(submitted[2], "verify", holder(submitted[2]))

    # Letters: one drafted letter waits for the head (the shot); another is issued for real
    # (number, PDF, hash) and sent, so /verify shows a genuine letter.
    drafted = need(in_state("letter_drafted"), "drafted letters", 2)
    cast.ids["head_request"] = drafted[0].id
    step(drafted[1], "issue", head)
    step(drafted[1], "send", officer)
    cast.ids["verify_code"] = drafted[1].letter.verification_code
    # A paper form recorded at the desk for a new applicant: the account's invitation is
    # held in the outbox (no MAIL_SERVER) for the admin to pass on.
    from flask import current_app

    from app.requests import commands as request_commands

    with current_app.test_request_context():
        walk_in = request_commands.create(
            session, officer, office_id=session.scalar(
                sa.select(Office.id).where(Office.code == office_code)),
            values={"title": "Survei Sosial Ekonomi Kelurahan 2027", "year": 2027,
                    "kind": "survey", "agency_name": "Bappeda Kota Lubuklinggau"},
            applicant_email="rina.wulandari@bappeda.lubuklinggaukota.go.id",
            applicant_name="Rina Wulandari")
    mails.extend(walk_in.email_ids)
    cast.ids["held_email"] = walk_in.email_ids[0]
    notify.try_send_now(mails)  # no MAIL_SERVER: held in the outbox, not marked sent

    # The applicant: the owner of that letter (a real PDF to download, the service to rate).
    cast.users["applicant"] = session.get(RekomUser, drafted[1].applicant_id).username
    cast.ids["applicant_request"] = drafted[1].id
    # And a draft of theirs, half filled in: the form in steps, with what it still lacks.
    applicant = session.get(RekomUser, drafted[1].applicant_id)
    with current_app.test_request_context():
        draft = request_commands.create(
            session, applicant, office_id=drafted[1].office_id,
            values={"title": "Survei Kepuasan Layanan Air Minum 2027", "year": 2027,
                    "kind": "survey", "agency_name": drafted[1].agency_name,
                    "agency_head_title": drafted[1].agency_head_title,
                    "agency_address": drafted[1].agency_address,
                    "resp_name": drafted[1].resp_name})
    cast.ids["applicant_draft"] = draft.request_id
    cast.ids["office_code"] = office_code

    # The front office: a few people waiting today, one called and being served.
    office_id = session.scalar(sa.select(Office.id).where(Office.code == office_code))
    day = frontoffice.today()
    for _ in range(4):
        frontoffice.take_ticket(session, office_id, day)
        session.commit()
    ticket = frontoffice.call_next(session, office_id, day, officer.id, counter="Loket 1")
    frontoffice.move(session, ticket.id, "serve", officer.id, office_id)
    session.commit()

    cast.ids["setting"] = session.scalar(
        sa.select(OfficeSetting.id).join(Office, Office.id == OfficeSetting.office_id)
        .where(Office.code == office_code))
    return cast


def serve(app, port: int):
    """Serve ``app`` on loopback in a daemon thread; returns the server (call .shutdown())."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- The shots -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shot:
    name: str  # file name without .png
    role: str  # public, applicant, officer, head, admin
    path: str  # URL path; "{name}" fields come from Cast.ids
    wait_for: str  # a selector that must be visible before the shot
    caption: str  # what it shows (the guide's alt text)
    heading: str = "h1"  # selector of the page's heading, whose text the result reports
    max_height: int = 800  # the picture's height at most (the page is cut below)
    viewport: tuple = STAFF_VIEWPORT
    # The picture runs from the top of the first element ``clip_top`` matches (else the page's
    # top) to the bottom of ``clip_bottom``'s (else max_height), 12 px around, max_height at most.
    clip_top: str | None = None
    clip_bottom: str | None = None
    # Fold the request form's sections (FAB's show page), as a user would by clicking their
    # titles, so the letter and the action buttons below them fit in one picture.
    fold_sections: bool = False


FAB_HEADING = ".panel-heading:visible"
ACTIONS = "#request-actions"  # the request page's action buttons, on top
FORM_BLOCKS = "#Home .panel-group:has(.panel-collapse:not(.in))"  # the form's folded blocks
SHOTS = (
    Shot("public-home", "public", "/", "h1", "The public service page: requirements, "
         "procedure, time, cost, complaint channels", viewport=PORTAL_VIEWPORT, max_height=780),
    Shot("public-home-phone", "public", "/", "h1", "The service page on a phone",
         viewport=PHONE_VIEWPORT, max_height=1400),
    Shot("public-board", "public", "/queue/board?office={office_code}", "#now-serving",
         "The queue board: the number called and its counter, readable across the room",
         viewport=BOARD_VIEWPORT, max_height=720),
    Shot("public-catalogue", "public", "/catalogue/?q=survei+kepuasan", "h1",
         "The catalogue of recommended activities, searched for \"survei kepuasan\"",
         viewport=PORTAL_VIEWPORT, max_height=760),
    Shot("public-verify", "public", "/verify/{verify_code}", "h1",
         "Letter verification: number, date, agency, activity and the PDF's SHA-256",
         viewport=PORTAL_VIEWPORT, max_height=340),
    Shot("applicant-requests", "applicant", "/portal/", "#my-requests",
         "The applicant's home: my requests with their state and the 30-day promise",
         max_height=620),
    Shot("applicant-form", "applicant", "/portal/requests/{applicant_draft}/edit?step=people",
         "#form-steps", "The request form in steps: where you are, and what each step still "
         "lacks", viewport=PORTAL_VIEWPORT, max_height=760),
    Shot("applicant-form-review", "applicant",
         "/portal/requests/{applicant_draft}/edit?step=review", "#missing",
         "The last step: what is still needed, each a link to its field",
         viewport=PORTAL_VIEWPORT, max_height=760),
    Shot("applicant-form-phone", "applicant",
         "/portal/requests/{applicant_draft}/edit?step=people", "#form-steps",
         "The same step on a phone", viewport=PHONE_VIEWPORT, max_height=1100),
    Shot("applicant-request", "applicant", "/portal/requests/{applicant_request}", "#timeline",
         "One request: state, letter download, rating, documents and timeline",
         viewport=PORTAL_VIEWPORT, max_height=860),
    Shot("applicant-request-phone", "applicant", "/portal/requests/{applicant_request}",
         "#progress", "One request on a phone: its steps and the one next thing to do",
         viewport=PHONE_VIEWPORT, max_height=1100),
    Shot("officer-home", "officer", "/admin/", "#rekom-home",
         "The officer's home, \"Tugas saya\": the requests waiting on them by step, the "
         "complaints to answer and today's queue", max_height=760),
    Shot("officer-requests", "officer", "/activityrequestview/list/",
         "table.table-bordered.table-hover",
         "The officers' request list with states and the 30-day promise",
         heading=FAB_HEADING, max_height=720),
    Shot("officer-request", "officer", "/activityrequestview/show/{officer_request}",
         "#checklist-panel", "A request in review: its state, the promise, the action buttons "
         "on top and the checklist", heading=FAB_HEADING, max_height=900,
         clip_bottom="#checklist-panel"),
    Shot("officer-actions", "officer", "/activityrequestview/show/{officer_request}",
         FORM_BLOCKS, "The same request further down: the form's blocks, folded (a click "
         "opens one), and the timeline", heading=FAB_HEADING, max_height=760,
         clip_top=FORM_BLOCKS, clip_bottom="#timeline"),
    Shot("officer-paper-form", "officer", "/activityrequestview/add", "#applicant_email",
         "A paper form recorded at the desk (Layanan → Permohonan → +): the applicant's e-mail "
         "first, then the form's fields, * where needed", heading=FAB_HEADING, max_height=820),
    Shot("officer-queue", "officer", "/queueticketview/list/",
         "table.table-bordered.table-hover",
         "Front office: the queue with call next / serve / done",
         heading=FAB_HEADING, max_height=640),
    Shot("head-home", "head", "/admin/", "#head-letters",
         "The head's home, \"Tugas saya\": the letters waiting for a signature",
         max_height=520),
    Shot("head-letter", "head", "/activityrequestview/show/{head_request}", ACTIONS,
         "A drafted letter waiting for the head: issue or return it on top, preview the draft",
         heading=FAB_HEADING, max_height=900, clip_bottom="#letter-panel"),
    Shot("admin-users", "admin", "/users/list/", "table.table-bordered.table-hover",
         "Security: the user accounts and their roles", heading=FAB_HEADING, max_height=700),
    Shot("admin-settings", "admin", "/officesettingview/show/{setting}",
         "table.table-bordered",
         "Office settings: letter number pattern, signer, working-day deadlines",
         heading=FAB_HEADING, max_height=680),
    Shot("admin-outbox", "admin", "/outboundemailview/list/",
         "table.table-bordered.table-hover",
         "The outbox: every e-mail with its state and attempts",
         heading=FAB_HEADING, max_height=560),
    Shot("admin-outbox-held", "admin", "/outboundemailview/show/{held_email}",
         "#outbox-held", "A message held in the outbox (no mail server): pass its link on "
         "to the recipient yourself", heading=FAB_HEADING, max_height=720),
)
ROLES = ("public", "applicant", "officer", "head", "admin")


@dataclass
class Result:
    shot: Shot
    path: Path
    url: str
    heading: str  # the text of the page's heading
    text: str  # the page's whole visible text
    size: tuple  # (width, height) of the PNG
    nbytes: int  # the PNG's size in bytes
    # What went wrong in the browser: console errors, and answers >= 400 (the favicon aside).
    problems: list = field(default_factory=list)


def launch(playwright):
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def log_in(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    if "/login" in page.url:
        raise RuntimeError(f"logging in as {username} failed: {page.url}")


def take(page, cast: Cast, shot: Shot, out: Path) -> Result:
    url = cast.base + shot.path.format(**cast.ids)
    problems = []

    def on_console(msg):
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            problems.append(msg.text)

    def on_response(answer):
        if answer.status >= 400 and not answer.url.endswith("/favicon.ico"):
            problems.append(f"{answer.status} {answer.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    response = page.goto(url)
    if response is None or response.status != 200:
        raise RuntimeError(f"{shot.name}: {url} answered {response and response.status}")
    page.locator(shot.wait_for).first.wait_for(state="visible")
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")  # the icon font drawn
    if shot.fold_sections:
        page.evaluate("""() => document.querySelectorAll('.panel-group .panel-collapse.in')
                           .forEach(e => e.classList.remove('in'))""")
    heading = page.locator(shot.heading).first.inner_text().strip()
    text = page.locator("body").inner_text()
    width = page.viewport_size["width"]
    full = page.evaluate("document.documentElement.scrollHeight")
    top, bottom = 0, full
    if shot.clip_top:
        top = max(0, _box(page, shot.clip_top)["y"] - MARGIN)
    if shot.clip_bottom:
        box = _box(page, shot.clip_bottom)
        bottom = min(full, box["y"] + box["height"] + MARGIN)
    height = max(1, min(shot.max_height, bottom - top))
    png = page.screenshot(type="png", full_page=True,
                          clip={"x": 0, "y": top, "width": width, "height": height})
    path = out / f"{shot.name}.png"
    data = optimise(png)
    path.write_bytes(data)
    page.remove_listener("console", on_console)
    page.remove_listener("response", on_response)
    return Result(shot, path, url, heading, text, (width, height), len(data), problems)


def _box(page, selector: str) -> dict:
    """The element's box in page coordinates (bounding_box() is relative to the viewport)."""
    box = page.locator(selector).first.bounding_box()
    scroll = page.evaluate("[window.scrollX, window.scrollY]")
    return {"y": int(box["y"] + scroll[1]), "height": int(box["height"] + 0.999)}


def optimise(png: bytes) -> bytes:
    """Fewer colours, same pixels to the eye: screenshots of pages quantise well (Pillow if
    installed; the PNG as Chromium wrote it otherwise)."""
    try:
        from PIL import Image
    except ImportError:
        return png
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue() if buffer.tell() < len(png) else png


def shoot(browser, cast: Cast, shots, out: Path) -> list[Result]:
    """Take ``shots`` (grouped per role, one login each) into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for role in ROLES:
        mine = [s for s in shots if s.role == role]
        if not mine:
            continue
        viewports = {s.viewport for s in mine}
        for viewport in sorted(viewports):
            context = browser.new_context(
                locale="id-ID", timezone_id="Asia/Jakarta",
                viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=1)
            page = context.new_page()
            page.set_default_timeout(15000)
            try:
                if role != "public":
                    log_in(page, cast.base, cast.users[role])
                for shot in (s for s in mine if s.viewport == viewport):
                    try:
                        results.append(take(page, cast, shot, out))
                    except Exception as exc:
                        raise RuntimeError(f"shot {shot.name} ({shot.path}): {exc}") from exc
            finally:
                context.close()
    order = {s.name: i for i, s in enumerate(shots)}
    return sorted(results, key=lambda r: order[r.shot.name])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNGs")
    parser.add_argument("--only", default="", help="comma-separated shot names (default: all)")
    parser.add_argument("--requests", type=int, default=N_REQUESTS, help="demo requests")
    parser.add_argument("--seed", type=int, default=SEED, help="demo seed")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                        help="the demo data's today, YYYY-MM-DD (default: the real day)")
    args = parser.parse_args(argv)
    wanted = {n.strip() for n in args.only.split(",") if n.strip()}
    unknown = wanted - {s.name for s in SHOTS}
    if unknown:
        parser.error(f"unknown shot(s): {', '.join(sorted(unknown))}")
    shots = [s for s in SHOTS if not wanted or s.name in wanted]

    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rekomstat-shots-") as tmp:
        port = free_port()
        app, cast = build_app(Path(tmp), port=port, requests=args.requests, seed=args.seed,
                              today=args.today)
        built = time.monotonic()
        server = serve(app, port)
        try:
            with sync_playwright() as p:
                browser = launch(p)
                try:
                    results = shoot(browser, cast, shots, args.out)
                finally:
                    browser.close()
        finally:
            server.shutdown()
    for r in results:
        print(f"{r.path}  {r.size[0]}x{r.size[1]}  {r.nbytes // 1024} KB  [{r.heading[:60]}]")
        for problem in r.problems:
            print(f"    browser: {problem}")
    print(f"{len(results)} screenshots in {time.monotonic() - started:.1f} s "
          f"(app and data {built - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
