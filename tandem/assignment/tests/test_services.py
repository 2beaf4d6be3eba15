"""Assignment rules: matching, round robin, least loaded, capacity, notifications."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tandem.assignment import services
from tandem.assignment.models import AssignmentLog, AssignmentRule
from tandem.core.models import Notification
from tandem.customers.models import AccountLevel
from tandem.customers.tests.factories import AccountFactory, PoolFactory
from tandem.leads.models import Lead, LeadStatus
from tandem.leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def make_rule(world: Any, members: list[tuple[Any, int]], **data: Any) -> AssignmentRule:
    values = {"name": "East leads", "resource": "lead", "strategy": "round_robin", **data}
    return services.rule_save(
        actor=world.actor(world.admin),
        data=values,
        members=[services.MemberSpec(user=u, capacity=c) for u, c in members],
    )


def test_it_matches_the_first_rule_whose_conditions_accept_the_record(world: Any) -> None:
    make_rule(world, [(world.owner, 0)], name="Shanghai", provinces="上海, 浙江", order=1)
    make_rule(world, [(world.teammate, 0)], name="Everything else", order=2)
    picked = services.choose_assignee(resource="lead", values={"province": "浙江"})
    assert picked is not None and picked[0] == world.owner
    picked = services.choose_assignee(resource="lead", values={"province": "北京"})
    assert picked is not None and picked[0] == world.teammate


def test_it_matches_industry_and_source_case_insensitively_and_needs_every_condition(world: Any) -> None:
    make_rule(world, [(world.owner, 0)], industries=["Retail"], sources=["web"])
    assert services.choose_assignee(resource="lead", values={"industry": "retail", "source": "web"})
    assert services.choose_assignee(resource="lead", values={"industry": "retail", "source": "event"}) is None


def test_it_matches_account_levels_by_code(world: Any) -> None:
    make_rule(world, [(world.owner, 0)], resource="account", levels=["A"])
    assert services.choose_assignee(resource="account", values={"level": "A"})
    assert services.choose_assignee(resource="account", values={"level": "B"}) is None


def test_it_skips_inactive_rules(world: Any) -> None:
    make_rule(world, [(world.owner, 0)], is_active=False)
    assert services.choose_assignee(resource="lead", values={}) is None


def test_it_gives_leads_in_turn_and_moves_the_round_robin_pointer(world: Any) -> None:
    rule = make_rule(world, [(world.owner, 0), (world.teammate, 0), (world.two_teams, 0)])
    actor = world.actor(world.admin)
    owners = []
    for _ in range(4):
        result = services.auto_assign(actor=actor, record=LeadFactory())
        owners.append(result.assignee)
    assert owners == [world.owner, world.teammate, world.two_teams, world.owner]
    rule.refresh_from_db()
    assert rule.last_assigned_member is not None and rule.last_assigned_member.user == world.owner


def test_it_gives_the_least_loaded_member_with_ties_by_id(world: Any) -> None:
    make_rule(world, [(world.owner, 0), (world.teammate, 0)], strategy="least_loaded")
    LeadFactory(owner=world.owner)
    LeadFactory(owner=world.teammate)
    LeadFactory(owner=world.teammate, status=LeadStatus.UNQUALIFIED, unqualified_reason="no")
    first = min([world.owner, world.teammate], key=lambda u: u.pk)
    picked = services.choose_assignee(resource="lead", values={})
    assert picked is not None and picked[0] == first
    LeadFactory(owner=first)
    picked = services.choose_assignee(resource="lead", values={})
    assert picked is not None and picked[0] != first


def test_it_skips_full_members(world: Any) -> None:
    make_rule(world, [(world.owner, 1), (world.teammate, 0)])
    LeadFactory(owner=world.owner)
    actor = world.actor(world.admin)
    results = [services.auto_assign(actor=actor, record=LeadFactory()) for _ in range(2)]
    assert [r.assignee for r in results] == [world.teammate, world.teammate]


def test_it_leaves_the_record_unassigned_with_a_reason_when_everyone_is_full(world: Any) -> None:
    make_rule(world, [(world.owner, 1), (world.teammate, 1)])
    LeadFactory(owner=world.owner)
    LeadFactory(owner=world.teammate)
    lead = LeadFactory()
    result = services.auto_assign(actor=world.actor(world.admin), record=lead)
    assert not result.assigned
    assert "capacity" in result.reason
    lead.refresh_from_db()
    assert lead.owner is None
    assert not AssignmentLog.objects.exists()


def test_it_skips_deactivated_people_and_inactive_members(world: Any) -> None:
    services.rule_save(
        actor=world.actor(world.admin),
        data={"name": "r", "resource": "lead"},
        members=[
            services.MemberSpec(user=world.gone),
            services.MemberSpec(user=world.owner, is_active=False),
            services.MemberSpec(user=world.teammate),
        ],
    )
    picked = services.choose_assignee(resource="lead", values={})
    assert picked is not None and picked[0] == world.teammate


def test_it_sets_owner_team_history_log_and_notifies_in_the_assignees_language(world: Any) -> None:
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    make_rule(world, [(world.owner, 0)])
    lead = LeadFactory(name="张三", company="")
    result = services.auto_assign(actor=world.actor(world.admin), record=lead)
    assert result.assigned
    lead.refresh_from_db()
    assert lead.owner == world.owner and lead.team_id == world.east_sales.pk
    note = Notification.objects.get(recipient=world.owner)
    assert note.title == "分配给你的新线索：张三"
    assert AssignmentLog.objects.get().assignee == world.owner


def test_the_assignees_notification_gives_the_reason_in_their_language_too(world: Any) -> None:
    """The reason was worked out in the assigning person's language and pasted into the body."""
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    make_rule(world, [(world.owner, 0)])
    with translation.override("en"):
        services.auto_assign(actor=world.actor(world.admin), record=LeadFactory(name="李四", company=""))
    note = Notification.objects.get(recipient=world.owner)
    assert "matches rule" not in note.body and "round robin" not in note.body, note.body
    assert note.body


