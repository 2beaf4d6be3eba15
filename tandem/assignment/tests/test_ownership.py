"""Assignment rules give records only to people who may own them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tandem.assignment import services
from tandem.assignment.models import AssignmentRule
from tandem.conftest import World
from tandem.core.tests.people import cao
from tandem.leads.models import Lead
from tandem.leads.tests.factories import LeadFactory
from tandem.org.models import Role, User


def test_a_rule_may_not_list_someone_who_cannot_own_its_records(world: World) -> None:
    support = cao(world)
    with pytest.raises(ValidationError) as exc:
        services.rule_save(
            actor=world.actor(world.admin),
            data={"name": "East leads", "resource": "lead", "strategy": "round_robin"},
            members=[services.MemberSpec(user=world.owner), services.MemberSpec(user=support)],
        )
    assert exc.value.message_dict["members"] == [
        "曹阳 may not own leads: their roles do not let them open and edit them."
    ]
    assert not AssignmentRule.objects.exists()


def test_a_member_who_can_no_longer_own_the_records_is_passed_over(world: World) -> None:
    services.rule_save(
        actor=world.actor(world.admin),
        data={"name": "East leads", "resource": "lead", "strategy": "round_robin"},
        members=[services.MemberSpec(user=world.owner), services.MemberSpec(user=world.teammate)],
    )
    # The owner moves to technical support: the rule no longer gives them leads.
    world.owner.roles.set([Role.objects.get(code="technical-support")])
    for _ in range(2):
        lead = LeadFactory(owner=None)
        result = services.auto_assign(actor=world.actor(world.admin), record=lead)
        assert result.assigned and result.assignee == world.teammate
    assert not Lead.objects.filter(owner=world.owner).exists()


def test_the_rule_form_offers_only_people_who_may_own_leads_or_accounts(world: World) -> None:
    cao(world)
    client = Client()
    client.force_login(User.objects.get(pk=world.admin.pk))
    page = client.get("/assignment/new/").content.decode()
    assert "Tom Teammate" in page
    assert "曹阳" not in page and "Sue Support" not in page
