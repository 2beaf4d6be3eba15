"""Registry of what a person can own, so a transfer (在职/离职继承) moves all of it.

Each app registers its ownership fields once (in ``AppConfig.ready``)::

    transfer.register(
        "deals.Deal", field="owner", label=_("deals"), team_field="team", resource="deal",
        counted=ngettext_lazy("%(n)d deal", "%(n)d deals", "n"),
    )

``resource`` names the access resource: a successor must be able to own such records
(``access.may_own``). ``structural`` marks the organisation's own links (teams led, direct
reports), which a transfer moves only as it is told. An app whose records can go back to a public
pool instead of to a successor registers how (``register_pool_return``).

``tandem.org.transfers`` plans, previews and carries out transfers; nothing a person owns is
orphaned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.functional import Promise


@dataclass(frozen=True)
class Ownership:
    model_label: str
    field: str
    label: str | Promise
    team_field: str | None = None
    resource: str | None = None
    counted: Promise | None = None
    structural: bool = False

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def key(self) -> str:
        return f"{self.model_label}.{self.field}"

    def count_text(self, n: int) -> str:
        """``n`` such records in words, in the active language ("13 deals", "13 个商机")."""
        if self.counted is not None:
            return str(self.counted % {"n": n})
        return f"{self.label}: {n}"


REGISTRY: dict[str, Ownership] = {}


def register(
    model_label: str,
    *,
    field: str,
    label: str | Promise,
    team_field: str | None = None,
    resource: str | None = None,
    counted: Promise | None = None,
    structural: bool = False,
) -> None:
    """``team_field``: also set the record's owning team to the successor's primary team."""
    ownership = Ownership(
        model_label=model_label,
        field=field,
        label=label,
        team_field=team_field,
        resource=resource,
        counted=counted,
        structural=structural,
    )
    REGISTRY[ownership.key] = ownership


def registered() -> list[Ownership]:
    return list(REGISTRY.values())


def records() -> list[Ownership]:
    """The records people own (everything but the organisation's structural links)."""
    return [o for o in REGISTRY.values() if not o.structural]


@dataclass(frozen=True)
class PoolReturn:
    """How records of one ownership go back to a public pool instead of to a successor.

    ``pools(actor)``: the pools they may go to. ``send(actor=, ids=, source=, pool=, reason=)``
    returns them, as the pool's own release would (the pool's rules then apply), and records why.
    """

    key: str
    pools: Callable[[Any], models.QuerySet[Any]]
    send: Callable[..., int]


POOL_RETURNS: dict[str, PoolReturn] = {}


def register_pool_return(
    key: str, *, pools: Callable[[Any], models.QuerySet[Any]], send: Callable[..., int]
) -> None:
    POOL_RETURNS[key] = PoolReturn(key=key, pools=pools, send=send)
