"""Turn every expert's exit request (``experts.ExitRequest``, recorded by the previous release)
into an exit case on ground 2 (本人书面申请), keeping its date, reason and who made it.

A request of an expert still in the pool becomes an open case (待核实), raised when the request
was made, by the expert. A request of an expert already marked 已出库 by hand (the previous
release allowed it) becomes a case that says so: 已出库 on the day of that status change, with
no written notice or announcement on record (none was made through the system). Each case gets
its transition rows; the requests' own audit entries stay in the trail. Run backwards, the cases
go back to requests.
"""

from django.db import migrations

REASON_RAISED = "本人书面申请退出智库（原“退出申请”迁移为出库案件）"
REASON_EXITED = "本功能上线前已由工作人员直接变更为“已出库”，未经出库案件办理核实、告知和公告"


def forward(apps, schema_editor):
    ExitRequest = apps.get_model("experts", "ExitRequest")
    StatusChange = apps.get_model("experts", "StatusChange")
    ExitCase = apps.get_model("exits", "ExitCase")
    ExitCaseChange = apps.get_model("exits", "ExitCaseChange")
    for request in ExitRequest.objects.select_related("expert").order_by("submitted_at", "pk"):
        expert = request.expert
        if ExitCase.objects.filter(
            expert=expert, ground="request", raised_at=request.submitted_at
        ).exists():
            continue  # already moved
        exited = expert.status == "exited"
        if not exited and ExitCase.objects.filter(
            expert=expert, status__in=("raised", "verified", "notified")
        ).exists():
            continue  # one open case per expert: the first request stands
        case = ExitCase.objects.create(
            expert=expert,
            ground="request",
            facts=request.reason,
            source="expert",
            raised_by=request.submitted_by,
            raised_at=request.submitted_at,
            status="raised",
        )
        ExitCaseChange.objects.create(
            case=case,
            from_value="",
            to_value="raised",
            actor=request.submitted_by,
            at=request.submitted_at,
            reason=REASON_RAISED,
        )
        if exited:
            last = (
                StatusChange.objects.filter(expert=expert, to_value="exited")
                .order_by("-at", "-pk")
                .first()
            )
            case.status = "exited"
            case.exited_on = last.effective_on if last else request.submitted_on
            case.closed_at = last.at if last else request.submitted_at
            case.save(update_fields=["status", "exited_on", "closed_at"])
            ExitCaseChange.objects.create(
                case=case,
                from_value="raised",
                to_value="exited",
                actor=last.actor if last else None,
                at=case.closed_at,
                reason=REASON_EXITED,
            )


def backward(apps, schema_editor):
    ExitRequest = apps.get_model("experts", "ExitRequest")
    ExitCase = apps.get_model("exits", "ExitCase")
    ExitCaseChange = apps.get_model("exits", "ExitCaseChange")
    for case in ExitCase.objects.filter(source="expert", ground="request").order_by("pk"):
        if case.raised_by_id is None:
            continue
        ExitRequest.objects.get_or_create(
            expert_id=case.expert_id,
            submitted_at=case.raised_at,
            defaults={
                "reason": case.facts,
                "submitted_by_id": case.raised_by_id,
                "submitted_on": case.raised_at.date(),
            },
        )
    moved = ExitCase.objects.filter(changes__reason=REASON_RAISED)
    ExitCaseChange.objects.filter(case__in=moved).delete()
    moved.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("exits", "0001_exit_cases"),
        ("experts", "0009_expert_status_hold"),
    ]

    operations = [migrations.RunPython(forward, backward)]
