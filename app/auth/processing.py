"""The records of processing (UU 27/2022; issue 25): for each table that holds personal data,
which data (by column, with its kind), why, on what basis, for how long, and who may see it.

Built, not written: the kinds, purposes and periods are the models' annotations
(models.PERSONAL_KINDS, PROCESSING, each column's ``info["personal"]``), the labels those of
the staff screens that show the table, and "who may see it" the permission matrix
(auth/roles.py) of those screens. A new column or screen changes the record by itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.auth.roles import ADMIN, API_VIEWS, OFFICE_VIEWS, REPORT_VIEWS, role_label
from app.models import PERSONAL_KINDS, PROCESSING, Model

TABLE_LABELS = {
    "ab_user": _l("Accounts"),
    "ab_register_user": _l("Registrations waiting for confirmation"),
    "activity_request": _l("Requests"),
    "letter": _l("Recommendation letters"),
    "office": _l("Offices"),
    "complaint": _l("Complaints"),
    "guest_book_entry": _l("Guest book"),
    "rating": _l("Ratings"),
    "review": _l("Reviews"),
    "activity_result": _l("Results of activities"),
    "attachment": _l("Attachments"),
    "audit_event": _l("Audit trail"),
    "outbound_email": _l("Outbox"),
    "erasure_request": _l("Requests for erasure"),
}
# Who sees the rows beyond the staff screens.
ALSO_SEEN_BY = {
    "ab_user": _l("the person, their own profile"),
    "activity_request": _l("the applicant, their own requests"),
    "complaint": _l("the person who complained, with its code"),
    "letter": _l("anyone holding the letter (its number and signer, on /verify)"),
    "activity_result": _l("the applicant, their own results"),
}
READS = ("can_list", "can_show")
# Columns no screen shows (FAB makes English labels of their names).
COLUMN_LABELS = {"reporter_id": _l("Reporter's account")}


@dataclass
class Record:
    table: str
    label: str
    purpose: str
    basis: str
    retention: str
    columns: list = field(default_factory=list)  # (label, kind label)
    seen_by: list = field(default_factory=list)


def _roles_reading(permission_view: str) -> set[str]:
    roles = {ADMIN}
    for matrix in (OFFICE_VIEWS, API_VIEWS, REPORT_VIEWS):
        for role, perms in matrix.get(permission_view, {}).items():
            if set(perms) & set(READS):
                roles.add(role)
    return roles


def _showing(appbuilder, table) -> list:
    return [v for v in appbuilder.baseviews if getattr(v, "datamodel", None) is not None
            and getattr(v.datamodel.obj, "__table__", None) is table]


def column_labels(appbuilder, table) -> dict:
    """``{column: label}`` of ``table`` as the staff screens that show it name its columns."""
    labels: dict = {name: str(text) for name, text in COLUMN_LABELS.items()}
    for view in _showing(appbuilder, table):
        for name, text in (view.label_columns or {}).items():
            labels.setdefault(name, str(text))
    return labels


def records(appbuilder) -> list[Record]:
    result = []
    for table in Model.metadata.sorted_tables:
        personal = [c for c in table.columns if c.info.get("personal")]
        if not personal or table.name not in PROCESSING:
            continue
        labels = column_labels(appbuilder, table)
        roles: set = {ADMIN}
        for view in _showing(appbuilder, table):
            roles |= _roles_reading(view.class_permission_name)
        purpose, basis, retention = PROCESSING[table.name]
        seen = [role_label(r) for r in sorted(roles)]
        if table.name in ALSO_SEEN_BY:
            seen.append(str(ALSO_SEEN_BY[table.name]))
        result.append(Record(
            table=table.name, label=str(TABLE_LABELS.get(table.name, table.name)),
            purpose=str(purpose), basis=str(basis), retention=str(retention),
            columns=[(labels.get(c.name) or c.name,
                      str(PERSONAL_KINDS[c.info["personal"]])) for c in personal],
            seen_by=seen))
    return sorted(result, key=lambda r: r.label)
