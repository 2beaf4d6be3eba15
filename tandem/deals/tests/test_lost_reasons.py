"""Lost reasons as a list administrators keep (decision 0030): the admin pages, closing a deal as
lost in the form, the board and the API (a reason by id or by name in any language, a note for
"other"), and the migration that turned each deal's old text into a reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.deals import services
from tandem.deals.models import Deal, DealStatus, LostReason
from tandem.deals.tests.factories import DealFactory, lost_reason_named, stage_named
from tandem.org.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _real_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    yield
    translation.activate("en")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _reasons() -> list[tuple[str, bool]]:
    return list(LostReason.objects.order_by("id").values_list("name", "is_active"))


# --- The list, kept by administrators ---------------------------------------------------------


def test_the_usual_reasons_are_there_with_a_name_in_each_language() -> None:
    services.ensure_lost_reasons()
    reasons = {r.name: r for r in LostReason.objects.all()}
    assert {"Price", "Competitor", "No budget", "Timing", "No decision", "Other"} <= set(reasons)
    assert reasons["No budget"].names == {"en": "No budget", "zh-hans": "没有预算"}
    assert [r.name for r in LostReason.objects.filter(is_other=True)] == ["Other"]
    with translation.override("zh-hans"):
        assert reasons["Other"].display_name == "其他"


def test_an_administrator_adds_a_reason_with_a_name_in_each_language(world: World) -> None:
    client = _client(world.admin)
    assert client.get(reverse("deals:lost-reason-list")).status_code == 200
    response = client.post(
        reverse("deals:lost-reason-create"),
        {
            "name": "Chose to build it themselves",
            "name_en": "",
            "name_zh_hans": "客户自研",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    reason = LostReason.objects.get(name="Chose to build it themselves")
    assert (reason.names, reason.is_active, reason.is_other) == ({"zh-hans": "客户自研"}, True, False)
    page = client.get(reverse("deals:lost-reason-list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "客户自研" in page.content.decode()


def test_a_rep_and_a_manager_may_not_keep_the_list_and_nothing_changes(world: World) -> None:
    services.ensure_lost_reasons()
    price = lost_reason_named("Price")
    before = _reasons()
    for person in (world.owner, world.manager):
        client = _client(person)
        assert client.get(reverse("deals:lost-reason-list")).status_code == 403
        assert client.post(reverse("deals:lost-reason-create"), {"name": "Mine"}).status_code == 403
        assert client.post(reverse("deals:lost-reason-toggle", args=[price.pk])).status_code == 403
    assert _reasons() == before


def test_a_name_another_reason_goes_by_in_any_language_is_refused(world: World) -> None:
    client = _client(world.admin)
    before = _reasons()
    response = client.post(reverse("deals:lost-reason-create"), {"name": "价格", "is_active": "on"})
    assert response.status_code == 400 and "Another reason is called" in response.content.decode()
    assert _reasons() == before


def test_a_deactivated_reason_is_no_longer_offered_and_deals_keep_it(world: World) -> None:
    timing = lost_reason_named("Timing")
    deal = DealFactory(
        owner=world.owner, stage=stage_named("Lost"), status=DealStatus.LOST, lost_reason_ref=timing
    )
    _client(world.admin).post(reverse("deals:lost-reason-toggle", args=[timing.pk]))
    timing.refresh_from_db()
    assert timing.is_active is False
    assert timing not in services.lost_reasons_offered()
    other_deal = DealFactory(owner=world.owner)
    with pytest.raises(ValidationError):
        services.deal_move(
            actor=world.actor(world.owner), deal=other_deal, stage=stage_named("Lost"), lost_reason=timing
        )
    # The deal that has it is still edited freely, keeping it.
    edited = services.deal_update(
        actor=world.actor(world.owner), deal=deal, data={"lost_reason": timing.pk, "next_step": "Spring"}
    )
    assert edited.lost_reason_ref == timing
    form = _client(world.owner).get(reverse("deals:deal-edit", args=[deal.pk])).content.decode()
    assert f'value="{timing.pk}" selected' in form


def test_other_is_always_offered(world: World) -> None:
    other = lost_reason_named("Other")
    _client(world.admin).post(reverse("deals:lost-reason-toggle", args=[other.pk]))
    other.refresh_from_db()
    assert other.is_active is True
    with pytest.raises(ValidationError) as exc:
        services.lost_reason_save(actor=world.actor(world.admin), reason=other, data={"is_active": False})
    assert "is_active" in exc.value.message_dict


# --- Closing a deal as lost --------------------------------------------------------------------


def test_the_deal_page_closes_a_deal_with_a_reason_and_reads_it_in_each_language(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    client = _client(world.owner)
    close = reverse("deals:deal-close", args=[deal.pk])
    other = lost_reason_named("Other")
    refused = client.post(close, {"outcome": "lost", "version": 1, "lost_reason": other.pk})
    assert refused.status_code == 400 and "Say what the other reason was" in refused.content.decode()
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.OPEN
    client.post(close, {"outcome": "lost", "version": 1, "lost_reason": lost_reason_named("No budget").pk})
    page = reverse("deals:deal-detail", args=[deal.pk])
    assert "No budget" in client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    assert "没有预算" in client.get(page).content.decode()


def test_the_api_takes_a_reason_by_id_or_by_name_in_any_language(world: World) -> None:
    client = _api(world.owner, "zh-hans")
    stage = stage_named("Lost")
    by_chinese = DealFactory(owner=world.owner)
    answer = client.post(
        f"/api/v1/deals/{by_chinese.pk}/move/", {"stage": stage.pk, "lost_reason": "竞争对手", "version": 1}
    )
    assert answer.status_code == 200, answer.json()
    competitor = lost_reason_named("Competitor")
    assert (answer.json()["lost_reason"], answer.json()["lost_reason_id"]) == ("竞争对手", competitor.pk)
    by_id = DealFactory(owner=world.owner)
    answer = _api(world.owner).post(
        f"/api/v1/deals/{by_id.pk}/move/",
        {"stage": stage.pk, "lost_reason": str(competitor.pk), "version": 1},
    )
    assert answer.json()["lost_reason"] == "Competitor"
    listed = _api(world.owner).get("/api/v1/lost-reasons/").json()
    assert {"Price", "Other"} <= {r["name"] for r in listed["results"]}


def test_the_api_answers_400_for_an_unknown_reason_or_other_without_a_note(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    client = _api(world.owner)
    move = f"/api/v1/deals/{deal.pk}/move/"
    stage = stage_named("Lost")
    unknown = client.post(move, {"stage": stage.pk, "lost_reason": "Bad weather", "version": 1})
    assert unknown.status_code == 400 and "lost_reason" in unknown.json()
    no_note = client.post(move, {"stage": stage.pk, "lost_reason": "Other", "version": 1})
    assert no_note.status_code == 400 and "lost_note" in no_note.json()
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.OPEN
    done = client.post(
        move, {"stage": stage.pk, "lost_reason": "other", "lost_note": "Merged with a group", "version": 1}
    )
    assert done.status_code == 200
    assert (done.json()["lost_reason"], done.json()["lost_note"]) == ("Other", "Merged with a group")


def test_the_board_offers_the_reasons_in_the_readers_language(world: World) -> None:
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    board = _client(world.owner).get(reverse("deals:board")).content.decode()
    assert "没有预算" in board and "data-other" in board


# --- The migration -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_old_text_into_reasons_and_reverses_keeping_the_text(world: World) -> None:
    executor = MigrationExecutor(connection)
    before = [("deals", "0013_list_sort_by_status")]
    after = [("deals", "0015_seed_lost_reasons")]
    stage = stage_named("Lost")
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("deals", "Deal")

        def deal(text: str) -> int:
            row = old.objects.create(
                name=text or "none",
                owner_id=world.owner.pk,
                pipeline_id=stage.pipeline_id,
                stage_id=stage.pk,
                status="lost",
                lost_reason=text,
            )
            return int(row.pk)

        price, chinese, free, empty = deal("price"), deal("没有预算"), deal("Chose Zoho, cheaper"), deal("")
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        rows = {
            pk: (name, note)
            for pk, name, note in Deal.all_objects.filter(pk__in=[price, chinese, free, empty]).values_list(
                "pk", "lost_reason_ref__name", "lost_reason"
            )
        }
        assert rows == {
            price: ("Price", ""),
            chinese: ("No budget", ""),
            free: ("Other", "Chose Zoho, cheaper"),
            empty: (None, ""),
        }
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        texts = dict(
            old.objects.filter(pk__in=[price, chinese, free, empty]).values_list("pk", "lost_reason")
        )
        assert texts == {price: "Price", chinese: "No budget", free: "Chose Zoho, cheaper", empty: ""}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
