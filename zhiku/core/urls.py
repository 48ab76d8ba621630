from django.urls import path, re_path

from zhiku.core import views

app_name = "core"

urlpatterns = [
    path("", views.home_redirect, name="home_redirect"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("council/", views.council_home, name="council_home"),
    path("supervisor/", views.supervisor_home, name="supervisor_home"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("calendar/", views.workday_calendar_today, name="workday_calendar_today"),
    path("calendar/<int:year>/", views.workday_calendar, name="workday_calendar"),
    path("calendar/toggle/", views.workday_toggle, name="workday_toggle"),
    path(
        "calendar/<int:year>/complete/",
        views.calendar_year_complete,
        name="calendar_year_complete",
    ),
    path("parameters/", views.parameter_list, name="parameter_list"),
    path("parameters/<slug:key>/", views.parameter_detail, name="parameter_detail"),
    # Addresses of the previous release, kept for one release.
    path("staff/", views.legacy_redirect("/workspace/dashboard/"), name="legacy_staff_home"),
    re_path(
        r"^policy/(?P<rest>.*)$",
        views.legacy_redirect("/workspace/parameters/"),
        name="legacy_policy",
    ),
]
