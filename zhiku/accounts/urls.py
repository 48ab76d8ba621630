from django.urls import path

from zhiku.accounts import signin_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("security/", signin_views.account_security, name="account_security"),
    path("security/verify/", signin_views.otp_verify, name="otp_verify"),
    path("security/enrol/", signin_views.otp_enrol, name="otp_enrol"),
    path("security/recovery-codes/", signin_views.otp_recovery_codes, name="otp_recovery_codes"),
    path(
        "security/recovery-codes/renew/",
        signin_views.recovery_codes_renew,
        name="otp_recovery_renew",
    ),
    path("security/remove/", signin_views.otp_remove, name="otp_remove"),
    path("password/change/", views.password_change, name="password_change"),
    path("password/change/done/", views.password_change_done, name="password_change_done"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/done/", views.password_reset_done, name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password/reset/complete/", views.password_reset_complete, name="password_reset_complete"),
    path("manage/", views.account_list, name="account_list"),
    path("manage/new/", views.account_create, name="account_create"),
    path("manage/<int:pk>/", views.account_detail, name="account_detail"),
    path(
        "manage/<int:pk>/send-activation/",
        views.account_send_activation,
        name="account_send_activation",
    ),
    path("manage/<int:pk>/grant/", views.account_grant, name="account_grant"),
    path("manage/<int:pk>/revoke/", views.account_revoke, name="account_revoke"),
    path("manage/<int:pk>/role/", views.account_set_role, name="account_set_role"),
    path("manage/<int:pk>/activate/", views.account_activate, name="account_activate"),
    path("manage/<int:pk>/deactivate/", views.account_deactivate, name="account_deactivate"),
    path("manage/<int:pk>/unlock/", views.account_unlock, name="account_unlock"),
    path(
        "manage/<int:pk>/second-factor/reset/",
        views.account_second_factor_reset,
        name="account_second_factor_reset",
    ),
    path("manage/approvals/", views.approval_list, name="approval_list"),
    path("manage/approvals/<int:pk>/", views.approval_detail, name="approval_detail"),
    path("manage/approvals/<int:pk>/approve/", views.approval_approve, name="approval_approve"),
    path("manage/approvals/<int:pk>/refuse/", views.approval_refuse, name="approval_refuse"),
    path("manage/approvals/<int:pk>/withdraw/", views.approval_withdraw, name="approval_withdraw"),
]
