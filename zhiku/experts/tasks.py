"""Background work of the registry: running an import and mailing its activation links."""

from __future__ import annotations

from django_tasks import task

from zhiku.experts.models import ImportJob


@task()
def import_job_run_task(*, job_id: int) -> str:
    """Run one queued import; the job record carries the outcome."""
    from zhiku.experts.services.imports import import_job_run

    job = import_job_run(job=ImportJob.objects.get(pk=job_id))
    return str(job.state)


@task()
def import_job_send_activations_task(*, job_id: int) -> int:
    """Send the set-your-password e-mails of every account an import opened."""
    from zhiku.experts.services.imports import import_job_send_activations

    return import_job_send_activations(job=ImportJob.objects.get(pk=job_id))
