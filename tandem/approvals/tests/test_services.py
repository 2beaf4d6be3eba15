from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tandem.approvals import services
from tandem.approvals.models import (
    ApprovalAction,
    ApprovalFlow,
    ApprovalReminder,
    ApprovalRequest,
    ApprovalStatus,
    ApprovalStep,
    ApproverKind,
)
from tandem.conftest import World
from tandem.core.models import Notification
from tandem.deals import services as deal_services
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, ProductFactory, stage_named

from .factories import discount_flow, stage_flow

pytestmark = pytest.mark.django_db


def _line(product, discount: str = "0", price: str | None = None) -> dict:
    return {
        "product": product,
        "quantity": Decimal("1"),
        "unit_price": price,
        "discount_percent": Decimal(discount),
    }


def _discounted(world: World, deal: Deal, discount: str) -> Deal:
    product = ProductFactory(list_price=Decimal("1000"))
    return deal_services.deal_update(
        actor=world.actor(world.owner), deal=deal, data={}, lines=[_line(product, discount)]
    )


def test_it_holds_a_discount_above_the_threshold_until_approved(world: World) -> None:
    discount_flow()
    deal = DealFactory(owner=world.owner, amount=Decimal("1000"))
    saved = _discounted(world, deal, "20")
    [request] = saved.held_approvals
    deal.refresh_from_db()
    assert deal.lines.count() == 0 and deal.amount == Decimal("1000")
    assert request.status == ApprovalStatus.PENDING
    assert Notification.objects.filter(recipient=world.manager, kind="approval.requested").exists()

    services.request_approve(actor=world.actor(world.manager), request=request)
    deal.refresh_from_db()
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED
    assert deal.lines.get().discount_percent == Decimal("20")
    assert deal.amount == Decimal("800.00")
    assert Notification.objects.filter(recipient=world.owner, kind="approval.decided").exists()


def test_it_applies_a_discount_below_the_threshold_at_once(world: World) -> None:
    discount_flow()
    deal = DealFactory(owner=world.owner)
    saved = _discounted(world, deal, "10")
    assert saved.held_approvals == []
    assert deal.lines.count() == 1


def test_it_counts_a_lowered_unit_price_as_a_discount(world: World) -> None:
    discount_flow()
    deal = DealFactory(owner=world.owner)
    product = ProductFactory(list_price=Decimal("1000"))
    saved = deal_services.deal_update(
        actor=world.actor(world.owner), deal=deal, data={}, lines=[_line(product, "0", price="700")]
    )
    assert saved.held_approvals[0].change["discount"] == "30.00"


def test_it_discards_the_change_on_reject_and_needs_a_reason(world: World) -> None:
    discount_flow()
    deal = DealFactory(owner=world.owner, amount=Decimal("1000"))
    [request] = _discounted(world, deal, "20").held_approvals
    with pytest.raises(ValidationError):
        services.request_reject(actor=world.actor(world.manager), request=request, reason=" ")
    services.request_reject(actor=world.actor(world.manager), request=request, reason="Too much")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.REJECTED
    assert deal.lines.count() == 0
    assert ApprovalAction.objects.filter(request=request, kind="rejected", comment="Too much").exists()


def test_it_holds_a_guarded_stage_move_and_other_edits_still_apply(world: World) -> None:
    negotiation = stage_named("Negotiation")
    stage_flow(
        stages=[negotiation],
        min_amount=Decimal("50000"),
        steps=[{"approver_kind": "role", "role": _role("sales-director")}],
    )
    deal = DealFactory(
        owner=world.owner,
        amount=Decimal("90000"),
        budget=1,
        decision_maker="x",
        expected_close_date="2027-01-01",
    )
    start = deal.stage_id
    saved = deal_services.deal_update(
        actor=world.actor(world.owner), deal=deal, data={"next_step": "Call"}, stage=negotiation
    )
    deal.refresh_from_db()
    assert deal.stage_id == start and deal.next_step == "Call"
    [request] = saved.held_approvals
    # A second guarded move while one waits is refused.
    with pytest.raises(ValidationError) as exc:
        deal_services.deal_move(actor=world.actor(world.owner), deal=deal, stage=negotiation)
    assert "stage" in exc.value.message_dict
    # Only the director decides.
    with pytest.raises(PermissionDenied):
        services.request_approve(actor=world.actor(world.manager), request=request)
    services.request_approve(actor=world.actor(world.director), request=request)
    deal.refresh_from_db()
    assert deal.stage_id == negotiation.pk


