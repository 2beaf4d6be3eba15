"""Assignment rules: who gets an unowned lead or pool account, and the act of giving it.

How other apps use it (imports, web forms, a scheduled task): after creating an unowned lead,
call ``assign_new_lead(lead=lead, actor=actor)``; it is a no-op when no rule matches and never
raises for "nobody has room" — the result says why the lead stayed unassigned.

Decisions (``_pick``) are one pure function shared by the preview (simulated in memory, a flat
number of queries) and the real assignment (rule row locked with ``select_for_update`` so two
concurrent assignments cannot both take the same round-robin turn).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from tandem.core import access, notify
from tandem.core.access import Actor
from tandem.core.errors import DuplicateFound
from tandem.customers.models import Account
from tandem.leads.models import Lead, LeadStatus
from tandem.org.models import User

from .models import AssignmentLog, AssignmentMember, AssignmentRule, Resource, Strategy

OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
CONDITION_FIELDS = {
    "provinces": "province",
    "cities": "city",
    "industries": "industry",
    "sources": "source",
    "levels": "level",
}


# --- Rules ----------------------------------------------------------------------------------


def _clean_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").split(",")
    if not isinstance(value, list | tuple):
        raise ValidationError(_("Enter a list of values."))
    out: list[str] = []
    for item in value:
        text = str(item).strip()
        if text and text not in out:
            out.append(text)
    return out


@dataclass(frozen=True)
class MemberSpec:
    user: User
    capacity: int = 0
    is_active: bool = True


@transaction.atomic
def rule_save(
    *,
    actor: Actor,
    rule: AssignmentRule | None = None,
    data: Mapping[str, Any],
    members: Sequence[MemberSpec] | None = None,
) -> AssignmentRule:
    """Create (``rule`` None) or update a rule; ``members`` (when given) replaces the member list.

    Administrators only: the "manage" grant on the rule's resource.
    """
    resource = data.get("resource", rule.resource if rule else "")
    errors: dict[str, list[str]] = {}
    if resource not in Resource.values:
        errors["resource"] = [_("Choose leads or accounts.")]
        raise ValidationError(errors)
    access.require(actor, "manage", resource)
    if rule is not None:
        access.require(actor, "manage", rule.resource)
        rule = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    else:
        rule = AssignmentRule(created_by=actor.user)
    name = str(data.get("name", rule.name) or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    strategy = data.get("strategy", rule.strategy)
    if strategy not in Strategy.values:
        errors["strategy"] = [_("Choose round robin or least loaded.")]
    order = data.get("order", rule.order)
    try:
        order = int(order)
        if order < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["order"] = [_("Enter a whole number, 0 or more.")]
    conditions: dict[str, list[str]] = {}
    for field in CONDITION_FIELDS:
        try:
            conditions[field] = _clean_list(data.get(field, getattr(rule, field)))
        except ValidationError as exc:
            errors[field] = exc.messages
    if resource == Resource.LEAD and conditions.get("levels"):
        errors["levels"] = [_("Leads have no level; leave it empty.")]
    if members is not None:
        seen: set[int] = set()
        for spec in members:
            if spec.user.pk in seen:
                errors["members"] = [_("%(name)s is listed twice.") % {"name": spec.user}]
            seen.add(spec.user.pk)
            if spec.capacity < 0:
                errors["members"] = [_("Capacity must be 0 (no limit) or more.")]
            if spec.user.is_active and not access.may_own(spec.user, resource):
                errors.setdefault("members", []).append(
                    _("%(name)s may not own %(records)s: their roles do not let them open and edit them.")
                    % {"name": spec.user, "records": access.RESOURCES[resource].label}
                )
    if errors:
        raise ValidationError(errors)
    rule.name = name
    rule.resource = resource
    rule.strategy = strategy
    rule.order = order
    rule.is_active = bool(data.get("is_active", rule.is_active if rule.pk else True))
    for field, values in conditions.items():
        setattr(rule, field, values)
    rule.save()
    if members is not None:
        existing = {m.user_id: m for m in rule.memberships.all()}
        keep: set[int] = set()
        for spec in members:
            member = existing.get(spec.user.pk) or AssignmentMember(rule=rule, user=spec.user)
            member.capacity = spec.capacity
            member.is_active = spec.is_active
            member.save()
            keep.add(member.pk)
        rule.memberships.exclude(pk__in=keep).delete()
    return rule


@transaction.atomic
def rule_delete(*, actor: Actor, rule: AssignmentRule) -> None:
    access.require(actor, "manage", rule.resource)
    rule.delete()


# --- Deciding -------------------------------------------------------------------------------


@dataclass
class Decision:
    rule: AssignmentRule | None
    member: AssignmentMember | None
    outcome: str = "no rule"  # no members, full, least loaded, round robin
    load: int = 0  # the chosen member's open records, for "least loaded"

    @property
    def reason(self) -> str:
        """Why, in the active language (the assignee is told in theirs: ``reason_in``)."""
        if self.rule is None:
            return _("no active rule matches")
        why = _("matches rule “%(rule)s” (%(conditions)s)") % {
            "rule": self.rule.name,
            "conditions": describe_conditions(self.rule),
        }
        if self.outcome == "no members":
            return _("%(why)s, but the rule has no active members") % {"why": why}
        if self.outcome == "full":
            return _("%(why)s, but every member is at capacity") % {"why": why}
        if self.outcome == "least loaded":
            return f"{why}; " + _("least loaded: %(n)s open") % {"n": self.load}
        return f"{why}; " + _("round robin")

    def reason_in(self, language: str | None) -> str:
        with translation.override(language or "en"):
            return self.reason

    @property
    def user(self) -> User | None:
        return self.member.user if self.member is not None else None


def record_values(record: Lead | Account) -> dict[str, str]:
    """The values rules look at. Account levels are matched by code."""
    level = ""
    if isinstance(record, Account) and record.level is not None:
        level = record.level.code
    return {
        "province": record.province or "",
        "city": record.city or "",
        "industry": record.industry or "",
        "source": record.source or "",
        "level": level,
    }


def rule_matches(rule: AssignmentRule, values: Mapping[str, str]) -> bool:
    for field, key in CONDITION_FIELDS.items():
        accepted = [v.casefold() for v in getattr(rule, field) or []]
        if accepted and (values.get(key) or "").strip().casefold() not in accepted:
            return False
    return True


def describe_conditions(rule: AssignmentRule) -> str:
    labels = {
        "provinces": _("province"),
        "cities": _("city"),
        "industries": _("industry"),
        "sources": _("source"),
        "levels": _("level"),
    }
    parts = [f"{labels[f]}: {', '.join(getattr(rule, f))}" for f in CONDITION_FIELDS if getattr(rule, f)]
    return "; ".join(parts) if parts else _("any record")


def loads_for(resource: str, user_ids: Iterable[int]) -> dict[int, int]:
    """Open leads (new, contacted, qualified) or owned accounts per person: one grouped COUNT."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    queryset: models.QuerySet[Any]
    if resource == Resource.LEAD:
        queryset = Lead.objects.filter(owner_id__in=ids, status__in=OPEN_LEAD_STATUSES)
    else:
        queryset = Account.objects.filter(owner_id__in=ids)
    rows = queryset.order_by().values("owner_id").annotate(n=Count("id")).values_list("owner_id", "n")
    return dict(rows)


