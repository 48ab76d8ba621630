"""The personal links of invitations, mounted by ``zhiku/urls.py`` under invitations/
(namespace ``invitations``)."""

from django.urls import path

from zhiku.activities.views import links

app_name = "invitations"

urlpatterns = [
    path("<str:token>/", links.invitation_answer, name="answer"),
    path("<str:token>/letter.pdf", links.invitation_letter, name="letter"),
]
