"""FAB's own security screens (users, roles, groups, registrations) in the users' language."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.auth import erasure
from app.auth.access import view_permission
from app.models import ERASURE_STATES, ErasureRequest
from app.web import fab_internals as fab
from app.web import identity_fields
from app.web.interface import RekomInterface
from app.web.screens import READ_ONLY, OfficeScopedView, display, labelled

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
        # By FAB's permission name: ours keep it (RekomRegisterUserModelView).
        name = view.class_permission_name or type(view).__name__
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




class ErasureRequestView(ModelView):
    """Applicants' requests to erase their account (UU 27/2022; auth/erasure.py): the
    administrators erase or refuse, each with a form that says what it does."""

    datamodel = RekomInterface(ErasureRequest)
    base_permissions = READ_ONLY
    list_title = _l("Requests for erasure")
    show_title = _l("Request for erasure")
    list_columns = ["requested_at", "user", "state", "decided_at", "decided_by"]
    show_columns = ["requested_at", "user", "reason", "state", "decided_at", "decided_by",
                    "decision_note"]
    search_columns = ["state", "requested_at"]
    base_order = ("requested_at", "desc")
    label_columns = {
        "requested_at": _l("Asked"),
        "user": _l("Account"),
        "reason": _l("Reason given"),
        "state": _l("State"),
        "decided_at": _l("Decided"),
        "decided_by": _l("Decided by"),
        "decision_note": _l("Note to the applicant"),
    }
    # Registered after fab_views_in_the_users_language ran: dates and empties shown as ours.
    formatters_columns = {"state": labelled(ERASURE_STATES),
                          **{c: display for c in ("requested_at", "decided_at", "reason",
                                                  "decision_note", "user", "decided_by")}}

    def render_template(self, template, **kwargs):
        # A decided request (erasure.decided) is shown without "Erase the account" and
        # "Refuse": they would only answer that it was already answered. (The list offers
        # neither: both act on one row, from its page.)
        widgets = kwargs.get("widgets")
        if template == self.show_template and kwargs.get("pk") is not None and widgets:
            item = self.datamodel.get(kwargs["pk"])
            if item is not None and erasure.decided(item):
                widgets["show"].template_args["actions"] = {}
        return super().render_template(template, **kwargs)

    @action("erase", _l("Erase the account"), icon="fa-user-times", multiple=False)
    def act_erase(self, item):
        item = item[0] if isinstance(item, list) else item
        return redirect(url_for(".decide", pk=item.id, what="erase"))

    @action("refuse", _l("Refuse"), icon="fa-ban", multiple=False)
    def act_refuse(self, item):
        item = item[0] if isinstance(item, list) else item
        return redirect(url_for(".decide", pk=item.id, what="refuse"))

    @expose("/<any(erase, refuse):what>/<int:pk>", methods=["GET", "POST"])
    @view_permission(lambda what, pk: what)
    def decide(self, what, pk):
        """Erase (what stays is listed; an optional note) or refuse (a reason, required)."""
        session = self.datamodel.session
        item = session.get(ErasureRequest, pk)
        if item is None:
            abort(404)
        note = request.form.get("note", "")
        if request.method == "POST":
            try:
                if what == "erase":
                    erasure.erase(session, pk, g.user, note)
                    flash(_("The account is erased; the applicant was told what was kept."),
                          "success")
                else:
                    erasure.refuse(session, pk, g.user, note)
                    flash(_("The request for erasure is refused; the applicant was told why."),
                          "success")
                return redirect(url_for(".show", pk=pk))
            except erasure.ErasureError as err:
                flash(err.message, "danger")
        user = item.user
        return self.render_template(
            "rekomstat/erasure_decide.html", item=item, what=what, note=note,
            title=_("Erase the account") if what == "erase" else _("Refuse"),
            kept=erasure.kept(session, user) if user is not None and item.state == "pending"
            else [],
            problem=erasure.problem(session, user) if user is not None else None)
