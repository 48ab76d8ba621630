from django.urls import include, path

urlpatterns = [
    path("", include("zhiku.portal.urls")),
    path("accounts/", include("zhiku.accounts.urls")),
    path("workspace/", include("zhiku.core.urls")),
    path("workspace/experts/", include("zhiku.experts.urls_registry")),
    path("expert/", include("zhiku.experts.urls")),
]

handler403 = "zhiku.core.errors.permission_denied"
handler404 = "zhiku.core.errors.page_not_found"
handler500 = "zhiku.core.errors.server_error"
