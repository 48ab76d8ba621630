"""Settings of the processes the crash-safety tests start and kill (see ``crash_support``).

The test settings, with the background tasks queued in the database and run by ``db_worker``
as in production (the tests' immediate backend would run them inside the request).
"""

from zhiku.test_settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
