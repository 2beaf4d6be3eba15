"""What a KPI may count: per source, its model, the dates it may be counted by, the money field
it may sum, and the fields it may be filtered on (a whitelist: a KPI definition is data an
administrator writes, so it names nothing else).

The person a record counts for and its team are the access policy's owner and team fields of
the source's resource (``access.RESOURCES[source]``): a deal's owner, a follow-up's author.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.core import access


@dataclass(frozen=True)
class FilterSpec:
    """A field a KPI may filter on: ``choices`` lists the allowed values with their labels."""

    label: str | Promise
    choices: Callable[[], list[tuple[Any, str]]]
    integer: bool = False  # values are ids


@dataclass(frozen=True)
class SourceSpec:
    resource: str
    model_label: str
    date_fields: dict[str, str | Promise]
    datetime_fields: frozenset[str] = frozenset()
    sum_fields: dict[str, str | Promise] = field(default_factory=dict)
    currency_field: str | None = None
    filters: dict[str, FilterSpec] = field(default_factory=dict)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def owner_field(self) -> str | None:
        return access.RESOURCES[self.resource].owner_field

    @property
    def team_field(self) -> str | None:
        return access.RESOURCES[self.resource].team_field


def _text_choices(label: str) -> Callable[[], list[tuple[Any, str]]]:
    """The choices of a models module's TextChoices, ``"deals.DealStatus"``, read when asked."""

    def choices() -> list[tuple[Any, str]]:
        app_label, name = label.split(".")
        enum = getattr(apps.get_app_config(app_label).models_module, name)
        return [(value, str(text)) for value, text in enum.choices]

    return choices


def _pipelines() -> list[tuple[Any, str]]:
    model = apps.get_model("deals.Pipeline")
    return [(p.pk, p.display_name) for p in model.objects.order_by("order", "id")]


def _stages() -> list[tuple[Any, str]]:
    model = apps.get_model("deals.Stage")
    rows = model.objects.select_related("pipeline").order_by("pipeline__order", "pipeline_id", "order", "id")
    several = len({s.pipeline_id for s in rows}) > 1
    return [
        (s.pk, f"{s.pipeline.display_name} · {s.display_name}" if several else s.display_name) for s in rows
    ]


def _levels() -> list[tuple[Any, str]]:
    model = apps.get_model("customers.AccountLevel")
    return [(level.pk, str(level)) for level in model.objects.order_by("order", "id")]


SOURCES: dict[str, SourceSpec] = {
    "deal": SourceSpec(
        resource="deal",
        model_label="deals.Deal",
        date_fields={
            "closed_on": _("closed on"),
            "opened_on": _("opened on"),
            "expected_close_date": _("expected close date"),
        },
        sum_fields={"amount": _("amount")},
        currency_field="currency",
        filters={
            "status": FilterSpec(_("status"), _text_choices("deals.DealStatus")),
            "pipeline": FilterSpec(_("pipeline"), _pipelines, integer=True),
            "stage": FilterSpec(_("stage"), _stages, integer=True),
            "source": FilterSpec(_("source"), _text_choices("customers.Source")),
            "channel": FilterSpec(_("channel"), _text_choices("customers.Channel")),
        },
    ),
    "account": SourceSpec(
        resource="account",
        model_label="customers.Account",
        date_fields={"created_at": _("created at")},
        datetime_fields=frozenset({"created_at"}),
        filters={
            "lifecycle": FilterSpec(_("lifecycle stage"), _text_choices("customers.Lifecycle")),
            "source": FilterSpec(_("source"), _text_choices("customers.Source")),
            "level": FilterSpec(_("level"), _levels, integer=True),
        },
    ),
    "activity": SourceSpec(
        resource="activity",
        model_label="activities.Activity",
        date_fields={"occurred_at": _("when")},
        datetime_fields=frozenset({"occurred_at"}),
        filters={"kind": FilterSpec(_("kind"), _text_choices("activities.ActivityKind"))},
    ),
    "lead": SourceSpec(
        resource="lead",
        model_label="leads.Lead",
        date_fields={"created_at": _("created at")},
        datetime_fields=frozenset({"created_at"}),
        filters={
            "status": FilterSpec(_("status"), _text_choices("leads.LeadStatus")),
            "source": FilterSpec(_("source"), _text_choices("customers.Source")),
        },
    ),
}


def filter_values(value: Any) -> list[Any]:
    """A stored filter value as a list (a single value or a list of them)."""
    return list(value) if isinstance(value, list | tuple) else [value]


def describe_filters(source: str, filters: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """A KPI's filters for people: (field label, [value labels])."""
    spec = SOURCES[source]
    described = []
    for name, value in filters.items():
        filter_spec = spec.filters.get(name)
        if filter_spec is None:
            continue
        labels = dict(filter_spec.choices())
        described.append((str(filter_spec.label), [labels.get(v, str(v)) for v in filter_values(value)]))
    return described
