"""The request state machine (design.md, "Requests and their states").

One table of transitions — from which states, by which roles, under which guard, to which
state — and one function, ``apply``, that takes an action on a request inside one transaction
and writes an ``AuditEvent``. The officers' screens, the REST API and (later) the portal all
call ``apply``; none of them changes ``state`` by hand. No Flask request objects in here: the
caller passes the acting user; the app context gives the settings.

An illegal action raises ``WorkflowError`` before anything is written: ``status`` 403 when
the user's role may never take the action, 409 when the request's state or a guard refuses.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import object_session

from app import notify
from app.auth.roles import (
    ADMIN,
    APPLICANT,
    HEAD,
    OFFICE_STAFF,
    OFFICER,
    SECTION_HEAD,
    role_label,
    user_role_names,
)
from app.core import audit, codes
from app.core.errors import DomainError
from app.core.public_urls import verify_url  # the URL the letter's QR code carries
from app.core.transactions import unit_of_work
from app.letters import certificates
from app.letters import document as letters
from app.models import (
    REQUEST_STATES,
    ActivityRequest,
    ChecklistItem,
    Letter,
    OfficeSetting,
    Review,
)
from app.offices.directory import DEFAULT_SETTING, office_info
from app.offices.workdays import local_date, office_calendar, office_timezone, utcnow
from app.requests import form as request_form
from app.requests import form_pdf, results

# Fields an applicant must fill before the request counts as recorded complete (the form's own
# "required" marks, so the form, its PDF and this check never disagree).
REQUIRED_FOR_SUBMIT = request_form.required_fields()

# Before a letter is issued the applicant may still withdraw.
PRE_ISSUE = frozenset(
    {"draft", "submitted", "in_review", "revision_requested", "verified", "letter_drafted",
     "letter_initialled"}
)
# A draft on its way to the signer (initialled or not): the signer may issue or return it.
AT_SIGNER = frozenset({"letter_drafted", "letter_initialled"})
OPEN_STATES = PRE_ISSUE - {"draft"} | {"issued"}  # the SLA clock runs (or is paused) here
# Where it runs and can be overdue (a revision awaited pauses it); sorted: one SQL text.
CLOCK_RUNNING = tuple(sorted(OPEN_STATES - {"revision_requested"}))


def in_open_states(column):
    """``column IN (the open states)`` with the states written into the SQL text, as the
    partial index ix_request_overdue's predicate names them (models.OVERDUE_PREDICATE): a
    planner uses a partial index only for a query whose own terms imply its predicate, which
    bound parameters never do for a prepared statement's plan."""
    return column.in_(bindparam("open_states", sorted(OPEN_STATES), expanding=True,
                                literal_execute=True, unique=True))


class WorkflowError(DomainError):
    """An action the workflow refuses; nothing was written."""


@dataclass
class Context:
    """What a guard or an effect may look at."""

    session: object
    request: ActivityRequest
    actor: object
    note: Optional[str]
    today: dt.date
    now: dt.datetime
    roles: set
    emails: list = field(default_factory=list)  # outbox rows queued by the effect
    setting: Optional[OfficeSetting] = None  # read once per action (see _setting)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    roles: frozenset
    label: object  # what the button says
    guard: Optional[Callable[[Context], None]] = None
    effect: Optional[Callable[[Context], None]] = None
    needs_note: bool = False
    claimed: bool = False  # only the officer who started the review (or an admin)
    # Whether the button is offered to these roles under the office's settings (the guard
    # still decides): (request, setting, roles) -> bool.
    offered: Optional[Callable[[ActivityRequest, OfficeSetting, set], bool]] = None


@dataclass
class Outcome:
    request: ActivityRequest
    from_state: str
    to_state: str
    email_ids: list
    request_id: int  # read before the commit: request.id would reload the expired row


# --- guards ----------------------------------------------------------------------------------


def missing_for_submit(req: ActivityRequest) -> list[str]:
    """Labels of the required fields still empty (all of them, so the form can list them)."""
    return [label for _name, label in missing_fields(req)]


