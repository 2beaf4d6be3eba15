"""Writes to record teams (相关团队): add, change and remove members; default teams.

Who keeps a record's team (decision 0032): whoever may edit the record by their roles (its owner,
their managers by team scope, administrators) adds, changes and removes any member. A member with
edit access may add members with read access only, and changes no one else. A read member keeps
nothing. Anyone may leave a team they are on. The owner of a record is never also a member of it.

Every change is written in the record's history, told to the person added or removed
(``record_team.added`` / ``record_team.removed``) and emitted as ``record_team.changed``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import access, events, history, notify
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.core.naming import Said

from . import grants
from .models import Access, DefaultTeamMember, MemberRole, RecordMember, today

# The records that have teams, by model label, with their access-policy resource.
RESOURCES = {"customers.account": "account", "deals.deal": "deal"}

# ``members_clear(reason=POOL_RETURN)``: the history and notifications say so in each language.
POOL_RETURN = "pool-return"

UNCHANGED: Any = object()  # ``member_update(until=UNCHANGED)`` keeps the end date


def resource_of(record: models.Model) -> str:
    label = record._meta.label_lower
    if label not in RESOURCES:
        raise ValueError(f"{label} records have no record team")
    return RESOURCES[label]


def may_keep(actor: Actor, record: models.Model) -> str | None:
    """How far the actor may keep the record's team: "all" (any member, any access), "read"
    (add read members only: an edit member) or None."""
    resource = resource_of(record)
    if access.can(actor, "edit", resource, record, by_record=False):
        return "all"
    if access.can(actor, "edit", resource, record):
        return "read"
    return None


def _require_visible(actor: Actor, record: models.Model) -> None:
    if not access.can(actor, "view", resource_of(record), record):
        raise PermissionDenied


def _role(value: Any, errors: dict[str, list[str]]) -> MemberRole | None:
    if isinstance(value, MemberRole):
        return value
    role = MemberRole.objects.filter(code=value).first() if isinstance(value, str) and value else None
    if role is None:
        errors.setdefault("role", []).append(_("Choose one of the member roles."))
    return role


def _access(value: Any, errors: dict[str, list[str]]) -> str:
    if value in Access.values:
        return str(value)
    errors.setdefault("access", []).append(_("Access is “read” or “edit”."))
    return Access.READ


def _until(value: Any, errors: dict[str, list[str]]) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            errors.setdefault("until", []).append(_("Enter a valid date."))
            return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        errors.setdefault("until", []).append(_("Enter a valid date."))
        return None
    if value < today():
        errors.setdefault("until", []).append(_("The end date cannot be in the past."))
    return value


def _url(record: models.Model) -> str:
    get_url = getattr(record, "get_absolute_url", None)
    return get_url() if get_url else ""


def _emit(
    record: models.Model, actor: Any, change: str, member: RecordMember | None = None, **data: Any
) -> None:
    facts: dict[str, Any] = {"change": change, "resource": resource_of(record), **data}
    if member is not None:
        facts.update(
            user=member.user_id,
            role=member.role.code,
            access=member.access,
            until=member.until.isoformat() if member.until else None,
        )
    events.emit("record_team.changed", record=record, actor=actor, **facts)


def _tell_added(member: RecordMember, record: models.Model, actor_user: Any) -> None:
    if actor_user is not None and actor_user.pk == member.user_id:
        return
    name, by, role = str(record), str(actor_user or ""), member.role

    def title() -> str:
        return _("You joined the team of “%(name)s”") % {"name": name}

    def body() -> str:
        if member.access == Access.EDIT:
            text = _("%(by)s added you as %(role)s, with edit access.")
        else:
            text = _("%(by)s added you as %(role)s, with read access.")
        return text % {"by": by, "role": role.display_name}

    notify.notify(recipient=member.user, kind="record_team.added", title=title, body=body, url=_url(record))


def _tell_removed(user: Any, record: models.Model, actor_user: Any, reason: str = "") -> None:
    if actor_user is not None and actor_user.pk == user.pk:
        return
    name = str(record)

    def title() -> str:
        return _("You left the team of “%(name)s”") % {"name": name}

    def body() -> str:
        if reason == POOL_RETURN:
            return _("The customer went back to the pool, so its record team was cleared.")
        return reason or _("You no longer work on this record as a team member.")

    notify.notify(recipient=user, kind="record_team.removed", title=title, body=body, url="")


@transaction.atomic
def member_add(
    *,
    actor: Actor,
    record: models.Model,
    user: Any,
    role: MemberRole | str,
    access: str = Access.READ,
    until: datetime.date | str | None = None,
) -> RecordMember:
    """Add ``user`` to the record's team. Raises ``PermissionDenied`` (may not keep the team)
    or ``ValidationError`` per field (``user``, ``role``, ``access``, ``until``)."""
    _require_visible(actor, record)
    reach = may_keep(actor, record)
    if reach is None:
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    member_role = _role(role, errors)
    level = _access(access, errors)
    end = _until(until, errors)
    if user is None or not getattr(user, "is_active", False):
        errors.setdefault("user", []).append(_("Choose an active person."))
    elif getattr(record, "owner_id", None) == user.pk:
        errors.setdefault("user", []).append(_("%(name)s owns this record already.") % {"name": user})
    elif RecordMember.objects.of(record).filter(user=user).exists():
        errors.setdefault("user", []).append(_("%(name)s is on the team already.") % {"name": user})
    if reach == "read" and level != Access.READ:
        errors.setdefault("access", []).append(
            _("You may add members with read access only: you are on this team yourself.")
        )
    if errors:
        raise ValidationError(errors)
    assert member_role is not None
    ct = ContentType.objects.get_for_model(record, for_concrete_model=True)
    member = RecordMember.objects.create(
        content_type=ct,
        object_id=record.pk,
        user=user,
        role=member_role,
        access=level,
        until=end,
        added_by=actor.user,
    )
    _after_add(actor.user, record, member)
    if actor.id == user.pk:
        grants.forget(actor)
    return member


def _after_add(actor_user: Any, record: models.Model, member: RecordMember) -> None:
    edit = member.access == Access.EDIT
    params: dict[str, Any] = {"name": member.user, "role": member.role}
    if member.until:
        msgid = (
            gettext_noop("%(name)s joined the record team as %(role)s, with edit access until %(until)s.")
            if edit
            else gettext_noop(
                "%(name)s joined the record team as %(role)s, with read access until %(until)s."
            )
        )
        params["until"] = member.until.isoformat()
    else:
        msgid = (
            gettext_noop("%(name)s joined the record team as %(role)s, with edit access.")
            if edit
            else gettext_noop("%(name)s joined the record team as %(role)s, with read access.")
        )
    message = Said(msgid, **params)
    history.record(actor=actor_user, obj=record, action=HistoryAction.EVENT, message=message)
    _tell_added(member, record, actor_user)
    _emit(record, actor_user, "added", member)


@transaction.atomic
def member_update(
    *,
    actor: Actor,
    member: RecordMember,
    role: MemberRole | str | None = None,
    access: str | None = None,
    until: Any = UNCHANGED,
) -> RecordMember:
    """Change a member's role, access or end date (``until=None`` removes the end)."""
    record = member.record
    _require_visible(actor, record)
    if may_keep(actor, record) != "all":
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    before = (member.role.display_name, member.access, member.until)
    new_role = _role(role, errors) if role is not None else member.role
    level = _access(access, errors) if access is not None else member.access
    end = member.until if until is UNCHANGED else _until(until, errors)
    if errors:
        raise ValidationError(errors)
    assert new_role is not None
    member.role, member.access, member.until = new_role, level, end
    member.save(update_fields=["role", "access", "until"])
    changes: dict[str, list[Any]] = {
        "role": [before[0], new_role.display_name],
        "access": [before[1], level],
        "until": [before[2].isoformat() if before[2] else None, end.isoformat() if end else None],
    }
    changes = {k: v for k, v in changes.items() if v[0] != v[1]}
    if changes:
        history.record(
            actor=actor.user,
            obj=record,
            action=HistoryAction.EVENT,
            changes=changes,
            message=Said(gettext_noop("%(name)s's place on the record team changed."), name=member.user),
        )
        _emit(record, actor.user, "updated", member)
    return member


