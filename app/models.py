"""The relational schema of Rekomstat.

Declarative SQLAlchemy 2 models on FAB's ``Model`` base (so they share the metadata of FAB's
security tables and Alembic sees one schema). No behaviour here beyond small derived
properties: the rules live in requests/workflow.py, letters/document.py, offices/workdays.py,
reports/figures.py.

Enumerated columns are plain strings with CHECK constraints rather than database ENUM types:
they migrate the same way on SQLite and PostgreSQL, and adding a value is one constraint change.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import Group, RegisterUser, Role, User
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# The states where a request's SLA clock runs or is paused (requests/workflow.OPEN_STATES,
# held equal by tests/test_overdue_index.py), sorted as the queries write them.
OPEN_STATES_SORTED = ("in_review", "issued", "letter_drafted", "letter_initialled",
                      "revision_requested", "submitted", "verified")


def _in(column: str, values) -> str:
    """SQL for `column IN (...)` over a fixed tuple of codes (codes are our own literals)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# ix_request_overdue's predicate (a text: both engines match it against the query's own terms).
OVERDUE_PREDICATE = text(
    _in("state", OPEN_STATES_SORTED) + " AND sent_at IS NULL AND clock_paused_at IS NULL")


class EncryptedString(TypeDecorator):
    """A string stored encrypted (Fernet): identity document numbers (UU 27/2022, issue 25).

    The cipher is the app's (``app.extensions["identity_cipher"]``, from IDENTITY_KEYS; see
    core/identity.py): Python reads and writes the number, the database and its backups hold
    only ciphertext. Nothing can search or sort by it."""

    impl = String(255)
    cache_ok = True

    @staticmethod
    def _cipher():
        from flask import current_app

        return current_app.extensions["identity_cipher"]

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return None
        return self._cipher().encrypt(str(value).encode()).decode()

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self._cipher().decrypt(value.encode()).decode()


# --- Enumerations: stored code -> label shown to people ------------------------------------

ID_DOC_TYPES = {
    "ktp": _l("Identity card (KTP)"),
    "sim": _l("Driving licence (SIM)"),
    "paspor": _l("Passport"),
    "lainnya": _l("Other"),
}

REQUEST_STATES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "in_review": _l("In review"),
    "revision_requested": _l("Revision requested"),
    "verified": _l("Verified"),
    "letter_drafted": _l("Letter drafted"),
    "letter_initialled": _l("Letter initialled"),
    "issued": _l("Issued"),
    "sent": _l("Sent"),
    "closed": _l("Closed"),
    "withdrawn": _l("Withdrawn"),
}

CHANNELS = {"online": _l("Online"), "walk_in": _l("Walk-in")}

ACTIVITY_KINDS = {
    "enumeration": _l("Full enumeration"),
    "survey": _l("Survey"),
    "compilation": _l("Compilation of administrative data"),
    "other": _l("Other means"),
}

# BPS's 22 sectors (sektor kegiatan), in the order of their numbers; "other" keeps a text.
SECTORS = {
    "agriculture_fisheries": _l("Agriculture and fisheries"),
    "demography": _l("Demography and population"),
    "development": _l("Development"),
    "economic_projection": _l("Economic projections"),
    "education_training": _l("Education and training"),
    "environment": _l("Environment"),
    "finance": _l("Finance"),
    "globalisation": _l("Globalisation"),
    "health": _l("Health"),
    "industry_services": _l("Industry and services"),
    "ict": _l("Information and communication technology"),
    "international_trade": _l("International trade and balance of trade"),
    "labour": _l("Labour"),
    "national_accounts": _l("National accounts"),
    "monthly_indicators": _l("Monthly economic indicators"),
    "productivity": _l("Productivity"),
    "prices_ppp": _l("Prices and purchasing power parity"),
    "public_sector": _l("Public sector, taxation and market regulation"),
    "regional_urban": _l("Regions and cities"),
    "science_patents": _l("Science and patents"),
    "social_protection": _l("Social protection and welfare"),
    "transport": _l("Transport"),
    "other": _l("Other sector"),
}

COVERAGES = {"whole": _l("All of Indonesia"), "part": _l("Part of Indonesia")}

REPETITIONS = {"one_off": _l("One-off"), "repeated": _l("Repeated")}

FREQUENCIES = {
    "daily": _l("Daily"),
    "weekly": _l("Weekly"),
    "monthly": _l("Monthly"),
    "quarterly": _l("Quarterly"),
    "four_monthly": _l("Every four months"),
    "semiannual": _l("Every six months"),
    "yearly": _l("Yearly"),
    "multi_year": _l("More than two-yearly"),
}

COLLECTION_TYPES = {
    "cross_section": _l("Cross-section"),
    "longitudinal": _l("Longitudinal / panel"),
    "longitudinal_cross": _l("Longitudinal cross-section"),
}

AREA_LEVELS = {
    "national": _l("National"),
    "province": _l("Province"),
    "regency": _l("Regency/city"),
    "district": _l("District"),
    "village": _l("Village"),
}

# Levels of presentation and of estimation: flags on BPS's form (the village is not among them).
PRESENTATION_LEVELS = {
    "national": _l("National"),
    "province": _l("Province"),
    "regency": _l("Regency/city"),
    "district": _l("District"),
    "other": _l("Other"),
}

COLLECTION_METHODS = {
    "interview": _l("Interview"),
    "self_administered": _l("Self-administered questionnaire"),
    "observation": _l("Observation"),
    "admin_records": _l("Administrative records"),
    "other": _l("Other"),
}

COLLECTION_MEDIA = {
    "paper": _l("Paper"),
    "capi": _l("CAPI"),
    "cati": _l("CATI"),
    "cawi": _l("Web (CAWI)"),
    "mail": _l("Mail"),
    "other": _l("Other"),
}

COLLECTION_UNITS = {
    "individual": _l("Individual"),
    "household": _l("Household"),
    "business": _l("Business"),
    "institution": _l("Institution"),
    "other": _l("Other"),
}

# MS-Keg's code lists (Peraturan BPS 5/2020), kept as our codes; app/requests/bps_codes.py
# gives each its number on BPS's form.
STATISTICS_KINDS = {
    "basic": _l("Basic statistics"),
    "sectoral": _l("Sectoral statistics"),
    "special": _l("Special statistics"),
}

SAMPLE_STAGES = {"single": _l("Single-stage"), "multi": _l("Multi-stage")}
SELECTION_METHODS = {
    "probability": _l("Probability"),
    "non_probability": _l("Non-probability"),
}
# The last stage's technique: the first five are probability methods, the rest not.
SELECTION_TECHNIQUES = {
    "srs": _l("Simple random sampling"),
    "systematic": _l("Systematic sampling"),
    "stratified": _l("Stratified sampling"),
    "cluster": _l("Cluster sampling"),
    "pps": _l("Probability proportional to size"),
    "quota": _l("Quota sampling"),
    "accidental": _l("Accidental sampling"),
    "purposive": _l("Purposive sampling"),
    "snowball": _l("Snowball sampling"),
    "saturation": _l("Saturation sampling"),
}
FRAME_TYPES = {"list": _l("List frame"), "area": _l("Area frame")}
COLLECTORS = {
    "own_staff": _l("Own staff"),
    "partners": _l("Partners or contract staff"),
    "both": _l("Own staff and partners"),
}
EDUCATION_LEVELS = {
    "junior_high": _l("Junior high school (SMP) or lower"),
    "senior_high": _l("Senior high school (SMA/SMK)"),
    "diploma": _l("Diploma I–III"),
    "university": _l("Diploma IV, bachelor's degree or higher"),
}
ANALYSIS_TYPES = {
    "descriptive": _l("Descriptive"),
    "inferential": _l("Inferential"),
    "both": _l("Descriptive and inferential"),
}

# MS-Var's data types.
VARIABLE_TYPES = {
    "text": _l("Text"),
    "integer": _l("Whole number"),
    "decimal": _l("Decimal number"),
    "date": _l("Date"),
    "boolean": _l("Yes/no"),
}

