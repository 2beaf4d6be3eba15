"""Addresses of records written many times a page, without Django's ``reverse`` each time."""

from __future__ import annotations

from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse


def url_of(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a route ``…/<int:pk>/…``, from a pattern reversed once a
    process and URL prefix: a board reverses two URLs a card, about 50 µs each."""
    prefix = get_script_prefix()
    key = (name, prefix)
    if key not in _URL_PATTERNS:
        _URL_PATTERNS[key] = reverse(name, args=[_PK_MARK]).split(str(_PK_MARK), 1)
    head, tail = _URL_PATTERNS[key]
    return f"{head}{int(pk)}{tail}"


_PK_MARK = 987654321987
_URL_PATTERNS: dict[tuple[str, str], list[str]] = {}


def address(name: str) -> str:
    """``reverse(name)`` for a route without arguments, reversed once a process, URL prefix and
    URL configuration: the layout's sidebar and bars reverse thirty-odd a page. Raises
    ``NoReverseMatch`` as ``reverse`` does (and is asked again next time)."""
    key = (name, get_script_prefix(), get_urlconf())
    found = _ADDRESSES.get(key)
    if found is None:
        found = _ADDRESSES[key] = reverse(name)
    return found


_ADDRESSES: dict[tuple[str, str, object], str] = {}


def _forget(*, setting: str, **kwargs: object) -> None:
    """A test that changes the URL configuration starts afresh."""
    if setting == "ROOT_URLCONF":
        _ADDRESSES.clear()
        _URL_PATTERNS.clear()


setting_changed.connect(_forget, dispatch_uid="tandem.core.links.forget")
