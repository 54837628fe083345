"""Settings of the peer baseline (issue 27): Django's admin over Rekomstat's own tables.

The database is the one the bench seeds, named by DATABASE_URL as Rekomstat reads it
(``sqlite:////abs/path.db``, ``postgresql[+psycopg]://user:pw@host:port/name``). Django's own
tables (auth_*, django_*) are made in that database by ``manage.py migrate``; their names do
not clash with Flask-AppBuilder's ab_* tables, and Rekomstat's are ``managed = False``.

Production-like: DEBUG off, persistent connections (CONN_MAX_AGE; Django's default of 0
would open a connection per request, which no team would run, and Rekomstat keeps a pool),
Indonesian as Rekomstat's officers see it. BENCH_PEER_COUNT_SQL=1 adds a middleware that
counts the statements of each request (X-Bench-SQL header): only on the servers of the
separate counting pass, never on the ones timed.
"""
import os
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _database(url: str) -> dict:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url.split(":///", 1)[1]}
    if scheme in ("postgresql", "postgres"):
        return {"ENGINE": "django.db.backends.postgresql",
                "NAME": parts.path.lstrip("/"),
                "USER": urllib.parse.unquote(parts.username or ""),
                "PASSWORD": urllib.parse.unquote(parts.password or ""),
                "HOST": parts.hostname or "", "PORT": str(parts.port or ""),
                "CONN_MAX_AGE": 600}
    raise SystemExit(f"DATABASE_URL: unsupported engine {scheme!r}")


DATABASES = {"default": _database(os.environ["DATABASE_URL"])}
DATABASES["default"].setdefault("CONN_MAX_AGE", 600)

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "peer-bench-" + "x" * 40)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rekomstat_tables",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
if os.environ.get("BENCH_PEER_COUNT_SQL") == "1":
    MIDDLEWARE.insert(0, "rekomstat_tables.sqlcount.CountSqlMiddleware")

ROOT_URLCONF = "peer_project.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
WSGI_APPLICATION = "peer_project.wsgi.application"

LANGUAGE_CODE = "id"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = False  # Rekomstat stores naive UTC timestamps
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"level": "WARNING"}}
