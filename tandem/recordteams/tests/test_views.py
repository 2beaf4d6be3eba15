"""The Record team card on account and deal pages, member roles admin, my default team;
and the summary path of the board for people on no record team."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.conftest import World
from tandem.core import access
from tandem.customers.tests.factories import AccountFactory, ContactFactory
from tandem.deals import selectors as deal_selectors
from tandem.deals.tests.factories import DealFactory
from tandem.org.models import User
from tandem.recordteams import services
from tandem.recordteams.models import DefaultTeamMember, MemberRole, RecordMember

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_deal_page_shows_the_team_card_and_a_support_member_opens_the_deal(world: World) -> None:
    deal = DealFactory(owner=world.owner, name="Ibis upgrade")
    support = client_of(world.support)
    assert support.get(reverse("deals:deal-detail", args=[deal.pk])).status_code == 404
    services.member_add(actor=world.actor(world.owner), record=deal, user=world.support, role="support")
    page = support.get(reverse("deals:deal-detail", args=[deal.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="record-team"' in body and "Sue Support" in body
    assert "Add a member" not in body  # a read member keeps nothing
    assert "Ibis upgrade" in support.get(reverse("deals:deal-list")).content.decode()
    owner_page = client_of(world.owner).get(reverse("deals:deal-detail", args=[deal.pk])).content.decode()
    assert "Add a member" in owner_page


def test_account_page_and_lists_for_an_account_member(world: World) -> None:
    account = AccountFactory(owner=world.owner, name="Pelican Freight")
    contact = ContactFactory(account=account, name="Lin Pelican")
    outsider = client_of(world.outsider)
    assert outsider.get(reverse("customers:account-detail", args=[account.pk])).status_code == 404
    services.member_add(actor=world.actor(world.owner), record=account, user=world.outsider, role="co_seller")
    assert outsider.get(reverse("customers:account-detail", args=[account.pk])).status_code == 200
    assert (
        "Pelican Freight"
        in outsider.get(reverse("customers:account-list"), {"q": "Pelican"}).content.decode()
    )
    assert outsider.get(reverse("customers:contact-detail", args=[contact.pk])).status_code == 200


def test_htmx_add_change_remove_with_inline_errors(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    client = client_of(world.owner)
    add = reverse("recordteams:member-add", args=["deal", deal.pk])
    bad = client.post(add, {"user": world.owner.pk, "role": "support", "access": "read"}, **HTMX)
    assert bad.status_code == 400
    assert "owns this record already" in bad.content.decode()
    assert not RecordMember.objects.exists()
    ok = client.post(add, {"user": world.support.pk, "role": "support", "access": "read"}, **HTMX)
    assert ok.status_code == 200 and "Sue Support" in ok.content.decode()
    change = reverse("recordteams:member-change", args=["deal", deal.pk, world.support.pk])
    past = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    refused = client.post(change, {"role": "support", "access": "edit", "until": past}, **HTMX)
    assert refused.status_code == 400
    assert RecordMember.objects.get().access == "read"
    assert client.post(change, {"role": "presales", "access": "edit", "until": ""}, **HTMX).status_code == 200
    assert RecordMember.objects.get().access == "edit"
    remove = reverse("recordteams:member-remove", args=["deal", deal.pk, world.support.pk])
    assert client_of(world.outsider).post(remove, **HTMX).status_code == 404
    assert RecordMember.objects.exists()
    assert client.post(remove, **HTMX).status_code == 200
    assert not RecordMember.objects.exists()


def test_expired_members_are_greyed(world: World) -> None:
    deal = DealFactory(owner=world.owner)
    member = services.member_add(
        actor=world.actor(world.owner), record=deal, user=world.support, role="support"
    )
    RecordMember.objects.filter(pk=member.pk).update(until=timezone.localdate() - datetime.timedelta(days=1))
    body = client_of(world.owner).get(reverse("deals:deal-detail", args=[deal.pk])).content.decode()
    assert "record-team-expired" in body
    assert client_of(world.support).get(reverse("deals:deal-detail", args=[deal.pk])).status_code == 404


def test_member_roles_page_is_for_administrators(world: World) -> None:
    assert client_of(world.owner).get(reverse("recordteams:role-list")).status_code == 403
    admin = client_of(world.admin)
    assert admin.get(reverse("recordteams:role-list")).status_code == 200
    bad = admin.post(reverse("recordteams:role-create"), {"name": "Legal", "code": "no spaces!", "order": 5})
    assert bad.status_code == 400
    assert (
        admin.post(
            reverse("recordteams:role-create"), {"name": "Legal", "code": "legal", "order": 5}
        ).status_code
        == 302
    )
    role = MemberRole.objects.get(code="legal")
    assert client_of(world.owner).post(reverse("recordteams:role-delete", args=[role.pk])).status_code == 403
    admin.post(reverse("recordteams:role-delete", args=[role.pk]))
    assert not MemberRole.objects.filter(code="legal").exists()


def test_my_default_team_page(world: World) -> None:
    client = client_of(world.owner)
    assert client.get(reverse("recordteams:default-team")).status_code == 200
    bad = client.post(reverse("recordteams:default-team"), {"user": "", "role": "support", "access": "read"})
    assert bad.status_code == 400
    ok = client.post(
        reverse("recordteams:default-team"), {"user": world.support.pk, "role": "support", "access": "read"}
    )
    assert ok.status_code == 302
    member = DefaultTeamMember.objects.get()
    assert (
        client_of(world.teammate)
        .post(reverse("recordteams:default-team-remove", args=[member.pk]))
        .status_code
        == 404
    )
    client.post(reverse("recordteams:default-team-remove", args=[member.pk]))
    assert not DefaultTeamMember.objects.exists()


def test_the_board_summary_path_stays_for_people_on_no_record_team(
    world: World, django_assert_num_queries: object
) -> None:
    deal = DealFactory(owner=world.owner)
    services.member_add(actor=world.actor(world.owner), record=deal, user=world.support, role="support")
    manager = world.actor(world.manager)
    with CaptureQueriesContext(connection) as ctx:
        summary = access.visible_summary(manager, "deal", deal_selectors.DealStageTotal.objects.all())
    assert summary is not None
    # whether the manager is on a record team was read with their roles (core.actor_facts)
    assert len(ctx.captured_queries) == 0
    with CaptureQueriesContext(connection) as ctx:
        assert deal_selectors.stage_totals_summary(manager) is not None
    assert len(ctx.captured_queries) == 0  # memoised
    # a member reads the deals themselves
    assert deal_selectors.stage_totals_summary(world.actor(world.support)) is None
    # an administrator never asks
    admin = world.actor(world.admin)
    with CaptureQueriesContext(connection) as ctx:
        assert deal_selectors.stage_totals_summary(admin) is not None
    assert all("recordteams" not in q["sql"] for q in ctx.captured_queries)


def test_the_deal_list_query_count_stays_flat_for_a_member(world: World) -> None:
    client = client_of(world.support)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("deals:deal-list")).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        deal = DealFactory(owner=world.owner, account=AccountFactory(owner=world.owner))
        services.member_add(actor=world.actor(world.owner), record=deal, user=world.support, role="support")
    few = count()
    for _ in range(8):
        deal = DealFactory(owner=world.owner, account=AccountFactory(owner=world.owner))
        services.member_add(actor=world.actor(world.owner), record=deal, user=world.support, role="support")
    assert count() == few


@pytest.mark.parametrize("page", ["customers:account-detail", "deals:deal-detail"])
def test_a_record_page_reads_the_member_roles_once(world: World, page: str) -> None:
    """The record team card, its add form and the handoffs card all show the roles: one read."""
    account = AccountFactory(owner=world.owner, name="Egret Foods")
    deal = DealFactory(owner=world.owner, account=account)
    services.member_add(actor=world.actor(world.owner), record=account, user=world.support, role="support")
    services.member_add(actor=world.actor(world.owner), record=deal, user=world.support, role="support")
    record = account if page.startswith("customers") else deal
    with CaptureQueriesContext(connection) as ctx:
        response = client_of(world.owner).get(reverse(page, args=[record.pk]))
    assert response.status_code == 200
    reads = [q["sql"] for q in ctx.captured_queries if 'FROM "recordteams_memberrole"' in q["sql"]]
    assert len(reads) == 1, reads
    body = response.content.decode()
    # Every role is offered in the add form, the member's role shown and selected in "Change".
    for role in MemberRole.objects.all():
        assert f'<option value="{role.code}"' in body
    assert 'value="support" selected' in body


def test_the_add_forms_offer_a_member_role_before_the_owners(world: World) -> None:
    """A new member is a co-seller until the person says otherwise, not an "Owner": the record's
    owner is not one of its members (the role is there for handoffs)."""
    deal = DealFactory(owner=world.owner)
    client = client_of(world.owner)
    pages = (
        client.get(reverse("deals:deal-detail", args=[deal.pk])).content.decode(),
        client.get(reverse("recordteams:default-team")).content.decode(),
    )
    for body in pages:
        select = re.search(r'<select name="role"[^>]*>(.*?)</select>', body, re.S)
        assert select is not None
        assert re.findall(r'<option value="([^"]+)"[^>]*selected', select.group(1)) == ["co_seller"]
        assert '<option value="owner"' in select.group(1)  # still offered


def test_the_settings_page_links_to_my_default_team(world: World) -> None:
    body = client_of(world.owner).get(reverse("auth:settings")).content.decode()
    assert reverse("recordteams:default-team") in body


def test_a_members_board_totals_are_their_summary_plus_their_member_deals(world: World) -> None:
    from tandem.deals.models import Deal, Stage, StageKind
    from tandem.deals.tests.factories import pipeline

    stage_ids = list(
        Stage.objects.filter(pipeline=pipeline(), kind=StageKind.OPEN).values_list("pk", flat=True)
    )
    for _ in range(2):
        DealFactory(owner=world.owner)
        DealFactory(owner=world.outsider)
    west = DealFactory(owner=world.sibling_manager)
    for user in (world.manager, world.support):
        services.member_add(actor=world.actor(world.sibling_manager), record=west, user=user, role="presales")
    for user in (world.manager, world.support, world.owner):
        actor = world.actor(user)
        deals = access.visible(actor, "deal", Deal.objects.all())
        split = deal_selectors.stage_totals_split(actor, deals)
        assert split is not None
        assert deal_selectors.board_totals(actor, deals, stage_ids) == deal_selectors.column_totals(
            deals, stage_ids
        )
    assert (
        deal_selectors.column_totals(
            access.visible(world.actor(world.support), "deal", Deal.objects.all()), stage_ids
        )[west.stage_id]["count"]
        == 1
    )
