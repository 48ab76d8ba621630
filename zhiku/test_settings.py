"""Settings for the test suite: the production settings with test doubles where they must differ."""

import os

# Tests never read a developer's .env: what they see must not depend on the machine.
os.environ["ZHIKU_NO_DOTENV"] = "1"
os.environ.setdefault("ZHIKU_SECRET_KEY", "test-only-secret-key-" + "t" * 40)

from zhiku.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405 - the files the site keeps as in production (zhiku/core/files.py)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ZHIKU_SITE_URL = "http://testserver"

# Expert registry: fixed test keys, never used anywhere else.
ZHIKU_FIELD_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA="]
ZHIKU_LOOKUP_HASH_KEY = ["test-only-lookup-hash-key-" + "h" * 32]