# The design checks the officer sees on a request (requests/design_checks.py); a checklist
# item names the one it corresponds to, so the check can pre-tick or flag it.
DESIGN_CHECKS = {
    "variables_defined": _l("Every variable has a concept and a definition"),
    "schedule_in_order": _l("The schedule's phases are in order"),
    "questionnaire": _l("The questionnaire is attached"),
    "sample_size": _l("The sample can carry the presentation level and expected error"),
    "similar_reason": _l("A close match in the catalogue has a reason"),
}

# The seven schedule stages of Block III, in the form's order.
SCHEDULE_STAGES = {
    "planning": _l("Planning"),
    "design": _l("Design"),
    "collection": _l("Data collection"),
    "processing": _l("Processing"),
    "analysis": _l("Analysis"),
    "dissemination": _l("Dissemination"),
    "evaluation": _l("Evaluation"),
}

ATTACHMENT_KINDS = {
    "request_form": _l("Request form"),
    "cover_letter": _l("Cover letter"),
    "questionnaire": _l("Questionnaire"),
    "other": _l("Other"),
    # The activity's publication, handed after the letter (PP 51/1999; results.py).
    "results": _l("Results of the activity"),
}

# What an agency hands BPS after a recommended activity (PP 51/1999): the products of Block VIII.
RESULT_PRODUCTS = {
    "printed": _l("Printed publication"),
    "digital": _l("Digital publication"),
    "microdata": _l("Microdata"),
    "other": _l("Other"),
}
RESULT_STATES = {
    "submitted": _l("Awaiting check"),
    "received": _l("Received"),
    "returned": _l("Returned to the applicant"),
}

REVIEW_OUTCOMES = {
    "pending": _l("Pending"),
    "pass": _l("Complete and clear"),
    "revision": _l("Needs revision"),
}

LETTER_RESULTS = {"fit": _l("Fit to be carried out"), "not_fit": _l("Not yet fit")}

COMPLAINT_CHANNELS = {
    "box": _l("Suggestion box"),
    "web": _l("Website"),
    "email": _l("E-mail"),
    "lapor": _l("SP4N-LAPOR!"),
    "pengaduan_bps": _l("pengaduan.bps.go.id"),
}

COMPLAINT_STATES = {
    "received": _l("Received"),
    "in_progress": _l("In progress"),
    "answered": _l("Answered"),
    "closed": _l("Closed"),
}

QUEUE_STATES = {
    "waiting": _l("Waiting"),
    "called": _l("Called"),
    "serving": _l("Being served"),
    "done": _l("Done"),
    "no_show": _l("No-show"),
}

DAY_KINDS = {
    "cuti_bersama": _l("Collective leave (cuti bersama)"),
    "local": _l("Local day off"),
    "correction": _l("Correction of the national calendar"),
}

# held: no mail server (the embedded default); the message waits on the admin's Outbox screen.
EMAIL_STATES = {"pending": _l("Pending"), "sent": _l("Sent"), "failed": _l("Failed"),
                "held": _l("Held here (no mail server)")}

CHECKLIST_SCOPES = {
    "all": _l("All requests"),
    "survey": _l("Surveys only"),
    "compilation": _l("Compilations only"),
}

SKM_ELEMENTS = 9


def _now() -> dt.datetime:
    # The column defaults' copy of workdays.utcnow, the one clock: models imports nothing of ours.
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


# --- Offices and people --------------------------------------------------------------------


class Office(Model):
    """A BPS office (regency/city or province). One deployment may serve many."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[Optional[str]] = mapped_column(String(500))
    city: Mapped[Optional[str]] = mapped_column(String(100))
    phone: Mapped[Optional[str]] = mapped_column(String(50))
    email: Mapped[Optional[str]] = mapped_column(String(200))
    website: Mapped[Optional[str]] = mapped_column(String(200))
    head_name: Mapped[Optional[str]] = mapped_column(String(200))
    head_nip: Mapped[Optional[str]] = mapped_column(String(30))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("office.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Optional["Office"]] = relationship(remote_side=[id])

    __table_args__ = (CheckConstraint("code <> ''", name="ck_office_code_nonempty"),)

    def __repr__(self) -> str:
        return self.name


class OfficeSetting(Model):
    """Per-office settings: letter numbering and text, who signs, service-level deadlines."""

    __tablename__ = "office_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(
        ForeignKey("office.id", ondelete="CASCADE"), unique=True
    )
    classification_code: Mapped[str] = mapped_column(String(30), default="VS.300")
    # Placeholders: {seq} {office_code} {classification} {year}
    # (domain.md: B-123/16740/VS.300/2024)
    number_pattern: Mapped[str] = mapped_column(
        String(200), default="B-{seq}/{office_code}0/{classification}/{year}"
    )
    letter_template: Mapped[Optional[str]] = mapped_column(Text)
    signer_title: Mapped[Optional[str]] = mapped_column(String(200))
    signer_role: Mapped[str] = mapped_column(String(64), default="Head")
    # The sign-off chain (issue 23): a section head initials (paraf) a drafted letter before
    # the signer may sign it. Off: the signer signs the draft, as before.
    initials_required: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_working_days: Mapped[int] = mapped_column(Integer, default=30)
    complaint_ack_days: Mapped[int] = mapped_column(Integer, default=3)
    complaint_answer_days: Mapped[int] = mapped_column(Integer, default=14)
    # Reminders and escalation (issue 24), each switched on or off per office: the handling
    # officer at 50 % and 80 % of a request's working days; the head's daily digest of the
    # requests past their due date; the applicant when a revision has waited the first and
    # the second number of working days; the officers at a complaint's deadlines.
    remind_officers: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_head: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_applicants: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_complaints: Mapped[bool] = mapped_column(Boolean, default=True)
    revision_reminder_days: Mapped[int] = mapped_column(Integer, default=5)
    revision_reminder_again_days: Mapped[int] = mapped_column(Integer, default=10)
    # Intermediate targets (issue 24), in working days; empty: none. From "submitted" to the
    # review started; from "verified" to the letter drafted.
    review_start_days: Mapped[Optional[int]] = mapped_column(Integer)
    letter_draft_days: Mapped[Optional[int]] = mapped_column(Integer)
    # Show the office's latest satisfaction index on its public service page.
    publish_ikm: Mapped[bool] = mapped_column(Boolean, default=False)
    # Follow-up after the letter (PP 51/1999): the applicant is asked for the results after the
    # planned release date and reminded when they are this many working days late.
    remind_results: Mapped[bool] = mapped_column(Boolean, default=True)
    results_due_days: Mapped[int] = mapped_column(Integer, default=30)
    # The privacy notice shown where personal data is collected (offices/privacy.py); empty:
    # the default one.
    privacy_notice: Mapped[Optional[str]] = mapped_column(Text)
    # Retention (ops/retention.py), in days: the guest book's visitors anonymised, old queue
    # tickets deleted, the documents of withdrawn requests deleted, sent e-mails' bodies
    # cleared; registrations never activated deleted (the default office's setting).
    retention_guest_book_days: Mapped[int] = mapped_column(Integer, default=730)
    retention_tickets_days: Mapped[int] = mapped_column(Integer, default=730)
    retention_documents_days: Mapped[int] = mapped_column(Integer, default=365)
    retention_outbox_days: Mapped[int] = mapped_column(Integer, default=180)
    retention_registrations_days: Mapped[int] = mapped_column(Integer, default=30)
    # The office's look (issue 26, offices/look.py): the colour of its public and applicant
    # pages' header (#rrggbb, white text on it reads at 4.5:1 or more), and its logo's media
    # type and SHA-256 (empty: no logo). The logo's bytes are in ``office_logo``: this row is
    # read and cached by every page, the image only by its route and the letter.
    brand_colour: Mapped[str] = mapped_column(String(7), default="#0a4d8c")
    logo_type: Mapped[Optional[str]] = mapped_column(String(20))
    logo_sha256: Mapped[Optional[str]] = mapped_column(String(64))

    office: Mapped[Office] = relationship()

    __table_args__ = (
        CheckConstraint("sla_working_days > 0", name="ck_setting_sla_positive"),
        CheckConstraint("revision_reminder_days > 0 AND revision_reminder_again_days > "
                        "revision_reminder_days", name="ck_setting_revision_reminders"),
        CheckConstraint("review_start_days IS NULL OR review_start_days > 0",
                        name="ck_setting_review_start_days"),
        CheckConstraint("letter_draft_days IS NULL OR letter_draft_days > 0",
                        name="ck_setting_letter_draft_days"),
        CheckConstraint("results_due_days > 0", name="ck_setting_results_due_days"),
        CheckConstraint("retention_guest_book_days > 0 AND retention_tickets_days > 0 AND "
                        "retention_documents_days > 0 AND retention_outbox_days > 0 AND "
                        "retention_registrations_days > 0", name="ck_setting_retention"),
        CheckConstraint("complaint_ack_days > 0", name="ck_setting_ack_positive"),
        CheckConstraint("complaint_answer_days > 0", name="ck_setting_answer_positive"),
        CheckConstraint("number_pattern LIKE '%{seq}%'", name="ck_setting_pattern_has_seq"),
        CheckConstraint("length(brand_colour) = 7 AND brand_colour LIKE '#%'",
                        name="ck_setting_brand_colour"),
        CheckConstraint("logo_type IS NULL OR logo_type IN ('image/png', 'image/jpeg')",
                        name="ck_setting_logo_type"),
    )

    def __repr__(self) -> str:
        return f"{self.office}"


class OfficeLogo(Model):
    """An office's logo as uploaded (PNG or JPEG, offices/look.py); its settings row names it
    by type and hash. Kept in the database: it travels with the database's backup."""

    __tablename__ = "office_logo"

    office_id: Mapped[int] = mapped_column(
        ForeignKey("office.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


SIGNING_KINDS = {
    "pkcs12": _l("Certificate file (PKCS#12) kept by this server"),
    "remote": _l("Remote signing service (BSrE)"),
}


class SigningCertificate(Model):
    """How an office's letters are signed: its PKCS#12 file (the password stays in the
    environment, never here) or its signer's identity at a remote signing service. The newest
    active row of an office signs; older rows stay for the record."""

    __tablename__ = "signing_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default="pkcs12")
    p12: Mapped[Optional[bytes]] = mapped_column(LargeBinary, deferred=True)
    remote_user_id: Mapped[Optional[str]] = mapped_column(String(40))
    subject: Mapped[Optional[str]] = mapped_column(String(300))
    issuer: Mapped[Optional[str]] = mapped_column(String(300))
    serial: Mapped[Optional[str]] = mapped_column(String(80))
    valid_from: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    valid_until: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    sha256: Mapped[Optional[str]] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )

    office: Mapped[Office] = relationship()
    uploaded_by: Mapped[Optional["RekomUser"]] = relationship()

    __table_args__ = (
        CheckConstraint(_in("kind", SIGNING_KINDS), name="ck_signing_kind"),
        CheckConstraint("(kind = 'pkcs12' AND p12 IS NOT NULL) OR "
                        "(kind = 'remote' AND remote_user_id IS NOT NULL)",
                        name="ck_signing_key_present"),
        Index("ix_signing_certificate_office", "office_id", "active"),
    )

    def __repr__(self) -> str:
        return self.subject or self.remote_user_id or f"#{self.id}"


class RekomUser(User):
    """FAB's user with the profile the service needs (FAB's documented way to extend it)."""

    __tablename__ = "ab_user"

    id_doc_type: Mapped[Optional[str]] = mapped_column(String(10))
    id_doc_number: Mapped[Optional[str]] = mapped_column(EncryptedString)
    phone: Mapped[Optional[str]] = mapped_column(String(50))
    agency: Mapped[Optional[str]] = mapped_column(String(200))
    position: Mapped[Optional[str]] = mapped_column(String(200))
    office_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("office.id", ondelete="SET NULL"), index=True
    )

    # Logout and a password reset set it: a session begun before it is refused (auth/security.py).
    sessions_valid_after: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    # The privacy notice agreed to at registration (offices/privacy.py): its version and when.
    privacy_consent_version: Mapped[Optional[str]] = mapped_column(String(20))
    privacy_consent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    office: Mapped[Optional[Office]] = relationship(foreign_keys=[office_id])

    __table_args__ = (
        CheckConstraint(
            "id_doc_type IS NULL OR " + _in("id_doc_type", ID_DOC_TYPES),
            name="ck_user_id_doc_type",
        ),
        {"extend_existing": True},
    )


