"""Applicant accounts: FAB's self-registration with the service's profile, and password reset.

Registration is FAB's own (``RegisterUserDBView``: the form, the pending registration, the
activation link), extended with the identity document, phone, agency and position the service
needs. The activation mail goes through our outbox, so a mail server that is down delays it
instead of losing the registration. Password reset is ours (FAB has none for database
accounts): a signed link, valid two hours and only until the password changes.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
from flask_appbuilder.security.forms import RegisterUserDBForm
from flask_appbuilder.security.registerviews import RegisterUserDBView
from flask_appbuilder.views import expose
from flask_appbuilder.widgets import FormWidget
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    ValidationError,
)

from app import notify
from app.auth import passwords
from app.auth.accounts import reset_token, user_for_token
from app.core import identity
from app.core.public_urls import public_url, public_url_for
from app.core.transactions import unit_of_work
from app.models import ID_DOC_TYPES, RekomRegisterUser, RekomUser
from app.offices import privacy
from app.offices.directory import default_office
from app.offices.workdays import utcnow

PROFILE = ("id_doc_type", "id_doc_number", "phone", "agency", "position")
# The privacy notice agreed to (offices/privacy.py), carried to the account on activation.
CONSENT = ("privacy_consent_version", "privacy_consent_at")


class RegisterForm(RegisterUserDBForm):
    """FAB's registration form, with the profile and without reCAPTCHA (no third party)."""

    recaptcha = None
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256),
                    passwords.form_validator("username", "email")],
        description=_l("At least %(n)d characters.", n=passwords.MIN_LENGTH),
        widget=BS3PasswordFieldWidget())
    # FAB's confirmation again, defined after ``password``: WTForms orders fields by definition,
    # so FAB's would be asked before the password this form redefines.
    conf_password = PasswordField(*RegisterUserDBForm.conf_password.args,
                                  **RegisterUserDBForm.conf_password.kwargs)
    # The profile styled as FAB's own fields above it.
    id_doc_type = SelectField(_l("Identity document"),
                              choices=[SelectChoice(k, v) for k, v in ID_DOC_TYPES.items()],
                              validators=[DataRequired()], render_kw={"class": "form-control"})
    id_doc_number = StringField(_l("Identity document number"),
                                validators=[DataRequired(), Length(max=50)],
                                widget=BS3TextFieldWidget())
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=50)],
                        widget=BS3TextFieldWidget())
    agency = StringField(_l("Agency"), validators=[DataRequired(), Length(max=200)],
                         description=_l("The ministry, agency or regional government unit."),
                         widget=BS3TextFieldWidget())
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)],
                           widget=BS3TextFieldWidget())
    # The notice itself is shown above the form (register_form.html).
    privacy_consent = BooleanField(
        _l("I have read the privacy notice above and agree to my data being processed as it "
           "says"),
        validators=[DataRequired(message=_l("Please read the privacy notice and agree to it "
                                            "to register."))])

    # FAB's own fields have no length limit (PostgreSQL would refuse the row with a 500), and
    # their validator lists must keep FAB's length: FAB appends its uniqueness checks only to
    # a list of exactly the length it expects (``add_form_unique_validations``). So the limits
    # are inline validators, which WTForms runs after the field's list.
    def validate_username(self, field):
        _fits_column(field, "username")

    def validate_first_name(self, field):
        _fits_column(field, "first_name")

    def validate_last_name(self, field):
        _fits_column(field, "last_name")

    def validate_email(self, field):
        _fits_column(field, "email")

    def validate_id_doc_number(self, field):
        # Checked as the document's kind says (a NIK: 16 digits), stored without the spaces
        # and dots people type (encrypted: models.EncryptedString).
        message = identity.problem(self.id_doc_type.data, field.data)
        if message:
            raise ValidationError(str(message))
        field.data = identity.normalize(self.id_doc_type.data, field.data)


def _fits_column(field, column: str) -> None:
    limit = RekomRegisterUser.__table__.columns[column].type.length
    if field.data and len(field.data) > limit:
        raise ValidationError(_("At most %(max)d characters, please.", max=limit))


class RegisterFormWidget(FormWidget):
    """FAB's form widget with a button that says what it does ("Register", not "Save")."""

    template = "appbuilder/general/security/register_form.html"


