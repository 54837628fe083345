"""Security: the manager subclass, the user screens, and office row scoping.

Roles and their permission matrix are defined in code (auth/roles.py) and written to FAB's role
tables by ``sync_roles`` (run by ``flask seed-roles`` and on first run), so an admin can read
them in FAB's role screens while the code stays the single source of truth — the way
Superset's security manager does it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from contextlib import contextmanager

from flask import (
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    request,
    session,
)
from flask_appbuilder.actions import action
from flask_appbuilder.exceptions import DeleteRoleWithUsersException
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (
    Group,
    Permission,
    PermissionView,
    Role,
    ViewMenu,
    assoc_permissionview_role,
)
from flask_appbuilder.security.views import (
    AuthDBView,
    RegisterUserModelView,
    RoleModelView,
    UserDBModelView,
    UserGroupModelView,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, user_logged_in
from limits import parse as parse_limit
from sqlalchemy import bindparam, false, or_, select
from sqlalchemy.orm import aliased, contains_eager
from sqlalchemy.orm.util import identity_key
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional as OptionalValidator

from app.auth import access_log, accounts
from app.auth.access import visible_offices
from app.auth.roles import (
    ADMIN,
    ROLES,
    current_user_obj,
    groups_text,
    is_admin,
    members_text,
    role_label,
    role_permissions,
    roles_text,
)
from app.core.process_cache import ProcessCache
from app.core.transactions import unit_of_work
from app.models import ID_DOC_TYPES, ActivityRequest, RekomRegisterUser, RekomUser
from app.offices.workdays import utcnow
from app.web import fab_internals as fab
from app.web import identity_fields
from app.web.identity_fields import IdentityNumberMixin
from app.web.interface import COUNT_CAP, RekomInterface
from app.web.screen_writes import SafeWritesMixin

log = logging.getLogger(__name__)

# The lock after failed log-ins (auth_user_db) is counted per account name *and* address, in
# the rate limiter's storage, under the name's generation: a password reset or an admin's
# "Unlock" moves the generation on, which lifts the name's locks at every address at once
# (the storage cannot list keys). The generation outlives any lock window: one that expired
# while older counts still stood would bring those back.
LOCK_SCOPE = "login-fail"
LOCK_GENERATION = "rekomstat-login-lock-generation/"
LOCK_GENERATION_TTL = 30 * 24 * 3600

# The moment this session logged in (naive UTC, ISO text: microseconds kept, where Flask's own
# datetime tag keeps whole seconds). A session from before the account's
# ``sessions_valid_after`` (set by logout and by a password change) counts as logged out.
SESSION_LOGIN_AT = "_rekomstat_login_at"

# A role's permissions, read on every staff page (one statement, ~0.5 ms) and changed by an
# admin a few times a year: kept per process (process_cache). An edit in the admin's own
# process applies at once, in other workers within ROLE_PERMISSIONS_TTL_S. Who has which role
# is read afresh on every request (load_user), so taking a role from a user is immediate.
ROLE_PERMISSIONS_TTL_S = 30.0
_role_permissions = ProcessCache(
    "role_permissions", ROLE_PERMISSIONS_TTL_S,
    (Role, PermissionView, Permission, ViewMenu, assoc_permissionview_role))

# The role names and the permission matrix live in auth/roles.py: the domain imports them there.


def _stamp_login(_app, user=None, **_extra) -> None:
    """flask-login's ``user_logged_in``: the session remembers when it logged in."""
    session[SESSION_LOGIN_AT] = utcnow().isoformat()


user_logged_in.connect(_stamp_login, weak=False)


def session_login_moment() -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(session.get(SESSION_LOGIN_AT) or "")
    except (TypeError, ValueError):
        return None


def _lock_account(name: str) -> str:
    """A typed account name as a storage key: lower case (FAB's names are), fixed length and
    no separator an odd name could use to reach another name's key."""
    name = (name or "").strip().lower()[:256]
    return hashlib.sha256(name.encode()).hexdigest()[:32] if name else ""


