"""Settings shared by every environment. Everything a deployment may change comes from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("IPOPS_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def local_secret_key() -> str:
    """A per-installation key kept in the data directory (dev and test only; prod needs SECRET_KEY)."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key()
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs (Swagger UI) from its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "ipops.core",
    "ipops.accounts",
    "ipops.portal",
    "ipops.reference",
    "ipops.patents",
    "ipops.corpus",
    "ipops.assets",
    "ipops.search",
    "ipops.analytics",
    "ipops.navigation",
    "ipops.valuation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ipops.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ipops.core.middleware.LanguageMiddleware",
    "ipops.core.middleware.UploadLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ipops.core.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ipops.core.middleware.DeniedAuditMiddleware",
    "ipops.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ipops" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ipops.core.context_processors.platform",
            ],
        },
    }
]

# --- database: SQLite under IPOPS_DATA_DIR by default, DATABASE_URL overrides (sqlite:///… or postgres://…)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'ipops.sqlite3'}", conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Writers take the lock when the transaction starts, so the audit chain head is never read stale.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- caches: job progress and sessions live here so that a long job transaction never blocks them
CACHE_URL = os.environ.get("IPOPS_CACHE_URL", "")
CACHES: dict[str, dict[str, Any]]
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            # sessions live here too: never cull them early (Django's default keeps only 300 entries)
            "OPTIONS": {"MAX_ENTRIES": env_int("IPOPS_CACHE_MAX_ENTRIES", 200_000)},
        },
    }

# --- authentication and the security baseline (等级保护 2.0 level 3)
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["ipops.accounts.backends.LockoutModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:workspace"
LOGOUT_REDIRECT_URL = "portal:home"
IPOPS_PASSWORD_MIN_LENGTH = env_int("IPOPS_PASSWORD_MIN_LENGTH", 10)
IPOPS_PASSWORD_MIN_CLASSES = env_int("IPOPS_PASSWORD_MIN_CLASSES", 3)
IPOPS_PASSWORD_HISTORY = env_int("IPOPS_PASSWORD_HISTORY", 5)
IPOPS_LOCKOUT_THRESHOLD = env_int("IPOPS_LOCKOUT_THRESHOLD", 5)
IPOPS_LOCKOUT_MINUTES = env_int("IPOPS_LOCKOUT_MINUTES", 30)
IPOPS_INVITATION_DAYS = env_int("IPOPS_INVITATION_DAYS", 7)
IPOPS_MAX_UPLOAD_MB = env_int("IPOPS_MAX_UPLOAD_MB", 10)
# How many reverse proxies in front of the platform append to X-Forwarded-For (0: use REMOTE_ADDR).
IPOPS_TRUSTED_PROXIES = env_int("IPOPS_TRUSTED_PROXIES", 0)
IPOPS_PASSWORD_MAX_AGE_DAYS = env_int("IPOPS_PASSWORD_MAX_AGE_DAYS", 90)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": IPOPS_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "ipops.accounts.password_validation.CharacterClassValidator",
        "OPTIONS": {"min_classes": IPOPS_PASSWORD_MIN_CLASSES},
    },
    {
        "NAME": "ipops.accounts.password_validation.PasswordHistoryValidator",
        "OPTIONS": {"history": IPOPS_PASSWORD_HISTORY},
    },
]
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_COOKIE_AGE = env_int("IPOPS_SESSION_IDLE_MINUTES", 30) * 60  # idle timeout …
SESSION_SAVE_EVERY_REQUEST = True  # … renewed by every request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "ipops.core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = IPOPS_MAX_UPLOAD_MB * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
MEDIA_ROOT = DATA_DIR / "uploads"

# --- languages: Chinese first, English complete; the choice sticks in a cookie
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "ipops" / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "ipops" / "static"]
STATIC_ROOT = DATA_DIR / "static"

# --- background jobs: Django Tasks API, database backend, `manage.py db_worker`
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
IPOPS_JOB_FILES_DIR = DATA_DIR / "jobs"
# a running job's worker refreshes its heartbeat this often; `fail_stale_jobs` fails only jobs whose heartbeat stopped
IPOPS_JOB_HEARTBEAT_S = env_int("IPOPS_JOB_HEARTBEAT_S", 30)

# --- the API
NINJA_PAGINATION_PER_PAGE = 20
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("IPOPS_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

IPOPS_PLATFORM_NAME = _("IPOps regional IP operations service platform")
