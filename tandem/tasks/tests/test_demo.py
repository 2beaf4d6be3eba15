"""The demo company's tasks: a live week in every state, added once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tandem.core.tests.snapshot import seed_demo
from tandem.tasks.demo import seed_tasks
from tandem.tasks.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("crm-demo")]


def test_the_demo_has_tasks_in_every_state_and_a_rerun_adds_nothing() -> None:
    out = seed_demo()
    assert "Demo tasks: 10 tasks" in out
    assert set(Task.objects.values_list("status", flat=True)) == {"todo", "in_progress", "done", "cancelled"}
    now = timezone.now()
    assert Task.objects.filter(status__in=["todo", "in_progress"], due_at__lt=now).exists()
    assert Task.objects.exclude(recurrence="").exists()
    assert (
        Task.objects.filter(record_type="deal").exists()
        and Task.objects.filter(record_type="account").exists()
    )
    assert Task.objects.filter(checklist__done=True).exists()
    count = Task.all_objects.count()
    assert seed_tasks().complete_already
    assert Task.all_objects.count() == count