class FilterOffice(BaseFilter):
    """Rows of the current user's office; on the pages that only read, also those of the
    offices under it (access.visible_offices). Admins see every office.

    ``column_name`` is either an office foreign key (``office_id``), the office's own ``id``,
    or ``request`` for rows that hang off a request. A user without an office sees nothing.
    Not exposed to REST clients (no ``arg_name``).
    """

    name = _l("Office")

    def apply(self, query, value):
        user = current_user_obj()
        if user is not None and is_admin(user):
            return query
        office_id = getattr(user, "office_id", None)
        if office_id is None:
            return query.filter(false())
        offices = visible_offices(query.session, office_id)
        if offices == ():
            return query  # the headquarters reading: every office
        if self.column_name == "request":
            mine = (ActivityRequest.office_id == office_id if offices is None
                    else ActivityRequest.office_id.in_(offices))
            return query.filter(self.model.request_id.in_(select(ActivityRequest.id).where(mine)))
        column = getattr(self.model, self.column_name)
        wanted = column == office_id if offices is None else column.in_(offices)
        if value == "or_null":
            return query.filter(or_(wanted, column.is_(None)))
        return query.filter(wanted)


def roles_in_words(view) -> None:
    """A FAB security screen's role chips and role filter: the words of ROLE_LABELS ("Head" read
    as a code); the options' values stay the roles' keys. Called wherever FAB builds the
    forms (views.py builds some again with other labels)."""
    for form in (view.add_form, view.edit_form, view.search_form):
        if form is not None and hasattr(form, "roles"):
            form.roles.kwargs["get_label"] = lambda role: role_label(role.name)


class RekomUserDBModelView(IdentityNumberMixin, SafeWritesMixin, UserDBModelView):
    """FAB's user screens with the service's profile fields."""

    # FAB's generic file download has no file column to serve here (it crashed with a 500).
    exclude_route_methods = {"download"}

    # Keep FAB's permission name, so FAB's own conventions and docs still apply.
    class_permission_name = "UserDBModelView"
    # "Show the full identity number" (web/identity_fields.py): the admins.
    extra_args = {"identity_view": "UserDBModelView"}

    _profile = ["office", "agency", "position", "phone", "id_doc_type", "id_doc_number"]
    list_columns = ["first_name", "last_name", "username", "email", "office", "roles", "active"]
    formatters_columns = {"roles": roles_text, "groups": groups_text,
                          **identity_fields.FORMATTERS}
    # FAB's own (an account needs a role or a group) kept with ours.
    validators_columns = {**UserDBModelView.validators_columns, **identity_fields.VALIDATORS}
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "groups", "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"]}),
        (_l("Profile"), {"fields": _profile}),
        (
            _l("Audit Info"),
            {"fields": ["last_login", "fail_login_count", "created_on", "changed_on"]},
        ),
    ]
    user_show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"]}),
        (_l("Profile"), {"fields": _profile}),
    ]
    add_columns = UserDBModelView.add_columns + _profile
    edit_columns = [
        "first_name", "last_name", "username", "active", "email", "roles", "groups", *_profile
    ]
    label_columns = {
        **UserDBModelView.label_columns,
        "office": _l("Office"),
        "agency": _l("Agency"),
        "position": _l("Position"),
        "phone": _l("Phone"),
        "id_doc_type": _l("Identity document"),
        "id_doc_number": _l("Identity document number"),
    }
    _id_doc = SelectField(
        _l("Identity document"),
        choices=[SelectChoice("", "—")]
        + [SelectChoice(k, v) for k, v in ID_DOC_TYPES.items()],
        validators=[OptionalValidator()],
    )
    add_form_extra_fields = {**UserDBModelView.add_form_extra_fields, "id_doc_type": _id_doc}
    edit_form_extra_fields = {"id_doc_type": _id_doc}

    def __init__(self, *args, **kwargs):
        # FAB's security manager gives this screen its plain interface: each row's office and
        # roles were read one statement at a time (57 a page), and every account counted
        # (a million applicants, nationally). Ours reads them for the page at once and counts
        # as the other long lists do (RekomInterface, OfficeScopedView.count_cap).
        users = RekomInterface(self.datamodel.obj)
        users.add_list_relations(self.list_columns)
        users.count_cap = COUNT_CAP
        self.datamodel = users
        super().__init__(*args, **kwargs)

    def render_template(self, template, **kwargs):
        _audit_detail_page(self, template, kwargs)
        return super().render_template(template, **kwargs)

    def _init_forms(self):
        super()._init_forms()
        roles_in_words(self)
        # FAB's blank option has no label, and WTForms then shows its value, "__None".
        for form in (self.add_form, self.edit_form):
            form.office.kwargs["blank_text"] = _l("— no office —")

    def _blank_to_none(self, item):
        if not item.id_doc_type:
            item.id_doc_type = None

    def pre_add(self, item):
        super().pre_add(item)
        self._blank_to_none(item)
        self._identity_before_write(item)

    def pre_update(self, item):
        super().pre_update(item)
        self._blank_to_none(item)
        self._identity_before_write(item)
        # Deactivated, or its admin role taken (own or through its groups), by the last admin.
        accounts.keep_an_admin(self.datamodel.session, item)

    def pre_delete(self, item):
        super().pre_delete(item)
        accounts.keep_an_admin(self.datamodel.session, item, deleting=True)

    @action("unlock", _l("Unlock"),
            _l("Lift the log-in lock of the selected accounts, at every address?"),
            "fa-unlock")
    def unlock(self, items):
        """Lift the lock after failed log-ins (auth_user_db) for these accounts."""
        users = items if isinstance(items, list) else [items]
        for user in users:
            self.appbuilder.sm.unlock_account(user)
            log.info("log-in lock lifted for account %r by %r", user.username,
                     getattr(g.user, "username", None))
        flash(ngettext("The log-in lock of %(num)d account is lifted.",
                       "The log-in lock of %(num)d accounts is lifted.", len(users)), "success")
        self.update_redirect()
        return redirect(self.get_redirect())


