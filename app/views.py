"""The registry: the staff screens' menus, and the registration of every package's FAB
views. Which role sees which view is the matrix in app/auth/roles.py; row scoping is
app/web/screens.py's OfficeScopedView."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.auth.access_views import PersonalDataAccessView
from app.auth.views import ErasureRequestView, fab_views_in_the_users_language
from app.catalogue.api import CatalogueApi
from app.feedback.api import ComplaintApi, RatingApi
from app.feedback.views import ComplaintView, OverdueComplaintView, RatingView
from app.frontoffice.views import GuestBookEntryView, QueueTicketView
from app.letters.views import LetterCounterView, LetterView, SigningCertificateView
from app.metadata.api import MetadataApi
from app.metadata.views import MetadataExportView
from app.offices.views import ChecklistItemView, NonWorkingDayView, OfficeSettingView, OfficeView
from app.ops.views import AuditEventView, OutboundEmailView, RecordsOfProcessingView
from app.requests.api import APIS as REQUEST_APIS
from app.requests.views import (
    ActivityRequestView,
    ActivityResultView,
    AttachmentView,
    OverdueRequestView,
    RequestIndicatorView,
    RequestVariableView,
    ResultsOverdueView,
    ReviewView,
)
from app.web import fab_internals as fab

# Menu categories: (name, label, icon). FAB's name is the permission's menu name: keep it.
SERVICES = ("Layanan", _l("Services"), "fa-briefcase")
LETTERS = ("Surat", _l("Letters"), "fa-envelope")
FEEDBACK = ("Pengaduan", _l("Complaints & ratings"), "fa-comments")
FRONT_OFFICE = ("FrontOffice", _l("Front office"), "fa-users")
SETTINGS = ("Pengaturan", _l("Settings"), "fa-cog")

MENUS = (
    # (view, name, label, icon, category)
    (ActivityRequestView, "Requests", _l("Requests"), "fa-file-text-o", SERVICES),
    (OverdueRequestView, "OverdueRequests", _l("Overdue requests"), "fa-exclamation-triangle",
     SERVICES),
    (ReviewView, "Reviews", _l("Reviews"), "fa-check-square-o", SERVICES),
    (RequestVariableView, "Variables", _l("Variables"), "fa-list", SERVICES),
    (RequestIndicatorView, "Indicators", _l("Indicators"), "fa-line-chart", SERVICES),
    (MetadataExportView, "SatuDataMetadata", _l("Satu Data metadata"), "fa-database",
     SERVICES),
    (AttachmentView, "Attachments", _l("Attachments"), "fa-paperclip", SERVICES),
    (LetterView, "Letters", _l("Recommendation letters"), "fa-envelope-o", LETTERS),
    # The follow-up after the letter (PP 51/1999): the results agencies hand to BPS.
    (ActivityResultView, "Results", _l("Results of activities"), "fa-book", LETTERS),
    (ResultsOverdueView, "ResultsOverdue", _l("Results overdue"), "fa-clock-o", LETTERS),
    (ComplaintView, "Complaints", _l("Complaints"), "fa-bullhorn", FEEDBACK),
    (OverdueComplaintView, "OverdueComplaints", _l("Overdue complaints"),
     "fa-exclamation-triangle", FEEDBACK),
    (RatingView, "Ratings", _l("Ratings"), "fa-star", FEEDBACK),
    (QueueTicketView, "Queue", _l("Queue"), "fa-ticket", FRONT_OFFICE),
    (GuestBookEntryView, "GuestBook", _l("Guest book"), "fa-book", FRONT_OFFICE),
    (OfficeView, "Offices", _l("Offices"), "fa-building", SETTINGS),
    (OfficeSettingView, "OfficeSettings", _l("Office settings"), "fa-sliders", SETTINGS),
    (ChecklistItemView, "Checklist", _l("Review checklist"), "fa-check", SETTINGS),
    (NonWorkingDayView, "DaysOff", _l("Days off"), "fa-calendar", SETTINGS),
    (LetterCounterView, "LetterCounters", _l("Letter counters"), "fa-sort-numeric-asc", SETTINGS),
    (SigningCertificateView, "SigningCertificates", _l("Signing certificates"), "fa-certificate",
     SETTINGS),
    (AuditEventView, "Audit", _l("Audit trail"), "fa-history", SETTINGS),
    (OutboundEmailView, "Outbox", _l("Outbox"), "fa-paper-plane", SETTINGS),
    (RecordsOfProcessingView, "RecordsOfProcessing", _l("Records of processing"),
     "fa-shield", SETTINGS),
    (PersonalDataAccessView, "PersonalDataAccess", _l("Personal data access"), "fa-eye",
     SETTINGS),
    (ErasureRequestView, "ErasureRequests", _l("Requests for erasure"), "fa-user-times",
     SETTINGS),
)


def register_views(appbuilder) -> None:
    from app.reports.views import register as register_dashboard

    register_dashboard(appbuilder)
    fab_views_in_the_users_language(appbuilder)
    for view, name, label, icon, (category, category_label, category_icon) in MENUS:
        appbuilder.add_view(
            view,
            name,
            label=label,
            icon=icon,
            category=category,
            category_label=category_label,
            category_icon=category_icon,
        )


def register_apis(appbuilder) -> None:
    """Every package's REST API (FAB ModelRestApi), under /api/v1/."""
    # FAB's JSON login reads payload["provider"] unchecked: without one, a 500 (KeyError).
    # Required, its schema answers the 400 instead.
    fab.API_LOGIN_SCHEMA.fields["provider"].required = True
    for api in (*REQUEST_APIS, ComplaintApi, RatingApi, CatalogueApi, MetadataApi):
        appbuilder.add_api(api)
