"""Staff screens that never show a user the database's text and never lose what was typed.

FAB's ``_add``/``_edit`` flash whatever an exception says (the driver's text, with every value
typed) and redirect, losing the form; a number past SQLite's integer range is an OverflowError
there (a 500). ``SafeWritesMixin`` runs the same steps but brings a refusal back on the form:
the database's as a message on its field (db_refusals), a domain rule's as its message. It is
mixed into our ModelViews and FAB's security screens alike (users, roles, groups).
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.const import FLAMSG_ERR_SEC_ACCESS_DENIED
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from wtforms.validators import NumberRange

from app.core import db_refusals
from app.core.errors import DomainError
from app.web import fab_internals as fab
from app.web.input_guard import MAX_DB_INT

NOT_SAVED = _l("Not saved: please check the fields marked below.")
NOT_OFFERED = _l("Not one of the choices offered: choose again.")
TOO_BIG = _l("Enter a number from %(min)s to %(max)s.")


def offered_only(form) -> bool:
    """FAB's many-to-many selects (roles, groups) drop a submitted key that names no row and
    save the rest; a forged or stale choice is refused on its field instead, nothing saved."""
    wrong = False
    for field in form:
        if isinstance(field, QuerySelectMultipleField) and field.raw_data:
            offered = {str(choice[0]) for choice in field.iter_choices()}
            if any(value not in offered for value in field.raw_data):
                field.errors = [*field.errors, str(NOT_OFFERED)]
                wrong = True
    return not wrong


def valid(form) -> bool:
    """WTForms' validation and offered_only, both run (every error shown at once)."""
    checked = form.validate()
    return offered_only(form) and checked


