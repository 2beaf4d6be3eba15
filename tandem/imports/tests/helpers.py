"""Helpers for import tests: files the tests write themselves, and uploads as the services take them."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.files import File

from tandem.core.access import Actor
from tandem.imports import services
from tandem.imports.models import ImportJob

MAPPING_OPTIONS = ("decimal_separator", "currency", "amount_from_list_price")


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def upload(actor: Actor, resource: str, path: Path, **kwargs: Any) -> ImportJob:
    with path.open("rb") as handle:
        return services.job_create(
            actor=actor, resource=resource, upload=File(handle, name=path.name), **kwargs
        )


def run(
    actor: Actor,
    resource: str,
    path: Path,
    *,
    commit: bool = True,
    columns: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    **kwargs: Any,
) -> ImportJob:
    """Upload, map (the suggestion unless ``columns``), and dry-run or import. The mapping
    step's options (``decimal_separator``, ``currency``, ``amount_from_list_price``) may be given."""
    options = {k: kwargs.pop(k) for k in MAPPING_OPTIONS if k in kwargs}
    job = upload(actor, resource, path, **kwargs)
    mapping = {"columns": columns if columns is not None else job.mapping["columns"], "values": values or {}}
    job = services.job_set_mapping(actor=actor, job=job, mapping=mapping, **options)
    if commit:
        return services.job_commit(actor=actor, job=job)
    return services.job_dry_run(actor=actor, job=job)
