"""The extension objects, created once; create_app binds them to an app. Modules that need the
database or the mail object import them from here, never from the package that builds the app."""
from pathlib import Path

from flask_appbuilder.models.sqla.base import SQLA
from flask_mail import Mail
from flask_wtf.csrf import CSRFProtect

db = SQLA()
mail = Mail()
# Every POST of every page carries its token. FAB exempts its REST API (meant for JWT), but
# the API also takes the login cookie: api_csrf checks those writes (token and origin).
csrf = CSRFProtect()

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
