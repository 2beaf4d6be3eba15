"""Writes of approvals: flows (administrators), submitting a held change, deciding, reminders.

A guarded change goes ``submit`` → one step after another → approved (the change is applied
through the record's own services) or rejected (discarded), returned (the submitter edits and
resubmits, or cancels) or cancelled. Every action is an ``ApprovalAction`` row and a line in the
record's history. Decision 0035.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import DecimalValidator, MaxLengthValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import access, events, history, naming, notify
from tandem.core.access import Actor
from tandem.core.errors import VersionConflict
from tandem.core.models import HistoryAction
from tandem.core.naming import Said
from tandem.core.text import without_nul
from tandem.org.models import Role, Team, User

from . import guards
from .models import (
    ActionKind,
    ApprovalAction,
    ApprovalFlow,
    ApprovalReminder,
    ApprovalRequest,
    ApprovalStatus,
    ApprovalStep,
    ApprovalTask,
    ApproverKind,
    StepMode,
)

# --- Flows (administrators) ------------------------------------------------------------------

STEP_FIELDS = ("approver_kind", "user", "role", "level", "mode", "min_amount", "min_discount")


def _threshold_problem(model: type[ApprovalFlow | ApprovalStep], field: str, value: Any) -> str | None:
    """Why ``value`` can't be a flow's or step's amount or discount threshold, or None: a number
    not below 0 (a discount up to 100) that fits the column (``max_digits``, ``decimal_places``)."""
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return _("Enter a number.")
    if not number.is_finite() or number < 0:
        return _("Enter a number not below 0.")
    if field == "min_discount" and number > 100:
        return _("Enter a percentage from 0 to 100.")
    column = model._meta.get_field(field)
    assert isinstance(column, models.DecimalField)
    try:
        DecimalValidator(column.max_digits, column.decimal_places)(number)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def _clean_steps(steps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    errors: list[str] = []
    cleaned: list[dict[str, Any]] = []
    for n, raw in enumerate(steps, start=1):
        step = {k: raw.get(k) for k in STEP_FIELDS}
        kind = step["approver_kind"]
        if kind not in ApproverKind.values:
            errors.append(_("Step %(n)d: choose who approves.") % {"n": n})
            continue
        if kind == ApproverKind.PERSON and not isinstance(step["user"], User):
            errors.append(_("Step %(n)d: choose the person.") % {"n": n})
        if kind == ApproverKind.ROLE and not isinstance(step["role"], Role):
            errors.append(_("Step %(n)d: choose the role.") % {"n": n})
        level = step["level"] or 1
        if kind == ApproverKind.NTH_MANAGER and not (1 <= int(level) <= 10):
            errors.append(_("Step %(n)d: levels up from 1 to 10.") % {"n": n})
        step["level"] = int(level) if kind == ApproverKind.NTH_MANAGER else 1
        step["mode"] = step["mode"] or StepMode.ANY
        if step["mode"] not in StepMode.values:
            errors.append(_("Step %(n)d: choose any-of or all-of.") % {"n": n})
        for field in ("min_amount", "min_discount"):
            problem = _threshold_problem(ApprovalStep, field, step[field])
            if problem:
                errors.append(_("Step %(n)d: %(problem)s") % {"n": n, "problem": problem})
        if kind != ApproverKind.PERSON:
            step["user"] = None
        if kind != ApproverKind.ROLE:
            step["role"] = None
        cleaned.append(step)
    if not steps:
        errors.append(_("A flow needs at least one step."))
    if errors:
        raise ValidationError({"steps": errors})
    return cleaned


@transaction.atomic
def flow_save(
    *,
    actor: Actor,
    flow: ApprovalFlow | None,
    data: Mapping[str, Any],
    steps: Sequence[Mapping[str, Any]] | None = None,
) -> ApprovalFlow:
    """Create or edit a flow; ``steps``, when given, replace its steps (in the order given)."""
    access.require_admin(actor)
    creating = flow is None
    flow = flow or ApprovalFlow()
    before = None if creating else history.snapshot(flow)
    errors: dict[str, list[str]] = {}
    name = (data.get("name", flow.name) or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    else:
        column = ApprovalFlow._meta.get_field("name")
        assert isinstance(column, models.CharField) and column.max_length
        try:
            without_nul(name, "name")
            MaxLengthValidator(column.max_length)(name)
        except ValidationError as exc:
            errors["name"] = exc.messages
    names = naming.names_given(data, flow.names, errors)
    code = data.get("guard", flow.guard)
    guard = guards.get(code or "")
    if guard is None:
        errors["guard"] = [_("Choose one of: %(list)s.") % {"list": ", ".join(guards.GUARDS)}]
    for field in ("min_amount", "min_discount"):
        if field in data:
            value = data[field]
            problem = _threshold_problem(ApprovalFlow, field, value)
            if problem:
                errors[field] = [problem]
            else:
                setattr(flow, field, value)
    for field in ("team", "pipeline", "is_active", "priority", "reminder_hours"):
        if field in data:
            setattr(flow, field, data[field])
    stages = data.get("stages")
    if guard is not None:
        for condition in guard.required:
            given = stages if condition == guards.STAGES and stages is not None else None
            if condition == guards.STAGES:
                missing = not (given if stages is not None else (flow.pk and flow.stages.exists()))
            else:
                missing = getattr(flow, condition) in (None, "")
            if missing:
                errors.setdefault(condition, []).append(_("This guarded change needs this condition."))
    cleaned_steps = None
    if steps is not None or creating:
        try:
            cleaned_steps = _clean_steps(steps or [])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    flow.name, flow.names, flow.guard = name, names, code
    flow.save()
    if stages is not None:
        flow.stages.set(stages)
    if cleaned_steps is not None:
        # Requests already sent keep the steps they were sent with (their step_ids): the old
        # steps leave the flow but stay. Not only those some request names now: a request being
        # sent at this moment, not yet committed, names them too. New and resubmitted requests
        # take the new steps.
        flow.steps.update(flow=None)
        ApprovalStep.objects.bulk_create(
            [ApprovalStep(flow=flow, order=i, **step) for i, step in enumerate(cleaned_steps)]
        )
    if before is None:
        history.record_create(actor=actor.user, obj=flow)
    else:
        history.record_update(actor=actor.user, obj=flow, before=before)
    return flow


@transaction.atomic
def flow_delete(*, actor: Actor, flow: ApprovalFlow) -> None:
    """Delete a flow no request has used; one that has is deactivated instead (the audit stays)."""
    access.require_admin(actor)
    if ApprovalRequest.objects.filter(flow=flow).exists():
        raise ValidationError(_("Requests have used this flow; make it inactive instead."))
    history.record(actor=actor.user, obj=flow, action=HistoryAction.PURGE)
    flow.delete()


# --- Matching -------------------------------------------------------------------------------


def _team_within(team_id: int | None, top: Team) -> bool:
    if team_id is None:
        return False
    path = Team.all_objects.filter(pk=team_id).values_list("path", flat=True).first()
    return bool(path and path.startswith(top.path))


def flow_matches(flow: ApprovalFlow, facts: guards.Facts) -> bool:
    if flow.min_amount is not None and (facts.amount is None or facts.amount < flow.min_amount):
        return False
    if flow.min_discount is not None and (facts.discount is None or facts.discount < flow.min_discount):
        return False
    if flow.pipeline_id is not None and facts.pipeline_id != flow.pipeline_id:
        return False
    stage_ids = {s.pk for s in flow.stages.all()}
    if stage_ids and facts.stage_id not in stage_ids:
        return False
    return not (flow.team is not None and not _team_within(facts.team_id, flow.team))


def flow_for(code: str, facts: guards.Facts) -> ApprovalFlow | None:
    """The first active flow of ``code`` (by priority) whose conditions ``facts`` meet."""
    flows = (
        ApprovalFlow.objects.filter(guard=code, is_active=True)
        .select_related("team")
        .prefetch_related("stages")
        .order_by("priority", "id")
    )
    return next((f for f in flows if flow_matches(f, facts)), None)


def _step_applies(step: ApprovalStep, facts: guards.Facts) -> bool:
    if step.min_amount is not None and (facts.amount is None or facts.amount < step.min_amount):
        return False
    return not (
        step.min_discount is not None and (facts.discount is None or facts.discount < step.min_discount)
    )


def administrators() -> list[User]:
    return list(
        User.objects.filter(Q(is_superuser=True) | Q(roles__is_admin=True), is_active=True)
        .distinct()
        .order_by("id")
    )


def approvers_for(step: ApprovalStep, submitter: User) -> list[User]:
    """Who decides ``step`` for ``submitter``.

    The N-th manager walks ``User.manager`` up N times, skipping people who have left (their
    own manager stands in). When the line ends before N, the highest manager reached decides;
    with no manager at all, the administrators do. The submitter never approves their own
    change: a step left with nobody else goes to the administrators.
    """
    people: list[User] = []
    if step.approver_kind == ApproverKind.PERSON and step.user is not None:
        people = [step.user] if step.user.is_active else []
    elif step.approver_kind == ApproverKind.ROLE and step.role_id is not None:
        people = list(User.objects.filter(roles=step.role_id, is_active=True).order_by("id"))
    else:
        wanted = 1 if step.approver_kind == ApproverKind.MANAGER else max(step.level, 1)
        seen: set[int] = {submitter.pk}
        current: User | None = submitter
        reached: User | None = None
        climbed = 0
        while current is not None and climbed < wanted:
            current = current.manager
            if current is None or current.pk in seen:
                break
            seen.add(current.pk)
            if current.is_active:
                reached = current
                climbed += 1
        people = [reached] if reached is not None else []
    people = [p for p in people if p.pk != submitter.pk]
    return people or [p for p in administrators() if p.pk != submitter.pk]


# --- Submitting -----------------------------------------------------------------------------


def _record_of(request: ApprovalRequest) -> Any:
    model = request.content_type.model_class()
    assert model is not None
    return model._base_manager.get(pk=request.object_id)


def _log(
    request: ApprovalRequest, actor: User | None, kind: str, comment: str = "", step: int | None = None
) -> ApprovalAction:
    return ApprovalAction.objects.create(
        request=request, actor=actor, kind=kind, comment=comment, step_index=step
    )


def _history(request: ApprovalRequest, actor: User | None, record: Any, msgid: str) -> None:
    history.record(
        actor=actor,
        obj=record,
        action=HistoryAction.EVENT,
        message=Said(msgid, id=request.pk, summary=request.summary),
    )


def _start_step(request: ApprovalRequest, index: int, facts_record: Any) -> list[User]:
    """Open step ``index``: its approvers get a task and are told."""
    step = ApprovalStep.objects.select_related("user", "role").filter(pk=request.step_ids[index]).first()
    if step is None:  # only a request sent before flows kept their requests' steps (approvals 0002)
        raise ValidationError(
            _("The next step of this approval no longer exists; ask the submitter to cancel and resubmit.")
        )
    submitter = request.submitter
    people = approvers_for(step, submitter)
    request.current_step = index
    request.step_started_at = timezone.now()
    request.save(update_fields=["current_step", "step_started_at", "updated_at"])
    ApprovalTask.objects.bulk_create(
        [ApprovalTask(request=request, step_index=index, user=p) for p in people], ignore_conflicts=True
    )
    name, summary, url = submitter.display_name, request.summary, request.get_absolute_url()
    for person in people:
        notify.notify(
            recipient=person,
            kind="approval.requested",
            title=lambda: _("%(name)s asks for your approval") % {"name": name},
            body=lambda: summary,
            url=url,
        )
    return people


def submit(
    *,
    actor: Actor,
    guard: guards.Guard,
    record: Any,
    change: dict[str, Any],
    summary: str,
    facts: guards.Facts,
    field: str,
) -> ApprovalRequest | None:
    """Hold ``change`` to ``record`` for approval when a flow of ``guard`` matches ``facts``.

    Returns None when no flow matches (the caller applies the change). Called by a record's
    own service inside its transaction. A record has at most one open request per guard: a
    second guarded change while one waits is refused on ``field``; the submitter's own request
    returned for changes takes the new change and goes round again (edit and resubmit).
    """
    flow = flow_for(guard.code, facts)
    if flow is None:
        return None
    assert actor.user is not None
    content_type = ContentType.objects.get_for_model(record, for_concrete_model=True)
    open_request = (
        ApprovalRequest.objects.select_for_update()
        .filter(
            content_type=content_type,
            object_id=record.pk,
            guard=guard.code,
            status__in=["pending", "returned"],
        )
        .first()
    )
    if open_request is not None:
        if open_request.status == ApprovalStatus.RETURNED and open_request.submitter_id == actor.id:
            return _resubmit(actor=actor, request=open_request, change=change, summary=summary, facts=facts)
        raise ValidationError(
            {
                field: [
                    _("A change of this kind is already waiting for approval: %(summary)s")
                    % {"summary": open_request.summary}
                ]
            },
            code="approval_pending",
        )
    steps = [s for s in flow.steps.order_by("order", "id") if _step_applies(s, facts)]
    request = ApprovalRequest(
        flow=flow,
        guard=guard.code,
        content_type=content_type,
        object_id=record.pk,
        object_repr=str(record)[:200],
        submitter=actor.user,
        change=change,
        summary=summary[:300],
        step_ids=[s.pk for s in steps],
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # another request was opened at the same moment
        raise ValidationError({field: [_("A change of this kind is already waiting for approval.")]}) from exc
    _log(request, actor.user, ActionKind.SUBMITTED)
    _history(request, actor.user, record, gettext_noop("Sent for approval (#%(id)s): %(summary)s"))
    events.emit("approval.requested", record=record, actor=actor.user, approval=request.pk, guard=guard.code)
    if not steps:  # no step applies: nothing to wait for
        _finish(request, actor.user, record)
    else:
        _start_step(request, 0, record)
    return request


def _resubmit(
    *,
    actor: Actor,
    request: ApprovalRequest,
    change: dict[str, Any] | None,
    summary: str | None,
    facts: guards.Facts | None,
) -> ApprovalRequest:
    if change is not None:
        request.change = change
    if summary is not None:
        request.summary = summary[:300]
    if facts is not None:
        request.step_ids = [
            s.pk for s in request.flow.steps.order_by("order", "id") if _step_applies(s, facts)
        ]
    request.status = ApprovalStatus.PENDING
    request.decided_at = None
    request.save()
    record = _record_of(request)
    _log(request, actor.user, ActionKind.RESUBMITTED)
    _history(request, actor.user, record, gettext_noop("Sent for approval again (#%(id)s): %(summary)s"))
    events.emit(
        "approval.requested", record=record, actor=actor.user, approval=request.pk, guard=request.guard
    )
    if not request.step_ids:
        _finish(request, actor.user, record)
    else:
        _restart_round(request)
        _start_step(request, 0, record)
    return request


def _restart_round(request: ApprovalRequest) -> None:
    """Decided tasks of an earlier round stay in the audit (actions); the tasks table keeps one
    row per person and step, so the new round reopens them."""
    ApprovalTask.objects.filter(request=request).delete()


# --- Deciding -------------------------------------------------------------------------------


def _locked(request: ApprovalRequest) -> ApprovalRequest:
    return ApprovalRequest.objects.select_for_update().select_related("submitter", "flow").get(pk=request.pk)


def _my_task(actor: Actor, request: ApprovalRequest) -> ApprovalTask:
    if request.status != ApprovalStatus.PENDING:
        raise ValidationError(_("This approval is no longer waiting for a decision."), code="not_pending")
    task = ApprovalTask.objects.filter(
        request=request, step_index=request.current_step, user_id=actor.id or 0, is_open=True
    ).first()
    if task is None:
        raise PermissionDenied
    return task


def _tell_submitter(request: ApprovalRequest, decided_by: User | None) -> None:
    status = ApprovalStatus(request.status)
    summary, url = request.summary, request.get_absolute_url()
    who = decided_by.display_name if decided_by else ""
    notify.notify(
        recipient=request.submitter,
        kind="approval.decided",
        title=lambda: (
            _("Your approval request was %(status)s") % {"status": str(status.label).lower()}
            if not who
            else _("%(name)s: %(status)s") % {"name": who, "status": status.label}
        ),
        body=lambda: summary,
        url=url,
    )


def _finish(request: ApprovalRequest, by: User | None, record: Any) -> None:
    """The last step approved: apply the held change, or mark the request failed (nothing applied)."""
    guard = guards.get(request.guard)
    request.decided_at = timezone.now()
    ApprovalTask.objects.filter(request=request, is_open=True).update(is_open=False)
    try:
        if guard is None:
            raise ValidationError(_("This kind of change is no longer known."))
        with transaction.atomic():
            guard.apply(Actor.for_user(request.submitter), record, request.change)
    except (ValidationError, VersionConflict, PermissionDenied) as exc:
        if isinstance(exc, ValidationError):
            message = "; ".join(exc.messages)
        elif isinstance(exc, VersionConflict):
            message = _("The record changed meanwhile.")
        else:
            message = _("The submitter may no longer change this record.")
        request.status = ApprovalStatus.FAILED
        request.failure = message[:500]
        request.save()
        _log(request, None, ActionKind.FAILED, message)
        _history(request, by, record, gettext_noop("Approved but not applied (#%(id)s): %(summary)s"))
        events.emit("approval.approved", record=record, actor=by, approval=request.pk, applied=False)
    else:
        request.status = ApprovalStatus.APPROVED
        request.save()
        _log(request, None, ActionKind.APPLIED)
        _history(request, by, record, gettext_noop("Approved and applied (#%(id)s): %(summary)s"))
        events.emit("approval.approved", record=record, actor=by, approval=request.pk, applied=True)
    _tell_submitter(request, by)


@transaction.atomic
def request_approve(*, actor: Actor, request: ApprovalRequest, comment: str = "") -> ApprovalRequest:
    request = _locked(request)
    task = _my_task(actor, request)
    comment = without_nul(comment or "", "comment")
    now = timezone.now()
    task.decision, task.decided_at, task.is_open = "approved", now, False
    task.save(update_fields=["decision", "decided_at", "is_open"])
    _log(request, actor.user, ActionKind.APPROVED, comment.strip(), request.current_step)
    step = ApprovalStep.objects.filter(pk=request.step_ids[request.current_step]).first()
    waiting = ApprovalTask.objects.filter(request=request, step_index=request.current_step, is_open=True)
    if step is not None and step.mode == StepMode.ALL and waiting.exists():
        return request
    waiting.update(is_open=False)
    record = _record_of(request)
    if request.current_step + 1 < len(request.step_ids):
        _start_step(request, request.current_step + 1, record)
    else:
        _finish(request, actor.user, record)
    return request


def _close(request: ApprovalRequest, actor: User | None, status: str, kind: str, comment: str) -> Any:
    request.status = status
    request.decided_at = timezone.now() if status != ApprovalStatus.RETURNED else None
    request.save()
    ApprovalTask.objects.filter(request=request, is_open=True).update(is_open=False)
    _log(request, actor, kind, comment, request.current_step)
    return _record_of(request)


@transaction.atomic
def request_reject(*, actor: Actor, request: ApprovalRequest, reason: str) -> ApprovalRequest:
    """Reject: the held change is discarded. A reason is required."""
    request = _locked(request)
    task = _my_task(actor, request)
    reason = without_nul((reason or "").strip(), "reason")
    if not reason:
        raise ValidationError({"reason": [_("Say why you reject it.")]})
    task.decision, task.decided_at = "rejected", timezone.now()
    task.save(update_fields=["decision", "decided_at"])
    record = _close(request, actor.user, ApprovalStatus.REJECTED, ActionKind.REJECTED, reason)
    _history(request, actor.user, record, gettext_noop("Approval rejected (#%(id)s): %(summary)s"))
    events.emit("approval.rejected", record=record, actor=actor.user, approval=request.pk, reason=reason)
    _tell_submitter(request, actor.user)
    return request


@transaction.atomic
def request_return(*, actor: Actor, request: ApprovalRequest, comment: str) -> ApprovalRequest:
    """Return for changes: the submitter edits the record and resubmits, or cancels."""
    request = _locked(request)
    task = _my_task(actor, request)
    comment = without_nul((comment or "").strip(), "comment")
    if not comment:
        raise ValidationError({"comment": [_("Say what should change.")]})
    task.decision, task.decided_at = "returned", timezone.now()
    task.save(update_fields=["decision", "decided_at"])
    record = _close(request, actor.user, ApprovalStatus.RETURNED, ActionKind.RETURNED, comment)
    _history(
        request, actor.user, record, gettext_noop("Approval returned for changes (#%(id)s): %(summary)s")
    )
    events.emit("approval.returned", record=record, actor=actor.user, approval=request.pk, comment=comment)
    _tell_submitter(request, actor.user)
    return request


def _require_submitter(actor: Actor, request: ApprovalRequest) -> None:
    if request.submitter_id != actor.id:
        raise PermissionDenied


@transaction.atomic
def request_cancel(*, actor: Actor, request: ApprovalRequest) -> ApprovalRequest:
    """The submitter withdraws a pending or returned request: the held change is discarded."""
    request = _locked(request)
    _require_submitter(actor, request)
    if not request.is_open:
        raise ValidationError(_("This approval is already closed."), code="not_open")
    record = _close(request, actor.user, ApprovalStatus.CANCELLED, ActionKind.CANCELLED, "")
    request.decided_at = timezone.now()
    request.save(update_fields=["decided_at"])
    _history(request, actor.user, record, gettext_noop("Approval cancelled (#%(id)s): %(summary)s"))
    events.emit("approval.cancelled", record=record, actor=actor.user, approval=request.pk)
    return request


@transaction.atomic
def request_resubmit(*, actor: Actor, request: ApprovalRequest) -> ApprovalRequest:
    """Send a returned request round again as it is (to change it, edit the record instead)."""
    request = _locked(request)
    _require_submitter(actor, request)
    if request.status != ApprovalStatus.RETURNED:
        raise ValidationError(
            _("Only a request returned for changes can be resubmitted."), code="not_returned"
        )
    return _resubmit(actor=actor, request=request, change=None, summary=None, facts=None)


COMMENT_MAX_LENGTH = 2000


@transaction.atomic
def request_comment(*, actor: Actor, request: ApprovalRequest, body: str) -> ApprovalAction:
    """A comment by a participant (the caller found the request visible: submitter or approver)."""
    body = without_nul((body or "").strip(), "body")
    if not body:
        raise ValidationError({"body": [_("This field is required.")]})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError({"body": [_("At most %(n)d characters.") % {"n": COMMENT_MAX_LENGTH}]})
    return _log(request, actor.user, ActionKind.COMMENTED, body)


# --- Reminders ------------------------------------------------------------------------------


def remind_waiting(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Remind approvers of requests waiting past their flow's reminder hours: once per request,
    step and period (a unique ``ApprovalReminder``; only the rows this run inserted are sent,
    so overlapping runs never remind twice). Returns how many people were reminded."""
    now = now or timezone.now()
    run = uuid.uuid4()
    sent = 0
    last = 0
    while True:
        rows = list(
            ApprovalRequest.objects.filter(
                status=ApprovalStatus.PENDING,
                step_started_at__isnull=False,
                flow__reminder_hours__gt=0,
                pk__gt=last,
            )
            .select_related("flow", "submitter")
            .order_by("pk")[:batch]
        )
        if not rows:
            return sent
        last = rows[-1].pk
        sent += _remind(rows, now, run)