# FAB's role link accepts a subclass of its User (Role.user: enable_typechecks=False) but its
# group link does not: an account could not be put in a group (FlushError on save). The same
# setting, before the mappers are configured (the flush copies it then).
Group.__mapper__.get_property("users").enable_typechecks = False
# FAB leaves the link rows of a deleted group or role to the database's ON DELETE CASCADE,
# which SQLite does not apply (its foreign keys are off): the links stayed, and the next group
# or role, given the freed id, held the old one's roles, members or permissions. The ORM
# deletes them itself, on both engines.
for _model, _link in ((Group, "users"), (Group, "roles"), (Role, "permissions")):
    _model.__mapper__.get_property(_link).passive_deletes = False


class RekomRegisterUser(RegisterUser):
    """A registration awaiting its e-mail confirmation, with the profile the form asked for
    (copied onto the account when the link is opened)."""

    __tablename__ = "ab_register_user"

    id_doc_type: Mapped[Optional[str]] = mapped_column(String(10))
    id_doc_number: Mapped[Optional[str]] = mapped_column(EncryptedString)
    phone: Mapped[Optional[str]] = mapped_column(String(50))
    agency: Mapped[Optional[str]] = mapped_column(String(200))
    position: Mapped[Optional[str]] = mapped_column(String(200))
    privacy_consent_version: Mapped[Optional[str]] = mapped_column(String(20))
    privacy_consent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    __table_args__ = ({"extend_existing": True},)


# --- Requests --------------------------------------------------------------------------------


