"""The CRM in a real browser, on the demo company's year of data (`tandem seed-demo`).

A rep claims a customer from the public pool and logs a follow-up; a manager drags deals on the
board (and is refused where the stage guidance says so), imports a CSV with a bad row, and
merges two duplicate accounts. Then the main pages, in both languages at desktop and phone width.
Elements are found by ids, names and data attributes, never by visible text.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from tandem.activities.models import Activity
from tandem.core.models import HistoryEntry
from tandem.customers.demo import DUPLICATE_PAIRS
from tandem.customers.models import Account, Contact, Pool, PoolEvent
from tandem.deals.models import Deal, Pipeline, Stage
from tandem.deals.services import missing_for_stage
from tandem.imports.models import ImportJob
from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import User

from .harness import (
    DESKTOP,
    PHONE,
    drag_and_drop,
    each_language,
    has_horizontal_overflow,
    login,
    screenshot,
    url,
    visit,
    wait_for_toast,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

COUNT = re.compile(r"\d[\d,]*")


def column_count(page: Page, stage: Stage) -> int:
    """The number of deals a board column's header says it holds."""
    text = count_of(page, stage).inner_text()
    match = COUNT.search(text)
    assert match is not None, f"no count in the header of {stage.name}: {text!r}"
    return int(match.group().replace(",", ""))


def count_of(page: Page, stage: Stage) -> Locator:
    return page.locator(f'[data-column-header="{stage.pk}"] [data-column-count]')


def number(n: int) -> re.Pattern[str]:
    """A header text holding exactly the number ``n`` ("3 deals", "3 个商机")."""
    return re.compile(rf"(^|\D){n}(\D|$)")


def board_list(page: Page, stage: Stage) -> Locator:
    return page.locator(f'#board [data-board-list][data-stage="{stage.pk}"]')


def card(page: Page, deal_id: int) -> Locator:
    return page.locator(f'#board .board-card[data-deal="{deal_id}"]')


# --- Public pool ------------------------------------------------------------------------------


def test_a_rep_claims_a_customer_from_the_public_pool(page: Any, live_server: Any, demo_crm: None) -> None:
    rep = User.objects.get(username="rep")
    pool = Pool.objects.get(name="华东公海")
    owned_before = Account.objects.filter(owner=rep).count()
    login(page, live_server, "rep", DEMO_PASSWORD)
    assert visit(page, live_server, "customers:pool-detail", pool.pk) == 200

    # A customer on the first page that the rep did not give back recently (the cool-down).
    row_ids = [
        int(row_id.removeprefix("pool-row-"))
        for row_id in page.locator('#pool-list tr[id^="pool-row-"]').evaluate_all(
            "rows => rows.map(r => r.id)"
        )
    ]
    assert len(row_ids) >= 5, "the demo pool should list customers to claim"
    account = (
        Account.objects.filter(pk__in=row_ids, owner__isnull=True)
        .exclude(previous_owner=rep)
        .order_by("pk")
        .first()
    )
    assert account is not None
    row = page.locator(f"#pool-row-{account.pk}")
    screenshot(page, "crm-pool-before-claim-rep-1366")

    row.locator("button[hx-post]").click()

    expect(row).to_have_count(0)
    assert account.name in wait_for_toast(page, "success")
    account.refresh_from_db()
    assert account.owner == rep
    assert account.pool == pool
    assert Account.objects.filter(owner=rep).count() == owned_before + 1
    assert PoolEvent.objects.filter(account=account, kind=PoolEvent.Kind.CLAIM, actor=rep).exists()
    screenshot(page, "crm-pool-after-claim-rep-1366")

    # The customer is the rep's now: the page shows them as owner and offers the follow-up form.
    assert visit(page, live_server, "customers:account-detail", account.pk) == 200
    expect(page.locator("form#quick-followup")).to_be_visible()
    assert rep.display_name in page.locator("main").inner_text()
    assert page.errors == []


# --- Follow-ups -------------------------------------------------------------------------------


