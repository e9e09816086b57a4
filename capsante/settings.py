"""Django settings, read from environment variables with production-safe defaults.

Nothing here branches on the command line: the same settings serve `make run`, the tests
and production. Debugging is off unless `DEBUG=true` (`make dev`); HTTPS is assumed unless
`CAPSANTE_HTTPS=false` (`make run` on http://127.0.0.1). `DATABASE_URL` switches from the
embedded SQLite file to PostgreSQL.
"""

import contextlib
import datetime as dt
import importlib.util
import json
import os
import re
import secrets
import tempfile
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp import constants as csp

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"{name} must be a boolean, got {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None


def stored_secret_key(data_dir: Path) -> str:
    """The key generated on first start and kept in the data folder (outside git), so that a
    demo or a single server needs no variable and sessions survive restarts."""
    path = data_dir / "secret_key"
    if not path.exists():
        # Written whole under another name (mode 0600), then linked to its name: a process
        # starting at the same moment (`make run`'s server and worker) finds no key or the
        # whole key, never the empty file the other has just created.
        fd, draft = tempfile.mkstemp(dir=data_dir, prefix=".secret_key-")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(50))
            with contextlib.suppress(FileExistsError):  # the other linked its key first
                os.link(draft, path)
        finally:
            os.unlink(draft)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 50:
        raise RuntimeError(f"{path} holds no usable secret key: delete it to get a new one")
    return key


DATA_DIR = Path(os.environ.get("CAPSANTE_DATA_DIR", BASE_DIR / "data"))
DATA_DIR.mkdir(parents=True, exist_ok=True)
# Staged Parquet tables read by the indicator engine.
STAGING_DIR = Path(os.environ.get("CAPSANTE_STAGING_DIR", DATA_DIR / "staging"))
# "duckdb" on one machine; "spark" runs the same indicator SQL at national scale.
INDICATOR_ENGINE = os.environ.get("CAPSANTE_INDICATOR_ENGINE", "duckdb")


