"""A project in a real browser: the rep creates one with sections, adds a task, drags its card to
another section (SortableJS, saved by the server), and the timeline reads in both languages on a
desktop and on a phone (the chart scrolls inside its card; the page does not)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.org.demo import DEMO_PASSWORD
from tandem.projects.models import Project, ProjectTask

from .harness import PHONE, drag_and_drop, each_language, has_horizontal_overflow, login, screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_rep_plans_a_project_and_drags_a_task_to_another_section(
    page: Any, new_page: Callable[..., Any], live_server: Any, demo_company: None
) -> None:
    login(page, live_server, "rep", DEMO_PASSWORD)
    visit(page, live_server, "projects:create")
    page.fill("input[name=name]", "重点客户攻坚")
    page.fill("input[name=start_on]", "2026-12-01")
    page.fill("input[name=end_on]", "2027-01-15")
    page.fill("textarea[name=sections]", "准备\n谈判")
    with page.expect_navigation():
        page.locator("form.form-card button[type=submit]").click()
    project = Project.objects.get(name="重点客户攻坚")
    first, second = project.sections.order_by("position")

    page.locator("details summary").click()
    page.fill("input[name=title]", "高层拜访")
    page.select_option("select[name=section]", str(first.pk))
    page.fill("input[name=start_on]", "2026-12-03")
    page.fill("input[name=due_on]", "2026-12-10")
    with page.expect_navigation():
        page.locator(f'form[action="/projects/{project.pk}/tasks/"] button[type=submit]').click()
    link = ProjectTask.objects.get(project=project)
    assert link.section_id == first.pk and link.task.record_id == project.pk

    card = page.locator(f'[data-move-url="/projects/{project.pk}/tasks/{link.pk}/move/"]')
    target = page.locator(f'[data-project-list][data-section="{second.pk}"]')
    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{link.pk}/move/")) as moved:
        drag_and_drop(page, card, target)
    assert moved.value.status == 200
    link.refresh_from_db()
    assert link.section_id == second.pk

    visit(page, live_server, f"/projects/{project.pk}/?tab=timeline")
    assert page.locator(".gantt-bar").count() == 1
    assert page.errors == []
    for code in each_language(page):
        screenshot(page, f"project-timeline-{code}-1366")

    phone = new_page(PHONE["width"], PHONE["height"])
    login(phone, live_server, "rep", DEMO_PASSWORD)
    for tab in ("board", "timeline"):
        visit(phone, live_server, f"/projects/{project.pk}/?tab={tab}")
        for code in each_language(phone):
            assert not has_horizontal_overflow(phone), (tab, code)
            screenshot(phone, f"project-{tab}-{code}-375")