def test_a_rep_logs_a_follow_up_and_the_timeline_shows_it(
    page: Any, live_server: Any, demo_crm: None
) -> None:
    rep = User.objects.get(username="rep")
    account = Account.objects.filter(owner=rep, level__code="A").order_by("pk").first()
    assert account is not None
    follow_ups_before = Activity.objects.filter(account=account).count()
    login(page, live_server, "rep", DEMO_PASSWORD)
    assert visit(page, live_server, "customers:account-detail", account.pk) == 200

    form = page.locator("form#quick-followup")
    form.locator('label[for="quick-followup-kind-visit"]').click()
    text = "上门拜访，客户确认下月上线，需要安排两场培训。"
    form.locator('textarea[name="content"]').fill(text)
    next_on = timezone.localdate() + datetime.timedelta(days=3)
    form.locator('input[name="next_follow_up_on"]').fill(next_on.isoformat())
    form.locator('button[type="submit"]').click()

    newest = page.locator("#followup-timeline > li").first
    expect(newest).to_contain_text(text)
    wait_for_toast(page, "success")
    expect(form.locator('textarea[name="content"]')).to_have_value("")  # ready for the next one
    activity = Activity.objects.filter(account=account).order_by("-pk").first()
    assert activity is not None and activity.content == text
    assert (activity.kind, activity.author) == ("visit", rep)
    assert Activity.objects.filter(account=account).count() == follow_ups_before + 1
    account.refresh_from_db()
    assert account.next_follow_up_on == next_on
    assert account.last_follow_up_at == activity.occurred_at
    screenshot(page, "crm-follow-up-logged-rep-1366")

    # Still first after a reload: the timeline is newest first.
    page.reload()
    expect(page.locator("#followup-timeline > li").first).to_contain_text(text)
    assert page.errors == []


# --- The pipeline board -----------------------------------------------------------------------


def test_a_manager_drags_a_deal_to_the_next_stage_and_is_refused_where_requirements_are_unmet(
    page: Any, live_server: Any, demo_crm: None
) -> None:
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.filter(kind="open").order_by("order"))
    first, second, proposal = stages[0], stages[1], stages[2]
    assert proposal.required_fields, "the demo's Proposal stage asks for amount and budget"
    login(page, live_server, "manager", DEMO_PASSWORD)
    page.goto(url(live_server, "deals:board") + f"?pipeline={pipeline.pk}")
    expect(page.locator("#board")).to_be_visible()

    # 1. A deal in the first stage goes to the second: both headers follow.
    ids = [
        int(i)
        for i in board_list(page, first)
        .locator(".board-card")
        .evaluate_all("cs => cs.map(c => c.dataset.deal)")
    ]
    assert ids, "the first stage has deals on the demo board"
    deal = Deal.objects.get(pk=ids[0])
    counts = column_count(page, first), column_count(page, second)
    screenshot(page, "crm-board-before-drag-manager-1366")

    drag_and_drop(page, card(page, deal.pk), board_list(page, second))

    message = wait_for_toast(page, "success")
    expect(board_list(page, second).locator(f'[data-deal="{deal.pk}"]')).to_have_count(1)
    expect(count_of(page, first)).to_have_text(number(counts[0] - 1))
    expect(count_of(page, second)).to_have_text(number(counts[1] + 1))
    assert (column_count(page, first), column_count(page, second)) == (counts[0] - 1, counts[1] + 1), message
    deal.refresh_from_db()
    assert deal.stage == second
    screenshot(page, "crm-board-after-drag-manager-1366")

    # 2. A deal without a budget may not enter Proposal: refused, and the card goes back.
    on_board = [  # in the order they are shown: the first ones are on screen
        int(i)
        for stage in (first, second)
        for i in board_list(page, stage)
        .locator(".board-card")
        .evaluate_all("cs => cs.map(c => c.dataset.deal)")
    ]
    early = {d.pk: d for d in Deal.objects.filter(pk__in=on_board).select_related("stage")}
    candidates = [early[pk] for pk in on_board if missing_for_stage(early[pk], proposal)]
    assert candidates, "an early demo deal lacks what Proposal requires"
    blocked = candidates[0]
    home = blocked.stage
    version, history = blocked.version, HistoryEntry.objects.filter(object_id=blocked.pk).count()
    counts = column_count(page, home), column_count(page, proposal)

    drag_and_drop(page, card(page, blocked.pk), board_list(page, proposal))

    refusal = wait_for_toast(page, "danger")
    assert refusal, "the refusal says why"
    expect(board_list(page, home).locator(f'[data-deal="{blocked.pk}"]')).to_have_count(1)
    expect(board_list(page, proposal).locator(f'[data-deal="{blocked.pk}"]')).to_have_count(0)
    assert (column_count(page, home), column_count(page, proposal)) == counts
    blocked.refresh_from_db()
    assert (blocked.stage, blocked.version) == (home, version)
    assert HistoryEntry.objects.filter(object_id=blocked.pk).count() == history
    screenshot(page, "crm-board-refused-manager-1366")
    assert [e for e in page.errors if "Failed to load resource" not in e] == []


