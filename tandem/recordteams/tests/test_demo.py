"""The demo's record teams: some added, deterministic, and a re-run adds nothing."""

from __future__ import annotations

from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.recordteams.demo import seed_record_teams
from tandem.recordteams.models import RecordMember


def test_seed_record_teams_is_idempotent(world: World) -> None:
    for _ in range(3):
        account = AccountFactory(owner=world.owner)
        DealFactory(owner=world.owner, account=account, stage=stage_named("Won"))
        DealFactory(owner=world.teammate)
    first = seed_record_teams()
    assert first.members > 0 and not first.skipped
    assert "Record teams:" in first.summary_line()
    count = RecordMember.objects.count()
    assert not RecordMember.objects.filter(user_id=world.owner.pk, object_id__in=[]).exists()
    again = seed_record_teams()
    assert again.skipped and RecordMember.objects.count() == count