class ActivityRequest(Model):
    """One request for a recommendation: the official form (FS3 / FP-KPA) and its progress."""

    __tablename__ = "activity_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="RESTRICT"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))
    officer_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(10), default="online")
    state: Mapped[str] = mapped_column(String(20), default="draft")
    recommendation_code: Mapped[Optional[str]] = mapped_column(String(50), unique=True)

    # Activity identity
    title: Mapped[str] = mapped_column(String(500))
    year: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(20), default="survey")
    kind_other: Mapped[Optional[str]] = mapped_column(String(200))
    statistics_kind: Mapped[Optional[str]] = mapped_column(String(10))
    prior_recommendation: Mapped[Optional[bool]] = mapped_column(Boolean)
    prior_recommendation_ref: Mapped[Optional[str]] = mapped_column(String(200))
    sector: Mapped[Optional[str]] = mapped_column(String(200))  # a code of SECTORS
    sector_other: Mapped[Optional[str]] = mapped_column(String(200))
    similar_reason: Mapped[Optional[str]] = mapped_column(Text)

    # Block I: organiser
    agency_name: Mapped[Optional[str]] = mapped_column(String(300))
    agency_unit_echelon1: Mapped[Optional[str]] = mapped_column(String(300))
    agency_unit: Mapped[Optional[str]] = mapped_column(String(300))  # echelon-II unit
    agency_head_title: Mapped[Optional[str]] = mapped_column(String(300))  # the addressee
    agency_address: Mapped[Optional[str]] = mapped_column(String(500))
    agency_phone: Mapped[Optional[str]] = mapped_column(String(50))
    agency_fax: Mapped[Optional[str]] = mapped_column(String(50))
    agency_email: Mapped[Optional[str]] = mapped_column(String(200))

    # Block II: people in charge (responsible person, technical person)
    resp_name: Mapped[Optional[str]] = mapped_column(String(200))
    resp_position: Mapped[Optional[str]] = mapped_column(String(200))
    resp_address: Mapped[Optional[str]] = mapped_column(String(500))
    resp_phone: Mapped[Optional[str]] = mapped_column(String(50))
    resp_email: Mapped[Optional[str]] = mapped_column(String(200))
    tech_name: Mapped[Optional[str]] = mapped_column(String(200))
    tech_position: Mapped[Optional[str]] = mapped_column(String(200))
    tech_address: Mapped[Optional[str]] = mapped_column(String(500))
    tech_phone: Mapped[Optional[str]] = mapped_column(String(50))
    tech_fax: Mapped[Optional[str]] = mapped_column(String(50))
    tech_email: Mapped[Optional[str]] = mapped_column(String(200))

    # Block III: planning
    background: Mapped[Optional[str]] = mapped_column(Text)
    objectives: Mapped[Optional[str]] = mapped_column(Text)
    benefits: Mapped[Optional[str]] = mapped_column(Text)
    funding_source: Mapped[Optional[str]] = mapped_column(String(200))
    planning_start: Mapped[Optional[dt.date]] = mapped_column(Date)
    planning_end: Mapped[Optional[dt.date]] = mapped_column(Date)
    design_start: Mapped[Optional[dt.date]] = mapped_column(Date)
    design_end: Mapped[Optional[dt.date]] = mapped_column(Date)
    collection_start: Mapped[Optional[dt.date]] = mapped_column(Date)
    collection_end: Mapped[Optional[dt.date]] = mapped_column(Date)
    processing_start: Mapped[Optional[dt.date]] = mapped_column(Date)
    processing_end: Mapped[Optional[dt.date]] = mapped_column(Date)
    analysis_start: Mapped[Optional[dt.date]] = mapped_column(Date)
    analysis_end: Mapped[Optional[dt.date]] = mapped_column(Date)
    dissemination_start: Mapped[Optional[dt.date]] = mapped_column(Date)
    dissemination_end: Mapped[Optional[dt.date]] = mapped_column(Date)
    evaluation_start: Mapped[Optional[dt.date]] = mapped_column(Date)
    evaluation_end: Mapped[Optional[dt.date]] = mapped_column(Date)

    # Block IV: activity design. Multi-choice answers are comma-separated codes.
    repetition: Mapped[Optional[str]] = mapped_column(String(20))
    frequency: Mapped[Optional[str]] = mapped_column(String(20))
    collection_type: Mapped[Optional[str]] = mapped_column(String(20))
    coverage: Mapped[Optional[str]] = mapped_column(String(10))
    coverage_area: Mapped[Optional[str]] = mapped_column(String(500))
    coverage_level: Mapped[Optional[str]] = mapped_column(String(20))
    presentation_level: Mapped[Optional[str]] = mapped_column(String(100))
    presentation_level_other: Mapped[Optional[str]] = mapped_column(String(200))
    collection_methods: Mapped[Optional[str]] = mapped_column(String(200))
    collection_methods_other: Mapped[Optional[str]] = mapped_column(String(200))
    collection_media: Mapped[Optional[str]] = mapped_column(String(200))
    collection_media_other: Mapped[Optional[str]] = mapped_column(String(200))
    collection_units: Mapped[Optional[str]] = mapped_column(String(200))
    collection_units_other: Mapped[Optional[str]] = mapped_column(String(200))

    # Block V: sample design (surveys)
    is_census: Mapped[Optional[bool]] = mapped_column(Boolean)
    sample_stages: Mapped[Optional[str]] = mapped_column(String(10))
    selection_method: Mapped[Optional[str]] = mapped_column(String(20))
    selection_technique: Mapped[Optional[str]] = mapped_column(String(20))
    selection_method_name: Mapped[Optional[str]] = mapped_column(String(200))
    frame_type: Mapped[Optional[str]] = mapped_column(String(10))
    sampling_frame: Mapped[Optional[str]] = mapped_column(String(500))
    sample_size: Mapped[Optional[int]] = mapped_column(Integer)
    sampling_fraction: Mapped[Optional[float]] = mapped_column(Numeric(6, 3))  # per cent
    sampling_error: Mapped[Optional[float]] = mapped_column(Numeric(6, 3))
    sample_unit: Mapped[Optional[str]] = mapped_column(String(200))
    observation_unit: Mapped[Optional[str]] = mapped_column(String(200))

    # Block VI: data collection
    pilot_test: Mapped[Optional[bool]] = mapped_column(Boolean)
    quality_checks: Mapped[Optional[str]] = mapped_column(String(200))
    quality_control: Mapped[Optional[str]] = mapped_column(Text)
    nonresponse_adjusted: Mapped[Optional[bool]] = mapped_column(Boolean)
    nonresponse_adjustment: Mapped[Optional[str]] = mapped_column(Text)
    collectors: Mapped[Optional[str]] = mapped_column(String(20))
    supervisor_count: Mapped[Optional[int]] = mapped_column(Integer)
    field_staff_count: Mapped[Optional[int]] = mapped_column(Integer)  # the enumerators
    field_staff_min_education: Mapped[Optional[str]] = mapped_column(String(20))
    field_staff_education: Mapped[Optional[str]] = mapped_column(String(200))
    training_held: Mapped[Optional[bool]] = mapped_column(Boolean)
    field_staff_training: Mapped[Optional[str]] = mapped_column(String(500))

    # Block VII: processing and analysis
    processing_stages: Mapped[Optional[str]] = mapped_column(String(200))
    analysis_type: Mapped[Optional[str]] = mapped_column(String(20))
    analysis_method: Mapped[Optional[str]] = mapped_column(Text)
    analysis_units: Mapped[Optional[str]] = mapped_column(String(200))
    analysis_unit: Mapped[Optional[str]] = mapped_column(String(200))  # "other, namely"
    result_level: Mapped[Optional[str]] = mapped_column(String(20))

    # Block VIII: dissemination
    dissemination_products: Mapped[Optional[str]] = mapped_column(String(200))
    release_date_printed: Mapped[Optional[dt.date]] = mapped_column(Date)
    release_date_digital: Mapped[Optional[dt.date]] = mapped_column(Date)
    release_date_microdata: Mapped[Optional[dt.date]] = mapped_column(Date)

    # Progress and the 30-working-day clock
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    complete_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    clock_paused_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    due_date: Mapped[Optional[dt.date]] = mapped_column(Date, index=True)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    # Working days from recorded complete to sent, in the office's calendar as counted when the
    # letter was sent (the dashboard's median reads it; NULL: counted when read, figures.sending)
    sent_working_days: Mapped[Optional[int]] = mapped_column(SmallInteger)
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    # Follow-up after a "fit" letter (requests/results.py): the results are due on this day
    # (the first planned release + the office's days); set when the letter is sent.
    results_due_date: Mapped[Optional[dt.date]] = mapped_column(Date, index=True)

    office: Mapped[Office] = relationship()
    applicant: Mapped[RekomUser] = relationship(foreign_keys=[applicant_id])
    officer: Mapped[Optional[RekomUser]] = relationship(foreign_keys=[officer_id])
    variables: Mapped[list["RequestVariable"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestVariable.position"
    )
    indicators: Mapped[list["RequestIndicator"]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by="RequestIndicator.position"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )
    reviews: Mapped[list["Review"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Review.round"
    )
    letter: Mapped[Optional["Letter"]] = relationship(back_populates="request", uselist=False)
    rating: Mapped[Optional["Rating"]] = relationship(back_populates="request", uselist=False)
    results: Mapped[list["ActivityResult"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="ActivityResult.id"
    )

    __table_args__ = (
        CheckConstraint(_in("state", REQUEST_STATES), name="ck_request_state"),
        CheckConstraint(_in("channel", CHANNELS), name="ck_request_channel"),
        CheckConstraint(_in("kind", ACTIVITY_KINDS), name="ck_request_kind"),
        CheckConstraint("year BETWEEN 1945 AND 2200", name="ck_request_year"),
        CheckConstraint(
            "repetition IS NULL OR " + _in("repetition", REPETITIONS), name="ck_request_repetition"
        ),
        CheckConstraint(
            "frequency IS NULL OR " + _in("frequency", FREQUENCIES), name="ck_request_frequency"
        ),
        CheckConstraint(
            "collection_type IS NULL OR " + _in("collection_type", COLLECTION_TYPES),
            name="ck_request_collection_type",
        ),
        CheckConstraint(
            "coverage_level IS NULL OR " + _in("coverage_level", AREA_LEVELS),
            name="ck_request_coverage_level",
        ),
        CheckConstraint(
            "result_level IS NULL OR " + _in("result_level", AREA_LEVELS),
            name="ck_request_result_level",
        ),
        CheckConstraint(
            "sample_stages IS NULL OR " + _in("sample_stages", SAMPLE_STAGES),
            name="ck_request_sample_stages",
        ),
        CheckConstraint(
            "selection_method IS NULL OR " + _in("selection_method", SELECTION_METHODS),
            name="ck_request_selection_method",
        ),
        *[
            CheckConstraint(f"{column} IS NULL OR " + _in(column, codes),
                            name=f"ck_request_{column}")
            for column, codes in (
                ("statistics_kind", STATISTICS_KINDS),
                ("sector", SECTORS),
                ("coverage", COVERAGES),
                ("selection_technique", SELECTION_TECHNIQUES),
                ("frame_type", FRAME_TYPES),
                ("collectors", COLLECTORS),
                ("field_staff_min_education", EDUCATION_LEVELS),
                ("analysis_type", ANALYSIS_TYPES),
            )
        ],
        CheckConstraint("sample_size IS NULL OR sample_size > 0", name="ck_request_sample_size"),
        CheckConstraint("sampling_fraction IS NULL OR (sampling_fraction >= 0 "
                        "AND sampling_fraction <= 100)", name="ck_request_sampling_fraction"),
        CheckConstraint("supervisor_count IS NULL OR supervisor_count >= 0",
                        name="ck_request_supervisor_count"),
        CheckConstraint(
            "field_staff_count IS NULL OR field_staff_count >= 0", name="ck_request_staff_count"
        ),
        *[
            CheckConstraint(
                f"{s}_start IS NULL OR {s}_end IS NULL OR {s}_end >= {s}_start",
                name=f"ck_request_{s}_dates",
            )
            for s in SCHEDULE_STAGES
        ],
        # With the officer: the staff's task count from the index alone (migration 0026).
        Index("ix_request_office_state_officer", "office_id", "state", "officer_id"),
        Index("ix_request_applicant", "applicant_id"),
        Index("ix_request_officer", "officer_id"),
        # With the state: the dashboard's requests by state of a period counted from the
        # index alone, for an office or an area, and for the nation from the next one
        # (migration 0031).
        Index("ix_request_office_created", "office_id", "created_at", "state"),
        # The list of a province or the headquarters (many offices), newest first: read in
        # order from this index instead of sorting every visible row (migration 0028).
        Index("ix_request_created", "created_at", "id", "state"),
        # The overdue list and count (open, clock running, not sent), oldest promise first:
        # only the open requests, not the closed ones with their long-past due dates (at a
        # million requests the due-date index walked 916 000 of them: 3.5 s; migration 0029).
        # A query uses it when it names the same states, written into its SQL
        # (workflow.in_open_states).
        Index("ix_request_overdue", "due_date", "id", postgresql_where=OVERDUE_PREDICATE,
              sqlite_where=OVERDUE_PREDICATE),
        # The dashboard reads an office's range of dates from these instead of every request
        # of the office (migration 0006): received per month; letters sent in the period with
        # their promise, and the overdue ones (open, not sent, past due), from the index alone.
        Index("ix_request_office_complete", "office_id", "complete_at"),
        # With the id (0031) the letters sent are counted from the index alone, the nation's
        # by reading it whole rather than every request.
        Index("ix_request_office_sent", "office_id", "sent_at", "state", "due_date",
              "complete_at", "sent_working_days", "id"),
    )

    @property
    def state_label(self) -> str:
        return str(REQUEST_STATES.get(self.state, self.state))

    @property
    def sla(self) -> "ActivityRequest":
        """The list's SLA column: the row itself, which views format with workdays.sla_status."""
        return self

    def __repr__(self) -> str:
        return f"{self.tracking_code} {self.title}"


class RequestVariable(Model):
    """One variable the activity collects (the form's metadata table), one row each."""

    __tablename__ = "request_variable"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("activity_request.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(300))
    alias: Mapped[Optional[str]] = mapped_column(String(100))
    concept: Mapped[Optional[str]] = mapped_column(Text)
    definition: Mapped[Optional[str]] = mapped_column(Text)
    reference: Mapped[Optional[str]] = mapped_column(String(300))  # referensi pemilihan
    reference_period: Mapped[Optional[str]] = mapped_column(String(200))
    measure: Mapped[Optional[str]] = mapped_column(String(100))
    unit: Mapped[Optional[str]] = mapped_column(String(100))
    data_type: Mapped[Optional[str]] = mapped_column(String(10))
    value_domain: Mapped[Optional[str]] = mapped_column(Text)  # the answers' classification
    validation_rule: Mapped[Optional[str]] = mapped_column(String(500))
    question: Mapped[Optional[str]] = mapped_column(Text)
    questionnaire_item: Mapped[Optional[str]] = mapped_column(String(100))
    public: Mapped[Optional[bool]] = mapped_column(Boolean)

    request: Mapped[ActivityRequest] = relationship(back_populates="variables")

    __table_args__ = (
        UniqueConstraint("request_id", "position", name="uq_variable_position"),
        CheckConstraint("position > 0", name="ck_variable_position"),
        CheckConstraint("data_type IS NULL OR " + _in("data_type", VARIABLE_TYPES),
                        name="ck_variable_data_type"),
    )

    def __repr__(self) -> str:
        return self.name


class RequestIndicator(Model):
    """One indicator the activity produces (MS-Ind), one row each."""

    __tablename__ = "request_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("activity_request.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(300))
    concept: Mapped[Optional[str]] = mapped_column(Text)
    definition: Mapped[Optional[str]] = mapped_column(Text)
    interpretation: Mapped[Optional[str]] = mapped_column(Text)
    method: Mapped[Optional[str]] = mapped_column(Text)
    formula: Mapped[Optional[str]] = mapped_column(String(1000))
    measure: Mapped[Optional[str]] = mapped_column(String(100))
    unit: Mapped[Optional[str]] = mapped_column(String(100))
    classification: Mapped[Optional[str]] = mapped_column(String(300))
    disaggregation: Mapped[Optional[str]] = mapped_column(String(300))
    composite: Mapped[Optional[bool]] = mapped_column(Boolean)
    source_indicators: Mapped[Optional[str]] = mapped_column(String(1000))
    source_variables: Mapped[Optional[str]] = mapped_column(String(1000))
    estimation_level: Mapped[Optional[str]] = mapped_column(String(100))  # PRESENTATION_LEVELS
    periodicity: Mapped[Optional[str]] = mapped_column(String(20))
    public: Mapped[Optional[bool]] = mapped_column(Boolean)

    request: Mapped[ActivityRequest] = relationship(back_populates="indicators")

    __table_args__ = (
        UniqueConstraint("request_id", "position", name="uq_indicator_position"),
        CheckConstraint("position > 0", name="ck_indicator_position"),
        CheckConstraint("periodicity IS NULL OR " + _in("periodicity", FREQUENCIES),
                        name="ck_indicator_periodicity"),
    )

    def __repr__(self) -> str:
        return self.name


class Attachment(Model):
    """A document of a request. The file lives outside static/ under ``stored_name``."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("activity_request.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="other")
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    request: Mapped[ActivityRequest] = relationship(back_populates="attachments")
    uploaded_by: Mapped[Optional[RekomUser]] = relationship()

    __table_args__ = (
        CheckConstraint(_in("kind", ATTACHMENT_KINDS), name="ck_attachment_kind"),
        CheckConstraint("size >= 0", name="ck_attachment_size"),
    )

    def __repr__(self) -> str:
        return self.original_name


class ActivityResult(Model):
    """A result of a recommended activity handed to BPS (PP 51/1999): a link to the
    publication or its file, checked by an officer (received, or returned with a note)."""

    __tablename__ = "activity_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("activity_request.id", ondelete="CASCADE"), index=True
    )
    product: Mapped[str] = mapped_column(String(20), default="digital")
    title: Mapped[Optional[str]] = mapped_column(String(300))
    link: Mapped[Optional[str]] = mapped_column(String(500))
    # NO ACTION: the file of a result is not deleted from under it (the request's deletion
    # takes both, in one statement).
    attachment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("attachment.id"))
    state: Mapped[str] = mapped_column(String(20), default="submitted")
    submitted_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    checked_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )
    checked_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    check_note: Mapped[Optional[str]] = mapped_column(Text)

    request: Mapped[ActivityRequest] = relationship(back_populates="results")
    attachment: Mapped[Optional[Attachment]] = relationship()
    submitted_by: Mapped[Optional[RekomUser]] = relationship(foreign_keys=[submitted_by_id])
    checked_by: Mapped[Optional[RekomUser]] = relationship(foreign_keys=[checked_by_id])

    __table_args__ = (
        CheckConstraint(_in("product", RESULT_PRODUCTS), name="ck_result_product"),
        CheckConstraint(_in("state", RESULT_STATES), name="ck_result_state"),
        CheckConstraint("link IS NOT NULL OR attachment_id IS NOT NULL",
                        name="ck_result_link_or_file"),
        Index("ix_result_request_state", "request_id", "state"),
        # Results waiting for a check, found by state (the staff's task count; 0026).
        Index("ix_result_state_request", "state", "request_id"),
    )

    def __repr__(self) -> str:
        return self.title or self.link or str(self.attachment or "")


# --- Checking, letters -----------------------------------------------------------------------


# The parts of the request form a checklist item concerns, as the form's steps name them
# (portal/form_steps.py: requests/form.SECTIONS' keys, then the variables and indicators and the
# documents; the titles are in requests/findings.PART_TITLES). An officer's note on the item is
# shown to the applicant beside that part.
FORM_PARTS = ("activity", "organiser", "people", "planning", "design", "sample", "collection",
              "processing", "dissemination", "rows", "documents")


class ChecklistItem(Model):
    """One item of an office's review checklist (domain.md's defaults, editable)."""

    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(String(500))
    applies_to: Mapped[str] = mapped_column(String(20), default="all")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    design_check: Mapped[Optional[str]] = mapped_column(String(30))
    # The part of the form it concerns (FORM_PARTS); empty: the request as a whole.
    form_part: Mapped[Optional[str]] = mapped_column(String(20))

    office: Mapped[Office] = relationship()

    __table_args__ = (
        CheckConstraint(_in("applies_to", CHECKLIST_SCOPES), name="ck_checklist_scope"),
        CheckConstraint("design_check IS NULL OR " + _in("design_check", DESIGN_CHECKS),
                        name="ck_checklist_design_check"),
        CheckConstraint("form_part IS NULL OR " + _in("form_part", FORM_PARTS),
                        name="ck_checklist_form_part"),
        Index("ix_checklist_office_position", "office_id", "position"),
    )

    def __repr__(self) -> str:
        return self.text


class Review(Model):
    """One round of checking a request: the checklist results and notes for the applicant."""

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("activity_request.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    officer_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )
    # {checklist_item_id: {"ok": bool, "note": str}}
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)
    notes: Mapped[Optional[str]] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(10), default="pending")
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    request: Mapped[ActivityRequest] = relationship(back_populates="reviews")
    officer: Mapped[Optional[RekomUser]] = relationship()

    __table_args__ = (
        UniqueConstraint("request_id", "round", name="uq_review_round"),
        CheckConstraint(_in("outcome", REVIEW_OUTCOMES), name="ck_review_outcome"),
        CheckConstraint("round > 0", name="ck_review_round"),
    )

    def __repr__(self) -> str:
        return f"{self.request} #{self.round}"


class Letter(Model):
    """The recommendation letter. Number, date, text and PDF are frozen once issued."""

    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("activity_request.id", ondelete="RESTRICT"), unique=True
    )
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="RESTRICT"))
    number: Mapped[Optional[str]] = mapped_column(String(100), unique=True)
    year: Mapped[Optional[int]] = mapped_column(SmallInteger)
    sequence: Mapped[Optional[int]] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(10), default="fit")
    suggestions: Mapped[Optional[str]] = mapped_column(Text)
    body: Mapped[Optional[str]] = mapped_column(Text)
    drafted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    letter_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    issued_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    drafted_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )
    issued_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )
    # The section head's initials (paraf) of this draft; cleared when the draft is returned.
    initialled_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )
    initialled_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    signer_name: Mapped[Optional[str]] = mapped_column(String(200))
    signer_nip: Mapped[Optional[str]] = mapped_column(String(30))
    pdf: Mapped[Optional[bytes]] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[Optional[str]] = mapped_column(String(64))
    verification_code: Mapped[str] = mapped_column(String(40), unique=True)
    # The PDF's own signature (issue 23): whose certificate, issued by whom; NULL when the
    # office had none and the letter is only hashed.
    signature_subject: Mapped[Optional[str]] = mapped_column(String(300))
    signature_issuer: Mapped[Optional[str]] = mapped_column(String(300))
    signature_demo: Mapped[Optional[bool]] = mapped_column(Boolean)
    # The request's form annotated with the review (the letter's "Lampiran"), frozen and
    # hashed like the letter: written once, just after the issue (letters/document.py).
    form_pdf: Mapped[Optional[bytes]] = mapped_column(LargeBinary, deferred=True)
    form_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    # An issued letter withdrawn by an administrator: the public page says so, with the reason.
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    revoked_reason: Mapped[Optional[str]] = mapped_column(Text)
    revoked_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )

    request: Mapped[ActivityRequest] = relationship(back_populates="letter")
    office: Mapped[Office] = relationship()
    drafted_by: Mapped[Optional[RekomUser]] = relationship(foreign_keys=[drafted_by_id])
    issued_by: Mapped[Optional[RekomUser]] = relationship(foreign_keys=[issued_by_id])
    initialled_by: Mapped[Optional[RekomUser]] = relationship(foreign_keys=[initialled_by_id])
    revoked_by: Mapped[Optional[RekomUser]] = relationship(foreign_keys=[revoked_by_id])

    __table_args__ = (
        UniqueConstraint("office_id", "year", "sequence", name="uq_letter_office_year_seq"),
        CheckConstraint(_in("result", LETTER_RESULTS), name="ck_letter_result"),
        # Issued means numbered, dated and hashed, all together.
        CheckConstraint(
            "(issued_at IS NULL AND number IS NULL AND sequence IS NULL) OR "
            "(issued_at IS NOT NULL AND number IS NOT NULL AND sequence IS NOT NULL "
            "AND year IS NOT NULL AND letter_date IS NOT NULL AND sha256 IS NOT NULL)",
            name="ck_letter_issued_complete",
        ),
        CheckConstraint("sequence IS NULL OR sequence > 0", name="ck_letter_sequence"),
        # The catalogue (app/catalogue/search.py): "is this match's letter issued?" from the index
        # alone, and the newest letters first without a sort (migration 0004).
        Index("ix_letter_request_issued", "request_id", "issued_at"),
        Index("ix_letter_issued_at", "issued_at"),
        Index("ix_letter_office_issued", "office_id", "issued_at"),  # the dashboard (0006)
    )

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None

    @property
    def is_signed(self) -> bool:
        return self.signature_subject is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return self.number or f"draft {self.request}"


class LetterCounter(Model):
    """Last letter sequence used per office per year; locked row when numbering."""

    __tablename__ = "letter_counter"

    office_id: Mapped[int] = mapped_column(
        ForeignKey("office.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)

    office: Mapped[Office] = relationship()

    __table_args__ = (CheckConstraint("last_sequence >= 0", name="ck_counter_nonnegative"),)

    def __repr__(self) -> str:
        return f"{self.office} {self.year}: {self.last_sequence}"


class FigureSnapshot(Model):
    """A wide dashboard's period figures (an area's, the nation's), counted once and read by
    every page until they are older than DASHBOARD_FIGURES_MAX_AGE (reports/snapshots.py,
    issue 27): at a million requests counting them per page took seconds. Aggregates only."""

    __tablename__ = "figure_snapshot"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    payload: Mapped[str] = mapped_column(Text)


# --- Complaints and ratings ------------------------------------------------------------------


class Complaint(Model):
    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="RESTRICT"))
    channel: Mapped[str] = mapped_column(String(20), default="web")
    reporter_name: Mapped[Optional[str]] = mapped_column(String(200))
    reporter_email: Mapped[Optional[str]] = mapped_column(String(200))
    reporter_phone: Mapped[Optional[str]] = mapped_column(String(50))
    reporter_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )
    request_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("activity_request.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="received")
    assignee_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )
    answer: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    ack_due_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    due_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    acknowledged_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    answered_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    office: Mapped[Office] = relationship()
    reporter: Mapped[Optional[RekomUser]] = relationship(foreign_keys=[reporter_id])
    assignee: Mapped[Optional[RekomUser]] = relationship(foreign_keys=[assignee_id])
    request: Mapped[Optional[ActivityRequest]] = relationship()

    __table_args__ = (
        CheckConstraint(_in("channel", COMPLAINT_CHANNELS), name="ck_complaint_channel"),
        CheckConstraint(_in("state", COMPLAINT_STATES), name="ck_complaint_state"),
        Index("ix_complaint_office_state", "office_id", "state"),
    )

    @property
    def deadline(self) -> "Complaint":
        """The list's deadline column: the row itself, formatted by the views."""
        return self

    def __repr__(self) -> str:
        return f"{self.tracking_code} {self.subject}"


class Rating(Model):
    """The applicant's satisfaction survey (SKM, PermenPANRB 14/2017): one per request."""

    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("activity_request.id", ondelete="CASCADE"), unique=True
    )
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="RESTRICT"))
    rater_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    e1: Mapped[int] = mapped_column(SmallInteger)
    e2: Mapped[int] = mapped_column(SmallInteger)
    e3: Mapped[int] = mapped_column(SmallInteger)
    e4: Mapped[int] = mapped_column(SmallInteger)
    e5: Mapped[int] = mapped_column(SmallInteger)
    e6: Mapped[int] = mapped_column(SmallInteger)
    e7: Mapped[int] = mapped_column(SmallInteger)
    e8: Mapped[int] = mapped_column(SmallInteger)
    e9: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    request: Mapped[ActivityRequest] = relationship(back_populates="rating")
    office: Mapped[Office] = relationship()
    rater: Mapped[Optional[RekomUser]] = relationship()

    __table_args__ = (
        *[
            CheckConstraint(f"e{i} BETWEEN 1 AND 4", name=f"ck_rating_e{i}")
            for i in range(1, SKM_ELEMENTS + 1)
        ],
        Index("ix_rating_office_created", "office_id", "created_at"),
    )

    @property
    def answers(self) -> tuple[int, ...]:
        return tuple(getattr(self, f"e{i}") for i in range(1, SKM_ELEMENTS + 1))

    def __repr__(self) -> str:
        return f"{self.request}"


