"""The applicants' pages: their requests, the request form, documents, letters.

Applicants never see FAB's staff screens; this is their whole world. Every page checks that the
request is the logged-in applicant's own (documents: or that the user is staff of its office);
anything else is a 404, so ids reveal nothing. State changes go through ``workflow.apply``.
"""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask import session as browser_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import notify
from app.auth import form_tokens
from app.auth.access import login_required
from app.auth.roles import ADMIN, OFFICE_STAFF, user_role_names
from app.core.transactions import app_session as _session
from app.core.transactions import unit_of_work
from app.letters import document as letters
from app.models import (
    ATTACHMENT_KINDS,
    REQUEST_STATES,
    RESULT_PRODUCTS,
    RESULT_STATES,
    ActivityRequest,
    Attachment,
    AuditEvent,
    Office,
)
from app.offices import workdays
from app.offices.directory import default_office, office_scope
from app.offices.sla import request_sla, sla_label
from app.portal import form_steps
from app.portal import forms as portal_forms
from app.requests import commands as request_commands
from app.requests import findings, pdf_cache, progress, results, uploads, workflow
from app.requests.form import SECTIONS, choice_label
from app.web import labels
from app.web.input_guard import MAX_DB_INT

bp = Blueprint("portal", __name__, url_prefix="/portal")

EDITABLE = request_commands.APPLICANT_EDITABLE
UPLOAD_KINDS = ("cover_letter", "questionnaire", "request_form", "other")
# Blank rows offered below those filled in (no script needed to add rows), per table.
BLANK_ROWS = {"variables": 3, "indicators": 2}
# The first line of a row's block on the form; its other fields fold under "More about …".
ROW_FIRST_LINE = {"variables": ("name", "alias", "data_type", "public"),
                  "indicators": ("name", "periodicity", "composite", "public")}
# Each table as the form lays it out: its fields of the first line, and the rest.
TABLE_LAYOUTS = [
    {"key": key, "limit": table.limit,
     "first": [f for f in table.fields if f.name in ROW_FIRST_LINE[key]],
     "more": [f for f in table.fields if f.name not in ROW_FIRST_LINE[key]]}
    for key, table in request_commands.ROW_TABLES.items()]
HOME_PER_PAGE = 25  # requests per page of "My requests"
# What an applicant sees of the timeline: staff-internal steps (drafting, the head returning a
# draft, checklist saves) are the office's business, and only revision notes are addressed to
# the applicant.
APPLICANT_EVENTS = {"create", "submit", "start_review", "request_revision", "resubmit",
                    "revision_1", "revision_2", "verify", "issue", "send", "close", "withdraw",
                    "results_ask", "results_due", "results_submit", "results_receive",
                    "results_return"}
APPLICANT_NOTES = {"request_revision", "withdraw", "results_submit", "results_return"}


def _own_request(req_id: int) -> ActivityRequest:
    req = _session().get(ActivityRequest, req_id)
    if req is None or req.applicant_id != g.user.id:
        abort(404)
    return req


def _staff_of(user, office_id) -> bool:
    roles = user_role_names(user)
    return ADMIN in roles or (bool(roles & OFFICE_STAFF) and user.office_id == office_id)


def _staff_reading(user, office_id) -> bool:
    """Staff of ``office_id``'s office or of an office above it (a province, the headquarters:
    they read the requests of the offices under them, issue 27)."""
    roles = user_role_names(user)
    if ADMIN in roles:
        return True
    if not roles & OFFICE_STAFF or user.office_id is None:
        return False
    return office_id in office_scope(_session(), user.office_id).offices


