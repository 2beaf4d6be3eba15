"""Registry of soft-deletable record types shown in the recycle bin (回收站).

Apps register each ``SoftDeleteModel`` with the access-policy resource that guards it::

    recycle.register("org.Team", resource="team", label=_("teams"))

Moving to the bin, restoring and purging are services in ``tandem.core.services``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils.functional import Promise


@dataclass(frozen=True)
class Binnable:
    model_label: str
    resource: str
    label: str | Promise

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def key(self) -> str:
        return self.model_label.lower()


REGISTRY: dict[str, Binnable] = {}


def register(model_label: str, *, resource: str, label: str | Promise) -> None:
    entry = Binnable(model_label=model_label, resource=resource, label=label)
    REGISTRY[entry.key] = entry


def get(key: str) -> Binnable | None:
    return REGISTRY.get(key.lower())
