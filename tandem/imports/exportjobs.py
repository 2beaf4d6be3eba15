"""Background exports: a list export larger than one request should carry becomes a job.

An export of more than ``TANDEM_EXPORT_BACKGROUND_ROWS`` rows (``?format=csv|xlsx`` on an API
list, which the list pages' Export menu links to) is not written in the request: an
``ExportJob`` is recorded and the answer is 202 with the job to poll (an API client) or a redirect
to the export's page (a browser), which offers the file once it is written. 100,000 deals took 40 s
as CSV and 86 s as XLSX in the request, past gunicorn's 30 s timeout, which cut the download
short with a 200 already sent.

The job replays the request: the same list view, its filters and ordering (its query string), as
the same person (their grants checked again), in their language and time zone; the file is written
by ``tandem.core.export`` like every export, so it is complete or the job fails. A Celery task runs
it; in the embedded mode without Redis, a thread of the web process (as imports do). Only the
person who asked sees the job and its file; a scheduled task deletes both after
``TANDEM_EXPORT_KEEP_DAYS`` days, and marks a job whose worker died as failed.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import tempfile
import threading
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import connection, models, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access, export
from tandem.core.access import Actor
from tandem.org.models import User

from .models import ExportJob, ExportStatus

logger = logging.getLogger(__name__)

# A job still waiting or running this long after it started has lost its worker.
STALE_AFTER = datetime.timedelta(hours=6)


def background_rows() -> int:
    return int(getattr(settings, "TANDEM_EXPORT_BACKGROUND_ROWS", 10_000))


def keep_days() -> int:
    return int(getattr(settings, "TANDEM_EXPORT_KEEP_DAYS", 7))


# --- Handing a large export to the background --------------------------------------------------


def background(
    view: Any, request: Request, queryset: models.QuerySet[Any], fmt: str
) -> HttpResponseBase | None:
    """``core.export``'s hook: a job for an export of more than ``background_rows()`` rows (one
    COUNT query), else None (the request writes it)."""
    if getattr(request, "export_in_background", False) or queryset.count() <= background_rows():
        return None
    actor = access.get_actor(request)
    query = request.query_params.copy()
    query.pop("page", None)
    query.pop("page_size", None)
    job = export_job_create(
        actor=actor,
        resource=view.resource,
        view=f"{type(view).__module__}.{type(view).__qualname__}",
        query=query.urlencode(),
        fmt=fmt,
        filename=export.download_name(view.export_filename, fmt),
    )
    if "text/html" in request.META.get("HTTP_ACCEPT", ""):
        return HttpResponseRedirect(job.get_absolute_url(), status=303)  # a browser: the export's page
    from .serializers import ExportJobSerializer

    return Response(
        ExportJobSerializer(job).data,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": reverse("api:exports-detail", args=[job.pk])},
    )


@transaction.atomic
def export_job_create(
    *, actor: Actor, resource: str, view: str, query: str, fmt: str, filename: str
) -> ExportJob:
    """Record an export of the list ``view`` (its query string ``query``) and start it after commit."""
    access.require(actor, "export", resource)
    assert actor.user is not None  # require() refuses anyone signed out
    if fmt not in export.EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    job = ExportJob.objects.create(
        requested_by=actor.user,
        resource=resource,
        view=view,
        query=query,
        format=fmt,
        filename=filename[:255],
        language=translation.get_language() or settings.LANGUAGE_CODE,
        time_zone=timezone.get_current_timezone_name(),
    )
    _in_background(job.pk)
    return job


def _in_background(job_id: int) -> None:
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        # No broker (embedded default): a thread, so the request returns and the page polls.
        def target() -> None:
            try:
                run(job_id=job_id)
            finally:
                connection.close()

        thread = threading.Thread(target=target, name=f"export-{job_id}", daemon=True)
        transaction.on_commit(thread.start)
    else:
        transaction.on_commit(lambda: _enqueue(job_id))


def _enqueue(job_id: int) -> None:
    """Hand the job to a worker; if the broker cannot take it, the job says so (not a 500)."""
    from .tasks import run_export

    try:
        run_export.delay(job_id)
    except Exception:
        logger.exception("export #%s could not be queued", job_id)
        job = ExportJob.objects.get(pk=job_id)
        with translation.override(job.language):
            job.error = _(
                "The export could not be started (the task queue is not answering); export again later."
            )
        job.status = ExportStatus.FAILED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at", "updated_at"])


# --- Running one ------------------------------------------------------------------------------


def run(*, job_id: int) -> None:
    """Write a queued job's file (the Celery task and the thread call this). A job already taken
    (delivered twice, or run by hand) is left alone: only one run claims it."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        zone = zoneinfo.ZoneInfo(job.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    with translation.override(job.language), timezone.override(zone):
        try:
            count = _write(job)
        except Exception as exc:
            logger.exception("export #%s failed", job_id)
            job.status = ExportStatus.FAILED
            job.error = _failure(exc)
            job.file.delete(save=False)
        else:
            job.status = ExportStatus.DONE
            job.total_rows = count
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "file", "total_rows", "finished_at", "updated_at"])


