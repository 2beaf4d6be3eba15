"""Handoff services: send validation, accept (owner / membership), reject, cancel, team pick-up,
escalation once, and people not party to a handoff changing nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.conftest import World
from tandem.core import access, events
from tandem.core.history import entries_for
from tandem.core.models import Notification
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.recordteams.selectors import membership

from .. import services
from ..models import Handoff, HandoffStatus
from ..selectors import record_handoffs
from .factories import send, template

pytestmark = pytest.mark.django_db


def won_deal(world: World, **kwargs: object) -> Deal:
    return DealFactory(owner=world.owner, stage=stage_named("Won"), **kwargs)


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[events.Event]:
    """The events emitted during the test (the listeners of other apps left out)."""
    got: list[events.Event] = []
    monkeypatch.setattr(events, "LISTENERS", [got.append])
    return got


def test_it_sends_a_handoff_and_writes_it_on_the_records_history(
    world: World, heard: list[events.Event]
) -> None:
    deal = won_deal(world)
    handoff = send(world.owner, deal, recipient=world.teammate, note="Key contact is Li")
    sent = next(e for e in heard if e.type == "handoff.sent")
    assert sent.record == handoff and sent.data["record_type"] == "deal" and sent.data["record_id"] == deal.pk
    assert handoff.status == HandoffStatus.PENDING
    assert handoff.due_at > timezone.now() + datetime.timedelta(hours=23)
    assert [i["done"] for i in handoff.checklist] == [True, True, False]
    assert "Key contact is Li" in entries_for(deal).first().message
    assert Notification.objects.filter(recipient=world.teammate, kind="handoff.received").exists()
    assert [e.type for e in heard] == ["handoff.sent"]


def test_it_refuses_a_send_without_the_required_checklist_items_and_fields(world: World) -> None:
    deal = won_deal(world, amount=None)
    with pytest.raises(ValidationError) as exc:
        send(world.owner, deal, recipient=world.teammate, checked=[0])
    errors = exc.value.message_dict
    assert errors["checklist"] == ["Tick “Contacts confirmed” before sending."]
    assert errors["record"] == ["Fill in “amount” on the record before sending."]
    assert not Handoff.objects.exists()


def test_it_refuses_a_second_pending_handoff_of_the_same_record_and_template(world: World) -> None:
    deal = won_deal(world)
    tpl = template()
    send(world.owner, deal, tpl, recipient=world.teammate)
    with pytest.raises(ValidationError) as exc:
        send(world.owner, deal, tpl, recipient=world.two_teams)
    assert "template" in exc.value.message_dict
    assert Handoff.objects.count() == 1


def test_only_someone_who_may_edit_the_record_sends_it(world: World) -> None:
    deal = won_deal(world)
    with pytest.raises(PermissionDenied):
        send(world.outsider, deal, recipient=world.teammate)
    assert not Handoff.objects.exists()


def test_the_recipient_sees_the_record_read_only_while_the_handoff_is_pending(world: World) -> None:
    deal = won_deal(world)
    recipient = world.actor(world.teammate)
    assert not access.can(recipient, "view", "deal", deal)
    handoff = send(world.owner, deal, recipient=world.teammate)
    recipient = world.actor(world.teammate)
    assert access.can(recipient, "view", "deal", deal)
    assert not access.can(recipient, "edit", "deal", deal)
    assert access.visible(recipient, "deal", Deal.objects.all()).get() == deal
    services.handoff_reject(actor=recipient, handoff=handoff, reason="Not my region")
    assert not access.can(world.actor(world.teammate), "view", "deal", deal)


def test_accepting_makes_the_recipient_the_owner_through_the_deals_own_service(
    world: World, heard: list[events.Event]
) -> None:
    deal = won_deal(world)
    handoff = send(world.owner, deal, recipient=world.teammate)
    services.handoff_accept(actor=world.actor(world.teammate), handoff=handoff)
    deal.refresh_from_db()
    handoff.refresh_from_db()
    assert deal.owner == world.teammate
    assert handoff.status == HandoffStatus.ACCEPTED and handoff.decided_by == world.teammate
    assert handoff.response_seconds is not None
    assert Notification.objects.filter(recipient=world.owner, kind="handoff.accepted").exists()
    assert Notification.objects.filter(recipient=world.owner, kind="deal_reassigned").exists()
    assert "handoff.accepted" in [e.type for e in heard]
    messages = [e.message for e in entries_for(deal)]
    assert any("accepted the handoff" in m for m in messages)
    stays = membership(world.owner, deal)  # the sender stays, as co-seller, and still sees it
    assert stays is not None and stays.role.code == "co_seller" and stays.access == "edit"
    assert access.can(world.actor(world.owner), "edit", "deal", deal)


def test_accepting_an_account_handoff_gives_the_account_to_the_recipient(world: World) -> None:
    account = AccountFactory(owner=world.owner, lifecycle="customer")
    tpl = template(
        name="Onboarding", names={}, record_kind="account", trigger="account_onboarding", required_fields=[]
    )
    handoff = send(world.owner, account, tpl, recipient=world.teammate)
    services.handoff_accept(actor=world.actor(world.teammate), handoff=handoff)
    account.refresh_from_db()
    assert account.owner == world.teammate


def test_accepting_a_membership_template_leaves_the_owner(world: World) -> None:
    deal = won_deal(world)
    tpl = template(on_accept="member", sender_stays=False)
    handoff = send(world.owner, deal, tpl, recipient=world.teammate)
    services.handoff_accept(actor=world.actor(world.teammate), handoff=handoff)
    deal.refresh_from_db()
    assert deal.owner == world.owner
    joined = membership(world.teammate, deal)
    assert joined is not None and joined.role.code == "account_manager" and joined.access == "edit"
    assert access.can(world.actor(world.teammate), "edit", "deal", deal)


def test_rejecting_needs_a_reason(world: World) -> None:
    deal = won_deal(world)
    handoff = send(world.owner, deal, recipient=world.teammate)
    with pytest.raises(ValidationError) as exc:
        services.handoff_reject(actor=world.actor(world.teammate), handoff=handoff, reason="  ")
    assert "reason" in exc.value.message_dict
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.PENDING
    services.handoff_reject(actor=world.actor(world.teammate), handoff=handoff, reason="Missing contract")
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.REJECTED and handoff.rejection_reason == "Missing contract"
    assert Notification.objects.filter(recipient=world.owner, kind="handoff.rejected").exists()


def test_only_the_sender_cancels_and_only_while_pending(world: World) -> None:
    deal = won_deal(world)
    handoff = send(world.owner, deal, recipient=world.teammate)
    with pytest.raises(PermissionDenied):
        services.handoff_cancel(actor=world.actor(world.teammate), handoff=handoff)
    services.handoff_cancel(actor=world.actor(world.owner), handoff=handoff)
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.handoff_cancel(actor=world.actor(world.owner), handoff=handoff)


def test_a_team_member_picks_up_a_handoff_sent_to_the_team(world: World) -> None:
    account = AccountFactory(owner=world.owner, lifecycle="customer")
    tpl = template(name="Onboarding", names={}, record_kind="account", trigger="manual", required_fields=[])
    handoff = send(world.owner, account, tpl, recipient_team=world.support_team)
    assert Notification.objects.filter(recipient=world.support, kind="handoff.received").exists()
    with pytest.raises(PermissionDenied):
        services.handoff_pick_up(actor=world.actor(world.outsider), handoff=handoff)
    services.handoff_pick_up(actor=world.actor(world.two_teams), handoff=handoff)
    handoff.refresh_from_db()
    assert handoff.recipient == world.two_teams
    with pytest.raises(PermissionDenied):  # picked up: the rest of the team no longer decides
        services.handoff_accept(actor=world.actor(world.support), handoff=handoff)
    services.handoff_accept(actor=world.actor(world.two_teams), handoff=handoff)
    account.refresh_from_db()
    assert account.owner == world.two_teams


def test_an_outsider_can_neither_accept_nor_reject_and_nothing_changes(world: World) -> None:
    deal = won_deal(world)
    handoff = send(world.owner, deal, recipient=world.teammate)
    for act in (
        lambda: services.handoff_accept(actor=world.actor(world.outsider), handoff=handoff),
        lambda: services.handoff_reject(actor=world.actor(world.outsider), handoff=handoff, reason="x"),
    ):
        with pytest.raises(PermissionDenied):
            act()
    handoff.refresh_from_db()
    deal.refresh_from_db()
    assert handoff.status == HandoffStatus.PENDING and handoff.recipient == world.teammate
    assert deal.owner == world.owner


def test_escalation_tells_the_manager_and_the_sender_once(world: World) -> None:
    deal = won_deal(world, amount=Decimal("5"))
    handoff = send(world.owner, deal, recipient=world.teammate)
    later = timezone.now() + datetime.timedelta(hours=25)
    assert services.handoffs_escalate(now=later) == 1
    assert services.handoffs_escalate(now=later) == 0
    handoff.refresh_from_db()
    assert handoff.escalated_at is not None
    overdue = Notification.objects.filter(kind="handoff.overdue")
    assert sorted(n.recipient.username for n in overdue) == ["manager", "owner"]


def test_escalation_of_a_team_handoff_tells_the_team_leader(world: World) -> None:
    account = AccountFactory(owner=world.owner, lifecycle="customer")
    tpl = template(
        name="Onboarding", names={}, record_kind="account", trigger="manual", required_fields=[], sla_hours=1
    )
    send(world.owner, account, tpl, recipient_team=world.support_team)
    assert services.handoffs_escalate(now=timezone.now() + datetime.timedelta(hours=2)) == 1
    assert Notification.objects.filter(kind="handoff.overdue", recipient=world.support).exists()


def test_templates_are_kept_by_administrators_with_field_messages(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.template_save(actor=world.actor(world.manager), template=None, data={"name": "x"})
    with pytest.raises(ValidationError) as exc:
        template(record_kind="account", trigger="deal_won", required_fields=["amount"], from_role="boss")
    errors = exc.value.message_dict
    assert set(errors) >= {"trigger", "required_fields", "from_role"}


def test_templates_are_offered_at_the_right_time(world: World) -> None:
    won = template()
    manual = template(name="By hand", names={}, trigger="manual")
    open_deal = DealFactory(owner=world.owner)
    actor = world.actor(world.owner)
    assert services.offered_templates(actor, open_deal, "deal") == [manual]
    assert set(services.offered_templates(actor, won_deal(world), "deal")) == {won, manual}
    assert services.offered_templates(world.actor(world.outsider), open_deal, "deal") == []
    send(world.owner, open_deal, manual, recipient=world.teammate)
    assert services.offered_templates(actor, open_deal, "deal") == []


def test_a_records_handoffs_come_newest_first_and_none_costs_one_query(world: World) -> None:
    deal = won_deal(world, amount=Decimal("1000"))
    with CaptureQueriesContext(connection) as none_yet:
        assert record_handoffs(deal, "deal") == []
    assert len(none_yet.captured_queries) == 1
    sent = [
        send(world.owner, deal, template(name=f"Handoff {n}"), recipient=world.teammate) for n in range(3)
    ]
    Handoff.objects.filter(pk=sent[0].pk).update(created_at=timezone.now() + datetime.timedelta(hours=1))
    with CaptureQueriesContext(connection) as read:
        found = record_handoffs(deal, "deal", limit=2)
    assert [h.pk for h in found] == [sent[0].pk, sent[2].pk]
    assert len(read.captured_queries) == 2
    assert found[0].recipient == world.teammate and found[0].template.name == "Handoff 0"  # joined
