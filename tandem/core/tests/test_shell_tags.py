"""The sidebar and phone bar written in Python (``core/templatetags/shell.py``) write what the
layout's template loops wrote, escaped the same way, in both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext_lazy

# The layout's loops as they were before the tags (base.html), kept as the reference.
SIDEBAR_LOOP = """{% for section in nav_sections %}
<li class="nav-item nav-section-title text-uppercase small text-secondary px-3 pt-3 pb-1">{{ section.label }}</li>
{% for item in section.items %}
<li class="nav-item">
  <a class="nav-link{% if item.active %} active{% endif %}" href="{{ item.url }}"{% if item.active %} aria-current="page"{% endif %}>
    <span class="nav-link-icon"><i class="bi {{ item.icon }}" aria-hidden="true"></i></span>
    <span class="nav-link-title">{{ item.label }}</span>
  </a>
</li>
{% endfor %}
{% endfor %}"""

BOTTOM_LOOP = """{% load i18n %}{% for item in bottom_nav %}
<a class="bottom-nav-item{% if item.active %} active{% endif %}" href="{{ item.url }}"{% if item.active %} aria-current="page"{% endif %}>
  <i class="bi {{ item.icon }}" aria-hidden="true"></i><span>{{ item.label }}</span>
</a>
{% endfor %}
<button type="button" class="bottom-nav-item" data-menu-toggle aria-controls="main-menu" aria-expanded="false">
  <i class="bi bi-list" aria-hidden="true"></i><span>{% translate "Menu" %}</span>
</button>"""


def tight(html: str) -> str:
    """The markup without the whitespace between tags the template's layout added."""
    return re.sub(r">\s+<", "><", html).strip()


def sections() -> list[dict[str, Any]]:
    return [
        {
            "label": gettext_lazy("Customers"),
            "items": [
                {
                    "label": gettext_lazy("Accounts"),
                    "url": "/customers/accounts/",
                    "icon": "bi-building",
                    "active": True,
                },
                {"label": 'R&D <team> "x"', "url": "/a?b=1&c=<2>", "icon": 'bi-x"y', "active": False},
            ],
        },
        {"label": "Empty & <b>", "items": []},
        {
            "label": gettext_lazy("Deals"),
            "items": [
                {"label": gettext_lazy("Deals"), "url": "/deals/", "icon": "bi-briefcase", "active": False}
            ],
        },
    ]


def bottom() -> list[dict[str, Any]]:
    return [
        {"label": gettext_lazy("Home"), "url": "/", "icon": "bi-house", "active": False},
        {"label": gettext_lazy("Deals"), "url": "/deals/?a=1&b=<2>", "icon": "bi-briefcase", "active": True},
        {"label": "A & <B>", "url": "/x/", "icon": 'bi-"q', "active": False},
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_sidebar_tag_writes_what_the_loop_wrote(language: str) -> None:
    with translation.override(language):
        context = {"nav_sections": sections()}
        expected = Template(SIDEBAR_LOOP).render(Context(context))
        written = Template("{% load shell %}{% sidebar_sections nav_sections %}").render(Context(context))
    assert tight(written) == tight(expected)
    assert "&lt;team&gt; &quot;x&quot;" in written and 'aria-current="page"' in written


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_bottom_bar_tag_writes_what_the_loop_wrote(language: str) -> None:
    with translation.override(language):
        context = {"bottom_nav": bottom()}
        expected = Template(BOTTOM_LOOP).render(Context(context))
        written = Template("{% load shell %}{% bottom_nav_items bottom_nav %}").render(Context(context))
    assert tight(written) == tight(expected)
    assert ("菜单" in written) == (language == "zh-hans")


def test_no_sections_write_nothing_and_an_empty_bar_only_its_menu() -> None:
    assert (
        Template("{% load shell %}{% sidebar_sections nav_sections %}").render(Context({"nav_sections": []}))
        == ""
    )
    bar = Template("{% load shell %}{% bottom_nav_items items %}").render(Context({"items": []}))
    assert bar.startswith('<button type="button" class="bottom-nav-item" data-menu-toggle')
