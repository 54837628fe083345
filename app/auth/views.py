"""FAB's own security screens (users, roles, groups, registrations) in the users' language."""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_babel import lazy_gettext as _l

from app.web import fab_internals as fab
from app.web import identity_fields
from app.web.screens import OfficeScopedView, display

# FAB's security screens leave these columns to labels made from the column names, in
# English (our profile columns on the registration, the group screen, a role's users).
SECURITY_LABELS = {
    "RegisterUserModelView": {
        "first_name": _l("First Name"), "last_name": _l("Last Name"),
        "username": _l("User Name"), "email": _l("Email"), "password": _l("Password"),
        "registration_date": _l("Registration date"),
        "registration_hash": _l("Registration code"), "agency": _l("Agency"),
        "position": _l("Position"), "phone": _l("Phone"),
        "id_doc_type": _l("Identity document"), "id_doc_number": _l("Identity document number"),
    },
    "RekomGroupModelView": {
        "name": _l("Name"), "label": _l("Label"), "description": _l("Description"),
        "roles": _l("Roles"), "users": _l("Users"),
    },
    "RekomRoleModelView": {"groups": _l("Groups"), "user": _l("Users")},
    "PermissionViewModelView": {"role": _l("Role")},
}
SECURITY_TITLES = {
    "RegisterUserModelView": {"add_title": _l("Add registration"),
                              "edit_title": _l("Edit registration")},
}


def fab_views_in_the_users_language(appbuilder) -> None:
    """FAB's own model views (users, roles, groups, registrations…): labels and titles that FAB
    leaves in English, and dates, yes/no and empty values shown as ours are (``display``)."""
    for view in appbuilder.baseviews:
        if not isinstance(view, ModelView) or isinstance(view, OfficeScopedView):
            continue
        name = type(view).__name__
        labels = SECURITY_LABELS.get(name)
        if labels:
            view.label_columns.update(labels)
            fab.rebuild_forms(view)  # they were built with the old labels
        for attr, title in SECURITY_TITLES.get(name, {}).items():
            setattr(view, attr, title)
        view.formatters_columns = {
            **{column: display for column in view.datamodel.get_columns_list()},
            **(view.formatters_columns or {}),
        }
        if "id_doc_number" in view.datamodel.get_columns_list():
            # Pending registrations too: the number shown masked (issue 25).
            view.formatters_columns.update(identity_fields.FORMATTERS)


