"""Writing, sending, withdrawing, reading and liking reports; who may see them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tandem.conftest import World
from tandem.core import access
from tandem.core.models import Notification

from .. import services
from ..models import Report, ReportKind, ReportLike, ReportRead, ReportStatus
from .helpers import ANSWERS, WEDNESDAY

pytestmark = pytest.mark.django_db


def sent(world: World, **kwargs: Any) -> Report:
    return services.report_create(
        actor=world.actor(world.owner),
        kind=ReportKind.DAILY,
        day=WEDNESDAY,
        answers=ANSWERS,
        submit=True,
        **kwargs,
    )


def test_sending_goes_to_the_manager_and_chosen_people_and_teams_who_are_told(world: World) -> None:
    report = sent(world, recipients=[world.two_teams], recipient_teams=[world.support_team])
    assert report.status == ReportStatus.SUBMITTED and report.submitted_at is not None
    assert set(report.recipients.values_list("pk", flat=True)) == {world.manager.pk, world.two_teams.pk}
    told = set(Notification.objects.filter(kind="report.submitted").values_list("recipient_id", flat=True))
    # The manager, the chosen person, and the support team's members (two_teams once).
    assert told == {world.manager.pk, world.two_teams.pk, world.support.pk}
    assert report.team_id == world.east_sales.pk
    assert report.figures["period"] == [WEDNESDAY.isoformat(), WEDNESDAY.isoformat()]


def test_required_sections_duplicates_and_future_periods_are_refused_and_nothing_is_written(
    world: World,
) -> None:
    actor = world.actor(world.owner)
    with pytest.raises(ValidationError) as exc:
        services.report_create(
            actor=actor, kind=ReportKind.DAILY, day=WEDNESDAY, answers={"done": "x", "plan": ""}, submit=True
        )
    assert "answers" in exc.value.message_dict
    assert not Report.objects.exists()
    future = datetime.date.today() + datetime.timedelta(days=400)
    with pytest.raises(ValidationError) as exc:
        services.report_create(actor=actor, kind=ReportKind.DAILY, day=future)
    assert "period" in exc.value.message_dict
    services.report_create(actor=actor, kind=ReportKind.DAILY, day=WEDNESDAY, answers=ANSWERS)
    with pytest.raises(ValidationError) as exc:
        services.report_create(actor=actor, kind=ReportKind.DAILY, day=WEDNESDAY)
    assert "period" in exc.value.message_dict
    assert Report.objects.count() == 1
    with pytest.raises(ValidationError):
        services.report_create(actor=actor, kind=ReportKind.WEEKLY, day=WEDNESDAY, answers={"nope": "x"})
    assert Report.objects.count() == 1


def test_who_sees_a_report(world: World) -> None:
    draft = services.report_create(actor=world.actor(world.owner), kind=ReportKind.DAILY, day=WEDNESDAY)
    qs = Report.objects.all()
    # A draft is the author's alone.
    assert access.visible(world.actor(world.owner), "report", qs).count() == 1
    assert access.visible(world.actor(world.manager), "report", qs).count() == 0
    services.report_update(actor=world.actor(world.owner), report=draft, answers=ANSWERS)
    services.report_submit(actor=world.actor(world.owner), report=draft, recipients=[world.outsider])
    for person, sees in (
        (world.owner, True),
        (world.manager, True),  # recipient and team scope
        (world.east_manager, True),  # subtree
        (world.director, True),
        (world.outsider, True),  # chosen recipient
        (world.teammate, False),  # a rep's scope is their own
        (world.sibling_manager, False),
        (world.support, False),
    ):
        assert access.visible(world.actor(person), "report", qs).exists() is sees, person
    with pytest.raises(Http404):
        access.get_visible_or_404(world.actor(world.teammate), "report", qs, pk=draft.pk)


def test_only_the_author_edits_and_a_sent_report_stays_as_sent(world: World) -> None:
    report = sent(world)
    with pytest.raises(PermissionDenied):
        services.report_update(actor=world.actor(world.manager), report=report, answers={"done": "hacked"})
    with pytest.raises(ValidationError):
        services.report_update(actor=world.actor(world.owner), report=report, answers={"done": "changed"})
    report.refresh_from_db()
    assert report.answers["done"] == ANSWERS["done"]


def test_read_receipts_once_and_not_for_the_author(world: World) -> None:
    report = sent(world)
    assert services.report_mark_read(actor=world.actor(world.owner), report=report) is False
    assert services.report_mark_read(actor=world.actor(world.manager), report=report) is True
    assert services.report_mark_read(actor=world.actor(world.manager), report=report) is False
    assert list(ReportRead.objects.values_list("user_id", flat=True)) == [world.manager.pk]


def test_withdraw_within_an_hour_before_anyone_reads(world: World) -> None:
    report = sent(world)
    with pytest.raises(PermissionDenied):
        services.report_withdraw(actor=world.actor(world.manager), report=report)
    services.report_withdraw(actor=world.actor(world.owner), report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.submitted_at is None
    report = services.report_submit(actor=world.actor(world.owner), report=report)
    assert services.report_mark_read(actor=world.actor(world.manager), report=report) is True
    with pytest.raises(ValidationError):
        services.report_withdraw(actor=world.actor(world.owner), report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_at is not None
    Report.objects.filter(pk=report.pk).update(submitted_at=report.submitted_at - datetime.timedelta(hours=2))
    ReportRead.objects.all().delete()
    report.refresh_from_db()
    assert services.may_withdraw(world.actor(world.owner), report) is False


def test_likes_toggle_and_tell_the_author_once(world: World) -> None:
    report = sent(world)
    manager = world.actor(world.manager)
    assert services.report_like(actor=manager, report=report) is True
    services.report_like(actor=manager, report=report)
    assert ReportLike.objects.count() == 1
    assert Notification.objects.filter(kind="report.liked", recipient=world.owner).count() == 1
    assert services.report_like(actor=manager, report=report, like=False) is False
    assert ReportLike.objects.count() == 0
