"""Addresses kept once a process (``core/links.py``) are the ones ``reverse`` gives, under any
URL prefix and URL configuration."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, include, path, reverse, set_script_prefix

from tandem.core.links import address, url_of

# A URL configuration that mounts the whole site under /mounted/ (used by a test below).
urlpatterns = [path("mounted/", include("config.urls"))]

NAMES = ["core:home", "deals:deal-list", "deals:board", "customers:account-list", "leads:lead-create"]


def test_an_address_is_what_reverse_gives_each_time() -> None:
    for name in NAMES:
        assert address(name) == reverse(name)
        assert address(name) == reverse(name)
    assert url_of("deals:deal-detail", 42) == reverse("deals:deal-detail", args=[42])


def test_an_unknown_name_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            address("deals:no-such-page")


def test_addresses_follow_the_script_prefix() -> None:
    assert address("deals:deal-list") == "/deals/"
    set_script_prefix("/tandem/")
    try:
        assert address("deals:deal-list") == "/tandem/deals/" == reverse("deals:deal-list")
        assert url_of("deals:deal-detail", 7) == "/tandem/deals/7/"
    finally:
        set_script_prefix("/")
    assert address("deals:deal-list") == "/deals/"


def test_addresses_follow_a_changed_url_configuration() -> None:
    assert address("deals:deal-list") == "/deals/"
    with override_settings(ROOT_URLCONF=__name__):
        assert address("deals:deal-list") == "/mounted/deals/" == reverse("deals:deal-list")
        assert url_of("deals:deal-detail", 7) == "/mounted/deals/7/"
    assert address("deals:deal-list") == "/deals/"
    assert url_of("deals:deal-detail", 7) == "/deals/7/"