# --- Front office ----------------------------------------------------------------------------


class QueueTicket(Model):
    __tablename__ = "queue_ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    service_date: Mapped[dt.date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    called_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    served_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL")
    )
    # The desk the ticket was called to ("Loket 2"): free text the calling officer sets.
    counter: Mapped[Optional[str]] = mapped_column(String(20))

    office: Mapped[Office] = relationship()
    served_by: Mapped[Optional[RekomUser]] = relationship()

    __table_args__ = (
        UniqueConstraint(
            "office_id", "service_date", "number", name="uq_ticket_office_day_number"
        ),
        CheckConstraint(_in("state", QUEUE_STATES), name="ck_ticket_state"),
        CheckConstraint("number > 0", name="ck_ticket_number"),
    )

    def __repr__(self) -> str:
        return f"{self.service_date} #{self.number}"


class GuestBookEntry(Model):
    __tablename__ = "guest_book_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    ticket_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("queue_ticket.id", ondelete="SET NULL")
    )
    request_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("activity_request.id", ondelete="SET NULL")
    )
    visited_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    name: Mapped[str] = mapped_column(String(200))
    id_doc_type: Mapped[str] = mapped_column(String(10), default="ktp")
    id_doc_number: Mapped[Optional[str]] = mapped_column(EncryptedString)
    agency: Mapped[Optional[str]] = mapped_column(String(200))
    phone: Mapped[Optional[str]] = mapped_column(String(50))
    email: Mapped[Optional[str]] = mapped_column(String(200))
    purpose: Mapped[Optional[str]] = mapped_column(Text)

    office: Mapped[Office] = relationship()
    ticket: Mapped[Optional[QueueTicket]] = relationship()
    request: Mapped[Optional[ActivityRequest]] = relationship()

    __table_args__ = (
        CheckConstraint(_in("id_doc_type", ID_DOC_TYPES), name="ck_guest_id_doc_type"),
        Index("ix_guest_office_visited", "office_id", "visited_at"),
    )

    def __repr__(self) -> str:
        return self.name