def missing_fields(req: ActivityRequest) -> list[tuple[str, str]]:
    """(field, label) of what is still needed to submit, in the form's order: each required
    field still empty, then each one-of group none of whose fields is filled in (named by its
    first field), so that a form can link every item to the field to fill."""
    missing = [(name, str(label)) for name, label in REQUIRED_FOR_SUBMIT.items()
               if getattr(req, name) in (None, "")]
    return missing + request_form.missing_one_of_fields(req)


def _guard_complete(ctx: Context) -> None:
    missing = missing_for_submit(ctx.request)
    if missing:
        raise WorkflowError(_("The request is not complete yet: %(fields)s.",
                              fields=", ".join(missing)))


def latest_review(req: ActivityRequest) -> Optional[Review]:
    return max(req.reviews, key=lambda r: r.round, default=None)


def applicable_checklist(session, req: ActivityRequest) -> list[ChecklistItem]:
    # A checklist scope is "survey" or "compilation": a full enumeration or another kind of
    # activity meets only the items for all.
    return list(session.scalars(
        select(ChecklistItem)
        .where(ChecklistItem.office_id == req.office_id, ChecklistItem.active.is_(True),
               ChecklistItem.applies_to.in_(("all", req.kind)))
        .order_by(ChecklistItem.position, ChecklistItem.id)
    ))


def failing_items(session, req: ActivityRequest, review: Review) -> list[ChecklistItem]:
    """Applicable checklist items the review has not marked as passed."""
    results = review.checklist or {}
    return [item for item in applicable_checklist(session, req)
            if not (results.get(str(item.id)) or {}).get("ok")]


def _guard_checklist_passed(ctx: Context) -> None:
    review = latest_review(ctx.request)
    if review is None or review.finished_at is not None:
        raise WorkflowError(_("There is no open review of this request."))
    failing = failing_items(ctx.session, ctx.request, review)
    if failing:
        raise WorkflowError(_("The checklist is not passed yet: %(items)s.",
                              items="; ".join(item.text for item in failing)))


def _guard_letter_draft(ctx: Context) -> None:
    letter = ctx.request.letter
    if letter is None or letter.is_issued:
        raise WorkflowError(_("There is no draft letter to issue."))
    if not (letter.body or "").strip():
        raise WorkflowError(_("The draft letter has no text."))


def _guard_signer(ctx: Context) -> None:
    """Only the role the office's setting names as signer (the Head by default) signs."""
    signer_role = _setting(ctx).signer_role or HEAD
    if signer_role not in ctx.roles:
        raise WorkflowError(_("Only the signer of this office (%(role)s) may do this.",
                              role=role_label(signer_role)), status=403)


def _guard_four_eyes(ctx: Context) -> None:
    """Never the person who drafted the letter signs it, whatever roles they hold; nor the one
    who initialled it (each step of the chain is another person's)."""
    letter = ctx.request.letter
    if letter is not None and letter.drafted_by_id == ctx.actor.id:
        raise WorkflowError(_("You drafted this letter: another person must sign it (four "
                              "eyes)."), status=403)
    if letter is not None and letter.initialled_by_id == ctx.actor.id:
        raise WorkflowError(_("You initialled this letter: another person must sign it (four "
                              "eyes)."), status=403)


def _guard_initials_asked(ctx: Context) -> None:
    """Initials only where the office asks for them, and never on one's own draft."""
    if not _setting(ctx).initials_required:
        raise WorkflowError(_("This office's letters are signed without a section head's "
                              "initials."))
    letter = ctx.request.letter
    if letter is not None and letter.drafted_by_id == ctx.actor.id:
        raise WorkflowError(_("You drafted this letter: another person must initial it (four "
                              "eyes)."), status=403)


def _guard_initialled(ctx: Context) -> None:
    """Where the office asks for initials, the signer signs only an initialled letter."""
    if _setting(ctx).initials_required and ctx.request.state != "letter_initialled":
        raise WorkflowError(_("A section head must initial this letter before it is signed."))


def _may_return(req: ActivityRequest, setting, roles: set) -> bool:
    """The signer returns a draft at either step; a section head, one not yet initialled, in
    an office that asks for initials."""
    return (setting.signer_role or HEAD) in roles or (
        SECTION_HEAD in roles and bool(setting.initials_required)
        and req.state == "letter_drafted")


