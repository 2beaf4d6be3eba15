"""Reads of imports. A job is seen by the person who started it (administrators see all);
anyone else gets a 404, exactly as if it did not exist."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from tandem.core.access import Actor

from .models import ImportJob, ImportRowResult, SavedMapping


def job_list(*, actor: Actor) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by")
    if actor.user is None:
        return jobs.none()
    if actor.is_admin:
        return jobs
    return jobs.filter(created_by_id=actor.id)


def job_get(*, actor: Actor, pk: int) -> ImportJob:
    job = job_list(actor=actor).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def job_rows(*, job: ImportJob, status: str | None = None) -> QuerySet[ImportRowResult]:
    rows = ImportRowResult.objects.filter(job=job).order_by("row_number")
    if status == "problems":
        return rows.filter(Q(status="error") | ~Q(messages=[]))
    if status:
        rows = rows.filter(status=status)
    return rows


def saved_mappings(*, actor: Actor, resource: str) -> QuerySet[SavedMapping]:
    if actor.user is None:
        return SavedMapping.objects.none()
    return SavedMapping.objects.filter(resource=resource).filter(Q(owner_id=actor.id) | Q(shared=True))
