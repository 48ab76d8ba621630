"""Public URLs of recruitment, mounted under calls/ (namespace ``calls``): the calls, their Atom
feed, the personal-information notice and the registration of applicants."""

from django.urls import path

from zhiku.recruitment.views import public

app_name = "calls"

urlpatterns = [
    path("", public.call_list, name="call_list"),
    path("feed/", public.call_feed, name="call_feed"),
    path("<int:pk>/", public.call_detail, name="call_detail"),
    path("privacy/", public.privacy_notice, name="privacy"),
    path("register/", public.register, name="register"),
    path("register/verify/", public.register_verify, name="register_verify"),
]
