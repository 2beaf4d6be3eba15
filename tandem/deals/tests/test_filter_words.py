"""The deal list's filters read in the reader's language (issue 13 §5): the default pipeline is
not an untranslated "Sales", and a won stage is not "赢单 · 赢单"."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tandem.conftest import World

pytestmark = pytest.mark.django_db


def test_the_filters_name_pipelines_and_closed_stages_once_in_chinese(world: World) -> None:
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    client = Client()
    client.force_login(world.owner)
    page = client.get(reverse("deals:deal-list")).content.decode()
    assert "赢单 · 赢单" not in page and ">赢单</option>" in page
    assert ">Sales</option>" not in page and ">销售</option>" in page
