"""Notifications in each recipient's language; changes of owner told to the new and the previous
owner (never the person who made the change); bulk changes summed up once per person."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tandem.conftest import World
from tandem.core import notify
from tandem.core.models import Notification
from tandem.core.naming import Said
from tandem.core.tests.people import speaks_chinese


def titles(user: object) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True))


def change(world: World, name: str, **kwargs: object) -> notify.OwnerChange:
    values: dict[str, object] = {
        "resource": "deal",
        "name": name,
        "url": "/deals/1/",
        "previous": world.owner,
        "new": world.teammate,
        "actor": world.manager,
    }
    values.update(kwargs)
    return notify.OwnerChange(**values)


def test_it_writes_each_notification_in_its_recipients_language(world: World) -> None:
    speaks_chinese(world.owner)
    said = Said("claimed")  # a message the customers catalogue translates
    with translation.override("en"):
        notify.notify(recipient=world.owner, kind="test", title=said)
        notify.notify(recipient=world.teammate, kind="test", title=said)
    assert titles(world.owner) == ["领取"]
    assert titles(world.teammate) == ["claimed"]


def test_it_notifies_nobody_inactive(world: World) -> None:
    assert notify.notify(recipient=world.gone, kind="test", title="Hello") is None
    assert notify.notify(recipient=None, kind="test", title="Hello") is None
    assert not Notification.objects.exists()


def test_a_change_of_owner_tells_the_new_and_the_previous_owner_in_their_languages(world: World) -> None:
    speaks_chinese(world.owner)
    with translation.override("en"):
        notify.owner_changed(change(world, "Big order", reason="Workload"))
    assert titles(world.teammate) == ["Mia Manager gave you the deal “Big order”"]
    assert titles(world.owner) == ["Mia Manager 把你的商机「Big order」转给了 Tom Teammate"]
    assert Notification.objects.get(recipient=world.teammate).body == "Workload"
    assert Notification.objects.get(recipient=world.teammate).kind == "deal_assigned"
    assert Notification.objects.get(recipient=world.owner).kind == "deal_reassigned"
    assert titles(world.manager) == []  # the person who made the change is not told


def test_taking_a_record_for_oneself_tells_only_the_previous_owner(world: World) -> None:
    notify.owner_changed(change(world, "Big order", new=world.manager))
    assert titles(world.manager) == []
    assert titles(world.owner) == ["Mia Manager gave your deal “Big order” to Mia Manager"]


def test_a_bulk_change_sums_up_once_per_person(world: World) -> None:
    speaks_chinese(world.teammate)
    with notify.batched() as batch:
        for name in ("A", "B", "C"):
            with batch.item():
                notify.owner_changed(change(world, name))
        with pytest.raises(RuntimeError), batch.item():
            notify.owner_changed(change(world, "Rolled back"))
            raise RuntimeError
        assert not Notification.objects.exists()  # nothing until the batch ends
    assert titles(world.teammate) == ["Mia Manager 把 3 个商机转给了你"]
    assert titles(world.owner) == ["Mia Manager gave 3 deals of yours to Tom Teammate"]
    assert Notification.objects.get(recipient=world.owner).body == "A, B, C"
    assert Notification.objects.get(recipient=world.owner).url == "/deals/"


def test_a_failed_batch_tells_nobody(world: World) -> None:
    with pytest.raises(RuntimeError), notify.batched():
        notify.owner_changed(change(world, "A"))
        raise RuntimeError
    assert not Notification.objects.exists()


def test_it_joins_words_the_way_each_language_does(db: None) -> None:
    with translation.override("en"):
        assert notify.join_words(["3 accounts", "2 deals", "1 lead"]) == "3 accounts, 2 deals and 1 lead"
    with translation.override("zh-hans"):
        assert notify.join_words(["3 个客户", "2 个商机", "1 条线索"]) == "3 个客户、2 个商机 和 1 条线索"


def test_it_says_where_a_record_went_when_the_giver_can_no_longer_see_it(world: World) -> None:
    from tandem.deals.tests.factories import DealFactory

    deal = DealFactory(name="Big order", owner=world.outsider)
    with translation.override("en"):
        assert notify.handed_over("deal", deal) == (
            "The deal “Big order” went to Olga Outsider (West sales); you can no longer see it."
        )
    with translation.override("zh-hans"):
        assert (
            notify.handed_over("deal", deal)
            == "商机「Big order」已转给 Olga Outsider（West sales），你已无法查看。"
        )


def test_a_notification_reads_in_the_language_its_reader_uses_when_reading(world: World) -> None:
    """Written in every language: the owner, who switched to Chinese after being told, reads the
    earlier notification in Chinese, and back in English after switching back."""
    with translation.override("en"):
        notify.owner_changed(change(world, "Lathe upgrade", previous=world.teammate, new=world.owner))
    told = Notification.objects.get(recipient=world.owner)
    assert "gave you the deal" in told.title and "Lathe upgrade" in told.title
    with translation.override("zh-hans"):
        assert "商机" in told.title_text and "Lathe upgrade" in told.title_text
    with translation.override("en"):
        assert told.title_text == told.title


def test_a_notification_written_before_every_language_was_kept_still_reads(world: World) -> None:
    old = Notification.objects.create(
        recipient=world.owner, kind="test", title="Old words", body="As written"
    )
    with translation.override("zh-hans"):
        assert (old.title_text, old.body_text) == ("Old words", "As written")


def test_the_notifications_page_reads_in_the_readers_language(world: World) -> None:
    with translation.override("en"):
        notify.owner_changed(change(world, "Spindle retrofit", previous=world.teammate, new=world.owner))
    browser = Client()
    browser.force_login(world.owner)
    english = browser.get(reverse("core:notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    speaks_chinese(world.owner)
    chinese = browser.get(reverse("core:notifications")).content.decode()
    assert "gave you the deal" in english and "Spindle retrofit" in english
    assert "商机" in chinese and "gave you the deal" not in chinese
