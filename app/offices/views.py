"""The settings screens: offices, an office's settings, its review checklist and days off."""
from __future__ import annotations

from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from app.auth.roles import ADMIN, HEAD, OFFICER, ROLE_LABELS
from app.core.nip import digits_of, format_nip
from app.models import (
    CHECKLIST_SCOPES,
    DAY_KINDS,
    DESIGN_CHECKS,
    ChecklistItem,
    NonWorkingDay,
    Office,
    OfficeSetting,
)
from app.offices import directory as offices
from app.offices import look
from app.requests import findings
from app.web.interface import RekomInterface
from app.web.screens import OfficeScopedView, choice, labelled, yes_no_box


def nip_field(form, field):
    """A NIP as typed (spaces, dots, "NIP.") is one of 18 digits; else the reason. The form
    keeps it as typed (a refusal of another field must not rewrite it): the row stores the
    digits (OfficeView.pre_add/pre_update)."""
    try:
        digits_of(field.data)
    except ValueError as err:
        raise ValidationError(str(err)) from None


class OfficeView(OfficeScopedView):
    datamodel = RekomInterface(Office)
    office_column = "id"
    list_title = _l("Offices")
    show_title = _l("Office")
    add_title = _l("Add office")
    edit_title = _l("Edit office")
    list_columns = ["code", "name", "city", "parent", "active"]
    add_columns = edit_columns = show_columns = [
        "code", "name", "address", "city", "phone", "email", "website", "head_name",
        "head_nip", "parent", "active",
    ]
    label_columns = {
        "code": _l("BPS code"),
        "name": _l("Name"),
        "address": _l("Address"),
        "city": _l("City"),
        "phone": _l("Phone"),
        "email": _l("E-mail"),
        "website": _l("Website"),
        "head_name": _l("Head of office"),
        "head_nip": _l("Head's NIP"),
        "parent": _l("Parent office"),
        "active": _l("Active"),
    }
    description_columns = {"head_nip": _l("18 digits, e.g. 19700101 199001 1 001")}
    validators_columns = {"head_nip": [nip_field]}
    add_form_extra_fields = edit_form_extra_fields = {
        "active": yes_no_box(_l("Active"), default=True),
    }
    formatters_columns = {"head_nip": format_nip}

    def related_choices(self) -> dict:
        return {}  # the parent office may be any office (a province above a regency)

    def pre_add(self, item):
        item.head_nip = digits_of(item.head_nip)  # checked by nip_field: its 18 digits
        # Its settings and checklist are committed with the office row (FAB's add commits).
        offices.set_up_office(self.datamodel.session, item)

    def pre_update(self, item):
        item.head_nip = digits_of(item.head_nip)


# Who may sign (issue) the office's letters: workflow._guard_signer checks this role.
SIGNER_ROLES = {role: ROLE_LABELS[role] for role in (HEAD, ADMIN, OFFICER)}


def _after_first_reminder(form, field):
    first = form.revision_reminder_days.data
    if field.data is not None and first is not None and field.data <= first:
        raise ValidationError(_l("The second reminder must come after the first."))


# Each kind of reminder an office switches on or off (offices/reminders.py).
REMINDER_SWITCHES = {
    "remind_officers": _l("Remind the officer (at 50 and 80 per cent of the working days)"),
    "remind_head": _l("Daily digest to the head (requests past their due date)"),
    "remind_applicants": _l("Remind the applicant of an awaited revision"),
    "remind_complaints": _l("Remind the officers of complaint deadlines"),
    "remind_results": _l("Ask the applicant for the results of the activity"),
}


# Retention periods (ops/retention.py), in days.
RETENTION_DAYS = {
    "retention_guest_book_days": _l("Guest book: visitors anonymised after (days)"),
    "retention_tickets_days": _l("Queue tickets deleted after (days)"),
    "retention_documents_days": _l("Documents of withdrawn requests deleted after (days)"),
    "retention_outbox_days": _l("Sent e-mails' text cleared after (days)"),
    "retention_registrations_days": _l("Registrations never activated deleted after (days)"),
}


def _readable_colour(form, field):
    problem = look.colour_problem(field.data)
    if problem:
        raise ValidationError(problem)


LOGO_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}


