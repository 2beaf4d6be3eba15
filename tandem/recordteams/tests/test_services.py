"""Record team services and access through membership (decision 0032)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.core import access, events
from tandem.core.models import HistoryEntry, Notification
from tandem.customers.models import Account, Contact
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory
from tandem.recordteams import selectors, services
from tandem.recordteams.models import MemberRole, RecordMember


def _today() -> datetime.date:
    return timezone.localdate()


def test_builtin_roles_exist(db: None) -> None:
    codes = set(MemberRole.objects.filter(is_builtin=True).values_list("code", flat=True))
    assert codes == {"owner", "co_seller", "presales", "account_manager", "support", "manager"}
    from django.utils import translation

    with translation.override("zh-hans"):
        assert MemberRole.objects.get(code="manager").display_name == "主管"


def test_owner_adds_a_member_with_history_notification_and_event(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    heard: list[events.Event] = []
    events.listen(heard.append)
    try:
        member = services.member_add(
            actor=world.actor(world.owner), record=deal, user=world.support, role="support", access="read"
        )
    finally:
        events.LISTENERS.remove(heard.append)
    assert member.role.code == "support"
    assert selectors.membership(world.support, deal) == member
    assert HistoryEntry.objects.filter(object_id=deal.pk, action="event").exists()
    assert Notification.objects.filter(recipient=world.support, kind="record_team.added").exists()
    assert [e.type for e in heard] == ["record_team.changed"]
    assert heard[0].data["change"] == "added"


def test_bad_input_is_refused_per_field_and_writes_nothing(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    actor = world.actor(world.owner)
    with pytest.raises(ValidationError) as caught:
        services.member_add(actor=actor, record=deal, user=world.owner, role="nope", access="write")
    assert set(caught.value.message_dict) == {"user", "role", "access"}
    with pytest.raises(ValidationError) as caught:
        services.member_add(actor=actor, record=deal, user=world.gone, role="support")
    assert "user" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.member_add(
            actor=actor,
            record=deal,
            user=world.support,
            role="support",
            until=_today() - datetime.timedelta(days=1),
        )
    assert "until" in caught.value.message_dict
    assert not RecordMember.objects.exists()


def test_who_may_keep_the_team(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    # outsider cannot see it: refused; manager (team scope) may.
    with pytest.raises(PermissionDenied):
        services.member_add(
            actor=world.actor(world.outsider), record=deal, user=world.support, role="support"
        )
    services.member_add(
        actor=world.actor(world.manager), record=deal, user=world.teammate, role="co_seller", access="edit"
    )
    services.member_add(actor=world.actor(world.owner), record=deal, user=world.support, role="support")
    # a read member keeps nothing
    with pytest.raises(PermissionDenied):
        services.member_add(
            actor=world.actor(world.support), record=deal, user=world.two_teams, role="presales"
        )
    # an edit member adds read members only
    with pytest.raises(ValidationError):
        services.member_add(
            actor=world.actor(world.teammate),
            record=deal,
            user=world.two_teams,
            role="presales",
            access="edit",
        )
    services.member_add(actor=world.actor(world.teammate), record=deal, user=world.two_teams, role="presales")
    member = selectors.member_of_user(deal, world.support.pk)
    assert member is not None
    with pytest.raises(PermissionDenied):
        services.member_remove(actor=world.actor(world.teammate), member=member)
    # a member may leave
    services.member_remove(actor=world.actor(world.support), member=member)
    assert selectors.membership(world.support, deal) is None
    assert RecordMember.objects.count() == 2


def test_member_update(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    owner = world.actor(world.owner)
    member = services.member_add(actor=owner, record=deal, user=world.support, role="support")
    services.member_update(actor=owner, member=member, access="edit", until=_today())
    member.refresh_from_db()
    assert (member.access, member.until) == ("edit", _today())
    services.member_update(actor=owner, member=member, until=None)
    member.refresh_from_db()
    assert member.until is None
    with pytest.raises(PermissionDenied):
        services.member_update(actor=world.actor(world.support), member=member, access="read")


def _visible_ids(user: Any, resource: str, model: Any) -> set[int]:
    actor = access.Actor.for_user(user)
    return set(access.visible(actor, resource, model.objects.all()).values_list("pk", flat=True))


def test_support_sees_a_deal_only_while_a_member(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    other = DealFactory(owner=world.owner)
    note = Activity.objects.create(deal=deal, author=world.owner, occurred_at=timezone.now(), subject="x")
    assert _visible_ids(world.support, "deal", Deal) == set()
    member = services.member_add(
        actor=world.actor(world.owner), record=deal, user=world.support, role="support"
    )
    assert _visible_ids(world.support, "deal", Deal) == {deal.pk}
    assert other.pk not in _visible_ids(world.support, "deal", Deal)
    assert note.pk in _visible_ids(world.support, "activity", Activity)
    support = world.actor(world.support)
    assert access.can(support, "view", "deal", deal)
    assert not access.can(support, "edit", "deal", deal)
    assert not access.can(support, "delete", "deal", deal)
    # edit access: may edit, still not delete or assign
    services.member_update(actor=world.actor(world.owner), member=member, access="edit")
    support = world.actor(world.support)
    assert access.can(support, "edit", "deal", deal)
    assert not access.can(support, "delete", "deal", deal)
    assert not access.can(support, "assign", "deal", deal)
    # expired: access ends at once
    RecordMember.objects.filter(pk=member.pk).update(until=_today() - datetime.timedelta(days=1))
    assert _visible_ids(world.support, "deal", Deal) == set()
    assert not access.can(world.actor(world.support), "view", "deal", deal)
    # until today still holds
    RecordMember.objects.filter(pk=member.pk).update(until=_today())
    assert _visible_ids(world.support, "deal", Deal) == {deal.pk}
    services.member_remove(actor=world.actor(world.owner), member=member)
    assert _visible_ids(world.support, "deal", Deal) == set()


def test_account_member_sees_contacts_deals_and_follow_ups(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    contact = ContactFactory(account=account)
    deal = DealFactory(owner=world.owner, account=account)
    note = Activity.objects.create(
        account=account, author=world.owner, occurred_at=timezone.now(), subject="x"
    )
    assert account.pk not in _visible_ids(world.outsider, "account", Account)
    services.member_add(actor=world.actor(world.owner), record=account, user=world.outsider, role="co_seller")
    assert account.pk in _visible_ids(world.outsider, "account", Account)
    assert contact.pk in _visible_ids(world.outsider, "contact", Contact)
    assert deal.pk in _visible_ids(world.outsider, "deal", Deal)
    assert note.pk in _visible_ids(world.outsider, "activity", Activity)
    outsider = world.actor(world.outsider)
    assert not access.can(outsider, "edit", "account", account)
    assert not access.can(outsider, "edit", "deal", deal)


def test_default_team_joins_a_new_deal(world: World) -> None:
    from tandem.deals.services import deal_create

    owner = world.actor(world.owner)
    services.default_team_add(actor=owner, user=world.support, role="support", access="read")
    services.default_team_add(
        actor=owner,
        user=world.teammate,
        role="co_seller",
        access="edit",
    )
    with pytest.raises(ValidationError):
        services.default_team_add(actor=owner, user=world.owner, role="support")
    deal = deal_create(actor=owner, data={"name": "New deal"})
    members = {m.user_id: m.access for m in selectors.members_of(deal)}
    assert members == {world.support.pk: "read", world.teammate.pk: "edit"}


def test_owner_change_takes_the_new_owner_off_the_team(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    services.member_add(actor=world.actor(world.owner), record=deal, user=world.teammate, role="co_seller")
    services.member_add(actor=world.actor(world.owner), record=deal, user=world.support, role="support")
    deal.owner = world.teammate
    deal.save()
    services.owner_changed(record=deal, actor=world.actor(world.manager))
    assert [m.user_id for m in selectors.members_of(deal)] == [world.support.pk]


def test_members_clear(world: World) -> None:
    account = AccountFactory(owner=world.owner)
    services.member_add(actor=world.actor(world.owner), record=account, user=world.support, role="support")
    assert services.members_clear(record=account, reason="Returned to the pool") == 1
    assert not RecordMember.objects.exists()
    assert Notification.objects.filter(recipient=world.support, kind="record_team.removed").exists()


def test_expired_members_are_removed_by_the_daily_job_with_history(world: World) -> None:
    from tandem.recordteams.tasks import remove_expired_members

    deal = DealFactory(owner=world.owner)
    gone = services.member_add(
        actor=world.actor(world.owner), record=deal, user=world.support, role="support"
    )
    kept = services.member_add(
        actor=world.actor(world.owner), record=deal, user=world.teammate, role="co_seller", until=_today()
    )
    RecordMember.objects.filter(pk=gone.pk).update(until=_today() - datetime.timedelta(days=1))
    assert remove_expired_members() == 1
    assert list(RecordMember.objects.values_list("pk", flat=True)) == [kept.pk]
    assert HistoryEntry.objects.filter(object_id=deal.pk, message__contains="access ended").exists()
