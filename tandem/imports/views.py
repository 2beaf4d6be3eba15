"""Import screens: upload → map columns → check (dry run) → import → result; and past imports.

Views parse input, call ``imports.services`` (writes) or ``imports.selectors`` (reads) and render.
A job someone else started answers 404; a missing import grant answers 403 with nothing changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access
from tandem.core.ids import parse_id
from tandem.org.models import Role

from . import exportjobs, reading, selectors, services
from .fields import (
    OPTIONAL_RULES,
    PERSON,
    POSITION,
    RESOURCE_RULES,
    ROLE,
    TEAM,
    VALUE_MAP_KINDS,
    date_order_choices,
    field_map,
    fields_for,
    fill_label,
)
from .forms import SaveMappingForm, UploadForm
from .models import DecimalSeparator, ImportJob, ImportResource, ImportStatus

PAGE_SIZE = 50
# Fields whose values the mapping step offers aliases for (any other field's aliases, once
# saved or added from a dry run's unmatched values, are shown too).
ALIAS_KINDS = VALUE_MAP_KINDS | {PERSON, TEAM, ROLE, POSITION}


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return list(exc.messages)


def _may_import_anything(request: HttpRequest) -> bool:
    actor = access.get_actor(request)
    return any(access.can(actor, "import", r) for r in ImportResource.values)


def job_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not _may_import_anything(request):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, actor=actor)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = services.job_create(
                    actor=actor,
                    resource=form.cleaned_data["resource"],
                    upload=form.cleaned_data["file"],
                    mode=form.cleaned_data["mode"],
                    import_duplicates=form.cleaned_data["import_duplicates"],
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                return redirect("imports:job-mapping", pk=job.pk)
        status = 400
    jobs = Paginator(selectors.job_list(actor=actor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "imports/job_list.html", {"form": form, "jobs": jobs}, status=status)


def _value_map_text(pairs: dict[str, str]) -> str:
    return "\n".join(f"{k} = {v}" for k, v in pairs.items())


def _parse_value_map(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (text or "").splitlines():
        if "=" in line:
            left, right = line.split("=", 1)
            if left.strip() and right.strip():
                out[left.strip()] = right.strip()
    return out


def _mapping_from_post(job: ImportJob, data: Any) -> dict[str, Any]:
    columns = {header: data.get(f"col-{index}", "") for index, header in enumerate(job.headers)}
    values = {}
    for target in fields_for(job.resource):
        if f"values-{target.name}" in data:
            pairs = _parse_value_map(data.get(f"values-{target.name}", ""))
            if pairs:
                values[target.name] = pairs
    options: dict[str, Any] = {"date_order": data.get("date_order", "")}
    for rule in OPTIONAL_RULES.get(job.resource, ()):
        options[rule] = data.get(f"opt-{rule}") == "on"
    if data.get("default_role"):
        options["default_role"] = data["default_role"]
    return {"columns": columns, "values": values, "options": options}


# The mapping step's options of how values are read (``services.check_value_options``).
VALUE_OPTIONS = ("decimal_separator", "currency")


def _value_options(job: ImportJob, data: Any = None) -> dict[str, Any]:
    """The options as posted, else as the job holds them."""
    if data is None:
        return {
            "decimal_separator": job.decimal_separator,
            "currency": job.currency,
            "amount_from_list_price": job.amount_from_list_price,
        }
    return {
        "decimal_separator": data.get("decimal_separator") or job.decimal_separator,
        "currency": data.get("currency", job.currency),
        "amount_from_list_price": data.get("amount_from_list_price") == "on",
    }


def _value_rules(job: ImportJob) -> list[str]:
    """The filling rules the import applies to blank cells and unmapped columns, as the mapping
    step lists them (the currency and the list-price option have their own fields)."""
    return [
        fill_label(rule)
        for rule in RESOURCE_RULES.get(job.resource, ())
        if rule not in ("currency", "amount_list_price", *OPTIONAL_RULES.get(job.resource, ()))
    ]


def job_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    job = selectors.job_get(actor=actor, pk=pk)
    if job.committed or job.is_running:
        return redirect(job)
    mapping = job.mapping
    options = _value_options(job)
    option_errors: dict[str, list[str]] = {}
    errors: list[str] = []
    save_form = SaveMappingForm(prefix="save")
    status = 200
    saved_id = parse_id(request.GET.get("saved"))
    if request.method == "GET" and saved_id is not None:
        saved = selectors.saved_mappings(actor=actor, resource=job.resource).filter(pk=saved_id).first()
        if saved is not None:
            mapping = services.saved_mapping_apply(actor=actor, job=job, saved=saved)
            messages.info(request, _("Mapping “%(name)s” loaded. Check it and go on.") % {"name": saved.name})
    if request.method == "POST":
        mapping = _mapping_from_post(job, request.POST)
        options = _value_options(job, request.POST)
        action = request.POST.get("action", "check")
        try:
            if action == "save-mapping":
                save_form = SaveMappingForm(request.POST, prefix="save")
                if save_form.is_valid():
                    services.saved_mapping_save(
                        actor=actor,
                        name=save_form.cleaned_data["name"],
                        resource=job.resource,
                        mapping=mapping,
                        shared=save_form.cleaned_data["shared"],
                    )
                    messages.success(request, _("Mapping saved."))
                    job.mapping = services.validate_mapping(job.resource, job.headers, mapping)
                    return redirect("imports:job-mapping", pk=job.pk)
                status = 400
            else:
                job = services.job_set_mapping(
                    actor=actor,
                    job=job,
                    mapping=mapping,
                    mode=request.POST.get("mode") or job.mode,
                    import_duplicates=request.POST.get("import_duplicates") == "on",
                    **options,
                )
                job = services.job_dry_run(actor=actor, job=job)
                return redirect(job)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):  # an option's error goes next to its field
                option_errors = {k: v for k, v in exc.message_dict.items() if k in VALUE_OPTIONS}
                errors = [m for k, v in exc.message_dict.items() if k not in VALUE_OPTIONS for m in v]
            else:
                errors = _errors(exc)
            status = 400
        except services.QueueUnavailable as exc:
            errors = [str(exc)]
            status = 503
    preview: list[list[str]] = []
    try:
        info = reading.FileInfo(
            format=job.format, encoding=job.encoding, delimiter=job.delimiter, sheet=job.sheet
        )
        preview = reading.preview(Path(job.file.path), info)
    except (OSError, reading.UnreadableFile):
        errors.append(_("The uploaded file can no longer be read; upload it again."))
    targets = fields_for(job.resource)
    columns = mapping.get("columns", {})
    rows = []
    for index, header in enumerate(job.headers):
        rows.append(
            {
                "index": index,
                "header": header,
                "selected": columns.get(header, ""),
                "samples": [r[index] for r in preview if index < len(r) and r[index]][:3],
            }
        )
    value_maps = [
        {
            "field": t,
            "text": _value_map_text(mapping.get("values", {}).get(t.name, {})),
        }
        for t in targets
        if t.name in columns.values()
        and (t.kind in ALIAS_KINDS or t.name in mapping.get("values", {}) or t.name == "industry")
    ]
    mapping_options = mapping.get("options", {}) or {}
    context = {
        "job": job,
        "rows": rows,
        "targets": targets,
        "preview": preview,
        "value_maps": value_maps,
        "errors": errors,
        "save_form": save_form,
        "saved_mappings": selectors.saved_mappings(actor=actor, resource=job.resource),
        "modes": job._meta.get_field("mode").choices,
        "options": options,
        "option_errors": option_errors,
        "separators": DecimalSeparator.choices,
        "currencies": settings.CURRENCIES,
        "has_currency": "currency" in field_map(job.resource),
        "currency_column": next((h for h, f in columns.items() if f == "currency"), ""),
        "value_rules": _value_rules(job),
        "date_orders": date_order_choices(),
        "mapping_options": mapping_options,
        "optional_rules": [
            (r, fill_label(r), bool(mapping_options.get(r)))
            for r in OPTIONAL_RULES.get(job.resource, ())
            if r != "default_role"
        ],
        "roles": Role.objects.order_by("name") if job.resource == "user" else [],
    }
    return render(request, "imports/job_mapping.html", context, status=status)


@require_POST
def job_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """Read another sheet of the uploaded workbook (its columns are mapped afresh)."""
    actor = access.get_actor(request)
    job = selectors.job_get(actor=actor, pk=pk)
    try:
        job = services.job_choose_sheet(actor=actor, job=job, sheet=request.POST.get("sheet", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.info(request, _("Now reading the sheet “%(sheet)s”.") % {"sheet": job.sheet})
    return redirect("imports:job-mapping", pk=job.pk)


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    job = selectors.job_get(actor=actor, pk=pk)
    if job.status == ImportStatus.UPLOADED:
        return redirect("imports:job-mapping", pk=job.pk)
    shown = request.GET.get("show", "problems")
    if shown not in ("problems", "error", "created", "updated", "skipped"):
        shown = "problems"
    page = Paginator(selectors.job_rows(job=job, status=shown), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "job": job,
        "page": page,
        "shown": shown,
        "progress": services.job_progress(job),
        "dry": not job.committed and job.status == ImportStatus.VALIDATED,
        "fills": [{"label": fill_label(f["rule"]), "rows": f["rows"]} for f in job.fills or []],
        "currency_column": next(
            (h for h, f in (job.mapping or {}).get("columns", {}).items() if f == "currency"), ""
        ),
        "has_currency": "currency" in field_map(job.resource),
        "unmatched": selectors.unmatched_values(job=job) if job.failed_count and not job.committed else [],
    }
    return render(request, "imports/job_detail.html", context)


@require_POST
def job_aliases(request: HttpRequest, pk: int) -> HttpResponse:
    """The dry run's unmatched values, each given the value it means: added to the mapping as
    aliases, and every row checked again."""
    actor = access.get_actor(request)
    job = selectors.job_get(actor=actor, pk=pk)
    aliases: list[tuple[str, str, str]] = []
    for index in range(selectors.UNMATCHED_VALUES):
        field = request.POST.get(f"alias-{index}-field", "")
        source = request.POST.get(f"alias-{index}-from", "")
        target = request.POST.get(f"alias-{index}-to", "")
        if field and source.strip() and target.strip():
            aliases.append((field, source, target))
    if not aliases:
        messages.error(request, _("Write what at least one value means."))
        return redirect(job)
    try:
        job = services.job_add_aliases(actor=actor, job=job, aliases=aliases)
        job = services.job_dry_run(actor=actor, job=job)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return redirect(job)
    except services.QueueUnavailable as exc:
        messages.error(request, str(exc))
        return redirect(job)
    messages.success(request, _("Aliases added to the mapping; every row is checked again."))
    return redirect(job)


def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar (htmx polls it every second); when the job ends, the page reloads."""
    actor = access.get_actor(request)
    job = selectors.job_get(actor=actor, pk=pk)
    response = render(
        request, "imports/partials/_progress.html", {"job": job, "progress": services.job_progress(job)}
    )
    if not job.is_running:
        response["HX-Redirect"] = reverse("imports:job-detail", args=[job.pk])
    return response