def _pick(
    rules: Sequence[AssignmentRule],
    members_by_rule: Mapping[int, Sequence[AssignmentMember]],
    values: Mapping[str, str],
    loads: Mapping[int, int],
    pointers: Mapping[int, int | None],
) -> Decision:
    """The decision for one record, without touching the database."""
    for rule in rules:
        if not rule.is_active or not rule_matches(rule, values):
            continue
        members = [m for m in members_by_rule.get(rule.pk, ()) if m.is_active and m.user.is_active]
        if not members:
            return Decision(rule, None, "no members")
        room = [m for m in members if m.capacity == 0 or loads.get(m.user_id, 0) < m.capacity]
        if not room:
            return Decision(rule, None, "full")
        if rule.strategy == Strategy.LEAST_LOADED:
            chosen = min(room, key=lambda m: (loads.get(m.user_id, 0), m.user_id))
            return Decision(rule, chosen, "least loaded", loads.get(chosen.user_id, 0))
        else:
            last = pointers.get(rule.pk) or 0
            ordered = sorted(members, key=lambda m: m.pk)
            # The next member after the last one assigned (by id, wrapping round), skipping full ones.
            rotated = [m for m in ordered if m.pk > last] + [m for m in ordered if m.pk <= last]
            room_ids = {m.pk for m in room}
            chosen = next(m for m in rotated if m.pk in room_ids)
            return Decision(rule, chosen, "round robin")
    return Decision(None, None)