def test_it_does_not_hold_a_move_below_the_amount(world: World) -> None:
    negotiation = stage_named("Negotiation")
    stage_flow(stages=[negotiation], min_amount=Decimal("50000"))
    deal = DealFactory(
        owner=world.owner,
        amount=Decimal("100"),
        budget=1,
        decision_maker="x",
        expected_close_date="2027-01-01",
    )
    saved = deal_services.deal_move(actor=world.actor(world.owner), deal=deal, stage=negotiation)
    assert saved.held_approvals == [] and saved.stage_id == negotiation.pk


def _role(code: str):
    from tandem.org.models import Role

    return Role.objects.get(code=code)


def test_first_matching_flow_by_priority_wins_and_team_condition_covers_sub_teams(world: World) -> None:
    west_only = discount_flow(
        priority=1, team=world.west, steps=[{"approver_kind": "person", "user": world.director}]
    )
    east = discount_flow(priority=2, team=world.east)
    deal = DealFactory(owner=world.owner)
    [request] = _discounted(world, deal, "20").held_approvals
    assert request.flow_id == east.pk != west_only.pk


def test_all_of_needs_every_approver_and_any_of_the_first(world: World) -> None:
    discount_flow(
        steps=[
            {"approver_kind": "role", "role": _role("sales-manager"), "mode": "any"},
            {"approver_kind": "person", "user": world.director},
        ]
    )
    deal = DealFactory(owner=world.owner)
    [request] = _discounted(world, deal, "20").held_approvals
    services.request_approve(actor=world.actor(world.sibling_manager), request=request)
    request.refresh_from_db()
    assert request.current_step == 1
    # all-of
    deal2 = DealFactory(owner=world.teammate)
    discount_flow(
        priority=0,
        team=world.east_sales,
        steps=[{"approver_kind": "role", "role": _role("sales-manager"), "mode": "all"}],
    )
    [request2] = deal_services.deal_update(
        actor=world.actor(world.teammate), deal=deal2, data={}, lines=[_line(ProductFactory(), "20")]
    ).held_approvals
    services.request_approve(actor=world.actor(world.manager), request=request2)
    services.request_approve(actor=world.actor(world.east_manager), request=request2)
    request2.refresh_from_db()
    assert request2.status == ApprovalStatus.PENDING
    services.request_approve(actor=world.actor(world.sibling_manager), request=request2)
    request2.refresh_from_db()
    assert request2.status == ApprovalStatus.APPROVED


def test_step_conditions_skip_the_director_below_30_percent(world: World) -> None:
    discount_flow(
        steps=[
            {"approver_kind": "manager"},
            {"approver_kind": "person", "user": world.director, "min_discount": Decimal("30")},
        ]
    )
    deal = DealFactory(owner=world.owner)
    [request] = _discounted(world, deal, "20").held_approvals
    assert len(request.step_ids) == 1


def test_nth_manager_walks_up_and_falls_back(world: World) -> None:
    from tandem.approvals.models import ApprovalStep

    step = ApprovalStep(approver_kind=ApproverKind.NTH_MANAGER, level=2)
    assert services.approvers_for(step, world.owner) == [world.east_manager]
    step.level = 5  # the line ends: the highest manager reached
    assert services.approvers_for(step, world.owner) == [world.east_manager]
    world.manager.is_active = False
    world.manager.save()
    step.level = 1  # a manager who left is skipped
    assert services.approvers_for(step, world.owner) == [world.east_manager]
    nobody = ApprovalStep(approver_kind=ApproverKind.MANAGER)
    assert services.approvers_for(nobody, world.director) == [world.admin]


def test_returned_request_is_resubmitted_with_an_edit_or_cancelled(world: World) -> None:
    discount_flow()
    deal = DealFactory(owner=world.owner)
    [request] = _discounted(world, deal, "25").held_approvals
    with pytest.raises(ValidationError):
        services.request_return(actor=world.actor(world.manager), request=request, comment="")
    services.request_return(actor=world.actor(world.manager), request=request, comment="Try 18")
    request.refresh_from_db()
    assert request.status == ApprovalStatus.RETURNED
    again = _discounted(world, deal, "18").held_approvals
    assert [r.pk for r in again] == [request.pk]
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING and request.change["discount"] == "18.00"
    services.request_return(actor=world.actor(world.manager), request=request, comment="No")
    with pytest.raises(PermissionDenied):
        services.request_cancel(actor=world.actor(world.manager), request=request)
    services.request_cancel(actor=world.actor(world.owner), request=request)
    request.refresh_from_db()
    assert request.status == ApprovalStatus.CANCELLED
    assert deal.lines.count() == 0


def test_resubmit_as_it_is(world: World) -> None:
    discount_flow()
    deal = DealFactory(owner=world.owner)
    [request] = _discounted(world, deal, "25").held_approvals
    services.request_return(actor=world.actor(world.manager), request=request, comment="Why?")
    services.request_resubmit(actor=world.actor(world.owner), request=request)
    services.request_approve(actor=world.actor(world.manager), request=request)
    request.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED


