"""Writing records to CSV or XLSX: every record the person may see, in the import's own columns.

The columns are the import's target fields, named as the importer expects them, so an exported
file imports back with no mapping work (and, with its ``external_id`` column, updates in place).
Rows are streamed from the database in chunks; nothing holds the whole table in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from tandem.core import access
from tandem.core.access import Actor

from .engine import MODELS
from .fields import fields_for

CHUNK = 2000


def _related(resource: str) -> list[str]:
    return {
        "account": ["owner", "level", "parent"],
        "contact": ["owner", "account"],
        "lead": ["owner"],
        "deal": ["owner", "account", "stage", "pipeline"],
        "product": [],
        "activity": ["account", "contact", "lead", "deal"],
    }[resource]


def _getter(resource: str, name: str) -> Callable[[Any], Any]:
    if name == "owner":
        return lambda o: (o.owner.display_name or o.owner.username) if o.owner_id else ""
    if name == "level":
        return lambda o: o.level.code if o.level_id else ""
    if name in ("parent", "account", "contact", "lead", "deal", "stage", "pipeline"):
        return lambda o: getattr(o, name).name if getattr(o, f"{name}_id") else ""
    if name == "product":
        return lambda o: o.first_product or ""
    return lambda o: getattr(o, name)


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def export_rows(*, actor: Actor, resource: str) -> tuple[list[str], Iterator[list[Any]]]:
    """Headers and rows of every record of ``resource`` the actor may see. Needs the export grant."""
    access.require(actor, "export", resource)
    model: Any = MODELS[resource]
    targets = fields_for(resource)
    queryset = access.visible(actor, resource, model.objects.all()).select_related(*_related(resource))
    if resource == "deal":
        from django.db.models import OuterRef, Subquery

        from tandem.deals.models import DealLine

        first = DealLine.objects.filter(deal=OuterRef("pk")).order_by("id").values("product__name")[:1]
        queryset = queryset.annotate(first_product=Subquery(first))
    getters = [_getter(resource, t.name) for t in targets]
    headers = [t.name for t in targets]

    def rows() -> Iterator[list[Any]]:
        for obj in queryset.order_by("pk").iterator(chunk_size=CHUNK):
            yield [_text(get(obj)) for get in getters]

    return headers, rows()


def write_file(*, actor: Actor, resource: str, path: Path) -> int:
    """Write ``path`` (.csv or .xlsx, from its suffix); the number of records written."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(_("Name the file .csv or .xlsx."))
    headers, rows = export_rows(actor=actor, resource=resource)
    count = 0
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            for row in rows:
                writer.writerow(row)
                count += 1
        return count
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(resource)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
        count += 1
    workbook.save(path)
    return count