# --- Import -----------------------------------------------------------------------------------


def test_a_manager_imports_a_csv_whose_bad_row_is_shown_then_skipped(
    page: Any, live_server: Any, demo_crm: None, tmp_path: Path
) -> None:
    rows = [
        ("客户名称", "城市", "电话"),
        ("杭州青松数据有限公司", "杭州市", "(0571) 8123-4567"),
        ("宁波白鹭物流有限公司", "宁波市", "(0574) 8765-4321"),
        ("合肥星火教育科技有限公司", "合肥市", "12-ab"),  # row 4 of the file: a phone that is no phone
        ("苏州云杉电子有限公司", "苏州市", "(0512) 6543-2100"),
    ]
    path = tmp_path / "新客户.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    good = [r[0] for r in rows[1:] if r[2] != "12-ab"]
    accounts_before = Account.objects.count()
    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, "imports:job-list") == 200

    upload = page.locator("form", has=page.locator('input[name="file"]'))
    upload.locator('select[name="resource"]').select_option("account")
    upload.locator('input[name="file"]').set_input_files(str(path))
    upload.locator('input[name="mode"][value="skip"]').check()
    with page.expect_navigation():
        upload.locator('button[type="submit"]').click()
    job = ImportJob.objects.get(original_name=path.name)
    assert page.url.endswith(reverse("imports:job-mapping", args=[job.pk]))

    for index, field in enumerate(("name", "city", "phone")):
        page.locator(f'select[name="col-{index}"]').select_option(field)
    with page.expect_navigation():
        page.locator('button[name="action"][value="check"]').click()
    page.wait_for_url(re.compile(rf"/imports/{job.pk}/"))
    problems = page.locator("main table tbody tr")
    expect(problems.first).to_be_visible()
    assert problems.count() == 1, problems.all_inner_texts()
    cells = [c.strip() for c in problems.first.locator("td").all_inner_texts()]
    assert cells[0] == "4" and cells[2] == "电话", cells  # the row of the file and its column
    assert Account.objects.count() == accounts_before  # a dry run writes nothing
    screenshot(page, "crm-import-dry-run-manager-1366")

    commit = page.locator(
        f'form[action="{reverse("imports:job-commit", args=[job.pk])}"] button[type="submit"]'
    )
    with page.expect_navigation():
        commit.click()
    expect(page.locator("main")).to_be_visible()
    job.refresh_from_db()
    assert job.committed, job.status
    assert (job.created_count, job.failed_count) == (3, 1)
    assert Account.objects.count() == accounts_before + 3
    assert set(
        Account.objects.filter(name__in=[r[0] for r in rows[1:]]).values_list("name", flat=True)
    ) == set(good)
    manager = User.objects.get(username="manager")
    assert all(a.owner == manager for a in Account.objects.filter(name__in=good))
    screenshot(page, "crm-import-done-manager-1366")
    assert page.errors == []


# --- Duplicates -------------------------------------------------------------------------------