def _active_rules(
    resource: str, *, lock: bool = False
) -> tuple[list[AssignmentRule], dict[int, list[AssignmentMember]]]:
    rules_qs = AssignmentRule.objects.filter(resource=resource, is_active=True).order_by("order", "id")
    if lock:
        rules_qs = rules_qs.select_for_update()
    rules = list(rules_qs)
    members: dict[int, list[AssignmentMember]] = {r.pk: [] for r in rules}
    # A member whose roles no longer let them own such records is passed over, not given one.
    owners = User.objects.filter(access.owners_q(resource)).values("pk")
    rows = AssignmentMember.objects.filter(rule__in=[r.pk for r in rules], user__in=owners)
    for member in rows.select_related("user"):
        members[member.rule_id].append(member)
    return rules, members


def choose_assignee(*, resource: str, values: Mapping[str, str]) -> tuple[User, AssignmentRule] | None:
    """The person the first matching rule gives a record with ``values`` to, or None."""
    decision = _decide(resource=resource, values=values, lock=False)
    if decision.member is None or decision.rule is None:
        return None
    return decision.member.user, decision.rule


def _decide(*, resource: str, values: Mapping[str, str], lock: bool) -> Decision:
    rules, members = _active_rules(resource, lock=lock)
    user_ids = {m.user_id for ms in members.values() for m in ms}
    loads = loads_for(resource, user_ids)
    pointers = {r.pk: r.last_assigned_member_id for r in rules}
    return _pick(rules, members, values, loads, pointers)


# --- Preview --------------------------------------------------------------------------------


@dataclass
class Proposal:
    record: Lead | Account
    decision: Decision


PREVIEW_LIMIT = 200


def unassigned(*, actor: Actor, resource: str) -> models.QuerySet[Any]:
    """Records waiting for an owner that the actor may see: unowned open leads, pool accounts."""
    if resource == Resource.LEAD:
        leads = Lead.objects.filter(owner__isnull=True).exclude(status=LeadStatus.CONVERTED)
        return access.visible(actor, "lead", leads).order_by("id")
    accounts = Account.objects.filter(owner__isnull=True).select_related("level", "pool")
    return access.visible(actor, "account", accounts).order_by("id")


def preview(*, actor: Actor, resource: str, limit: int = PREVIEW_LIMIT) -> list[Proposal]:
    """Who each waiting record would go to, simulated in order (loads and turns advance)."""
    if not actor.has(resource, "assign"):
        raise PermissionDenied
    records = list(unassigned(actor=actor, resource=resource)[:limit])
    rules, members = _active_rules(resource)
    loads = dict(loads_for(resource, {m.user_id for ms in members.values() for m in ms}))
    pointers: dict[int, int | None] = {r.pk: r.last_assigned_member_id for r in rules}
    proposals = []
    for record in records:
        decision = _pick(rules, members, record_values(record), loads, pointers)
        if decision.member is not None and decision.rule is not None:
            loads[decision.member.user_id] = loads.get(decision.member.user_id, 0) + 1
            pointers[decision.rule.pk] = decision.member.pk
        proposals.append(Proposal(record, decision))
    return proposals


# --- Assigning ------------------------------------------------------------------------------


@dataclass
class Result:
    record_id: int
    record_name: str
    assigned: bool
    assignee: User | None
    rule: AssignmentRule | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.record_id,
            "name": self.record_name,
            "assigned": self.assigned,
            "assignee": (
                {"id": self.assignee.pk, "name": str(self.assignee)} if self.assignee is not None else None
            ),
            "rule": {"id": self.rule.pk, "name": self.rule.name} if self.rule is not None else None,
            "reason": self.reason,
        }