@bp.get("/")
@login_required
def home():
    if user_role_names(g.user) & (OFFICE_STAFF | {ADMIN}) and not _session().scalar(
            select(ActivityRequest.id).where(ActivityRequest.applicant_id == g.user.id)):
        return redirect(url_for("RekomIndexView.index"))  # staff work in their own screens
    # One page at a time: an agency's account may hold years of requests.
    mine = ActivityRequest.applicant_id == g.user.id
    total = _session().scalar(select(func.count()).select_from(ActivityRequest).where(mine))
    pages = max(1, -(-total // HOME_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = _session().scalars(
        select(ActivityRequest).where(mine)
        .order_by(ActivityRequest.created_at.desc(), ActivityRequest.id.desc())
        .limit(HOME_PER_PAGE).offset((page - 1) * HOME_PER_PAGE)
    ).all()
    return render_template("portal/home.html", requests=rows, states=REQUEST_STATES,
                           sla=lambda r: sla_label(request_sla(r)), page=page, pages=pages,
                           total=total)


# --- the form ----------------------------------------------------------------------------------


def _offices():
    return _session().scalars(select(Office).where(Office.active.is_(True))
                              .order_by(Office.name)).all()


def _render_form(form, req, errors=(), status=200, token=None, step=None):
    if req is None:
        # A new form gets its one-time token; one sent back with a mistake keeps it (the same
        # attempt: nothing was made with it).
        token = token or form_tokens.posted() or form_tokens.new()
    # Room for a few more rows below those entered, up to each table's limit: a table of 200
    # variables gets no blank row to invite a 201st.
    for key, table in request_commands.ROW_TABLES.items():
        room = min(len(portal_forms.table_rows(form, key)) + BLANK_ROWS[key], table.limit)
        while len(form[key].entries) < room:
            form[key].append_entry()
    # The browser's copy of what is typed (static/form-draft.js), per request and step; the
    # copy of a step just saved is dropped.
    draft_key = _draft_key(req, step)
    steps = {}
    if step is not None:
        # The officers' findings (requests/findings.py) of the revision the applicant is making.
        found = (findings.last_revision(_session(), req)
                 if req is not None and req.state == "revision_requested" else None)
        missing = workflow.missing_fields(req) if req is not None else []
        steps = {"step": step, "steps": form_steps.STEPS, "number": form_steps.number(step.key),
                 "missing": missing, "missing_by_step": form_steps.missing_by_step(missing),
                 "step_of": form_steps.step_of,
                 "sections": [s for s in SECTIONS if s.key == step.section],
                 "findings": found or None}
    return render_template(
        "portal/request_step.html" if step is not None else "portal/request_form.html",
        **{"sections": SECTIONS, **steps},
        draft_key=draft_key, draft_saved=browser_session.pop("form_draft_saved", None),
        form=form, req=req, errors=errors,
        tables=TABLE_LAYOUTS, offices=_offices(),
        office_id=(req.office_id if req else None) or request.form.get("office_id", type=int)
        or getattr(default_office(_session()), "id", None),
        upload_kinds=[(k, ATTACHMENT_KINDS[k]) for k in UPLOAD_KINDS],
        similar_url=url_for("catalogue.similar")
        if "catalogue.similar" in current_app.view_functions else "",
        # The spreadsheet import of the rows (app/metadata), where it is installed.
        can_import=req is not None and {"metadata.import_rows", "metadata.template"}
        <= current_app.view_functions.keys(),
        form_token=token if req is None else None,
    ), status


def _draft_key(req, step) -> str:
    """The name of the browser tab's copy of a form page (static/form-draft.js): the user's, so
    that another account logged in later in the same tab never gets it back."""
    return f"rekomstat-form:{g.user.id}:{req.id if req else 'new'}:{step.key if step else 'all'}"


def _step():
    """The form's step this page shows or saves (``?step=`` or the posted ``step``), or None
    for the whole form on one page."""
    key = request.form.get("step") if request.method == "POST" else request.args.get("step")
    return form_steps.get(key)


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def new_request():
    form = portal_forms.RequestForm()
    # A new request starts at the first step: the others are filled in once its draft exists.
    step = form_steps.BY_KEY[form_steps.FIRST] if _step() is not None else None
    if request.method == "GET":
        form.year.data = workdays.office_today().year + 1
        return _render_form(form, None, step=step)
    token = form_tokens.posted()
    used = form_tokens.find(_session(), token)
    if used is not None:
        return _sent_before(form, used)
    return _save(form, None, token, step=step)


SENT_BEFORE = _l("This form had already been sent: here is the request it made.")
SEND_AGAIN = _l("This form had already been sent once. Check what it says and send it again if "
                "you want another request.")


def _sent_before(form, used):
    """The answer to a new-request form whose token was used already: the request it made,
    for the applicant who made it (the first answer lost on the way, a second click); for
    anyone else, the form again with a new token and nothing of that request."""
    req = None
    if used is not None and form_tokens.mine(used, "request", g.user.id):
        req = _session().get(ActivityRequest, used.object_id)
    if req is None or req.applicant_id != g.user.id:
        files = any(s and s.filename for kind in UPLOAD_KINDS
                    for s in request.files.getlist(f"file_{kind}"))
        return _render_form(form, None, [str(SEND_AGAIN)] + ([str(FILES_AGAIN)] if files else []),
                            status=409, token=form_tokens.new())
    flash(str(SENT_BEFORE), "info")
    return redirect(url_for(".show_request", req_id=req.id))


@bp.route("/requests/<int:req_id>/edit", methods=["GET", "POST"])
@login_required
def edit_request(req_id):
    req = _own_request(req_id)
    if req.state not in EDITABLE:
        flash(_("A request in this state can no longer be changed."), "warning")
        return redirect(url_for(".show_request", req_id=req.id))
    form = portal_forms.RequestForm()
    step = _step()
    if request.method == "GET":
        portal_forms.load(form, req)  # its variables and indicators too
        return _render_form(form, req, step=step)
    return _save(form, req, step=step)


def _chosen_office_id():
    """The office the form names, or None (an id beyond the column's range is none, not an
    overflow in the driver)."""
    office_id = request.form.get("office_id", type=int)
    return office_id if office_id is not None and 0 < office_id <= MAX_DB_INT else None


FILES_AGAIN = _l("For your safety the browser does not keep chosen files: please choose them "
                 "again.")


def _too_many_rows(form, key, rows) -> str | None:
    """The message for a table over its limit (said here, with the other mistakes of the
    form, rather than by the domain's check after them), else None."""
    limit = request_commands.ROW_TABLES[key].limit
    count = form[key].posted_rows if form[key].overflow else len(rows)
    if count <= limit:
        return None
    if key == "indicators":
        return _("The indicators table has %(count)d rows; at most %(max)d are allowed. Please "
                 "remove %(extra)d of them.", count=count, max=limit, extra=count - limit)
    return _("The variables table has %(count)d rows; at most %(max)d are allowed. Please "
             "remove %(extra)d of them.", count=count, max=limit, extra=count - limit)


def _save(form, req, token=None, step=None):
    """Save the draft (and, when asked, submit it) through request_commands, the door the
    staff screens and the API use too. On any error nothing is stored and the page comes back
    with every value the applicant entered and every problem listed.

    ``step`` (form_steps): only that step's fields are read and written, and the applicant
    goes on to the step the button names."""
    db = _session()
    errors = [] if form.validate() else portal_forms.field_errors(form)
    errors += portal_forms.missing_names(form)
    files = [(kind, storage) for kind in UPLOAD_KINDS
             for storage in request.files.getlist(f"file_{kind}") if storage and storage.filename]
    if step is not None and not step.documents:
        files = []
    checked = []
    for kind, storage in files:
        try:
            checked.append((kind, uploads.check(storage)))
        except uploads.UploadError as err:
            errors.append(str(err))
    action = request.form.get("action")
    submit = action if action in ("submit", "resubmit") else None
    note = request.form.get("note")
    values = portal_forms.values(form)
    tables = {key: portal_forms.table_rows(form, key) for key in request_commands.ROW_TABLES}
    if step is not None:
        values = {name: values[name] for name in step.columns}
        if not step.tables:
            tables = {key: None for key in tables}  # kept as they are
    for key, rows in tables.items():
        too_many = rows is not None and _too_many_rows(form, key, rows)
        if too_many:
            errors.append(too_many)
    try:
        if errors:
            raise request_commands.RequestInputError({"": errors})
        if req is None:
            saved = request_commands.create(
                db, g.user, office_id=_chosen_office_id(), values=values,
                variables=tables["variables"], indicators=tables["indicators"], files=checked,
                action=submit, note=note, form_token=token)
        else:
            saved = request_commands.update(
                db, g.user, req.id, values,
                variables=tables["variables"], indicators=tables["indicators"], files=checked,
                action=submit, note=note)
    except request_commands.RequestInputError as err:
        lines = err.lines(lambda name: form[name].label.text if name in form else None)
        return _render_form(form, req, lines + ([str(FILES_AGAIN)] if files else []),
                            status=422, step=step)
    except workflow.WorkflowError as err:
        # Rolled back: nothing stored, the form comes back with what was entered.
        return _render_form(form, req, [err.message] + ([str(FILES_AGAIN)] if files else []),
                            status=err.status if err.status != 404 else 409, step=step)
    except form_tokens.AlreadyUsed:
        # The same form sent twice at once, and the other POST committed first: rolled back
        # here, answered like its retry.
        return _sent_before(form, form_tokens.find(_session(), token))
    if saved.outcome is not None:
        notify.try_send_now(saved.email_ids)
        flash(_("Done: %(action)s.", action=workflow.TRANSITIONS[submit].label), "success")
        return redirect(url_for(".show_request", req_id=saved.request_id))
    if step is not None:
        browser_session["form_draft_saved"] = _draft_key(req, step)
        if submit:  # not complete yet: the last step lists what is missing
            flash(_("The request is not complete yet: fill in what is listed below."), "warning")
            return redirect(url_for(".edit_request", req_id=saved.request_id, step="review"))
        flash(_("Saved as a draft."), "success")
        return redirect(url_for(".edit_request", req_id=saved.request_id,
                                step=form_steps.target(step.key, action)))
    if submit:
        return _act(saved.request_id, submit)  # the workflow names what is missing; kept
    browser_session["form_draft_saved"] = _draft_key(req, None)
    flash(_("Your request is saved as a draft."), "success")
    if action in ("more_rows", "more_indicators"):
        anchor = "indicators" if action == "more_indicators" else "variables"
        return redirect(url_for(".edit_request", req_id=saved.request_id, _anchor=anchor))
    return redirect(url_for(".show_request", req_id=saved.request_id))


# --- one request -------------------------------------------------------------------------------


def _trail(req):
    """The request's audit events, oldest first, read once for its page: the timeline and the
    progress steps both come from them."""
    return _session().execute(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.to_state, AuditEvent.note)
        .where(AuditEvent.object_type == "activity_request", AuditEvent.object_id == req.id)
        .order_by(AuditEvent.at, AuditEvent.id)).all()


