"""History: who changed what, from what to what."""

from __future__ import annotations

import datetime
import decimal
import uuid

from tandem.conftest import World
from tandem.core import history
from tandem.core.models import HistoryAction, HistoryEntry
from tandem.org.models import Position, Team, User
from tandem.org.tests.factories import PositionFactory, TeamFactory


def test_it_records_a_create_with_the_filled_fields_only(world: World) -> None:
    team = TeamFactory(name="Partners", parent=world.company, leader=world.director)
    entry = history.record_create(actor=world.admin, obj=team)
    assert entry.action == HistoryAction.CREATE
    assert entry.actor == world.admin
    assert entry.object_repr == "Partners"
    assert entry.changes["name"] == [None, "Partners"]
    assert entry.changes["parent"] == [None, "Company"]
    assert entry.changes["leader"] == [None, "Dora Director"]
    assert "description" not in entry.changes  # empty
    assert not set(entry.changes) & history.IGNORED_FIELDS


def test_it_records_only_the_changed_fields_with_old_and_new_display_values(world: World) -> None:
    team = world.west_sales
    before = history.snapshot(team)
    team.description = "Western provinces"
    team.leader = world.outsider
    team.save()
    entry = history.record_update(actor=world.admin, obj=team, before=before)
    assert entry is not None
    assert entry.changes == {
        "description": ["", "Western provinces"],
        "leader": ["Sam Sibling", "Olga Outsider"],
    }


def test_it_shows_a_cleared_foreign_key_as_its_old_name_and_none(world: World) -> None:
    team = world.west_sales
    before = history.snapshot(team)
    team.leader = None
    team.save()
    entry = history.record_update(actor=world.admin, obj=team, before=before)
    assert entry is not None
    assert entry.changes == {"leader": ["Sam Sibling", None]}


def test_it_keeps_the_id_when_the_old_related_record_is_gone(world: World) -> None:
    position = PositionFactory(title="Old")
    user = world.owner
    user.position_id = position.pk
    user.save()
    before = history.snapshot(user)
    user.position = None
    user.save()
    Position.all_objects.filter(pk=position.pk).delete()
    entry = history.record_update(actor=world.admin, obj=user, before=before)
    assert entry is not None
    assert entry.changes == {"position": [position.pk, None]}


def test_it_records_nothing_when_nothing_changed(world: World) -> None:
    before = history.snapshot(world.east)
    world.east.save()
    assert history.record_update(actor=world.admin, obj=world.east, before=before) is None
    assert not HistoryEntry.objects.exists()


def test_it_records_a_message_even_without_changes(world: World) -> None:
    before = history.snapshot(world.east)
    entry = history.record_update(actor=world.admin, obj=world.east, before=before, message="Checked")
    assert entry is not None
    assert entry.changes == {}
    assert entry.message == "Checked"


def test_it_never_records_passwords_or_timestamps(world: World) -> None:
    user = world.owner
    before = history.snapshot(user)
    assert "password" not in before
    assert "last_login" not in before
    user.set_password("another-long-passphrase")
    user.save()
    assert history.record_update(actor=user, obj=user, before=before) is None


def test_it_records_without_an_actor_for_system_changes(world: World) -> None:
    entry = history.record(actor=None, obj=world.east, action=HistoryAction.EVENT, message="nightly")
    assert entry.actor is None
    from tandem.core.access import Actor

    entry = history.record(actor=Actor.anonymous().user, obj=world.east, action=HistoryAction.EVENT)
    assert entry.actor is None


def test_it_truncates_long_names_and_messages(world: World) -> None:
    team = TeamFactory(name="x" * 120)
    entry = history.record(actor=world.admin, obj=team, action=HistoryAction.EVENT, message="m" * 900)
    assert len(entry.message) == 500
    assert entry.object_repr == "x" * 120


def test_it_records_many_records_in_one_statement(world: World, django_assert_max_num_queries) -> None:
    teams = [world.east, world.west, world.support_team]
    with django_assert_max_num_queries(2):
        count = history.record_many(actor=world.admin, objs=teams, action=HistoryAction.TRANSFER)
    assert count == 3
    assert HistoryEntry.objects.filter(action=HistoryAction.TRANSFER).count() == 3


def test_it_records_many_by_ids_without_loading_the_records(
    world: World, django_assert_max_num_queries
) -> None:
    ids = list(User.objects.values_list("pk", flat=True))
    with django_assert_max_num_queries(2):
        history.record_many_by_ids(
            actor=world.admin,
            model=User,
            ids=ids,
            action=HistoryAction.TRANSFER,
            changes={"manager": ["A", "B"]},
            message="handover",
        )
    entries = HistoryEntry.objects.filter(action=HistoryAction.TRANSFER)
    assert sorted(e.object_id for e in entries) == sorted(ids)
    assert {e.message for e in entries} == {"handover"}


def test_it_lists_a_records_history_newest_first(world: World) -> None:
    first = history.record(actor=world.admin, obj=world.east, action=HistoryAction.CREATE)
    second = history.record(actor=world.admin, obj=world.east, action=HistoryAction.UPDATE)
    history.record(actor=world.admin, obj=world.west, action=HistoryAction.UPDATE)
    assert list(history.entries_for(world.east)) == [second, first]


def test_it_keeps_entries_of_two_models_with_the_same_id_apart(world: World) -> None:
    team = Team.objects.order_by("pk").first()
    user = User.objects.order_by("pk").first()
    assert team is not None and user is not None
    history.record(actor=None, obj=team, action=HistoryAction.EVENT)
    assert list(history.entries_for(team))
    if user.pk == team.pk:
        assert not list(history.entries_for(user))


def test_it_turns_values_into_json_friendly_display_values(world: World) -> None:
    display = history._display
    assert display(decimal.Decimal("1.50")) == "1.50"
    assert display(datetime.date(2026, 11, 26)) == "2026-11-26"
    assert display(datetime.datetime(2026, 11, 26, 9, 30, tzinfo=datetime.UTC)) == "2026-11-26T09:30:00+00:00"
    assert display(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert display(world.east) == "East region"
    assert display((1, decimal.Decimal("2"))) == [1, "2"]
    assert display({1: datetime.time(8, 0)}) == {"1": "08:00:00"}
    assert display(None) is None
    assert display(True) is True
