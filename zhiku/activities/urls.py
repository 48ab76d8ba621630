"""URLs of activities and draws: staff pages under workspace/activities/ (namespace
``activities``), the supervisor's pages among them, and the expert's pages (``me_urlpatterns``,
mounted under me/ in the namespace ``me``). The public draw pages are in ``public_urls``, the
personal links of invitations in ``invitation_urls``."""

from django.urls import path

from zhiku.activities.views import designations, draws, me, roster, supervisor, workspace

app_name = "activities"

urlpatterns = [
    path("", workspace.activity_list, name="activity_list"),
    path("new/", workspace.activity_create, name="activity_create"),
    path("mine/", roster.my_work, name="my_work"),
    path("<int:pk>/", workspace.activity_detail, name="activity_detail"),
    path("<int:pk>/edit/", workspace.activity_edit, name="activity_edit"),
    path("<int:pk>/close/", workspace.activity_close, name="activity_close"),
    path("<int:pk>/draw/", draws.draw_setup, name="draw_setup"),
    path("<int:pk>/invitations/send/", roster.invitations_send, name="invitations_send"),
    path("<int:pk>/designate/", designations.designation_create, name="designation_create"),
    path("<int:pk>/attendance/", roster.attendance, name="attendance"),
    path("<int:pk>/fees/", roster.fee_add, name="fee_add"),
    path("<int:pk>/recommendations/", roster.recommendation_add, name="recommendation_add"),
    path("aliases/", workspace.alias_list, name="alias_list"),
    path("aliases/<int:pk>/remove/", workspace.alias_remove, name="alias_remove"),
    path("draws/", workspace.draw_list, name="draw_list"),
    path("draws/statistics/", workspace.draw_statistics, name="draw_statistics"),
    path("draws/<int:pk>/", draws.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/lottery/", draws.draw_lottery, name="draw_lottery"),
    path("draws/<int:pk>/top-up/", draws.draw_topup, name="draw_topup"),
    path("draws/<int:pk>/cancel/", draws.draw_cancel, name="draw_cancel"),
    path("draws/<int:pk>/publish/", draws.draw_publish, name="draw_publish"),
    path("draws/<int:pk>/record.json", draws.draw_record_download, name="draw_record"),
    path("draws/<int:pk>/sheet.pdf", draws.draw_sheet, name="draw_sheet"),
    path("invitations/<int:pk>/", roster.invitation_detail, name="invitation_detail"),
    path("invitations/<int:pk>/letter.pdf", roster.invitation_letter, name="invitation_letter"),
    path("designations/", designations.designation_list, name="designation_list"),
    path("designations/<int:pk>/", designations.designation_detail, name="designation_detail"),
    path(
        "designations/<int:pk>/approve/",
        designations.designation_approve,
        name="designation_approve",
    ),
    path(
        "designations/<int:pk>/refuse/", designations.designation_refuse, name="designation_refuse"
    ),
    path(
        "designations/<int:pk>/withdraw/",
        designations.designation_withdraw,
        name="designation_withdraw",
    ),
    path("fees/", roster.fee_list, name="fee_list"),
    path("fees/export/", roster.fee_export, name="fee_export"),
    path("fees/<int:pk>/remove/", roster.fee_remove, name="fee_remove"),
    path("supervisor/", supervisor.supervisor_home, name="supervisor_home"),
    path("supervisor/draws/<int:pk>/", supervisor.supervisor_draw, name="supervisor_draw"),
]

me_urlpatterns = [
    path("invitations/", me.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/", me.invitation_detail, name="invitation_detail"),
    path("invitations/<int:pk>/letter.pdf", me.invitation_letter, name="invitation_letter"),
]