def _timeline(trail):
    """The events the applicant is shown (APPLICANT_EVENTS), with their notes where shown."""
    return [{"at": e.at, "action": labels.audit_action(e.action),
             "state": REQUEST_STATES.get(e.to_state, ""),
             "note": e.note if e.action in APPLICANT_NOTES else None}
            for e in trail if e.action in APPLICANT_EVENTS]


def _revision_notes(req):
    """The officers' findings of the last finished round, when it asked for revision
    (requests/findings.py): the review's notes, and each finding under the part of the form it
    concerns, with that part's title and step."""
    review = workflow.latest_review(req)
    if review is None or review.outcome != "revision":
        return None
    found = findings.of_review(_session(), review)
    return {"notes": found.notes, "general": found.general,
            "parts": [(part, findings.PART_TITLES[part], found.for_part(part))
                      for part in found.parts]}


@bp.get("/requests/<int:req_id>")
@login_required
def show_request(req_id):
    return _request_page(_own_request(req_id))


def _rows_shown(req) -> list[dict]:
    """The request's variables and indicators as the applicant reads them: each row's filled
    fields, codes as their labels."""
    tables = []
    for key, table in request_commands.ROW_TABLES.items():
        rows = []
        for row in getattr(req, key):
            values = [(f, choice_label(f, getattr(row, f.name))) for f in table.fields]
            rows.append({"name": values[0][1],
                         "fields": [(f.label, v, f.kind == "textarea") for f, v in values[1:]
                                    if v]})
        tables.append({"key": key, "rows": rows})
    return tables


