"""Check in, check out, photos and forgotten check-outs, through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.activities.models import Activity, ActivityKind
from tandem.conftest import World
from tandem.core.models import Notification
from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.org.models import User
from tandem.schedule.models import Attendee, Event, EventKind
from tandem.visits import services
from tandem.visits.models import CheckIn

from .conftest import HEIC, JPEG, PNG, at, upload

pytestmark = pytest.mark.django_db


def start(world: World, user: User, account: Account, **kwargs: Any) -> CheckIn:
    return services.checkin_start(actor=world.actor(user), account=account, **kwargs)


def test_a_rep_checks_in_at_their_account_with_a_position(world: World, account: Account) -> None:
    checkin = start(
        world,
        world.owner,
        account,
        position={"latitude": "31.2304", "longitude": "121.4737", "accuracy_m": 12},
    )
    assert checkin.is_open
    assert checkin.team_id == world.east_sales.pk
    assert checkin.in_latitude == Decimal("31.230400")
    assert checkin.in_accuracy_m == 12.0


def test_an_account_the_rep_cannot_see_is_refused_like_a_missing_one(
    world: World, outside_account: Account
) -> None:
    with pytest.raises(ValidationError) as exc:
        start(world, world.owner, outside_account)
    assert exc.value.message_dict["account"] == ["Select a valid choice."]
    assert not CheckIn.objects.exists()


def test_one_open_check_in_per_person(world: World, account: Account) -> None:
    start(world, world.owner, account)
    other = AccountFactory(owner=world.owner)
    with pytest.raises(ValidationError) as exc:
        start(world, world.owner, other)
    assert "already checked in" in exc.value.messages[0]
    assert CheckIn.objects.count() == 1
    # A teammate checks in at the same time, unaffected.
    start(world, world.teammate, AccountFactory(owner=world.teammate))
    assert CheckIn.objects.count() == 2


@pytest.mark.parametrize(
    ("position", "field"),
    [
        ({"latitude": "91", "longitude": "10"}, "latitude"),
        ({"latitude": "10", "longitude": "-180.5"}, "longitude"),
        ({"latitude": "abc", "longitude": "10"}, "latitude"),
        ({"latitude": "10"}, "longitude"),
        ({"latitude": "10", "longitude": "10", "accuracy_m": "-1"}, "accuracy_m"),
        ({"latitude": "NaN", "longitude": "10"}, "latitude"),
    ],
)
def test_bad_coordinates_are_refused_with_a_field_message(
    world: World, account: Account, position: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        start(world, world.owner, account, position=position)
    assert field in exc.value.message_dict
    assert not CheckIn.objects.exists()


def test_a_contact_of_another_account_is_refused(world: World, account: Account) -> None:
    stranger = ContactFactory(account=AccountFactory(owner=world.owner))
    with pytest.raises(ValidationError) as exc:
        start(world, world.owner, account, contact=stranger)
    assert "contact" in exc.value.message_dict
    assert not CheckIn.objects.exists()


def test_check_out_writes_one_visit_follow_up_on_the_account(world: World, account: Account) -> None:
    contact = ContactFactory(account=account)
    began = timezone.now() - datetime.timedelta(minutes=45)
    checkin = start(
        world,
        world.owner,
        account,
        contact=contact,
        note="Met the buyer",
        at=began,
        position={"latitude": 31.2, "longitude": 121.4},
    )
    done = services.checkin_finish(
        actor=world.actor(world.owner), checkin=checkin, position={"latitude": 31.201, "longitude": 121.4}
    )
    assert not done.is_open and done.duration_minutes == 45
    assert done.distance_m == 111
    activity = Activity.objects.get()
    assert done.activity_id == activity.pk
    assert activity.kind == ActivityKind.VISIT
    assert activity.author_id == world.owner.pk
    assert activity.account_id == account.pk and activity.contact_id == contact.pk
    assert activity.occurred_at == began
    assert activity.content.startswith("Met the buyer")
    assert "(45 min)" in activity.content
    account.refresh_from_db()
    assert account.last_follow_up_at == began
    # The manager is told; the event bus carried it.
    assert Notification.objects.filter(recipient=world.manager, kind="checkin.completed").count() == 1
    # Twice: refused, still one follow-up.
    with pytest.raises(ValidationError):
        services.checkin_finish(actor=world.actor(world.owner), checkin=checkin)
    assert Activity.objects.count() == 1


def test_only_the_person_who_checked_in_checks_out(world: World, account: Account) -> None:
    checkin = start(world, world.owner, account)
    with pytest.raises(PermissionDenied):
        services.checkin_finish(actor=world.actor(world.manager), checkin=checkin)
    with pytest.raises(PermissionDenied):
        services.checkin_finish(actor=world.actor(world.outsider), checkin=checkin)
    checkin.refresh_from_db()
    assert checkin.is_open and not Activity.objects.exists()


def test_the_follow_up_reads_in_the_persons_language_and_zone(world: World, account: Account) -> None:
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans", time_zone="America/New_York")
    began = at("2026-07-01T13:00:00+00:00")  # 09:00 in New York (EDT)
    checkin = start(world, world.owner, account, at=began)
    services.checkin_finish(
        actor=world.actor(world.owner), checkin=checkin, at=began + datetime.timedelta(minutes=30)
    )
    content = Activity.objects.get().content
    assert "09:00" in content and "09:30" in content
    assert "签到" in content


# --- Planned visits ---------------------------------------------------------------------------


def visit(world: World, organizer: User, starts: datetime.datetime, **kwargs: Any) -> Event:
    return Event.objects.create(
        title=kwargs.pop("title", "Visit"),
        kind=EventKind.VISIT,
        organizer=organizer,
        team=world.east_sales,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        **kwargs,
    )


def test_checking_in_from_a_planned_visit_links_it_and_takes_its_account(
    world: World, account: Account
) -> None:
    event = visit(world, world.owner, timezone.now(), record_type="account", record_id=account.pk)
    checkin = services.checkin_start(actor=world.actor(world.owner), account=None, event=event)
    assert checkin.event_id == event.pk and checkin.account_id == account.pk


def test_a_visit_the_person_does_not_attend_is_refused(world: World, account: Account) -> None:
    event = visit(world, world.teammate, timezone.now(), record_type="account", record_id=account.pk)
    with pytest.raises(ValidationError) as exc:
        start(world, world.owner, account, event=event)
    assert "event" in exc.value.message_dict
    Attendee.objects.create(event=event, user=world.owner)
    assert start(world, world.owner, account, event=event).event_id == event.pk


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/New_York"])
def test_todays_planned_visits_are_today_in_the_persons_zone(
    world: World, zone: str, monkeypatch: Any
) -> None:
    import zoneinfo

    User.objects.filter(pk=world.owner.pk).update(time_zone=zone)
    tz = zoneinfo.ZoneInfo(zone)
    now = datetime.datetime(2026, 3, 8, 10, 0, tzinfo=tz)  # DST starts that day in New York
    monkeypatch.setattr(timezone, "now", lambda: now.astimezone(datetime.UTC))
    today = visit(world, world.owner, datetime.datetime(2026, 3, 8, 23, 30, tzinfo=tz), title="Late today")
    visit(world, world.owner, datetime.datetime(2026, 3, 9, 0, 30, tzinfo=tz), title="Tomorrow")
    visit(world, world.owner, datetime.datetime(2026, 3, 7, 22, 0, tzinfo=tz), title="Yesterday")
    planned = services.planned_visits(world.actor(world.owner))
    assert [e.pk for e in planned] == [today.pk]


# --- Photos -----------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [JPEG, PNG, HEIC, b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 32])
def test_jpeg_png_heic_and_webp_photos_are_kept_under_a_random_name(
    world: World, account: Account, content: bytes
) -> None:
    checkin = start(world, world.owner, account, photo=upload(content, name="../../etc/passwd.jpg"))
    assert checkin.photo.name.startswith("checkins/")
    assert "passwd" not in str(checkin.photo.name)
    assert checkin.photo_type in ("jpeg", "png", "heic", "webp")
    assert checkin.photo.read() == content


@pytest.mark.parametrize(
    "content",
    [
        b"<?php system($_GET['c']); ?>",
        b"<html><script>alert(1)</script></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"GIF89a" + b"\x00" * 20,
    ],
)
def test_other_files_renamed_jpg_are_refused(world: World, account: Account, content: bytes) -> None:
    with pytest.raises(ValidationError) as exc:
        start(world, world.owner, account, photo=upload(content, name="photo.jpg"))
    assert "photo" in exc.value.message_dict
    assert not CheckIn.objects.exists()


def test_an_oversize_photo_is_refused(world: World, account: Account, settings: Any) -> None:
    settings.TANDEM_CHECKIN_PHOTO_MAX_MB = 1
    with pytest.raises(ValidationError) as exc:
        start(world, world.owner, account, photo=upload(JPEG + b"\x00" * (1024 * 1024)))
    assert "1 MB" in exc.value.message_dict["photo"][0]
    assert not CheckIn.objects.exists()


def test_replacing_the_photo_deletes_the_old_file(
    world: World, account: Account, django_capture_on_commit_callbacks: Any
) -> None:
    checkin = start(world, world.owner, account, photo=upload(JPEG))
    old_name = checkin.photo.name
    storage = checkin.photo.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.checkin_set_photo(
            actor=world.actor(world.owner), checkin=checkin, photo=upload(PNG, "b.png")
        )
    assert checkin.photo_type == "png"
    assert not storage.exists(old_name)
    with pytest.raises(PermissionDenied):
        services.checkin_set_photo(actor=world.actor(world.manager), checkin=checkin, photo=upload(JPEG))


# --- Forgotten check-outs ---------------------------------------------------------------------


def test_a_check_in_left_open_past_midnight_is_closed_once_with_its_follow_up(
    world: World, account: Account
) -> None:
    User.objects.filter(pk=world.owner.pk).update(time_zone="America/New_York")
    began = at("2026-11-01T03:30:00+00:00")  # 23:30 on Oct 31 in New York (EDT)
    checkin = start(world, world.owner, account, at=began)
    # 23:59 local: still open.
    assert services.checkins_close_forgotten(now=at("2026-11-01T03:59:00+00:00")) == 0
    # After midnight local (00:00 EDT = 04:00 UTC): closed at midnight, not checked out.
    assert services.checkins_close_forgotten(now=at("2026-11-01T04:05:00+00:00")) == 1
    assert services.checkins_close_forgotten(now=at("2026-11-01T05:00:00+00:00")) == 0
    checkin.refresh_from_db()
    assert checkin.not_checked_out and checkin.checked_out_at == at("2026-11-01T04:00:00+00:00")
    assert Activity.objects.count() == 1 and checkin.activity_id is not None
    assert "not checked out" in Activity.objects.get().content
    assert Notification.objects.filter(recipient=world.manager, kind="checkin.completed").count() == 1
    # The person checking out afterwards is told it is closed; nothing more is written.
    with pytest.raises(ValidationError):
        services.checkin_finish(actor=world.actor(world.owner), checkin=checkin)
    assert Activity.objects.count() == 1


def test_a_morning_check_in_is_closed_after_twelve_hours(world: World, account: Account) -> None:
    User.objects.filter(pk=world.owner.pk).update(time_zone="Pacific/Kiritimati")  # UTC+14
    began = at("2026-07-01T08:00:00+14:00")
    checkin = start(world, world.owner, account, at=began)
    assert services.checkins_close_forgotten(now=began + datetime.timedelta(hours=11, minutes=59)) == 0
    assert services.checkins_close_forgotten(now=began + datetime.timedelta(hours=13)) == 1
    checkin.refresh_from_db()
    assert checkin.checked_out_at == began + datetime.timedelta(hours=12)


def test_the_job_runs_twice_and_sends_once(world: World, account: Account) -> None:
    from tandem.visits.tasks import close_forgotten_checkins

    start(world, world.owner, account, at=timezone.now() - datetime.timedelta(hours=13))
    start(
        world,
        world.teammate,
        AccountFactory(owner=world.teammate),
        at=timezone.now() - datetime.timedelta(minutes=5),
    )
    assert close_forgotten_checkins() == 1
    assert close_forgotten_checkins() == 0
    assert Activity.objects.count() == 1
    assert Notification.objects.filter(kind="checkin.completed").count() == 1
    assert CheckIn.objects.filter(checked_out_at__isnull=True).count() == 1
