"""The demo company's work reports: rules, this week's daily reports (the demo rep's of today
missing), last week's weekly report with a like and comments; a rerun adds nothing."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from tandem.core.tests.snapshot import seed_demo
from tandem.discussions.models import Comment
from tandem.org.models import User

from .. import periods, selectors
from ..demo import seed_reports
from ..models import Report, ReportKind, ReportLike, SubmissionRule

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("crm-demo")]


def test_the_demo_has_a_live_week_of_reports_and_a_rerun_adds_nothing() -> None:
    out = seed_demo()
    assert "Work reports:" in out
    assert SubmissionRule.objects.count() == 2
    rep = User.objects.get(username="rep")
    today = periods.today_for(rep)
    assert not Report.objects.filter(author=rep, kind=ReportKind.DAILY, period_start=today).exists()
    weekly = Report.objects.get(author=rep, kind=ReportKind.WEEKLY)
    assert weekly.is_submitted and ReportLike.objects.filter(report=weekly).exists()
    on_weekly = Comment.objects.filter(
        content_type=ContentType.objects.get_for_model(Report), object_id=weekly.pk
    )
    assert on_weekly.count() == 2
    manager = User.objects.get(username="manager")
    from tandem.core.access import Actor

    rows = {r.person.username: r for r in selectors.missing(Actor.for_user(manager), ReportKind.DAILY, today)}
    assert "rep" in rows and rows["rep"].report is None
    counts = (Report.objects.count(), ReportLike.objects.count())
    again = seed_reports()
    assert (again.rules, again.daily, again.weekly) == (0, 0, 0)
    assert (Report.objects.count(), ReportLike.objects.count()) == counts