def env_conf(name: str) -> dict[str, str]:
    """`key=value` pairs separated by commas or new lines, or a JSON object."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    if raw.startswith("{"):
        return {str(k): str(v) for k, v in json.loads(raw).items()}
    pairs = {}
    for item in raw.replace("\n", ",").split(","):
        if item.strip():
            key, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"{name}: expected key=value, got {item!r}")
            pairs[key.strip()] = value.strip()
    return pairs


# The Spark engine's master: local[*] (every core of this machine), spark://host:7077 (a
# standalone cluster), yarn, k8s://… — any master Spark accepts; and Spark options on top of the
# engine's (spark.executor.memory=4g, spark.sql.shuffle.partitions=64…).
SPARK_MASTER = os.environ.get("CAPSANTE_SPARK_MASTER", "local[*]")
SPARK_CONF = env_conf("CAPSANTE_SPARK_CONF")
RECOMPUTE_AFTER_IMPORT = env_bool("CAPSANTE_RECOMPUTE_AFTER_IMPORT", True)
# An import that would remove more than this share of a staged table's rows is refused unless
# its removals are confirmed explicitly (a partial file sent as a full one).
IMPORT_MAX_REMOVED_SHARE = float(os.environ.get("CAPSANTE_IMPORT_MAX_REMOVED_SHARE", "0.10"))
IMPORT_MIN_REMOVALS_CHECKED = int(os.environ.get("CAPSANTE_IMPORT_MIN_REMOVALS_CHECKED", "3"))

# Off unless asked for: an error page must never show settings and code to a visitor.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or stored_secret_key(DATA_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# HTTPS: served behind TLS unless said otherwise (`make run` says CAPSANTE_HTTPS=false, being
# on plain http://127.0.0.1). With HTTPS: redirect http to https, HSTS, secure cookies.
HTTPS = env_bool("CAPSANTE_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("CAPSANTE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("CAPSANTE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CAPSANTE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("CAPSANTE_HSTS_PRELOAD", HTTPS)
# Behind a reverse proxy that ends TLS: the header it sets, as "HEADER=value", for instance
# "X-Forwarded-Proto=https". Only set it when the proxy overwrites that header.
_proxy_header = os.environ.get("CAPSANTE_PROXY_SSL_HEADER", "")
if _proxy_header:
    _name, _, _value = _proxy_header.partition("=")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _name.strip().upper().replace("-", "_"), _value.strip())
# The health checks answer a probe on the application server's own http address.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

INSTALLED_APPS = [
    # First: its createsuperuser takes the place of django.contrib.auth's (capsante/console/).
    "capsante.console",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "widget_tweaks",
    "dsfr",
    "axes",
    "csp",
    # The optional second factor (TOTP) of local admin accounts.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "capsante.ui",
    "capsante.territories",
    "capsante.accounts",
    "capsante.outbox",
    "capsante.jobs",
    "capsante.roadmaps",
    "capsante.establishments",
    "capsante.imports",
    "capsante.indicators",
    "capsante.campaigns",
    "capsante.committees",
    "capsante.events",
    "capsante.newsletters",
    "capsante.questionnaires",
    "capsante.directory",
    "capsante.officials",
    "capsante.difficulties",
    "capsante.reports",
    "capsante.site",
    "capsante.operations",
    "capsante.api",
]

MIDDLEWARE = [
    # First: it times the whole request and logs its final status (CAPSANTE_LOG_REQUESTS).
    "capsante.operations.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "capsante.accounts.middleware.ScopesKeptMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before the views: a refused request costs a cache lookup (its page needs the user, and
    # gets the security headers of the middlewares above).
    "capsante.operations.ratelimit.RateLimitMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content security policy (django-csp): scripts from the platform's own files only, never inline
# (no <script> body, no onclick=): an injected <script> or handler does not run. Styles may be
# inline: the charts and maps are inline SVG with style attributes, the public dashboard its print
# rules; a style cannot run code. Images and fonts also as data: URIs (the DSFR's icons).
# Framing stays with X-Frame-Options (DENY, a view may exempt itself), so no frame-ancestors; no
# form-action either: Chromium applies it to the redirects after a form, and a sign-in form may
# lead to an identity provider's address.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF, "data:"],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
    }
}

ROOT_URLCONF = "capsante.urls"
WSGI_APPLICATION = "capsante.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "capsante.site.context_processors.site",
            ],
        },
    }
]
FORM_RENDERER = "dsfr.forms.DsfrDjangoTemplates"
DSFR_MARK_OPTIONAL_FIELDS = True
# Chosen: the DSFR's current rule (optional fields marked). django-dsfr warns at every form that
# this transitional setting will go with its next major version; said once here, not in the
# console at each first form of a process.
warnings.filterwarnings(
    "ignore", message="Transitional Django setting DSFR_MARK_OPTIONAL_FIELDS", category=UserWarning
)

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'capsante.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        # A connection kept between requests is checked before it is reused: after PostgreSQL
        # restarts, the first request of each process would otherwise fail on a dead connection
        # (bench/fault_postgres_restart.py).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and the commands write to one file. WAL lets readers go on
    # while one writes; IMMEDIATE takes the write lock when a transaction begins (a transaction
    # that read first then wrote would fail at once, without waiting); a writer waits up to the
    # busy timeout for another's short transaction instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                f"PRAGMA busy_timeout={env_int('CAPSANTE_SQLITE_BUSY_TIMEOUT_MS', 30_000)}"
            ),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (docs/decisions/0010): django-tasks, queue in the database, run by
# `capsante worker` (started beside the web server by `make run`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A job or staging lock whose holder runs on another host is taken for dead once its heartbeat
# (every JOB_HEARTBEAT_SECONDS) is older than this; on the same host the process is asked.
JOB_HEARTBEAT_SECONDS = env_int("CAPSANTE_JOB_HEARTBEAT_SECONDS", 15)
JOB_STALE_SECONDS = env_int("CAPSANTE_JOB_STALE_SECONDS", 120)
# /readyz answers 503 when no worker gave a sign of life within JOB_STALE_SECONDS; false leaves
# the workers out of it (a web server whose readiness must not depend on them).
READYZ_REQUIRE_WORKER = env_bool("CAPSANTE_READYZ_REQUIRE_WORKER", True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Repeated failed sign-ins (the platform's form and the admin's) are throttled by django-axes:
# after 5 failures for one username from one address, that pair waits before trying again.
# The OpenID Connect backend answers only on a provider's return page (accounts/oidc_backend.py),
# after axes has checked the address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "capsante.accounts.oidc_backend.ProviderBackend",
]
AXES_FAILURE_LIMIT = env_int("CAPSANTE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("CAPSANTE_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "capsante.accounts.lockout.lockout_response"
# The client's address behind reverse proxies: CAPSANTE_TRUSTED_PROXIES is how many there are in
# front (each appending to X-Forwarded-For, as nginx's $proxy_add_x_forwarded_for does); 0 reads
# REMOTE_ADDR. Used by django-axes and the rate limits (capsante/accounts/client_ip.py).
TRUSTED_PROXIES = env_int("CAPSANTE_TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "capsante.accounts.client_ip.client_ip"
# Requests one address may make (capsante/operations/ratelimit.py): "N/s", "N/m", "N/h" or "N/d",
# per process; 0 turns a limit off. Loopback addresses are never limited.
RATE_LIMIT_LOGIN = os.environ.get("CAPSANTE_RATE_LIMIT_LOGIN", "20/m")
RATE_LIMIT_API = os.environ.get("CAPSANTE_RATE_LIMIT_API", "600/m")
RATE_LIMIT_PUBLIC_FORMS = os.environ.get("CAPSANTE_RATE_LIMIT_PUBLIC_FORMS", "10/m")
# Public pages (home, territory pages, dashboards, indicator pages) kept for visitors who are
# not signed in, as long as nothing they show changes (capsante/ui/page_cache.py); 0: never kept.
PUBLIC_PAGE_CACHE_SECONDS = env_int("CAPSANTE_PUBLIC_PAGE_CACHE_SECONDS", 300)
PUBLIC_PAGE_VERSION_SECONDS = 5  # how often each process reads the content's version again
LOGIN_URL = "accounts:login"
# Sign-in through OpenID Connect (docs/decisions/0015): ProConnect for State and Assurance
# Maladie agents, Pro Santé Connect ("psc") for health professionals. Off unless listed in
# CAPSANTE_OIDC_PROVIDERS: nothing then reaches a provider. Each listed provider reads
# CAPSANTE_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET_FILE and, optionally, _SCOPES,
# _ACR_VALUES, _SIGN_ALGO, _CLAIMS (which claim gives the email, names, organisation…).
OIDC_PROVIDER_NAMES = ("proconnect", "psc")


def env_oidc_providers(names: list[str]) -> dict[str, dict]:
    providers = {}
    for name in names:
        if name not in OIDC_PROVIDER_NAMES:
            raise ValueError(
                f"CAPSANTE_OIDC_PROVIDERS: unknown provider {name!r}, "
                f"expected some of {', '.join(OIDC_PROVIDER_NAMES)}"
            )
        prefix = f"CAPSANTE_OIDC_{name.upper()}_"
        missing = [
            prefix + key
            for key in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET_FILE")
            if not os.environ.get(prefix + key)
        ]
        if missing:
            raise ValueError(f"{name} sign-in needs {', '.join(missing)}")
        providers[name] = {
            "issuer": os.environ[prefix + "ISSUER"],
            "client_id": os.environ[prefix + "CLIENT_ID"],
            "client_secret_file": os.environ[prefix + "CLIENT_SECRET_FILE"],
            "scopes": os.environ.get(prefix + "SCOPES", ""),
            "acr_values": os.environ.get(prefix + "ACR_VALUES", ""),
            "sign_algo": os.environ.get(prefix + "SIGN_ALGO", ""),
            "claims": env_conf(prefix + "CLAIMS"),
        }
    return providers


OIDC_PROVIDERS = env_oidc_providers(env_list("CAPSANTE_OIDC_PROVIDERS", ""))
# mozilla-django-oidc: a provider that does not answer within this many seconds fails the sign-in.
OIDC_TIMEOUT = env_int("CAPSANTE_OIDC_TIMEOUT", 10)
# Kept for the provider's sign-out (ProConnect asks for it), never shown.
OIDC_STORE_ID_TOKEN = True
# The authenticator app shows the account under this name.
OTP_TOTP_ISSUER = "Cap e-santé"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "site:home"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "capsante" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# django-ninja's Swagger UI assets, served as our own static files (no CDN): its static folder,
# not the app, whose installation imported django-ninja and pydantic in every process
# (capsante.api.http.Docs).
STATICFILES_DIRS = [Path(importlib.util.find_spec("ninja").origin).parent / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Not the manifest storage: it rewrites url()s and breaks the DSFR's SRI hashes.
    "staticfiles": {"BACKEND": "capsante.ui.staticfiles.CompressedOnceStaticFilesStorage"},
}
# `make run`/`make demo` collect the static files into STATIC_ROOT and WhiteNoise serves them,
# debugging off. Until they are collected (tests, a fresh checkout), WhiteNoise finds them in
# the apps themselves.
WHITENOISE_USE_FINDERS = DEBUG or not any(STATIC_ROOT.iterdir())
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded files live here only while their import runs, private to the platform's user (0600),
# then are deleted whatever the outcome: an identity file's NIR, names and birth dates must never
# stay on disk. Django's own temporary upload files go here too, never to a shared /tmp.
UPLOAD_TEMP_DIR = Path(os.environ.get("CAPSANTE_UPLOAD_TEMP_DIR", DATA_DIR / "tmp"))
UPLOAD_TEMP_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
FILE_UPLOAD_TEMP_DIR = str(UPLOAD_TEMP_DIR)
FILE_UPLOAD_PERMISSIONS = 0o600
# Documents laid out once per edition and read back while unchanged (capsante/ui/editions.py,
# decision 0050): the roadmap documents, which hold no personal data.
DOCUMENTS_DIR = Path(os.environ.get("CAPSANTE_DOCUMENTS_DIR", DATA_DIR / "documents"))
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# A file for import weighs this much at most (the form says so, naming the file); the upload
# stops as soon as it passes it (capsante/imports/uploads.py), before it is on disk whole.
IMPORT_MAX_UPLOAD_BYTES = env_int("CAPSANTE_IMPORT_MAX_UPLOAD_MB", 2048) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "capsante.imports.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Small files stay in memory while read; larger ones go to FILE_UPLOAD_TEMP_DIR (Django's
# defaults, said here). A request's body other than files is bounded (a form, a JSON call) and a
# request carries a few files at most: the import form sends one.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CAPSANTE_MAX_REQUEST_BODY_MB", 5) * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 5

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cap-esante@localhost")
# The SMTP server (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend); Django's defaults
# (localhost:25, no authentication) unless said here.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Error reports (docs/exploitation/erreurs.md): each server error (500) mailed to these
# addresses, comma-separated, with its traceback (Django's own logging sends them to ADMINS
# when debugging is off); none by default.
ADMINS = [("Exploitation", address) for address in env_list("CAPSANTE_ERROR_EMAILS", "")]
# Sent mails (and their addresses) are deleted from the outbox after this many days.
OUTBOX_RETENTION_DAYS = int(os.environ.get("CAPSANTE_OUTBOX_RETENTION_DAYS", "30"))

# Events (capsante.events): registrations are erased this many months after their event, only
# their counts by audience and commune staying; a registration's confirmation link is valid this
# many hours; confirmed registrants are reminded this many days before the event; a public form
# takes at most this many posts an hour from one address.
EVENTS_REGISTRATION_RETENTION_MONTHS = env_int("CAPSANTE_EVENTS_RETENTION_MONTHS", 6)
EVENTS_CONFIRMATION_HOURS = env_int("CAPSANTE_EVENTS_CONFIRMATION_HOURS", 48)
EVENTS_REMINDER_DAYS = env_int("CAPSANTE_EVENTS_REMINDER_DAYS", 2)
# An ambassador who left the network is erased this many months after (activities stay).
AMBASSADORS_RETENTION_MONTHS = env_int("CAPSANTE_AMBASSADORS_RETENTION_MONTHS", 12)
EVENTS_PUBLIC_POSTS_PER_HOUR = env_int("CAPSANTE_PUBLIC_POSTS_PER_HOUR", 10)
# Field difficulties (capsante.difficulties): the reporter's address, given to be told of the
# resolution, is erased this many days after the difficulty is closed (`capsante
# purge_difficulty_contacts`); the public form refuses a post sent sooner than this many seconds
# after the form was shown (robots), or larger than this many kilobytes.
DIFFICULTIES_CONTACT_RETENTION_DAYS = env_int("CAPSANTE_DIFFICULTIES_CONTACT_RETENTION_DAYS", 30)
DIFFICULTIES_MIN_FILL_SECONDS = env_int("CAPSANTE_DIFFICULTIES_MIN_FILL_SECONDS", 3)
DIFFICULTIES_MAX_POST_KB = env_int("CAPSANTE_DIFFICULTIES_MAX_POST_KB", 32)
# The platform's address as people reach it: links in mails and exports made outside a request
# (the reminders' cron job).
PUBLIC_URL = os.environ.get("CAPSANTE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# The région the platform serves (its INSEE code): the indicators' catalogue and the sources page
# open its figures.
HOME_REGION = os.environ.get("CAPSANTE_REGION", "52")
# The resource directory: an error report's sender address is erased once the report is dealt
# with, and after this many days whatever happens.
DIRECTORY_REPORT_RETENTION_DAYS = env_int("CAPSANTE_DIRECTORY_REPORT_RETENTION_DAYS", 90)
# An optional tile layer under the directory's map, as an URL template with {z}, {x} and {y}
# (a tile server the operator runs or has the right to use). Empty by default: the map draws
# the département's outline and the points itself, with no outside service.
DIRECTORY_MAP_TILES = os.environ.get("CAPSANTE_DIRECTORY_MAP_TILES", "")
DIRECTORY_MAP_TILES_ATTRIBUTION = os.environ.get("CAPSANTE_DIRECTORY_MAP_TILES_ATTRIBUTION", "")
if DIRECTORY_MAP_TILES:
    # The tiles are images of the tile server: the content security policy admits its origin
    # ("{s}.tiles.example.fr" and other placeholders in the host become a wildcard).
    _tiles = urlsplit(DIRECTORY_MAP_TILES)
    _tiles_host = re.sub(r"\{[^}]*\}", "*", _tiles.netloc)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles_host}")

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False
# Secure cookies need HTTPS; a benchmark on loopback may turn them off explicitly.
SESSION_COOKIE_SECURE = env_bool("CAPSANTE_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Logs go to the standard error, for systemd's journal or the container's log. Readable text by
# default (`make run`); CAPSANTE_LOG_FORMAT=json writes one JSON object a line (timestamp, level,
# logger, message and the record's fields) for a log collector. CAPSANTE_LOG_REQUESTS writes one
# line per request (method, path without its query string, status, duration): on by default
# with JSON, off with text (the development server already prints its own).
LOG_FORMAT = os.environ.get("CAPSANTE_LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ValueError(f"CAPSANTE_LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
LOG_REQUESTS = env_bool("CAPSANTE_LOG_REQUESTS", LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # « 04/12/2026 02:32:55 attention django.request : page introuvable : /nope »
        "text": {"()": "capsante.logs.FrenchText"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
            "json_ensure_ascii": False,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "capsante.requests": {"level": "INFO" if LOG_REQUESTS else "WARNING"},
        # The development server's request lines (`make run`), in the console's own format
        # rather than Django's « [04/Dec/2026 02:32:55] ».
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
# Optional error reporting to a Sentry (or compatible, such as GlitchTip) server: set SENTRY_DSN
# and install sentry-sdk (`pip install sentry-sdk`, not a dependency of the platform). No
# personal data is sent (no user, no address, no cookie, no request body, no local variable); the
# environment's name
# comes from CAPSANTE_ENVIRONMENT.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    try:
        import sentry_sdk  # lazy: optional, only with SENTRY_DSN
    except ImportError:
        raise ImportError(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install sentry-sdk"
        ) from None
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("CAPSANTE_ENVIRONMENT", "production"),
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
    )
