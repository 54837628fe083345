"""Roles and the permission matrix: the names the domain checks and the cells FAB is given.

Imports nothing of ours, so the domain (workflow, notify, complaints, ...) reads role names
here and never imports the FAB security manager (auth/security.py), which writes these tables to
FAB's role tables (``sync_roles``) and re-exports the names for older importers.
"""
from __future__ import annotations

from flask import g, has_request_context
from flask_appbuilder.security.sqla.models import (
    Role,
    assoc_group_role,
    assoc_user_group,
    assoc_user_role,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, union

ADMIN, OFFICER, HEAD, APPLICANT, PUBLIC = "Admin", "Officer", "Head", "Applicant", "Public"
# Initials (paraf) drafted letters before the signer signs, in offices that ask for it
# (office_setting.initials_required); reads what the Head reads.
SECTION_HEAD = "SectionHead"
ROLES = (ADMIN, OFFICER, SECTION_HEAD, HEAD, APPLICANT, PUBLIC)
# The staff of one office: their screens show their own office's rows.
OFFICE_STAFF = frozenset({OFFICER, SECTION_HEAD, HEAD})
# A role's name is its key in FAB's tables (and the code); people read these.
ROLE_LABELS = {
    ADMIN: _l("Administrator"),
    OFFICER: _l("Officer"),
    SECTION_HEAD: _l("Section head"),
    HEAD: _l("Head of office"),
    APPLICANT: _l("Applicant"),
    PUBLIC: _l("Public"),
}


def role_label(name: str) -> str:
    return str(ROLE_LABELS.get(name, name))


def roles_text(roles) -> str:
    """A user's roles as words, for FAB's user screens (FAB shows "[Admin, Officer]")."""
    return ", ".join(role_label(role.name) for role in roles or ())


def groups_text(groups) -> str:
    """An account's groups as people named them (their label, else their key)."""
    return ", ".join(group.label or group.name for group in groups or ())


def members_text(users) -> str:
    """A group's members by name and account (FAB shows "[Sari Anggota]")."""
    return ", ".join(f"{user.first_name} {user.last_name} ({user.username})".strip()
                     for user in users or ())

READ = frozenset({"can_list", "can_show"})
WRITE = READ | {"can_add", "can_edit"}
FULL = WRITE | {"can_delete"}

# Workflow actions on the requests screen (FAB @action permissions, named as the actions).
OFFICER_ACTIONS = frozenset({
    "submit", "start_review", "request_revision", "resubmit", "verify", "draft_letter", "send",
    "close",
})
HEAD_ACTIONS = frozenset({"issue", "return_draft"})
SECTION_HEAD_ACTIONS = frozenset({"initial", "return_draft"})

# The officers' screens: view (FAB class_permission_name) -> permissions per role.
# Admin holds every permission (FAB grants each new permission to the admin role).
OFFICE_VIEWS: dict[str, dict[str, frozenset]] = {
    "ActivityRequestView": {OFFICER: WRITE | OFFICER_ACTIONS, HEAD: READ | HEAD_ACTIONS,
                            SECTION_HEAD: READ | SECTION_HEAD_ACTIONS},
    "RequestVariableView": {OFFICER: FULL, HEAD: READ},
    "RequestIndicatorView": {OFFICER: FULL, HEAD: READ},
    "AttachmentView": {OFFICER: READ | {"can_add"}, HEAD: READ},
    # Reviews are opened and closed by the workflow; the checklist is filled on the request.
    "ReviewView": {OFFICER: READ, HEAD: READ},
    "LetterView": {OFFICER: READ | {"can_edit", "can_pdf"}, HEAD: READ | {"can_pdf"}},
    # Results handed in after the letter: officers receive them or return them (with a note).
    "ActivityResultView": {OFFICER: READ | {"receive", "return_results"}, HEAD: READ},
    "ComplaintView": {OFFICER: WRITE | {"take", "answer", "close"}, HEAD: READ},
    "RatingView": {OFFICER: READ, HEAD: READ},
    # Tickets move through the actions (call next, serve, done, no-show), not by editing.
    "QueueTicketView": {OFFICER: READ | {"can_add", "call_next", "serve", "done", "no_show"},
                        HEAD: READ},
    # An officer may see a visitor's full identity number, saying why (audited).
    "GuestBookEntryView": {OFFICER: WRITE | {"can_reveal_identity"}, HEAD: READ},
    "OfficeView": {OFFICER: READ, HEAD: READ},
    "ChecklistItemView": {OFFICER: READ, HEAD: READ},
    "NonWorkingDayView": {OFFICER: READ, HEAD: READ},
    "AuditEventView": {OFFICER: READ, HEAD: READ},
    # Admin only: settings, numbering counters, the outbox.
    "OfficeSettingView": {},
    "LetterCounterView": {},
    "SigningCertificateView": {},
    "OutboundEmailView": {},
    # Who saw or exported whose personal data (the data protection officer's): admins only.
    "PersonalDataAccessView": {},
    # Applicants' requests to erase their account (auth/erasure.py).
    "ErasureRequestView": {},
}

# The REST API (requests/api.py): class name -> permissions per role. Rows are scoped there:
# applicants their own requests, staff their office's. Workflow actions check roles again in
# requests/workflow.py.
API_VIEWS: dict[str, dict[str, frozenset]] = {
    "RequestApi": {
        APPLICANT: frozenset({"can_get", "can_post", "can_put", "can_info"}),
        OFFICER: frozenset({"can_get", "can_post", "can_put", "can_info"}),
        HEAD: frozenset({"can_get", "can_info"}),
    },
    "ReviewApi": {
        APPLICANT: frozenset({"can_get"}),
        OFFICER: frozenset({"can_get", "can_info"}),
        HEAD: frozenset({"can_get", "can_info"}),
    },
    "LetterApi": {
        APPLICANT: frozenset({"can_get"}),
        OFFICER: frozenset({"can_get", "can_info", "can_put"}),
        HEAD: frozenset({"can_get", "can_info"}),
    },
    # feedback/api.py: staff read their office's; officers record and handle complaints (the
    # handling steps check the officer again in feedback/complaints.py, as on the screen).
    "ComplaintApi": {
        OFFICER: frozenset({"can_get", "can_info", "can_post"}),
        HEAD: frozenset({"can_get", "can_info"}),
    },
    "RatingApi": {
        OFFICER: frozenset({"can_get", "can_info"}),
        HEAD: frozenset({"can_get", "can_info"}),
    },
    # Open data: the catalogue API and the OpenAPI document are readable without logging in,
    # as FAB does it, through the Public role (FAB's protect() lets everyone through then).
    "CatalogueApi": {PUBLIC: frozenset({"can_get"})},
    # INDAH and DDI exports of the office's requests (metadata/api.py): staff only.
    "MetadataApi": {OFFICER: frozenset({"can_get"}), HEAD: frozenset({"can_get"})},
    "OpenApi": {PUBLIC: frozenset({"can_get"})},
    # The Swagger UI is a page (has_access asks the user's own roles): every role reads it.
    "SwaggerView": {role: frozenset({"can_show"}) for role in ROLES if role != ADMIN},
}

# Staff pages that are not model screens: the dashboard with its Excel exports (reports/views.py).
REPORT_VIEWS: dict[str, dict[str, frozenset]] = {
    "DashboardView": {
        OFFICER: frozenset({"can_index", "can_export"}),
        HEAD: frozenset({"can_index", "can_export"}),
    },
    # The Satu Data metadata exports (INDAH, DDI) of the office's requests (metadata/views.py).
    "MetadataExportView": {
        OFFICER: frozenset({"can_index", "can_export"}),
        HEAD: frozenset({"can_index", "can_export"}),
    },
}

# The section head reads what the Head reads; of the actions, only their own.
for _matrix in (OFFICE_VIEWS, API_VIEWS, REPORT_VIEWS):
    for _by_role in _matrix.values():
        if HEAD in _by_role:
            _by_role.setdefault(SECTION_HEAD, _by_role[HEAD] - HEAD_ACTIONS)

# FAB's own "my profile" screens: every account sees and edits its own profile and changes its
# own password (the pages act on the logged-in user only); nothing else of the user screens.
SELF_SERVICE = (
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("userinfoedit", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
)


def role_permissions(role: str) -> set[tuple[str, str]]:
    """The (permission, view) pairs a role holds on views, menus aside."""
    pairs = {
        (perm, view)
        for matrix in (OFFICE_VIEWS, API_VIEWS, REPORT_VIEWS)
        for view, by_role in matrix.items()
        for perm in by_role.get(role, ())
    }
    if role in OFFICE_STAFF | {APPLICANT}:
        pairs.update(SELF_SERVICE)
    return pairs


def current_user_obj():
    return getattr(g, "user", None) if has_request_context() else None


def user_role_names(user) -> set[str]:
    """The user's roles, their own and their groups' (FAB grants a group's roles to its
    members, ``get_user_roles``: the domain's checks read the same set)."""
    names = {r.name for r in getattr(user, "roles", None) or ()}
    for group in getattr(user, "groups", None) or ():
        names.update(r.name for r in group.roles)
    return names


def holders_of(names):
    """The ids of the accounts holding a role of ``names`` (a tuple, or one bound name), their
    own or through a group: every query that picks people by role (mail recipients, role
    filters) counts the members as FAB's permission checks do."""
    def named(column):
        return column.in_(names) if isinstance(names, (tuple, list, set, frozenset)) \
            else column == names
    own = (select(assoc_user_role.c.user_id)
           .join(Role, Role.id == assoc_user_role.c.role_id).where(named(Role.name)))
    through_group = (select(assoc_user_group.c.user_id)
                     .join(assoc_group_role,
                           assoc_group_role.c.group_id == assoc_user_group.c.group_id)
                     .join(Role, Role.id == assoc_group_role.c.role_id).where(named(Role.name)))
    return union(own, through_group)


def is_admin(user) -> bool:
    return ADMIN in user_role_names(user)
