"""Imports: upload a file, map its columns, check it (dry run), import it; saved mappings.

Every interface (web, API, ``tandem import``) calls these functions. The person needs the
``import`` grant on the resource (``tandem.core.access``). Rows are checked and written by
``imports.engine`` with the services' own rules; see there for batching.

Large files (more than ``BACKGROUND_ROWS`` rows) run in the background: a Celery task when a
broker is configured; in the embedded default (``CELERY_TASK_ALWAYS_EAGER``, no Redis) the task
runs in a thread of the web process, so the request returns at once and the page polls progress.
"""

from __future__ import annotations

import datetime
import logging
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tandem.core import access, changes, export, metrics
from tandem.core.access import Actor
from tandem.org.models import User

from . import engine, reading, runs, wording
from .fields import DATE_ORDERS, OPTIONAL_RULES, field_map, suggest_mapping
from .models import (
    DecimalSeparator,
    ImportFormat,
    ImportInterface,
    ImportJob,
    ImportMode,
    ImportResource,
    ImportRowResult,
    ImportStatus,
    RowStatus,
    SavedMapping,
)
from .people import PEOPLE_RESOURCES
from .wording import say

logger = logging.getLogger(__name__)

BACKGROUND_ROWS = 2000
MAX_UPLOAD_BYTES = 100 * 1024 * 1024


def _require_import(actor: Actor, resource: str) -> None:
    if resource not in ImportResource.values:
        raise ValidationError({"resource": [_("Choose what the file holds.")]})
    access.require(actor, "import", resource)
    if resource in PEOPLE_RESOURCES and not actor.is_admin:
        raise PermissionDenied


def _require_job(actor: Actor, job: ImportJob) -> None:
    if not (actor.is_admin or job.created_by_id == actor.id):
        raise PermissionDenied
    access.require(actor, "import", job.resource)
    if job.resource in PEOPLE_RESOURCES and not actor.is_admin:
        raise PermissionDenied


def _check_mode(mode: str) -> str:
    if mode not in ImportMode.values:
        raise ValidationError({"mode": [_("Choose all-or-nothing or skip bad rows.")]})
    return mode


def _read_file(path: Path, name: str, sheet: str) -> tuple[reading.FileInfo, list[str], int]:
    """How to read a stored upload, its columns and its rows, checked in the order that costs
    least: a workbook's unpacked size, then the rows (counted with a cap), then the header.

    Never inside a transaction: on SQLite an open write transaction holds the database's lock,
    and reading a large file takes seconds that nobody else could write (or sign in) in."""
    try:
        info = reading.inspect(path, name, sheet=sheet)
        total = reading.count_rows(path, info, limit=reading.max_rows())
        headers = reading.read_headers(path, info)
    except reading.UnreadableFile as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    except Exception as exc:  # a CSV with broken quoting, a damaged workbook
        logger.info("unreadable import file %s: %s", name, exc)
        raise ValidationError({"file": [_("This file cannot be read as CSV or Excel.")]}) from exc
    if len(set(headers)) != len(headers) or any(not h for h in headers):
        raise ValidationError({"file": [_("Every column needs its own, non-empty name in the first row.")]})
    if total == 0:
        raise ValidationError(
            {
                "file": [
                    _("The file has a row of column names and no rows below it: there is nothing to import.")
                ]
            }
        )
    return info, headers, total


