"""Background imports: load the job by id and run it (idempotent: a finished job is left alone)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="tandem.imports.tasks.run_import")
def run_import(job_id: int, commit: bool, language: str = "en") -> None:
    from .services import run_job

    run_job(job_id=job_id, commit=commit, language=language)
