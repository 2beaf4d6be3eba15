"""The meeting pages: list, meeting page (agenda by htmx, carry-over with one-click done,
minutes escaped), the forms with inline errors, and the Meetings card on a deal page."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.conftest import World
from tandem.deals.tests.factories import DealFactory
from tandem.org.models import User
from tandem.tasks.models import TaskStatus

from .. import services
from ..models import AgendaItem, Meeting, MeetingSeries
from .factories import meeting

pytestmark = pytest.mark.django_db


def as_(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_my_teams_meetings_in_flat_queries(world: World) -> None:
    client = as_(world.owner)
    meeting(world)
    with CaptureQueriesContext(connection) as few:
        page = client.get("/meetings/")
    assert page.status_code == 200 and "Deal review" in page.content.decode()
    for day in range(8, 20):
        meeting(
            world, title=f"Review {day}", starts_at=datetime.datetime(2030, 1, day, 1, tzinfo=datetime.UTC)
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/meetings/")
    assert "Review 19" in page.content.decode()
    assert len(many) == len(few)
    assert "Deal review" not in as_(world.outsider).get("/meetings/").content.decode()


def test_the_meeting_page_for_members_and_404_for_outsiders(world: World) -> None:
    m = meeting(world)
    services.minutes_write(actor=world.actor(world.manager), meeting=m, minutes="<b>bold</b>\n\n- one\n- two")
    services.meeting_mark_held(actor=world.actor(world.manager), meeting=m)
    page = as_(world.owner).get(f"/meetings/{m.pk}/").content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<li>one</li>" in page
    assert as_(world.outsider).get(f"/meetings/{m.pk}/").status_code == 404
    assert as_(world.outsider).post(f"/meetings/{m.pk}/agenda/", {"title": "x"}).status_code == 404


def test_a_member_adds_an_agenda_item_by_htmx_and_bad_input_shows_inline(world: World) -> None:
    m = meeting(world)
    client = as_(world.owner)
    ok = client.post(f"/meetings/{m.pk}/agenda/", {"title": "Acme renewal"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and "Acme renewal" in ok.content.decode()
    bad = client.post(f"/meetings/{m.pk}/agenda/", {"title": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    assert AgendaItem.objects.filter(meeting=m).count() == 1


def test_the_next_meeting_starts_with_last_times_open_items_done_in_one_click(world: World) -> None:
    s = services.series_create(
        actor=world.actor(world.manager),
        team=world.east_sales,
        title="Weekly",
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        first_starts_at=datetime.datetime(2030, 1, 7, 1, 30, tzinfo=datetime.UTC),
        duration_minutes=60,
        time_zone="Asia/Shanghai",
    )
    first, second = Meeting.objects.filter(series=s).order_by("starts_at")[:2]
    item = services.action_item_add(
        actor=world.actor(world.manager), meeting=first, title="Call Acme back", owner=world.owner
    )
    page = as_(world.owner).get(f"/meetings/{second.pk}/").content.decode()
    assert "Open action items from the last meeting" in page and "Call Acme back" in page
    assert "Review open action items" in page
    # Someone else cannot tick it; its owner can.
    as_(world.teammate).post(f"/meetings/action-items/{item.pk}/done/")
    item.task.refresh_from_db()
    assert item.task.status == TaskStatus.TODO
    answer = as_(world.owner).post(
        f"/meetings/action-items/{item.pk}/done/", {"next": f"/meetings/{second.pk}/"}
    )
    assert answer.status_code == 302 and answer["Location"] == f"/meetings/{second.pk}/"
    item.task.refresh_from_db()
    assert item.task.status == TaskStatus.DONE and item.task.completed_at is not None


def test_the_series_form_plans_weekly_meetings_in_my_zone(world: World) -> None:
    world.manager.time_zone = "Europe/Berlin"
    world.manager.save(update_fields=["time_zone"])
    answer = as_(world.manager).post(
        "/meetings/series/new/",
        {
            "team": world.east_sales.pk,
            "title": "Montagsrunde",
            "weekday": "0",
            "interval": "1",
            "time": "09:30",
            "starts_on": "2030-03-20",
            "duration_minutes": "60",
            "place": "",
        },
    )
    assert answer.status_code == 302
    series = MeetingSeries.objects.get(title="Montagsrunde")
    starts = list(series.meetings.order_by("starts_at").values_list("starts_at", flat=True))
    # Mondays at 09:30 Berlin time: CET (UTC+1) until 31 March 2030, then CEST (UTC+2).
    assert starts[0] == datetime.datetime(2030, 3, 25, 8, 30, tzinfo=datetime.UTC)
    assert starts[1] == datetime.datetime(2030, 4, 1, 7, 30, tzinfo=datetime.UTC)


def test_the_forms_show_inline_errors_and_write_nothing(world: World) -> None:
    client = as_(world.manager)
    bad = client.post("/meetings/new/", {"team": world.east_sales.pk, "title": "", "duration_minutes": "1"})
    assert bad.status_code == 200 and bad.content.decode().count("invalid-feedback") >= 2
    bad_series = client.post("/meetings/series/new/", {"title": "x"})
    assert bad_series.status_code == 200 and "invalid-feedback" in bad_series.content.decode()
    assert Meeting.objects.count() == 0 and MeetingSeries.objects.count() == 0
    made = client.post(
        "/meetings/new/",
        {
            "team": world.east_sales.pk,
            "title": "Kick-off",
            "starts_at": "2030-01-07T09:30",
            "duration_minutes": "30",
        },
    )
    assert made.status_code == 302
    assert Meeting.objects.get().ends_at == datetime.datetime(2030, 1, 7, 2, 0, tzinfo=datetime.UTC)


def test_a_meeting_at_the_end_of_time_is_refused_inline(world: World) -> None:
    m = meeting(world, title="Weekly", starts_at=datetime.datetime(2030, 1, 7, 1, tzinfo=datetime.UTC))
    client = as_(world.manager)
    for starts_at in ("9999-12-31T23:59", "0001-01-01T00:00", "2101-01-01T00:00"):
        answer = client.post(
            f"/meetings/{m.pk}/edit/", {"title": "Weekly", "starts_at": starts_at, "duration_minutes": "60"}
        )
        assert answer.status_code == 200, starts_at
        assert "Enter a date between 1900-01-01 and 2100-12-31." in answer.content.decode()
        m.refresh_from_db()
        assert m.starts_at == datetime.datetime(2030, 1, 7, 1, tzinfo=datetime.UTC)
    series = client.post(
        "/meetings/series/new/",
        {
            "team": world.east_sales.pk,
            "title": "Weekly",
            "weekday": "0",
            "interval": "1",
            "time": "09:30",
            "starts_on": "9999-12-31",
            "duration_minutes": "60",
        },
    )
    assert (
        series.status_code == 200
        and "Enter a date between 1900-01-01 and 2100-12-31." in series.content.decode()
    )
    assert MeetingSeries.objects.count() == 0


def test_a_deal_page_lists_the_meetings_that_reviewed_it(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    meeting(world, deals=[deal.pk], title="Review of the tender")
    page = as_(world.owner).get(f"/deals/{deal.pk}/")
    assert f"/meetings/record/deal/{deal.pk}/" in page.content.decode()
    card = as_(world.owner).get(f"/meetings/record/deal/{deal.pk}/")
    assert card.status_code == 200 and "Review of the tender" in card.content.decode()
    assert as_(world.outsider).get(f"/meetings/record/deal/{deal.pk}/").status_code == 404


def test_a_meeting_not_yet_written_up_stays_with_the_upcoming_ones(world: World) -> None:
    from django.utils import timezone

    now = timezone.now()
    recent = meeting(world, title="Yesterday's", starts_at=now - datetime.timedelta(days=1))
    meeting(world, title="Last month's", starts_at=now - datetime.timedelta(days=30))
    held = meeting(world, title="Held one", starts_at=now - datetime.timedelta(days=2))
    services.meeting_mark_held(actor=world.actor(world.manager), meeting=held)
    client = as_(world.owner)
    upcoming = client.get("/meetings/").content.decode()
    past = client.get("/meetings/?tab=past").content.decode()
    assert recent.title.replace("'", "&#x27;") in upcoming and "Held one" not in upcoming
    assert "Last month" in past and "Held one" in past and "Yesterday" not in past


@pytest.mark.parametrize(
    ("language", "past_label", "planned_label"),
    [("en", "Awaiting minutes", "Planned"), ("zh-hans", "待补纪要", "待召开")],
)
def test_a_planned_meeting_whose_time_has_passed_says_its_minutes_are_due(
    world: World, language: str, past_label: str, planned_label: str
) -> None:
    """Not "Planned" a week after it was to be held: the badge says what is left to do, in the
    reader's language, on the list and on the meeting's page."""
    from django.utils import timezone

    now = timezone.now()
    past = meeting(world, title="Last Monday's", starts_at=now - datetime.timedelta(days=6))
    meeting(world, title="Next Monday's", starts_at=now + datetime.timedelta(days=1))
    User.objects.filter(pk=world.owner.pk).update(language=language)
    client = as_(world.owner)
    for body in (
        client.get("/meetings/").content.decode(),
        client.get(f"/meetings/{past.pk}/").content.decode(),
    ):
        badge = body.split("data-meeting-past", 1)[1].split("</span>", 1)[0]
        assert past_label in badge
    listing = client.get("/meetings/").content.decode()
    assert listing.count("data-meeting-past") == 1
    assert f'badge bg-blue-lt">{planned_label}</span>' in listing