def job_create(
    *,
    actor: Actor,
    resource: str,
    upload: File[Any],
    mode: str = ImportMode.ALL,
    import_duplicates: bool = False,
    sheet: str = "",
    interface: str = ImportInterface.WEB,
) -> ImportJob:
    """Store an uploaded file, read its columns and suggest a mapping. Nothing is imported yet.

    ``sheet``: which sheet of a workbook to read (default: the first that holds anything; the
    job lists the others). ``interface``: web, api or cli, so that messages name its controls. Not one transaction on purpose: the file is stored and read first,
    with no transaction open (see ``_read_file``), then the job's row is written at once.
    """
    _require_import(actor, resource)
    _check_mode(mode)
    name = Path(upload.name or "import.csv").name
    try:
        fmt = reading.format_of(name)
    except reading.UnreadableFile as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [_("The file is larger than 100 MB; split it into smaller files.")]})
    job = ImportJob(
        resource=resource,
        original_name=name[:255],
        format=fmt,
        mode=mode,
        import_duplicates=import_duplicates,
        interface=interface if interface in ImportInterface.values else ImportInterface.WEB,
        created_by=actor.user,
    )
    job.file.save(name, upload, save=False)
    try:
        info, headers, total = _read_file(Path(job.file.path), name, sheet.strip())
    except ValidationError:
        job.file.delete(save=False)
        raise
    _describe_file(job, info, headers, total)
    with transaction.atomic():
        job.save()
    return job


def _describe_file(job: ImportJob, info: reading.FileInfo, headers: list[str], total: int) -> None:
    job.encoding, job.delimiter = info.encoding, info.delimiter
    job.sheet, job.sheets = info.sheet, list(info.sheets)
    job.headers = headers
    job.total_rows = total
    job.mapping = {"columns": suggest_mapping(job.resource, headers), "values": {}}


def job_choose_sheet(*, actor: Actor, job: ImportJob, sheet: str) -> ImportJob:
    """Read another sheet of the job's workbook: its columns, rows and a new suggested mapping.

    The sheet is read with no transaction open; then the job is updated if it is still waiting
    for its mapping (not running, not imported)."""
    _require_job(actor, job)
    if job.format != "xlsx":
        raise ValidationError({"sheet": [_("Only a workbook (.xlsx) has sheets to choose from.")]})
    try:
        info, headers, total = _read_file(Path(job.file.path), job.original_name, sheet)
    except OSError as exc:
        raise ValidationError(
            {"file": [_("The uploaded file can no longer be read; upload it again.")]}
        ) from exc
    except ValidationError as exc:
        raise ValidationError({"sheet": exc.message_dict.get("file", exc.messages)}) from exc
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.is_running:
            raise ValidationError(_("This import is running; wait for it to finish."))
        if job.committed:
            raise ValidationError(
                _("This file has been imported already; upload it again to import it again.")
            )
        _describe_file(job, info, headers, total)
        job.sheets = sorted(set(job.sheets) | set(info.sheets), key=list(info.sheets).index)
        job.status = ImportStatus.UPLOADED
        job.save()
        ImportRowResult.objects.filter(job=job).delete()
    return job