def _audit_detail_page(view, template, kwargs) -> None:
    """An account's or a registration's detail page (FAB's show: its template with the row's
    key; one's own profile has none) is an access to personal data (issue 25)."""
    if template == view.show_template and kwargs.get("pk") is not None:
        access_log.record_view(view.datamodel.session, g.user,
                               view.datamodel.get(kwargs["pk"]))


class RekomRegisterUserModelView(RegisterUserModelView):
    """FAB's pending registrations (admins), a detail page seen audited."""

    class_permission_name = "RegisterUserModelView"  # FAB's, as the role tables name it

    def render_template(self, template, **kwargs):
        _audit_detail_page(self, template, kwargs)
        return super().render_template(template, **kwargs)


# Accounts grow with the applicants (3 000 at 100 000 requests, ~21 000 at a million): FAB's
# role and group screens wrote every account into their search form (roles list 262 KB at
# 100k), and the group form into a select. A role's or group's members are found on the users'
# list (its role filter) and set on the user's form (roles, groups).


class RekomRoleModelView(SafeWritesMixin, RoleModelView):
    exclude_route_methods = {"download"}  # no file column: FAB's download would crash
    search_exclude_columns = ["user"]

    def pre_delete(self, item):
        super().pre_delete(item)  # FAB's: refused while accounts hold the role
        # A group's members hold its roles too (roles.user_role_names): FAB deleted the role
        # and took it from them without a word.
        groups = self.datamodel.session.scalars(
            select(Group).where(Group.roles.any(Role.id == item.id))).all()
        if groups:
            self.update_redirect()
            raise DeleteRoleWithUsersException(_(
                "Groups still hold this role (%(groups)s): take it off them first.",
                groups=groups_text(groups)))


