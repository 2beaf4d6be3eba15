"""``/api/v1/checkins/``: scoped reads, check in and out, photo, and 400s with field messages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory
from tandem.org.models import User
from tandem.visits import services
from tandem.visits.models import CheckIn

from .conftest import JPEG, upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/checkins/"


def as_(user: User) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_a_rep_checks_in_and_out_through_the_api(world: World, account: Account) -> None:
    client = as_(world.owner)
    response = client.post(
        URL, {"account": account.pk, "latitude": 31.23, "longitude": 121.47, "note": "Hi"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_open"] and body["account"] == {"id": account.pk, "name": "Acme Visits"}
    out = client.post(
        f"{URL}{body['id']}/check-out/", {"latitude": 31.23, "longitude": 121.47}, format="json"
    )
    assert out.status_code == 200, out.json()
    assert out.json()["activity"] == Activity.objects.get().pk
    again = client.post(f"{URL}{body['id']}/check-out/", {}, format="json")
    assert again.status_code == 400
    assert Activity.objects.count() == 1


def test_a_check_in_with_a_photo_as_multipart(world: World, account: Account) -> None:
    client = as_(world.owner)
    response = client.post(URL, {"account": account.pk, "photo": upload()}, format="multipart")
    assert response.status_code == 201, response.json()
    photo_url = response.json()["photo_url"]
    assert photo_url == f"{URL}{response.json()['id']}/photo/"
    served = client.get(photo_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == JPEG
    assert as_(world.outsider).get(photo_url).status_code == 404
    assert as_(world.manager).get(photo_url).status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"latitude": 95, "longitude": 10}, "latitude"),
        ({"latitude": 10, "longitude": 200}, "longitude"),
        ({"latitude": 10}, "longitude"),
        ({}, "account"),
        ({"account": "x"}, "account"),
    ],
)
def test_bad_input_answers_400_with_field_messages(
    world: World, account: Account, payload: dict[str, Any], field: str
) -> None:
    data = {"account": account.pk, **payload} if "account" not in payload and payload else payload
    response = as_(world.owner).post(URL, data, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"] if "errors" in response.json() else field in response.json()
    assert not CheckIn.objects.exists()


def test_an_account_the_caller_cannot_see_answers_400_like_a_missing_one(
    world: World, outside_account: Account
) -> None:
    hidden = as_(world.owner).post(URL, {"account": outside_account.pk}, format="json")
    missing = as_(world.owner).post(URL, {"account": 999999}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
    assert not CheckIn.objects.exists()


def test_a_second_open_check_in_answers_400(world: World, account: Account) -> None:
    client = as_(world.owner)
    assert client.post(URL, {"account": account.pk}, format="json").status_code == 201
    second = client.post(URL, {"account": AccountFactory(owner=world.owner).pk}, format="json")
    assert second.status_code == 400
    assert "already checked in" in str(second.json())
    assert CheckIn.objects.count() == 1


def test_a_bad_photo_answers_400(world: World, account: Account) -> None:
    response = as_(world.owner).post(
        URL, {"account": account.pk, "photo": upload(b"<svg onload=alert(1)>", "x.jpg")}, format="multipart"
    )
    assert response.status_code == 400
    assert "photo" in str(response.json())
    assert not CheckIn.objects.exists()


def test_who_sees_and_who_changes_a_check_in(world: World, account: Account) -> None:
    checkin = services.checkin_start(actor=world.actor(world.owner), account=account)
    detail = f"{URL}{checkin.pk}/"
    assert as_(world.owner).get(detail).status_code == 200
    assert as_(world.manager).get(detail).status_code == 200
    assert as_(world.director).get(detail).status_code == 200
    assert as_(world.teammate).get(detail).status_code == 404
    assert as_(world.outsider).get(detail).status_code == 404
    # The manager sees it but may not check out or edit for the rep; others do not see it.
    assert as_(world.manager).post(f"{detail}check-out/", {}, format="json").status_code == 403
    assert as_(world.manager).patch(detail, {"note": "x"}, format="json").status_code == 403
    assert as_(world.outsider).post(f"{detail}check-out/", {}, format="json").status_code == 404
    assert as_(world.outsider).patch(detail, {"note": "x"}, format="json").status_code == 404
    checkin.refresh_from_db()
    assert checkin.is_open and checkin.note == ""
    assert (
        as_(world.owner).patch(detail, {"note": "Agenda sent"}, format="json").json()["note"] == "Agenda sent"
    )


def test_the_list_filters_by_day_in_the_callers_zone_by_team_and_person(
    world: World, account: Account
) -> None:
    world.manager.time_zone = "Pacific/Kiritimati"  # UTC+14
    world.manager.save(update_fields=["time_zone"])
    now = timezone.now()
    # 12:00 UTC on July 1 is 02:00 on July 2 in Kiritimati: the manager's July 2.
    noon = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)
    mine = services.checkin_start(actor=world.actor(world.owner), account=account, at=noon)
    services.checkin_start(
        actor=world.actor(world.outsider),
        account=AccountFactory(owner=world.outsider),
        at=now - datetime.timedelta(hours=1),
    )
    manager = as_(world.manager)
    rows = manager.get(URL).json()["results"]
    assert [r["id"] for r in rows] == [mine.pk]
    assert [r["id"] for r in manager.get(URL, {"date": "2026-07-02"}).json()["results"]] == [mine.pk]
    assert manager.get(URL, {"date": "2026-07-01"}).json()["results"] == []
    assert len(manager.get(URL, {"team": world.east.pk}).json()["results"]) == 1
    assert manager.get(URL, {"team": world.west_sales.pk}).json()["results"] == []
    assert manager.get(URL, {"user": world.teammate.pk}).json()["results"] == []
    assert manager.get(URL, {"date": "yesterday"}).status_code == 400
    assert as_(world.director).get(URL).json()["count"] == 2


def test_checking_in_from_a_planned_visit_and_someone_elses_visit_is_refused(
    world: World, account: Account
) -> None:
    from tandem.schedule.models import Event, EventKind

    def visit(organizer: User) -> Event:
        return Event.objects.create(
            title="Visit",
            kind=EventKind.VISIT,
            organizer=organizer,
            team=world.east_sales,
            starts_at=timezone.now(),
            ends_at=timezone.now() + datetime.timedelta(hours=1),
            record_type="account",
            record_id=account.pk,
        )

    theirs = as_(world.owner).post(URL, {"event": visit(world.teammate).pk}, format="json")
    missing = as_(world.owner).post(URL, {"event": 999999}, format="json")
    assert theirs.status_code == missing.status_code == 400
    assert theirs.json() == missing.json()
    mine = as_(world.owner).post(URL, {"event": visit(world.owner).pk}, format="json")
    assert mine.status_code == 201
    assert mine.json()["account"]["id"] == account.pk


def test_the_list_reads_a_flat_number_of_queries(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.org.tests.factories import UserFactory, join

    manager = as_(world.manager)

    def add(n: int) -> None:
        for _ in range(n):
            rep = UserFactory(roles=["sales-rep"], manager=world.manager)
            join(rep, world.east_sales)
            checkin = services.checkin_start(
                actor=world.actor(rep), account=AccountFactory(owner=rep), photo=upload()
            )
            services.checkin_finish(actor=world.actor(rep), checkin=checkin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert manager.get(URL).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    few = count()
    add(6)
    assert count() == few