def validate_mapping(resource: str, headers: list[str], mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A clean ``{"columns": {header: field}, "values": {field: {from: to}}}`` or field errors."""
    targets = field_map(resource)
    columns_in = mapping.get("columns", {})
    values_in = mapping.get("values", {}) or {}
    errors: list[str] = []
    if not isinstance(columns_in, Mapping) or not isinstance(values_in, Mapping):
        raise ValidationError(
            {"mapping": [_("Give columns as {column: field} and value maps as {field: {from: to}}.")]}
        )
    columns: dict[str, str] = {}
    used: dict[str, str] = {}
    for header, target in columns_in.items():
        if not target:
            continue
        if header not in headers:
            errors.append(_("The file has no column “%(column)s”.") % {"column": header})
            continue
        if target not in targets:
            errors.append(_("“%(field)s” is not a field you can import into.") % {"field": target})
            continue
        if target in used:
            errors.append(
                _("“%(field)s” is mapped from both “%(a)s” and “%(b)s”.")
                % {"field": targets[target].title, "a": used[target], "b": header}
            )
            continue
        used[target] = header
        columns[str(header)] = str(target)
    for name, target in targets.items():
        if target.required and name not in used:
            errors.append(_("Map a column to “%(field)s”: it is required.") % {"field": target.title})
    values: dict[str, dict[str, str]] = {}
    for name, pairs in values_in.items():
        if name not in targets:
            errors.append(_("“%(field)s” is not a field you can import into.") % {"field": name})
            continue
        if not isinstance(pairs, Mapping):
            continue
        cleaned = {
            str(k).strip(): str(v).strip() for k, v in pairs.items() if str(k).strip() and str(v).strip()
        }
        if cleaned:
            values[name] = cleaned
    options = clean_options(resource, mapping.get("options") or {}, errors)
    if errors:
        raise ValidationError({"mapping": errors})
    return {"columns": columns, "values": values, "options": options}


def clean_options(resource: str, options: Any, errors: list[str]) -> dict[str, Any]:
    """A mapping's options: ``date_order`` (dmy, mdy, ymd) and the rules of ``OPTIONAL_RULES``
    turned on; the decimal separator and currency a saved mapping carries too."""
    if not isinstance(options, Mapping):
        errors.append(_("Give the mapping's options as an object."))
        return {}
    out: dict[str, Any] = {}
    order = str(options.get("date_order") or "")
    if order:
        if order not in DATE_ORDERS:
            errors.append(_("Choose the date order: dmy, mdy or ymd."))
        else:
            out["date_order"] = order
    for rule in OPTIONAL_RULES.get(resource, ()):
        if options.get(rule):
            out[rule] = True
    role = str(options.get("default_role") or "").strip()
    if role and resource == "user":
        from tandem.org.models import Role

        if not Role.objects.filter(code=role).exists():
            errors.append(_("No role “%(name)s”.") % {"name": role})
        else:
            out["default_role"] = role
    separator = str(options.get("decimal_separator") or "")
    if separator in DecimalSeparator.values:
        out["decimal_separator"] = separator
    currency = str(options.get("currency") or "").upper()
    if currency in settings.CURRENCIES:
        out["currency"] = currency
    return out


def check_value_options(job: ImportJob) -> None:
    """How the job reads values the file does not spell out, or field errors: a decimal
    separator Tandem knows (and "." for a workbook, which stores numbers as numbers), and a
    currency for records that have one — a mapped currency column or the file's currency,
    never a silent default."""
    errors: dict[str, list[str]] = {}
    if job.decimal_separator not in DecimalSeparator.values:
        errors["decimal_separator"] = [_("Choose “.” or “,” as the decimal separator.")]
    elif job.format == ImportFormat.XLSX and job.decimal_separator != DecimalSeparator.POINT:
        errors["decimal_separator"] = [
            _(
                "An Excel workbook stores numbers as numbers, which are read exactly: its decimal "
                "separator is “.”."
            )
        ]
    if job.currency and job.currency not in settings.CURRENCIES:
        errors["currency"] = [_("Choose one of: %(list)s.") % {"list": ", ".join(settings.CURRENCIES)}]
    elif (
        "currency" in field_map(job.resource)
        and not job.currency
        and "currency" not in (job.mapping or {}).get("columns", {}).values()
    ):
        errors["currency"] = [
            _(
                "Say which currency the file's amounts are in: map its currency column, or choose "
                "one currency for the whole file."
            )
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def job_set_mapping(
    *,
    actor: Actor,
    job: ImportJob,
    mapping: Mapping[str, Any],
    mode: str | None = None,
    import_duplicates: bool | None = None,
    decimal_separator: str | None = None,
    currency: str | None = None,
    amount_from_list_price: bool | None = None,
) -> ImportJob:
    """Save the column mapping (and value maps) and how values are read: the decimal
    separator, the file's currency (``""`` for none), whether a blank deal amount takes the
    product's list price. ``None`` leaves an option as it is. Earlier check results no longer
    apply."""
    _require_job(actor, job)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.is_running:
        raise ValidationError(_("This import is running; wait for it to finish."))
    if job.committed:
        raise ValidationError(_("This file has been imported already; upload it again to import it again."))
    if job.partly_written:
        raise ValidationError(_partly_written_message())
    job.mapping = validate_mapping(job.resource, job.headers, mapping)
    options = job.mapping["options"]
    # A saved mapping carries how its files are read; an option given now wins.
    if decimal_separator is None and "decimal_separator" in options:
        decimal_separator = options["decimal_separator"]
    if currency is None and "currency" in options:
        currency = options["currency"]
    if mode is not None:
        job.mode = _check_mode(mode)
    if import_duplicates is not None:
        job.import_duplicates = import_duplicates
    if decimal_separator is not None:
        job.decimal_separator = decimal_separator
    if currency is not None:
        job.currency = currency.strip().upper()
    if amount_from_list_price is not None:
        job.amount_from_list_price = amount_from_list_price
    check_value_options(job)
    options["decimal_separator"] = job.decimal_separator
    if job.currency:
        options["currency"] = job.currency
    else:
        options.pop("currency", None)
    job.status = ImportStatus.MAPPED
    job.save()
    ImportRowResult.objects.filter(job=job).delete()
    return job


class QueueUnavailable(Exception):
    """The background task queue (Redis) cannot be reached: the job was not started."""


def _start(actor: Actor, job: ImportJob, *, commit: bool, background: bool = True) -> ImportJob:
    _require_job(actor, job)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.is_running:
            raise ValidationError(_("This import is running; wait for it to finish."))
        if locked.committed:
            raise ValidationError(
                _("This file has been imported already; upload it again to import it again.")
            )
        if locked.partly_written:
            raise ValidationError(_partly_written_message())
        if locked.status == ImportStatus.UPLOADED:
            locked.mapping = validate_mapping(locked.resource, locked.headers, locked.mapping)
        check_value_options(locked)
        previous = _as_it_was(locked)
        _new_run(locked, commit=commit, resume_from=0)
    return _launch(locked, commit=commit, background=background, previous=previous)


def _partly_written_message() -> str:
    return _("Part of this file has been imported already: retry the import to import the rest.")


_RUN_FIELDS = ("status", "progress", "run_writes", "resumed_from", "error", "started_at", "finished_at")


def _as_it_was(job: ImportJob) -> dict[str, Any]:
    """What a new run changes on the job, to put back if it cannot be queued."""
    return {name: getattr(job, name) for name in _RUN_FIELDS}


def _new_run(job: ImportJob, *, commit: bool, resume_from: int) -> None:
    """A new run of a locked job: a token of its own, no heartbeat until a run claims it."""
    job.status = ImportStatus.IMPORTING if commit else ImportStatus.VALIDATING
    job.run_token = runs.new_token()
    job.run_writes = commit
    job.heartbeat_at = None
    job.progress = resume_from
    job.resumed_from = resume_from
    job.error, job.error_said = "", {}
    job.started_at = timezone.now()
    job.finished_at = None
    job.save()


def _launch(job: ImportJob, *, commit: bool, background: bool, previous: dict[str, Any]) -> ImportJob:
    runs.remember_progress(job.pk, job.progress)
    language = translation.get_language() or settings.LANGUAGE_CODE
    if background and job.total_rows > BACKGROUND_ROWS:
        _in_background(job, commit=commit, language=language, previous=previous)
        return job
    run_job(job_id=job.pk, commit=commit, language=language, token=job.run_token)
    job.refresh_from_db()
    return job


def job_dry_run(*, actor: Actor, job: ImportJob, background: bool = True) -> ImportJob:
    """Check every row with the import's rules; report per row; write nothing."""
    return _start(actor, job, commit=False, background=background)


def job_commit(*, actor: Actor, job: ImportJob, background: bool = True) -> ImportJob:
    """Import the file: rows are checked again and written (all-or-nothing or skipping bad rows)."""
    return _start(actor, job, commit=True, background=background)


def job_retry(*, actor: Actor, job: ImportJob, background: bool = True) -> ImportJob:
    """Run an interrupted job again: an import in skip mode goes on after the rows already
    imported (they are not written again); all-or-nothing (which wrote nothing) and a check start
    over. A job still running with no sign of progress for a while is interrupted first."""
    _require_job(actor, job)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.committed:
            raise ValidationError(
                _("This file has been imported already; upload it again to import it again.")
            )
        if locked.is_running:
            if not runs.is_stale(locked):
                raise ValidationError(_("This import is running; wait for it to finish."))
            runs.interrupt(locked, error=_stopped_message(locked), now=timezone.now())
        if locked.status != ImportStatus.INTERRUPTED:
            raise ValidationError(_("Only an import that stopped before the end can be retried."))
        commit = locked.run_writes
        previous = _as_it_was(locked)
        resume = locked.progress if commit and locked.mode == ImportMode.SKIP else 0
        _new_run(locked, commit=commit, resume_from=resume)
    return _launch(locked, commit=commit, background=background, previous=previous)


def _in_background(job: ImportJob, *, commit: bool, language: str, previous: dict[str, Any]) -> None:
    from .tasks import run_import

    job_id, token = job.pk, job.run_token
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        # No broker (embedded default): a thread, so the request returns and the page polls.
        def target() -> None:
            try:
                run_job(job_id=job_id, commit=commit, language=language, token=token)
            finally:
                connection.close()

        thread = threading.Thread(target=target, name=f"import-{job_id}", daemon=True)
        transaction.on_commit(thread.start)
        return

    def send() -> None:
        try:
            run_import.apply_async((job_id, commit, language), {"token": str(token)})
        except Exception as exc:  # the broker cannot be reached (kombu's OperationalError, ...)
            logger.exception("import #%s could not be queued", job_id)
            # Back as it was, unless a run claimed it meanwhile (then it was queued after all).
            ImportJob.objects.filter(pk=job_id, run_token=token, heartbeat_at__isnull=True).update(
                **previous, run_token=None, updated_at=timezone.now()
            )
            for name, value in previous.items():
                setattr(job, name, value)
            job.run_token = None
            raise QueueUnavailable(
                _(
                    "The import could not be started: the background task queue cannot be reached. "
                    "Nothing was written; try again in a few minutes."
                )
            ) from exc

    if connection.in_atomic_block:  # a caller's transaction: the worker must find the job started
        transaction.on_commit(send)
    else:
        send()


def run_job(*, job_id: int, commit: bool, language: str = "en", token: uuid.UUID | None = None) -> None:
    """Run a started job to the end (the Celery task and the thread call this).

    Claimed once per run token: a second delivery of the same run does nothing. The run writes
    its outcome only while the job is still its own (the sweep may have marked it interrupted).
    """
    if not runs.claim(job_id, token):
        logger.info("import #%s: run %s is not the job's current run, or is running already", job_id, token)
        return
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    user = User.objects.get(pk=job.created_by_id)
    actor = Actor.for_user(user)
    try:
        _run(job, actor, commit=commit, language=language, token=token)
    finally:
        if commit:  # the importer's figures kept a few minutes show the rows (core.changes)
            changes.mark(user.pk)


def _run(job: ImportJob, actor: Actor, *, commit: bool, language: str, token: uuid.UUID | None) -> None:
    job_id = job.pk
    with translation.override(language):
        try:
            if not actor.has(job.resource, "import"):
                raise PermissionDenied
            totals = engine.execute(job, actor, commit=commit)
        except runs.RunLost:
            logger.warning("import #%s: run %s stopped, the job is no longer its own", job_id, token)
            return
        except Exception as exc:
            logger.exception("import #%s failed", job_id)
            runs.finish(job, _stopped_by(job, exc))
            runs.forget(job_id)
            return
        if job.committed:  # all-or-nothing: marked done with its rows (runs.seal)
            runs.forget(job_id)
            return
        engine.store_totals(job, totals)
        metrics.import_rows(resource=job.resource, commit=commit, totals=totals)
        fields: dict[str, Any] = {name: getattr(job, name) for name in runs.TOTAL_FIELDS}
        fields["finished_at"] = timezone.now()
        if not commit:
            fields["status"] = ImportStatus.VALIDATED
        elif job.mode == ImportMode.ALL and totals.failed:
            fields["status"] = ImportStatus.FAILED
            fields.update(
                wording.error_fields(
                    say("Nothing was imported: %(n)d rows have problems. Fix them and import again.")
                    % {"n": totals.failed}
                )
            )
        else:
            fields["status"] = ImportStatus.DONE
            fields["committed"] = True
        runs.finish(job, fields)
    runs.forget(job_id)


def _stopped_by(job: ImportJob, exc: Exception) -> dict[str, Any]:
    """What a run that raised leaves on its job: interrupted (retry goes on), or failed when the
    person may no longer import. Skip mode commits batch by batch: what was committed before the
    error stays, and the progress committed with it says how far that was."""
    now = timezone.now()
    if isinstance(exc, PermissionDenied):
        return {
            "status": ImportStatus.FAILED,
            **wording.error_fields(say("You may not import these records.")),
            "finished_at": now,
        }
    kept = 0
    if job.run_writes and job.mode == ImportMode.SKIP:
        kept = ImportJob.objects.filter(pk=job.pk).values_list("progress", flat=True).first() or 0
    if kept:
        error = say(
            "The import stopped with an unexpected error after row %(row)s: the rows up to it "
            "were imported, the later ones were not. (%(error)s)"
        ) % {"row": kept + 1, "error": exc.__class__.__name__}
    else:
        error = say("The import stopped with an unexpected error; nothing was written. (%(error)s)") % {
            "error": exc.__class__.__name__
        }
    return {
        "status": ImportStatus.INTERRUPTED,
        **wording.error_fields(error),
        "finished_at": now,
        "progress": kept,
        **runs.counts_so_far(job),
    }


def _stopped_message(job: ImportJob) -> wording.Kept:
    """Why a stale job was interrupted: in the language of the person who started it, and kept
    for other readers."""
    minutes = settings.TANDEM_IMPORT_STALE_MINUTES
    language = getattr(job.created_by, "language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        if job.heartbeat_at is None and not job.progress:
            return say(
                "The import did not start: no worker took it up. Nothing was written; retry to queue it again."
            )
        if not job.run_writes:
            return say(
                "The check stopped without finishing: there was no progress for %(minutes)d minutes "
                "(the process running it may have stopped). Retry to check the file again."
            ) % {"minutes": minutes}
        if job.mode == ImportMode.SKIP and job.progress:
            return say(
                "The import stopped after row %(row)s without finishing: there was no progress for "
                "%(minutes)d minutes (the process running it may have stopped). The rows up to it "
                "were imported; retry to import the rest."
            ) % {"row": job.progress + 1, "minutes": minutes}
        return say(
            "The import stopped without finishing: there was no progress for %(minutes)d minutes "
            "(the process running it may have stopped). Nothing was written; retry to import the file."
        ) % {"minutes": minutes}


def job_sweep_stale(*, now: datetime.datetime | None = None) -> int:
    """Mark running jobs with no sign of progress for ``TANDEM_IMPORT_STALE_MINUTES`` interrupted
    (the scheduled sweep); returns how many. A job that moved on meanwhile is left alone."""
    now = now or timezone.now()
    marked = 0
    for job in ImportJob.objects.filter(status__in=runs.RUNNING).select_related("created_by"):
        if not runs.is_stale(job, now):
            continue
        try:
            marked += runs.interrupt(job, error=_stopped_message(job), now=now)
        except DatabaseError:  # SQLite busy with another import's transaction: the next sweep
            logger.warning("import #%s: could not be marked interrupted now", job.pk, exc_info=True)
    return marked


def job_progress(job: ImportJob) -> int:
    """Rows done so far: live from the cache while running (the database sees it at the end)."""
    if job.is_running:
        live = runs.recall_progress(job.pk)
        if live is not None:
            return max(live, job.progress)
    return job.progress


def job_add_aliases(*, actor: Actor, job: ImportJob, aliases: list[tuple[str, str, str]]) -> ImportJob:
    """Add aliases (field, value in the file, what it means) to the job's mapping, as the dry
    run's unmatched values suggest; the job is then mapped again (its options kept), ready to check."""
    _require_job(actor, job)
    mapping = dict(job.mapping or {})
    values = {k: dict(v) for k, v in (mapping.get("values") or {}).items()}
    targets = field_map(job.resource)
    for field, source, target in aliases:
        if field not in targets:
            raise ValidationError(
                {"aliases": [_("“%(field)s” is not a field you can import into.") % {"field": field}]}
            )
        if source.strip() and target.strip():
            values.setdefault(field, {})[source.strip()] = target.strip()
    mapping["values"] = values
    return job_set_mapping(actor=actor, job=job, mapping=mapping)


# --- Saved mappings ---------------------------------------------------------------------------


@transaction.atomic
def saved_mapping_save(
    *, actor: Actor, name: str, resource: str, mapping: Mapping[str, Any], shared: bool = False
) -> SavedMapping:
    """Save (or replace) the person's named mapping for a kind of record."""
    _require_import(actor, resource)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("This field is required.")]})
    if len(name) > 100:
        raise ValidationError({"name": [_("At most %(n)d characters.") % {"n": 100}]})
    columns = {str(k): str(v) for k, v in (mapping.get("columns") or {}).items() if v}
    unknown = [v for v in columns.values() if v not in field_map(resource)]
    if unknown:
        raise ValidationError(
            {"mapping": [_("“%(field)s” is not a field you can import into.") % {"field": unknown[0]}]}
        )
    errors: list[str] = []
    options = clean_options(resource, mapping.get("options") or {}, errors)
    if errors:
        raise ValidationError({"mapping": errors})
    clean = {"columns": columns, "values": dict(mapping.get("values") or {}), "options": options}
    saved, _created = SavedMapping.objects.update_or_create(
        owner=actor.user, resource=resource, name=name, defaults={"mapping": clean, "shared": shared}
    )
    return saved