@transaction.atomic
def member_remove(*, actor: Actor, member: RecordMember) -> None:
    """Take a member off the team: whoever keeps the team, or the member themselves."""
    record = member.record
    _require_visible(actor, record)
    if member.user_id != actor.id and may_keep(actor, record) != "all":
        raise PermissionDenied
    user = member.user
    data: dict[str, Any] = {"user": member.user_id, "role": member.role.code, "access": member.access}
    member.delete()
    history.record(
        actor=actor.user,
        obj=record,
        action=HistoryAction.EVENT,
        message=Said(gettext_noop("%(name)s left the record team."), name=user),
    )
    _tell_removed(user, record, actor.user)
    _emit(record, actor.user, "removed", **data)
    if actor.id == user.pk:
        grants.forget(actor)


@transaction.atomic
def members_clear(*, record: models.Model, actor: Actor | None = None, reason: str = "") -> int:
    """Empty the record's team (no permission check: the caller decided, e.g. a return to the
    pool). ``reason`` goes into the history. Returns how many members were removed."""
    members = list(RecordMember.objects.of(record).select_related("user"))
    if not members:
        return 0
    actor_user = actor.user if actor is not None else None
    RecordMember.objects.filter(pk__in=[m.pk for m in members]).delete()
    names = ", ".join(str(m.user) for m in members)
    if reason == POOL_RETURN:
        message = Said(
            gettext_noop("The record team (%(names)s) was cleared: the customer went back to the pool."),
            names=names,
        )
    elif reason:
        message = Said(
            gettext_noop("The record team (%(names)s) was cleared: %(reason)s"), names=names, reason=reason
        )
    else:
        message = Said(gettext_noop("The record team (%(names)s) was cleared."), names=names)
    history.record(actor=actor_user, obj=record, action=HistoryAction.EVENT, message=message)
    for member in members:
        _tell_removed(member.user, record, actor_user, reason)
    _emit(record, actor_user, "cleared", users=[m.user_id for m in members], reason=reason)
    return len(members)


