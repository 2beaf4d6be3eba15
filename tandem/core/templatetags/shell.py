"""The layout's sidebar and phone bar, written in Python.

Every page draws thirty-odd sidebar links and the phone's bottom bar from the ``shell`` context
processor's ``nav_sections`` and ``bottom_nav``. As template loops that was about 2.5 ms of every
page (issue 12); these tags write the same markup (``tests/test_shell_tags.py`` compares them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.utils.html import conditional_escape as e
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

CURRENT = ' aria-current="page"'


def _sidebar_item(item: Mapping[str, Any]) -> str:
    active = item["active"]
    return (
        '<li class="nav-item">'
        f'<a class="nav-link{" active" if active else ""}" href="{e(item["url"])}"'
        f"{CURRENT if active else ''}>"
        f'<span class="nav-link-icon"><i class="bi {e(item["icon"])}" aria-hidden="true"></i></span>'
        f'<span class="nav-link-title">{e(item["label"])}</span></a></li>'
    )


@register.simple_tag
def sidebar_sections(sections: Iterable[Mapping[str, Any]]) -> SafeString:
    """The sidebar's section titles and links (the ``<li>`` after "Home")."""
    parts = []
    for section in sections:
        parts.append(
            '<li class="nav-item nav-section-title text-uppercase small text-secondary px-3 pt-3 pb-1">'
            f"{e(section['label'])}</li>"
        )
        parts.extend(_sidebar_item(item) for item in section["items"])
    return mark_safe("".join(parts))  # noqa: S308 - every label, address and icon escaped


@register.simple_tag
def bottom_nav_items(items: Iterable[Mapping[str, Any]]) -> SafeString:
    """The phone's bottom bar: its links, then the "Menu" button that opens the sidebar."""
    links = "".join(
        f'<a class="bottom-nav-item{" active" if item["active"] else ""}" href="{e(item["url"])}"'
        f"{CURRENT if item['active'] else ''}>"
        f'<i class="bi {e(item["icon"])}" aria-hidden="true"></i><span>{e(item["label"])}</span></a>'
        for item in items
    )
    menu = (
        '<button type="button" class="bottom-nav-item" data-menu-toggle aria-controls="main-menu" '
        f'aria-expanded="false"><i class="bi bi-list" aria-hidden="true"></i><span>{e(_("Menu"))}</span></button>'
    )
    return mark_safe(links + menu)  # noqa: S308 - every label, address and icon escaped
