from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhiku.core import permissions as perm


@perm.policy(perm.EXPERT)
def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "experts/portal_home.html")
