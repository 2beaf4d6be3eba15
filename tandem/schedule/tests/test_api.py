"""/api/v1/events/ and /api/v1/workload/: CRUD, occurrences over a range, answers, one
occurrence's edit, 400 field messages, 404 for people who may not see an event (nothing
changed), and a range read whose query count stays flat."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.conftest import World

from ..models import Event, EventStatus
from .helpers import as_, at, make

pytestmark = pytest.mark.django_db
URL = "/api/v1/events/"


def body(**kwargs: object) -> dict[str, object]:
    return {
        "title": "Visit ACME",
        "kind": "visit",
        "starts_at": "2026-12-07T09:00:00+08:00",
        "ends_at": "2026-12-07T11:00:00+08:00",
        "time_zone": "Asia/Shanghai",
        **kwargs,
    }


def test_create_read_and_list_an_event(world: World) -> None:
    answer = as_(world.owner).post(URL, body(attendees=[world.teammate.pk]), format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["organizer"]["id"] == world.owner.pk and data["team"]["id"] == world.east_sales.pk
    assert [a["user"]["id"] for a in data["attendees"]] == [world.teammate.pk]
    assert as_(world.teammate).get(f"{URL}{data['id']}/").status_code == 200
    listed = as_(world.owner).get(URL, {"start": "2026-12-07T00:00:00Z", "end": "2026-12-08T00:00:00Z"})
    assert [e["id"] for e in listed.json()["results"]] == [data["id"]]


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("ends_at", {"ends_at": "2026-12-07T08:00:00+08:00"}),
        ("recurrence", {"recurrence": "FREQ=NEVER"}),
        ("time_zone", {"time_zone": "Nowhere/City"}),
        ("kind", {"kind": "party"}),
        ("starts_at", {"starts_at": "0026-03-08T00:00:01Z", "ends_at": "0026-03-08T01:00:00Z"}),
    ],
)
def test_bad_input_answers_400_with_field_messages(world: World, field: str, changes: dict[str, str]) -> None:
    answer = as_(world.owner).post(URL, body(**changes), format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not Event.objects.exists()


def test_messages_come_in_the_callers_language(world: World) -> None:
    answer = as_(world.owner, "zh-hans").post(URL, body(recurrence="FREQ=NEVER"), format="json")
    assert answer.status_code == 400
    assert "重复" in answer.json()["recurrence"][0]


def test_outsiders_get_404_and_invited_people_403_on_changes(world: World) -> None:
    event = make(world, attendees=[world.teammate])
    assert as_(world.outsider).get(f"{URL}{event.pk}/").status_code == 404
    assert as_(world.outsider).patch(f"{URL}{event.pk}/", {"title": "x"}, format="json").status_code == 404
    assert as_(world.outsider).delete(f"{URL}{event.pk}/").status_code == 404
    assert as_(world.teammate).patch(f"{URL}{event.pk}/", {"title": "x"}, format="json").status_code == 403
    assert as_(world.teammate).post(f"{URL}{event.pk}/cancel/").status_code == 403
    event.refresh_from_db()
    assert event.title == "Weekly sync" and event.status == EventStatus.CONFIRMED


def test_respond_and_cancel_one_occurrence(world: World) -> None:
    event = make(world, attendees=[world.teammate], recurrence="FREQ=WEEKLY;COUNT=3")
    answer = as_(world.teammate).post(f"{URL}{event.pk}/respond/", {"response": "tentative"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["attendees"][0]["response"] == "tentative"
    second = at("2026-12-14", "09:00").isoformat()
    cancelled = as_(world.owner).post(f"{URL}{event.pk}/cancel/?occurrence={second.replace('+', '%2B')}")
    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["series"] == event.pk and cancelled.json()["status"] == "cancelled"
    moved = as_(world.owner).patch(
        f"{URL}{event.pk}/?occurrence={at('2026-12-21', '09:00').isoformat().replace('+', '%2B')}",
        {"starts_at": "2026-12-22T15:00:00+08:00", "ends_at": "2026-12-22T16:00:00+08:00"},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    rows = (
        as_(world.owner)
        .get(f"{URL}occurrences/", {"start": "2026-12-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"})
        .json()
    )
    assert [(r["start"][:16], r["status"]) for r in rows] == [
        ("2026-12-07T09:00", "confirmed"),
        ("2026-12-14T09:00", "cancelled"),
        ("2026-12-22T15:00", "confirmed"),
    ]


def test_occurrences_keep_a_flat_query_count(world: World) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            answer = as_(world.manager).get(
                f"{URL}occurrences/", {"start": "2026-12-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"}
            )
            assert answer.status_code == 200
        return len(ctx.captured_queries)

    make(world, attendees=[world.teammate])
    make(world, recurrence="FREQ=DAILY;COUNT=5", attendees=[world.two_teams])
    few = count()
    for day in range(8, 20):
        make(
            world,
            world.teammate,
            starts_at=at(f"2026-12-{day:02d}", "10:00"),
            ends_at=at(f"2026-12-{day:02d}", "11:00"),
            attendees=[world.owner, world.two_teams],
            recurrence="FREQ=WEEKLY;COUNT=2" if day % 2 else "",
        )
    assert count() == few


def test_workload_counts_a_reps_own_week_and_a_managers_team(world: World) -> None:
    make(world, kind="visit", starts_at=at("2026-12-07", "09:00"), ends_at=at("2026-12-07", "12:00"))
    make(
        world,
        world.teammate,
        attendees=[world.owner],
        starts_at=at("2026-12-08", "14:00"),
        ends_at=at("2026-12-08", "15:30"),
    )
    mine = as_(world.owner).get("/api/v1/workload/", {"week": "2026-W50"})
    assert mine.status_code == 200, mine.json()
    rows = mine.json()["people"]
    assert [r["user"]["id"] for r in rows] == [world.owner.pk]
    assert rows[0]["visits"] == 1 and rows[0]["visit_hours"] == 3.0
    assert rows[0]["meetings"] == 1 and rows[0]["meeting_hours"] == 1.5 and rows[0]["overloaded"] is False
    team = (
        as_(world.manager)
        .get("/api/v1/workload/", {"week": "2026-12-09", "team": world.east_sales.pk})
        .json()
    )
    assert world.teammate.pk in [r["user"]["id"] for r in team["people"]] and team["week"] == "2026-W50"
    refused = as_(world.outsider).get("/api/v1/workload/", {"team": world.east_sales.pk})
    assert refused.status_code == 400 and "team" in refused.json()
    assert as_(world.owner).get("/api/v1/workload/", {"week": "soon"}).status_code == 400


def test_week_boundaries_are_the_persons_own(world: World) -> None:
    """Monday 00:30 in Shanghai is Sunday in UTC: it counts in the Shanghai person's week."""
    make(world, starts_at=at("2026-12-07", "00:30"), ends_at=at("2026-12-07", "01:30"))
    from ..workload import load_for

    loads = load_for([world.owner], datetime.date(2026, 12, 7))
    assert loads[world.owner.pk].meetings == 1
    before = load_for([world.owner], datetime.date(2026, 11, 30))
    assert before[world.owner.pk].meetings == 0
