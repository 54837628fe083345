"""Feedback from the public: the satisfaction survey (SKM rating) and complaints.

- ``/portal/requests/<id>/rating``: the applicant rates the service of one request, once, after
  the letter was sent (the nine SKM elements of ``skm.ELEMENTS``, 1–4, and a comment).
- ``/complaints/new``: anyone files a complaint (logged in or not); it gets a random tracking
  code, working-day deadlines from the office's settings and an acknowledgement e-mail written
  to the outbox in the same transaction.
- ``/complaints/<code>``: the public page of one complaint, by its unguessable tracking code:
  state, dates and the answer, never the reporter's identity.

Forms are Flask-WTF forms, so the app's CSRF setting applies to every POST here.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, StopValidation

from app import notify
from app.auth import form_tokens
from app.auth.access import login_required
from app.core.transactions import app_session as _session
from app.core.transactions import unit_of_work
from app.feedback import skm
from app.feedback.complaints import complaint_received_on, file_complaint, long_date
from app.models import (
    COMPLAINT_STATES,
    ActivityRequest,
    Complaint,
    Office,
    Rating,
)
from app.offices.workdays import local_date, office_timezone

bp = Blueprint("feedback", __name__)

# The applicant may rate once the letter has reached them.
RATEABLE_STATES = frozenset({"sent", "closed"})
COMMENT_MAX = 2000
COMPLAINT_TEXT_MAX = 5000
CODE_MAX = 20  # Complaint.tracking_code


def _user():
    """The logged-in user, or None."""
    user = getattr(g, "user", None)
    return user if user is not None and user.is_authenticated else None


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _int_or_none(value):
    """Coerce for our selects: a number, or None for an empty or malformed value (which the
    field then refuses with our own message, not WTForms' untranslated one)."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _too_long(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters, please."))


def _request_page(req_id: int) -> str:
    return "/portal/requests/%d" % req_id


# --- Rating (SKM) ----------------------------------------------------------------------------


class RatingForm(FlaskForm):
    """The nine SKM questions (fields e1 … e9, added below from skm.ELEMENTS) and a comment."""

    comment = TextAreaField(
        _l("Comments and suggestions (optional)"),
        filters=[_strip], validators=[Optional(), _too_long(COMMENT_MAX)],
        render_kw={"rows": 4, "maxlength": COMMENT_MAX},
    )


_CHOOSE_ONE = _l("Please choose one of the four answers.")

for _element in skm.ELEMENTS:
    setattr(RatingForm, _element.field, RadioField(
        _element.question,
        choices=[SelectChoice(value, label) for value, label in zip(skm.SCALE, _element.answers)],
        coerce=_int_or_none,
        invalid_value_message=_CHOOSE_ONE,
        invalid_choice_message=_CHOOSE_ONE,
        render_kw={"required": True},
    ))
del _element


def existing_rating(session, request_id: int) -> Rating | None:
    return session.scalars(select(Rating).where(Rating.request_id == request_id)).first()


def _already_rated(req: ActivityRequest, rating: Rating | None, status: int):
    return render_template("feedback/rating_done.html", req=req, rating=rating,
                           back=_request_page(req.id)), status


@bp.route("/portal/requests/<int:req_id>/rating", methods=["GET", "POST"])
@login_required
def rating(req_id: int):
    """The applicant rates the service of their request, once, after the letter was sent."""
    session = _session()
    user = _user()
    req = session.get(ActivityRequest, req_id)
    if req is None or req.applicant_id != user.id:
        abort(404)  # someone else's request: as if it did not exist
    if req.state not in RATEABLE_STATES:
        flash(_("You can rate the service once the recommendation letter has been sent to "
                "you."), "warning")
        return redirect(_request_page(req.id))
    previous = existing_rating(session, req.id)
    if previous is not None:
        return _already_rated(req, previous, 409 if request.method == "POST" else 200)

    form = RatingForm()
    if form.validate_on_submit():
        row = Rating(
            request_id=req.id, office_id=req.office_id, rater_id=user.id,
            comment=form.comment.data or None,
            **{e.field: form[e.field].data for e in skm.ELEMENTS},
        )
        try:
            with unit_of_work(session):
                session.add(row)
        except IntegrityError:
            # Rated meanwhile (another tab, a double click): the unique request_id decides
            # (rolled back by the unit of work).
            req = session.get(ActivityRequest, req_id)
            return _already_rated(req, existing_rating(session, req_id), 409)
        flash(_("Thank you for rating our service."), "success")
        return redirect(_request_page(req.id))
    status = 400 if request.method == "POST" else 200
    return render_template("feedback/rating.html", form=form, req=req,
                           elements=skm.ELEMENTS), status


# --- Complaints --------------------------------------------------------------------------------


class ComplaintForm(FlaskForm):
    form_token = HiddenField()  # one-time (form_tokens): a retried POST files nothing twice
    office = SelectField(
        _l("Office"), coerce=_int_or_none,
        invalid_value_message=_l("Please choose an office from the list."),
        invalid_choice_message=_l("Please choose an office from the list."),
    )
    name = StringField(_l("Name"), filters=[_strip], validators=[Optional(), _too_long(200)],
                       render_kw={"autocomplete": "name", "maxlength": 200})
    email = StringField(
        _l("E-mail"), filters=[_strip],
        # Checked in validate_email: whether it is required depends on who is asking.
        render_kw={"type": "email", "autocomplete": "email", "maxlength": 200},
    )
    phone = StringField(
        _l("Phone"), filters=[_strip],
        validators=[Optional(), _too_long(50),
                    Regexp(r"^\+?[0-9 ()./-]{5,}$",
                           message=_l("Please enter a phone number (digits, spaces, + - ( ))."))],
        render_kw={"type": "tel", "autocomplete": "tel", "maxlength": 50},
    )
    subject = StringField(
        _l("Subject"), filters=[_strip],
        validators=[DataRequired(message=_l("This field is required.")), _too_long(300)],
        render_kw={"maxlength": 300},
    )
    text = TextAreaField(
        _l("Complaint"), filters=[_strip],
        validators=[DataRequired(message=_l("This field is required.")),
                    _too_long(COMPLAINT_TEXT_MAX)],
        render_kw={"rows": 6, "maxlength": COMPLAINT_TEXT_MAX},
    )
    request_link = SelectField(
        _l("About one of your requests (optional)"), coerce=_int_or_none,
        invalid_value_message=_l("Please choose one of your own requests."),
        invalid_choice_message=_l("Please choose one of your own requests."),
    )

    def validate_email(self, field):
        # Anonymous reporters must leave an address; an account's own one is the fallback.
        if not field.data:
            if _user() is None:
                raise StopValidation(_("Please give your e-mail address, so that we can "
                                       "answer you."))
            return
        _too_long(200)(self, field)
        Email(message=_l("Please enter a valid e-mail address."))(self, field)


def active_offices(session) -> list[Office]:
    return list(session.scalars(
        select(Office).where(Office.active.is_(True)).order_by(Office.name, Office.id)
    ))


def own_requests(session, user) -> list[ActivityRequest]:
    """The user's own requests, newest first: the only ones a complaint may be linked to."""
    if user is None:
        return []
    return list(session.scalars(
        select(ActivityRequest).where(ActivityRequest.applicant_id == user.id)
        .order_by(ActivityRequest.created_at.desc(), ActivityRequest.id.desc()).limit(500)
    ))


def _default_office_id(offices: list[Office]) -> int | None:
    code = current_app.config.get("OFFICE_CODE")
    for office in offices:
        if office.code == code:
            return office.id
    return offices[0].id if offices else None


@bp.route("/complaints/new", methods=["GET", "POST"])
def complaint_new():
    """File a complaint, with or without an account."""
    session = _session()
    user = _user()
    offices = active_offices(session)
    mine = own_requests(session, user)

    form = ComplaintForm()
    form.office.choices = [SelectChoice(o.id, o.name) for o in offices]
    form.request_link.choices = [SelectChoice(0, _("Not about a particular request"))] + [
        SelectChoice(r.id, f"{r.tracking_code} — {r.title}") for r in mine
    ]
    if request.method == "GET":
        form.form_token.data = form_tokens.new()
        form.office.data = _default_office_id(offices)
        form.request_link.data = 0
        if user is not None:
            form.name.data = " ".join(
                p.strip() for p in (user.first_name, user.last_name) if p and p.strip() != "-"
            ) or None
            form.email.data = user.email
            form.phone.data = getattr(user, "phone", None)

    token = form_tokens.valid(form.form_token.data) if request.method == "POST" else None
    if token is not None and (used := form_tokens.find(session, token)) is not None:
        return _complaint_sent_before(session, form, used, user, mine)
    if form.validate_on_submit():
        linked = None
        if form.request_link.data:
            # The select offers only the user's own requests; check again all the same.
            linked = session.get(ActivityRequest, form.request_link.data)
            if linked is None or user is None or linked.applicant_id != user.id:
                abort(400)
        try:
            # The token is committed with the complaint and its acknowledgement, or not at all.
            with form_tokens.recording(session, token, "complaint", user.id if user else None,
                                       Complaint):
                complaint, mail_ids = file_complaint(
                    session,
                    # A complaint about a request goes to the office that handles the request.
                    office_id=linked.office_id if linked else form.office.data,
                    subject=form.subject.data, text=form.text.data, reporter=user,
                    name=form.name.data, email=form.email.data or (user.email if user else None),
                    phone=form.phone.data, request_id=linked.id if linked else None,
                )
        except IntegrityError:
            # Rolled back (file_complaint): the same form sent twice at once, and the other
            # POST committed first? Then answered like its retry.
            used = form_tokens.find(session, token)
            if used is None:
                raise
            return _complaint_sent_before(session, form, used, user, mine)
        notify.try_send_now(mail_ids)
        return _complaint_received(complaint)
    if request.method == "POST" and token is None:
        form.form_token.data = form_tokens.new()  # none posted (an old page): one from now on
    status = 400 if request.method == "POST" else 200
    return _complaint_page(form, user, mine, status)


def _complaint_page(form, user, mine, status):
    return render_template("feedback/complaint_new.html", form=form, user=user,
                           has_requests=bool(mine)), status


def _complaint_received(complaint):
    flash(_("Your complaint has been received. Keep the tracking code to follow it."), "success")
    return redirect("/complaints/%s" % complaint.tracking_code)


def _complaint_sent_before(session, form, used, user, mine):
    """A complaint form whose token was used already: the first POST's answer again (its
    tracking code) for whoever sent it, the same account or, anonymous, the same browser
    that holds the token; anyone else gets the form back with a new token, nothing else."""
    complaint = None
    if form_tokens.mine(used, "complaint", user.id if user else None):
        complaint = session.get(Complaint, used.object_id)
    if complaint is not None:
        return _complaint_received(complaint)
    form.form_token.data = form_tokens.new()
    flash(_("This form had already been sent once. Check what it says and send it again if "
            "you want another complaint."), "warning")
    return _complaint_page(form, user, mine, 409)


@bp.get("/complaints/<code>")
def complaint_status(code: str):
    """A complaint's public page: state, dates and answer; never who filed it."""
    code = code.strip().upper()
    complaint = None
    if len(code) <= CODE_MAX:
        complaint = _session().scalars(
            select(Complaint).where(Complaint.tracking_code == code)
        ).first()
    if complaint is None:
        return render_template("feedback/complaint_status.html", complaint=None), 404
    answered = complaint.state in ("answered", "closed") and bool(complaint.answer)
    return render_template(
        "feedback/complaint_status.html", complaint=complaint,
        state=COMPLAINT_STATES.get(complaint.state, complaint.state),
        received=long_date(complaint_received_on(complaint)),
        ack_due=long_date(complaint.ack_due_date), due=long_date(complaint.due_date),
        answered=answered,
        answered_on=long_date(local_date(complaint.answered_at, office_timezone()))
        if answered and complaint.answered_at else None,
    )
