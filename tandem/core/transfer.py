"""Registry of what a person can own, so a transfer (在职/离职继承) moves all of it.

Each app registers its ownership fields once (in ``AppConfig.ready``)::

    transfer.register("deals.Deal", field="owner", label=_("deals"))

``tandem.org.services.person_transfer`` walks the registry; nothing a person owns is orphaned.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils.functional import Promise


@dataclass(frozen=True)
class Ownership:
    model_label: str
    field: str
    label: str | Promise
    team_field: str | None = None

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def key(self) -> str:
        return f"{self.model_label}.{self.field}"


REGISTRY: dict[str, Ownership] = {}


def register(model_label: str, *, field: str, label: str | Promise, team_field: str | None = None) -> None:
    """``team_field``: also set the record's owning team to the successor's primary team."""
    ownership = Ownership(model_label=model_label, field=field, label=label, team_field=team_field)
    REGISTRY[ownership.key] = ownership


def registered() -> list[Ownership]:
    return list(REGISTRY.values())
