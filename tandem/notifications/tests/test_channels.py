"""notify() through the person's preferences: the inbox, an email after commit, the daily digest."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tandem.conftest import World
from tandem.core import notify
from tandem.core.models import Notification
from tandem.notifications import preferences, services
from tandem.notifications.models import DigestSent, Preference

pytestmark = pytest.mark.django_db


def test_defaults_mail_assignments_mentions_handoffs_and_approvals_only() -> None:
    assert preferences.default_channels("deal_assigned") == preferences.Channels(True, True, False)
    assert preferences.default_channels("mention").email is True
    assert preferences.default_channels("follow_up_due").email is False
    assert preferences.default_channels("insights_digest").email is False
    # A kind nobody registered yet (another app's, before it does): in the app and by email.
    assert preferences.default_channels("handoff.received") == preferences.Channels(True, True, False)


def test_an_email_goes_only_after_commit_in_the_recipients_language(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        notify.notify(recipient=world.owner, kind="deal_assigned", title="Big", body="Body", url="/deals/1/")
        assert mail.outbox == []
    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == [world.owner.email] and message.subject == "Big"
    assert "http://127.0.0.1:8000/deals/1/" in message.body
    assert "在 Tandem 中打开" in message.body


def test_a_rolled_back_change_mails_nobody(world: World, django_capture_on_commit_callbacks: object) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,  # type: ignore[operator]
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify.notify(recipient=world.owner, kind="deal_assigned", title="Big")
        raise RuntimeError
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_preferences_turn_channels_off(world: World, django_capture_on_commit_callbacks: object) -> None:
    services.preferences_set(
        actor=world.actor(world.owner),
        items=[{"kind": "deal_assigned", "in_app": False, "email": False, "digest": False}],
    )
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert notify.notify(recipient=world.owner, kind="deal_assigned", title="Big") is None
        assert notify.notify(recipient=world.teammate, kind="deal_assigned", title="Big") is not None
    assert [m.to for m in mail.outbox] == [[world.teammate.email]]
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [world.teammate.pk]


def test_a_failing_mail_server_does_not_break_the_change(
    world: World, settings: object, django_capture_on_commit_callbacks: object
) -> None:
    settings.EMAIL_BACKEND = "tandem.notifications.tests.broken_mail.Backend"
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        notify.notify(recipient=world.owner, kind="deal_assigned", title="Big")
    assert Notification.objects.count() == 1


def test_unknown_kinds_in_preferences_are_refused(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.preferences_set(
            actor=world.actor(world.owner),
            items=[{"kind": "nope", "in_app": True, "email": True, "digest": True}],
        )
    assert not Preference.objects.exists()


def _at(hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 12, 5, hour, 5, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def test_the_digest_is_sent_once_a_day_from_eight_oclock(world: World) -> None:
    services.preferences_set(
        actor=world.actor(world.owner),
        items=[{"kind": "follow_up_due", "in_app": True, "email": False, "digest": True}],
    )
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        notify.notify(recipient=world.owner, kind="follow_up_due", title="Call ACME", url="/follow-ups/")
        notify.notify(recipient=world.owner, kind="deal_assigned", title="Not in the digest")
    Notification.objects.update(created_at=_at(6))
    assert services.digest_send_all(now=_at(7)) == 0
    assert services.digest_send_all(now=_at(8)) == 1
    assert services.digest_send_all(now=_at(9)) == 0  # once a day
    digest = [m for m in mail.outbox if "digest" in m.subject]
    assert len(digest) == 1
    assert "Call ACME" in digest[0].body and "Not in the digest" not in digest[0].body
    assert DigestSent.objects.get().count == 1
    assert services.digest_send_all(now=_at(8) + datetime.timedelta(days=1)) == 1
