"""`tandem seed-demo`'s CRM: a year of customers, pools, leads, deals and follow-ups.

Seeding takes several seconds, so the module seeds once (inside a transaction rolled back at
the end) and the tests after the first two read that database; a test that writes runs in its
own savepoint. The first two tests need a database without the demo, so they come first.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Max
from django.test import override_settings
from django.utils import timezone, translation

from tandem.activities.models import Activity
from tandem.core.access import Actor, visible
from tandem.core.models import HistoryEntry
from tandem.customers import dedupe
from tandem.customers.demo import DEMO_PREFIX, DUPLICATE_PAIRS, seed_crm
from tandem.customers.models import Account, AccountLevel, Contact, DuplicateKey, Pool, PoolEvent
from tandem.customers.pools import reclaim_preview
from tandem.deals.models import Deal, DealStageHistory, Pipeline, Product
from tandem.leads.models import Lead
from tandem.org.models import User

# One worker runs the whole module: it seeds once, and the tests without the seed run first.
pytestmark = pytest.mark.xdist_group("crm-demo")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def crm_counts() -> dict[str, int]:
    return {
        "accounts": Account.all_objects.count(),
        "contacts": Contact.all_objects.count(),
        "leads": Lead.all_objects.count(),
        "deals": Deal.all_objects.count(),
        "follow_ups": Activity.all_objects.count(),
        "products": Product.all_objects.count(),
        "pipelines": Pipeline.objects.count(),
        "pools": Pool.objects.count(),
        "history": HistoryEntry.objects.count(),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo company and its CRM, seeded once for the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded: str, db: None) -> str:
    return seeded


def actor(username: str) -> Actor:
    return Actor.for_user(User.objects.get(username=username))


def reps() -> list[User]:
    return list(User.objects.filter(is_active=True, roles__code="sales-rep").order_by("username"))


def test_it_needs_the_demo_company(db: None) -> None:
    with pytest.raises(ImproperlyConfigured, match="demo company"):
        seed_crm()


def test_no_crm_seeds_only_the_organisation(db: None) -> None:
    out = seed("--no-crm")
    assert User.objects.filter(username="rep").exists()
    assert not Account.objects.exists() and not Deal.objects.exists()
    assert "Demo CRM" not in out


def test_it_builds_a_year_of_crm_of_the_promised_size(demo: str) -> None:
    assert 280 <= Account.objects.count() <= 360
    assert 30 <= Account.objects.filter(owner__isnull=True, pool__isnull=False).count() <= 50
    assert Lead.objects.count() == 60
    assert 500 <= Deal.objects.count() <= 700
    assert 2500 <= Activity.objects.count() <= 3500
    assert Product.objects.count() >= 10
    partner = Pipeline.objects.get(name="渠道合作")
    assert partner.names == {"zh-hans": "渠道合作", "en": "Partner deals"}
    assert partner.stages.filter(name="联合方案", names__en="Joint proposal").exists()
    assert Pipeline.objects.count() == 2
    assert "Demo CRM added in" in demo
    assert "follow-ups" in demo and "customers due back to a pool" in demo


def test_it_gives_every_account_contacts_and_a_place(demo: str) -> None:
    for account in Account.objects.filter(external_id__startswith=DEMO_PREFIX).prefetch_related("contacts"):
        contacts = list(account.contacts.all())
        assert 1 <= len(contacts) <= 4, account.name
        assert account.level is not None, account.name
        assert account.industry and account.source and account.city, account.name
        assert account.phone.startswith("+"), account.name
        for contact in contacts:
            assert contact.mobile.startswith("+") and "@" in contact.email and contact.title


def test_it_names_china_accounts_in_chinese_with_provinces_and_singapore_ones_in_english(demo: str) -> None:
    china = Account.objects.filter(country="CN", external_id__startswith=DEMO_PREFIX)
    assert china.count() > 200
    for account in china:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in account.name), account.name
        assert account.province and account.city.endswith("市"), account.name
    east = {a.province for a in china.filter(pool__name="华东公海")}
    south = {a.province for a in china.filter(pool__name="华南公海")}
    assert east <= {"上海市", "江苏省", "浙江省", "安徽省"}
    assert south <= {"广东省", "福建省", "广西壮族自治区", "海南省"}
    abroad = Account.objects.exclude(country="CN")
    assert abroad.count() >= 30
    assert all(a.name.isascii() for a in abroad)
    assert set(abroad.values_list("country", flat=True)) <= {"SG", "MY", "ID"}
    assert abroad.filter(owner__username="daniel.lim").exists()


def test_it_uses_levels_tags_and_every_lifecycle_stage(demo: str) -> None:
    levels = Counter(Account.objects.values_list("level__code", flat=True))
    assert all(levels[code] >= 30 for code in "ABC")
    lifecycles = Counter(Account.objects.values_list("lifecycle", flat=True))
    assert {"lead", "prospect", "customer", "loyal", "churned"} <= set(lifecycles)
    assert Account.objects.filter(tags__name="重点客户").count() >= 20
    assert Account.objects.filter(tags__name="Key account").exists()


def test_every_rep_sees_accounts_deals_and_follow_ups_due_today(demo: str) -> None:
    today = timezone.localdate()
    people = reps()
    assert len(people) == 16
    for rep in people:
        me = Actor.for_user(rep)
        own = visible(me, "account", Account.objects.all()).filter(owner=rep)
        assert own.count() >= 10, rep.username
        assert visible(me, "deal", Deal.objects.all()).count() >= 5, rep.username
        assert own.filter(next_follow_up_on=today).exists(), rep.username
        assert visible(me, "activity", Activity.objects.all()).count() >= 50, rep.username


def test_a_rep_sees_only_their_own_customers_and_their_pool(demo: str) -> None:
    rep = User.objects.get(username="rep")
    seen = visible(actor("rep"), "account", Account.objects.all())
    assert not seen.exclude(owner=rep).exclude(owner__isnull=True).exists()
    assert set(seen.filter(owner__isnull=True).values_list("pool__name", flat=True)) == {"华东公海"}
    manager = visible(actor("manager"), "account", Account.objects.all())
    assert manager.filter(owner__username="zhang.wei").exists()
    assert not manager.filter(owner__username="he.jing").exists()


def test_it_sets_up_two_pools_with_the_rules_and_unowned_customers(demo: str) -> None:
    east = Pool.objects.get(name="华东公海")
    south = Pool.objects.get(name="华南公海")
    for pool in (east, south):
        assert pool.days_by_level == {"A": 90, "B": 45, "C": 20}
        assert (pool.remind_days_before, pool.max_owned_per_person) == (3, 200)
        assert (pool.daily_claim_limit, pool.cooldown_days) == (20, 7)
        assert pool.accounts.filter(owner__isnull=True).count() >= 12
    assert list(east.teams.values_list("name", flat=True)) == ["华东大区"]
    assert list(south.teams.values_list("name", flat=True)) == ["华南大区"]
    assert Account.objects.filter(owner__isnull=True, pool=east).count() >= 20


def test_its_pools_and_account_levels_have_a_name_in_each_language(demo: str) -> None:
    assert Pool.objects.get(name="华东公海").names == {"zh-hans": "华东公海", "en": "East China pool"}
    assert Pool.objects.get(name="华南公海").names == {"zh-hans": "华南公海", "en": "South China pool"}
    levels = {level.code: level for level in AccountLevel.objects.all()}
    with translation.override("en"):
        assert levels["A"].display_name == "A (key account)"
    with translation.override("zh-hans"):
        assert levels["C"].display_name == "C 类（一般客户）"
    assert all(set(level.names) == {"zh-hans", "en"} for level in levels.values())


def test_customers_given_back_to_the_pool_have_a_reason_and_their_previous_owner(demo: str) -> None:
    released = PoolEvent.objects.filter(kind=PoolEvent.Kind.RELEASE)
    assert released.count() >= 20
    for event in released.select_related("account"):
        assert event.reason and event.from_owner is not None
        assert event.account.owner_id is None
        assert event.account.previous_owner_id == event.from_owner_id
    week_ago = timezone.now() - datetime.timedelta(days=7)
    assert released.filter(at__gte=week_ago).exists()  # someone is still in the cool-down


def test_the_reclaim_preview_lists_customers_due_back_soon_with_reasons(demo: str) -> None:
    for pool_name, admin in (("华东公海", "li.zhiqiang"), ("华南公海", "huang.jun")):
        preview = reclaim_preview(actor=actor(admin), pool=Pool.objects.get(name=pool_name))
        listed = [*preview["due"], *preview["soon"]]
        assert len(listed) >= 3, pool_name
        assert preview["soon"], pool_name
        assert all(c.reason for c in listed)


def test_it_leaves_five_pairs_of_duplicate_accounts_to_review(demo: str) -> None:
    admin = actor("admin")
    for _first, _second, name1, name2, _phone, _site, _country in DUPLICATE_PAIRS:
        first = Account.objects.get(name=name1)
        second = Account.objects.get(name=name2)
        assert first.phone == second.phone
        matches = dedupe.find(
            actor=admin, record_type="account", values={"name": name2, "phone": second.phone}
        )
        assert first.pk in {m.get("id") for m in matches}, name2
    shared_phones = (
        DuplicateKey.objects.filter(record_type="account", kind="phone")
        .values("value")
        .annotate(n=Max("record_id"))
        .values_list("value", flat=True)
    )
    counts = Counter(
        DuplicateKey.objects.filter(
            record_type="account", kind="phone", value__in=list(shared_phones)
        ).values_list("value", flat=True)
    )
    assert sum(1 for n in counts.values() if n > 1) == 5


def test_the_manager_may_edit_both_accounts_of_an_east_china_pair(demo: str) -> None:
    from tandem.core.access import can

    first_owner, second_owner, name1, name2, *_rest = DUPLICATE_PAIRS[0]
    manager = actor("manager")
    for name in (name1, name2):
        assert can(manager, "edit", "account", Account.objects.get(name=name))
    assert {first_owner, second_owner} <= {"rep", "zhang.wei"}


def test_leads_come_in_every_status_with_reasons_and_links(demo: str) -> None:
    statuses = Counter(Lead.objects.values_list("status", flat=True))
    assert statuses == {"new": 12, "contacted": 12, "qualified": 12, "unqualified": 12, "converted": 12}
    for lead in Lead.objects.filter(status="unqualified"):
        assert lead.unqualified_reason
    converted = Lead.objects.filter(status="converted")
    assert all(lead.converted_account_id and lead.converted_contact_id for lead in converted)
    assert converted.filter(converted_deal__isnull=False).count() >= 6
    assert Lead.objects.filter(status="new", activities__isnull=True).count() == 12
    assert Lead.objects.exclude(status="new").filter(activities__isnull=False).distinct().count() >= 40
    # Managers assigned them: the creator is the rep's manager, the owner the rep.
    lead = Lead.objects.filter(owner__username="rep").first()
    assert lead is not None and lead.created_by is not None and lead.created_by.username == "manager"


def test_deals_spread_over_the_year_across_both_pipelines_and_outcomes(demo: str) -> None:
    today = timezone.localdate()
    year_ago = timezone.now() - datetime.timedelta(days=366)
    deals = Deal.objects.all()
    assert not deals.filter(created_at__lt=year_ago).exists()
    assert deals.filter(created_at__lt=timezone.now() - datetime.timedelta(days=270)).exists()
    by_pipeline = Counter(deals.values_list("pipeline__name", "status"))
    for pipeline in Pipeline.objects.all():
        for status in ("open", "won", "lost"):
            assert by_pipeline[(pipeline.name, status)] >= 20, (pipeline.name, status)
    for deal in deals.filter(status="won"):
        assert deal.closed_on is not None and deal.closed_on <= today
        assert deal.amount > 0
    lost = deals.filter(status="lost")
    assert all(d.lost_reason_ref_id and d.closed_on for d in lost)
    assert all(d.lost_reason for d in lost.filter(lost_reason_ref__is_other=True))  # "other" has its note
    assert lost.exclude(competitor="").count() >= lost.count() // 2
    open_deals = deals.filter(status="open")
    assert all(d.expected_close_date for d in open_deals)
    assert open_deals.filter(expected_close_date__lt=today).exists()  # a few overdue
    assert open_deals.filter(expected_close_date__gte=today).count() > open_deals.count() // 2


def test_deals_have_line_items_with_product_families_and_contacts(demo: str) -> None:
    families = set(Product.objects.values_list("family", flat=True))
    assert len(families) == 4
    deals = Deal.objects.filter(external_id__startswith=f"{DEMO_PREFIX}D").prefetch_related("lines")
    for deal in deals:
        lines = list(deal.lines.all())
        assert lines, deal.name
        assert sum(line.amount for line in lines) == deal.amount
    assert Deal.objects.filter(deal_contacts__role="decision_maker").count() >= 400


def test_stage_history_has_plausible_durations_and_ends_in_the_current_stage(demo: str) -> None:
    for deal in Deal.objects.filter(status__in=["won", "lost"]).order_by("pk")[:80]:
        stays = list(DealStageHistory.objects.filter(deal=deal).order_by("entered_at"))
        assert len(stays) >= 2
        assert stays[-1].stage_id == deal.stage_id and stays[-1].left_at is None
        assert timezone.localdate(stays[-1].entered_at) == deal.closed_on
        for stay in stays[:-1]:
            assert stay.duration_seconds is not None
            assert 12 * 3600 <= stay.duration_seconds <= 40 * 86400  # days to weeks


def test_an_open_deal_early_on_may_still_lack_what_the_proposal_stage_requires(demo: str) -> None:
    from tandem.deals.services import missing_for_stage

    pipeline = Pipeline.objects.get(is_default=True)
    proposal = pipeline.stages.get(name="Proposal")
    early = Deal.objects.filter(pipeline=pipeline, status="open", stage__order__lt=proposal.order)
    assert any(missing_for_stage(d, proposal) for d in early.filter(owner__username="rep"))


def test_history_is_written_by_the_people_who_did_the_work_when_they_did_it(demo: str) -> None:
    deal = Deal.objects.filter(status="won", owner__username="rep").first()
    assert deal is not None
    entries = HistoryEntry.objects.filter(content_type__model="deal", object_id=deal.pk)
    assert {e.actor_id for e in entries} == {deal.owner_id}
    assert min(e.at for e in entries) == deal.created_at
    assert deal.created_at < timezone.now() - datetime.timedelta(days=20)
    account = Account.objects.filter(owner__username="rep", external_id__startswith=DEMO_PREFIX).first()
    assert account is not None and account.created_by_id == account.owner_id
    # The simulated clock is put back: new writes are dated now.
    assert abs(timezone.now() - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(seconds=5)


def test_last_and_next_follow_ups_match_the_follow_ups(demo: str) -> None:
    latest = dict(
        Activity.objects.filter(account__isnull=False)
        .values("account")
        .annotate(last=Max("occurred_at"))
        .values_list("account", "last")
    )
    owned = Account.objects.filter(owner__isnull=False)
    for account in owned:
        assert account.last_follow_up_at == latest.get(account.pk), account.name
    kinds = Counter(Activity.objects.values_list("kind", flat=True))
    assert {"call", "visit", "email", "meeting"} <= set(kinds)
    assert kinds["call"] > kinds["visit"] > kinds["meeting"]
    today = timezone.localdate()
    assert owned.filter(next_follow_up_on__lt=today).count() >= 10
    assert owned.filter(next_follow_up_on=today).count() >= 16
    assert not Activity.objects.filter(occurred_at__gt=timezone.now()).exists()
    # Follow-ups on a customer are by its owner (given-back customers are unowned now).
    assert (
        not Activity.objects.filter(account__owner__isnull=False).exclude(author=F("account__owner")).exists()
    )


def test_it_is_idempotent(demo: str) -> None:
    before = crm_counts()
    out = seed()
    assert crm_counts() == before
    assert "The demo CRM is complete already: nothing added." in out
