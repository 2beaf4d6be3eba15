"""The demo company's weekly sales meeting: last week's held with minutes, decisions and action
items (one done, two open), this week's agenda of three items after the review; added once."""

from __future__ import annotations

import pytest

from tandem.core.tests.snapshot import seed_demo
from tandem.meetings.demo import seed_meetings
from tandem.meetings.models import Meeting, MeetingSeries, MeetingStatus
from tandem.meetings.services import carry_over
from tandem.tasks.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("crm-demo")]


def test_the_demo_has_a_live_weekly_meeting_and_a_rerun_adds_nothing() -> None:
    out = seed_demo()
    assert "Demo meetings: a weekly sales meeting" in out
    series = MeetingSeries.objects.get()
    last, this = Meeting.objects.filter(series=series).order_by("starts_at")[:2]
    assert last.status == MeetingStatus.HELD and last.minutes and last.decisions.count() == 2
    statuses = sorted(
        Task.objects.filter(record_type="meeting", record_id=last.pk).values_list("status", flat=True)
    )
    assert statuses == ["done", "todo", "todo"]
    agenda = list(this.agenda_items.order_by("position"))
    assert agenda[0].is_review and len(agenda) == 4
    assert any(i.record_type == "deal" for i in agenda) and this.deals.count() == 1
    assert len(carry_over(this).items) == 2
    counts = (Meeting.objects.count(), Task.objects.count())
    assert seed_meetings().skipped
    assert (Meeting.objects.count(), Task.objects.count()) == counts
