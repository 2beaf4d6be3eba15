"""Reads of imports. A job is seen by the person who started it (administrators see all);
anyone else gets a 404, exactly as if it did not exist."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from tandem.core.access import Actor

from .models import ImportJob, ImportRowResult, RowStatus, SavedMapping

# How many refused rows are read to list the values nothing matched, and how many values are shown.
UNMATCHED_ROWS = 5000
UNMATCHED_VALUES = 30


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


def unmatched_values(*, job: ImportJob) -> list[dict[str, object]]:
    """Values of the file that matched nothing Tandem has (a product, stage, person, team, choice…),
    from the refused rows of the last check: each with its column, field and rows, most rows first,
    so the person can say what each means (an alias). Reads at most ``UNMATCHED_ROWS`` rows."""
    from .fields import CHOICE, REFERENCE_KINDS, field_map

    targets = field_map(job.resource)
    columns = (job.mapping or {}).get("columns", {})
    index = {header: i for i, header in enumerate(job.headers)}
    counts: dict[tuple[str, str], int] = {}
    rows = ImportRowResult.objects.filter(job=job, status=RowStatus.ERROR).order_by("row_number")
    for messages, cells in rows.values_list("messages", "values")[:UNMATCHED_ROWS]:
        seen: set[tuple[str, str]] = set()
        for message in messages:
            header = message.get("column", "")
            field = columns.get(header)
            if message.get("level") != "error" or field not in targets or header not in index:
                continue
            if targets[field].kind not in REFERENCE_KINDS | {CHOICE} or field in ("tandem_id",):
                continue
            text = cells[index[header]].strip() if index[header] < len(cells) else ""
            if text and (header, text) not in seen:
                seen.add((header, text))
                counts[(header, text)] = counts.get((header, text), 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:UNMATCHED_VALUES]
    return [
        {
            "column": header,
            "field": columns[header],
            "label": targets[columns[header]].title,
            "value": text,
            "rows": n,
        }
        for (header, text), n in ranked
    ]