class RekomGroupModelView(SafeWritesMixin, UserGroupModelView):
    exclude_route_methods = {"download"}
    search_exclude_columns = ["users"]
    add_columns = edit_columns = ["name", "label", "description", "roles"]
    formatters_columns = {"roles": roles_text, "users": members_text}

    def _init_forms(self):
        super()._init_forms()
        roles_in_words(self)

    def pre_update(self, item):
        super().pre_update(item)
        # The admin role taken from a group whose members are the only admins.
        accounts.keep_an_admin_after_flush(self.datamodel.session)


class RekomAuthDBView(AuthDBView):
    login_template = "rekomstat/login_db.html"


class RekomstatSecurityManager(SecurityManager):
    user_model = RekomUser
    registeruser_model = RekomRegisterUser
    authdbview = RekomAuthDBView
    rolemodelview = RekomRoleModelView
    groupmodelview = RekomGroupModelView
    # FAB's user statistics chart crashes on unexpected input and shows nothing the service needs.
    userstatschartview = None
    userdbmodelview = RekomUserDBModelView
    registerusermodelview = RekomRegisterUserModelView

    def get_user_by_id(self, pk):
        """FAB's look-up (also flask-login's, each request) with the user's roles, groups and
        the groups' roles in the same query: the first permission check and the office scoping
        read them next.

        Joined by hand, flat: ``joinedload`` renders a many-to-many as a nested join
        (``LEFT OUTER JOIN (ab_user_role JOIN ab_role) ON …``), into which SQLite cannot carry
        the user's id, so it scanned the whole ``ab_user_role`` on every request (a cost
        growing with each registration; figures in bench/README.md). Flat outer joins reach
        every table by index on both engines; the foreign keys make them mean the same."""
        # Already in this request's session (FAB's profile pages look the user up again).
        known = self.session.identity_map.get(identity_key(self.user_model, pk))
        if known is not None:
            return known
        stmt = self.__dict__.get("_user_load_stmt")
        if stmt is None:
            user, group, role = self.user_model, self.group_model, self.role_model
            group_role = aliased(role)
            # FAB's association tables (ab_user_role, ab_user_group, ab_group_role).
            u_r, u_g, g_r = (rel.property.secondary
                             for rel in (user.roles, user.groups, group.roles))
            stmt = self._user_load_stmt = (
                select(user).where(user.id == bindparam("pk"))
                .outerjoin(u_r, u_r.c.user_id == user.id)
                .outerjoin(role, role.id == u_r.c.role_id)
                .outerjoin(u_g, u_g.c.user_id == user.id)
                .outerjoin(group, group.id == u_g.c.group_id)
                .outerjoin(g_r, g_r.c.group_id == group.id)
                .outerjoin(group_role, group_role.id == g_r.c.role_id)
                .options(contains_eager(user.roles),
                         contains_eager(user.groups).contains_eager(
                             group.roles.of_type(group_role))))
        return self.session.execute(stmt, {"pk": pk}).unique().scalar_one_or_none()

    def has_access(self, permission_name, view_name) -> bool:
        """FAB's check; after the request's first one, a look-up in the user's permission set.

        A list page asks ~40 times (menu entries, buttons, actions), each for another
        (permission, view): FAB re-validates the user and walks their roles every time. Once
        FAB has validated the logged-in user (authenticated, active, database roles only; see
        ``_has_view_access``) the rest of the request asks the set directly. Keyed by
        flask-login's user object: a log-in or log-out during the request starts afresh; API
        keys always take FAB's way.
        """
        if has_request_context():
            fast = g.get("_rekom_fast_access")
            if (fast is not None and fast[0] is g.get(fab.LOGIN_USER)
                    and not g.get(fab.API_KEY_USER)):
                return (permission_name, view_name) in fast[1]
        return super().has_access(permission_name, view_name)

    def _has_view_access(self, user, permission_name, view_name) -> bool:
        """FAB's check, but one query per request for all of the user's permissions.

        FAB asks the database once per check, and a list page checks dozens (menu, actions,
        buttons): 41 queries on the officers' request list. The set is kept on ``g``, so a
        change of role takes effect on the next request, as before.
        """
        if not has_request_context():
            return super()._has_view_access(user, permission_name, view_name)
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles
               and fab.builtin_role_grants(self, role, permission_name, view_name)
               for role in roles):
            return True
        role_ids = tuple(sorted(role.id for role in roles if role.name not in self.builtin_roles))
        if not role_ids:
            return False
        cache = g.setdefault("_rekom_permissions", {})
        if role_ids not in cache:
            cache[role_ids] = _role_permissions.get(
                self.session, role_ids, lambda: self._role_permission_pairs(role_ids))
        login_user = g.get(fab.LOGIN_USER)
        if (login_user is not None and not g.get(fab.API_KEY_USER)
                and getattr(user, "_get_current_object", lambda: user)() is login_user
                and not any(role.name in self.builtin_roles for role in roles)):
            # FAB has just validated this user (has_access): the fast path may answer now.
            g._rekom_fast_access = (login_user, cache[role_ids])
        return (permission_name, view_name) in cache[role_ids]

    def is_item_public(self, permission_name, view_name) -> bool:
        """FAB's check, answered from one set per request.

        FAB's protect() asks this first on every API call, logged in or not, and walks the
        Public role's permissions loading each one's names (two queries per permission once
        the catalogue and the OpenAPI document are public).
        """
        if not has_request_context():
            return super().is_item_public(permission_name, view_name)
        pairs = g.get("_rekom_public_pairs")
        if pairs is None:
            role = self.get_public_role()
            pairs = g._rekom_public_pairs = (
                self._role_permission_pairs((role.id,)) if role is not None else frozenset())
        return (permission_name, view_name) in pairs

    def _role_permission_pairs(self, role_ids) -> frozenset:
        # Built once (the roles are a bound list): building the joins took longer than
        # running them, on every request.
        stmt = self.__dict__.get("_permission_pairs_stmt")
        if stmt is None:
            pv, perm, view = self.permissionview_model, self.permission_model, self.viewmenu_model
            stmt = self._permission_pairs_stmt = (
                select(perm.name, view.name).select_from(pv)
                .join(perm, pv.permission_id == perm.id)
                .join(view, pv.view_menu_id == view.id)
                .join(assoc_permissionview_role,
                      assoc_permissionview_role.c.permission_view_id == pv.id)
                .where(assoc_permissionview_role.c.role_id.in_(
                    bindparam("role_ids", expanding=True)))
            )
        rows = self.session.execute(stmt, {"role_ids": list(role_ids)}).all()
        return frozenset((p, v) for p, v in rows)

    def auth_user_db(self, username, password):
        """FAB's password check, with a lock per account name and address after repeated
        failures.

        The per-address login limit slows one machine; this stops it guessing one account for
        the rest of the window. Counted per name *and* address, so a stranger who fails on
        purpose locks out only himself, not the account's owner; a password reset or an
        admin's "Unlock" lifts the name's locks at every address (``unlock_account``). Kept in
        the rate limiter's storage (shared through Redis when several app servers run) for any
        name typed, known or not, so the lock does not tell which accounts exist.
        """
        item = self._lockout_item()
        ids = self._lock_ids(username) if item is not None else None
        if ids is not None and not fab.rate_limits(self).test(item, *ids):
            log.warning("login refused: account %r locked after repeated failures from %s",
                        (username or "").strip().lower()[:256], ids[-1])
            if not request.path.startswith("/api/"):  # the API answers 401 and no page
                flash(_("Too many failed log-in attempts for this account. Try again in a few "
                        "minutes, or reset your password."), "danger")
            return None
        user = super().auth_user_db(username, password)
        if ids is not None:
            if user is None:
                fab.rate_limits(self).hit(item, *ids)
            else:
                fab.rate_limits(self).clear(item, *ids)
        return user

    def _lockout_item(self):
        """The AUTH_LOCKOUT limit (e.g. "5 per 15 minutes"), or None when limits are off."""
        rate = current_app.config.get("AUTH_LOCKOUT")
        if not rate or not fab.limits_enabled(self):
            return None
        return parse_limit(rate)

    def _lock_ids(self, name):
        """The limiter identifiers of a typed name's lock at this request's address (ProxyFix
        has made it the client's), under the name's generation; None for an empty name."""
        account = _lock_account(name)
        if not account:
            return None
        generation = fab.rate_limits(self).storage.get(LOCK_GENERATION + account)
        address = (request.remote_addr if has_request_context() else None) or "-"
        return (LOCK_SCOPE, account, str(generation), address)

    def unlock_account(self, user) -> None:
        """Lift the lock after failed log-ins for this account at every address: both names a
        person may log in with (user name and e-mail) move to a new generation."""
        item = self._lockout_item()
        if item is None:
            return
        storage = fab.rate_limits(self).storage
        ttl = max(LOCK_GENERATION_TTL, 2 * item.get_expiry())
        for name in {user.username, user.email}:
            account = _lock_account(name)
            if account:
                key = LOCK_GENERATION + account
                # A value never used before (the time in microseconds), not "+1": counts of
                # a generation that expired and came round again must not come back.
                storage.clear(key)
                storage.incr(key, ttl, amount=time.time_ns() // 1000)

    # --- sessions end at logout ------------------------------------------------------------

    def create_login_manager(self, app):
        lm = super().create_login_manager(app)
        # Sessions only: JWTs are loaded by ``load_user`` (load_user_jwt), with no session.
        lm.user_loader(self.load_session_user)
        return lm

    def load_session_user(self, pk):
        """flask-login's loader: the session's user, unless it logged in before the account's
        sessions were ended (logout, password change) — a copied cookie stops working."""
        user = self.load_user(pk)
        cutoff = getattr(user, "sessions_valid_after", None)
        if user is not None and cutoff is not None:
            began = session_login_moment()
            if began is None or began < cutoff:
                return None
        return user

    def end_sessions(self, user, keep_current: bool = False) -> None:
        """Every session of this account begun until now counts as logged out (the caller
        commits); ``keep_current``: this browser's, if it is the account's, stays in."""
        now = utcnow()
        user.sessions_valid_after = now
        if keep_current and has_request_context() and current_user.is_authenticated \
                and current_user.get_id() == str(user.id):
            session[SESSION_LOGIN_AT] = now.isoformat()

    def on_user_logout(self, user) -> None:
        # FAB's AuthView.logout, after flask-login's logout_user: copies of the cookie too.
        with unit_of_work(self.session):
            super().on_user_logout(user)
            self.end_sessions(user)
            session.pop(SESSION_LOGIN_AT, None)

    def reset_password(self, userid, password):
        """FAB's password change (its screens and the portal's reset link) also ends the
        account's other sessions and lifts its log-in lock at every address."""
        user = self.get_user_by_id(userid)
        if user is not None:
            self.end_sessions(user, keep_current=True)  # committed with the password
        super().reset_password(userid, password)
        if user is not None:
            self.unlock_account(user)

    def register_views(self):
        # Imported here, when FAB installs its views: the portal's page sits above this
        # module (the arrows point from pages to auth), only FAB's hook reaches up to it.
        from app.auth.registration import RekomRegisterView

        self.registeruserdbview = RekomRegisterView
        super().register_views()

    def sync_roles(self) -> None:
        """Create every role and give it exactly the permissions of the matrix.

        Permissions a role holds beyond the matrix are taken away, so a role edited by hand
        in the UI is put back on the next sync (the matrix is the truth; tests hold it).
        """
        with unit_of_work(self.session), _commits_deferred(self.session):
            # Roles first: FAB hands every permission it registers to the admin role.
            for role_name in ROLES:
                self.add_role(role_name)
            self.appbuilder.add_permissions(update_perms=True)
            for role_name in ROLES:
                role = self.find_role(role_name)
                if role_name == ADMIN:
                    # Make sure the admin role holds everything registered, old databases included.
                    wanted = set(self.session.query(self.permissionview_model).all())
                else:
                    wanted = self._wanted_permission_views(role_name)
                current = set(role.permissions)
                for pv in wanted - current:
                    role.permissions.append(pv)
                for pv in current - wanted:
                    role.permissions.remove(pv)
        log.info("roles synced: %s", ", ".join(ROLES))

    def _wanted_permission_views(self, role_name: str) -> set:
        pairs = role_permissions(role_name)
        granted_views = {view for perm, view in pairs if perm in ("can_list", "can_index")}
        # Menus: a role sees a menu entry (and its category) for each view it may list.
        for category in self.appbuilder.menu.get_list():
            for item in category.childs:
                baseview = getattr(item, "baseview", None)
                if baseview is not None and baseview.class_permission_name in granted_views:
                    pairs.add((fab.MENU_ACCESS, item.name))
                    pairs.add((fab.MENU_ACCESS, category.name))
        wanted = set()
        for perm, view in pairs:
            pv = self.find_permission_view_menu(perm, view)
            if pv is None:
                raise RuntimeError(f"matrix names an unknown permission: {perm} on {view}")
            wanted.add(pv)
        return wanted


@contextmanager
def _commits_deferred(session):
    """FAB's steps, in one transaction: its permission sync commits after each row it adds
    (~550 on a new database), and each commit expires every row loaded, read again by the next
    step (4.4 s on a new SQLite file, 1.5 s so). Until the block ends its commits are flushes,
    on this thread's session only; unit_of_work commits the whole, or nothing."""
    current = session()  # a scoped_session: the thread's own Session
    current.commit = current.flush
    try:
        yield
    finally:
        del current.commit


def apply_rate_limits(app) -> None:
    """The forms anyone can post without an account, limited per address (FAB limits login).

    Registered blueprints only: a module that is not installed is simply not limited.
    """
    limiter = app.appbuilder.sm.limiter
    rate = app.config.get("PUBLIC_FORM_RATE_LIMIT", "10 per minute")
    # "public": a letter checked on /verify (a PDF read and its signature validated).
    names = ("account", "feedback", "public", app.appbuilder.sm.registeruser_view.blueprint.name
             if getattr(app.appbuilder.sm, "registeruser_view", None) else None)
    for name in filter(None, names):
        blueprint = app.blueprints.get(name)
        if blueprint is not None:
            limiter.limit(rate, methods=["POST"])(blueprint)
    _limit_both_login_doors(app, limiter)
    # A kiosk is one address taking every visitor's number: a looser limit, still a limit.
    if "queue" in app.blueprints:
        limiter.limit(app.config.get("KIOSK_RATE_LIMIT", "60 per minute"),
                      methods=["POST"])(app.blueprints["queue"])


API_LOGIN_ENDPOINT = fab.API_LOGIN_ENDPOINT


def _login_limit_breached(_limit):
    """The API's 429 in its own shape (JSON with a message); the form's stays a page."""
    if request.endpoint == API_LOGIN_ENDPOINT:
        response = jsonify(message=_("Too many log-in attempts from this address. Please wait "
                                     "a minute and try again."))
        response.status_code = 429
        return response
    return None


def _limit_both_login_doors(app, limiter) -> None:
    """One AUTH_RATE_LIMIT per address for the log-in form and the API's log-in together.

    FAB limits only its form (AuthDBView's blueprint); its SecurityApi login took guesses
    without end. A shared limit on both counts every try against one budget, so the second
    door adds no tries (FAB's own limit on the form stays: it never refuses sooner).
    """
    if not app.config.get("AUTH_RATE_LIMITED"):
        return
    shared = limiter.shared_limit(app.config["AUTH_RATE_LIMIT"], scope="login",
                                  methods=["POST"], on_breach=_login_limit_breached)
    auth_view = getattr(app.appbuilder.sm, "auth_view", None)
    if auth_view is not None and auth_view.blueprint.name in app.blueprints:
        shared(app.blueprints[auth_view.blueprint.name])
    if API_LOGIN_ENDPOINT in app.view_functions:
        # Flask-Limiter counts a decorated view when the decorated function runs.
        app.view_functions[API_LOGIN_ENDPOINT] = shared(app.view_functions[API_LOGIN_ENDPOINT])
