"""Rekomstat: create_app(config) builds the Flask app with FAB, the database, mail and views."""
from __future__ import annotations

import gc

from flask import Flask
from flask_appbuilder import AppBuilder

from app import models  # noqa: F401  (registers every table on the metadata Alembic reads)
from app.extensions import MIGRATIONS_DIR, csrf, db, mail  # noqa: F401  (the app's public names)
from app.web.deferred_migrate import DeferredGroup, DeferredMigrate


def create_app(config: object | dict | None = None) -> Flask:
    """Build the app. ``config`` is a class/object of settings or a dict of overrides."""
    # The build leaves tens of thousands of new objects that nearly all live as long as the
    # app: the cyclic GC's passes over them while it runs free almost nothing. Paused here,
    # it collects the few cycles after; only when collections happen changes.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build_app(config)
    finally:
        if collecting:
            gc.enable()


def _build_app(config: object | dict | None) -> Flask:
    app = Flask(__name__)
    from config import Config

    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)

    from app import notify
    from app.auth import passwords
    from app.core import identity, transactions
    from app.web import headers, input_guard, logs, sqlite_setup

    # Root logger (LOG_FORMAT, LOG_LEVEL, FAB at WARNING), request ids, access log, 500/503.
    logs.init_app(app)

    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", passwords.fab_validator)

    headers.init_app(app)
    # Control characters and broken Unicode are refused before any view sees them.
    input_guard.init_app(app)
    # Identity numbers are encrypted by their column type with this (models.EncryptedString).
    app.extensions["identity_cipher"] = identity.cipher(app.config["IDENTITY_KEYS"])
    sqlite_setup.init_app(app)  # before the first connection
    db.init_app(app)
    transactions.init_app(app, db)  # after db: its teardown must run before the session's
    csrf.init_app(app)  # before AppBuilder, which exempts its API blueprints from it
    from app.web import api_csrf

    api_csrf.init_app(app)  # the API's writes on the login cookie
    notify.init_app(app)
    mail.init_app(app)
    # What ``Migrate().init_app(app, db, directory=…, render_as_batch=True)`` did, deferred.
    app.extensions["migrate"] = DeferredMigrate(db, str(MIGRATIONS_DIR), render_as_batch=True)
    app.cli.add_command(DeferredGroup("db", "flask_migrate.cli:db",
                                       help="Perform database migrations."))

    with app.app_context():
        from app.reports.views import RekomIndexView
        from app.views import register_apis, register_views

        ab = AppBuilder(indexview=RekomIndexView)
        ab.init_app(app, db.session)
        register_views(ab)
        register_apis(ab)

        # Our own pages: public, applicants' portal, accounts, catalogue, complaints and rating,
        # the front office queue.
        from app.auth.registration import bp as account_bp
        from app.catalogue.pages import bp as catalogue_bp
        from app.feedback.pages import bp as feedback_bp
        from app.frontoffice.pages import bp as queue_bp
        from app.metadata.pages import bp as metadata_bp
        from app.offices.pages import bp as office_bp
        from app.portal.account_pages import bp as own_data_bp
        from app.portal.pages import bp as portal_bp
        from app.portal.public import bp as public_bp
        from app.portal.results_pages import bp as results_bp

        for blueprint in (public_bp, portal_bp, results_bp, own_data_bp, account_bp,
                          catalogue_bp, feedback_bp, queue_bp, metadata_bp, office_bp):
            app.register_blueprint(blueprint)

        # The privacy notice where personal data is collected (an office's own, or the default).
        from app.offices import privacy

        app.jinja_env.globals["privacy_notice"] = (
            lambda office_id=None: privacy.notice(app.appbuilder.session, office_id))
        # The default office's name, logo and colour in the portal's header (offices/look.py).
        from app.offices import look

        app.jinja_env.globals["office_look"] = (
            lambda plain=False, office_id=None: look.look(app.appbuilder.session, plain,
                                                          office_id))

    # FAB's list paging, order, filters, row keys, actions and rison: bad ones 400/404, not 500
    # (after AppBuilder's own before_request, which sets g.user for an action's permission).
    from app.web import list_args

    list_args.init_app(app)

    from app.auth.security import apply_rate_limits

    apply_rate_limits(app)

    from flask_babel import get_locale

    from app.web import template_i18n

    template_i18n.init_app(app)
    from app.web.fab_internals import wtforms_messages_from_babel

    wtforms_messages_from_babel()
    app.jinja_env.globals["current_locale"] = get_locale
    # Our own (non-FAB) pages extend portal/base.html, which links to FAB's login and static.
    app.jinja_env.globals["appbuilder"] = app.appbuilder
    # Our hand-written forms carry the token; defined even where CSRF is switched off (tests).
    from flask_wtf.csrf import generate_csrf

    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)

    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind nginx & co. every request comes from the proxy: the per-address limits, the
        # logs and https links need the client's address and scheme from its X-Forwarded-*.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from app.ops.cli import register_cli

    register_cli(app)
    return app
