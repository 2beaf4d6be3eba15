"""The calendar pages: the page and its JSON range, drag to reschedule (refused cleanly), the
event form with inline errors, the detail page's answers, team week and workload with flat
query counts, the subscription page and a record's upcoming events card."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.conftest import World
from tandem.org.models import User

from .. import services
from ..models import Attendee, Event, WorkCapacity
from .helpers import at, make

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_calendar_page_and_its_items(world: World) -> None:
    make(world, attendees=[world.teammate])
    page = signed_in(world.owner).get("/calendar/")
    assert page.status_code == 200 and b'id="calendar"' in page.content
    rows = signed_in(world.owner).get("/calendar/items/", {"start": "2026-12-07", "end": "2026-12-14"}).json()
    assert len(rows) == 1 and rows[0]["editable"] is True and rows[0]["start"].startswith("2026-12-07T09:00")
    theirs = (
        signed_in(world.teammate).get("/calendar/items/", {"start": "2026-12-07", "end": "2026-12-14"}).json()
    )
    assert theirs[0]["editable"] is False
    assert signed_in(world.owner).get("/calendar/items/", {"start": "x"}).status_code == 400


def test_drag_to_reschedule_and_a_refusal_that_changes_nothing(world: World) -> None:
    event = make(world, attendees=[world.teammate])
    moved = signed_in(world.owner).post(
        f"/calendar/events/{event.pk}/move/",
        {"start": "2026-12-08T02:00:00.000Z", "end": "2026-12-08T03:00:00.000Z"},
    )
    assert moved.status_code == 200, moved.json()
    event.refresh_from_db()
    assert event.starts_at == at("2026-12-08", "10:00")
    refused = signed_in(world.teammate).post(
        f"/calendar/events/{event.pk}/move/", {"start": "2026-12-09T02:00:00Z", "end": "2026-12-09T03:00:00Z"}
    )
    assert refused.status_code == 403 and refused.json()["detail"]
    hidden = signed_in(world.outsider).post(
        f"/calendar/events/{event.pk}/move/", {"start": "2026-12-09T02:00:00Z"}
    )
    assert hidden.status_code == 404
    event.refresh_from_db()
    assert event.starts_at == at("2026-12-08", "10:00")


def test_the_form_creates_an_event_and_shows_errors_inline(world: World) -> None:
    client = signed_in(world.owner)
    assert client.get("/calendar/events/new/").status_code == 200
    bad = client.post(
        "/calendar/events/new/",
        {
            "kind": "meeting",
            "title": "Plan",
            "starts_at": "2026-12-07T10:00",
            "ends_at": "2026-12-07T09:00",
            "time_zone": "Asia/Shanghai",
        },
    )
    assert bad.status_code == 400 and b"invalid-feedback" in bad.content
    assert not Event.objects.exists()
    good = client.post(
        "/calendar/events/new/",
        {
            "kind": "meeting",
            "title": "Plan",
            "starts_at": "2026-12-07T10:00",
            "ends_at": "2026-12-07T11:00",
            "time_zone": "America/New_York",
            "attendees": [world.teammate.pk],
            "repeat": "WEEKLY",
            "repeat_interval": "1",
            "repeat_until": "2026-12-31",
        },
    )
    assert good.status_code == 302
    event = Event.objects.get()
    # The times are read in the event's own zone.
    assert event.starts_at == at("2026-12-07", "10:00", "America/New_York")
    assert event.recurrence.startswith("FREQ=WEEKLY;UNTIL=20270101T045959Z")
    assert Attendee.objects.filter(event=event, user=world.teammate).exists()
    edit = client.get(f"/calendar/events/{event.pk}/edit/")
    assert edit.status_code == 200
    assert signed_in(world.teammate).get(f"/calendar/events/{event.pk}/edit/").status_code == 403


def test_the_detail_page_takes_an_answer(world: World) -> None:
    event = make(world, attendees=[world.teammate])
    client = signed_in(world.teammate)
    page = client.get(f"/calendar/events/{event.pk}/")
    assert page.status_code == 200 and b'name="response"' in page.content
    client.post(f"/calendar/events/{event.pk}/respond/", {"response": "accepted"})
    assert Attendee.objects.get(event=event, user=world.teammate).response == "accepted"
    assert signed_in(world.outsider).get(f"/calendar/events/{event.pk}/").status_code == 404


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_team_week_and_workload_keep_flat_query_counts(world: World) -> None:
    client = signed_in(world.manager)
    url_team = f"/calendar/team/?team={world.east_sales.pk}&week=2026-12-07"
    url_load = f"/calendar/workload/?team={world.east_sales.pk}&week=2026-12-07"
    make(world, world.teammate, title="One-off", attendees=[world.owner])
    series = make(world, attendees=[world.teammate], recurrence="FREQ=DAILY;COUNT=3")
    services.event_cancel(actor=world.actor(world.owner), event=series, occurrence=at("2026-12-08", "09:00"))
    team_few, load_few = _queries(client, url_team), _queries(client, url_load)
    for day in range(8, 12):
        for person in (world.owner, world.teammate, world.two_teams):
            make(
                world,
                person,
                kind="visit",
                starts_at=at(f"2026-12-{day:02d}", "14:00"),
                ends_at=at(f"2026-12-{day:02d}", "16:00"),
                attendees=[world.manager],
                recurrence="FREQ=DAILY;COUNT=2" if day == 9 else "",
            )
    assert _queries(client, url_team) == team_few
    assert _queries(client, url_load) == load_few
    page = client.get(url_team)
    assert "王小明".encode() in page.content and b"Weekly sync" in page.content


def test_a_manager_sets_capacity_and_overload_shows(world: World) -> None:
    make(world, kind="visit", starts_at=at("2026-12-07", "09:00"), ends_at=at("2026-12-07", "18:00"))
    client = signed_in(world.manager)
    client.post(f"/calendar/workload/capacity/{world.owner.pk}/", {"hours_per_week": 4, "visits_per_week": 5})
    assert WorkCapacity.objects.get(user=world.owner).hours_per_week == 4
    page = client.get(f"/calendar/workload/?team={world.east_sales.pk}&week=2026-W50")
    assert b"table-warning" in page.content
    # A rep cannot set anyone's capacity, their own included.
    refused = signed_in(world.teammate).post(
        f"/calendar/workload/capacity/{world.owner.pk}/", {"hours_per_week": 90, "visits_per_week": 90}
    )
    assert refused.status_code == 404
    assert WorkCapacity.objects.get(user=world.owner).hours_per_week == 4


def test_the_subscription_page_issues_and_revokes(world: World) -> None:
    client = signed_in(world.owner)
    assert b"feed-url" not in client.get("/calendar/subscription/").content
    client.post("/calendar/subscription/", {"action": "regenerate"})
    page = client.get("/calendar/subscription/")
    assert b"/calendar/feed/" in page.content
    client.post("/calendar/subscription/", {"action": "revoke"})
    assert b"feed-url" not in client.get("/calendar/subscription/").content


def test_a_records_upcoming_events_card(world: World) -> None:
    from django.utils import timezone

    from tandem.customers.tests.factories import AccountFactory

    account = AccountFactory(owner=world.owner)
    soon = timezone.now() + timezone.timedelta(days=2)
    make(
        world,
        kind="visit",
        title="Visit ACME",
        record_type="account",
        record_id=account.pk,
        starts_at=soon,
        ends_at=soon + timezone.timedelta(hours=1),
    )
    card = signed_in(world.owner).get(f"/calendar/upcoming/account/{account.pk}/")
    assert card.status_code == 200 and b"Visit ACME" in card.content
    assert signed_in(world.outsider).get(f"/calendar/upcoming/account/{account.pk}/").status_code == 404
    page = signed_in(world.owner).get(account.get_absolute_url())
    assert f"/calendar/upcoming/account/{account.pk}/" in page.content.decode()


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "0001-W01"])
def test_a_week_outside_1900_to_2100_shows_this_week_not_an_error(world: World, week: str) -> None:
    client = signed_in(world.manager)
    for url in ("/calendar/team/", "/calendar/workload/"):
        assert client.get(url, {"team": world.east_sales.pk, "week": week}).status_code == 200
