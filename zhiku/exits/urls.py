"""URLs of exit cases: staff pages under workspace/exits/ (namespace ``exits``) and the expert's
pages, which ``zhiku/urls.py`` mounts in the expert area under me/ (namespace ``me``)."""

from django.urls import path

from zhiku.core.views import legacy_redirect
from zhiku.exits.views import me, workspace

app_name = "exits"

urlpatterns = [
    path("", workspace.case_list, name="case_list"),
    path("new/", workspace.case_create, name="case_create"),
    path("announce/", workspace.announce, name="announce"),
    path("age-limits/", workspace.age_limits, name="age_limits"),
    path("<int:pk>/", workspace.case_detail, name="case_detail"),
    path("<int:pk>/evidence/", workspace.case_evidence_add, name="case_evidence_add"),
    path("<int:pk>/verify/", workspace.case_verify, name="case_verify"),
    path("<int:pk>/drop/", workspace.case_drop, name="case_drop"),
    path("<int:pk>/notify/", workspace.case_notify, name="case_notify"),
    path("<int:pk>/files/<uuid:file>/", workspace.case_file, name="case_file"),
]

me_urlpatterns = [
    path("exits/", me.exit_home, name="exit_home"),
    path("exits/request/", me.exit_request, name="exit_request"),
    path("exits/<int:pk>/withdraw/", me.exit_withdraw, name="exit_withdraw"),
    path("exits/<int:pk>/notice/", me.exit_notice, name="exit_notice"),
    # The request page of the previous release (the registry's); kept for one release.
    path("exit/", legacy_redirect("/me/exits/"), name="exit_request_legacy"),
]
