"""The managers' daily digest: each team leader, in their language, once a day, with an email
when email is set up; nobody twice under retries; opted-out people get nothing."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from tandem.conftest import World
from tandem.core.models import Notification
from tandem.insights import services
from tandem.insights.models import DigestPreference, DigestSent
from tandem.insights.tests.factories import deal
from tandem.org.models import User

pytestmark = pytest.mark.django_db
# 10:00 in Shanghai (every test person's time zone by default): past the digest hour.
MORNING = datetime.datetime(2026, 12, 5, 2, 0, tzinfo=datetime.UTC)


def _stale(world: World) -> None:
    deal(world.owner, last_follow_up_at=MORNING - datetime.timedelta(days=30))


def _digests(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=services.DIGEST_KIND))


def test_each_leader_gets_one_digest_about_their_subtree(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _stale(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.digest_send_all(now=MORNING)
    note = _digests(world.manager)[0]
    assert note.title == "1 insight for East sales today"
    assert "No recent follow-up: 1" in note.body
    assert note.url == f"/insights/?team={world.east_sales.pk}"
    assert _digests(world.owner) == []  # leads no team
    assert _digests(world.sibling_manager) == []  # their team has nothing flagged
    assert DigestSent.objects.filter(user=world.sibling_manager, flagged=0).exists()
    emails = [m for m in mail.outbox if m.to == [world.manager.email]]
    assert len(emails) == 1 and "No recent follow-up: 1" in emails[0].body


def test_it_is_sent_once_a_day_however_often_the_job_runs(world: World) -> None:
    _stale(world)
    services.digest_send_all(now=MORNING)
    services.digest_send_all(now=MORNING + datetime.timedelta(hours=1))
    assert services.digest_send(user=world.manager, now=MORNING + datetime.timedelta(hours=5)) is None
    assert len(_digests(world.manager)) == 1
    services.digest_send_all(now=MORNING + datetime.timedelta(days=1))
    assert len(_digests(world.manager)) == 2


def test_it_waits_for_the_morning_where_the_person_is(world: World) -> None:
    _stale(world)
    early = datetime.datetime(2026, 12, 4, 22, 0, tzinfo=datetime.UTC)  # 06:00 in Shanghai
    services.digest_send_all(now=early)
    assert _digests(world.manager) == []


def test_it_is_written_in_the_leaders_language(world: World) -> None:
    User.objects.filter(pk=world.manager.pk).update(language="zh-hans")
    _stale(world)
    services.digest_send_all(now=MORNING)
    note = _digests(world.manager)[0]
    assert note.title == "East sales 今日有 1 条洞察"
    assert "近期未跟进: 1" in note.body


def test_no_email_when_email_is_not_set_up(world: World, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    _stale(world)
    sent = services.digest_send(user=world.manager, now=MORNING)
    assert sent is not None and not sent.emailed
    assert len(_digests(world.manager)) == 1


def test_a_person_who_opted_out_gets_nothing(world: World) -> None:
    _stale(world)
    client = Client()
    client.force_login(world.manager)
    response = client.post("/insights/digest/", {"next": "/auth/settings/"})
    assert response.status_code == 302
    assert DigestPreference.objects.get(user=world.manager).receive_digest is False
    services.digest_send_all(now=MORNING)
    assert _digests(world.manager) == []
    client.post("/insights/digest/", {"receive_digest": "on"})
    services.digest_send_all(now=MORNING)
    assert len(_digests(world.manager)) == 1


def test_the_settings_page_offers_the_switch(world: World) -> None:
    client = Client()
    client.force_login(world.manager)
    response = client.get("/auth/settings/")
    assert b"receive_digest" in response.content


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), reason="needs concurrent connections"
)
def test_concurrent_runs_send_one_digest(world: World) -> None:
    _stale(world)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            services.digest_send(user=User.objects.get(pk=world.manager.pk), now=MORNING)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(_digests(world.manager)) == 1


def test_the_job_is_scheduled_for_beat_and_the_embedded_scheduler(world: World) -> None:
    from config.celery import app
    from tandem.core import scheduler

    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert schedule["insights-digest"]["task"] in app.tasks
    assert schedule["insights-stage-medians"]["task"] in app.tasks
    ran = scheduler.run_due(timezone.now())
    assert "insights-digest" in ran and "insights-stage-medians" in ran
