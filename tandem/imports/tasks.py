"""Background imports: load the job by id and run it; sweep the imports that stopped mid-way.

A run is claimed once per run token (``imports.runs``): a task delivered twice — after a worker
died, or Redis's visibility timeout — runs the job once. The import queue's tasks are
acknowledged after they run (``CELERY_TASK_ACKS_LATE``), so a worker that dies hands them on.
"""

from __future__ import annotations

import uuid

from celery import shared_task

from tandem.core import jobs


@shared_task(name="tandem.imports.tasks.run_import", acks_late=True, reject_on_worker_lost=True)
def run_import(job_id: int, commit: bool, language: str = "en", token: str | None = None) -> None:
    from .services import run_job

    run_job(job_id=job_id, commit=commit, language=language, token=uuid.UUID(token) if token else None)


@jobs.job(name="tandem.imports.tasks.sweep_stale_imports")
def sweep_stale_imports() -> int:
    """Mark imports with no sign of progress for a while interrupted (every minute; idempotent)."""
    from .services import job_sweep_stale

    return job_sweep_stale()


@shared_task(name="tandem.imports.tasks.run_export")
def run_export(job_id: int) -> None:
    """Write a background export's file (idempotent: only the first run claims the job)."""
    from .exportjobs import run

    run(job_id=job_id)


@jobs.job(name="tandem.imports.tasks.delete_expired_exports")
def delete_expired_exports() -> int:
    """Daily: exports older than TANDEM_EXPORT_KEEP_DAYS go, files and all."""
    from .exportjobs import delete_expired

    return delete_expired()
