"""The check-in page, check-out, photos through the access check, and the manager's day view."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory
from tandem.org.models import User
from tandem.org.tests.factories import UserFactory, join
from tandem.schedule.models import Event, EventKind
from tandem.visits import services
from tandem.visits.models import CheckIn

from .conftest import JPEG, upload

pytestmark = pytest.mark.django_db


def as_(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_a_rep_checks_in_from_the_page_and_out_again(world: World, account: Account) -> None:
    client = as_(world.owner)
    page = client.get("/visits/")
    assert page.status_code == 200
    assert b'capture="environment"' in page.content and b"data-geo-locate" in page.content
    response = client.post(
        "/visits/",
        {"account": account.pk, "latitude": "31.2", "longitude": "121.4", "note": "Demo", "photo": upload()},
    )
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert checkin.photo_type == "jpeg" and checkin.note == "Demo"
    card = client.get("/visits/")
    assert b"open-visit" in card.content and b"Acme Visits" in card.content
    out = client.post(
        f"/visits/{checkin.pk}/check-out/", {"latitude": "31.2", "longitude": "121.4", "note": "Done"}
    )
    assert out.status_code == 302
    checkin.refresh_from_db()
    assert not checkin.is_open and checkin.note == "Done"
    assert Activity.objects.get().content.startswith("Done")


def test_the_page_shows_errors_inline_and_saves_nothing(world: World, outside_account: Account) -> None:
    client = as_(world.owner)
    response = client.post("/visits/", {"account": outside_account.pk, "photo": upload(b"<?php ?>", "a.jpg")})
    assert response.status_code == 400
    assert b"invalid-feedback" in response.content
    assert not CheckIn.objects.exists()
    refused = client.post(
        "/visits/", {"account": AccountFactory(owner=world.owner).pk, "latitude": "99", "longitude": "1"}
    )
    assert refused.status_code == 400
    assert not CheckIn.objects.exists()


def test_todays_planned_visits_are_offered(world: World, account: Account) -> None:
    event = Event.objects.create(
        title="Quarterly review at Acme",
        kind=EventKind.VISIT,
        organizer=world.owner,
        team=world.east_sales,
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
        record_type="account",
        record_id=account.pk,
    )
    client = as_(world.owner)
    assert b"Quarterly review at Acme" in client.get("/visits/").content
    assert client.post("/visits/", {"event": event.pk}).status_code == 302
    assert CheckIn.objects.get().event_id == event.pk


def test_the_photo_is_served_only_to_those_who_see_the_visit(world: World, account: Account) -> None:
    checkin = services.checkin_start(actor=world.actor(world.owner), account=account, photo=upload())
    url = f"/visits/{checkin.pk}/photo/"
    served = as_(world.manager).get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert b"".join(served.streaming_content) == JPEG
    assert as_(world.outsider).get(url).status_code == 404
    assert as_(world.teammate).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to sign in
    # The file is not under a public path named after the upload.
    assert "visit.jpg" not in str(checkin.photo.name)


def test_others_cannot_check_out_or_edit_someone_elses_visit(world: World, account: Account) -> None:
    checkin = services.checkin_start(actor=world.actor(world.owner), account=account)
    assert as_(world.outsider).post(f"/visits/{checkin.pk}/check-out/", {}).status_code == 404
    assert as_(world.outsider).post(f"/visits/{checkin.pk}/edit/", {"note": "x"}).status_code == 404
    assert as_(world.manager).post(f"/visits/{checkin.pk}/check-out/", {}).status_code == 403
    checkin.refresh_from_db()
    assert checkin.is_open and checkin.note == "" and not Activity.objects.exists()


def test_the_day_view_shows_the_managers_teams_visits_only(world: World, account: Account) -> None:
    services.checkin_start(
        actor=world.actor(world.owner), account=account, position={"latitude": 31.2, "longitude": 121.4}
    )
    services.checkin_start(
        actor=world.actor(world.outsider), account=AccountFactory(owner=world.outsider, name="West Co")
    )
    page = as_(world.manager).get("/visits/day/")
    assert page.status_code == 200
    assert b"Acme Visits" in page.content and b"West Co" not in page.content
    assert b"visit-points" in page.content
    mine = as_(world.teammate).get("/visits/day/")
    assert b"Acme Visits" not in mine.content
    chinese = as_(world.manager, "zh-hans").get("/visits/day/")
    assert chinese.status_code == 200


def test_the_day_view_reads_a_flat_number_of_queries(world: World) -> None:
    client = as_(world.manager)
    now = timezone.now()

    def add(n: int) -> None:
        for _ in range(n):
            rep = UserFactory(roles=["sales-rep"], manager=world.manager)
            join(rep, world.east_sales)
            acc = AccountFactory(owner=rep)
            checkin = services.checkin_start(
                actor=world.actor(rep),
                account=acc,
                photo=upload(),
                at=now - datetime.timedelta(hours=2),
                position={"latitude": 31.2, "longitude": 121.4},
            )
            services.checkin_finish(
                actor=world.actor(rep), checkin=checkin, position={"latitude": 31.21, "longitude": 121.4}
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/visits/day/", {"team": world.east_sales.pk}).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    few = count()
    add(8)
    assert count() == few


def test_a_bad_date_falls_back_to_today(world: World) -> None:
    assert as_(world.manager).get("/visits/day/", {"date": "not-a-day", "team": "x"}).status_code == 200


def test_a_person_without_field_visits_gets_404(world: World) -> None:
    nobody = UserFactory(roles=[])
    assert as_(nobody).get("/visits/").status_code == 404
    assert as_(nobody).get("/visits/day/").status_code == 404
    assert as_(nobody).post("/visits/", {}).status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_outside_1900_to_2100_shows_today_not_an_error(world: World, day: str) -> None:
    page = as_(world.manager).get("/visits/day/", {"date": day})
    assert page.status_code == 200
    assert timezone.localdate().isoformat() in page.content.decode()