def test_a_failed_apply_leaves_the_deal_unchanged(world: World) -> None:
    won = stage_named("Won")
    stage_flow(stages=[won])
    deal = DealFactory(owner=world.owner, amount=Decimal("5000"))
    [request] = deal_services.deal_move(actor=world.actor(world.owner), deal=deal, stage=won).held_approvals
    # Meanwhile the amount is taken off: Won requires it, so the approved move cannot apply.
    deal.refresh_from_db()
    deal_services.deal_update(actor=world.actor(world.owner), deal=deal, data={"amount": None})
    version = Deal.objects.get(pk=deal.pk).version
    services.request_approve(actor=world.actor(world.manager), request=request)
    request.refresh_from_db()
    deal.refresh_from_db()
    assert request.status == ApprovalStatus.FAILED and request.failure
    assert deal.stage_id != won.pk and deal.version == version


def test_outsider_cannot_act_and_nothing_changes(world: World) -> None:
    discount_flow()
    deal = DealFactory(owner=world.owner)
    [request] = _discounted(world, deal, "25").held_approvals
    actions = ApprovalAction.objects.count()
    for act in (
        lambda: services.request_approve(actor=world.actor(world.outsider), request=request),
        lambda: services.request_reject(actor=world.actor(world.outsider), request=request, reason="x"),
        lambda: services.request_return(actor=world.actor(world.outsider), request=request, comment="x"),
        lambda: services.request_cancel(actor=world.actor(world.outsider), request=request),
    ):
        with pytest.raises(PermissionDenied):
            act()
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING and ApprovalAction.objects.count() == actions
    assert deal.lines.count() == 0


def test_reminders_are_sent_once_per_period(world: World) -> None:
    import datetime

    from django.utils import timezone

    discount_flow(reminder_hours=4)
    deal = DealFactory(owner=world.owner)
    [request] = _discounted(world, deal, "25").held_approvals
    now = timezone.now()
    assert services.remind_waiting(now=now + datetime.timedelta(hours=1)) == 0
    assert services.remind_waiting(now=now + datetime.timedelta(hours=5)) == 1
    assert services.remind_waiting(now=now + datetime.timedelta(hours=6)) == 0
    assert services.remind_waiting(now=now + datetime.timedelta(hours=9)) == 1
    assert ApprovalReminder.objects.filter(request=request).count() == 2
    assert Notification.objects.filter(recipient=world.manager, kind="approval.reminder").count() == 2


def test_history_and_events_are_recorded(world: World) -> None:
    from tandem.core import events, history

    heard: list[str] = []
    events.listen(lambda e: heard.append(e.type))
    discount_flow()
    deal = DealFactory(owner=world.owner)
    [request] = _discounted(world, deal, "25").held_approvals
    services.request_approve(actor=world.actor(world.manager), request=request)
    assert "approval.requested" in heard and "approval.approved" in heard
    messages = [e.message for e in history.entries_for(deal)]
    assert any(f"#{request.pk}" in m for m in messages)
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.APPROVED


