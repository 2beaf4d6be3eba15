"""Account levels kept by administrators: a code, a name and a name per language."""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tandem.conftest import World
from tandem.customers import pool_admin
from tandem.customers.models import AccountLevel
from tandem.org.models import User


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


def as_(user: User, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def levels() -> list[tuple[str, str, dict[str, str], int]]:
    return list(AccountLevel.objects.order_by("id").values_list("code", "name", "names", "order"))


def test_an_administrator_adds_a_level_named_in_both_languages_and_each_reader_sees_theirs(
    world: World,
) -> None:
    answer = as_(world.admin).post(
        reverse("customers:account-level-create"),
        {"code": "VIP", "name": "Key account", "name_en": "Key account", "name_zh_hans": "重点客户"},
    )
    assert answer.status_code == 302
    level = AccountLevel.objects.get(code="VIP")
    assert level.names == {"en": "Key account", "zh-hans": "重点客户"}
    assert "重点客户" in as_(world.admin, "zh-hans").get(reverse("customers:account-level-list")).text
    assert "Key account" in as_(world.admin).get(reverse("customers:account-level-list")).text
    assert reverse("customers:account-level-list") in as_(world.admin).get(reverse("core:home")).text


def test_a_taken_code_or_name_is_refused_inline_and_nothing_is_written(world: World) -> None:
    pool_admin.account_level_save(
        actor=world.actor(world.admin), level=None, data={"code": "T1", "name": "Tier one"}
    )
    before = levels()
    answer = as_(world.admin).post(
        reverse("customers:account-level-create"),
        {"code": "t1", "name": "Other tier", "name_zh_hans": "Tier one"},
    )
    assert answer.status_code == 400
    assert "Another level has this code." in answer.text
    assert "Another level is called" in answer.text
    assert levels() == before


def test_an_administrator_renames_a_level_in_one_language(world: World) -> None:
    level = pool_admin.account_level_save(
        actor=world.actor(world.admin), level=None, data={"code": "T2", "name": "Growth"}
    )
    answer = as_(world.admin).post(
        reverse("customers:account-level-edit", args=[level.pk]),
        {"code": "T2", "name": "Growth", "order": 3, "name_zh_hans": "成长客户"},
    )
    assert answer.status_code == 302
    level.refresh_from_db()
    assert (level.names, level.order) == ({"zh-hans": "成长客户"}, 3)


@pytest.mark.parametrize("who", ["owner", "manager", "outsider"])
def test_nobody_but_an_administrator_keeps_the_levels(world: World, who: str) -> None:
    person = getattr(world, who)
    level = pool_admin.account_level_save(
        actor=world.actor(world.admin), level=None, data={"code": "T3", "name": "Small"}
    )
    before = levels()
    client = as_(person)
    assert reverse("customers:account-level-list") not in client.get(reverse("core:home")).text
    assert client.get(reverse("customers:account-level-list")).status_code == 403
    edit = client.post(
        reverse("customers:account-level-edit", args=[level.pk]), {"code": "T3", "name": "Mine"}
    )
    assert edit.status_code == 403
    assert (
        client.post(reverse("customers:account-level-create"), {"code": "X", "name": "X"}).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        pool_admin.account_level_save(actor=world.actor(person), level=level, data={"name": "Mine"})
    assert levels() == before


def test_the_service_refuses_an_empty_code_or_name(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        pool_admin.account_level_save(
            actor=world.actor(world.admin), level=None, data={"code": " ", "name": ""}
        )
    assert set(refused.value.message_dict) == {"code", "name"}
    assert not AccountLevel.objects.filter(code="").exists()
