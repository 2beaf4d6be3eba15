"""Reads of approvals, every one from the access policy (``approval``: its parties)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, QuerySet

from tandem.core import access
from tandem.core.access import Actor

from .models import ApprovalAction, ApprovalFlow, ApprovalRequest, ApprovalStatus, ApprovalTask

BOXES = ("waiting", "submitted", "all")


def approval_list(
    *,
    actor: Actor,
    box: str = "all",
    status: str = "",
    guard: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[ApprovalRequest]:
    """Approvals the actor is party to, newest first. ``waiting``: those whose current step
    waits for the actor; ``submitted``: their own; ``all``: every one they are party to (an
    administrator: every one)."""
    qs = access.visible(actor, "approval", ApprovalRequest.objects.all())
    if box == "waiting":
        qs = qs.filter(
            Exists(ApprovalTask.objects.filter(request=OuterRef("pk"), user_id=actor.id or 0, is_open=True)),
            status=ApprovalStatus.PENDING,
        )
    elif box == "submitted":
        qs = qs.filter(submitter_id=actor.id)
    if status:
        qs = qs.filter(status=status)
    if guard:
        qs = qs.filter(guard=guard)
    if since is not None:
        qs = qs.filter(created_at__date__gte=since)
    if until is not None:
        qs = qs.filter(created_at__date__lte=until)
    return qs.select_related("submitter", "flow").order_by("-id")


def waiting_count(actor: Actor) -> int:
    if actor.id is None:
        return 0
    return ApprovalTask.objects.filter(
        user_id=actor.id or 0, is_open=True, request__status=ApprovalStatus.PENDING
    ).count()


def approval_get(*, actor: Actor, pk: Any) -> ApprovalRequest:
    """One approval the actor is party to, or 404."""
    return access.get_visible_or_404(
        actor, "approval", ApprovalRequest.objects.select_related("submitter", "flow", "content_type"), pk=pk
    )


def approval_actions(request: ApprovalRequest) -> QuerySet[ApprovalAction]:
    return ApprovalAction.objects.filter(request=request).select_related("actor").order_by("at", "id")


def approval_tasks(request: ApprovalRequest) -> QuerySet[ApprovalTask]:
    return ApprovalTask.objects.filter(request=request).select_related("user").order_by("step_index", "id")


def can_decide(actor: Actor, request: ApprovalRequest) -> bool:
    return (
        request.status == ApprovalStatus.PENDING
        and ApprovalTask.objects.filter(
            request=request, step_index=request.current_step, user_id=actor.id or 0, is_open=True
        ).exists()
    )


def open_for_record(record: Any) -> list[ApprovalRequest]:
    """The record's requests still open (pending or returned): the record page's banner. The
    caller has found the record visible; the banner shows the held change's summary only."""
    content_type = ContentType.objects.get_for_model(record, for_concrete_model=True)
    return list(
        ApprovalRequest.objects.filter(
            content_type=content_type, object_id=record.pk, status__in=["pending", "returned"]
        )
        .select_related("submitter")
        .order_by("id")
    )


def flow_list(*, actor: Actor) -> QuerySet[ApprovalFlow]:
    access.require_admin(actor)
    return (
        ApprovalFlow.objects.select_related("team", "pipeline")
        .prefetch_related("stages", "steps")
        .order_by("priority", "id")
    )
