"""The numbers behind each chart of the statistics page (art. 22), read from the registry, the
activities and the evaluations. Each function returns a :class:`~zhiku.statistics.charts.Chart`.

- **The pool** is every expert in it (在库 and 暂停), counted today.
- **Use over time** is one year, month by month: experts confirmed for activities starting in
  the month, drawn or designated (cancelled draws and designations not approved left out);
  absences of activities starting in the month; draws cancelled in the month. Declines are the
  invitations of the year sent, by reason and by who recorded the answer.
- **Scores** are the evaluations of activities starting in the year, each dimension's scores
  on today's scale (a score on another scale placed by its position, rounded half up).
- **Participation** is the activities app's own count (``selectors.participation``): every
  active expert's participations in activities starting in the year, and its Gini coefficient.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.activities.choices import (
    AnsweredVia,
    AttendanceStatus,
    DeclineReason,
    DesignationStatus,
    DrawStatus,
    InvitationStatus,
    Outcome,
)
from zhiku.activities.models import Attendance, Candidate, DesignatedExpert, Draw, Invitation
from zhiku.activities.selectors import participation
from zhiku.core.parameters import parameter_value
from zhiku.evaluations.choices import DIMENSIONS, AssessmentStatus, Dimension, Grade
from zhiku.evaluations.models import AssessmentResult, Evaluation
from zhiku.evaluations.rules import on_scale
from zhiku.experts.choices import OUTSIDE_GUANGDONG, OrgType, Region, Status, TitleLevel
from zhiku.experts.models import Expert, ExpertField, ExpertiseField
from zhiku.experts.selectors import AGE_BANDS, latest_birth_date_aged
from zhiku.statistics.charts import Chart, Series, lorenz_points

IN_POOL = (Status.ACTIVE, Status.SUSPENDED)
MONTHS = [f"{m}月" for m in range(1, 13)]


def _pool() -> QuerySet[Expert]:
    return Expert.objects.filter(status__in=IN_POOL)


def _by_choice(
    field: str, choices: Sequence[tuple[str, object]], key: str, title: str, label: str
) -> Chart:
    counts = dict(_pool().values(field).annotate(n=Count("pk")).values_list(field, "n"))
    return Chart(
        key=key,
        title=title,
        kind="bars",
        categories=[str(text) for _code, text in choices],
        series=[Series(_("专家人数"), [counts.get(code, 0) for code, _text in choices])],
        category_label=label,
        unit=_("人"),
    )


def pool_fields() -> Chart:
    """Experts of the pool by the top-level field of their primary field of expertise (fields
    without an expert left out)."""
    rows = (
        ExpertField.objects.filter(is_primary=True, expert__status__in=IN_POOL)
        .annotate(top=F("field__parent__code"))
        .values_list("top", "field__code")
    )
    counts: Counter[str] = Counter(top or code for top, code in rows)
    tops = [
        t
        for t in ExpertiseField.objects.filter(parent__isnull=True).order_by("code")
        if counts[t.code]
    ]
    return Chart(
        key="fields",
        title=_("专业领域（按主要领域）"),
        kind="bars",
        categories=[f"{t.code} {t.name}" for t in tops],
        series=[Series(_("专家人数"), [counts[t.code] for t in tops])],
        category_label=_("专业领域"),
        unit=_("人"),
        note=_("未列出没有专家的领域。"),
    )


def pool_titles() -> Chart:
    return _by_choice("title_level", TitleLevel.choices, "titles", _("职称级别"), _("职称级别"))


def pool_org_types() -> Chart:
    return _by_choice("org_type", OrgType.choices, "org_types", _("单位类型"), _("单位类型"))


def pool_regions() -> Chart:
    """Experts of the pool by region (regions without an expert left out)."""
    chart = _by_choice("region", Region.choices, "regions", _("所在地区"), _("地区"))
    kept = [i for i, v in enumerate(chart.series[0].values) if v]
    chart.categories = [chart.categories[i] for i in kept]
    chart.series = [Series(chart.series[0].label, [chart.series[0].values[i] for i in kept])]
    outside = sum(
        n
        for code, n in zip(Region.values, _region_counts(), strict=True)
        if code in OUTSIDE_GUANGDONG
    )
    chart.note = _("未列出没有专家的地区。省外专家（含港澳台、国外）：%(n)d 人。") % {"n": outside}
    return chart


def _region_counts() -> list[int]:
    counts = dict(_pool().values("region").annotate(n=Count("pk")).values_list("region", "n"))
    return [counts.get(code, 0) for code in Region.values]


def pool_ages(today: dt.date) -> Chart:
    """Experts of the pool by age band (full years on ``today``), as the expert list bands them."""
    values = []
    for _code, _label, low, high in AGE_BANDS:
        qs = _pool()
        if high is not None:
            qs = qs.filter(birth_date__gt=latest_birth_date_aged(high + 1, today))
        if low is not None:
            qs = qs.filter(birth_date__lte=latest_birth_date_aged(low, today))
        values.append(qs.count())
    return Chart(
        key="ages",
        title=_("年龄段"),
        kind="bars",
        categories=[str(label) for _code, label, _lo, _hi in AGE_BANDS],
        series=[Series(_("专家人数"), values)],
        category_label=_("年龄段"),
        unit=_("人"),
    )


def _months(rows: Iterable[tuple[int, int]]) -> list[int]:
    counts = dict(rows)
    return [counts.get(m, 0) for m in range(1, 13)]


def use_by_source(year: int) -> Chart:
    """Experts confirmed for activities starting in each month: drawn and designated."""
    drawn = (
        Candidate.objects.filter(outcome=Outcome.CONFIRMED, draw__activity__start_date__year=year)
        .exclude(draw__status=DrawStatus.CANCELLED)
        .annotate(m=ExtractMonth("draw__activity__start_date"))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    designated = (
        DesignatedExpert.objects.filter(
            outcome=Outcome.CONFIRMED,
            designation__status=DesignationStatus.APPROVED,
            designation__activity__start_date__year=year,
        )
        .annotate(m=ExtractMonth("designation__activity__start_date"))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    return Chart(
        key="use",
        title=_("专家使用：随机抽取与指定（按活动开始月份）"),
        kind="columns",
        categories=MONTHS,
        series=[Series(_("随机抽取"), _months(drawn)), Series(_("指定"), _months(designated))],
        category_label=_("月份"),
        unit=_("人次"),
    )


def declines(year: int) -> Chart:
    """Invitations of the year declined, by reason, and who recorded the answer; lapses apart."""
    rows = Invitation.objects.filter(sent_at__year=year).filter(
        Q(status=InvitationStatus.DECLINED) | Q(status=InvitationStatus.LAPSED)
    )
    by_expert: Counter[str] = Counter()
    by_staff: Counter[str] = Counter()
    lapsed = 0
    for status, reason, via in rows.values_list("status", "decline_reason", "answered_via"):
        if status == InvitationStatus.LAPSED:
            lapsed += 1
        elif via == AnsweredVia.STAFF:
            by_staff[reason] += 1
        else:
            by_expert[reason] += 1
    codes = [code for code, _label in DeclineReason.choices]
    return Chart(
        key="declines",
        title=_("拒绝邀请：原因与记录人（按邀请发出年份）"),
        kind="bars",
        categories=[*[str(label) for _code, label in DeclineReason.choices], _("逾期未答复")],
        series=[
            Series(_("专家本人"), [*[by_expert[c] for c in codes], 0]),
            Series(_("工作人员代为记录"), [*[by_staff[c] for c in codes], 0]),
            Series(_("期限届满"), [*[0 for _c in codes], lapsed]),
        ],
        category_label=_("原因"),
        unit=_("份"),
        note=_("以“专业不熟悉”为由拒绝是专家的权利（第十二条第（三）项），不计入考核。"),
    )


def absences(year: int) -> Chart:
    """Absences of activities starting in each month: excused and without leave."""

    def monthly(status: str) -> list[int]:
        return _months(
            Attendance.objects.filter(status=status, activity__start_date__year=year)
            .annotate(m=ExtractMonth("activity__start_date"))
            .values("m")
            .annotate(n=Count("pk"))
            .values_list("m", "n")
        )

    return Chart(
        key="absences",
        title=_("缺席（按活动开始月份）"),
        kind="columns",
        categories=MONTHS,
        series=[
            Series(_("请假缺席"), monthly(AttendanceStatus.EXCUSED)),
            Series(_("无故缺席"), monthly(AttendanceStatus.UNEXCUSED)),
        ],
        category_label=_("月份"),
        unit=_("人次"),
    )


def cancelled_draws(year: int) -> Chart:
    rows = Draw.objects.filter(status=DrawStatus.CANCELLED, finished_at__isnull=False).values_list(
        "finished_at", flat=True
    )
    counts: Counter[int] = Counter()
    for at in rows:
        local = timezone.localtime(at)
        if local.year == year:
            counts[local.month] += 1
    return Chart(
        key="cancelled",
        title=_("取消的抽取（按取消月份）"),
        kind="columns",
        categories=MONTHS,
        series=[Series(_("取消的抽取"), [counts.get(m, 0) for m in range(1, 13)])],
        category_label=_("月份"),
        unit=_("次"),
    )


def scores(year: int, today: dt.date) -> Chart:
    """How often each score was given on each dimension, on today's scale."""
    scale = int(parameter_value("evaluation_scale_max", today))
    tally: dict[str, Counter[int]] = {d: Counter() for d in DIMENSIONS}
    for row in Evaluation.objects.filter(activity__start_date__year=year).values(
        "scale_max", *DIMENSIONS
    ):
        for d in DIMENSIONS:
            placed = on_scale(row[d], row["scale_max"], scale)
            tally[d][int(placed + Fraction(1, 2))] += 1
    return Chart(
        key="scores",
        title=_("评分分布（按活动开始年份）"),
        kind="columns",
        categories=[str(level) for level in range(1, scale + 1)],
        series=[
            Series(str(Dimension(d).label), [tally[d][level] for level in range(1, scale + 1)])
            for d in DIMENSIONS
        ],
        category_label=_("分值"),
        unit=_("次"),
        totals=False,
        note=_("满分 %(n)d 分；按其他满分打的分按位置折算后四舍五入。") % {"n": scale},
    )


