from django.http import HttpRequest, HttpResponse

from zhiku.core import permissions as perm


@perm.policy(perm.SUPERVISOR)
def witness_home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<h1>见证工作台（插件）</h1>")


@perm.policy(perm.STAFF)
def log(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<h1>见证记录</h1>")


@perm.policy(perm.REVIEWER)
def queue(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<h1>待见证的抽取</h1>")
