from django.urls import path

from zhiku.core import views

app_name = "core"

urlpatterns = [
    path("", views.home_redirect, name="home_redirect"),
    path("staff/", views.staff_home, name="staff_home"),
    path("council/", views.council_home, name="council_home"),
    path("supervisor/", views.supervisor_home, name="supervisor_home"),
    path("audit/", views.audit_list, name="audit_list"),
]

# --- core services (issue 3) ---
urlpatterns += [
    path("audit/export/", views.audit_export, name="audit_export"),
    path("calendar/", views.workday_calendar_today, name="workday_calendar_today"),
    path("calendar/<int:year>/", views.workday_calendar, name="workday_calendar"),
    path("calendar/toggle/", views.workday_toggle, name="workday_toggle"),
    path(
        "calendar/<int:year>/complete/",
        views.calendar_year_complete,
        name="calendar_year_complete",
    ),
    path("policy/", views.policy_list, name="policy_list"),
    path("policy/<slug:key>/", views.policy_detail, name="policy_detail"),
]
