"""Django settings, read from environment variables with production-safe defaults.

Nothing here branches on the command line: the same settings serve `make run`, the tests
and production. Debugging is off unless `DEBUG=true` (`make dev`); HTTPS is assumed unless
`CAPSANTE_HTTPS=false` (`make run` on http://127.0.0.1). `DATABASE_URL` switches from the
embedded SQLite file to PostgreSQL.
"""

import datetime as dt
import json
import os
import secrets
from pathlib import Path

import dj_database_url

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
    try:
        with open(path, "x", encoding="ascii") as handle:  # two workers starting: one writes
            os.chmod(path, 0o600)
            handle.write(secrets.token_urlsafe(50))
    except FileExistsError:
        pass
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

INSTALLED_APPS = [
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
    "capsante.directory",
    "capsante.reports",
    "capsante.site",
    # Before "ninja", whose docs page it overrides (French, the schema's title).
    "capsante.api",
    # django-ninja: its Swagger UI assets are served as our own static files, no CDN.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'capsante.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
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
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("CAPSANTE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("CAPSANTE_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "capsante.accounts.lockout.lockout_response"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "site:home"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "capsante" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Not the manifest storage: it rewrites url()s and breaks the DSFR's SRI hashes.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
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
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cap-esante@localhost")
# Sent mails (and their addresses) are deleted from the outbox after this many days.
OUTBOX_RETENTION_DAYS = int(os.environ.get("CAPSANTE_OUTBOX_RETENTION_DAYS", "30"))

# Events (capsante.events): registrations are erased this many months after their event, only
# their counts by audience and commune staying; a registration's confirmation link is valid this
# many hours; a public form takes at most this many posts an hour from one address.
EVENTS_REGISTRATION_RETENTION_MONTHS = env_int("CAPSANTE_EVENTS_RETENTION_MONTHS", 6)
EVENTS_CONFIRMATION_HOURS = env_int("CAPSANTE_EVENTS_CONFIRMATION_HOURS", 48)
EVENTS_PUBLIC_POSTS_PER_HOUR = env_int("CAPSANTE_PUBLIC_POSTS_PER_HOUR", 10)
# The platform's address as people reach it: links in mails and exports made outside a request
# (the reminders' cron job).
PUBLIC_URL = os.environ.get("CAPSANTE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# The resource directory: an error report's sender address is erased once the report is dealt
# with, and after this many days whatever happens.
DIRECTORY_REPORT_RETENTION_DAYS = env_int("CAPSANTE_DIRECTORY_REPORT_RETENTION_DAYS", 90)
# An optional tile layer under the directory's map, as an URL template with {z}, {x} and {y}
# (a tile server the operator runs or has the right to use). Empty by default: the map draws
# the département's outline and the points itself, with no outside service.
DIRECTORY_MAP_TILES = os.environ.get("CAPSANTE_DIRECTORY_MAP_TILES", "")
DIRECTORY_MAP_TILES_ATTRIBUTION = os.environ.get("CAPSANTE_DIRECTORY_MAP_TILES_ATTRIBUTION", "")

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False
# Secure cookies need HTTPS; a benchmark on loopback may turn them off explicitly.
SESSION_COOKIE_SECURE = env_bool("CAPSANTE_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