def _guard_may_return(ctx: Context) -> None:
    if _may_return(ctx.request, _setting(ctx), ctx.roles):
        return
    if SECTION_HEAD in ctx.roles and _setting(ctx).initials_required:
        raise WorkflowError(_("The letter is initialled: only the signer may return it now."))
    if SECTION_HEAD in ctx.roles:
        raise WorkflowError(_("This office's letters are signed without a section head's "
                              "initials."))
    _guard_signer(ctx)


# --- effects ---------------------------------------------------------------------------------


def _setting(ctx: Context) -> OfficeSetting:
    """The office's settings, read now (the signer, the number's pattern); an office without
    its row has the defaults every reader shares (offices.DEFAULT_SETTING)."""
    if ctx.setting is None:  # the guard and the effect of one action share one read
        ctx.setting = _office_setting(ctx.session, ctx.request.office_id)
    return ctx.setting


def _office_setting(session, office_id: int) -> OfficeSetting:
    return session.scalars(
        select(OfficeSetting).where(OfficeSetting.office_id == office_id)
    ).first() or DEFAULT_SETTING


def _calendar(ctx: Context):
    return office_calendar(ctx.session, ctx.request.office_id)


def _on_submit(ctx: Context) -> None:
    req = ctx.request
    # The reads would each flush the request's changes so far (an UPDATE apiece, or the INSERT
    # of a new request before its due date is known): one flush writes the row once, with its
    # final values, before the mails that link to it.
    with ctx.session.no_autoflush:
        days = office_info(ctx.session, req.office_id).setting.sla_working_days
        req.submitted_at = req.complete_at = ctx.now
        req.due_date = _calendar(ctx).due_date(ctx.today, days)
    ctx.session.flush()
    ctx.emails += notify.submitted(ctx.session, req, days)


def _on_start_review(ctx: Context) -> None:
    req = ctx.request
    req.officer_id = ctx.actor.id
    last = latest_review(req)
    ctx.session.add(Review(
        request=req, round=(last.round + 1) if last else 1, officer_id=ctx.actor.id,
        checklist=dict(last.checklist or {}) if last else {}, outcome="pending",
        started_at=ctx.now,
    ))


def _finish_review(ctx: Context, outcome: str) -> None:
    review = latest_review(ctx.request)
    if review is not None and review.finished_at is None:
        review.outcome = outcome
        review.finished_at = ctx.now
        if ctx.note:
            review.notes = ctx.note


def _on_request_revision(ctx: Context) -> None:
    _finish_review(ctx, "revision")
    ctx.request.clock_paused_at = ctx.now  # the 30 days stand still while the applicant works
    ctx.emails += notify.revision_requested(ctx.session, ctx.request, ctx.note)


def _on_resubmit(ctx: Context) -> None:
    req = ctx.request
    if req.clock_paused_at is not None and req.due_date is not None:
        req.due_date = _calendar(ctx).resumed_due_date(
            req.due_date, req.clock_paused_at.date(), ctx.today)
    req.clock_paused_at = None
    req.submitted_at = ctx.now
    ctx.emails += notify.new_submission_for_officers(ctx.session, req)


def _on_verify(ctx: Context) -> None:
    _finish_review(ctx, "pass")
    ctx.emails += notify.verified(ctx.session, ctx.request)


def _on_draft_letter(ctx: Context) -> None:
    req = ctx.request
    letter = req.letter
    if letter is None:
        letter = Letter(request=req, office_id=req.office_id, result="fit",
                        verification_code=codes.random_token(20))
        ctx.session.add(letter)
        req.letter = letter
    letter.drafted_by_id = ctx.actor.id
    letter.drafted_at = ctx.now
    if not (letter.body or "").strip():
        letter.body = letters.default_body(req, letter.result)
    if letter.suggestions is None:
        letter.suggestions = letters.default_suggestions(req, req.reviews) or None
    if ctx.note:
        letter.suggestions = "\n".join(filter(None, [letter.suggestions, ctx.note]))
    # A draft made again after a return starts the chain again.
    letter.initialled_by_id = letter.initialled_at = None
    ctx.emails += _next_step_mails(ctx)