class RekomRegisterView(RegisterUserDBView):
    # FAB's methods overridden here, and the form's fields, are pinned in fab_internals.
    form = RegisterForm
    edit_widget = RegisterFormWidget
    redirect_url = "/"
    email_subject = _l("Activate your Rekomstat account")

    @expose("/form", methods=["POST"])
    def this_form_post(self):
        # FAB re-renders an invalid form with 200; say 422 like our own forms, so a client (or
        # a proxy's log) can tell a refused registration from a page view.
        answer = super().this_form_post()
        return (answer, 422) if isinstance(answer, str) else answer

    def add_form_unique_validations(self, form):
        """None: FAB's "Already exists" on the user name or e-mail told anyone which accounts
        exist. ``form_post`` answers a taken one as a new one and tells the address by mail."""

    def form_post(self, form):
        """A registration, or the same answer for a name or address already taken.

        - the address has an account: its owner is mailed ("someone tried to register with
          your address; log in or choose a new password");
        - the address has a registration waiting: its activation link is sent again;
        - the user name is taken (the address is free): the address is told the name cannot
          be used, and to register again with another;
        nothing is made in these cases, and the page says what it says for a new one.
        """
        sm = self.appbuilder.sm
        session = sm.session
        username, email = form.username.data, form.email.data
        with unit_of_work(session):
            user, waiting = _holders_of_email(session, email)
            if user is None and waiting is None and _username_taken(session, username):
                _balance_hash(form.password.data)
                rows = _registration_mail(
                    session, "registration_username_taken", email,
                    " ".join(filter(None, (form.first_name.data, form.last_name.data)))
                    or username,
                    _l("Your registration: choose another user name"),
                    url=public_url_for(".this_form_get"), url_label=_l("Register again"),
                    username=username)
            elif user is not None:
                _balance_hash(form.password.data)
                rows = _registration_mail(
                    session, "registration_address_taken", user.email, notify._name(user),
                    _l("Someone tried to register with your e-mail address"),
                    url=public_url(self.appbuilder.get_url_for_login),
                    url_label=_l("Log in"), username=user.username,
                    forgot_url=public_url_for("account.forgot"))
            elif waiting is not None:
                _balance_hash(form.password.data)
                rows = notify.account_activation(
                    session, waiting, public_url_for(".activation",
                                                     activation_hash=waiting.registration_hash))
            else:
                reg = sm.add_register_user(username, form.first_name.data, form.last_name.data,
                                           email, form.password.data)
                if not reg:
                    flash(str(self.error_message), "danger")
                    return
                for name in PROFILE:
                    setattr(reg, name, (form[name].data or "").strip() or None)
                # The very text shown with the form: the registration's default office's.
                reg.privacy_consent_version = privacy.version(privacy.notice(session))
                reg.privacy_consent_at = utcnow()
                rows = notify.account_activation(
                    session, reg,
                    public_url_for(".activation", activation_hash=reg.registration_hash))
        notify.try_send_now([r.id for r in rows])
        if notify.mail_configured():
            flash(str(self.message), "info")
        else:  # the link is held in the outbox: FAB's "sent to your email" would be untrue
            flash(_("Your registration is recorded. This server sends no e-mail: your "
                    "activation link is kept by the office's administrator; ask them for it."),
                  "info")

    @expose("/activation/<string:activation_hash>")
    def activation(self, activation_hash):
        """FAB's activation, plus the profile the registration carried."""
        sm = self.appbuilder.sm
        reg = sm.find_register_user(activation_hash)
        profile = {name: getattr(reg, name) for name in (*PROFILE, *CONSENT)} if reg else {}
        email = reg.email if reg else None
        response = super().activation(activation_hash)
        if email:
            user = sm.find_user(email=email)
            if user is not None:
                with unit_of_work(sm.session):
                    for name, value in profile.items():
                        setattr(user, name, value)
        return response


def _holders_of_email(session, email: str):
    """The account and the waiting registration with this address (any case), or None."""
    email = (email or "").strip().lower()
    user = session.scalars(select(RekomUser).where(
        func.lower(RekomUser.email) == email)).first()
    waiting = session.scalars(select(RekomRegisterUser).where(
        func.lower(RekomRegisterUser.email) == email)).first()
    return user, waiting


def _username_taken(session, username: str) -> bool:
    name = (username or "").strip().lower()
    return any(session.scalar(select(func.count()).select_from(model).where(
        func.lower(model.username) == name)) for model in (RekomUser, RekomRegisterUser))


def _balance_hash(password: str) -> None:
    """Hash as a new registration does, so a taken name or address takes as long to answer."""
    generate_password_hash(
        password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))


def _registration_mail(session, template: str, recipient: str, name: str, subject, *,
                       url: str, url_label, **extra) -> list:
    """An account mail (notify's frame, the office's language) with values of its own."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"):
        subject, url_label = str(subject), str(url_label)
        office = default_office(session)
        context = dict(office=office, name=name, subject=subject, url=url,
                       url_label=url_label,
                       lang=current_app.config.get("BABEL_DEFAULT_LOCALE") or "id", **extra)
        return [notify.queue(session, recipient=recipient, subject=subject,
                             text=render_template(f"email/{template}.txt", **context),
                             html=render_template(f"email/{template}.html", **context),
                             office_id=office.id if office else None)]


# --- password reset --------------------------------------------------------------------------

bp = Blueprint("account", __name__, url_prefix="/portal/password")


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(), Email(message=_l("Please enter a valid e-mail address.")),
        Length(max=320, message=_l("At most %(max)d characters, please."))])


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), Length(max=256),
                                         passwords.form_validator()])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[EqualTo("password", message=_l("Passwords must match"))])


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        sm = current_app.appbuilder.sm
        user = sm.session.scalars(select(RekomUser).where(
            func.lower(RekomUser.email) == form.email.data.strip().lower())).first()
        if user is not None and user.active:
            url = public_url_for(".reset", token=reset_token(user))
            with unit_of_work(sm.session):
                rows = notify.password_reset(sm.session, user, url)
            notify.try_send_now([r.id for r in rows])
        # The same answer whether or not the address has an account: nothing to probe.
        if notify.mail_configured():
            flash(_("If this address has an account, a link to choose a new password is on "
                    "its way."), "info")
        else:
            flash(_("If this address has an account, a link to choose a new password is kept "
                    "by the office's administrator (this server sends no e-mail): ask them for "
                    "it."), "info")
        return redirect(url_for(".forgot"))
    return render_template("portal/password_forgot.html", form=form), _form_status()


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token):
    user = user_for_token(token)
    if user is None:
        flash(_("This link is not valid any more. Ask for a new one."), "danger")
        return redirect(url_for(".forgot"))
    form = ResetForm()
    if form.validate_on_submit():
        current_app.appbuilder.sm.reset_password(user.id, form.password.data)
        flash(_("Your password is changed. You can log in now."), "success")
        return redirect(current_app.appbuilder.get_url_for_login)
    return render_template("portal/password_reset.html", form=form), _form_status()


def _form_status() -> int:
    """A form shown again after a POST was refused: 422; shown for the first time: 200."""
    return 422 if request.method == "POST" else 200