def members_clear_many(
    *, model: type[models.Model], ids: list[int], actor: Actor | None = None, reason: str = ""
) -> int:
    """``members_clear`` for many records of ``model`` (a bulk return to the pool): only the
    records that have a team are loaded."""
    ct = ContentType.objects.get_for_model(model, for_concrete_model=True)
    with_team = (
        RecordMember.objects.filter(content_type=ct, object_id__in=ids)
        .values_list("object_id", flat=True)
        .distinct()
    )
    cleared = 0
    for record in model._base_manager.filter(pk__in=list(with_team)):
        cleared += members_clear(record=record, actor=actor, reason=reason)
    return cleared


def members_expire(*, limit: int = 1000) -> int:
    """Remove up to ``limit`` memberships whose end date has passed, each with a history entry on
    its record (oldest first; the daily job runs again tomorrow for the rest)."""
    expired = list(
        RecordMember.objects.filter(until__lt=today())
        .select_related("user", "content_type")
        .order_by("until", "id")[:limit]
    )
    for member in expired:
        with transaction.atomic():
            record = member.record
            RecordMember.objects.filter(pk=member.pk).delete()
            if record is not None:
                history.record(
                    actor=None,
                    obj=record,
                    action=HistoryAction.EVENT,
                    message=Said(
                        gettext_noop("%(name)s left the record team: their access ended on %(until)s."),
                        name=member.user,
                        until=member.until.isoformat() if member.until else "",
                    ),
                )
    return len(expired)


def owner_changed(*, record: models.Model, actor: Actor | None = None) -> None:
    """The record has a new owner: were they a member, they leave the team (they own it now),
    with a note in the history. Everyone else stays."""
    owner_id = getattr(record, "owner_id", None)
    if owner_id is None:
        return
    member = RecordMember.objects.of(record).filter(user_id=owner_id).select_related("user").first()
    if member is None:
        return
    member.delete()
    history.record(
        actor=actor.user if actor is not None else None,
        obj=record,
        action=HistoryAction.EVENT,
        message=Said(
            gettext_noop("%(name)s left the record team: they own the record now."), name=member.user
        ),
    )


# --- Default teams -----------------------------------------------------------------------


