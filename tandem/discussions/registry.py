"""Which kinds of records take comments: ``register(resource, model, url_of)`` in an app's
``ready()``. Tasks and meetings join later the same way.

Who may read and write a record's comments is who may see the record (the access policy's
``visible`` for ``resource``); a kind shaped differently (a team feed item) gives its own
``visible`` function. Editing the record (``can_edit``) is what adding a mentioned person to its
record team needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

from tandem.core import access
from tandem.core.access import Actor

Visible = Callable[[Actor, models.QuerySet[Any]], models.QuerySet[Any]]


@dataclass(frozen=True)
class Commentable:
    resource: str
    model: type[models.Model]
    url_of: Callable[[Any], str]
    visible_fn: Visible | None = None
    team_enabled: bool = False  # has a record team (accounts, deals)

    def visible(self, actor: Actor, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if self.visible_fn is not None:
            return self.visible_fn(actor, queryset)
        return access.visible(actor, self.resource, queryset)

    def can_view(self, actor: Actor, record: models.Model) -> bool:
        if self.visible_fn is not None:
            return self.visible_fn(actor, self.model._default_manager.filter(pk=record.pk)).exists()
        return access.can(actor, "view", self.resource, record)

    def can_edit(self, actor: Actor, record: models.Model) -> bool:
        if self.visible_fn is not None:
            return False
        return access.can(actor, "edit", self.resource, record)


KINDS: dict[str, Commentable] = {}


def register(
    resource: str,
    model: type[models.Model],
    url_of: Callable[[Any], str],
    *,
    visible: Visible | None = None,
    team_enabled: bool = False,
) -> Commentable:
    kind = Commentable(resource, model, url_of, visible, team_enabled)
    KINDS[resource] = kind
    return kind


def kind_of(resource: str) -> Commentable:
    try:
        return KINDS[resource]
    except KeyError:
        raise Http404 from None


def kind_for_model(model: type[models.Model]) -> Commentable | None:
    for kind in KINDS.values():
        if kind.model is model or issubclass(model, kind.model):
            return kind
    return None


def get_record_or_404(actor: Actor, resource: str, record_id: Any) -> tuple[Commentable, Any]:
    """The record a comment is on, if the actor may see it; missing and hidden answer 404 alike."""
    kind = kind_of(resource)
    try:
        record = kind.visible(actor, kind.model._default_manager.filter(pk=record_id)).get()
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    return kind, record
