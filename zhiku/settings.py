"""Django settings for Zhiku. Every value that differs between machines comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

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
# The site's own address, for links in e-mails (built by background tasks, never from a
# request's Host header).
ZHIKU_SITE_URL = env_str("ZHIKU_SITE_URL", "http://127.0.0.1:8000")
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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "zhiku.core",
    "zhiku.accounts",
    "zhiku.portal",
    "zhiku.experts",
    "zhiku.activities",
    "zhiku.recruitment",
    "zhiku.exits",
    "zhiku.evaluations",
    "zhiku.statistics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "zhiku.core.middleware.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhiku.core.middleware.SessionRenewMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zhiku.core.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "zhiku.accounts.middleware.SignInStepsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "zhiku.core.middleware.DomainErrorMiddleware",
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

# Idle timeout: using the session renews it (at most once a minute, SessionRenewMiddleware);
# it ends after this many idle minutes.
SESSION_COOKIE_AGE = 60 * env_int("ZHIKU_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login lockout (django-axes; see zhiku/accounts/lockout.py): ten failures for one account from
# one address lock that account from that address, so a stranger elsewhere cannot lock a user
# out; an address failing this many times across user names is stopped for all of them. Both
# last the cool-off after the last failure, or until a security admin unlocks the account or
# its holder sets a new password through the e-mailed reset link.
AXES_FAILURE_LIMIT = env_int("ZHIKU_LOGIN_FAILURE_LIMIT", 10, minimum=1)
ZHIKU_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("ZHIKU_LOGIN_ADDRESS_FAILURE_LIMIT", 50, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ZHIKU_LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "zhiku.accounts.lockout.LockoutHandler"
# The address the audit trail records: behind our proxy, the rightmost X-Forwarded-For entry
# (axes would otherwise see every client as the proxy).
AXES_CLIENT_IP_CALLABLE = "zhiku.core.context.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Second factor (django-otp; see zhiku/accounts/second_factor.py): the name authenticator apps
# show beside the code.
OTP_TOTP_ISSUER = env_str("ZHIKU_OTP_ISSUER", "广东省质量发展智库")
# Rate limits (django-ratelimit; every limit in zhiku/core/ratelimits.py) count in the default
# cache. Local memory counts per process, right for one process (`make run`); several server
# processes need a cache they share (Redis or Memcached, see ZHIKU_CACHE_BACKEND below), which
# the library's check cannot tell from here.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# Zhiku's wording of some of Django's own messages (您, 电子邮箱, the full-width colon).
LOCALE_PATHS = [BASE_DIR / "zhiku" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("ZHIKU_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
# Working and generated files (rosters being imported, marked error files, dossier archives),
# never served directly: there is no MEDIA_URL.
MEDIA_ROOT = Path(env_str("ZHIKU_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Every file the site keeps goes through a storage (zhiku/core/files.py), never a path, so an
# application server keeps no state of its own: "uploads" (encrypted documents) and "default"
# (working files). Private local disk by default; with ZHIKU_STORAGE=s3 one S3-compatible bucket
# under two prefixes, shared by every application server.
ZHIKU_STORAGE = env_str("ZHIKU_STORAGE", "local")
if ZHIKU_STORAGE == "local":
    _uploads: dict[str, Any] = {"BACKEND": "zhiku.core.files.UploadFileSystemStorage"}
    _working: dict[str, Any] = {"BACKEND": "zhiku.core.files.PrivateFileSystemStorage"}
elif ZHIKU_STORAGE == "s3":
    _s3 = {
        "bucket_name": env_str("ZHIKU_S3_BUCKET"),
        # Unset: boto3's own chain (AWS_* variables, an instance role).
        "access_key": env_str("ZHIKU_S3_ACCESS_KEY_ID", "") or None,
        "secret_key": env_str("ZHIKU_S3_SECRET_ACCESS_KEY", "") or None,
        # An S3-compatible store other than AWS (MinIO, a cloud's object storage).
        "endpoint_url": env_str("ZHIKU_S3_ENDPOINT_URL", "") or None,
        "region_name": env_str("ZHIKU_S3_REGION", "") or None,
        "default_acl": None,  # the bucket's own (private) policy; nothing is public
        "file_overwrite": True,  # a name is written whole under exactly that name
    }
    _uploads = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": _s3 | {"location": "uploads"},
    }
    _working = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3 | {"location": "files"}}
else:
    raise ConfigError(f"环境变量 ZHIKU_STORAGE 的值 {ZHIKU_STORAGE!r} 无效：应为 local 或 s3。")
STORAGES = {
    "default": _working,
    "uploads": _uploads,
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
    # A refused request (403) is one line naming the user and the policy, not a traceback:
    # the refusal itself is in the audit trail.
    "filters": {"one_line_403": {"()": "zhiku.core.errors.OneLineForbidden"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["one_line_403"]}},
    "root": {"handlers": ["console"], "level": env_str("ZHIKU_LOG_LEVEL", "WARNING")},
}

# --- expert registry ---
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
# The lookup-hash keys rotate like the field keys: comma-separated, the first computes what is
# stored, every one is tried by a lookup until `experts_rotate_keys` has recomputed the hashes.
ZHIKU_LOOKUP_HASH_KEY = env_list(
    "ZHIKU_LOOKUP_HASH_KEY", ["development-only-lookup-hash-key-0000000000"] if DEBUG else []
)

# --- core services ---
# The daily audit anchor: the head hash of the audit trail, written each day to a file outside
# the database (and, when enabled, mailed to every auditor) so a later truncation can be proven.
AUDIT_ANCHOR_DIR = Path(env_str("ZHIKU_AUDIT_ANCHOR_DIR", str(BASE_DIR / "var" / "audit-anchors")))
AUDIT_ANCHOR_MAIL = env_bool("ZHIKU_AUDIT_ANCHOR_MAIL", False)

# --- uploads and text messages (core; recruitment, later objections and exits) ---
# Uploaded documents are stored encrypted (with ZHIKU_FIELD_KEYS) under random names in this
# directory, which must be outside anything the web server serves.
ZHIKU_UPLOAD_ROOT = Path(env_str("ZHIKU_UPLOAD_ROOT", str(BASE_DIR / "var" / "uploads")))
ZHIKU_UPLOAD_MAX_FILE_MB = env_int("ZHIKU_UPLOAD_MAX_FILE_MB", 10, minimum=1)
# Every uploaded file name is read as the browser sent it, before Django strips path parts,
# so that a name with path parts is refused rather than silently shortened.
FILE_UPLOAD_HANDLERS = [
    "zhiku.core.uploads.UnsafeNameWatcher",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Text messages (one-time codes): a class with send(number, text). The default writes the
# message to the log; production sets the association's SMS gateway.
ZHIKU_SMS_BACKEND = env_str("ZHIKU_SMS_BACKEND", "zhiku.core.sms.LogBackend")

# --- recruitment ---
# All documents of one application together may not exceed this many megabytes.
ZHIKU_APPLICATION_UPLOAD_MAX_MB = env_int("ZHIKU_APPLICATION_UPLOAD_MAX_MB", 60, minimum=1)

# --- deadlines and the public pages' cache ---
# `manage.py run_deadlines` (every few minutes) mails each member of staff one digest a day of
# what falls due, on its first run at or after this hour (Asia/Shanghai).
ZHIKU_DEADLINE_DIGEST_HOUR = env_int("ZHIKU_DEADLINE_DIGEST_HOUR", 7, minimum=0)
# The portal's notices and announcements are cached for anonymous visitors. Their cache keys
# carry the record's last change and the day, so a change shows at the next request in every
# process, whatever the backend. Local memory (per process) by default; with several server
# processes a shared cache saves rendering once per process, e.g.
# ZHIKU_CACHE_BACKEND=django.core.cache.backends.db.DatabaseCache and
# ZHIKU_CACHE_LOCATION=zhiku_cache (then `manage.py createcachetable`), or Redis/Memcached.
CACHES = {
    "default": {
        "BACKEND": env_str("ZHIKU_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env_str("ZHIKU_CACHE_LOCATION", "zhiku"),
        "TIMEOUT": env_int("ZHIKU_PUBLIC_PAGE_CACHE_SECONDS", 600, minimum=1),
        "KEY_PREFIX": "zhiku",
    }
}
