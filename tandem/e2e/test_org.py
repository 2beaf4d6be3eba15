"""The organisation in a real browser: the org chart, an administrator's forms, a rep's limits."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.org.demo import DEMO_PASSWORD
from tandem.org.models import Position, Team

from .harness import each_language, login, screenshot, url, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_it_browses_the_org_chart_in_both_languages(page: Any, live_server: Any, demo_company: None) -> None:
    login(page, live_server, "director", DEMO_PASSWORD)
    assert visit(page, live_server, "org:chart") == 200
    shown = ("华东大区", "华南大区", "华东销售一部", "技术支持部")
    names = {t.name: t.names for t in Team.objects.filter(name__in=shown)}
    for code in each_language(page):
        chart = page.locator("main").inner_text()
        for name in shown:
            assert names[name].get(code, name) in chart  # each team by its name in the page's language
        screenshot(page, f"org-chart-director-{code}-1366")
    # A team on the chart opens its page, with its members.
    east = Team.objects.get(name="华东销售一部")
    page.locator(f'main a[href="{east.get_absolute_url()}"]').first.click()
    page.wait_for_load_state()
    assert "/org/teams/" in page.url
    assert "王小明" in page.locator("main").inner_text()
    assert page.errors == []


def test_an_administrator_creates_a_team_and_a_position(
    page: Any, live_server: Any, demo_company: None
) -> None:
    login(page, live_server, "admin", DEMO_PASSWORD)
    parent = Team.objects.get(name="华东大区")

    assert visit(page, live_server, "org:team-create") == 200
    form = page.locator("main form").filter(has=page.locator('input[name="name"]')).first
    form.locator('input[name="name"]').fill("华东销售三部")
    form.locator('select[name="parent"]').select_option(str(parent.pk))
    with page.expect_navigation():
        form.locator('button[type="submit"]').first.click()
    team = Team.objects.get(name="华东销售三部")
    assert team.parent_id == parent.pk and team.path.startswith(parent.path)
    assert "华东销售三部" in page.locator("main").inner_text()
    screenshot(page, "team-created-admin-1366")

    assert visit(page, live_server, "org:position-create") == 200
    form = page.locator("main form").filter(has=page.locator('input[name="title"]')).first
    form.locator('input[name="title"]').fill("Solution Consultant / 售前顾问")
    form.locator('textarea[name="responsibilities"]').fill("Run demos and proofs of concept.")
    with page.expect_navigation():
        form.locator('button[type="submit"]').first.click()
    position = Position.objects.get(title="Solution Consultant / 售前顾问")
    assert position.responsibilities == "Run demos and proofs of concept."
    assert "Run demos and proofs of concept." in page.locator("main").inner_text()
    assert page.errors == []


def test_an_empty_team_name_is_refused_inline_and_nothing_is_saved(
    page: Any, live_server: Any, demo_company: None
) -> None:
    login(page, live_server, "admin", DEMO_PASSWORD)
    before = Team.objects.count()
    assert visit(page, live_server, "org:team-create") == 200
    form = page.locator("main form").filter(has=page.locator('input[name="name"]')).first
    form.locator('input[name="name"]').fill("   ")
    form.locator('input[name="name"]').evaluate("el => el.removeAttribute('required')")
    form.locator('button[type="submit"]').first.click()
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback, .is-invalid").count() > 0
    assert Team.objects.count() == before


def test_a_rep_cannot_open_another_teams_page_and_sees_no_admin_menus(
    page: Any, live_server: Any, demo_company: None
) -> None:
    login(page, live_server, "rep", DEMO_PASSWORD)
    own = Team.objects.get(name="华东销售一部")
    other = Team.objects.get(name="华南销售一部")

    assert visit(page, live_server, "org:team-detail", own.pk) == 200
    assert visit(page, live_server, "org:team-detail", other.pk) == 404
    assert "404" in page.locator("main").inner_text()
    missing = visit(page, live_server, "/org/teams/999999/")
    assert missing == 404
    screenshot(page, "team-of-another-team-rep-404")

    visit(page, live_server, "core:home")
    sidebar = page.locator("aside")
    for admin_url in ("org:roles", "org:transfers", "core:recycle-bin"):
        assert (
            sidebar.locator(f'a[href="{url(live_server, admin_url).removeprefix(live_server.url)}"]').count()
            == 0
        )
    assert visit(page, live_server, "org:roles") == 403
    assert visit(page, live_server, "org:team-create") == 403
