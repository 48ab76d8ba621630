"""Django settings for Zhiku. Every value that differs between machines comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from zhiku.env import ConfigError, env_bool, env_int, env_list, env_secret, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
if not env_bool("ZHIKU_NO_DOTENV", False):
    load_dotenv(BASE_DIR / ".env")

DEBUG = env_bool("ZHIKU_DEBUG", False)
SECRET_KEY = env_secret(
    "ZHIKU_SECRET_KEY", debug=DEBUG, dev_default="insecure-development-key-" + "x" * 40
)
ALLOWED_HOSTS = env_list("ZHIKU_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("ZHIKU_CSRF_TRUSTED_ORIGINS", [])

# Behind a TLS-terminating proxy in production; plain HTTP on a developer's loopback.
SECURE = env_bool("ZHIKU_HTTPS", False)
SECURE_SSL_REDIRECT = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = env_int("ZHIKU_HSTS_SECONDS", 31536000 if SECURE else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
# Preload binds the association's whole domain to HTTPS in browsers; on by default with HTTPS.
SECURE_HSTS_PRELOAD = env_bool("ZHIKU_HSTS_PRELOAD", SECURE)
if env_bool("ZHIKU_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "zhiku.core",
    "zhiku.accounts",
    "zhiku.portal",
    "zhiku.experts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhiku.urls"
WSGI_APPLICATION = "zhiku.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "zhiku" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhiku.core.context_processors.site",
            ],
        },
    },
]

# SQLite next to the code unless DATABASE_URL names another database (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'zhiku.sqlite3'}"),
        conn_max_age=env_int("ZHIKU_DB_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "zhiku.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "zhiku.accounts.validators.CharacterClassValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home_redirect"
LOGOUT_REDIRECT_URL = "portal:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Idle timeout: every request renews the session; it ends after this many idle minutes.
SESSION_COOKIE_AGE = 60 * env_int("ZHIKU_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login lockout (django-axes): ten failures on one account lock it until the cool-off ends
# or a security admin unlocks it.
AXES_FAILURE_LIMIT = env_int("ZHIKU_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ZHIKU_LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Locking by IP as well would lock a whole office behind one NAT address after ten typos
# spread over its staff; the account is what an attacker guesses at, so the account locks.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_ROOT = Path(env_str("ZHIKU_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = env_str(
    "ZHIKU_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("ZHIKU_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ZHIKU_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("ZHIKU_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("ZHIKU_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ZHIKU_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("ZHIKU_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError("环境变量 ZHIKU_EMAIL_USE_TLS 与 ZHIKU_EMAIL_USE_SSL 不能同时为 true。")
DEFAULT_FROM_EMAIL = env_str("ZHIKU_EMAIL_FROM", "广东省质量发展智库 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work through the django-tasks backport; the database backend needs no server.
TASKS = {
    "default": {
        "BACKEND": env_str("ZHIKU_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Content-Security-Policy from the first page on: no inline script or style, nothing from
# another origin (the site must also work on an intranet without a CDN).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# What the public footer shows (filing numbers and contact details are the association's).
ZHIKU_SITE = {
    "association": env_str("ZHIKU_ASSOCIATION_NAME", "广东省质量发展促进会"),
    "think_tank": env_str("ZHIKU_THINK_TANK_NAME", "广东省质量发展智库"),
    "icp_number": env_str("ZHIKU_ICP_NUMBER", ""),
    "psb_number": env_str("ZHIKU_PSB_NUMBER", ""),
    "psb_code": env_str("ZHIKU_PSB_CODE", ""),
    "contact_phone": env_str("ZHIKU_CONTACT_PHONE", ""),
    "contact_email": env_str("ZHIKU_CONTACT_EMAIL", ""),
    "contact_address": env_str("ZHIKU_CONTACT_ADDRESS", ""),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ZHIKU_LOG_LEVEL", "WARNING")},
}

# --- expert registry (issue 4) ---
# Identity and mobile numbers are encrypted at rest (Fernet; the first key encrypts, every key
# decrypts, so a new key is put first and old tokens re-encrypted with `manage.py
# experts_rotate_keys`) and stored beside an HMAC-SHA256 lookup hash so that duplicates are
# found without decrypting. Both are required in production: zhiku.experts refuses to start
# without them (see ExpertsConfig.ready), naming the variable.
ZHIKU_FIELD_KEYS = env_list(
    "ZHIKU_FIELD_KEYS",
    # Fixed development keys: data encrypted with them is not protected.
    ["ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA="] if DEBUG else [],
)
ZHIKU_LOOKUP_HASH_KEY = env_str(
    "ZHIKU_LOOKUP_HASH_KEY", "development-only-lookup-hash-key-0000000000" if DEBUG else ""
)

# --- core services (issue 3) ---
# The daily audit anchor: the head hash of the audit trail, written each day to a file outside
# the database (and, when enabled, mailed to every auditor) so a later truncation can be proven.
AUDIT_ANCHOR_DIR = Path(env_str("ZHIKU_AUDIT_ANCHOR_DIR", str(BASE_DIR / "var" / "audit-anchors")))
AUDIT_ANCHOR_MAIL = env_bool("ZHIKU_AUDIT_ANCHOR_MAIL", False)