def grades(year: int) -> Chart:
    """The grades of the confirmed assessments whose period ends in the year."""
    counts = Counter(
        AssessmentResult.objects.filter(
            assessment__status=AssessmentStatus.CONFIRMED, assessment__period_end__year=year
        )
        .exclude(grade="")
        .values_list("grade", flat=True)
    )
    return Chart(
        key="grades",
        title=_("考核等次（考核期在该年结束、已确认的考核）"),
        kind="bars",
        categories=[str(label) for _code, label in Grade.choices],
        series=[Series(_("专家人数"), [counts.get(code, 0) for code, _label in Grade.choices])],
        category_label=_("考核等次"),
        unit=_("人"),
    )


def spread(year: int) -> tuple[Chart, Chart]:
    """The participation spread (experts by number of participations) and its Lorenz curve,
    with the Gini coefficient the activities app computes."""
    p = participation(year)
    gini = [(_("基尼系数"), f"{p.gini:.3f}")]
    counts = Chart(
        key="participation",
        title=_("参加活动次数的分布"),
        kind="columns",
        categories=[str(times) for times, _n in p.spread],
        series=[Series(_("专家人数"), [n for _times, n in p.spread])],
        category_label=_("参加次数"),
        unit=_("人"),
        figures=[
            (_("在库专家"), str(p.experts)),
            (_("参加人次"), str(p.total)),
            *gini,
        ],
    )
    points = lorenz_points(p.spread)
    steps = sorted(times for times, _n in p.spread)
    curve = Chart(
        key="lorenz",
        title=_("洛伦兹曲线"),
        kind="lorenz",
        categories=[
            _("（起点）") if i == 0 else _("参加 %(n)d 次及以下的专家") % {"n": steps[i - 1]}
            for i in range(len(points))
        ],
        series=[
            Series(_("专家累计（%）"), [round(float(x) * 100, 1) for x, _y in points]),
            Series(_("参加人次累计（%）"), [round(float(y) * 100, 1) for _x, y in points]),
        ],
        category_label=_("专家（按参加次数从少到多）"),
        totals=False,
        figures=gini,
        note=_(
            "曲线越贴近对角线（人人参加次数相同），分布越均衡；基尼系数为对角线与曲线之间面积的两倍。"
        ),
    )
    return counts, curve


def all_charts(year: int, today: dt.date) -> dict[str, list[Chart]]:
    """Every chart of the page, by section."""
    participation_chart, lorenz_chart = spread(year)
    return {
        "pool": [pool_fields(), pool_titles(), pool_org_types(), pool_regions(), pool_ages(today)],
        "use": [use_by_source(year), declines(year), absences(year), cancelled_draws(year)],
        "scores": [scores(year, today), grades(year)],
        "spread": [participation_chart, lorenz_chart],
    }


def chart(key: str, year: int, today: dt.date) -> Chart | None:
    for charts in all_charts(year, today).values():
        for c in charts:
            if c.key == key:
                return c
    return None
