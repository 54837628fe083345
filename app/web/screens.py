"""The staff screens' base: FAB ModelViews scoped to the user's office, and the
formatters and fields every screen shares (labels translated at render time, values as the
user's language writes them)."""
from __future__ import annotations

from flask import abort, g
from flask_appbuilder import ModelView, expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from app.auth.access import visible_offices
from app.auth.roles import holders_of, is_admin
from app.auth.security import FilterOffice
from app.models import ActivityRequest, Office, RekomUser
from app.web import fab_internals as fab
from app.web.formats import is_number, number_text, value_text
from app.web.interface import COUNT_CAP, RekomInterface
from app.web.list_widgets import LeanListWidget
from app.web.lookups import ACCOUNT, LookupField, lookup_of, related_row, search_field
from app.web.screen_writes import SafeWritesMixin

READ_ONLY = ["can_list", "can_show"]
CRUD = ["can_list", "can_show", "can_add", "can_edit", "can_delete"]


def choice(label, mapping, required=True):
    """A select for an enumerated string column, labels translated at render time. An
    optional one starts with a blank choice that stores NULL (a CHECK refuses "")."""
    choices = [SelectChoice(k, v) for k, v in mapping.items()]
    # Styled like FAB's own inputs (its widgets add the class; a plain SelectField has none).
    style = {"class": "form-control"}
    if required:
        return SelectField(label, choices=choices, validators=[DataRequired()], render_kw=style)
    # Optional: the blank choice stores NULL; without it WTForms refuses the None the filter
    # makes of it as "not a valid choice".
    return SelectField(label, choices=[SelectChoice("", "—"), *choices],
                       validators=[Optional()], filters=[lambda value: value or None],
                       render_kw=style)


def yes_no_box(label, default: bool, description=""):
    """A checkbox for a NOT NULL boolean column. FAB's own makes it required (InputRequired),
    so it could never be left unticked: unticked is False here. FAB gives a field of its own
    no description_columns text: ``description`` is it."""
    return BooleanField(label, default=default, description=description,
                        false_values=(False, "false", "", "0", "n"))


class labelled:
    """Formats an enumerated value with its label.

    The labels are translated once per locale, not once per cell (two columns of every row of
    the requests list); they depend on the locale only.
    """

    def __init__(self, mapping):
        self.mapping = mapping
        self._by_locale: dict = {}

    def __call__(self, value):
        if value is None:
            return ""
        labels = self._labels()
        return self.mapping.get(value, value) if labels is None else labels.get(value, value)

    def _labels(self):
        locale = get_locale()
        if locale is None:  # outside a request: the lazy labels
            return None
        labels = self._by_locale.get(locale)
        if labels is None:
            labels = self._by_locale[locale] = {k: str(v) for k, v in self.mapping.items()}
        return labels

    def for_page(self):
        """This formatter for one page (list_widgets.LeanListWidget): the locale looked up once."""
        labels = self._labels()
        if labels is None:
            return self
        return lambda value: "" if value is None else labels.get(value, value)


def display(value):
    """How a bare value reads in lists and show pages: no "None", yes/no in words, dates and
    date-times as the user's language writes them (web/formats.py)."""
    if value is None:
        return ""
    if value is True:
        return _l("Yes")
    if value is False:
        return _l("No")
    return value_text(value)


def grouped(value):
    """A count or size with the locale's thousands separator (12.345 in Indonesian)."""
    return number_text(value) if is_number(value) else display(value)


