"""Background imports: load the job by id and run it (idempotent: a finished job is left alone)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="tandem.imports.tasks.run_import")
def run_import(job_id: int, commit: bool, language: str = "en") -> None:
    from .services import run_job

    run_job(job_id=job_id, commit=commit, language=language)


@shared_task(name="tandem.imports.tasks.run_export")
def run_export(job_id: int) -> None:
    """Write a background export's file (idempotent: only the first run claims the job)."""
    from .exportjobs import run

    run(job_id=job_id)


@shared_task(name="tandem.imports.tasks.delete_expired_exports")
def delete_expired_exports() -> int:
    """Daily: exports older than TANDEM_EXPORT_KEEP_DAYS go, files and all."""
    from .exportjobs import delete_expired

    return delete_expired()