def _progress(req, trail, actions, missing, follow, can_rate, letter):
    """The steps drawn at the top of the request's page and the one next thing to do."""
    reached = [(e.at, e.to_state) for e in trail if e.to_state is not None]
    nxt = progress.next_action(req.state, missing=bool(missing), actions=actions,
                               results_open=follow.open, can_rate=can_rate,
                               has_letter=letter is not None)
    return progress.steps(req.state, reached), nxt


def _request_page(req, results_form=None, results_errors=None):
    actions = {t.action for t in workflow.allowed_actions(req, g.user)}
    letter = req.letter if req.letter is not None and req.letter.is_issued else None
    missing_fields = workflow.missing_fields(req) if req.state in EDITABLE else []
    missing = [label for _name, label in missing_fields]
    follow = results.status(req, workdays.office_today())
    can_rate = (req.state in ("sent", "closed") and req.rating is None
                and "feedback.rating" in current_app.view_functions)
    trail = _trail(req)
    steps, next_action = _progress(req, trail, actions, missing, follow, can_rate, letter)
    return render_template(
        "portal/request.html", req=req, state=REQUEST_STATES[req.state],
        sla=request_sla(req), sla_text=sla_label(request_sla(req)), timeline=_timeline(trail),
        revision=_revision_notes(req), actions=actions, letter=letter,
        editable=req.state in EDITABLE, attachment_kinds=ATTACHMENT_KINDS,
        upload_kinds=[(k, ATTACHMENT_KINDS[k]) for k in UPLOAD_KINDS],
        missing=missing, can_rate=can_rate, steps=steps, next_action=next_action,
        edit_step=form_steps.first_to_fill(missing_fields),
        next_label=progress.NEXT.get(next_action), tables=_rows_shown(req),
        follow=follow, result_products=RESULT_PRODUCTS,
        result_states=RESULT_STATES, results_form=results_form or {},
        results_errors=results_errors or {},
    )


