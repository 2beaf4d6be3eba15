from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tandem.activities.models import Activity
from tandem.customers.tests.factories import AccountFactory
from tandem.org.tests.factories import TeamFactory, UserFactory, join
from tandem.schedule.models import Event, EventKind
from tandem.visits.demo import seed_visits
from tandem.visits.models import CheckIn

pytestmark = pytest.mark.django_db


def _company() -> None:
    team = TeamFactory(name="华东销售一部")
    reps = []
    for username in ("rep", "zhang.wei", "liu.yang"):
        user = UserFactory(username=username, roles=["sales-rep"], time_zone="Asia/Shanghai")
        join(user, team)
        reps.append(user)
        for _ in range(3):
            AccountFactory(owner=user)
    visit_account = AccountFactory(owner=reps[1])
    Event.objects.create(
        title="Visit",
        kind=EventKind.VISIT,
        organizer=reps[1],
        team=team,
        starts_at=timezone.now() - datetime.timedelta(days=8),
        ends_at=timezone.now() - datetime.timedelta(days=8, hours=-1),
        record_type="account",
        record_id=visit_account.pk,
    )


# 00:10 in Shanghai: the rep's open check-in must not start yesterday (the forgotten check-ins'
# job would close it) — this failed CI once, when a run passed local midnight.
@pytest.mark.parametrize(
    "now",
    [
        None,
        datetime.datetime(2026, 12, 6, 16, 10, tzinfo=datetime.UTC),
        datetime.datetime(2026, 12, 7, 4, 0, tzinfo=datetime.UTC),
    ],
    ids=["now", "just-after-midnight-in-shanghai", "midday-in-shanghai"],
)
def test_the_demo_gives_a_live_week_once(
    monkeypatch: pytest.MonkeyPatch, now: datetime.datetime | None
) -> None:
    if now is not None:
        monkeypatch.setattr(timezone, "now", lambda: now)
    _company()
    result = seed_visits()
    assert result.visits >= 3 and result.open == 1 and result.forgotten == 1
    assert result.linked == 1
    assert CheckIn.objects.filter(checked_out_at__isnull=True).count() == 1
    assert CheckIn.objects.filter(not_checked_out=True).count() == 1
    assert CheckIn.objects.filter(event__isnull=False).count() == 1
    # Every closed visit wrote its follow-up.
    assert Activity.objects.count() == CheckIn.objects.filter(checked_out_at__isnull=False).count()
    assert "Demo field visits" in result.summary_line()
    again = seed_visits()
    assert again.visits == 0 and "nothing added" in again.summary_line()
