"""The site's URLs plus the throwaway app's, mounted as a project mounts a new app."""

from django.urls import include, path

urlpatterns = [
    path("", include("zhiku.urls")),
    path("workspace/throwaway/", include("zhiku.core.tests.throwaway.urls")),
]
