from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhiku.core import permissions as perm


@perm.policy(perm.PUBLIC)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@perm.policy(perm.PUBLIC)
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/about.html")