def saved_mapping_apply(*, actor: Actor, job: ImportJob, saved: SavedMapping) -> dict[str, Any]:
    """The saved mapping, kept to the columns this file has (the rest is dropped)."""
    _require_job(actor, job)
    if saved.resource != job.resource:
        raise ValidationError({"saved": [_("That mapping is for another kind of record.")]})
    columns = {h: f for h, f in saved.mapping.get("columns", {}).items() if h in job.headers}
    return {
        "columns": columns,
        "values": saved.mapping.get("values", {}),
        "options": saved.mapping.get("options", {}),
    }


# --- Reports ----------------------------------------------------------------------------------


def error_rows_csv(*, actor: Actor, job: ImportJob) -> bytes:
    """The rows that failed, as they were in the file, with a last column saying why.

    Fix them in a spreadsheet and import this file again. Written by ``tandem.core.export`` with
    every export's rules (a cell that would run as a formula does not; it imports back as it was).
    """
    _require_job(actor, job)
    headers = [*job.headers, _("Problems")]
    rows: list[list[str]] = []
    for result in ImportRowResult.objects.filter(job=job, status=RowStatus.ERROR).order_by("row_number"):
        problems = "; ".join(
            f"{m['column']}: {wording.text(m)}" if m.get("column") else wording.text(m)
            for m in result.messages
        )
        cells = list(result.values) + [""] * (len(job.headers) - len(result.values))
        rows.append([*cells[: len(job.headers)], problems])
    return export.csv_bytes(headers, rows)


def mapping_from_file(path: Path) -> dict[str, Any]:
    """A mapping given to ``tandem import --mapping``: ``{"columns": {...}, "values": {...}}`` or just columns."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise ValidationError(
            {"mapping": [_("The mapping file is not valid JSON: %(error)s") % {"error": exc}]}
        ) from exc
    if not isinstance(data, dict):
        raise ValidationError({"mapping": [_("The mapping file must hold a JSON object.")]})
    if "columns" not in data:
        data = {"columns": data, "values": {}}
    return data