# --- Calendar, audit, outbox -----------------------------------------------------------------


class NonWorkingDay(Model):
    """A day the national calendar package does not know about, or a correction of it.

    ``is_working_day`` true marks a day the package calls a holiday that is worked after all
    (a changed decree). ``office_id`` empty: the day applies to every office.
    """

    __tablename__ = "non_working_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[Optional[int]] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="local")
    is_working_day: Mapped[bool] = mapped_column(Boolean, default=False)

    office: Mapped[Optional[Office]] = relationship()

    __table_args__ = (
        UniqueConstraint("office_id", "day", name="uq_nonworking_office_day"),
        CheckConstraint(_in("kind", DAY_KINDS), name="ck_nonworking_kind"),
    )

    def __repr__(self) -> str:
        return f"{self.day} {self.name}"


class AuditEvent(Model):
    """Who did what to which object, when: the request timeline and the audit trail."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    office_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("office.id", ondelete="SET NULL")
    )
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(50))
    from_state: Mapped[Optional[str]] = mapped_column(String(20))
    to_state: Mapped[Optional[str]] = mapped_column(String(20))
    note: Mapped[Optional[str]] = mapped_column(Text)

    actor: Mapped[Optional[RekomUser]] = relationship()
    office: Mapped[Optional[Office]] = relationship()

    __table_args__ = (
        Index("ix_audit_object", "object_type", "object_id", "at"),
        # The personal data access screen: a few actions over a period (auth/access_views.py).
        Index("ix_audit_action_at", "action", "at"),
        # The audit log's list, newest first: an office's (also what office_id alone served)
        # and every office's or an area's (migration 0032).
        Index("ix_audit_office_at", "office_id", "at", "id"),
        Index("ix_audit_at", "at", "id"),
    )

    def __repr__(self) -> str:
        return f"{self.object_type}#{self.object_id} {self.action}"


REMINDER_KINDS = {
    "officer_50": _l("Reminder to the officer: half of the working days used"),
    "officer_80": _l("Reminder to the officer: 80 per cent of the working days used"),
    "breach": _l("Escalated to the head: past the due date"),
    "head_digest": _l("Daily digest to the head"),
    "revision_1": _l("Reminder to the applicant: revision awaited"),
    "revision_2": _l("Second reminder to the applicant: revision awaited"),
    "complaint_ack": _l("Reminder to the officers: complaint to take up"),
    "complaint_answer": _l("Reminder to the officers: complaint to answer"),
    "calendar_ahead": _l("Notice to the administrators: next year's days off"),
    "results_ask": _l("Applicant asked for the results of the activity"),
    "results_due": _l("Reminder to the applicant: results of the activity overdue"),
}


class ReminderSent(Model):
    """A reminder already sent: its (kind, object, key) once only, whoever runs the reminders
    and however often (offices/reminders.py). ``key`` tells rounds apart: a revision's pause,
    a digest's day."""

    __tablename__ = "reminder_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty for a notice of the whole installation (the calendar ahead).
    office_id: Mapped[Optional[int]] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40), default="")
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    __table_args__ = (
        UniqueConstraint("kind", "object_type", "object_id", "key", name="uq_reminder_once"),
        CheckConstraint(_in("kind", REMINDER_KINDS), name="ck_reminder_kind"),
    )


