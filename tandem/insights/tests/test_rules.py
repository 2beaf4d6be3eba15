"""Each rule fires and does not fire at its boundary, says why with the numbers in both
languages, is scoped to what the person may see, and stays bounded."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory, PoolFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import stage_named
from tandem.insights import rules
from tandem.insights.models import InsightSettings, StageMedian
from tandem.insights.services import stage_medians_refresh
from tandem.insights.tests.factories import deal, stays
from tandem.kpis.engine import Scope
from tandem.org.models import Team

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def _codes(world: World, user: object, code: str, scope: Scope = rules.EVERYTHING) -> list[int]:
    result = rules.evaluate(actor=world.actor(user), rule=rules.RULES[code], scope=scope, limit=50, now=NOW)
    return [item.record_id for item in result.items]


def test_it_flags_an_open_deal_without_a_follow_up_past_the_threshold_and_not_at_it(world: World) -> None:
    over = deal(world.owner, last_follow_up_at=NOW - datetime.timedelta(days=14, seconds=1))
    at = deal(
        world.owner, last_follow_up_at=NOW - datetime.timedelta(days=14) + datetime.timedelta(seconds=1)
    )
    never = deal(world.owner, last_follow_up_at=None, created_at=NOW - datetime.timedelta(days=20))
    new = deal(world.owner, last_follow_up_at=None, created_at=NOW - datetime.timedelta(days=3))
    won = deal(world.owner, stage=stage_named("Won"), last_follow_up_at=NOW - datetime.timedelta(days=90))
    found = _codes(world, world.owner, "stale_follow_up")
    assert over.pk in found and never.pk in found
    assert at.pk not in found and new.pk not in found and won.pk not in found


def test_the_follow_up_threshold_is_the_administrators(world: World) -> None:
    d = deal(world.owner, last_follow_up_at=NOW - datetime.timedelta(days=10))
    assert d.pk not in _codes(world, world.owner, "stale_follow_up")
    InsightSettings.objects.update_or_create(pk=1, defaults={"stale_follow_up_days": 7})
    assert d.pk in _codes(world, world.owner, "stale_follow_up")


def test_it_says_why_with_the_numbers_in_both_languages(world: World) -> None:
    deal(world.owner, last_follow_up_at=NOW - datetime.timedelta(days=23, hours=1))
    rule = rules.RULES["stale_follow_up"]
    result = rules.evaluate(actor=world.actor(world.owner), rule=rule, now=NOW)
    assert result.items[0].why == "No follow-up for 23 days (threshold 14 days)."
    with translation.override("zh-hans"):
        result = rules.evaluate(actor=world.actor(world.owner), rule=rule, now=NOW)
    assert result.items[0].why == "23 天未跟进（阈值 14 天）。"


def test_it_flags_a_close_date_in_the_past_but_not_today(world: World) -> None:
    today = timezone.localdate(NOW)
    past = deal(world.owner, expected_close_date=today - datetime.timedelta(days=1))
    due_today = deal(world.owner, expected_close_date=today)
    none = deal(world.owner, expected_close_date=None)
    lost = deal(
        world.owner, stage=stage_named("Lost"), expected_close_date=today - datetime.timedelta(days=30)
    )
    found = _codes(world, world.owner, "overdue_close")
    assert found == [past.pk]
    assert due_today.pk not in found and none.pk not in found and lost.pk not in found
    result = rules.evaluate(actor=world.actor(world.owner), rule=rules.RULES["overdue_close"], now=NOW)
    assert "1 day ago" in result.items[0].why


def test_it_flags_a_deal_far_longer_in_its_stage_than_the_median(world: World) -> None:
    proposal = stage_named("Proposal")
    stays(proposal, [2, 4, 5, 6, 10], world.teammate)  # median 5 days, flagged beyond 10
    assert stage_medians_refresh() >= 1
    median = StageMedian.objects.get(stage=proposal)
    assert median.median_seconds == 5 * 86400 and median.samples == 5
    long = deal(world.owner, stage=proposal, stage_entered_at=NOW - datetime.timedelta(days=10, minutes=1))
    short = deal(world.owner, stage=proposal, stage_entered_at=NOW - datetime.timedelta(days=9, hours=23))
    found = _codes(world, world.owner, "long_in_stage")
    assert long.pk in found and short.pk not in found
    result = rules.evaluate(actor=world.actor(world.owner), rule=rules.RULES["long_in_stage"], now=NOW)
    assert result.items[0].why.startswith("In “Proposal” for 10 days; deals usually stay 5 days there")


def test_a_stage_without_enough_stays_flags_nothing(world: World) -> None:
    proposal = stage_named("Proposal")
    stays(proposal, [1, 1, 1, 1], world.teammate)
    stage_medians_refresh()
    deal(world.owner, stage=proposal, stage_entered_at=NOW - datetime.timedelta(days=100))
    assert _codes(world, world.owner, "long_in_stage") == []


def test_the_median_of_an_even_number_of_stays_is_the_mean_of_the_middle_two(world: World) -> None:
    stage = stage_named("Proposal")
    stays(stage, [1, 2, 4, 8], world.teammate)
    stage_medians_refresh()
    assert StageMedian.objects.get(stage=stage).median_seconds == 3 * 86400


def test_it_flags_customers_the_pool_takes_back_within_the_warning(world: World) -> None:
    from django.core.cache import cache

    cache.clear()
    pool = PoolFactory(days_without_follow_up=30, teams=[world.east_sales])
    soon = AccountFactory(owner=world.owner, pool=pool, last_follow_up_at=NOW - datetime.timedelta(days=25))
    later = AccountFactory(owner=world.owner, pool=pool, last_follow_up_at=NOW - datetime.timedelta(days=10))
    result = rules.evaluate(actor=world.actor(world.owner), rule=rules.RULES["pool_return"], now=NOW)
    ids = [i.record_id for i in result.items]
    assert soon.pk in ids and later.pk not in ids
    assert "No follow-up for 25 days" in result.items[0].why
    # The outsider sees nothing of it.
    cache.clear()
    outsider = rules.evaluate(actor=world.actor(world.outsider), rule=rules.RULES["pool_return"], now=NOW)
    assert outsider.count == 0


def test_a_cached_pool_warning_goes_once_the_customer_is_followed_up_or_changes_hands(world: World) -> None:
    from django.core.cache import cache

    from tandem.customers.models import Account

    cache.clear()
    pool = PoolFactory(days_without_follow_up=30, teams=[world.east_sales])
    called = AccountFactory(owner=world.owner, pool=pool, last_follow_up_at=NOW - datetime.timedelta(days=25))
    handed = AccountFactory(owner=world.owner, pool=pool, last_follow_up_at=NOW - datetime.timedelta(days=25))
    actor = world.actor(world.owner)
    assert rules.evaluate(actor=actor, rule=rules.RULES["pool_return"], now=NOW).count == 2
    # The candidates stay cached; the rule still checks each against the record as it is now.
    Account.objects.filter(pk=called.pk).update(
        last_follow_up_at=timezone.now() + datetime.timedelta(seconds=1)
    )
    Account.objects.filter(pk=handed.pk).update(owner=world.teammate)
    result = rules.evaluate(actor=actor, rule=rules.RULES["pool_return"], now=NOW)
    assert [i.record_id for i in result.items] == []


@pytest.mark.parametrize(
    ("person", "sees_owner", "sees_outsider"),
    [
        ("owner", True, False),
        ("teammate", False, False),
        ("manager", True, False),
        ("east_manager", True, False),
        ("sibling_manager", False, True),
        ("outsider", False, True),
        ("director", True, True),
        ("admin", True, True),
    ],
)
def test_each_person_sees_insights_about_records_in_their_scope(
    world: World, person: str, sees_owner: bool, sees_outsider: bool
) -> None:
    stale = NOW - datetime.timedelta(days=30)
    mine = deal(world.owner, last_follow_up_at=stale)
    theirs = deal(world.outsider, last_follow_up_at=stale)
    found = _codes(world, getattr(world, person), "stale_follow_up")
    assert (mine.pk in found) is sees_owner
    assert (theirs.pk in found) is sees_outsider


def test_a_team_scope_covers_its_subtree_only(world: World) -> None:
    stale = NOW - datetime.timedelta(days=30)
    east = deal(world.owner, last_follow_up_at=stale)
    west = deal(world.outsider, last_follow_up_at=stale)
    found = _codes(world, world.director, "stale_follow_up", Scope(team_id=world.east.pk))
    assert east.pk in found and west.pk not in found


def test_pages_follow_the_keyset_and_the_count_is_bounded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "COUNT_CAP", 5)
    made = [deal(world.owner, last_follow_up_at=NOW - datetime.timedelta(days=20 + i)) for i in range(7)]
    made.append(deal(world.owner, last_follow_up_at=None, created_at=NOW - datetime.timedelta(days=40)))
    actor = world.actor(world.owner)
    rule = rules.RULES["stale_follow_up"]
    seen: list[int] = []
    cursor = None
    while True:
        result = rules.evaluate(actor=actor, rule=rule, limit=3, cursor=cursor, now=NOW)
        assert result.count == 5 and result.more
        seen += [i.record_id for i in result.items]
        cursor = result.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(d.pk for d in made)
    assert seen[0] == made[-1].pk  # never followed up comes first, then the oldest follow-up
    assert seen[1] == made[6].pk


def test_a_foreign_cursor_is_refused(world: World) -> None:
    deal(world.owner, last_follow_up_at=NOW - datetime.timedelta(days=30))
    with pytest.raises(rules.BadCursor):
        rules.evaluate(
            actor=world.actor(world.owner), rule=rules.RULES["stale_follow_up"], cursor="nope", now=NOW
        )


def test_another_app_adds_a_rule_by_registering_a_function(world: World) -> None:
    def behind(ctx: rules.RuleContext) -> rules.RuleResult:
        return rules.RuleResult(count=1, more=False, items=[], next_cursor=None)

    rule = rules.Rule(code="test_behind", label="Behind", description="", resource="deal", evaluate=behind)
    rules.register(rule)
    try:
        codes = [r.code for r, _res in rules.summary(actor=world.actor(world.manager))]
        assert "test_behind" in codes
    finally:
        rules.RULES.pop("test_behind")


def test_the_rule_counts_cost_the_same_queries_for_more_deals(
    world: World, django_assert_max_num_queries: object
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stale = NOW - datetime.timedelta(days=30)

    def run() -> int:
        actor = world.actor(world.manager)
        with CaptureQueriesContext(connection) as ctx:
            for rule, _r in rules.summary(actor=actor, scope=Scope(team_id=world.east_sales.pk), now=NOW):
                rules.evaluate(actor=actor, rule=rule, scope=Scope(team_id=world.east_sales.pk), now=NOW)
        return len(ctx.captured_queries)

    deal(
        world.owner,
        last_follow_up_at=stale,
        expected_close_date=timezone.localdate() - datetime.timedelta(days=3),
    )
    run()  # the thresholds row is written on first use
    few = run()
    for _ in range(15):
        deal(
            world.owner,
            last_follow_up_at=stale,
            expected_close_date=timezone.localdate() - datetime.timedelta(days=3),
        )
    assert run() == few
    assert Deal.objects.count() == 16


@pytest.mark.parametrize("person", ["director", "east_manager", "owner"])
@pytest.mark.parametrize("cap", [1000, 2])
def test_counts_across_teams_equal_each_teams_own_count(
    world: World, monkeypatch: pytest.MonkeyPatch, person: str, cap: int
) -> None:
    """The director's per-team counts, read in one statement, are each team's own ``evaluate``
    count, for every rule that counts deals, whoever asks (their scope applies), with the bound."""
    monkeypatch.setattr(rules, "COUNT_CAP", cap)
    proposal = stage_named("Proposal")
    stays(proposal, [2, 4, 5, 6, 10], world.teammate)
    stage_medians_refresh()
    old = NOW - datetime.timedelta(days=40)
    for owner in (world.owner, world.owner, world.teammate, world.outsider):
        deal(owner, last_follow_up_at=old, expected_close_date=NOW.date() - datetime.timedelta(days=3))
        deal(owner, stage=proposal, stage_entered_at=old)
    deal(world.owner, last_follow_up_at=old, team=None)  # no team: in no team's count
    teams = [world.company, world.east, world.east_sales, world.west, world.support_team]
    subtrees = {
        t.pk: [pk for pk, path in Team.objects.values_list("pk", "path") if path.startswith(t.path)]
        for t in teams
    }
    actor = world.actor(getattr(world, person))
    counted = 0
    for code in ("stale_follow_up", "overdue_close", "long_in_stage"):
        rule = rules.RULES[code]
        together = rules.counts_in_teams(actor=actor, rule=rule, teams=subtrees, now=NOW)
        assert together is not None
        for team in teams:
            alone = rules.evaluate(
                actor=actor, rule=rule, scope=Scope(team_id=team.pk), limit=1, with_items=False, now=NOW
            )
            assert together[team.pk] == (alone.count, alone.more), (code, team.name)
            counted += alone.count
    assert counted  # the deals were flagged at all
    assert rules.counts_in_teams(actor=actor, rule=rules.RULES["pool_return"], teams=subtrees) is None


def test_counts_across_teams_are_one_query_on_postgresql(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    deal(world.owner, last_follow_up_at=NOW - datetime.timedelta(days=40))
    teams = {t.pk: [t.pk] for t in (world.east_sales, world.west, world.support_team)}
    actor = world.actor(world.director)
    actor.memo("insights.thresholds", rules.thresholds)
    with CaptureQueriesContext(connection) as ctx:
        found = rules.counts_in_teams(actor=actor, rule=rules.RULES["stale_follow_up"], teams=teams, now=NOW)
    assert found == {
        world.east_sales.pk: (1, False),
        world.west.pk: (0, False),
        world.support_team.pk: (0, False),
    }
    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else len(teams))