def test_it_notifies_in_english_for_english_speakers(world: Any) -> None:
    make_rule(world, [(world.teammate, 0)])
    services.auto_assign(actor=world.actor(world.admin), record=LeadFactory(name="Jo", company=""))
    assert Notification.objects.get(recipient=world.teammate).title == "New lead assigned to you: Jo"


def test_it_assigns_pool_accounts_through_the_pool_service(world: Any) -> None:
    pool = PoolFactory()
    level = AccountLevel.objects.get(code="A")
    account = AccountFactory(pool=pool, level=level)
    make_rule(world, [(world.owner, 0)], resource="account", levels=["A"])
    result = services.auto_assign(actor=world.actor(world.admin), record=account)
    assert result.assigned
    account.refresh_from_db()
    assert account.owner == world.owner
    assert Notification.objects.filter(recipient=world.owner, kind="account_assigned").exists()


def test_it_does_not_touch_records_that_already_have_an_owner(world: Any) -> None:
    make_rule(world, [(world.teammate, 0)])
    lead = LeadFactory(owner=world.owner)
    result = services.auto_assign(actor=world.actor(world.admin), record=lead)
    assert not result.assigned
    lead.refresh_from_db()
    assert lead.owner == world.owner


def test_a_non_administrator_cannot_save_rules_and_nothing_changes(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.rule_save(actor=world.actor(world.manager), data={"name": "x", "resource": "lead"})
    rule = make_rule(world, [(world.owner, 0)])
    with pytest.raises(PermissionDenied):
        services.rule_save(actor=world.actor(world.manager), rule=rule, data={"name": "changed"})
    with pytest.raises(PermissionDenied):
        services.rule_delete(actor=world.actor(world.manager), rule=rule)
    rule.refresh_from_db()
    assert rule.name == "East leads"


def test_it_rejects_levels_on_lead_rules(world: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        make_rule(world, [], levels=["A"])
    assert "levels" in exc.value.message_dict


def test_the_preview_simulates_turns_without_assigning(world: Any) -> None:
    make_rule(world, [(world.owner, 0), (world.teammate, 0)])
    leads = [LeadFactory() for _ in range(3)]
    proposals = services.preview(actor=world.actor(world.admin), resource="lead")
    assert [p.decision.user for p in proposals] == [world.owner, world.teammate, world.owner]
    assert Lead.objects.filter(pk__in=[lead.pk for lead in leads], owner__isnull=True).count() == 3


@pytest.mark.parametrize("count", [5, 40])
def test_the_preview_query_count_does_not_grow_with_leads(world: Any, count: int) -> None:
    make_rule(world, [(world.owner, 3), (world.teammate, 0)], provinces=["上海"])
    make_rule(world, [(world.two_teams, 0)], name="rest", strategy="least_loaded", order=5)
    for i in range(count):
        LeadFactory(province="上海" if i % 2 else "北京")
    actor = world.actor(world.admin)
    with CaptureQueriesContext(connection) as ctx:
        proposals = services.preview(actor=actor, resource="lead")
    assert len(proposals) == count
    assert len(ctx.captured_queries) <= 4
