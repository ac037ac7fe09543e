"""Portal settings, read from the environment and an optional `.env` (see README "Configuration")."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from portal.envconfig import Settings

BASE_DIR = Path(__file__).resolve().parent.parent
config = Settings(BASE_DIR / ".env")

DEBUG = config.bool("DEBUG", False)

SECRET_KEY = config.str("SECRET_KEY")
FIELD_ENCRYPTION_KEY = config.fernet_keys("FIELD_ENCRYPTION_KEY")
if not SECRET_KEY or not FIELD_ENCRYPTION_KEY:
    required = {"SECRET_KEY": SECRET_KEY, "FIELD_ENCRYPTION_KEY": FIELD_ENCRYPTION_KEY}
    missing = [name for name, value in required.items() if not value]
    if not DEBUG or "FIELD_ENCRYPTION_KEY" in missing:
        raise ImproperlyConfigured(
            f"{' and '.join(missing)} not set. Put them in the environment or in .env "
            "(`make demo` writes a .env with fresh keys; `python -m portal.bootstrap_env` does only that)."
        )
    # DEBUG only (never reached with DEBUG off): a throwaway key, so sessions end when the process restarts.
    SECRET_KEY = secrets.token_urlsafe(50)

ALLOWED_HOSTS = config.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = config.url_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "portal",
    "integrations",
    "documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite under var/ by default; PostgreSQL via DATABASE_URL for the scale path.
VAR_DIR = BASE_DIR / "var"
DATABASES = {"default": config.database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL + busy timeout + IMMEDIATE transactions: web server, worker and the ORM broker share one file safely.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = config.str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at every request when it is missing
MEDIA_ROOT = Path(config.str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serves static/ without collectstatic, so runserver works with DEBUG off

# Security: production-grade by default, relaxed only where an operator says so.
SECURE_SSL_REDIRECT = config.bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = config.bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = config.int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = config.bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if config.bool("BEHIND_TLS_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"  # the inline PDF preview opts in with @xframe_options_sameorigin
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# ConnectWise client safety (see integrations/connectwise/client.py).
PSA_INSECURE_HOSTS = config.list("PSA_INSECURE_HOSTS", ["127.0.0.1", "localhost"])
PSA_ALLOWED_HOSTS = config.list("PSA_ALLOWED_HOSTS", [])
PSA_PROXY = config.str("PSA_PROXY")
PSA_API_VERSION = config.str("PSA_API_VERSION", "2025.8")
# A sync fetches and prepares pages in a forked child process while it writes (integrations/pipeline.py); off: a thread.
PSA_SYNC_FETCH_PROCESS = config.bool("PSA_SYNC_FETCH_PROCESS", True)

# django-q2: its defaults are unsafe (no timeout, retry before timeout, endless attempts, catch-up storms).
REDIS_URL = config.redis_url("REDIS_URL")
Q_CLUSTER = {
    "name": config.str("Q_CLUSTER_NAME", "portal"),
    "workers": config.int("Q_WORKERS", 2, minimum=1),
    "timeout": config.int("Q_TASK_TIMEOUT", 1800, minimum=10),
    "max_attempts": 2,
    "catch_up": False,
    "save_limit": 500,
    "ack_failures": True,
    "label": "Background tasks",
}
Q_CLUSTER["retry"] = Q_CLUSTER["timeout"] + 300
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": config.str("LOG_LEVEL", "INFO")},
    "loggers": {"urllib3": {"level": "WARNING"}},
}
