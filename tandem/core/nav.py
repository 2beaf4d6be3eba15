"""The sidebar: each app registers its areas; the shell shows those the person may use."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

from .access import Actor


@dataclass(frozen=True)
class NavItem:
    section: str | Promise
    label: str | Promise
    url_name: str
    icon: str
    order: int = 100
    resource: str | None = None
    action: str = "view"
    admin_only: bool = False

    def allowed(self, actor: Actor) -> bool:
        if actor.user is None:
            return False
        if self.admin_only:
            return actor.is_admin
        return self.resource is None or actor.has(self.resource, self.action)


ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in ITEMS):
        ITEMS.append(item)


def items_for(actor: Actor) -> list[NavItem]:
    return sorted((i for i in ITEMS if i.allowed(actor)), key=lambda i: i.order)
