"""Django settings, read from environment variables with safe development defaults.

Nothing here branches on the command line: the same settings serve `make run`, the tests
and production. `DATABASE_URL` switches from the embedded SQLite file to PostgreSQL.
"""

import os
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
        import json

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

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

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
    "capsante.core",
    "capsante.territories",
    "capsante.accounts",
    "capsante.roadmaps",
    "capsante.structures",
    "capsante.sources",
    "capsante.indicators",
    "capsante.campaigns",
    "capsante.committees",
    "capsante.reports",
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
                "capsante.core.context_processors.site",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

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
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cap-esante@localhost")

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False
# Secure cookies need HTTPS; a benchmark on loopback may turn them off explicitly.
SESSION_COOKIE_SECURE = env_bool("CAPSANTE_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
