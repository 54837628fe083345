"""Satu Data metadata on the staff screens: INDAH's workbook and DDI codebooks, per request and
for a period.

One FAB ``BaseView`` at ``/metadata/``: a period (the days requests were submitted, in the
office's calendar; this year by default) lists the requests in it, with both files for the
period (``/metadata/indah.xlsx``, ``/metadata/ddi.zip``, ``?from=YYYY-MM-DD&to=YYYY-MM-DD``)
and for each request (``/metadata/indah/<id>.xlsx``, ``/metadata/ddi/<id>.xml``).

Scoping as the request screens (FilterOffice): officers and heads see their office's requests,
an admin every office's; another office's request is not found (404). Only requests that
reached "submitted" are exported (indah.exportable). Permissions: ``can_index`` (the page) and
``can_export`` (every file) on ``MetadataExportView`` (app/auth/roles.py's matrix).
"""
from __future__ import annotations

import datetime as dt
import io

from flask import abort, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import InputRequired

from app.auth.roles import is_admin
from app.metadata import ddi, indah
from app.models import Office
from app.offices import workdays

LISTED = 200  # requests listed on the page; the files hold every one of the period


class DayField(DateField):
    """A date typed as YYYY-MM-DD, refused with the export's own sentence."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(indah.NOT_A_DAY)) from exc


class PeriodForm(FlaskForm):
    """The period, read from the query string (a GET form: nothing changes, no CSRF token)."""

    class Meta:
        csrf = False

    start = DayField(_l("From"), name="from", validators=[InputRequired(indah.MISSING_DAY)])
    end = DayField(_l("Until"), name="to", validators=[InputRequired(indah.MISSING_DAY)])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        try:
            indah.check_period(self.start.data, self.end.data)
        except indah.PeriodError as exc:
            self.end.errors = [*self.end.errors, str(exc)]
            return False
        return True

    @property
    def messages(self) -> list[str]:
        """Every refusal once, in the fields' order."""
        seen = []
        for field in (self.start, self.end):
            for message in field.errors:
                if str(message) not in seen:
                    seen.append(str(message))
        return seen


def _period_form() -> PeriodForm:
    args = request.args
    if not args.get("from") and not args.get("to"):
        today = workdays.office_today()
        args = {"from": dt.date(today.year, 1, 1).isoformat(),
                "to": dt.date(today.year, 12, 31).isoformat()}
    from werkzeug.datastructures import MultiDict

    return PeriodForm(formdata=MultiDict(args))


def _back_to_page() -> str:
    """The page with the period asked for: it says what is wrong with it."""
    return url_for(".index", **{name: request.args.get(name, "") for name in ("from", "to")})


def _send(data: bytes, mimetype: str, name: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=name, max_age=0)


class MetadataExportView(BaseView):
    route_base = "/metadata"
    default_view = "index"
    template = "metadata/index.html"

    def _office_id(self):
        """The office whose requests the user exports; None: an admin, every office."""
        user = g.user
        if is_admin(user):
            return None
        if user.office_id is None:
            abort(403)  # staff without an office have nothing to export
        return user.office_id

    def _scope_code(self, office_id) -> str:
        office = self.appbuilder.session.get(Office, office_id) if office_id else None
        return office.code if office is not None else "semua"

    def _period_requests(self, options: tuple):
        """(office id, start, end, requests) of a valid period, or a redirect to the page that
        says what is wrong with it."""
        office_id = self._office_id()
        form = _period_form()
        if not form.validate():
            return None, redirect(_back_to_page())
        start, end = form.start.data, form.end.data
        try:
            reqs = indah.in_period(self.appbuilder.session, office_id, start, end,
                                   workdays.office_timezone(), options)
        except indah.PeriodError:
            return None, redirect(_back_to_page())
        return (office_id, start, end, reqs), None

    @expose("/")
    @has_access
    def index(self):
        office_id = self._office_id()
        form = _period_form()
        session, tz = self.appbuilder.session, workdays.office_timezone()
        reqs, count, messages, args = [], 0, [], {}
        if form.validate():
            start, end = form.start.data, form.end.data
            args = {"from": start.isoformat(), "to": end.isoformat()}
            count = indah.count_in_period(session, office_id, start, end, tz)
            refused = indah.too_many(count)
            if refused:
                messages = [refused]
            else:
                reqs = indah.in_period(session, office_id, start, end, tz, limit=LISTED)
        else:
            messages = form.messages
        return self.render_template(
            self.template, title=_("Satu Data metadata"), form=form, messages=messages,
            requests=reqs, count=count, listed=LISTED, args=args, tz=tz,
            local_date=workdays.local_date, all_offices=office_id is None,
        )

    @expose("/indah.xlsx")
    @has_access
    @permission_name("export")
    def indah_period(self):
        found, refused = self._period_requests(indah.eager_options())
        if refused is not None:
            return refused
        office_id, start, end, reqs = found
        data = indah.workbook(reqs, tz=workdays.office_timezone())
        name = indah.period_file_name("indah", self._scope_code(office_id), start, end, "xlsx")
        return _send(data, indah.XLSX_MIMETYPE, name)

    @expose("/ddi.zip")
    @has_access
    @permission_name("export")
    def ddi_period(self):
        found, refused = self._period_requests(ddi.eager_options())
        if refused is not None:
            return refused
        office_id, start, end, reqs = found
        name = indah.period_file_name("ddi", self._scope_code(office_id), start, end, "zip")
        return _send(ddi.codebooks_zip(reqs), ddi.ZIP_MIMETYPE, name)

    @expose("/indah/<int:req_id>.xlsx")
    @has_access
    @permission_name("export")
    def indah_request(self, req_id):
        req = indah.one(self.appbuilder.session, req_id, self._office_id(),
                        indah.eager_options())
        if req is None:
            abort(404)
        return _send(indah.workbook([req], tz=workdays.office_timezone()),
                     indah.XLSX_MIMETYPE, indah.file_name(req))

    @expose("/ddi/<int:req_id>.xml")
    @has_access
    @permission_name("export")
    def ddi_request(self, req_id):
        req = indah.one(self.appbuilder.session, req_id, self._office_id(), ddi.eager_options())
        if req is None:
            abort(404)
        return _send(ddi.codebook(req), ddi.XML_MIMETYPE, ddi.file_name(req))


def register(appbuilder) -> MetadataExportView:
    """Add the screen under "Services" (once: a second call changes nothing). The registry
    (app/views.py) may list it in MENUS instead."""
    for view in appbuilder.baseviews:
        if isinstance(view, MetadataExportView):
            return view
    return appbuilder.add_view(
        MetadataExportView, "SatuDataMetadata", label=_l("Satu Data metadata"),
        icon="fa-database", category="Layanan", category_label=_l("Services"),
        category_icon="fa-briefcase")