@require_POST
def job_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    job = selectors.job_get(actor=actor, pk=pk)
    try:
        services.job_dry_run(actor=actor, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    except services.QueueUnavailable as exc:
        messages.error(request, str(exc))
    return redirect("imports:job-detail", pk=job.pk)


@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Run an interrupted import again (skip mode: on from the rows already imported)."""
    actor = access.get_actor(request)
    job = selectors.job_get(actor=actor, pk=pk)
    try:
        job = services.job_retry(actor=actor, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    except services.QueueUnavailable as exc:
        messages.error(request, str(exc))
    return redirect("imports:job-detail", pk=job.pk)


@require_POST
def job_commit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    job = selectors.job_get(actor=actor, pk=pk)
    try:
        job = services.job_commit(actor=actor, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
        return redirect("imports:job-detail", pk=job.pk)
    except services.QueueUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("imports:job-detail", pk=job.pk)
    if job.status == ImportStatus.DONE:
        messages.success(
            request,
            _(
                "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                "%(failed)d rows left out."
            )
            % {
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.skipped_count,
                "failed": job.failed_count,
            },
        )
    return redirect("imports:job-detail", pk=job.pk)


def job_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    job = selectors.job_get(actor=actor, pk=pk)
    content = services.error_rows_csv(actor=actor, job=job)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    stem = Path(job.original_name).stem or "import"
    response["Content-Disposition"] = f'attachment; filename="{stem}-errors.csv"'
    return response


# --- Background exports ---------------------------------------------------------------------


def export_list(request: HttpRequest) -> HttpResponse:
    """The person's own background exports, newest first."""
    actor = access.get_actor(request)
    jobs = Paginator(exportjobs.export_list(actor=actor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "imports/export_list.html", {"jobs": jobs, "keep_days": exportjobs.keep_days()})


def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    job = exportjobs.export_get(actor=actor, pk=pk)
    return render(request, "imports/export_detail.html", {"job": job, "keep_days": exportjobs.keep_days()})


def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The export's status (htmx polls it); when the file is written or the export failed, the page reloads."""
    actor = access.get_actor(request)
    job = exportjobs.export_get(actor=actor, pk=pk)
    response = render(request, "imports/partials/_export_status.html", {"job": job})
    if not job.is_running:
        response["HX-Redirect"] = job.get_absolute_url()
    return response


def export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    actor = access.get_actor(request)
    return exportjobs.download(exportjobs.export_get(actor=actor, pk=pk))