def test_a_manager_merges_two_duplicate_accounts(page: Any, live_server: Any, demo_crm: None) -> None:
    _first_owner, _second_owner, keep_name, merge_name, *_rest = DUPLICATE_PAIRS[0]
    keep = Account.objects.get(name=keep_name)
    other = Account.objects.get(name=merge_name)
    contacts = set(Contact.objects.filter(account__in=[keep, other]).values_list("pk", flat=True))
    login(page, live_server, "manager", DEMO_PASSWORD)
    assert visit(page, live_server, "customers:duplicates") == 200

    pair = page.locator(".dup-pair").filter(has=page.locator(f'input[name="keep"][value="{keep.pk}"]'))
    expect(pair).to_have_count(1)
    assert other.name in pair.inner_text()
    screenshot(page, "crm-duplicates-manager-1366")
    side = pair.locator("form").filter(has=page.locator(f'input[name="keep"][value="{keep.pk}"]'))
    side.locator("button").click()
    confirm = page.locator("#confirm-modal #confirm-ok")
    expect(confirm).to_be_visible()
    with page.expect_navigation() as navigation:
        confirm.click()

    assert page.url == url(live_server, "customers:account-detail", keep.pk)
    # The success message arrives as a toast in the page (read from the response: toasts fade).
    landed = navigation.value
    assert landed is not None and "text-bg-success" in landed.text() and other.name in landed.text()
    assert not Account.objects.filter(pk=other.pk).exists()
    assert Account.all_objects.get(pk=other.pk).deleted_at is not None  # in the recycle bin
    assert set(Contact.objects.filter(account=keep).values_list("pk", flat=True)) == contacts
    screenshot(page, "crm-merged-manager-1366")

    assert visit(page, live_server, "customers:duplicates") == 200
    expect(
        page.locator(".dup-pair").filter(has=page.locator(f'input[name="keep"][value="{keep.pk}"]'))
    ).to_have_count(0)
    assert page.errors == []


# --- The pages, as people see them ------------------------------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "375"])
def test_it_shows_the_crm_pages_in_both_languages_at_desktop_and_phone_width(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None, viewport: dict[str, int]
) -> None:
    manager = User.objects.get(username="manager")
    account = (
        Account.objects.filter(owner__username="rep", level__code="A", deals__status="open")
        .order_by("pk")
        .first()
    )
    deal = (
        Deal.objects.filter(owner__username="rep", status="open", lines__isnull=False).order_by("pk").first()
    )
    pool = Pool.objects.get(name="华东公海")
    assert account is not None and deal is not None
    pages = [
        ("accounts", reverse("customers:account-list")),
        ("account", reverse("customers:account-detail", args=[account.pk])),
        ("board", reverse("deals:board")),
        ("deal", reverse("deals:deal-detail", args=[deal.pk])),
        ("pool", reverse("customers:pool-detail", args=[pool.pk])),
        ("deals", reverse("deals:deal-list")),
        ("new-deal", reverse("deals:deal-create")),  # line items: a table of inputs and checkboxes
        ("follow-ups", reverse("activities:activity-list")),
        ("home", reverse("core:home")),  # notifications with long titles
    ]
    page = new_page(**viewport)
    width = viewport["width"]
    login(page, live_server, manager.username, DEMO_PASSWORD)
    overflow = []
    for code in each_language(page):
        for name, path in pages:
            assert visit(page, live_server, path) == 200, path
            assert page.locator("html").get_attribute("lang") == code
            screenshot(page, f"crm-{name}-{code}-{width}")
            if name != "board" and has_horizontal_overflow(page):  # the board scrolls sideways on purpose
                overflow.append(f"{name} ({code})")
    assert overflow == [], f"these pages scroll sideways at {width} px: {', '.join(overflow)}"
    assert page.errors == []


def test_an_administrators_settings_pages_fit_a_phone(
    new_page: Callable[..., Any], live_server: Any, demo_crm: None
) -> None:
    """Tables whose action column has a hidden header, and page headers with several buttons."""
    page = new_page(**PHONE)
    login(page, live_server, "admin", DEMO_PASSWORD)
    overflow = []
    for name in (
        "deals:pipeline-list",
        "deals:product-list",
        "org:positions",
        "org:people",
        "customers:pool-list",
    ):
        assert visit(page, live_server, name) == 200, name
        if has_horizontal_overflow(page):
            overflow.append(name)
    assert overflow == [], f"these pages scroll sideways at {PHONE['width']} px: {', '.join(overflow)}"
    assert page.errors == []
