"""The service dashboard for officers, heads and admins, and its Excel exports.

One FAB ``BaseView`` at ``/dashboard/``: the figures of reports.dashboard for the user's office
and a period (default: this calendar year), charts drawn here as inline SVG (no JavaScript, no
CDN: the app works offline), and ``/dashboard/export/<kind>`` for the .xlsx files of
reports/exports.py.

Scoping: officers and heads always see their own office (``g.user.office_id``); an ``office``
parameter in the URL is ignored for them. Admins choose an office or every office.

Permissions (FAB derives them from the method names): ``can_index`` and ``can_export`` on
``DashboardView``. ``register(appbuilder)`` adds the view under the "Dashboard" menu.
"""
from __future__ import annotations

import datetime as dt
import io

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_appbuilder import BaseView, IndexView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app.auth import access_log
from app.auth.roles import (
    ADMIN,
    APPLICANT,
    HEAD,
    OFFICER,
    SECTION_HEAD,
    is_admin,
    user_role_names,
)
from app.core.transactions import unit_of_work
from app.feedback import skm
from app.feedback.views import DEADLINE_LABELS
from app.models import (
    COMPLAINT_STATES,
    REQUEST_STATES,
)
from app.offices import workdays
from app.offices.sla import sla_label
from app.reports import coverage, exports, home, skm_report, snapshots
from app.reports import figures as reports
from app.web.list_widgets import (
    navbar_entries,
)

EXPORT_KINDS = ("requests", "guestbook", "ikm")
# File names of the exports (Indonesian, the office language): <stem>_<office>_<start>_<end>.xlsx
EXPORT_STEMS = {"requests": "register-permohonan", "guestbook": "buku-tamu", "ikm": "ikm"}
MAX_PERIOD_DAYS = 366 * 10 + 1  # a decade at most: the monthly chart stays readable

GRADE_COLOURS = {"A": "#2e7d32", "B": "#1565c0", "C": "#ef6c00", "D": "#c62828"}
RECEIVED_COLOUR, ISSUED_COLOUR = "#1f4e79", "#8fb3d9"


# --- Charts (server-side SVG) ----------------------------------------------------------------


