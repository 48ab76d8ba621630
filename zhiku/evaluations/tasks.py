"""Background work of evaluations: producing the dossiers of the whole pool."""

from __future__ import annotations

from django_tasks import task

from zhiku.evaluations.models import DossierBatch
from zhiku.evaluations.services import dossiers


@task()
def dossier_batch_run_task(*, batch_id: int) -> str:
    """Produce every dossier of the pool into one archive; the batch record carries progress."""
    batch = dossiers.dossier_batch_run(batch=DossierBatch.objects.get(pk=batch_id))
    return str(batch.status)