class FormSubmission(Model):
    """A public form's one-time token, kept once its POST has made something: the same POST
    retried (its answer lost on the way) is shown what the first one made."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    form: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[Optional[int]] = mapped_column(Integer)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)

    def __repr__(self) -> str:
        return f"{self.form} {self.token[:8]}"


class OutboundEmail(Model):
    """The outbox: written with the event that causes it, sent (and retried) afterwards."""

    __tablename__ = "outbound_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[Optional[int]] = mapped_column(ForeignKey("office.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[Optional[str]] = mapped_column(Text)
    letter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("letter.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    # The notice to an erased account (auth/erasure.py): once delivered, its address and text
    # go too, so the erased person's e-mail appears nowhere.
    erase_after_send: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())

    office: Mapped[Optional[Office]] = relationship()
    letter: Mapped[Optional[Letter]] = relationship()

    __table_args__ = (
        CheckConstraint(_in("state", EMAIL_STATES), name="ck_email_state"),
        CheckConstraint("attempts >= 0", name="ck_email_attempts"),
        Index("ix_email_due", "state", "next_attempt_at"),
    )

    def __repr__(self) -> str:
        return f"{self.recipient}: {self.subject}"


ERASURE_STATES = {"pending": _l("Waiting for the office"), "done": _l("Erased"),
                  "refused": _l("Refused")}


class ErasureRequest(Model):
    """An applicant's request to erase their account (UU 27/2022 art. 8): the office decides,
    auth/erasure.py carries it out. The row stays as the record that the right was honoured;
    after the erasure it names the account only by its number."""

    __tablename__ = "erasure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    reason: Mapped[Optional[str]] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    decided_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"))
    decision_note: Mapped[Optional[str]] = mapped_column(Text)

    user: Mapped[Optional[RekomUser]] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[Optional[RekomUser]] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        CheckConstraint(_in("state", ERASURE_STATES), name="ck_erasure_state"),
    )

    def __repr__(self) -> str:
        return f"#{self.id}"


# --- Records of processing (UU 27/2022; issue 25) ----------------------------------------------
# What personal data each table holds, why, on what basis and for how long: the admin's "Catatan
# pemrosesan data" screen is built from these (auth/processing.py), so it follows the schema.
# Every column whose name looks personal says which kind it holds, or None for "not personal"
# (an agency's address, a variable's name); tests/test_privacy.py fails on one that says
# nothing.

PERSONAL_KINDS = {
    "identity": _l("Identity (name, user name, NIP)"),
    "id_number": _l("Identity document number (specific data: encrypted, shown masked)"),
    "contact": _l("Contact details (e-mail, phone, address)"),
    "work": _l("Work (agency, position)"),
    "account": _l("Account use (log-ins)"),
    "free_text": _l("Free text that may name people"),
}

_PUBLIC_TASK = _l("The service's public task: Law 16/1997 on Statistics, Government Regulation "
                  "51/1999")
# table -> (purpose, legal basis, retention)
PROCESSING = {
    "ab_user": (_l("Accounts of applicants and staff: logging in, handling requests, "
                   "contacting the applicant"),
                _l("Consent at registration; the service's public task"),
                _l("While the account is used; erased on request, except what the law "
                   "requires to keep")),
    "ab_register_user": (_l("Registrations waiting for their e-mail confirmation"),
                         _l("Consent at registration"),
                         _l("Until activated; unused registrations are deleted")),
    "activity_request": (_l("Requests for a recommendation: the people in charge of the "
                            "activity and how to reach them"), _PUBLIC_TASK,
                         _l("Kept: requests and letters are public records")),
    "letter": (_l("Recommendation letters: the signer"), _PUBLIC_TASK,
               _l("Kept: requests and letters are public records")),
    "office": (_l("The office's letterhead: its head"), _PUBLIC_TASK,
               _l("While the person holds the office")),
    "complaint": (_l("Complaints about the service: who complained and how to answer them"),
                  _l("Public service complaints handling (Law 25/2009)"),
                  _l("Kept with the complaint's record")),
    "guest_book_entry": (_l("The front office's guest book"), _PUBLIC_TASK,
                         _l("Until the office's retention period for the guest book ends")),
    "rating": (_l("Satisfaction survey answers (SKM)"),
               _l("PermenPANRB 14/2017 on the satisfaction survey"),
               _l("Kept for the index's periods")),
    "review": (_l("The officers' notes on a request"), _PUBLIC_TASK,
               _l("Kept with the request")),
    "activity_result": (_l("The officers' notes on results handed in"), _PUBLIC_TASK,
                        _l("Kept with the request")),
    "attachment": (_l("Documents of a request (their file names)"), _PUBLIC_TASK,
                   _l("Kept with the request")),
    "audit_event": (_l("The audit trail: who did what, and why"),
                    _l("Accountability of the office (Law 27/2022)"),
                    _l("Kept")),
    "outbound_email": (_l("E-mails sent by the service"), _PUBLIC_TASK,
                       _l("Until the office's retention period for mail ends")),
    "erasure_request": (_l("Applicants' requests to erase their account, and the office's "
                           "answer"),
                        _l("The data subject's right to erasure (Law 27/2022)"),
                        _l("Kept: the record that the right was honoured")),
}


def _personal(table, **columns) -> None:
    for name, kind in columns.items():
        table.c[name].info["personal"] = kind


_PROFILE = dict(id_doc_type="identity", id_doc_number="id_number", phone="contact",
                agency="work", position="work")
_personal(RekomUser.__table__, first_name="identity", last_name="identity",
          username="identity", email="contact", last_login="account", login_count="account",
          fail_login_count="account", **_PROFILE)
_personal(RekomRegisterUser.__table__, first_name="identity", last_name="identity",
          username="identity", email="contact", **_PROFILE)
_personal(ActivityRequest.__table__, resp_name="identity", resp_position="work",
          resp_address="contact", resp_phone="contact", resp_email="contact",
          tech_name="identity", tech_position="work", tech_address="contact",
          tech_phone="contact", tech_email="contact", tech_fax="contact",
          # the agency's own details and a method's name: not a person's
          agency_name=None, agency_unit_echelon1=None, agency_unit=None,
          agency_head_title=None, agency_address=None, agency_phone=None, agency_fax=None,
          agency_email=None, selection_method_name=None)
_personal(Letter.__table__, body="free_text", signer_name="identity", signer_nip="identity")
_personal(Office.__table__, head_name="identity", head_nip="identity", name=None,
          address=None, phone=None, email=None)
_personal(Complaint.__table__, reporter_name="identity", reporter_email="contact",
          reporter_phone="contact", reporter_id="identity", text="free_text")
_personal(GuestBookEntry.__table__, name="identity", id_doc_type="identity",
          id_doc_number="id_number", agency="work", phone="contact", email="contact")
_personal(Rating.__table__, comment="free_text")
_personal(Review.__table__, notes="free_text")
_personal(ActivityResult.__table__, check_note="free_text")
_personal(Attachment.__table__, original_name="free_text", stored_name=None)
_personal(AuditEvent.__table__, note="free_text")
_personal(OutboundEmail.__table__, recipient="contact", body_text="free_text",
          body_html="free_text")
_personal(ErasureRequest.__table__, reason="free_text", decision_note="free_text")
_personal(ChecklistItem.__table__, position=None, text=None)
_personal(NonWorkingDay.__table__, name=None)
_personal(RequestVariable.__table__, position=None, name=None)
_personal(RequestIndicator.__table__, position=None, name=None)