class OfficeSettingView(OfficeScopedView):
    datamodel = RekomInterface(OfficeSetting)
    list_title = _l("Office settings")
    show_title = _l("Office settings")
    add_title = _l("Add office settings")
    edit_title = _l("Edit office settings")
    list_columns = ["office", "classification_code", "number_pattern", "sla_working_days"]
    add_columns = edit_columns = show_columns = [
        "office", "classification_code", "number_pattern", "signer_title", "signer_role",
        "initials_required", "sla_working_days", "complaint_ack_days", "complaint_answer_days",
        "remind_officers", "remind_head", "remind_applicants", "revision_reminder_days",
        "revision_reminder_again_days", "remind_complaints", "review_start_days",
        "letter_draft_days", "remind_results", "results_due_days", "publish_ikm",
        "brand_colour", "letter_template", "privacy_notice", *RETENTION_DAYS,
    ]
    # The logo (offices/look.py): shown, uploaded or removed; its bytes never are a column here.
    show_columns = [*show_columns[:show_columns.index("brand_colour") + 1], "logo_type",
                    *show_columns[show_columns.index("brand_colour") + 1:]]
    edit_columns = [*show_columns[:show_columns.index("logo_type")], "logo_file",
                    "remove_logo", *show_columns[show_columns.index("logo_type") + 1:]]
    label_columns = {
        "office": _l("Office"),
        "classification_code": _l("Classification code"),
        "number_pattern": _l("Letter number pattern"),
        "signer_title": _l("Signer's title"),
        "signer_role": _l("Signer's role"),
        "initials_required": _l("Section head initials before signing"),
        "sla_working_days": _l("Completion time (working days)"),
        "complaint_ack_days": _l("Complaint acknowledgement (working days)"),
        "complaint_answer_days": _l("Complaint answer (working days)"),
        **REMINDER_SWITCHES,
        "revision_reminder_days": _l("First revision reminder after (working days)"),
        "revision_reminder_again_days": _l("Second revision reminder after (working days)"),
        "review_start_days": _l("Target: review started within (working days)"),
        "letter_draft_days": _l("Target: letter drafted within (working days)"),
        "results_due_days": _l("Results due after the planned release (working days)"),
        "publish_ikm": _l("Show the satisfaction index on the public service page"),
        "letter_template": _l("Letter template"),
        "privacy_notice": _l("Privacy notice"),
        **RETENTION_DAYS,
        "brand_colour": _l("The office's colour"),
        "logo_type": _l("Logo"),
        "logo_file": _l("New logo (PNG or JPEG)"),
        "remove_logo": _l("Remove the logo"),
    }
    description_columns = {
        "number_pattern": _l("Placeholders: {seq} {office_code} {classification} {year}"),
        "review_start_days": _l("Counted from the submission; empty: no target."),
        "letter_draft_days": _l("Counted from the verification; empty: no target."),
        "results_due_days": _l("PP 51/1999: after a recommended activity's first planned "
                               "release, its results are due within these working days. "
                               "Applies to letters sent from now on."),
        "privacy_notice": _l("Shown where personal data is collected (registration, the request "
                             "form, the guest book, walk-in recording): what is collected, why, "
                             "for how long, who sees it, whom to ask. Empty: the default notice. "
                             "A changed text is a new version, which new registrations agree "
                             "to."),
        "retention_guest_book_days": _l("The visit's date, agency and purpose stay (the "
                                        "office's figures); the name, identity number, phone "
                                        "and e-mail go."),
        "retention_registrations_days": _l("Read from the default office's settings: "
                                           "registrations belong to no office."),
    }
    formatters_columns = {"signer_role": labelled(SIGNER_ROLES),
                          "logo_type": labelled(LOGO_TYPES)}
    validators_columns = {"revision_reminder_days": [NumberRange(min=1)],
                          "review_start_days": [Optional(), NumberRange(min=1)],
                          "letter_draft_days": [Optional(), NumberRange(min=1)],
                          "results_due_days": [NumberRange(min=1)],
                          **{name: [NumberRange(min=1, max=36500)] for name in RETENTION_DAYS},
                          "revision_reminder_again_days": [_after_first_reminder]}
    add_form_extra_fields = edit_form_extra_fields = {
        "signer_role": choice(_l("Signer's role"), SIGNER_ROLES),
        "initials_required": yes_no_box(
            _l("Section head initials before signing"), default=False,
            description=_l("Yes: a drafted letter goes to a section head, who initials it "
                           "(paraf) or returns it, before the signer signs.")),
        **{name: yes_no_box(label, default=True) for name, label in REMINDER_SWITCHES.items()
           if name != "remind_results"},
        "remind_results": yes_no_box(
            REMINDER_SWITCHES["remind_results"], default=True,
            description=_l("After the planned release date, and again when the results are "
                           "overdue (PP 51/1999).")),
        "publish_ikm": yes_no_box(
            _l("Show the satisfaction index on the public service page"), default=False),
        "brand_colour": StringField(
            _l("The office's colour"), validators=[_readable_colour],
            default=look.DEFAULT_COLOUR, widget=BS3TextFieldWidget(),
            description=_l("The header of the public and applicant pages, under white text: "
                           "# and six hexadecimal digits, e.g. #0a4d8c (empty: this blue). "
                           "A colour too light for white text is refused.")),
    }
    edit_form_extra_fields = {
        **add_form_extra_fields,
        "logo_file": FileField(
            _l("New logo (PNG or JPEG)"),
            description=_l("Shown in the header of the public and applicant pages and on the "
                           "letterhead of letters issued from now on. A PNG or JPEG of at most "
                           "300 KB; a logo of about 200 by 200 pixels is plenty. Empty: the "
                           "logo stays as it is.")),
        "remove_logo": yes_no_box(_l("Remove the logo"), default=False),
    }

    def pre_add(self, item):
        super().pre_add(item)
        item.brand_colour = look.colour(item.brand_colour)

    def write_edit(self, form, item) -> None:
        # The logo's fields are no columns: the domain writes the logo (offices/look.py).
        upload, remove = form.logo_file.data, form.remove_logo.data
        with self.datamodel.session.no_autoflush:
            for name, field in form._fields.items():
                if name not in ("logo_file", "remove_logo"):
                    field.populate_obj(item, name)
            self.pre_update(item)
            item.brand_colour = look.colour(item.brand_colour)
            session = self.datamodel.session
            if upload:
                look.set_logo(session, item, upload.read(look.MAX_LOGO_BYTES + 1))
            elif remove:
                look.remove_logo(session, item)
        self.datamodel.edit(item)
        self.post_update(item)


