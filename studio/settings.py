"""Connector Studio settings: one module, every value read from the environment."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is not set (see .env.example).")
    SECRET_KEY = "insecure-local-development-key"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "connectors",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Trigram search indexes on PostgreSQL (migration 0009); nothing of it runs on SQLite.
    "django.contrib.postgres",
    "django.forms",
    "django_htmx",
    "axes",
    "django_tasks_db",  # the default task backend's table; kept when STUDIO_TASKS=rq
]

MIDDLEWARE = [
    "studio.middleware.CollectSecretsInPlay",  # first: its error reports mask them
    "connectors.api.errors.JsonErrorsUnderApi",  # under /api/ every error is JSON
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "studio.middleware.RetryReadsOnLostConnection",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "connectors.views.access.CachedRoles",  # the role from the cache: no permission queries
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "studio.middleware.RejectNulCharacters",  # after LoginRequired: anonymous go to log in
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: shows the lockout page
]

# Error reports (the DEBUG page too) never show a secret: see studio/errors.py.
DEFAULT_EXCEPTION_REPORTER = "studio.errors.SecretSafeReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "studio.errors.SecretSafeFilter"

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "connectors.views.access.role_names",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Seconds a connection is kept for the next request of the same thread: gunicorn.conf.py sets
# 60 (a reconnect costs about as much CPU as a small page); runserver and tests keep 0 (a
# thread per request). Health checks find a connection the database dropped meanwhile.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and a writer work at once; synchronous=NORMAL is safe with WAL
    # and saves an fsync per stored Test run.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        transaction_mode="IMMEDIATE",
        timeout=20,
    )
# Tests on SQLite use a file, not the in-memory database: a suite run's threads each write
# through their own connection, which an in-memory database shared between threads refuses.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("TEST", {"NAME": str(BASE_DIR / ".test-db.sqlite3")})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One shared cache for every app server (sessions, OAuth tokens): CACHE_URL=redis://host:6379/0.
# The default, local memory, is per process: fine for one server, not for several.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

_VALIDATION = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATION}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATION}.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": f"{_VALIDATION}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATION}.NumericPasswordValidator"},
    # Repeats and keyboard walks (dev2dev2dev2, qwertyuiop123) pass the four above.
    {"NAME": "connectors.lib.passwords.StrengthValidator"},
]
# Failed logins (this site's and the admin's) are counted per username and address by
# django-axes: after AXES_FAILURE_LIMIT failures that pair is locked out for the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Email: EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.com:587) or EMAIL_BACKEND
# (e.g. django.core.mail.backends.console.EmailBackend) gives the site a mailer and turns on
# the password reset pages; without either they do not exist and login offers no reset link.
_mailer: dict[str, object] = {}
if _email_url := env.str("EMAIL_URL", default=""):
    _email = environ.Env.email_url_config(_email_url)
    _mailer = {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            "host": _email.get("EMAIL_HOST", ""),
            "port": _email.get("EMAIL_PORT"),
            "username": _email.get("EMAIL_HOST_USER", ""),
            "password": _email.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": bool(_email.get("EMAIL_USE_TLS")),
            "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
            # Seconds an SMTP exchange may take: an alert never waits on a mail server forever.
            "timeout": env.int("EMAIL_TIMEOUT", default=10),
        }
        if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
        else {},
    }
elif _email_backend := env.str("EMAIL_BACKEND", default=""):
    _mailer = {"BACKEND": _email_backend}
if _mailer:
    MAILERS = {"default": _mailer}
PASSWORD_RESET_ENABLED = bool(_mailer)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
# Sessions read from the cache first (shared by every app server when the cache is).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "catalog"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files served forever by whitenoise; needs `collectstatic` first
    # (studio/static_storage.py: whitenoise's storage, each URL worked out once).
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "studio.static_storage.StaticStorage"
    },
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- HTTPS ----------------------------------------------------------------------------------
# HTTPS=true turns on everything a site served over HTTPS wants; each can be set on its own.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
# Behind a proxy that ends TLS, e.g. SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https:
# only when the proxy sets that header itself (and strips it from clients).
if proxy_header := env.list("SECURE_PROXY_SSL_HEADER", default=[]):
    if len(proxy_header) != 2:
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER is a header and a value: NAME,https")
    SECURE_PROXY_SSL_HEADER = (proxy_header[0], proxy_header[1])

# Content Security Policy: scripts and styles from this site only, htmx by nonce; no inline
# code and no eval (htmx runs with allowEval false, see base.html).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Connector Studio ------------------------------------------------------------------------
# Hosts and CIDRs that Test may reach although they are private (e.g. "127.0.0.1,localhost").
STUDIO_OUTBOUND_ALLOW = env.list("STUDIO_OUTBOUND_ALLOW", default=[])
# Environment variables that a {{NAME}} reference may resolve to, each with the hosts it may be
# sent to: "OPENAI_API_KEY@api.openai.com" (repeat the name for more hosts). A plain name
# allows no host.
STUDIO_ENV_CREDENTIALS = env.list("STUDIO_ENV_CREDENTIALS", default=[])
for _entry in STUDIO_ENV_CREDENTIALS:
    if not re.fullmatch(
        r"[A-Za-z_][A-Za-z0-9_]*(@(\*\.)?[A-Za-z0-9.\[\]:-]+(:(\d+|\*))?)?", _entry
    ):
        raise ImproperlyConfigured(
            f"STUDIO_ENV_CREDENTIALS entry {_entry!r} is not NAME or NAME@host "
            "(e.g. OPENAI_API_KEY@api.openai.com)."
        )
# Comma-separated Fernet keys; the first one encrypts.
STUDIO_ENCRYPTION_KEYS = env.list("STUDIO_ENCRYPTION_KEYS", default=[])
if not STUDIO_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "STUDIO_ENCRYPTION_KEYS is empty: secrets are stored encrypted and need a key. Generate "
        'one with: python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"'
    )
for _position, _key in enumerate(STUDIO_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured(
            f"Key {_position} of STUDIO_ENCRYPTION_KEYS is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from None
# Bytes read from an upstream at most (after decompression), and bytes of body shown/stored.
STUDIO_MAX_RESPONSE_BYTES = env.int("STUDIO_MAX_RESPONSE_BYTES", default=10 * 1024 * 1024)
STUDIO_DISPLAY_BYTES = env.int("STUDIO_DISPLAY_BYTES", default=256 * 1024)
# Bytes a rendered request body (or path, or header) may have: larger is refused before sending.
STUDIO_MAX_REQUEST_BYTES = env.int("STUDIO_MAX_REQUEST_BYTES", default=1024 * 1024)
# Bytes an imported API description (file, pasted text or URL) may have at most.
STUDIO_MAX_IMPORT_BYTES = env.int("STUDIO_MAX_IMPORT_BYTES", default=25 * 1024 * 1024)
# Pasted descriptions up to that size reach the import, which then says so clearly.
DATA_UPLOAD_MAX_MEMORY_SIZE = STUDIO_MAX_IMPORT_BYTES + 1024 * 1024
# An import preview posts a few fields per operation: thousands for a large API.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=20_000)
# Test runs older than this many days are removed (`manage.py prune_runs`, and on every new
# run of the same action), except each action's newest STUDIO_RUNS_PER_ACTION and kept ones.
STUDIO_RUN_RETENTION_DAYS = env.int("STUDIO_RUN_RETENTION_DAYS", default=90)
STUDIO_RUNS_PER_ACTION = env.int("STUDIO_RUNS_PER_ACTION", default=100)
for _name in ("STUDIO_RUN_RETENTION_DAYS", "STUDIO_RUNS_PER_ACTION"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} is at least 1.")

# --- Background work (suite runs) -------------------------------------------------------------
# Django's tasks framework. "db" (default): tasks wait in the database and `make run` starts
# the worker beside the pages. "rq": tasks wait in Redis (REDIS_URL) and `make worker` runs
# workers on any number of machines.
STUDIO_TASKS = env.str("STUDIO_TASKS", default="db")
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
TASK_BACKENDS = {
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
}
if STUDIO_TASKS not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"STUDIO_TASKS is db or rq, not {STUDIO_TASKS!r}.")
TASKS = {"default": TASK_BACKENDS[STUDIO_TASKS]}
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
if STUDIO_TASKS == "rq":
    INSTALLED_APPS += ["django_rq"]
# A suite run sends at most this many requests at once to one host, and at most
# STUDIO_SUITE_THREADS at once in all.
STUDIO_SUITE_PER_HOST = env.int("STUDIO_SUITE_PER_HOST", default=4)
STUDIO_SUITE_THREADS = env.int("STUDIO_SUITE_THREADS", default=8)
for _name in ("STUDIO_SUITE_PER_HOST", "STUDIO_SUITE_THREADS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} is at least 1.")
# The address people open the studio at: the links in alerts are built from it.
STUDIO_BASE_URL = env.str("STUDIO_BASE_URL", default="http://127.0.0.1:8000")
# Seconds a webhook alert may take in all (connect, send, answer).
STUDIO_ALERT_TIMEOUT_SECONDS = env.int("STUDIO_ALERT_TIMEOUT_SECONDS", default=10)
if STUDIO_ALERT_TIMEOUT_SECONDS < 1:
    raise ImproperlyConfigured("STUDIO_ALERT_TIMEOUT_SECONDS is at least 1.")
# Monitors: the shortest schedule allowed; how often each worker's tick looks for due monitors;
# how long a suite run may stay running (or a monitor's stay queued) before the tick marks it
# interrupted (its worker died).
STUDIO_MONITOR_MIN_INTERVAL_SECONDS = env.int("STUDIO_MONITOR_MIN_INTERVAL_SECONDS", default=60)
STUDIO_MONITOR_TICK_SECONDS = env.float("STUDIO_MONITOR_TICK_SECONDS", default=5.0)
STUDIO_SUITE_RUN_DEADLINE_SECONDS = env.int("STUDIO_SUITE_RUN_DEADLINE_SECONDS", default=1800)
for _name in (
    "STUDIO_MONITOR_MIN_INTERVAL_SECONDS",
    "STUDIO_MONITOR_TICK_SECONDS",
    "STUDIO_SUITE_RUN_DEADLINE_SECONDS",
):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} is above 0.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # urllib3 logs each request line at DEBUG, a Param Auth key in its query string included.
    "loggers": {"urllib3": {"level": "INFO"}},
}

# Widgets render with the project's templates (key/value tables, write-only secrets).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