def _failure(exc: Exception) -> str:
    from django.core.exceptions import PermissionDenied

    if isinstance(exc, PermissionDenied):
        return _("You may no longer export these records.")
    return _("The export stopped with an unexpected error; export again. (%(error)s)") % {
        "error": exc.__class__.__name__
    }


def _list_view(job: ExportJob) -> Any:
    """The API list view the export came from, set up as for its request (``ExportMixin``)."""
    user = User.objects.get(pk=job.requested_by_id)
    if not user.is_active:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    http = HttpRequest()
    http.method = "GET"
    http.GET = QueryDict(job.query)
    http.user = user
    request = Request(http)
    request.user = user
    request.export_in_background = True  # type: ignore[attr-defined]
    view = import_string(job.view)()
    view.request = request
    view.args, view.kwargs = (), {}
    view.format_kwarg = None
    view.action = "list"
    view.headers = {}
    return view


def _write(job: ExportJob) -> int:
    view = _list_view(job)
    queryset = view.export_rows()  # the grants again, the filters, the ordering
    columns = view.export_columns()
    with tempfile.TemporaryFile() as handle:
        count = export.write(
            handle,
            job.format,
            export.headers_of(columns),
            export.cells(view.export_iterate(queryset), columns),
            title=view.export_filename,
        )
        handle.seek(0)
        job.file.save(f"{job.pk}-{secrets.token_hex(8)}.{job.format}", File(handle), save=False)
    return count


# --- Reading and housekeeping -----------------------------------------------------------------


def export_list(*, actor: Actor) -> models.QuerySet[ExportJob]:
    """The person's own exports (nobody else's, administrators included: the files hold what
    their requester may see)."""
    if actor.user is None:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by_id=actor.id)


def export_get(*, actor: Actor, pk: int) -> ExportJob:
    job = export_list(actor=actor).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def download(job: ExportJob) -> FileResponse:
    """The export's file, named as an export made in the request would be (404 until written)."""
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    media_type = export.XLSX_MEDIA_TYPE if job.format == "xlsx" else "text/csv; charset=utf-8"
    return FileResponse(handle, as_attachment=True, filename=job.filename, content_type=media_type)


def delete_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete exports (files and records) older than ``keep_days()``; fail those whose worker
    died. The number deleted."""
    now = now or timezone.now()
    stale = list(
        ExportJob.objects.filter(
            status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING], created_at__lt=now - STALE_AFTER
        )
    )
    for job in stale:
        job.file.delete(save=False)
        with translation.override(job.language):
            job.error = _("The export stopped unexpectedly; export again.")
        job.status = ExportStatus.FAILED
        job.finished_at = now
        job.save(update_fields=["status", "error", "file", "finished_at", "updated_at"])
    expired = list(ExportJob.objects.filter(created_at__lt=now - datetime.timedelta(days=keep_days())))
    for job in expired:
        job.file.delete(save=False)
    ExportJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    return len(expired)
