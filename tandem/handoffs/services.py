"""Writes on handoffs: templates (administrators), send, pick up, accept, reject, cancel, escalate.

Every write is one transaction: a handoff accepted hands the record over (owner or record team)
in the same transaction, or not at all. The record's own history carries each step (who sent what
with which checklist and note, who accepted or rejected and why), so nothing is lost when the
record changes hands.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import access, events, history, naming, notify
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.core.naming import Said

from . import policies
from .models import (
    Handoff,
    HandoffStatus,
    HandoffTemplate,
    OnAccept,
    RecordKind,
    Trigger,
    role_codes,
)

# The record fields a template may require, per kind of record.
REQUIRABLE: dict[str, tuple[str, ...]] = {
    RecordKind.DEAL: (
        "account",
        "amount",
        "expected_close_date",
        "closed_on",
        "decision_maker",
        "next_step",
        "competitor",
        "description",
        "contacts",
    ),
    RecordKind.ACCOUNT: (
        "industry",
        "phone",
        "email",
        "website",
        "province",
        "city",
        "street",
        "description",
        "level",
    ),
}

ESCALATION_BATCH = 500


def _model_of(kind: str) -> Any:
    return (
        apps.get_model("deals", "Deal") if kind == RecordKind.DEAL else apps.get_model("customers", "Account")
    )


def field_label(kind: str, name: str) -> str:
    if name == "contacts":
        return str(_("contacts"))
    field = _model_of(kind)._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _is_filled(record: Any, name: str) -> bool:
    if name == "contacts":
        return bool(record.deal_contacts.exists())
    field = record._meta.get_field(name)
    value = getattr(record, field.attname)
    if name == "amount":
        return value is not None and value > 0
    return value not in (None, "")


def missing_fields(template: HandoffTemplate, record: Any) -> list[str]:
    allowed = REQUIRABLE.get(template.record_kind, ())
    return [f for f in template.required_fields or [] if f in allowed and not _is_filled(record, f)]


# --- Templates --------------------------------------------------------------------------------


def _clean_checklist(value: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        errors["checklist"] = [_("Give the checklist as a list of items.")]
        return []
    items: list[dict[str, Any]] = []
    for raw in value:
        if isinstance(raw, str):
            raw = {"label": raw}
        if not isinstance(raw, Mapping):
            errors["checklist"] = [_("Each checklist item needs a label.")]
            return []
        label = str(raw.get("label") or "").strip()[:200]
        if not label:
            errors["checklist"] = [_("Each checklist item needs a label.")]
            return []
        try:
            labels = naming.clean_names(raw.get("labels"), max_length=200)
        except ValidationError as exc:
            errors["checklist"] = exc.messages
            return []
        items.append({"label": label, "labels": labels, "required": bool(raw.get("required", True))})
    if len(items) > 30:
        errors["checklist"] = [_("A checklist has at most 30 items.")]
    return items


TEMPLATE_FIELDS = (
    "name",
    "record_kind",
    "from_role",
    "to_role",
    "trigger",
    "sla_hours",
    "on_accept",
    "sender_stays",
    "sender_role",
    "is_active",
)


@transaction.atomic
def template_save(
    *, actor: Actor, template: HandoffTemplate | None, data: Mapping[str, Any]
) -> HandoffTemplate:
    """Create or edit a handoff template (administrators only)."""
    access.require_admin(actor)
    creating = template is None
    obj = template or HandoffTemplate()
    before = history.snapshot(obj) if not creating else {}
    errors: dict[str, list[str]] = {}
    values = {k: data[k] for k in TEMPLATE_FIELDS if k in data}
    if "name" in values or creating:
        values["name"] = str(values.get("name") or "").strip()
        if not values["name"]:
            errors["name"] = [_("This field is required.")]
    obj.names = naming.names_given(data, obj.names, errors)
    kind = values.get("record_kind", obj.record_kind)
    if kind not in RecordKind.values:
        errors["record_kind"] = [_("Choose a kind of record.")]
    codes = set(role_codes())
    for key in ("from_role", "to_role"):
        role = values.get(key, getattr(obj, key))
        if role not in codes:
            errors[key] = [_("Choose a record-team role.")]
    if values.get("sender_role") and values["sender_role"] not in codes:
        errors["sender_role"] = [_("Choose a record-team role.")]
    trigger = values.get("trigger", obj.trigger)
    if trigger not in Trigger.values:
        errors["trigger"] = [_("Choose when the handoff is offered.")]
    elif trigger == Trigger.DEAL_WON and kind != RecordKind.DEAL:
        errors["trigger"] = [_("Only a deal can be won: choose deals, or another moment.")]
    elif trigger == Trigger.ACCOUNT_ONBOARDING and kind != RecordKind.ACCOUNT:
        errors["trigger"] = [_("Only an account becomes a customer: choose accounts, or another moment.")]
    if values.get("on_accept", obj.on_accept) not in OnAccept.values:
        errors["on_accept"] = [_("Choose what acceptance does.")]
    sla = values.get("sla_hours", obj.sla_hours)
    if not isinstance(sla, int) or isinstance(sla, bool) or not 1 <= sla <= 24 * 90:
        errors["sla_hours"] = [_("Give a number of hours from 1 to 2160.")]
    if "checklist" in data:
        obj.checklist = _clean_checklist(data["checklist"], errors)
    if "required_fields" in data:
        fields = data["required_fields"] or []
        allowed = REQUIRABLE.get(kind, ())
        wrong = [f for f in fields if f not in allowed] if isinstance(fields, list) else ["?"]
        if wrong:
            errors["required_fields"] = [
                _("These fields cannot be required: %(fields)s.") % {"fields": ", ".join(map(str, wrong))}
            ]
        else:
            obj.required_fields = list(dict.fromkeys(fields))
    if errors:
        raise ValidationError(errors)
    for key, value in values.items():
        setattr(obj, key, value)
    obj.save()
    if creating:
        history.record_create(actor=actor.user, obj=obj)
    else:
        history.record_update(actor=actor.user, obj=obj, before=before)
    return obj


# --- Record teams (the recordteams app, when installed) ----------------------------------------


def record_team_join(*, actor: Actor, record: Any, user: Any, role: str, level: str) -> None:
    """Put ``user`` on ``record``'s team (``tandem.recordteams``) with ``role`` and ``level``
    ("read" or "edit"), with the template's authority: the person accepting may not keep the
    record's team themselves. Someone already on the team, or the owner, stays as they are."""
    from tandem.recordteams import selectors as team_selectors
    from tandem.recordteams import services as team_services

    if getattr(record, "owner_id", None) == user.pk or team_selectors.membership(user, record) is not None:
        return
    authority = access.delegated(actor.user, resources=("account", "deal"), actions=("view", "edit"))
    team_services.member_add(actor=authority, record=record, user=user, role=role, access=level)


