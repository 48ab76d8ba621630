"""Public draw pages, mounted by ``zhiku/urls.py`` under draws/ (namespace ``draws``)."""

from django.urls import path

from zhiku.activities.views import public

app_name = "draws"

urlpatterns = [
    path("", public.public_draw_list, name="draw_list"),
    path("<str:token>/", public.public_draw_detail, name="draw_detail"),
    path("<str:token>/record.json", public.public_draw_record, name="draw_record"),
]