class ChecklistItemView(OfficeScopedView):
    datamodel = RekomInterface(ChecklistItem)
    list_title = _l("Review checklist")
    show_title = _l("Checklist item")
    add_title = _l("Add checklist item")
    edit_title = _l("Edit checklist item")
    list_columns = ["office", "position", "text", "applies_to", "design_check", "form_part",
                    "active"]
    add_columns = edit_columns = show_columns = [
        "office", "position", "text", "applies_to", "design_check", "form_part", "active",
    ]
    base_order = ("position", "asc")
    label_columns = {
        "office": _l("Office"),
        "position": _l("No."),
        "text": _l("Checklist item"),
        "applies_to": _l("Applies to"),
        "design_check": _l("Design check"),
        "form_part": _l("Part of the form"),
        "active": _l("Active"),
    }
    description_columns = {
        "design_check": _l("The check of the form that pre-ticks this item when it passes, "
                           "or flags it with its reason. The officer decides."),
        "form_part": _l("Where the applicant reads the officers' note on this item: beside "
                        "this part of the form. Empty: with the general notes."),
    }
    formatters_columns = {"applies_to": labelled(CHECKLIST_SCOPES),
                          "design_check": labelled(DESIGN_CHECKS),
                          "form_part": labelled(findings.PART_TITLES)}
    add_form_extra_fields = edit_form_extra_fields = {
        "applies_to": choice(_l("Applies to"), CHECKLIST_SCOPES),
        "design_check": choice(_l("Design check"), DESIGN_CHECKS, required=False),
        "form_part": choice(_l("Part of the form"), findings.PART_TITLES, required=False),
        "active": yes_no_box(_l("Active"), default=True),
    }


class NonWorkingDayView(OfficeScopedView):
    datamodel = RekomInterface(NonWorkingDay)
    list_title = _l("Days off")
    show_title = _l("Day off")
    add_title = _l("Add day off")
    edit_title = _l("Edit day off")
    list_columns = ["day", "name", "kind", "is_working_day", "office"]
    add_columns = edit_columns = show_columns = ["office", "day", "name", "kind", "is_working_day"]
    base_order = ("day", "desc")
    label_columns = {
        "office": _l("Office (empty: all offices)"),
        "day": _l("Date"),
        "name": _l("Name"),
        "kind": _l("Kind"),
        "is_working_day": _l("Worked after all"),
    }
    formatters_columns = {"kind": labelled(DAY_KINDS)}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": choice(_l("Kind"), DAY_KINDS),
        "is_working_day": yes_no_box(_l("Worked after all"), default=False),
    }

    # Days for every office (office empty) are part of each office's calendar.
    office_filter_value = "or_null"


