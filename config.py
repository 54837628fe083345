"""Settings, all from environment variables with safe defaults.

Nothing secret lives in this file: SECRET_KEY comes from the environment or is generated
once into ``instance/secret_key``.
"""
import os
import secrets
from pathlib import Path

from flask_appbuilder.security.manager import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("REKOMSTAT_INSTANCE", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _generated_once(instance_dir: Path, name: str, make) -> str:
    """The contents of instance/<name>, written once with ``make()`` if it is not there."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / name
    if not path.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(make())
    return path.read_text().strip()


def _secret_key(instance_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    return os.environ.get("SECRET_KEY") or _generated_once(
        instance_dir, "secret_key", lambda: secrets.token_hex(32))


def local_base_url(host: str, port) -> str:
    """The address a browser on this machine uses for a server listening on host:port."""
    if host in ("", "0.0.0.0", "::", "[::]"):  # every interface: this machine's own is one
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):  # an IPv6 address needs its brackets
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _public_base_url() -> str:
    """PUBLIC_BASE_URL, else the address run.py serves on (HOST, PORT): a mail's links and a
    letter's QR code must reach this app even when only PORT was changed."""
    url = os.environ.get("PUBLIC_BASE_URL", "").strip()
    if url:
        return url.rstrip("/")
    return local_base_url(os.environ.get("HOST", "127.0.0.1"),
                          os.environ.get("PORT", "").strip() or "8080")


def _identity_keys(instance_dir: Path) -> str:
    """IDENTITY_KEYS from the environment (Fernet keys, comma-separated, the first encrypts),
    else one key generated once and kept in instance/, as SECRET_KEY is. Keep it: without it
    the identity numbers of the database and its backups cannot be read."""
    from cryptography.fernet import Fernet

    return os.environ.get("IDENTITY_KEYS", "").strip() or _generated_once(
        instance_dir, "identity_key", lambda: Fernet.generate_key().decode())


def _database_url(instance_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Hosting platforms still hand out postgres:// URLs; SQLAlchemy wants the driver named.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    instance_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_dir / 'rekomstat.db'}"


class Config:
    INSTANCE_DIR = INSTANCE_DIR
    SECRET_KEY = _secret_key(INSTANCE_DIR)
    # Identity document numbers are stored encrypted with these (app/core/identity.py).
    IDENTITY_KEYS = _identity_keys(INSTANCE_DIR)
    SQLALCHEMY_DATABASE_URI = _database_url(INSTANCE_DIR)
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Logs (app/web/logs.py): "text" for a terminal, "json" (one object a line) in production.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    APP_NAME = "Rekomstat"
    APP_THEME = ""
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    FAB_SECURITY_MANAGER_CLASS = "app.auth.security.RekomstatSecurityManager"
    # Alembic owns the schema; FAB must not create tables behind its back.
    FAB_CREATE_DB = False
    # Permission sync costs start-up time: it runs in `flask seed-roles` (and run.py), not per
    # start.
    FAB_UPDATE_PERMS = _env_bool("FAB_UPDATE_PERMS", False)
    FAB_API_SWAGGER_UI = True
    FAB_ADD_SECURITY_API = False

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TZ_NAME", "Asia/Jakarta")
    # Neither FAB nor WTForms ships Indonesian: app/translations_wtforms and translations_fab
    # hold their strings in Indonesian. Later directories override earlier ones, so our own
    # catalogue has the last word.
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        str(BASE_DIR / "app" / name)
        for name in ("translations_wtforms", "translations_fab", "translations"))
    LANGUAGES = {
        "id": {"flag": "id", "name": "Bahasa Indonesia"},
        "en": {"flag": "gb", "name": "English"},
    }

    # Without MAIL_SERVER no mail leaves: each message is held in the outbox, where the admin's
    # Outbox screen shows it with its links (notify.mail_configured decides).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "rekomstat@localhost")
    MAIL_LOG_ONLY = not MAIL_SERVER
    # A message that keeps failing is marked failed after this many attempts (admins retry it).
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "12"))
    # Seconds to wait for the SMTP server: a silent server must not hang a web request.
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    # A request that queues mail tries to deliver it before answering (nothing else may be
    # running to send it). Where the outbox sender runs (`flask outbox send --every 10`, or
    # cron), false: requests never wait on the mail server and write one commit, not one more
    # per message; the mail leaves with the sender's next round.
    MAIL_SEND_IN_REQUEST = _env_bool("MAIL_SEND_IN_REQUEST", True)
    # The outbox sender service runs the reminders (offices/reminders.py) this often, in
    # seconds; 0: never (cron runs `flask reminders run` instead).
    REMINDERS_EVERY = float(os.environ.get("REMINDERS_EVERY", "900"))
    # An area's or the nation's dashboard figures of the period are kept this many seconds
    # (reports/snapshots.py: counting them at a million requests took seconds a page); the
    # outbox sender service counts the usual ones again every DASHBOARD_FIGURES_EVERY
    # seconds (0: never; then the first page after they aged counts them).
    DASHBOARD_FIGURES_MAX_AGE = int(os.environ.get("DASHBOARD_FIGURES_MAX_AGE", "600"))
    DASHBOARD_FIGURES_EVERY = float(os.environ.get("DASHBOARD_FIGURES_EVERY", "300"))
    # Personal data past each office's retention periods, with the daily housekeeping
    # (ops/retention.py); off: only `flask retention run` applies them.
    RETENTION = _env_bool("RETENTION", True)
    # The applicant form sends every input as its own part (Werkzeug's default of 1 000 would
    # answer 413). Its largest legitimate POST: 200 variables x 14 fields (2 800) + 100
    # indicators x 20 (16 fields, estimation level being 5 checkboxes: 2 000) + the request's
    # 124 inputs (each checkbox of a multi-choice one, the "other, namely" texts) + csrf, form
    # token, office, action and 4 file inputs (9) = 4 933. Room left for a few more fields.
    MAX_FORM_PARTS = 6000
    # wsgi.py: render a sample letter at start so the first real one is quick (bench/README.md).
    WARM_UP_LETTERS = _env_bool("WARM_UP_LETTERS", False)

    # Signing issued letters (issue 23; README "Signing letters"). An office's PKCS#12 file is
    # uploaded on its Signing certificate screen; its password is read from the environment
    # when a letter is signed, REKOMSTAT_P12_PASSWORD_<office code> (or REKOMSTAT_P12_PASSWORD
    # for every office), and never stored.
    # A timestamp authority (RFC 3161) turns the PAdES B-B signature into B-T.
    SIGNING_TIMESTAMP_URL = os.environ.get("SIGNING_TIMESTAMP_URL", "") or None
    # CRL files (PEM or DER, separated by the OS path separator) a certificate is checked
    # against before it signs; a revoked certificate is refused.
    SIGNING_CRL_FILES = [p for p in os.environ.get("SIGNING_CRL_FILES", "").split(os.pathsep)
                         if p]
    # The CA certificates /verify trusts (one PEM bundle), e.g. BSrE's root.
    SIGNING_TRUST_ROOTS = os.environ.get("SIGNING_TRUST_ROOTS", "") or None
    # A remote signing service in the shape of BSrE's e-sign API; the passphrase of an office's
    # signer: REKOMSTAT_ESIGN_PASSPHRASE_<office code> (or REKOMSTAT_ESIGN_PASSPHRASE).
    ESIGN_URL = os.environ.get("ESIGN_URL", "") or None
    # Seconds to wait for it: the office's letter counter stays locked meanwhile.
    ESIGN_TIMEOUT = float(os.environ.get("ESIGN_TIMEOUT", "15"))

    # Links in e-mails and the QR code on letters point here (the public address of the app).
    # Unset: http://HOST:PORT, where run.py serves (run.py also follows its --host/--port).
    PUBLIC_BASE_URL = _public_base_url()

    # The default office (domain.md): BPS Kota Lubuklinggau.
    OFFICE_CODE = os.environ.get("OFFICE_CODE", "1674")
    OFFICE_NAME = os.environ.get("OFFICE_NAME", "BPS Kota Lubuklinggau")
    OFFICE_ADDRESS = os.environ.get(
        "OFFICE_ADDRESS",
        "Jl. Perumdam No.1, Lubuk Tanjung, Kec. Lubuk Linggau Barat I 31613",
    )
    OFFICE_CITY = os.environ.get("OFFICE_CITY", "Lubuklinggau")
    OFFICE_PHONE = os.environ.get("OFFICE_PHONE", "(0733) 323693")
    OFFICE_EMAIL = os.environ.get("OFFICE_EMAIL", "ipds1674@bps.go.id")
    OFFICE_WEBSITE = os.environ.get("OFFICE_WEBSITE", "https://lubuklinggaukota.bps.go.id")
    OFFICE_HEAD_NAME = os.environ.get("OFFICE_HEAD_NAME", "")
    OFFICE_HEAD_NIP = os.environ.get("OFFICE_HEAD_NIP", "")
    OFFICE_PARENT_CODE = os.environ.get("OFFICE_PARENT_CODE", "1600")
    OFFICE_PARENT_NAME = os.environ.get("OFFICE_PARENT_NAME", "BPS Provinsi Sumatera Selatan")

    ADMIN_USERNAME = os.environ.get("ADMIN_USERNAME", "admin")
    ADMIN_EMAIL = os.environ.get("ADMIN_EMAIL", "admin@localhost")
    ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "")
    # The password of every account `flask seed-demo` makes (demo and benchmark data only).
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo12345")

    UPLOAD_FOLDER = str(INSTANCE_DIR / "uploads")
    # Days a public form's one-time token is kept (app/auth/form_tokens.py): a retried POST within
    # them answers what the first one made.
    FORM_TOKEN_DAYS = int(os.environ.get("FORM_TOKEN_DAYS", "7"))
    # Rendered form PDFs and draft letter previews, kept until what they show changes
    # (app/requests/pdf_cache.py): shared by every worker; safe to empty at any time.
    PDF_CACHE_FOLDER = os.environ.get("PDF_CACHE_FOLDER", str(INSTANCE_DIR / "pdf-cache"))
    # New PDF renders (cache misses) per user, or per address when anonymous: a large form
    # takes seconds of CPU to render (issue 20). Empty: no limit.
    PDF_RENDER_RATE_LIMIT = os.environ.get("PDF_RENDER_RATE_LIMIT", "20 per 10 minutes")
    MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", "10"))
    # Werkzeug refuses (413) a body beyond this before reading it all. Twice the document limit:
    # a document a little too large still gets the upload form's own message.
    MAX_CONTENT_LENGTH = (2 * MAX_UPLOAD_MB + 1) * 1024 * 1024

    # Applicants register themselves (FAB's registration, confirmed by an e-mail link).
    AUTH_USER_REGISTRATION = True
    AUTH_USER_REGISTRATION_ROLE = "Applicant"
    # The password policy (app/auth/passwords.py, set by create_app) on FAB's password forms too.
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    # Login, registration and the public forms are rate-limited (Flask-Limiter, in memory; set
    # RATELIMIT_STORAGE_URI=redis://… when several app servers share the limits).
    AUTH_RATE_LIMITED = _env_bool("AUTH_RATE_LIMITED", True)
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per minute")
    PUBLIC_FORM_RATE_LIMIT = os.environ.get("PUBLIC_FORM_RATE_LIMIT", "10 per minute")
    # One account name may fail this often from one address before it is locked there for the
    # rest of the window (auth/security.py): a stranger locks out only himself; a password reset or
    # an admin's "Unlock" lifts it at every address. Empty switches the lock off.
    AUTH_LOCKOUT = os.environ.get("AUTH_LOCKOUT", "5 per 15 minutes")
    KIOSK_RATE_LIMIT = os.environ.get("KIOSK_RATE_LIMIT", "60 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # FAB switches Flask-Limiter off unless told otherwise: every limit above would be inert.
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    # The open catalogue API (app/catalogue/api.py): per address and endpoint.
    CATALOGUE_API_RATE_LIMIT = os.environ.get("CATALOGUE_API_RATE_LIMIT", "60 per minute")

    WTF_CSRF_ENABLED = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Behind HTTPS: redirect http to https and send HSTS (web/headers.py).
    FORCE_HTTPS = _env_bool("FORCE_HTTPS", False)
    # How many reverse proxies stand in front of the app and set X-Forwarded-For/-Proto/-Host
    # (0: none; never more than there are, or clients could choose their own address).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0") or 0)
