"""The statistics page (art. 22): charts that read at a glance, each with its numbers in a
table beside it and an Excel download."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.activities.models import Activity
from zhiku.core import permissions as perm
from zhiku.core.spreadsheets import XLSX_CONTENT_TYPE
from zhiku.statistics import selectors
from zhiku.statistics.services import chart_export

FIRST_YEAR = 2000


def _year(request: AuthenticatedHttpRequest, this_year: int) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and FIRST_YEAR <= int(raw) <= this_year + 1:
        return int(raw)
    return this_year


def _years(this_year: int) -> list[int]:
    first = Activity.objects.order_by("start_date").values_list("start_date", flat=True).first()
    start = max(FIRST_YEAR, min(first.year if first else this_year, this_year))
    return list(range(this_year, start - 1, -1))


@perm.policy(perm.STAFF)
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    year = _year(request, today.year)
    return render(
        request,
        "statistics/overview.html",
        {
            "year": year,
            "years": sorted({year, *_years(today.year)}, reverse=True),
            "sections": selectors.all_charts(year, today),
            "today": today,
        },
    )


@perm.policy(perm.EXPORTER)
def chart_download(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    today = timezone.localdate()
    year = _year(request, today.year)
    chart = selectors.chart(key, year, today)
    if chart is None:
        raise Http404
    now = timezone.now()
    content = chart_export(actor=request.user, chart=chart, year=year, now=now)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="statistics-{key}-{year}-{timezone.localtime(now):%Y%m%d-%H%M%S}.xlsx"'
    )
    return response
