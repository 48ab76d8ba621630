"""Settings for the test suite: the production settings with test doubles where they must differ."""

import os
from pathlib import Path

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

# Files the tests write go under var/test/<worker>/, never into the site's own var/ (a developer's
# `make run` data) and never into another pytest-xdist worker's: a test that lists or empties a
# storage sees only its own run's files. conftest.py empties the folder when a run starts. A child
# process a test starts names its own folders through the same variables as production.
TEST_FILES_ROOT = BASE_DIR / "var" / "test" / os.environ.get("PYTEST_XDIST_WORKER", "main")  # noqa: F405
MEDIA_ROOT = Path(os.environ.get("ZHIKU_MEDIA_ROOT") or TEST_FILES_ROOT / "media")
ZHIKU_UPLOAD_ROOT = Path(os.environ.get("ZHIKU_UPLOAD_ROOT") or TEST_FILES_ROOT / "uploads")
AUDIT_ANCHOR_DIR = Path(
    os.environ.get("ZHIKU_AUDIT_ANCHOR_DIR") or TEST_FILES_ROOT / "audit-anchors"
)
STATIC_ROOT = Path(os.environ.get("ZHIKU_STATIC_ROOT") or TEST_FILES_ROOT / "static")

# Expert registry: fixed test keys, never used anywhere else.
ZHIKU_FIELD_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA="]
ZHIKU_LOOKUP_HASH_KEY = ["test-only-lookup-hash-key-" + "h" * 32]
