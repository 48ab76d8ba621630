"""Public pages of draws (draws/): the announcement of each draw under way — only its labels'
hash, commitment and randomness sources — and, once staff publish it after the activity ends,
its whole record for anyone to check."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from zhiku.activities import selectors
from zhiku.activities.models import Draw
from zhiku.activities.record import draw_record, record_filename, record_json
from zhiku.core import permissions as perm


@perm.policy(perm.PUBLIC)
def public_draw_list(request: HttpRequest) -> HttpResponse:
    announced, published = selectors.public_draws()
    return render(
        request,
        "activities/public/draw_list.html",
        {"announced": announced, "published": published[:100]},
    )


@perm.policy(perm.PUBLIC)
def public_draw_detail(request: HttpRequest, token: str) -> HttpResponse:
    draw = get_object_or_404(Draw.objects.select_related("activity"), public_token=token)
    published = draw.published_at is not None
    return render(
        request,
        "activities/public/draw_detail.html",
        {
            "draw": draw,
            "published": published,
            "record": draw_record(draw) if published else None,
        },
    )


@perm.policy(perm.PUBLIC)
def public_draw_record(request: HttpRequest, token: str) -> HttpResponse:
    draw = get_object_or_404(Draw.objects.select_related("activity"), public_token=token)
    if draw.published_at is None:
        raise Http404
    response = HttpResponse(record_json(draw), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{record_filename(draw)}"'
    return response