def _nice_max(value: int) -> int:
    """A round upper end for an axis of counts (at least 1)."""
    if value <= 5:
        return max(value, 1)
    for step in (2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if value <= step * 5:
            return -(-value // step) * step
    return value


def month_chart_svg(months: list, labels: list[str]) -> Markup:
    """Received and issued per month as grouped bars."""
    n = max(len(months), 1)
    top = _nice_max(max([m.received for m in months] + [m.issued for m in months] + [0]))
    left, bottom, plot_h, slot = 36, 40, 160, 44
    width, height = left + n * slot + 10, plot_h + bottom + 24
    bar = (slot - 12) / 2
    label = _("Received and issued per month")  # (outside the f-string: Babel finds it)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dash-chart" id="month-chart" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">'
    ]
    steps = 5 if top >= 5 else top
    for i in range(steps + 1):
        value = top * i // steps
        y = 10 + plot_h - plot_h * value / top
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 6}" y2="{y:.1f}" '
                     f'stroke="#ddd"/><text x="{left - 4}" y="{y + 4:.1f}" font-size="10" '
                     f'text-anchor="end">{escape(format_decimal(value))}</text>')
    for i, (month, label) in enumerate(zip(months, labels)):
        x = left + i * slot + 6
        for j, (value, colour, name) in enumerate((
                (month.received, RECEIVED_COLOUR, _("Received")),
                (month.issued, ISSUED_COLOUR, _("Issued")))):
            h = plot_h * value / top
            parts.append(
                f'<rect x="{x + j * bar:.1f}" y="{10 + plot_h - h:.1f}" width="{bar - 1:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(label)} — {escape(name)}: '
                f'{escape(format_decimal(value))}</title></rect>')
        parts.append(f'<text x="{x + bar:.1f}" y="{10 + plot_h + 14}" font-size="10" '
                     f'text-anchor="middle">{escape(label)}</text>')
    legend_y = height - 8
    for k, (colour, name) in enumerate(((RECEIVED_COLOUR, _("Received")),
                                        (ISSUED_COLOUR, _("Issued")))):
        x = left + k * 110
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{x + 14}" y="{legend_y}" font-size="11">'
                     f'{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def ikm_chart_svg(result: reports.Ikm) -> Markup:
    """The nine element averages (NRR, scale 1–4) as horizontal bars, coloured by class."""
    left, row, plot_w = 34, 22, 300
    width, height = left + plot_w + 60, 9 * row + 30
    label = _("Element average (NRR)")  # (outside the f-string: Babel finds it)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dash-chart" id="ikm-chart" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">'
    ]
    for tick in range(5):
        x = left + plot_w * tick / 4
        parts.append(f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{9 * row + 6}" '
                     f'stroke="#ddd"/><text x="{x:.1f}" y="{9 * row + 20}" font-size="10" '
                     f'text-anchor="middle">{tick}</text>')
    for i, (element, nrr) in enumerate(zip(skm.ELEMENTS, result.elements)):
        y = 6 + i * row
        parts.append(f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end">'
                     f'U{element.number}</text>')
        if nrr is None:
            continue
        grade = reports.grade_of(reports.round_half_up_hundredths(
            result.elements_exact[i] * reports.CONVERSION))
        w = plot_w * nrr / 4
        parts.append(
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{row - 6}" '
            f'fill="{GRADE_COLOURS[grade]}"><title>{escape(element.name)}: '
            f'{escape(format_decimal(nrr, "0.000"))}</title></rect>'
            f'<text x="{left + w + 4:.1f}" y="{y + 13}" font-size="11">'
            f'{escape(format_decimal(nrr, "0.00"))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# --- The view --------------------------------------------------------------------------------


def _parse_day(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


class DashboardView(BaseView):
    route_base = "/dashboard"
    default_view = "index"
    template = "dashboard/index.html"

    # -- what the request asks for, within what the user may see --

    def _scope(self) -> tuple[coverage.Coverage, list]:
        """(what the figures cover, the choices offered): admins and the staff of an office
        with offices under it choose (reports/coverage.py); the others see their office,
        whatever the URL says."""
        user = g.user
        if not is_admin(user) and user.office_id is None:
            abort(403)  # staff without an office have no figures to see
        return coverage.choose(self.appbuilder.session, request.args.get("office", ""),
                               admin=is_admin(user), office_id=user.office_id)

    def _period(self):
        today = workdays.office_today()
        default = (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
        raw_start, raw_end = request.args.get("start"), request.args.get("end")
        if not raw_start and not raw_end:
            return default
        start = _parse_day(raw_start) or default[0]
        end = _parse_day(raw_end) or default[1]
        bad = (raw_start and _parse_day(raw_start) is None) or (
            raw_end and _parse_day(raw_end) is None)
        # A year at the calendar's edge cannot be turned into the period's UTC bounds.
        out_of_range = (start.year < skm_report.YEAR_MIN or end.year > skm_report.YEAR_MAX)
        if bad or out_of_range or end < start or (end - start).days > MAX_PERIOD_DAYS:
            flash(_("The period is not valid; showing this year instead."), "warning")
            return default
        return start, end

    def _args(self, shown, choices, start, end) -> dict:
        args = {"start": start.isoformat(), "end": end.isoformat()}
        if choices:
            args["office"] = shown.value
        return args

    # -- pages --

    @expose("/")
    @has_access
    def index(self):
        shown, choices = self._scope()
        start, end = self._period()
        session = self.appbuilder.session
        tz = workdays.office_timezone()
        # An area's or the nation's period figures are kept a few minutes (snapshots.py).
        period = snapshots.figures(session, shown.offices, start, end, tz)
        figures = reports.dashboard(session, shown.offices, start, end, tz=tz, period=period)
        month_labels = [format_date(m.month, "MMM yy") for m in figures.months]
        args = self._args(shown, choices, start, end)
        return self.render_template(
            self.template,
            title=_("Service dashboard"),
            figures=figures,
            shown=shown,
            choices=choices,
            start=start,
            end=end,
            states=REQUEST_STATES,
            elements=skm.ELEMENTS,
            month_chart=month_chart_svg(figures.months, month_labels),
            ikm_chart=ikm_chart_svg(figures.ikm),
            export_urls={kind: url_for(".export", kind=kind, **args) for kind in EXPORT_KINDS},
            format_decimal=format_decimal,
            format_date=format_date,
            # Whole minutes; under one (kept figures off, or nearly) the page names no interval.
            figures_every=int(snapshots.max_age().total_seconds() // 60),
        )

    @expose("/export/<kind>")
    @has_access
    def export(self, kind):
        if kind not in EXPORT_KINDS:
            abort(404)
        shown, _choices = self._scope()
        start, end = self._period()
        session = self.appbuilder.session
        tz = workdays.office_timezone()
        if kind == "requests":
            data = exports.request_register_xlsx(
                reports.request_register(session, shown.offices, start, end, tz=tz),
                with_office=not shown.single)
        elif kind == "guestbook":
            entries = reports.guest_book(session, shown.offices, start, end, tz=tz)
            data = exports.guest_book_xlsx(entries, tz=tz)
            # Each visitor in the file is an export of their data (issue 25): one row each.
            with unit_of_work(session):
                access_log.record_objects(
                    session, g.user, entries, access_log.EXPORT_PERSONAL,
                    f"{EXPORT_STEMS[kind]}_{start.isoformat()}_{end.isoformat()}.xlsx")
        else:
            result = reports.period_ikm(session, shown.offices, start, end, tz)
            data = exports.ikm_xlsx(
                result, office=shown.name,
                period=f"{format_date(start, 'dd/MM/yyyy')} – {format_date(end, 'dd/MM/yyyy')}")
        filename = (f"{EXPORT_STEMS[kind]}_{shown.code}_{start.isoformat()}_"
                    f"{end.isoformat()}.xlsx")
        return send_file(io.BytesIO(data), mimetype=exports.XLSX_MIMETYPE, as_attachment=True,
                         download_name=filename, max_age=0)

    # -- the SKM report (issue 24): the permissions of the page and the exports above, so the
    # role matrix stays as it is --

    def _skm(self, *, announce: bool):
        """(the report, what it covers, the choices offered, the query values that ask for the
        same report). ``announce``: flash why a period was refused (on the page; a download
        just uses the default)."""
        shown, choices = self._scope()
        period, problem = skm_report.choose_period(request.args, workdays.office_today())
        if problem and announce:
            flash(problem, "warning")
        session = self.appbuilder.session
        result = skm_report.report(session, shown.offices, period,
                                   tz=workdays.office_timezone())
        if period.preset is not None:
            args = {"period": period.preset, "year": str(period.year)}
        else:
            args = {"start": period.start.isoformat(), "end": period.end.isoformat()}
        if choices:
            args["office"] = shown.value
        return result, shown, choices, args

    def _skm_context(self, result, shown) -> dict:
        grades, high = [], 10000
        for letter, low, label in reports.GRADES:  # the classes with their ranges, best first
            grades.append((letter, low / 100, high / 100, label))
            high = low - 1
        return dict(report=result, office=shown.office, office_name=shown.name, grades=grades,
                    presets=skm_report.PRESETS, scale=skm.SCALE, format_decimal=format_decimal,
                    today=workdays.office_today())

    def _skm_filename(self, result, shown, ext: str) -> str:
        period = result.period
        return f"skm_{shown.code}_{period.start.isoformat()}_{period.end.isoformat()}.{ext}"

    @expose("/skm")
    @has_access
    @permission_name("index")
    def skm(self):
        result, shown, choices, args = self._skm(announce=True)
        year = result.period.year or result.period.end.year
        office_arg = {"office": args["office"]} if "office" in args else {}
        links = {key: url_for(".skm", period=key, year=year, **office_arg)
                 for key in skm_report.PRESETS}
        return self.render_template(
            "dashboard/skm.html",
            title=_("Public satisfaction survey (SKM) report"),
            shown=shown, choices=choices,
            year=year, preset_urls=links,
            year_urls=[(y, url_for(".skm", period=result.period.preset or "y", year=y,
                                   **office_arg))
                       for y in (year - 1, year + 1)
                       if skm_report.YEAR_MIN <= y <= skm_report.YEAR_MAX],
            pdf_url=url_for(".skm_pdf", **args), xlsx_url=url_for(".skm_xlsx", **args),
            dashboard_url=url_for(".index", **office_arg),
            **self._skm_context(result, shown),
        )

    @expose("/skm.pdf")
    @has_access
    @permission_name("export")
    def skm_pdf(self):
        result, shown, _choices, _args = self._skm(announce=False)
        html = render_template("dashboard/skm_pdf.html", **self._skm_context(result, shown))
        return send_file(io.BytesIO(skm_report.render_pdf(html)), mimetype="application/pdf",
                         as_attachment=True, max_age=0,
                         download_name=self._skm_filename(result, shown, "pdf"))

    @expose("/skm.xlsx")
    @has_access
    @permission_name("export")
    def skm_xlsx(self):
        result, shown, _choices, _args = self._skm(announce=False)
        data = exports.skm_xlsx(result, office=shown.name, period=result.period.label)
        return send_file(io.BytesIO(data), mimetype=exports.XLSX_MIMETYPE, as_attachment=True,
                         download_name=self._skm_filename(result, shown, "xlsx"), max_age=0)


def register(appbuilder) -> DashboardView | None:
    """Add the dashboard under the "Dashboard" menu (once: a second call changes nothing)."""
    for view in appbuilder.baseviews:
        if isinstance(view, DashboardView):
            return view
    return appbuilder.add_view(
        DashboardView,
        "ServiceDashboard",
        label=_l("Service dashboard"),
        icon="fa-bar-chart",
        category="Dashboard",
        category_label=_l("Dashboard"),
        category_icon="fa-tachometer",
    )








class RekomIndexView(IndexView):
    """Staff home at /admin/ ("Tugas saya": what waits on the user, reports/home.py); `/` is the
    public service page. Applicants go to their portal."""

    route_base = "/admin"
    index_template = "rekomstat/index.html"

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        # Every staff page's navbar (rekomstat/navbar.html, FAB's appbuilder/navbar.html
        # included) walks the menu once and shows the user's count of tasks.
        blueprint.add_app_template_global(navbar_entries, "navbar_entries")
        blueprint.add_app_template_global(self.task_count, "navbar_task_count")
        return blueprint

    @staticmethod
    def task_count():
        """The menu's "Tugas saya" badge: what waits on the logged-in staff user (one
        statement, once a page); None for anyone else."""
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if "_rekom_task_count" not in g:
            # The home page ("Tugas saya") counts afresh; elsewhere a count a few seconds old.
            g._rekom_task_count = home.task_badge(
                current_app.appbuilder.session, user.id, user.office_id, user_role_names(user),
                fresh=request.endpoint == "RekomIndexView.index")
        return g._rekom_task_count

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return super().index()
        roles = user_role_names(user)
        if roles == {APPLICANT}:
            return redirect(url_for("portal.home"))
        self.update_redirect()
        session, office_id = self.appbuilder.session, user.office_id
        today, tz = workdays.office_today(), workdays.office_timezone()
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, sla_label=sla_label,
            request_states=REQUEST_STATES, complaint_states=COMPLAINT_STATES,
            deadline_labels=DEADLINE_LABELS, office_columns=home.OFFICE_COLUMNS,
            officer=home.officer_home(session, user.id, office_id, today, tz)
            if OFFICER in roles and office_id else None,
            head=home.head_home(session, office_id, today, tz)
            if HEAD in roles and office_id else None,
            section_head=home.section_head_home(session, office_id, today, tz)
            if SECTION_HEAD in roles and office_id else None,
            admin=home.admin_home(session, today) if ADMIN in roles else None,
        )


