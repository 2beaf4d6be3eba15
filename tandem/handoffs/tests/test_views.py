"""The handoff pages: lists, one handoff with its decisions, the send form, the figures, the
templates (administrators), and the card on the deal and account pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.conftest import World
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory, stage_named
from tandem.org.models import User

from ..models import Handoff, HandoffStatus, HandoffTemplate
from .factories import send, template

pytestmark = pytest.mark.django_db


def as_(user: User, language: str = "en") -> Client:
    """A signed-in client; pages read in the person's own language."""
    User.objects.filter(pk=user.pk).update(language=language)
    client = Client()
    client.force_login(user)
    return client


def won(world: World) -> Deal:
    return DealFactory(owner=world.owner, stage=stage_named("Won"))


def test_a_won_deals_page_offers_the_handoff_and_shows_its_history(world: World) -> None:
    tpl = template()
    deal = won(world)
    page = as_(world.owner).get(f"/deals/{deal.pk}/").content.decode()
    assert f"/handoffs/send/deal/{deal.pk}/{tpl.pk}/" in page
    send(world.owner, deal, tpl, recipient=world.teammate)
    page = as_(world.owner).get(f"/deals/{deal.pk}/").content.decode()
    assert "Won deal to account manager" in page and "Tom Teammate" in page


def test_an_open_deal_offers_no_won_deal_template(world: World) -> None:
    tpl = template()
    deal = DealFactory(owner=world.owner)
    assert (
        f"/handoffs/send/deal/{deal.pk}/{tpl.pk}/"
        not in as_(world.owner).get(f"/deals/{deal.pk}/").content.decode()
    )


def test_an_account_page_shows_its_handoffs(world: World) -> None:
    account = AccountFactory(owner=world.owner, lifecycle="customer")
    tpl = template(
        name="Onboarding", names={}, record_kind="account", trigger="account_onboarding", required_fields=[]
    )
    page = as_(world.owner).get(f"/customers/accounts/{account.pk}/").content.decode()
    assert f"/handoffs/send/account/{account.pk}/{tpl.pk}/" in page


def test_the_send_form_sends_and_shows_errors_inline(world: World) -> None:
    tpl, deal = template(), won(world)
    url = f"/handoffs/send/deal/{deal.pk}/{tpl.pk}/"
    client = as_(world.owner, "zh-hans")
    assert client.get(url).status_code == 200
    answer = client.post(url, {"recipient": world.teammate.pk, "checked": ["0"]})
    assert answer.status_code == 400 and "联系人已确认" in answer.content.decode()
    assert not Handoff.objects.exists()
    answer = client.post(url, {"recipient": world.teammate.pk, "checked": ["0", "1"], "note": "Hi"})
    assert answer.status_code == 302
    assert Handoff.objects.get().note == "Hi"


def test_an_outsider_cannot_open_the_send_form(world: World) -> None:
    tpl, deal = template(), won(world)
    client = as_(world.outsider)
    assert client.get(f"/handoffs/send/deal/{deal.pk}/{tpl.pk}/").status_code == 404
    assert (
        client.post(f"/handoffs/send/deal/{deal.pk}/{tpl.pk}/", {"recipient": world.teammate.pk}).status_code
        == 404
    )
    assert not Handoff.objects.exists()


def test_the_recipient_accepts_on_the_page(world: World) -> None:
    handoff = send(world.owner, won(world), recipient=world.teammate)
    client = as_(world.teammate)
    page = client.get(f"/handoffs/{handoff.pk}/").content.decode()
    assert "Contract signed" in page and f"/handoffs/{handoff.pk}/accept/" in page
    assert client.post(f"/handoffs/{handoff.pk}/accept/").status_code == 302
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.ACCEPTED


def test_rejecting_on_the_page_needs_a_reason(world: World) -> None:
    handoff = send(world.owner, won(world), recipient=world.teammate)
    client = as_(world.teammate)
    assert client.post(f"/handoffs/{handoff.pk}/reject/", {"reason": ""}).status_code == 400
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.PENDING
    assert client.post(f"/handoffs/{handoff.pk}/reject/", {"reason": "Wrong region"}).status_code == 302


def test_an_outsider_gets_404_on_every_handoff_page_and_nothing_changes(world: World) -> None:
    handoff = send(world.owner, won(world), recipient=world.teammate)
    client = as_(world.outsider)
    assert client.get(f"/handoffs/{handoff.pk}/").status_code == 404
    for verb in ("accept", "reject", "cancel", "pick-up"):
        assert client.post(f"/handoffs/{handoff.pk}/{verb}/", {"reason": "x"}).status_code == 404
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.PENDING


def test_the_list_shows_pending_first_with_flat_queries(world: World) -> None:
    tpl = template(name="By hand", names={}, trigger="manual")
    client = as_(world.teammate)
    first = send(world.owner, won(world), tpl, recipient=world.teammate)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/handoffs/?box=incoming").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for _ in range(5):
        send(world.owner, won(world), tpl, recipient=world.teammate)
    assert queries() == few
    assert first.record.name in client.get("/handoffs/").content.decode()
    assert as_(world.teammate, "zh-hans").get("/handoffs/?box=outgoing").status_code == 200


def test_the_figures_count_per_template_and_stage(world: World) -> None:
    tpl = template(name="By hand", names={}, trigger="manual")
    accepted = send(world.owner, won(world), tpl, recipient=world.teammate)
    from ..services import handoff_accept, handoff_reject

    handoff_accept(actor=world.actor(world.teammate), handoff=accepted)
    rejected = send(world.owner, won(world), tpl, recipient=world.teammate)
    handoff_reject(actor=world.actor(world.teammate), handoff=rejected, reason="Wrong region")
    page = as_(world.manager).get("/handoffs/figures/?days=30")
    assert page.status_code == 200
    assert "Wrong region" in page.content.decode()
    assert as_(world.manager, "zh-hans").get("/handoffs/figures/?days=bad").status_code == 200


def test_templates_are_kept_by_administrators_on_their_page(world: World) -> None:
    assert as_(world.owner).get("/handoffs/templates/").status_code == 403
    client = as_(world.admin)
    assert client.get("/handoffs/templates/new/").status_code == 200
    data = {
        "name": "Onboarding",
        "name_zh": "上线交接",
        "record_kind": "account",
        "trigger": "account_onboarding",
        "from_role": "account_manager",
        "to_role": "support",
        "checklist": "Kick-off held | 启动会已开\n?Training booked | 培训已预约",
        "sla_hours": "48",
        "on_accept": "member",
        "sender_stays": "on",
        "is_active": "on",
    }
    assert client.post("/handoffs/templates/new/", {**data, "trigger": "deal_won"}).status_code == 400
    assert client.post("/handoffs/templates/new/", data).status_code == 302
    saved = HandoffTemplate.objects.get()
    assert saved.names == {"zh-hans": "上线交接"}
    assert saved.checklist[1] == {
        "label": "Training booked",
        "labels": {"zh-hans": "培训已预约"},
        "required": False,
    }
    assert client.get(f"/handoffs/templates/{saved.pk}/").status_code == 200
    assert "上线交接" in as_(world.admin, "zh-hans").get("/handoffs/templates/").content.decode()