# --- Handoffs ---------------------------------------------------------------------------------


def _said_checklist(handoff: Handoff) -> str:
    return "; ".join(
        f"[{'x' if item.get('done') else ' '}] {item.get('label', '')}" for item in handoff.checklist
    )


def _record_history(actor_user: Any, handoff: Handoff, msgid: str, **params: Any) -> None:
    history.record(
        actor=actor_user,
        obj=handoff.record,
        action=HistoryAction.EVENT,
        message=Said(msgid, template=handoff.template.name, **params),
    )


def _event_data(handoff: Handoff) -> dict[str, Any]:
    """What a listener needs beside the handoff (the event's record): the record handed off."""
    return {
        "handoff": handoff.pk,
        "record_type": handoff.resource,
        "record_id": handoff.record.pk,
        "record_name": str(handoff.record),
        "template": handoff.template_id,
        "sender": handoff.sender_id,
        "recipient": handoff.recipient_id,
        "recipient_team": handoff.recipient_team_id,
        "status": handoff.status,
    }


def _resource(template: HandoffTemplate) -> str:
    return "deal" if template.record_kind == RecordKind.DEAL else "account"


def offered_templates(actor: Actor, record: Any, resource: str) -> list[HandoffTemplate]:
    """The templates to offer on ``record``'s page: manual ones to whoever may edit it, and those
    whose moment has come (a won deal; an account that became a customer)."""
    if not access.can(actor, "create", "handoff") or not access.can(actor, "edit", resource, record):
        return []
    triggers = [Trigger.MANUAL]
    if resource == "deal" and getattr(record, "status", "") == "won":
        triggers.append(Trigger.DEAL_WON)
    if resource == "account" and getattr(record, "lifecycle", "") in ("customer", "loyal"):
        triggers.append(Trigger.ACCOUNT_ONBOARDING)
    # A template whose handoff of this record is still pending is not offered twice.
    pending = Handoff.objects.filter(status=HandoffStatus.PENDING, **{resource: record}).values("template_id")
    return list(
        HandoffTemplate.objects.filter(is_active=True, record_kind=resource, trigger__in=triggers)
        .exclude(pk__in=pending)
        .order_by("name", "id")
    )