class OfficeScopedView(SafeWritesMixin, ModelView):
    """Rows of the user's office; new rows land in the user's office unless an admin picks."""

    office_column = "office_id"
    office_filter_value = None
    base_permissions = CRUD
    list_widget = LeanListWidget
    # The list counts at most this many rows, then reads "more than 10.000" (RekomInterface):
    # pages past the 400th are found by a filter, not by paging. None: an exact count.
    count_cap: int | None = COUNT_CAP

    def __init__(self, *args, **kwargs):
        # Set before ModelView.__init__: FAB builds its forms from these there.
        self.base_filters = [[self.office_column, FilterOffice, self.office_filter_value]]
        rel = self.related_choices()
        self.add_form_query_rel_fields = {**rel, **self.add_choices()}
        self.edit_form_query_rel_fields = dict(rel)
        self._type_lookups(rel)
        # The search form's selects too: they would list every office's rows otherwise.
        self.search_form_query_rel_fields = {
            "office": [["id", FilterOffice, None]],
            "parent": [["id", FilterOffice, None]],
            "request": [["office_id", FilterOffice, None]],
            **dict(rel),
        }
        if isinstance(self.datamodel, RekomInterface):
            self.datamodel.add_list_relations(self.list_columns or ())
            self.datamodel.count_cap = self.count_cap
        self.formatters_columns = {
            **{column: display for column in self.datamodel.get_columns_list()},
            **(self.formatters_columns or {}),
        }
        super().__init__(*args, **kwargs)

    def related_choices(self) -> dict:
        """Select fields offer only rows of the user's office."""
        return {"office": [["id", FilterOffice, None]]}

    def add_choices(self) -> dict:
        """Narrower choices for the add form only, by column (FAB's filter specs)."""
        return {}

    def _type_lookups(self, rel: dict) -> None:
        """A relation to requests or accounts is a text box in the forms and the search form,
        found among the rows ``rel`` lets the form pick (web/lookups.py); a view's own field
        for the column wins. Accounts the form picks within the office stay a select."""
        datamodel = self.datamodel
        fields, search = {}, {}
        for column in datamodel.get_columns_list():
            lookup = lookup_of(datamodel, column)
            if lookup is None:
                continue
            label = (self.label_columns or {}).get(column, column)
            search[column] = search_field(label, lookup)
            specs = rel.get(column, [])
            if lookup is ACCOUNT and any(spec[1] is FilterOffice for spec in specs):
                continue  # the office's staff (a complaint's officer): a handful to pick from
            nullable = all(c.nullable for c in datamodel.list_properties[column].local_columns)
            fields[column] = LookupField(
                label, [] if nullable else [DataRequired()], lookup=lookup,
                find=_finder(datamodel, column, lookup, specs))
        if fields:
            self.add_form_extra_fields = {**fields, **(self.add_form_extra_fields or {})}
            self.edit_form_extra_fields = {**fields, **(self.edit_form_extra_fields or {})}
        if search:  # also where every form keeps its select (office staff only)
            self.search_form_extra_fields = {**search, **(self.search_form_extra_fields or {})}

    # Issue 27: staff read the rows of the offices under theirs but change only their own
    # office's. On a reading page, a row of another office is shown without the buttons that
    # would change it (they would answer "not found") and with its office named.

    def row_office_id(self, item):
        """The office a row belongs to (None: a row of no office, e.g. a national holiday)."""
        if self.office_column == "request":
            return item.request.office_id if item.request is not None else None
        return getattr(item, self.office_column)

    def may_change(self, office_id) -> bool:
        """May the user change a row of ``office_id`` here (their own office's, or an admin)?"""
        user = g.user
        return office_id is None or is_admin(user) or office_id == user.office_id

    def area_rows(self, pks) -> dict | None:
        """``{pk: (office_id, "code name")}`` for this page's rows when the user reads beyond
        their own office (a province, the headquarters); None when they read only their own.
        One statement for the page."""
        user = g.user
        office_id = getattr(user, "office_id", None)
        session = self.datamodel.session
        if (not pks or office_id is None or is_admin(user)
                or visible_offices(session, office_id) is None):
            return None
        model = self.datamodel.obj
        key = getattr(model, self.datamodel.get_pk_name())
        if self.office_column == "id":
            stmt = select(key, Office.id, Office.code, Office.name)
        elif self.office_column == "request":
            stmt = (select(key, Office.id, Office.code, Office.name)
                    .join(ActivityRequest, ActivityRequest.id == model.request_id)
                    .join(Office, Office.id == ActivityRequest.office_id))
        else:
            stmt = (select(key, Office.id, Office.code, Office.name)
                    .join(Office, Office.id == getattr(model, self.office_column)))
        found = {pk: (office, f"{code} {name}")
                 for pk, office, code, name in session.execute(stmt.where(key.in_(pks)))}
        return {pk: found.get(pk, (None, "")) for pk in pks}

    def _get_list_widget(self, filters, **kwargs):
        widgets = super()._get_list_widget(filters, **kwargs)
        listed = widgets["list"]
        rows = self.area_rows(listed.template_args.get("pks") or ())
        if rows is not None:  # read by LeanListWidget
            listed.row_offices = {pk: label for pk, (_, label) in rows.items()}
            listed.read_only_pks = {pk for pk, (office, _) in rows.items()
                                    if not self.may_change(office)}
        return widgets

    # FAB's show and action, re-exposed at their routes (fab_internals.OVERRIDES).
    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """FAB's show page, plus whatever ``show_context`` adds for the view's template. A row
        of an office under the user's is shown without its actions (``read_only``)."""
        pk = fab.pk_from_url(self, pk)
        widgets = fab.show_page_widgets(self, pk)  # 404 outside the user's office
        item = self.datamodel.get(pk, fab.base_filters(self))
        read_only = item is not None and not self.may_change(self.row_office_id(item))
        extra = {}
        if type(self).show_context is not OfficeScopedView.show_context:
            extra = self.show_context(item, widgets)
        if read_only:
            widgets["show"].template_args["actions"] = {}
            extra = {**extra, "read_only": True}
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets,
            related_views=self._related_views, **extra,  # as FAB's (fab_internals.ATTRIBUTES)
        )

    def show_context(self, item, widgets) -> dict:
        """Extra values for a view's own show template (none by default)."""
        return {}

    # FAB loads the rows of an action by primary key alone: load them within the user's
    # office instead, so another office's row is simply not there (and never named).
    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if self.datamodel.get(fab.pk_from_url(self, pk), fab.base_filters(self)) is None:
            abort(404)
        return super().action(name, pk)

    def action_items(self, pks) -> list:
        # FAB loads an action's rows by primary key alone: within the user's office here.
        items = [self.datamodel.get(fab.pk_from_url(self, pk), fab.base_filters(self))
                 for pk in pks]
        return [item for item in items if item is not None]

    def _pin_office(self, item):
        user = g.user
        if not is_admin(user) and hasattr(item, "office_id"):
            item.office_id = user.office_id

    def pre_add(self, item):
        self._pin_office(item)

    def pre_update(self, item):
        self._pin_office(item)


def _finder(datamodel, column, lookup, specs):
    """The row a typed text names among those FAB's filters ``specs`` let the form pick."""
    def find(text):
        rel = datamodel.get_related_interface(column)
        query = rel.get_filters().add_filter_list(specs).apply_all(
            rel.session.query(rel.obj))
        return related_row(rel, lookup, text, query)
    return find


class RoleFilter(BaseFilter):
    """Users holding the named role (for the applicant select)."""

    name = _l("Role")

    def apply(self, query, value):
        return query.filter(RekomUser.id.in_(holders_of((value,))))


