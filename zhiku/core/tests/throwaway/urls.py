from django.urls import path

from zhiku.core.tests.throwaway import views

app_name = "throwaway"

urlpatterns = [
    path("home/", views.witness_home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("log/", views.log, name="log"),
]
