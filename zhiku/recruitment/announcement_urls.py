"""Public URLs of announcements (公告), mounted under announcements/ (namespace
``announcements``)."""

from django.urls import path

from zhiku.recruitment.views import public_notices

app_name = "announcements"

urlpatterns = [
    path("", public_notices.announcement_list, name="announcement_list"),
    path("<int:pk>/", public_notices.announcement_detail, name="announcement_detail"),
]