def _next_step_mails(ctx: Context) -> list:
    """Who takes the draft next: the section heads where the office asks for initials, else
    the signers."""
    setting = _setting(ctx)
    if setting.initials_required:
        return notify.letter_to_initial(ctx.session, ctx.request)
    return notify.letter_to_sign(ctx.session, ctx.request, setting.signer_role or HEAD)


def _on_initial(ctx: Context) -> None:
    letter = ctx.request.letter
    letter.initialled_by_id = ctx.actor.id
    letter.initialled_at = ctx.now
    ctx.emails += notify.letter_to_sign(ctx.session, ctx.request,
                                        _setting(ctx).signer_role or HEAD)


def _on_issue(ctx: Context) -> None:
    """Number, date, sign, render and hash the letter, all in the caller's transaction.

    The sequence comes from the locked counter row, so a failure anywhere below (the PDF, the
    commit) rolls the number back with everything else: no gaps, no number used twice.
    """
    req, setting = ctx.request, _setting(ctx)
    letter, office = req.letter, req.office
    # Read before the letter is half-numbered (a query would flush it); None: no certificate,
    # the letter is hashed only.
    signer = certificates.signer_for(ctx.session, office)
    year = ctx.today.year
    seq = letters.allocate_sequence(ctx.session, req.office_id, year)
    letter.sequence, letter.year, letter.letter_date = seq, year, ctx.today
    letter.number = letters.format_number(
        setting.number_pattern, seq, office.code, setting.classification_code, year)
    letter.issued_by_id = ctx.actor.id
    letter.signer_name = office.head_name or _full_name(ctx.actor)
    letter.signer_nip = office.head_nip
    req.recommendation_code = req.recommendation_code or f"REK-{office.code}-{year}-{seq:04d}"
    pdf = letters.render_pdf(letters.render_html(letter, verify_url=verify_url(
        letter.verification_code)))
    # Signed after the render, hashed after the signature: the hash is of the file sent. A
    # certificate that cannot sign (expired, revoked, the service down) refuses the whole step.
    if signer is not None:
        pdf = signer.sign(pdf, signer_name=letter.signer_name or "",
                          location=office.city or office.name)
        info = signer.describe()
        letter.signature_subject = (info.subject or letter.signer_name or "")[:300]
        letter.signature_issuer = (info.issuer or info.service or "")[:300] or None
        letter.signature_demo = bool(info.demo)
    letter.pdf, letter.sha256 = pdf, letters.sha256_hex(pdf)
    letter.issued_at = ctx.now


def _on_return_draft(ctx: Context) -> None:
    # The draft stays for the officer to edit (its initials are void); the reasons are the
    # audit note and go to the officer who drafted it.
    letter = ctx.request.letter
    if letter is None:
        return
    letter.initialled_by_id = letter.initialled_at = None
    ctx.emails += notify.draft_returned(ctx.session, ctx.request, letter, ctx.note)


def _on_send(ctx: Context) -> None:
    req = ctx.request
    # The annotated form goes with the letter: frozen and hashed here, once (an issued request
    # no longer changes, and the issue step, which holds the letter counter, stays quick).
    form_pdf.freeze_annotated(req.letter)
    req.sent_at = req.letter.sent_at = ctx.now
    if req.complete_at is not None:  # the dashboard's median (figures.sending) reads it
        tz = office_timezone()
        req.sent_working_days = _calendar(ctx).working_days_between(
            local_date(req.complete_at, tz), local_date(ctx.now, tz))
    results.schedule(ctx.session, req)  # a "fit" letter: its results are due after release
    ctx.emails += notify.letter_sent(ctx.session, req, req.letter)


def _on_close(ctx: Context) -> None:
    ctx.request.closed_at = ctx.now


def _on_withdraw(ctx: Context) -> None:
    req = ctx.request
    req.closed_at = ctx.now
    req.clock_paused_at = None


def _full_name(user) -> str:
    return " ".join(filter(None, [user.first_name, user.last_name])) or user.username


STAFF = frozenset({OFFICER, ADMIN})

TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("submit", frozenset({"draft"}), "submitted", frozenset({APPLICANT, OFFICER, ADMIN}),
               _l("Submit"), guard=_guard_complete, effect=_on_submit),
    Transition("start_review", frozenset({"submitted"}), "in_review", STAFF,
               _l("Start review"), effect=_on_start_review, claimed=True),
    Transition("request_revision", frozenset({"in_review"}), "revision_requested", STAFF,
               _l("Request revision"), effect=_on_request_revision, needs_note=True,
               claimed=True),
    Transition("resubmit", frozenset({"revision_requested"}), "submitted",
               frozenset({APPLICANT, OFFICER, ADMIN}), _l("Resubmit"), guard=_guard_complete,
               effect=_on_resubmit),
    Transition("verify", frozenset({"in_review"}), "verified", STAFF, _l("Verify"),
               guard=_guard_checklist_passed, effect=_on_verify, claimed=True),
    Transition("draft_letter", frozenset({"verified"}), "letter_drafted", STAFF,
               _l("Draft letter"), effect=_on_draft_letter, claimed=True),
    Transition("initial", frozenset({"letter_drafted"}), "letter_initialled",
               frozenset({SECTION_HEAD}), _l("Initial letter"),
               guard=lambda c: (_guard_initials_asked(c), _guard_letter_draft(c)),
               effect=_on_initial, offered=lambda r, s, roles: s.initials_required),
    Transition("issue", AT_SIGNER, "issued", frozenset({HEAD}),
               _l("Issue letter"), guard=lambda c: (_guard_signer(c), _guard_four_eyes(c),
                                                 _guard_initialled(c), _guard_letter_draft(c)),
               effect=_on_issue,
               offered=lambda r, s, roles: (r.state == "letter_initialled"
                                            or not s.initials_required)),
    Transition("return_draft", AT_SIGNER, "verified", frozenset({HEAD, SECTION_HEAD}),
               _l("Return draft"), guard=_guard_may_return, effect=_on_return_draft,
               needs_note=True, offered=_may_return),
    Transition("send", frozenset({"issued"}), "sent", STAFF, _l("Send letter"),
               effect=_on_send),
    Transition("close", frozenset({"sent"}), "closed", STAFF, _l("Close"), effect=_on_close),
    Transition("withdraw", PRE_ISSUE, "withdrawn", frozenset({APPLICANT}), _l("Withdraw"),
               effect=_on_withdraw),
)}

# The actions that an applicant takes on their own request, versus staff of the office.
APPLICANT_ACTIONS = frozenset(a for a, t in TRANSITIONS.items() if APPLICANT in t.roles)


def _check_roles_and_scope(t: Transition, req: ActivityRequest, actor, roles: set) -> None:
    acting = roles & t.roles
    if not acting:
        raise WorkflowError(_("Your role may not take the action \"%(action)s\".",
                              action=t.label), status=403)
    if ADMIN in acting:
        return
    staff = acting & OFFICE_STAFF
    if staff and actor.office_id == req.office_id:
        return
    if APPLICANT in acting and req.applicant_id == actor.id:
        return
    raise WorkflowError(_("This request is not yours to act on."), status=403)


def _locked_request(session, request_id: int) -> ActivityRequest:
    # Lock the row (PostgreSQL) so two officers acting at once take turns.
    req = session.get(ActivityRequest, request_id, with_for_update=True, populate_existing=True)
    if req is None:
        raise WorkflowError(_("Request not found."), status=404)
    return req


def _check_claim(req: ActivityRequest, actor, roles: set) -> None:
    """Only the officer who started the review acts on it (an admin may step in)."""
    if req.officer_id not in (None, actor.id) and ADMIN not in roles:
        raise WorkflowError(_("This request is being handled by another officer (%(name)s).",
                              name=req.officer))


def _today(now: dt.datetime) -> dt.date:
    """The office's calendar day (WIB by default): the SLA counts Indonesian working days."""
    return local_date(now, office_timezone())


