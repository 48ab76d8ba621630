"""URLs of the statistics page, under workspace/statistics/ (namespace ``statistics``)."""

from django.urls import path

from zhiku.statistics import views

app_name = "statistics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("<slug:key>.xlsx", views.chart_download, name="chart_download"),
]
