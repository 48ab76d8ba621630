"""Settings that install the throwaway app beside the real ones (``override_settings(**SETTINGS)``)."""

from django.conf import settings


def overrides() -> dict[str, object]:
    return {
        "INSTALLED_APPS": [*settings.INSTALLED_APPS, "zhiku.core.tests.throwaway"],
        "ROOT_URLCONF": "zhiku.core.tests.throwaway.root_urls",
    }