class SafeWritesMixin:
    # FAB's _add, _edit, _delete, _init_forms and action_post, overridden by name
    # (fab_internals.OVERRIDES).
    def _add(self):
        fab.get_filter_args(fab.search_filters(self), disallow_if_not_in_search=False)
        exclude_cols = fab.search_filters(self).get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            fab.fill_excluded_columns(self, exclude_cols, form)
            if valid(form):
                self.process_form(form, True)
                if self._written(form, lambda: self.write_add(form)):
                    flash(str(self.add_row_message), "success")
                    return None
            else:
                flash(str(NOT_SAVED), "danger")
        else:
            self.update_redirect()
        return fab.add_widget(self, form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        fab.get_filter_args(fab.search_filters(self), disallow_if_not_in_search=False)
        exclude_cols = fab.search_filters(self).get_relation_cols()
        item = self.datamodel.get(pk, fab.base_filters(self))
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            fab.fill_excluded_columns(self, exclude_cols, form)
            fab.skip_unique_check_of(form, pk)  # FAB's unique validators skip this row
            if valid(form):
                self.process_form(form, False)
                if self._written(form, lambda: self.write_edit(form, item)):
                    flash(str(self.edit_row_message), "success")
                    return None
            else:
                flash(str(NOT_SAVED), "danger")
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
            self.update_redirect()
        widgets = fab.edit_widget(self, form=form, exclude_cols=exclude_cols)
        return fab.related_views_widgets(
            self, item, filters={}, orders=fab.get_order_args(), pages=fab.get_page_args(),
            page_sizes=fab.get_page_size_args(), widgets=widgets)

    def _delete(self, pk):
        """FAB's steps. A row other rows still point at (an office's requests, an applicant's,
        a request's letter) is refused by the database on both engines; FAB flashed its
        exception, whose text is empty: the admin saw a blank box and no reason."""
        item = self.datamodel.get(pk, fab.base_filters(self))
        if not item:
            abort(404)
        try:
            self.pre_delete(item)  # a view's refusal, in words (FAB's)
        except Exception as err:  # noqa: BLE001 - FAB's contract: pre_delete refuses by raising
            flash(str(err), "danger")
        else:
            try:
                self.datamodel.delete(item)  # rolls back on a refusal (SQLAInterface.delete)
            except DatabaseException as err:
                refusal = db_refusals.IN_USE if db_refusals.in_use(err.__cause__) else (
                    db_refusals.NOT_DELETED)
                flash(str(refusal), "danger")
            else:
                self.post_delete(item)
                flash(str(self.delete_row_message), "success")
        self.update_redirect()

    # FAB's steps, with no flush until the row is complete: a query in pre_add/pre_update (or
    # a relationship's backref) would otherwise flush the half-filled row (e.g. an empty choice
    # stored as '' before pre_update makes it NULL, refused by a CHECK).
    def write_add(self, form) -> None:
        """Write a new row from the valid form (FAB's steps; a view may call its domain)."""
        item = self.datamodel.obj()
        with self.datamodel.session.no_autoflush:
            form.populate_obj(item)
            self.pre_add(item)
        self.datamodel.add(item)
        self.post_add(item)

    def write_edit(self, form, item) -> None:
        with self.datamodel.session.no_autoflush:
            form.populate_obj(item)
            self.pre_update(item)
        self.datamodel.edit(item)
        self.post_update(item)

    def action_items(self, pks) -> list:
        """The rows an action_post names (a view may scope them)."""
        items = [self.datamodel.get(fab.pk_from_url(self, pk)) for pk in pks]
        return [item for item in items if item is not None]

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """FAB's, refusing what it would answer with a 500: an unknown action, or several rows
        (or none) for an action made for one."""
        name = request.form.get("action")
        action = self.actions.get(name)
        if action is None:
            abort(400)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name),
                                             self.class_permission_name):
            flash(str(FLAMSG_ERR_SEC_ACCESS_DENIED), "danger")
            return redirect(url_for(".list"))
        pks = request.form.getlist("rowid")
        items = self.action_items(pks)
        if pks and not items:
            abort(404)
        if not action.multiple:
            if len(items) != 1:
                abort(400)
            return action.func(items[0])
        return action.func(items)

    def _written(self, form, write) -> bool:
        """Run ``write``; on a refusal roll back, put the reason on the form, return False."""
        session = self.datamodel.session
        try:
            write()
            return True
        except (DomainError, ValueError) as err:
            session.rollback()
            # A refusal by field (request_commands.RequestInputError), or one message.
            refusals = getattr(err, "errors", None) or {
                "": [getattr(err, "message", None) or str(err)]}
        except (SQLAlchemyError, DatabaseException, OverflowError) as err:
            session.rollback()
            cause = err.__cause__ if isinstance(err, DatabaseException) and err.__cause__ else err
            current_app.logger.warning("%s refused by the database: %s", type(self).__name__,
                                       cause)
            refusals = db_refusals.errors(cause)
        for name, messages in refusals.items():
            if name in form:
                form[name].errors = [*form[name].errors, *messages]
            else:
                for message in messages:
                    label = self.label_columns.get(name) if name else None
                    flash(f"{label}: {message}" if label else message, "danger")
        return False

    def _init_forms(self):
        self._number_limits()
        super()._init_forms()
        # FAB's blank choice of a relation has no text, and WTForms then shows its value,
        # "__None"; a view may give it words of its own after this.
        for form in (self.add_form, self.edit_form):
            for unbound in vars(form).values():
                kwargs = getattr(unbound, "kwargs", None)
                if isinstance(kwargs, dict) and kwargs.get("allow_blank"):
                    kwargs.setdefault("blank_text", "—")

    def _number_limits(self):
        # Whole numbers within the database's integer (SQLite raises OverflowError past 2**63,
        # PostgreSQL refuses past 2**31): the form says so on the field instead.
        for col in {*(self.add_columns or []), *(self.edit_columns or [])}:
            if self.datamodel.is_integer(col) and not self.datamodel.is_pk(col):
                checks = list(self.validators_columns.get(col, []))
                if not any(isinstance(check, NumberRange) for check in checks):
                    checks.append(NumberRange(min=-MAX_DB_INT, max=MAX_DB_INT, message=TOO_BIG))
                    self.validators_columns = {**self.validators_columns, col: checks}
