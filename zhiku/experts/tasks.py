"""Background work of the registry: running an import and mailing its activation links."""

from __future__ import annotations

from django_tasks import task

from zhiku.experts.models import ImportJob
from zhiku.experts.services import imports


@task()
def import_job_run_task(*, job_id: int) -> str:
    """Run one queued import; the job record carries the outcome."""
    job = imports.import_job_run(job=ImportJob.objects.get(pk=job_id))
    return str(job.status)


@task()
def import_job_send_activations_task(*, job_id: int) -> str:
    """Send the set-your-password e-mails an import still owes; the job carries the counts."""
    job = imports.import_job_send_activations(job=ImportJob.objects.get(pk=job_id))
    return str(job.email_state)