@transaction.atomic
def default_team_add(
    *, actor: Actor, user: Any, role: MemberRole | str, access: str = Access.READ, owner: Any = None
) -> DefaultTeamMember:
    """Add ``user`` to the default team of ``owner`` (the actor themselves unless an
    administrator keeps someone else's)."""
    owner = owner or actor.user
    if owner is None or (owner.pk != actor.id and not actor.is_admin):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    member_role = _role(role, errors)
    level = _access(access, errors)
    if user is None or not getattr(user, "is_active", False):
        errors.setdefault("user", []).append(_("Choose an active person."))
    elif user.pk == owner.pk:
        errors.setdefault("user", []).append(_("You own your deals already."))
    elif DefaultTeamMember.objects.filter(owner=owner, user=user).exists():
        errors.setdefault("user", []).append(_("%(name)s is on the team already.") % {"name": user})
    if errors:
        raise ValidationError(errors)
    assert member_role is not None
    return DefaultTeamMember.objects.create(owner=owner, user=user, role=member_role, access=level)


@transaction.atomic
def default_team_remove(*, actor: Actor, member: DefaultTeamMember) -> None:
    if member.owner_id != actor.id and not actor.is_admin:
        raise PermissionDenied
    member.delete()


def default_team_apply(*, record: models.Model, actor: Actor | None = None) -> int:
    """Add the owner's default team to a new record (``deal_create``). No permission check: the
    owner chose these people. Inactive people and people already on the team are skipped."""
    owner_id = getattr(record, "owner_id", None)
    if owner_id is None:
        return 0
    defaults = list(
        DefaultTeamMember.objects.filter(owner_id=owner_id, user__is_active=True).select_related(
            "user", "role"
        )
    )
    if not defaults:
        return 0
    ct = ContentType.objects.get_for_model(record, for_concrete_model=True)
    taken = set(RecordMember.objects.of(record).values_list("user_id", flat=True))
    actor_user = actor.user if actor is not None else None
    added = 0
    for default in defaults:
        if default.user_id in taken:
            continue
        member = RecordMember.objects.create(
            content_type=ct,
            object_id=record.pk,
            user=default.user,
            role=default.role,
            access=default.access,
            added_by=actor_user,
        )
        _after_add(actor_user, record, member)
        added += 1
    return added


# --- Member roles (administrators) ---------------------------------------------------------


@transaction.atomic
def role_save(*, actor: Actor, role: MemberRole | None = None, data: dict[str, Any]) -> MemberRole:
    """Create or change a member role. Built-in roles keep their code."""
    from tandem.core import naming

    access.require_admin(actor)
    errors: dict[str, list[str]] = {}
    role = role or MemberRole()
    before = history.snapshot(role) if role.pk else None
    name = str(data.get("name", role.name) or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    names = naming.names_given(data, role.names, errors)
    code = str(data.get("code", role.code) or "").strip()
    if role.is_builtin and code != role.code:
        errors["code"] = [_("A built-in role keeps its code.")]
    elif not code:
        errors["code"] = [_("This field is required.")]
    elif not code.replace("_", "").replace("-", "").isalnum() or not code.isascii() or len(code) > 40:
        errors["code"] = [_("Use at most 40 letters, digits, - and _.")]
    elif MemberRole.objects.filter(code=code).exclude(pk=role.pk).exists():
        errors["code"] = [_("Another role has this code.")]
    order = data.get("order", role.order)
    try:
        order = int(order)
        if not 0 <= order <= 32767:
            raise ValueError
    except (TypeError, ValueError):
        errors["order"] = [_("Enter a whole number from 0 to 32767.")]
    if errors:
        raise ValidationError(errors)
    role.code, role.name, role.names, role.order = code, name, names, order
    role.save()
    if before is None:
        history.record_create(actor=actor.user, obj=role)
    else:
        history.record_update(actor=actor.user, obj=role, before=before)
    return role


@transaction.atomic
def role_delete(*, actor: Actor, role: MemberRole) -> None:
    access.require_admin(actor)
    if role.is_builtin:
        raise ValidationError({"role": [_("A built-in role cannot be deleted.")]})
    if (
        RecordMember.objects.filter(role=role).exists()
        or DefaultTeamMember.objects.filter(role=role).exists()
    ):
        raise ValidationError({"role": [_("Members have this role: give them another one first.")]})
    history.record(actor=actor.user, obj=role, action=HistoryAction.DELETE)
    role.delete()