@transaction.atomic
def handoff_send(
    *,
    actor: Actor,
    template: HandoffTemplate,
    record: Any,
    recipient: Any = None,
    recipient_team: Any = None,
    note: str = "",
    checked: Sequence[int] = (),
) -> Handoff:
    """Send ``record`` to a person or a team with ``template``: needs edit on the record, every
    required checklist item ticked (``checked``: item positions), the template's fields filled,
    and no other pending handoff of the record with the template."""
    resource = _resource(template)
    if actor.user is None:
        raise PermissionDenied
    access.require(actor, "create", "handoff")
    access.require(actor, "edit", resource, record)
    errors: dict[str, list[str]] = {}
    if not template.is_active:
        errors["template"] = [_("This template is no longer in use.")]
    if (recipient is None) == (recipient_team is None):
        errors["recipient"] = [_("Choose a person or a team to hand off to.")]
    elif recipient is not None:
        if not recipient.is_active:
            errors["recipient"] = [_("The recipient must be an active person.")]
        elif actor.user is not None and recipient.pk == actor.user.pk:
            errors["recipient"] = [_("You cannot hand a record off to yourself.")]
        elif template.on_accept == OnAccept.OWNER and not access.may_own(recipient, resource):
            errors["recipient"] = [
                _("%(name)s may not own %(records)s.")
                % {"name": recipient, "records": access.RESOURCES[resource].label}
            ]
    elif getattr(recipient_team, "deleted_at", None) is not None:
        errors["recipient_team"] = [_("This team no longer exists.")]
    ticked = set()
    for position in checked:
        if isinstance(position, bool) or not isinstance(position, int):
            errors["checklist"] = [_("Tick items by their position in the checklist.")]
            break
        ticked.add(position)
    items = template.checklist_items()
    missing_items = [item["text"] for i, item in enumerate(items) if item.get("required") and i not in ticked]
    if missing_items and "checklist" not in errors:
        errors["checklist"] = [
            _("Tick “%(item)s” before sending.") % {"item": text} for text in missing_items
        ]
    missing = missing_fields(template, record)
    if missing:
        errors["record"] = [
            _("Fill in “%(field)s” on the record before sending.")
            % {"field": field_label(template.record_kind, f)}
            for f in missing
        ]
    if len(note) > 4000:
        errors["note"] = [_("Keep the note under 4,000 characters.")]
    pending = Handoff.objects.filter(template=template, status=HandoffStatus.PENDING, **{resource: record})
    if pending.exists():
        errors["template"] = [_("This record already has a pending handoff with this template.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    checklist = [
        {
            "label": item["label"],
            "labels": item.get("labels", {}),
            "required": item["required"],
            "done": i in ticked,
        }
        for i, item in enumerate(template.checklist or [])
    ]
    try:
        with transaction.atomic():
            handoff = Handoff.objects.create(
                template=template,
                sender=actor.user,
                recipient=recipient,
                recipient_team=recipient_team,
                note=note.strip(),
                checklist=checklist,
                due_at=now + datetime.timedelta(hours=template.sla_hours),
                **{resource: record},
            )
    except IntegrityError as exc:  # another send of the same record won the race
        raise ValidationError(
            {"template": [_("This record already has a pending handoff with this template.")]}
        ) from exc
    to = str(recipient) if recipient is not None else str(recipient_team)
    _record_history(
        actor.user,
        handoff,
        gettext_noop("Handoff “%(template)s” sent to %(to)s. Checklist: %(checklist)s. Note: %(note)s"),
        to=to,
        checklist=_said_checklist(handoff),
        note=handoff.note or "—",
    )
    _tell_received(handoff)
    events.emit("handoff.sent", record=handoff, actor=actor.user, **_event_data(handoff))
    return handoff


def _tell_received(handoff: Handoff) -> None:
    from tandem.org.models import User

    if handoff.recipient is not None:
        people = [handoff.recipient]
    else:
        people = list(
            User.objects.filter(is_active=True, memberships__team=handoff.recipient_team).distinct()[:50]
        )
    sender = str(handoff.sender)
    name = str(handoff.record)
    for person in people:
        notify.notify(
            recipient=person,
            kind="handoff.received",
            title=lambda: _("%(who)s handed “%(name)s” off to you") % {"who": sender, "name": name},
            body=handoff.note,
            url=handoff.get_absolute_url(),
        )


def _locked(handoff: Handoff) -> Handoff:
    return Handoff.objects.select_for_update().select_related("template").get(pk=handoff.pk)


def may_decide(actor: Actor, handoff: Handoff) -> bool:
    """The recipient, or any member of the recipient team while nobody picked it up."""
    if actor.id is None:
        return False
    if handoff.recipient_id is not None:
        return handoff.recipient_id == actor.id
    return handoff.recipient_team_id in actor.team_ids


def _require_pending(handoff: Handoff) -> None:
    if handoff.status != HandoffStatus.PENDING:
        raise ValidationError({"status": [_("This handoff has already been decided.")]})


@transaction.atomic
def handoff_pick_up(*, actor: Actor, handoff: Handoff) -> Handoff:
    """A member of the recipient team takes a team's handoff: they become its recipient."""
    handoff = _locked(handoff)
    if (handoff.recipient_id is not None and handoff.recipient_id != actor.id) or not may_decide(
        actor, handoff
    ):
        raise PermissionDenied
    _require_pending(handoff)
    if handoff.recipient_id == actor.id:
        return handoff
    handoff.recipient = actor.user
    handoff.save(update_fields=["recipient"])
    policies.forget(actor)  # what awaits them changed
    _record_history(
        actor.user, handoff, gettext_noop("%(who)s picked up the handoff “%(template)s”"), who=str(actor.user)
    )
    return handoff


def _apply_acceptance(*, actor: Actor, handoff: Handoff) -> None:
    template = handoff.template
    record = handoff.record
    resource = handoff.resource
    recipient = handoff.recipient
    assert recipient is not None  # set by the acceptance
    sender = handoff.sender
    why = Said(gettext_noop("Handed off with “%(template)s”"), template=template.name)
    if template.on_accept == OnAccept.OWNER:
        # The record's own owner-change service, with the template's authority (the recipient
        # holds no assign right): history, notifications and related records follow as usual.
        authority = access.delegated(
            recipient, resources=("account", "contact", "deal"), actions=("view", "edit", "assign")
        )
        if resource == "deal":
            from tandem.deals.services import deal_update

            deal_update(actor=authority, deal=record, data={}, owner=recipient)
        else:
            from tandem.customers.pools import account_assign

            account_assign(actor=authority, account=record, owner=recipient, reason=why.text())
        record.refresh_from_db()
    else:
        record_team_join(actor=actor, record=record, user=recipient, role=template.to_role, level="edit")
    if template.sender_stays and sender.pk != recipient.pk:
        role = template.sender_role or template.from_role
        record_team_join(actor=actor, record=record, user=sender, role=role, level="edit")


@transaction.atomic
def handoff_accept(*, actor: Actor, handoff: Handoff) -> Handoff:
    """The recipient (or a member of the recipient team, who picks it up) accepts: ownership or
    membership changes as the template says, in this transaction."""
    handoff = _locked(handoff)
    if not may_decide(actor, handoff):
        raise PermissionDenied
    _require_pending(handoff)
    now = timezone.now()
    handoff.recipient = actor.user
    handoff.status = HandoffStatus.ACCEPTED
    handoff.decided_at = now
    handoff.decided_by = actor.user
    handoff.response_seconds = max(0, int((now - handoff.created_at).total_seconds()))
    handoff.save(update_fields=["recipient", "status", "decided_at", "decided_by", "response_seconds"])
    policies.forget(actor)  # what awaits them changed
    _apply_acceptance(actor=actor, handoff=handoff)
    _record_history(
        actor.user, handoff, gettext_noop("%(who)s accepted the handoff “%(template)s”"), who=str(actor.user)
    )
    who = str(actor.user)
    name = str(handoff.record)
    notify.notify(
        recipient=handoff.sender,
        kind="handoff.accepted",
        title=lambda: _("%(who)s accepted “%(name)s”") % {"who": who, "name": name},
        url=handoff.get_absolute_url(),
    )
    events.emit("handoff.accepted", record=handoff, actor=actor.user, **_event_data(handoff))
    return handoff


@transaction.atomic
def handoff_reject(*, actor: Actor, handoff: Handoff, reason: str) -> Handoff:
    handoff = _locked(handoff)
    if not may_decide(actor, handoff):
        raise PermissionDenied
    _require_pending(handoff)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you reject the handoff.")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("Keep the reason under 500 characters.")]})
    handoff.recipient = actor.user
    handoff.status = HandoffStatus.REJECTED
    handoff.decided_at = timezone.now()
    handoff.decided_by = actor.user
    handoff.rejection_reason = reason
    handoff.save(update_fields=["recipient", "status", "decided_at", "decided_by", "rejection_reason"])
    policies.forget(actor)  # what awaits them changed
    _record_history(
        actor.user,
        handoff,
        gettext_noop("%(who)s rejected the handoff “%(template)s”: %(reason)s"),
        who=str(actor.user),
        reason=reason,
    )
    who = str(actor.user)
    name = str(handoff.record)
    notify.notify(
        recipient=handoff.sender,
        kind="handoff.rejected",
        title=lambda: _("%(who)s rejected “%(name)s”") % {"who": who, "name": name},
        body=reason,
        url=handoff.get_absolute_url(),
    )
    events.emit("handoff.rejected", record=handoff, actor=actor.user, reason=reason, **_event_data(handoff))
    return handoff


@transaction.atomic
def handoff_cancel(*, actor: Actor, handoff: Handoff) -> Handoff:
    """The sender takes a pending handoff back."""
    handoff = _locked(handoff)
    if handoff.sender_id != actor.id:
        raise PermissionDenied
    _require_pending(handoff)
    handoff.status = HandoffStatus.CANCELLED
    handoff.decided_at = timezone.now()
    handoff.decided_by = actor.user
    handoff.save(update_fields=["status", "decided_at", "decided_by"])
    _record_history(
        actor.user, handoff, gettext_noop("%(who)s cancelled the handoff “%(template)s”"), who=str(actor.user)
    )
    events.emit("handoff.cancelled", record=handoff, actor=actor.user, **_event_data(handoff))
    return handoff


def _escalation_targets(handoff: Handoff) -> list[Any]:
    people: list[Any] = []
    if handoff.recipient is not None and handoff.recipient.manager is not None:
        people.append(handoff.recipient.manager)
    elif handoff.recipient is None and handoff.recipient_team is not None and handoff.recipient_team.leader:
        people.append(handoff.recipient_team.leader)
    if handoff.sender not in people:
        people.append(handoff.sender)
    return people


def handoffs_escalate(*, now: datetime.datetime | None = None) -> int:
    """Escalate pending handoffs past due, once each (``escalated_at``): the recipient's manager
    (or the recipient team's leader) and the sender are told. Returns how many were escalated.

    Works in bounded batches; each handoff is claimed with a conditional update, so two runs at
    once escalate it once."""
    now = now or timezone.now()
    done = 0
    while True:
        batch = list(
            Handoff.objects.filter(status=HandoffStatus.PENDING, due_at__lt=now, escalated_at__isnull=True)
            .select_related(
                "template", "sender", "recipient__manager", "recipient_team__leader", "deal", "account"
            )
            .order_by("due_at", "id")[:ESCALATION_BATCH]
        )
        if not batch:
            return done
        for handoff in batch:
            with transaction.atomic():
                claimed = Handoff.objects.filter(pk=handoff.pk, escalated_at__isnull=True).update(
                    escalated_at=now
                )
                if claimed != 1:
                    continue
                handoff.escalated_at = now
                name = str(handoff.record)
                to = str(handoff.recipient or handoff.recipient_team)
                for person in _escalation_targets(handoff):
                    notify.notify(
                        recipient=person,
                        kind="handoff.overdue",
                        title=lambda name=name, to=to: (  # type: ignore[misc]
                            _("The handoff of “%(name)s” to %(to)s is overdue") % {"name": name, "to": to}
                        ),
                        url=handoff.get_absolute_url(),
                    )
                _record_history(
                    None, handoff, gettext_noop("The handoff “%(template)s” is overdue and was escalated")
                )
                events.emit("handoff.overdue", record=handoff, actor=None, **_event_data(handoff))
                done += 1
