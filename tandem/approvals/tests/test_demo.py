"""The demo company's approvals: two flows and requests in each state, added once."""

from __future__ import annotations

import pytest

from tandem.approvals.demo import seed_approvals
from tandem.approvals.models import ApprovalAction, ApprovalFlow, ApprovalRequest
from tandem.core.tests.snapshot import seed_demo

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("crm-demo")]


def test_the_demo_has_flows_and_approvals_in_each_state_and_a_rerun_adds_nothing() -> None:
    out = seed_demo()
    assert "Approvals: 2 flows" in out
    assert ApprovalFlow.objects.count() == 2
    statuses = set(ApprovalRequest.objects.values_list("status", flat=True))
    assert {"pending", "approved", "rejected", "returned"} <= statuses
    assert ApprovalRequest.objects.filter(guard="deal.stage").exists()
    counts = (ApprovalRequest.objects.count(), ApprovalAction.objects.count())
    assert seed_approvals().skipped
    assert (ApprovalRequest.objects.count(), ApprovalAction.objects.count()) == counts