def test_the_beat_entry_runs_the_reminder_task(world: World, settings: Any) -> None:
    import datetime

    from django.utils import timezone

    from tandem.approvals.tasks import remind_approvers

    assert settings.CELERY_BEAT_SCHEDULE["approval-reminders"]["task"] == remind_approvers.name
    discount_flow(reminder_hours=1)
    deal = DealFactory(owner=world.owner)
    [request] = _discounted(world, deal, "25").held_approvals
    ApprovalRequest.objects.filter(pk=request.pk).update(
        step_started_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert remind_approvers() == 1
    assert remind_approvers() == 0


def test_a_new_deal_with_a_large_discount_is_created_without_its_lines(world: World) -> None:
    discount_flow()
    product = ProductFactory(list_price=Decimal("1000"))
    deal = deal_services.deal_create(
        actor=world.actor(world.owner),
        data={"name": "New", "amount": Decimal("900")},
        lines=[_line(product, "40")],
    )
    [request] = deal.held_approvals
    assert deal.lines.count() == 0 and Deal.objects.get(pk=deal.pk).amount == Decimal("900")
    services.request_approve(actor=world.actor(world.manager), request=request)
    assert deal.lines.get().discount_percent == Decimal("40")


def test_lines_changed_meanwhile_fail_the_approved_discount(world: World) -> None:
    discount_flow()
    deal = DealFactory(owner=world.owner)
    [request] = _discounted(world, deal, "25").held_approvals
    other = ProductFactory(list_price=Decimal("50"))
    deal_services.deal_update(actor=world.actor(world.owner), deal=deal, data={}, lines=[_line(other, "5")])
    services.request_approve(actor=world.actor(world.manager), request=request)
    request.refresh_from_db()
    assert request.status == ApprovalStatus.FAILED
    assert deal.lines.get().product_id == other.pk


def test_a_request_in_flight_keeps_its_steps_when_the_flow_changes(world: World) -> None:
    from .factories import admin_actor

    flow = discount_flow(
        steps=[{"approver_kind": "manager"}, {"approver_kind": "person", "user": world.director}]
    )
    deal = DealFactory(owner=world.owner, amount=Decimal("1000"))
    [request] = _discounted(world, deal, "20").held_approvals
    sent_with = list(request.step_ids)
    services.flow_save(
        actor=admin_actor(),
        flow=flow,
        data={},
        steps=[{"approver_kind": "person", "user": world.sibling_manager}],
    )
    assert [s.user_id for s in flow.steps.all()] == [world.sibling_manager.pk]
    request.refresh_from_db()
    assert request.step_ids == sent_with

    services.request_approve(actor=world.actor(world.manager), request=request)
    request.refresh_from_db()
    assert request.current_step == 1 and request.status == ApprovalStatus.PENDING
    with pytest.raises(PermissionDenied):
        services.request_approve(actor=world.actor(world.sibling_manager), request=request)
    services.request_approve(actor=world.actor(world.director), request=request)
    request.refresh_from_db()
    deal.refresh_from_db()
    assert request.status == ApprovalStatus.APPROVED and deal.amount == Decimal("800.00")

    # A request sent after the change takes the flow's new step.
    other = DealFactory(owner=world.owner)
    [later] = _discounted(world, other, "20").held_approvals
    assert later.step_ids == [flow.steps.get().pk]
    # Editing again keeps the step the later request names out of the flow, as it keeps every
    # old step: a request sent while the flow is saved names them before it is committed.
    named = flow.steps.get().pk
    services.flow_save(actor=admin_actor(), flow=flow, data={}, steps=[{"approver_kind": "manager"}])
    assert ApprovalStep.objects.filter(pk=named, flow=None).exists()
    unnamed = flow.steps.get().pk
    services.flow_save(actor=admin_actor(), flow=flow, data={}, steps=[{"approver_kind": "manager"}])
    assert ApprovalStep.objects.filter(pk=unnamed, flow=None).exists()
    assert flow.steps.count() == 1
    assert ApprovalStep.objects.filter(pk__in=sent_with, flow=None).count() == 2


def test_a_request_naming_a_step_that_is_gone_answers_with_a_message(world: World) -> None:
    discount_flow(steps=[{"approver_kind": "manager"}])
    deal = DealFactory(owner=world.owner, amount=Decimal("1000"))
    [request] = _discounted(world, deal, "20").held_approvals
    ApprovalRequest.objects.filter(pk=request.pk).update(step_ids=[*request.step_ids, 999_999])
    request.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.request_approve(actor=world.actor(world.manager), request=request)
    assert "no longer exists" in refused.value.messages[0]
    request.refresh_from_db()
    deal.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING and request.current_step == 0
    assert deal.amount == Decimal("1000")


def test_words_with_a_nul_are_refused_and_the_request_waits(world: World) -> None:
    discount_flow()
    deal = DealFactory(owner=world.owner, amount=Decimal("1000"))
    [request] = _discounted(world, deal, "20").held_approvals
    manager = world.actor(world.manager)
    for act in (
        lambda: services.request_approve(actor=manager, request=request, comment="o\x00k"),
        lambda: services.request_reject(actor=manager, request=request, reason="n\x00o"),
        lambda: services.request_return(actor=manager, request=request, comment="f\x00ix"),
        lambda: services.request_comment(actor=manager, request=request, body="\x00"),
    ):
        with pytest.raises(ValidationError) as refused:
            act()
        assert refused.value.messages == ["Null characters are not allowed."]
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert not ApprovalAction.objects.filter(request=request).exclude(kind="submitted").exists()


def test_a_flow_named_with_a_nul_is_refused_per_field(world: World) -> None:
    from .factories import admin_actor

    for data, field in (
        ({"name": "Big\x00 discounts"}, "name"),
        ({"name": "Big discounts", "names": {"zh-hans": "大\x00额"}}, "names"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.flow_save(
                actor=admin_actor(),
                flow=None,
                data={"guard": "deal.discount", "min_discount": Decimal("15"), **data},
                steps=[{"approver_kind": "manager"}],
            )
        assert field in refused.value.message_dict
    assert not ApprovalFlow.objects.exists()
