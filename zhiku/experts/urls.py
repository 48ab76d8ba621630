from django.urls import path

from zhiku.experts import views_portal

app_name = "experts"

urlpatterns = [
    path("", views_portal.portal_home, name="portal_home"),
    path("change/", views_portal.portal_change, name="portal_change"),
    path("declarations/", views_portal.portal_declarations, name="portal_declarations"),
    path("declarations/conflicts/", views_portal.portal_conflict_add, name="portal_conflict_add"),
    path(
        "declarations/conflicts/<int:pk>/withdraw/",
        views_portal.portal_conflict_withdraw,
        name="portal_conflict_withdraw",
    ),
    path(
        "declarations/unfamiliar/", views_portal.portal_unfamiliar_set, name="portal_unfamiliar_set"
    ),
    path(
        "declarations/unavailable/",
        views_portal.portal_unavailability_add,
        name="portal_unavailability_add",
    ),
    path(
        "declarations/unavailable/<int:pk>/remove/",
        views_portal.portal_unavailability_remove,
        name="portal_unavailability_remove",
    ),
    path("exit/", views_portal.portal_exit, name="portal_exit"),
]