def system_actor(actor: Actor) -> Actor:
    """The rules act with administrator reach, in the name of the person who ran them."""
    return Actor(user=actor.user, grants={}, team_ids=frozenset(), team_paths=(), is_admin=True)


def _resource_of(record: Lead | Account) -> str:
    return Resource.LEAD if isinstance(record, Lead) else Resource.ACCOUNT


@transaction.atomic
def auto_assign(*, actor: Actor, record: Lead | Account) -> Result:
    """Give one waiting record to the person the rules choose; log it and notify them.

    The caller needs the "assign" grant reaching the record. A record that already has an owner,
    a converted lead, or one no rule can place stays as it is and the result says why.
    """
    resource = _resource_of(record)
    access.require(actor, "assign", resource, record)
    model = type(record)
    record = model.objects.select_for_update().get(pk=record.pk)
    name = str(record)[:200]
    if record.owner_id is not None:
        return Result(record.pk, name, False, None, None, _("already has an owner"))
    if isinstance(record, Lead) and record.status == LeadStatus.CONVERTED:
        return Result(record.pk, name, False, None, None, _("the lead has been converted"))
    decision = _decide(resource=resource, values=record_values(record), lock=True)
    if decision.member is None or decision.rule is None:
        return Result(record.pk, name, False, None, decision.rule, decision.reason)
    assignee = decision.member.user
    acting = system_actor(actor)
    try:
        with transaction.atomic():
            if isinstance(record, Lead):
                from tandem.leads.services import lead_update

                # The assignee is told below, with the rule's reason, in their language.
                lead_update(
                    actor=acting,
                    lead=record,
                    data={},
                    owner=assignee,
                    confirm_duplicates=True,
                    notify_owner=False,
                )
                with translation.override(assignee.language or "en"):
                    notify.notify(
                        recipient=assignee,
                        kind="lead_assigned",
                        title=_("New lead assigned to you: %(name)s") % {"name": name},
                        body=decision.reason_in(assignee.language),
                        url=record.get_absolute_url(),
                    )
            else:
                from tandem.customers.pools import account_assign

                # In the new owner's language: the same words go into their notification.
                account_assign(
                    actor=acting, account=record, owner=assignee, reason=decision.reason_in(assignee.language)
                )
    except (ValidationError, DuplicateFound) as exc:
        messages = getattr(exc, "messages", None) or [str(exc)]
        return Result(record.pk, name, False, None, decision.rule, " ".join(str(m) for m in messages))
    AssignmentRule.objects.filter(pk=decision.rule.pk).update(last_assigned_member=decision.member)
    AssignmentLog.objects.create(
        rule=decision.rule,
        resource=resource,
        record_id=record.pk,
        record_name=name,
        assignee=assignee,
        actor=actor.user,
        reason=decision.reason[:300],
    )
    return Result(record.pk, name, True, assignee, decision.rule, decision.reason)


def assign_many(*, actor: Actor, resource: str, ids: Iterable[int]) -> list[Result]:
    """Assign the records with ``ids`` the actor can see; ids they cannot see raise Http404."""
    if resource not in Resource.values:
        raise ValidationError({"resource": [_("Choose leads or accounts.")]})
    if not actor.has(resource, "assign"):
        raise PermissionDenied
    wanted = list(dict.fromkeys(int(i) for i in ids))
    model: type[Lead] | type[Account] = Lead if resource == Resource.LEAD else Account
    records = {r.pk: r for r in access.visible(actor, resource, model.objects.filter(pk__in=wanted))}
    missing = [pk for pk in wanted if pk not in records]
    if missing:
        from django.http import Http404

        raise Http404
    return [auto_assign(actor=actor, record=records[pk]) for pk in wanted]


def assign_new_lead(*, actor: Actor, lead: Lead) -> Result:
    """For other apps (imports, web forms): place a just-created unowned lead by the rules."""
    return auto_assign(actor=actor, record=lead)