def allowed_actions(req: ActivityRequest, actor) -> list[Transition]:
    """The actions this user could try on this request now (buttons to show)."""
    roles = user_role_names(actor)
    result = []
    setting = None
    for t in TRANSITIONS.values():
        if req.state not in t.sources:
            continue
        try:
            _check_roles_and_scope(t, req, actor, roles)
        except WorkflowError:
            continue
        if t.offered is not None:
            if setting is None:
                setting = _office_setting(object_session(req), req.office_id)
            if not t.offered(req, setting, roles):
                continue
        result.append(t)
    return result


def apply(session, request: int | ActivityRequest, action: str, actor,
          note: Optional[str] = None, now: Optional[dt.datetime] = None,
          today: Optional[dt.date] = None) -> Outcome:
    """Take ``action`` on the request as ``actor``; commit, or raise and leave nothing written.

    ``request`` is the id of a stored request, which is locked and read afresh; or a new
    request the caller has just added to the session, not yet flushed (one submitted as it is
    created). No other transaction can see that one, so there is nothing to lock or reload,
    and its "create" event is written together with the action's.
    """
    t = TRANSITIONS.get(action)
    if t is None:
        raise WorkflowError(_("Unknown action \"%(action)s\".", action=action), status=404)
    now = now or utcnow()
    created = isinstance(request, ActivityRequest)
    if created and request not in session.new:
        raise ValueError("apply() takes a request that is not new by its id")
    with unit_of_work(session):
        req = request if created else _locked_request(session, request)
        roles = user_role_names(actor)
        _check_roles_and_scope(t, req, actor, roles)
        if req.state not in t.sources:
            raise WorkflowError(_("The request is %(state)s: \"%(action)s\" is not possible now.",
                                  state=REQUEST_STATES[req.state], action=t.label))
        note = (note or "").strip() or None
        if t.needs_note and not note:
            raise WorkflowError(_("Please write a note for \"%(action)s\".", action=t.label))
        ctx = Context(session, req, actor, note, today or _today(now), now, roles)
        if t.claimed:
            _check_claim(req, actor, roles)
        if t.guard:
            t.guard(ctx)
        from_state = req.state
        # The target state first: an effect that flushes (the mails link to the request) then
        # writes the row once, with its final state.
        req.state = t.target
        if t.effect:
            t.effect(ctx)
        if req.id is None:
            session.flush()  # the new request's id, for its events
        events = [(action, from_state, t.target, note)]
        if created:
            events.insert(0, ("create", None, from_state, None))
        audit.record_steps(session, actor, req, events, at=now)  # one INSERT for both
        session.flush()
        email_ids, request_id = [m.id for m in ctx.emails], req.id
    return Outcome(req, from_state, t.target, email_ids, request_id)


def record_review(session, request_id: int, actor, results: dict, notes: Optional[str] = None,
                  now: Optional[dt.datetime] = None) -> Review:
    """Write the checklist of the open review round: ``{item_id: {"ok": bool, "note": str}}``.

    Only the officer handling the request (or an admin) records it, only while in review, and
    only items of the office's checklist; the round's audit event records who checked what.
    """
    now = now or utcnow()
    with unit_of_work(session):
        req = _locked_request(session, request_id)
        roles = user_role_names(actor)
        if not roles & STAFF or (ADMIN not in roles and actor.office_id != req.office_id):
            raise WorkflowError(_("This request is not yours to act on."), status=403)
        review = latest_review(req)
        if req.state != "in_review" or review is None or review.finished_at is not None:
            raise WorkflowError(_("There is no open review of this request."))
        _check_claim(req, actor, roles)
        known = {str(item.id) for item in applicable_checklist(session, req)}
        checklist = dict(review.checklist or {})
        for key, value in results.items():
            if str(key) not in known:
                raise WorkflowError(_("Unknown checklist item: %(item)s.", item=key), status=400)
            value = value if isinstance(value, dict) else {"ok": bool(value)}
            checklist[str(key)] = {"ok": bool(value.get("ok")),
                                   "note": (value.get("note") or "").strip()}
        review.checklist = checklist  # a new dict, so the JSON column sees the change
        if notes is not None:
            review.notes = notes.strip() or None
        passed = sum(1 for v in checklist.values() if v["ok"])
        audit.record(session, actor, req, "review", req.state, req.state, _(
            "Checklist: %(passed)d of %(total)d items passed.", passed=passed, total=len(known)),
            at=now)
    return review