@transaction.atomic
def _remind(rows: list[ApprovalRequest], now: datetime.datetime, run: uuid.UUID) -> int:
    due: dict[int, tuple[ApprovalRequest, int]] = {}
    for request in rows:
        assert request.step_started_at is not None
        hours = (now - request.step_started_at).total_seconds() / 3600
        period = int(hours // request.flow.reminder_hours)
        if period >= 1:
            due[request.pk] = (request, period)
    if not due:
        return 0
    ApprovalReminder.objects.bulk_create(
        [ApprovalReminder(request=r, step_index=r.current_step, period=p, run=run) for r, p in due.values()],
        ignore_conflicts=True,
    )
    mine = set(
        ApprovalReminder.objects.filter(run=run, request_id__in=list(due)).values_list(
            "request_id", flat=True
        )
    )
    tasks = ApprovalTask.objects.filter(request_id__in=mine, is_open=True).select_related("user", "request")
    sent = 0
    for task in tasks:
        if task.step_index != task.request.current_step:
            continue
        summary, url = task.request.summary, task.request.get_absolute_url()
        notify.notify(
            recipient=task.user,
            kind="approval.reminder",
            title=lambda: _("An approval is waiting for you"),
            body=lambda s=summary: s,  # type: ignore[misc]
            url=url,
        )
        sent += 1
    return sent