def _act(req_id: int, action: str):
    try:
        outcome = workflow.apply(_session(), req_id, action, g.user,
                                 note=request.form.get("note"))
    except workflow.WorkflowError as err:
        flash(err.message, "danger")
        return redirect(url_for(".show_request", req_id=req_id))
    notify.try_send_now(outcome.email_ids)
    flash(_("Done: %(action)s.", action=workflow.TRANSITIONS[action].label), "success")
    return redirect(url_for(".show_request", req_id=req_id))


@bp.post("/requests/<int:req_id>/<any(submit, resubmit, withdraw):action>")
@login_required
def act(req_id, action):
    _own_request(req_id)
    return _act(req_id, action)


@bp.post("/requests/<int:req_id>/documents")
@login_required
def upload(req_id):
    req = _own_request(req_id)
    if req.state not in EDITABLE:
        flash(_("A request in this state can no longer be changed."), "warning")
        return redirect(url_for(".show_request", req_id=req_id))
    kind = request.form.get("kind", "other")
    storage = request.files.get("file")
    if kind not in UPLOAD_KINDS or storage is None or not storage.filename:
        return _refuse_upload(req, _("Choose a file and its kind."))
    try:
        checked = uploads.check(storage)
    except uploads.UploadError as err:
        return _refuse_upload(req, str(err))
    session, row = _session(), None
    try:
        with unit_of_work(session):
            row = uploads.store(session, req.id, kind, checked, g.user.id)
    except Exception:
        uploads.discard([row] if row else [])  # the file stored before the refusal
        raise
    flash(_("Document %(name)s added.", name=checked.original_name), "success")
    return redirect(url_for(".show_request", req_id=req_id))


def _refuse_upload(req, message: str):
    """A refused document: the request's page again with the reason, as 422 (not a redirect
    to a 200), so that a client or a test sees that nothing was stored."""
    flash(message, "danger")
    return _request_page(req), 422


@bp.get("/documents/<int:attachment_id>")
@login_required
def document(attachment_id):
    """A request's document: for its applicant and the staff who read the request (its
    office's, and those of the offices above it)."""
    row = _session().get(Attachment, attachment_id)
    if row is None:
        abort(404)
    req = row.request
    if req.applicant_id != g.user.id and not _staff_reading(g.user, req.office_id):
        abort(404)
    path = uploads.path_of(row)
    if row.size == 0 or not path.is_file():
        abort(404)  # a paper document noted at the desk has no file
    response = send_file(path, mimetype=row.content_type, as_attachment=True,
                         download_name=row.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/requests/<int:req_id>/letter.pdf")
@login_required
def letter_pdf(req_id):
    req = _own_request(req_id)
    letter = req.letter
    if letter is None or not letter.is_issued:
        abort(404)
    return send_file(io.BytesIO(letter.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=letters.pdf_filename(letter))


@bp.get("/requests/<int:req_id>/form.pdf")
@login_required
def print_request(req_id):
    req = _own_request(req_id)
    pdf = pdf_cache.request_form(req)  # rendered once per change
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=False,
                     download_name=f"formulir-{req.tracking_code}.pdf")


@bp.get("/form.pdf")
def blank_form():
    """The empty form, for those who fill it on paper (no login needed)."""
    return send_file(io.BytesIO(pdf_cache.blank_form()), mimetype="application/pdf",
                     as_attachment=False,
                     download_name="formulir-rekomendasi-kegiatan-statistik.pdf")
