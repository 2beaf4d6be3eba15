"""Follow-up records (跟进记录): writing one updates the linked records' last and next follow-up."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tandem.core import access, history, notify
from tandem.core.access import Actor
from tandem.core.services import record_soft_delete
from tandem.customers.models import Account, Contact
from tandem.customers.pools import resolve_answered_reclaim_notices
from tandem.customers.services import primary_team_id
from tandem.deals.models import Deal
from tandem.leads.models import Lead

from .models import Activity, ActivityKind, FollowUpReminder

LINKS = (
    ("account", "account", Account),
    ("contact", "contact", Contact),
    ("lead", "lead", Lead),
    ("deal", "deal", Deal),
)


def _linked(values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [(resource, values[field]) for field, resource, _model in LINKS if values.get(field) is not None]


@transaction.atomic
def activity_create(*, actor: Actor, data: Mapping[str, Any]) -> Activity:
    """Log a follow-up on records the actor may see. The account is filled in from the deal or contact."""
    access.require(actor, "create", "activity")
    errors: dict[str, list[str]] = {}
    kind = data.get("kind") or ActivityKind.CALL
    if kind not in ActivityKind.values:
        errors["kind"] = [_("Choose a kind of follow-up.")]
    subject = (data.get("subject") or "").strip()
    content = (data.get("content") or "").strip()
    if not subject and not content:
        errors["content"] = [_("Write what happened.")]
    occurred_at = data.get("occurred_at") or timezone.now()
    if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["occurred_at"] = [
            _("A follow-up cannot be in the future; plan it as the next follow-up instead.")
        ]
    next_on = data.get("next_follow_up_on")
    if next_on is not None and next_on < timezone.localdate():
        errors["next_follow_up_on"] = [_("The next follow-up must be today or later.")]
    values = {field: data.get(field) for field, _r, _m in LINKS}
    # The records named are linked (and their follow-up dates moved): that needs the right to
    # change them. The account a deal or contact is on comes along and needs to be visible.
    for resource, obj in _linked(values):
        try:
            access.require_linkable(actor, resource, obj, field=resource)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if values["deal"] is not None and values["account"] is None:
        values["account"] = values["deal"].account
    if values["contact"] is not None and values["account"] is None:
        values["account"] = values["contact"].account
    if not any(values.values()):
        errors["account"] = [_("Link the follow-up to an account, contact, lead or deal.")]
    derived = values["account"] if data.get("account") is None else None
    if derived is not None and not access.can(actor, "view", "account", derived):
        errors["account"] = [_("Select a valid choice.")]
    if errors:
        raise ValidationError(errors)
    activity = Activity.objects.create(
        kind=kind,
        subject=subject[:200],
        content=content,
        occurred_at=occurred_at,
        author=actor.user,
        team_id=primary_team_id(actor.user),
        next_follow_up_on=next_on,
        **values,
    )
    touch_follow_ups(values, occurred_at, next_on)
    if values["account"] is not None:
        # A "returns to the pool unless you follow up" warning this answers leaves the inbox.
        resolve_answered_reclaim_notices(account_ids=[values["account"].pk])
    history.record_create(actor=actor.user, obj=activity)
    return activity


def touch_follow_ups(
    values: Mapping[str, Any], occurred_at: datetime.datetime, next_on: datetime.date | None
) -> None:
    """Set last follow-up (never backwards) and the next follow-up on every linked record.

    Without a next follow-up, a follow-up due on or before the day this one happened is answered
    by it and cleared: nothing is due any more (a later planned date stays)."""
    day = timezone.localtime(occurred_at).date()
    for field, _resource, model in LINKS:
        obj = values.get(field)
        if obj is None:
            continue
        qs = model._base_manager.filter(pk=obj.pk)
        qs.filter(last_follow_up_at__lt=occurred_at).update(last_follow_up_at=occurred_at)
        qs.filter(last_follow_up_at__isnull=True).update(last_follow_up_at=occurred_at)
        if next_on is not None:
            qs.update(next_follow_up_on=next_on)
        else:
            qs.filter(next_follow_up_on__lte=day).update(next_follow_up_on=None)


@transaction.atomic
def activity_update(*, actor: Actor, activity: Activity, data: Mapping[str, Any]) -> Activity:
    access.require(actor, "edit", "activity", activity)
    before = history.snapshot(activity)
    for field in ("kind", "subject", "content", "next_follow_up_on"):
        if field in data:
            setattr(
                activity,
                field,
                data[field] if data[field] is not None or field == "next_follow_up_on" else "",
            )
    if not (activity.subject or activity.content):
        raise ValidationError({"content": [_("Write what happened.")]})
    if activity.kind not in ActivityKind.values:
        raise ValidationError({"kind": [_("Choose a kind of follow-up.")]})
    activity.save()
    history.record_update(actor=actor.user, obj=activity, before=before)
    return activity


@transaction.atomic
def activity_delete(*, actor: Actor, activity: Activity) -> None:
    record_soft_delete(actor=actor, obj=activity)
    # The linked records' last follow-up falls back to the latest remaining one.
    for field, _resource, model in LINKS:
        obj_id = getattr(activity, f"{field}_id")
        if obj_id is None:
            continue
        latest = Activity.objects.filter(**{f"{field}_id": obj_id}).aggregate(m=Max("occurred_at"))["m"]
        model._base_manager.filter(pk=obj_id).update(last_follow_up_at=latest)


# Records reminded per transaction; a run goes on batch after batch until every due record is done.
REMINDER_BATCH = 1000
# Days a sent reminder is kept in the log (only today's entries matter to a run).
REMINDER_LOG_DAYS = 7


def remind_due_follow_ups(today: datetime.date | None = None) -> int:
    """Notify owners of records whose next follow-up is ``today``: once per record and due day.

    Runs may overlap (an hourly schedule, several workers, several ``tandem serve`` processes):
    each batch inserts its records into the reminder log skipping those already there (a unique
    key per record and day) and notifies only for the rows it inserted itself, in one
    transaction. Records are read in id order, batch after batch, until none is left. Returns
    how many reminders this run sent.
    """
    today = today or timezone.localdate()
    run = uuid.uuid4()
    sent = 0
    for _field, resource, model in LINKS:
        if model is Contact:  # a contact's follow-ups are its account's owner's business
            continue
        due = model.objects.filter(
            next_follow_up_on=today, owner__isnull=False, owner__is_active=True
        ).select_related("owner")
        last = 0
        while True:
            batch = list(due.filter(pk__gt=last).order_by("pk")[:REMINDER_BATCH])
            if not batch:
                break
            last = batch[-1].pk
            sent += _remind(resource, batch, today, run)
    FollowUpReminder.objects.filter(due_on__lt=today - datetime.timedelta(days=REMINDER_LOG_DAYS)).delete()
    return sent


@transaction.atomic
def _remind(resource: str, records: list[Any], today: datetime.date, run: uuid.UUID) -> int:
    FollowUpReminder.objects.bulk_create(
        [
            FollowUpReminder(
                record_type=resource, record_id=obj.pk, due_on=today, recipient_id=obj.owner_id, run=run
            )
            for obj in records
        ],
        ignore_conflicts=True,
    )
    # Another run's rows for the same records (inserted first, or committed while this insert
    # waited for them) were skipped: only the rows of this run are this run's to send.
    mine = set(
        FollowUpReminder.objects.filter(
            run=run, record_type=resource, record_id__in=[obj.pk for obj in records], due_on=today
        ).values_list("record_id", flat=True)
    )
    for obj in records:
        if obj.pk not in mine:
            continue
        owner = obj.owner
        with translation.override(owner.language):
            notify.notify(
                recipient=owner,
                kind="follow_up_due",
                title=_("Follow up with %(name)s today") % {"name": obj},
                url=obj.get_absolute_url(),
            )
    return len(mine)
