"""Meeting services: series planning (idempotent, in the series' zone across DST), the calendar
event kept in step, agenda, action items that are tasks, carry-over and "held"."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tandem.conftest import World
from tandem.core.models import Notification
from tandem.schedule.models import Attendee, EventKind, EventStatus
from tandem.tasks.models import Task, TaskStatus

from .. import services
from ..models import ActionItem, AgendaItem, Meeting, MeetingStatus
from .factories import meeting, series

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 4, 12, 0, tzinfo=datetime.UTC)  # a Wednesday


def test_a_series_plans_its_next_four_meetings_and_planning_again_adds_none(world: World) -> None:
    s = series(world, now=NOW)
    starts = list(Meeting.objects.filter(series=s).order_by("starts_at").values_list("starts_at", flat=True))
    assert starts == [datetime.datetime(2026, 3, d, 1, 30, tzinfo=datetime.UTC) for d in (9, 16, 23, 30)]
    assert services.plan_series(s, now=NOW) == 0
    assert services.plan_all_series(now=NOW) == 0
    assert Meeting.objects.filter(series=s).count() == 4
    # A week later one more is planned, once.
    later = NOW + datetime.timedelta(days=7)
    assert services.plan_all_series(now=later) == 1
    assert services.plan_all_series(now=later) == 0
    assert Meeting.objects.filter(series=s).count() == 5


def test_a_series_keeps_its_wall_clock_time_across_a_daylight_saving_change(world: World) -> None:
    zone = zoneinfo.ZoneInfo("America/New_York")
    first = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=zone)  # before DST starts on 8 March
    s = series(world, now=NOW, time_zone="America/New_York", first_starts_at=first)
    meetings = list(Meeting.objects.filter(series=s).order_by("starts_at"))
    local = [m.starts_at.astimezone(zone) for m in meetings]
    assert [(t.hour, t.minute, t.weekday()) for t in local] == [(9, 30, 0)] * 4
    # 14:30 UTC before the change, 13:30 UTC after it.
    assert meetings[0].starts_at == datetime.datetime(2026, 3, 9, 13, 30, tzinfo=datetime.UTC)
    first_slots = services.slots(s, after=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC), count=1)
    assert first_slots == [datetime.datetime(2026, 3, 2, 14, 30, tzinfo=datetime.UTC)]


def test_a_series_far_east_of_utc_meets_on_its_own_monday(world: World) -> None:
    zone = zoneinfo.ZoneInfo("Pacific/Kiritimati")  # UTC+14: Monday 08:00 there is Sunday in UTC
    s = series(
        world,
        now=NOW,
        time_zone="Pacific/Kiritimati",
        first_starts_at=datetime.datetime(2026, 3, 2, 8, 0, tzinfo=zone),
    )
    m = Meeting.objects.filter(series=s).order_by("starts_at").first()
    assert m is not None and m.starts_at.weekday() == 6 and m.starts_at.astimezone(zone).weekday() == 0


def test_each_meeting_is_on_the_calendar_with_its_attendees_and_follows_changes(world: World) -> None:
    m = meeting(world)
    event = m.event
    assert event is not None and event.kind == EventKind.MEETING and event.sequence == 0
    assert event.record_type == "meeting" and event.record_id == m.pk
    invited = set(Attendee.objects.filter(event=event).values_list("user_id", flat=True))
    # Default attendees: the team's active members (the deactivated rep is left out).
    assert invited == {world.manager.pk, world.owner.pk, world.teammate.pk, world.two_teams.pk}
    services.meeting_update(
        actor=world.actor(world.manager), meeting=m, starts_at=m.starts_at + datetime.timedelta(days=1)
    )
    event.refresh_from_db()
    assert event.sequence == 1 and event.starts_at == m.starts_at and event.ends_at == m.ends_at
    services.meeting_cancel(actor=world.actor(world.manager), meeting=m)
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED and event.sequence == 2


def test_rescheduling_validates_times_and_changes_nothing_when_refused(world: World) -> None:
    m = meeting(world)
    with pytest.raises(ValidationError) as exc:
        services.meeting_update(
            actor=world.actor(world.manager), meeting=m, starts_at=m.starts_at, ends_at=m.starts_at
        )
    assert "ends_at" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.meeting_update(actor=world.actor(world.owner), meeting=m, title="Mine now")
    m.refresh_from_db()
    assert m.title == "Deal review" and m.event is not None and m.event.sequence == 0


def test_action_items_are_tasks_for_their_owner_who_is_told(world: World) -> None:
    m = meeting(world)
    item = services.action_item_add(
        actor=world.actor(world.manager),
        meeting=m,
        title="Send the revised quote",
        owner=world.owner,
        due_on=datetime.date(2030, 1, 10),
    )
    task = item.task
    assert task.assignee == world.owner and task.created_by == world.manager
    assert task.team == world.east_sales and task.record_type == "meeting" and task.record_id == m.pk
    assert task.all_day and task.status == TaskStatus.TODO
    # The end of that day where the owner lives (Asia/Shanghai by default).
    assert task.due_at == datetime.datetime(2030, 1, 10, 15, 59, tzinfo=datetime.UTC)
    note = Notification.objects.get(recipient=world.owner, kind="meeting.action_item")
    assert "Deal review" in note.title
    with pytest.raises(ValidationError) as exc:
        services.action_item_add(actor=world.actor(world.manager), meeting=m, title="x", owner=world.outsider)
    assert "owner" in exc.value.message_dict
    assert Task.objects.count() == 1


def test_the_next_meeting_reviews_the_open_action_items_of_the_last(world: World) -> None:
    s = series(world, now=NOW)
    first, second = Meeting.objects.filter(series=s).order_by("starts_at")[:2]
    assert second.previous == first
    review = AgendaItem.objects.get(meeting=second)
    assert review.is_review and review.position == 0
    manager = world.actor(world.manager)
    done = services.action_item_add(actor=manager, meeting=first, title="Done one", owner=world.owner)
    open_ = services.action_item_add(actor=manager, meeting=first, title="Open one", owner=world.teammate)
    services.action_item_set_status(actor=world.actor(world.owner), item=done, status=TaskStatus.DONE)
    done.task.refresh_from_db()
    assert done.task.completed_at is not None
    services.meeting_mark_held(actor=manager, meeting=first, minutes="We met.")
    carried = services.carry_over(second)
    assert carried.source == first and [i.pk for i in carried.items] == [open_.pk]
    # A cancelled meeting in between is skipped: the third still reviews the first's.
    services.meeting_cancel(actor=manager, meeting=second)
    third = Meeting.objects.filter(series=s).order_by("starts_at")[2]
    assert services.carry_over(third).source == first
    # Someone else's action item is not theirs to tick.
    with pytest.raises(PermissionDenied):
        services.action_item_set_status(
            actor=world.actor(world.two_teams), item=open_, status=TaskStatus.DONE
        )
    assert Task.objects.get(pk=open_.task_id).status == TaskStatus.TODO


def test_marking_held_tells_the_attendees_with_the_minutes(world: World) -> None:
    m = meeting(world)
    manager = world.actor(world.manager)
    services.decision_add(actor=manager, meeting=m, text="Focus on the Acme tender")
    services.meeting_mark_held(actor=manager, meeting=m, minutes="Reviewed the pipeline.")
    m.refresh_from_db()
    assert m.status == MeetingStatus.HELD and m.held_at is not None
    notes = Notification.objects.filter(kind="meeting.minutes")
    assert {n.recipient_id for n in notes} == {world.owner.pk, world.teammate.pk, world.two_teams.pk}
    assert all("Reviewed the pipeline." in n.body and "Acme tender" in n.body for n in notes)
    with pytest.raises(ValidationError):
        services.meeting_mark_held(actor=manager, meeting=m)
    with pytest.raises(ValidationError):
        services.agenda_add(actor=world.actor(world.owner), meeting=m, title="Too late")


def test_team_members_add_to_the_agenda_the_organizer_reorders_it(world: World) -> None:
    m = meeting(world)
    a = services.agenda_add(actor=world.actor(world.owner), meeting=m, title="Acme renewal")
    b = services.agenda_add(actor=world.actor(world.teammate), meeting=m, title="Trade fair")
    assert (a.position, b.position) == (0, 1)
    with pytest.raises(PermissionDenied):
        services.agenda_reorder(actor=world.actor(world.owner), meeting=m, ids=[b.pk, a.pk])
    services.agenda_reorder(actor=world.actor(world.manager), meeting=m, ids=[b.pk, a.pk])
    assert list(m.agenda_items.values_list("pk", flat=True)) == [b.pk, a.pk]
    with pytest.raises(ValidationError):
        services.agenda_reorder(actor=world.actor(world.manager), meeting=m, ids=[b.pk])
    with pytest.raises(PermissionDenied):
        services.agenda_remove(actor=world.actor(world.teammate), item=a)
    services.agenda_remove(actor=world.actor(world.owner), item=a)
    assert list(m.agenda_items.values_list("pk", flat=True)) == [b.pk]


def test_outsiders_cannot_add_to_the_agenda_nor_link_records_they_cannot_see(world: World) -> None:
    from tandem.deals.tests.factories import DealFactory

    m = meeting(world)
    with pytest.raises(PermissionDenied):
        services.agenda_add(actor=world.actor(world.outsider), meeting=m, title="Spam")
    hidden = DealFactory(owner=world.outsider)
    with pytest.raises(ValidationError) as exc:
        services.agenda_add(
            actor=world.actor(world.owner), meeting=m, title="Review", record_type="deal", record_id=hidden.pk
        )
    assert "record_id" in exc.value.message_dict
    mine = DealFactory(owner=world.owner)
    services.agenda_add(
        actor=world.actor(world.owner), meeting=m, title="Review", record_type="deal", record_id=mine.pk
    )
    assert list(m.deals.all()) == [mine]
    assert AgendaItem.objects.filter(meeting=m).count() == 1


def test_a_series_refuses_a_bad_rule_and_a_team_out_of_reach(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        series(world, now=NOW, recurrence="EVERY MONDAY", team=world.west_sales, duration_minutes=1)
    assert set(exc.value.message_dict) >= {"recurrence", "team", "duration_minutes"}
    with pytest.raises(ValidationError):
        series(world, now=NOW, recurrence="FREQ=MINUTELY")
    assert Meeting.objects.count() == 0 and ActionItem.objects.count() == 0


def test_after_the_meeting_its_record_is_completed_but_its_time_is_history(world: World) -> None:
    m = meeting(world)
    manager = world.actor(world.manager)
    services.meeting_mark_held(actor=manager, meeting=m, minutes="Draft")
    services.minutes_write(actor=manager, meeting=m, minutes="Final minutes")
    services.action_item_add(actor=manager, meeting=m, title="Follow up", owner=world.teammate)
    with pytest.raises(ValidationError):
        services.meeting_update(actor=manager, meeting=m, starts_at=m.starts_at + datetime.timedelta(days=1))
    m.refresh_from_db()
    assert m.minutes == "Final minutes" and m.event is not None and m.event.sequence == 0
    # Nor can a held meeting be cancelled.
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=manager, meeting=m)
