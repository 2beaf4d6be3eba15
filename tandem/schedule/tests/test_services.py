"""Events through the services: recurrence across DST and far from UTC, exceptions (one
occurrence moved or cancelled), invitations and answers with their notifications, and who may
change what (a refused change leaves everything as it was)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tandem.conftest import World
from tandem.core.models import HistoryEntry, Notification

from .. import recurrence, selectors, services
from ..models import Attendee, Event, EventStatus, Response
from .helpers import at, make

pytestmark = pytest.mark.django_db
NY = "America/New_York"


def test_a_weekly_meeting_stays_at_nine_in_new_york_across_the_dst_change(world: World) -> None:
    # 2026-03-08: New York moves from EST (-5) to EDT (-4).
    event = make(
        world,
        starts_at=at("2026-03-02", "09:00", NY),
        ends_at=at("2026-03-02", "10:00", NY),
        time_zone=NY,
        recurrence="FREQ=WEEKLY;COUNT=3",
    )
    starts = recurrence.occurrences(
        event.recurrence,
        event.starts_at,
        event.ends_at,
        NY,
        at("2026-03-01", "00:00", NY),
        at("2026-04-01", "00:00", NY),
    )
    assert [s.astimezone(datetime.UTC).hour for s in starts] == [14, 13, 13]
    assert all(s.astimezone(event.starts_at.tzinfo).hour == 9 for s in starts)
    assert event.recurrence_ends_at == at("2026-03-16", "10:00", NY)


def test_a_daily_series_in_shanghai_expands_on_shanghai_days(world: World) -> None:
    event = make(
        world,
        starts_at=at("2026-12-07", "07:30"),
        ends_at=at("2026-12-07", "08:00"),
        recurrence="FREQ=DAILY",
    )
    assert event.recurrence_ends_at is None
    items = selectors.occurrences(
        world.actor(world.owner), at("2026-12-07", "00:00"), at("2026-12-10", "00:00"), include_tasks=False
    )
    assert [i.start.astimezone(event.starts_at.tzinfo).date().isoformat() for i in items] == [
        "2026-12-07",
        "2026-12-08",
        "2026-12-09",
    ]
    # 07:30 in Shanghai is the evening before in UTC: the occurrences are still Shanghai mornings.
    assert items[0].start.astimezone(datetime.UTC).isoformat() == "2026-12-06T23:30:00+00:00"


def test_one_occurrence_moved_and_one_cancelled_leave_the_rest_of_the_series(world: World) -> None:
    event = make(world, recurrence="FREQ=WEEKLY;COUNT=4", attendees=[world.teammate])
    actor = world.actor(world.owner)
    second, third = at("2026-12-14", "09:00"), at("2026-12-21", "09:00")
    moved = services.occurrence_update(
        actor=actor,
        series=event,
        original_start=second,
        data={"starts_at": at("2026-12-15", "14:00"), "ends_at": at("2026-12-15", "15:00")},
    )
    services.event_cancel(actor=actor, event=event, occurrence=third)
    assert moved.series_id == event.pk and moved.original_start == second
    assert Attendee.objects.filter(event=moved, user=world.teammate).exists()
    items = selectors.occurrences(
        actor, at("2026-12-01", "00:00"), at("2027-01-01", "00:00"), include_tasks=False
    )
    shown = [(i.start, i.status) for i in items]
    assert shown == [
        (at("2026-12-07", "09:00"), EventStatus.CONFIRMED),
        (at("2026-12-15", "14:00"), EventStatus.CONFIRMED),
        (third, EventStatus.CANCELLED),
        (at("2026-12-28", "09:00"), EventStatus.CONFIRMED),
    ]
    # Editing the same occurrence again edits its exception, never a second one.
    services.occurrence_update(actor=actor, series=event, original_start=second, data={"place": "Room 2"})
    assert Event.objects.filter(series=event, original_start=second).count() == 1


def test_a_start_that_is_no_occurrence_is_refused(world: World) -> None:
    event = make(world, recurrence="FREQ=WEEKLY")
    with pytest.raises(ValidationError) as caught:
        services.occurrence_update(
            actor=world.actor(world.owner), series=event, original_start=at("2026-12-08", "09:00"), data={}
        )
    assert "occurrence" in caught.value.message_dict
    assert not Event.objects.filter(series=event).exists()


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("ends_at", {"ends_at": at("2026-12-07", "08:00")}),
        ("recurrence", {"recurrence": "FREQ=SOMETIMES"}),
        ("recurrence", {"recurrence": "FREQ=MINUTELY"}),
        ("time_zone", {"time_zone": "Mars/Olympus"}),
        ("title", {"title": "  "}),
    ],
)
def test_bad_input_is_refused_with_a_field_message_and_nothing_is_written(
    world: World, field: str, data: dict[str, object]
) -> None:
    with pytest.raises(ValidationError) as caught:
        make(world, **data)
    assert field in caught.value.message_dict
    assert not Event.objects.exists()


def test_invited_people_are_told_and_their_answer_reaches_the_organizer(world: World) -> None:
    event = make(world, attendees=[world.teammate, world.manager])
    assert Notification.objects.filter(recipient=world.teammate, kind="event.invited").count() == 1
    assert not Notification.objects.filter(recipient=world.owner, kind="event.invited").exists()
    services.event_respond(actor=world.actor(world.teammate), event=event, response=Response.ACCEPTED)
    services.event_respond(actor=world.actor(world.manager), event=event, response=Response.DECLINED)
    answers = dict(Attendee.objects.filter(event=event).values_list("user_id", "response"))
    assert answers == {world.teammate.pk: "accepted", world.manager.pk: "declined"}
    assert Notification.objects.filter(recipient=world.owner, kind="event.response").count() == 2
    with pytest.raises(ValidationError):
        services.event_respond(actor=world.actor(world.outsider), event=event, response=Response.ACCEPTED)


def test_a_change_bumps_the_sequence_and_tells_the_attendees(world: World) -> None:
    event = make(world, attendees=[world.teammate])
    updated = services.event_update(
        actor=world.actor(world.owner),
        event=event,
        data={"starts_at": at("2026-12-07", "11:00"), "ends_at": at("2026-12-07", "12:00")},
    )
    assert updated.sequence == event.sequence + 1
    assert Notification.objects.filter(recipient=world.teammate, kind="event.changed").count() == 1
    cancelled = services.event_cancel(actor=world.actor(world.owner), event=updated)
    assert cancelled.status == EventStatus.CANCELLED and cancelled.sequence == updated.sequence + 1
    assert Notification.objects.filter(recipient=world.teammate, kind="event.changed").count() == 2
    assert HistoryEntry.objects.filter(object_id=str(event.pk)).count() >= 3


def test_an_invited_person_and_an_outsider_cannot_change_the_event(world: World) -> None:
    event = make(world, attendees=[world.teammate])
    for person in (world.teammate, world.outsider, world.sibling_manager):
        with pytest.raises(PermissionDenied):
            services.event_update(actor=world.actor(person), event=event, data={"title": "Hijacked"})
        with pytest.raises(PermissionDenied):
            services.event_cancel(actor=world.actor(person), event=event)
        with pytest.raises(PermissionDenied):
            services.event_delete(actor=world.actor(person), event=event)
    event.refresh_from_db()
    assert event.title == "Weekly sync" and event.status == EventStatus.CONFIRMED and event.deleted_at is None
    assert event.sequence == 0


def test_the_manager_of_the_events_team_may_reschedule_it(world: World) -> None:
    event = make(world)
    assert event.team_id == world.east_sales.pk
    moved = services.event_move(
        actor=world.actor(world.manager), event=event, starts_at=at("2026-12-08", "09:00")
    )
    assert moved.starts_at == at("2026-12-08", "09:00") and moved.ends_at == at("2026-12-08", "10:00")


def test_dragging_one_occurrence_of_a_series_moves_only_that_occurrence(world: World) -> None:
    event = make(world, recurrence="FREQ=DAILY;COUNT=5")
    moved = services.event_move(
        actor=world.actor(world.owner),
        event=event,
        starts_at=at("2026-12-09", "16:00"),
        occurrence=at("2026-12-09", "09:00"),
    )
    event.refresh_from_db()
    assert moved.series_id == event.pk and event.starts_at == at("2026-12-07", "09:00")


def test_visibility_organizer_attendee_manager_and_outsider(world: World) -> None:
    event = make(world, attendees=[world.two_teams])
    window = (at("2026-12-07", "00:00"), at("2026-12-08", "00:00"))
    for person, sees in [
        (world.owner, True),
        (world.two_teams, True),
        (world.manager, True),
        (world.director, True),
        (world.teammate, False),
        (world.outsider, False),
        (world.sibling_manager, False),
    ]:
        keys = [
            i.event.pk for i in selectors.occurrences(world.actor(person), *window) if i.event is not None
        ]
        assert (event.pk in keys) is sees, person.username


def test_contacts_must_be_visible_to_be_invited(world: World) -> None:
    from tandem.customers.tests.factories import AccountFactory, ContactFactory

    mine = ContactFactory(account=AccountFactory(owner=world.owner), owner=world.owner)
    theirs = ContactFactory(account=AccountFactory(owner=world.outsider), owner=world.outsider)
    event = make(world, contacts=[mine])
    assert Attendee.objects.filter(event=event, contact=mine).exists()
    with pytest.raises(ValidationError):
        make(world, contacts=[theirs])


def test_a_linked_record_must_be_one_the_actor_sees(world: World) -> None:
    from tandem.customers.tests.factories import AccountFactory

    mine, theirs = AccountFactory(owner=world.owner), AccountFactory(owner=world.outsider)
    event = make(world, record_type="account", record_id=mine.pk, kind="visit")
    assert (event.record_type, event.record_id) == ("account", mine.pk)
    with pytest.raises(ValidationError) as caught:
        make(world, record_type="account", record_id=theirs.pk)
    assert "record_id" in caught.value.message_dict
    assert Event.objects.count() == 1


def test_an_all_day_event_covers_whole_days_in_its_zone(world: World) -> None:
    event = make(world, all_day=True, starts_at=at("2026-12-09", "10:00"), ends_at=at("2026-12-09", "10:00"))
    assert event.starts_at == at("2026-12-09", "00:00") and event.ends_at == at("2026-12-10", "00:00")


def test_a_team_meetings_event_is_changed_from_the_meeting_not_the_calendar(world: World) -> None:
    from django.utils import timezone

    from tandem.meetings import services as meeting_services

    organizer = world.actor(world.manager)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    meeting = meeting_services.meeting_create(
        actor=organizer,
        team=world.east_sales,
        title="Deal review",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    event = meeting.event
    assert event is not None
    with pytest.raises(PermissionDenied):
        services.event_move(actor=organizer, event=event, starts_at=start + datetime.timedelta(hours=1))
    event.refresh_from_db()
    assert event.starts_at == start and event.sequence == 0
