"""Public URLs of the notice (公示), mounted under notices/ (namespace ``notices``): the notices,
each with its PDF and its objection form."""

from django.urls import path

from zhiku.recruitment.views import public_notices

app_name = "notices"

urlpatterns = [
    path("", public_notices.notice_list, name="notice_list"),
    path("<int:pk>/", public_notices.notice_detail, name="notice_detail"),
    path("<int:pk>/notice.pdf", public_notices.notice_pdf, name="notice_pdf"),
    path("<int:pk>/objection/", public_notices.objection_create, name="objection_create"),
    path(
        "<int:pk>/objection/received/",
        public_notices.objection_received,
        name="objection_received",
    ),
]
