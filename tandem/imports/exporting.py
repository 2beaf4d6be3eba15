"""``tandem export``: every record the person may see, in the import's own columns.

The columns are the import's target fields, named as the importer expects them, with the record's
Tandem ``id`` first, so an exported file imports back with no mapping work and, unchanged, changes
nothing (each row finds its record by id). The file is written by ``tandem.core.export`` with the
API export's rules: formulas neutralised, and a pool customer's phone and email masked for a
person who sees them masked. Rows are streamed from the database in chunks: deals, contacts,
leads, products and activities as values (``VALUE_RESOURCES``), their related records named by id
once per chunk; accounts, teams and people as model instances (masking and memberships need them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import access, export
from tandem.core.access import Actor
from tandem.customers.serializers import is_masked, mask_email, mask_phone, with_edit_flag

from . import engine
from .engine import MODELS
from .fields import fields_for


def _related(resource: str) -> list[str]:
    return {
        "account": ["owner", "level", "parent"],
        "contact": ["owner", "account"],
        "lead": ["owner"],
        "deal": ["owner", "account", "stage", "pipeline"],
        "product": [],
        "activity": ["account", "contact", "lead", "deal"],
        "team": ["parent", "leader"],
        "user": ["manager", "position"],
    }[resource]


def _people_getter(resource: str, name: str) -> Callable[[Any], Any] | None:
    """People and teams name each other by username (unique) and team name, as their import reads."""
    if resource == "team" and name == "parent":
        return lambda o: o.parent.name if o.parent_id else ""
    if name in ("leader", "manager"):
        return lambda o: getattr(o, name).username if getattr(o, f"{name}_id") else ""
    if name == "teams":
        return lambda o: ", ".join(
            m.team.name for m in sorted(o.memberships.all(), key=lambda m: (not m.is_primary, m.team_id))
        )
    if name == "roles":
        return lambda o: ", ".join(sorted(r.code for r in o.roles.all()))
    if name == "position":
        return lambda o: o.position.title if o.position_id else ""
    return None


def _getter(resource: str, name: str) -> Callable[[Any], Any]:
    if name == "tandem_id":
        return lambda o: o.pk
    if resource in ("team", "user"):
        special = _people_getter(resource, name)
        if special is not None:
            return special
    if name == "owner":
        return lambda o: (o.owner.display_name or o.owner.username) if o.owner_id else ""
    if name == "level":
        return lambda o: o.level.code if o.level_id else ""
    if name in ("parent", "account", "contact", "lead", "deal", "stage", "pipeline"):
        return lambda o: getattr(o, name).name if getattr(o, f"{name}_id") else ""
    if name == "product":
        return lambda o: o.first_product or ""
    if resource == "account" and name == "phone":
        # As the API and the pages show it: a pool customer's, masked until claimed.
        return lambda o: mask_phone(o.phone) if is_masked(o, {}) else o.phone
    if resource == "account" and name == "email":
        return lambda o: mask_email(o.email) if is_masked(o, {}) else o.email
    return lambda o: getattr(o, name)


# Read as values (``core.export.value_rows``), not model instances: every column is a field of the
# record's own table, a related record's name, or (deals) the first line's product.
VALUE_RESOURCES = ("deal", "contact", "lead", "product", "activity")
# Related tables large enough that only the last chunks' names are kept.
_LARGE = ("account", "contact", "lead", "deal")


def _names(model: Any, name: str) -> export.Names:
    related: Any = model._meta.get_field(name).related_model
    if name == "owner":
        people = related._base_manager.only("username", "display_name")
        return export.Names(people, lambda u: u.display_name or u.username)
    keep = 4 * export.CHUNK_SIZE if name in _LARGE else None
    return export.Names(related._base_manager.only("name"), attrgetter("name"), keep=keep)


def _value_table(resource: str, queryset: QuerySet[Any]) -> tuple[list[export.Column], Iterator[Any]]:
    """``export_rows``' columns and rows read as values: each row a dict of its fields, with each
    related record's name under the field's own name."""
    model: Any = MODELS[resource]
    fields = ["id"]
    related: dict[str, export.Names] = {}
    columns: list[export.Column] = []
    for target in fields_for(resource):
        name = target.name
        if name == "tandem_id":
            columns.append((name, itemgetter("id")))
        elif name == "product":
            fields.append("first_product")
            columns.append((name, lambda row: row["first_product"] or ""))
        elif model._meta.get_field(name).is_relation:
            fields.append(f"{name}_id")
            related[name] = _names(model, name)
            columns.append((name, itemgetter(name)))
        else:
            fields.append(name)
            columns.append((name, itemgetter(name)))

    def fill(chunk: list[dict[str, Any]]) -> None:
        for name, names in related.items():
            key = f"{name}_id"
            names.load(row[key] for row in chunk)
            for row in chunk:
                row[name] = names[row[key]]

    return columns, export.value_rows(queryset, fields, fill)


def export_rows(*, actor: Actor, resource: str) -> tuple[list[export.Column], QuerySet[Any]]:
    """Columns and rows of every record of ``resource`` the actor may see. Needs the export grant."""
    access.require(actor, "export", resource)
    model: Any = MODELS[resource]
    queryset = access.visible(actor, resource, model.objects.all()).select_related(*_related(resource))
    if resource == "account":
        queryset = with_edit_flag(actor, queryset, "account")
    if resource == "user":
        queryset = queryset.prefetch_related("memberships__team", "roles")
    if resource == "deal":
        from tandem.deals.models import DealLine

        first = DealLine.objects.filter(deal=OuterRef("pk")).order_by("id").values("product__name")[:1]
        queryset = queryset.annotate(first_product=Subquery(first))
    columns: list[export.Column] = [(t.name, _getter(resource, t.name)) for t in fields_for(resource)]
    return columns, queryset.order_by("pk")


def write_file(*, actor: Actor, resource: str, path: Path) -> int:
    """Write ``path`` (.csv or .xlsx, from its suffix); the number of records written."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in export.EXPORT_FORMATS:
        raise ValueError(_("Name the file .csv or .xlsx."))
    columns, queryset = export_rows(actor=actor, resource=resource)
    rows: Iterator[Any]
    if resource in VALUE_RESOURCES:
        columns, rows = _value_table(resource, queryset)
    else:
        rows = export.iterate(queryset)
    # Instants in the person's own time zone, as the pages show them and their import reads them.
    with path.open("wb") as handle, timezone.override(engine.zone_of(actor)):
        return export.write(handle, fmt, export.headers_of(columns), export.cells(rows, columns), resource)
