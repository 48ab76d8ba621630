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
