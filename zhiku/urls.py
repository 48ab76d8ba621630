"""The site's URLs: public pages, accounts, the staff workspace, and the expert area (me/).

Each app's ``urls`` module may define ``me_urlpatterns``: pages of the expert area. They are
gathered here under ``me/`` in one namespace, ``me``, so a new app adds its expert pages
without touching another app.
"""

from importlib import import_module
from typing import Any

from django.apps import apps
from django.urls import include, path, re_path

from zhiku.core.views import legacy_redirect


def _me_urlpatterns() -> list[Any]:
    patterns: list[Any] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("zhiku."):
            continue
        try:
            module = import_module(f"{config.name}.urls")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.urls":
                raise
            continue
        patterns += getattr(module, "me_urlpatterns", [])
    return patterns


urlpatterns = [
    path("", include("zhiku.portal.urls")),
    path("accounts/", include("zhiku.accounts.urls")),
    path("workspace/", include("zhiku.core.urls")),
    path("workspace/experts/", include("zhiku.experts.urls")),
    path("workspace/recruitment/", include("zhiku.recruitment.urls")),
    path("calls/", include("zhiku.recruitment.public_urls")),
    path("notices/", include("zhiku.recruitment.notice_urls")),
    path("announcements/", include("zhiku.recruitment.announcement_urls")),
    path("workspace/activities/", include("zhiku.activities.urls")),
    path("draws/", include("zhiku.activities.public_urls")),
    path("invitations/", include("zhiku.activities.invitation_urls")),
    path("workspace/exits/", include("zhiku.exits.urls")),
    path("workspace/evaluations/", include("zhiku.evaluations.urls")),
    path("workspace/statistics/", include("zhiku.statistics.urls")),
    path("me/", include((_me_urlpatterns(), "me"))),
    # The expert's pages were under expert/ in the previous release; kept for one release.
    re_path(r"^expert/(?P<rest>.*)$", legacy_redirect("/me/"), name="legacy_expert_area"),
]

handler403 = "zhiku.core.errors.permission_denied"
handler404 = "zhiku.core.errors.page_not_found"
handler500 = "zhiku.core.errors.server_error"
