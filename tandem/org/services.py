"""Writes to the organisation: people, teams, positions, roles, transfers.

Every function is keyword-only, atomic, checks the access policy and records history.
Bad input raises ``django.core.exceptions.ValidationError`` with field messages, which the
API answers as 400 and the forms show inline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tandem.core import access, history, naming
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.core.services import record_soft_delete

from . import transfers
from .models import Language, Membership, PersonTransfer, Position, Role, RoleGrant, Scope, Team, User
from .roles import BUILTIN_GRANTS, BUILTIN_ROLE_DESCRIPTIONS, BUILTIN_ROLE_NAMES

MAX_TEAM_DEPTH = 20


# --- Teams ----------------------------------------------------------------------------------


def _clean_name(value: str, field: str = "name", max_length: int = 120) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [_("This field is required.")]})
    if len(value) > max_length:
        raise ValidationError({field: [_("At most %(n)d characters.") % {"n": max_length}]})
    return value


def _set_path(team: Team) -> None:
    parent = team.parent
    team.path = f"{parent.path if parent else '/'}{team.pk}/"
    team.depth = (parent.depth + 1) if parent else 0


def _clean_team_names(names: Mapping[str, str] | None, current: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    cleaned = naming.names_given(
        {"names": names} if names is not None else {}, current, errors, max_length=120
    )
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def team_create(
    *,
    actor: Actor,
    name: str,
    parent: Team | None = None,
    leader: User | None = None,
    description: str = "",
    names: Mapping[str, str] | None = None,
) -> Team:
    access.require(actor, "manage", "team")
    if parent is not None:
        access.require(actor, "manage", "team", parent)
    name = _clean_name(name)
    cleaned_names = _clean_team_names(names, {})
    if parent is not None and parent.depth + 1 >= MAX_TEAM_DEPTH:
        raise ValidationError(
            {"parent": [_("Teams may be at most %(n)d levels deep.") % {"n": MAX_TEAM_DEPTH}]}
        )
    team = Team(name=name, names=cleaned_names, parent=parent, leader=leader, description=description.strip())
    team.save()
    _set_path(team)
    team.save(update_fields=["path", "depth"])
    if leader is not None:
        Membership.objects.get_or_create(
            user=leader,
            team=team,
            defaults={"is_primary": not leader.memberships.filter(is_primary=True).exists()},
        )
    history.record_create(actor=actor.user, obj=team)
    return team


@transaction.atomic
def team_update(
    *,
    actor: Actor,
    team: Team,
    name: str,
    parent: Team | None,
    leader: User | None,
    description: str = "",
    names: Mapping[str, str] | None = None,
) -> Team:
    """Edit a team; changing its parent moves the whole subtree in one statement. ``names``
    None keeps the names per language."""
    access.require(actor, "manage", "team", team)
    before = history.snapshot(team)
    team.name = _clean_name(name)
    team.names = _clean_team_names(names, team.names)
    team.description = description.strip()
    team.leader = leader
    if (parent.pk if parent else None) != team.parent_id:
        if parent is not None:
            access.require(actor, "manage", "team", parent)
        if parent is not None and parent.path.startswith(team.path):
            raise ValidationError(
                {"parent": [_("A team cannot be moved under itself or one of its sub-teams.")]}
            )
        old_path, old_depth = team.path, team.depth
        team.parent = parent
        _set_path(team)
        if team.depth + _subtree_height(team, old_path, old_depth) >= MAX_TEAM_DEPTH:
            raise ValidationError(
                {"parent": [_("Teams may be at most %(n)d levels deep.") % {"n": MAX_TEAM_DEPTH}]}
            )
        Team.all_objects.filter(path__startswith=old_path).exclude(pk=team.pk).update(
            path=Concat(Value(team.path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + (team.depth - old_depth),
        )
    team.save()
    if leader is not None:
        Membership.objects.get_or_create(
            user=leader,
            team=team,
            defaults={"is_primary": not leader.memberships.filter(is_primary=True).exists()},
        )
    history.record_update(actor=actor.user, obj=team, before=before)
    return team


def _subtree_height(team: Team, old_path: str, old_depth: int) -> int:
    deepest = (
        Team.all_objects.filter(path__startswith=old_path)
        .order_by("-depth")
        .values_list("depth", flat=True)
        .first()
    )
    return (deepest or old_depth) - old_depth


@transaction.atomic
def team_delete(*, actor: Actor, team: Team) -> None:
    access.require(actor, "manage", "team", team)
    if Team.objects.filter(parent=team).exists():
        raise ValidationError(_("Move or delete its sub-teams first."))
    if team.memberships.exists():
        raise ValidationError(_("Move its members to another team first."))
    record_soft_delete(actor=actor, obj=team)


@transaction.atomic
def membership_set(*, actor: Actor, user: User, teams: Iterable[Team], primary: Team | None) -> None:
    """Make ``teams`` the person's teams, ``primary`` among them."""
    access.require(actor, "manage", "user", user)
    team_list = list({t.pk: t for t in teams}.values())
    if primary is not None and primary.pk not in {t.pk for t in team_list}:
        team_list.append(primary)
    if team_list and primary is None:
        primary = team_list[0]
    before = sorted(Membership.objects.filter(user=user).values_list("team__name", flat=True))
    Membership.objects.filter(user=user).exclude(team__in=team_list).delete()
    Membership.objects.filter(user=user).update(is_primary=False)
    for team in team_list:
        Membership.objects.update_or_create(
            user=user, team=team, defaults={"is_primary": primary is not None and team.pk == primary.pk}
        )
    after = sorted(t.name for t in team_list)
    if before != after:
        history.record(
            actor=actor.user, obj=user, action=HistoryAction.UPDATE, changes={"teams": [before, after]}
        )


# --- Positions ------------------------------------------------------------------------------

POSITION_FIELDS = ("title", "summary", "responsibilities", "required_skills", "performance_standards")


POSITION_TITLE_MAX_LENGTH = 120


DESCRIPTION_PARTS = ("summary", "responsibilities", "required_skills", "performance_standards")


def _position_descriptions(
    data: Mapping[str, Any], values: Mapping[str, Any], position: Position | None
) -> dict[str, dict[str, str]]:
    """The job description per language. ``descriptions`` given whole (the demo, an import) is
    taken as it is; otherwise the four parts given are the description in the language the
    person writes in (the active one), kept beside the other languages' own."""
    codes = naming.language_codes()
    if "descriptions" in data:
        given = data["descriptions"] or {}
        if not isinstance(given, Mapping) or any(code not in codes for code in given):
            raise ValidationError(
                {
                    "descriptions": [
                        _("Give the description per language code: %(codes)s.") % {"codes": ", ".join(codes)}
                    ]
                }
            )
        return {
            code: {part: str(texts.get(part) or "").strip() for part in DESCRIPTION_PARTS}
            for code, texts in given.items()
            if isinstance(texts, Mapping)
        }
    current = dict(position.descriptions or {}) if position is not None else {}
    if not any(part in data for part in DESCRIPTION_PARTS):
        return current
    language = (translation.get_language() or settings.LANGUAGE_CODE).lower()
    if language in codes:
        current[language] = {part: values[part] for part in DESCRIPTION_PARTS}
    return current


def _position_values(data: Mapping[str, Any], position: Position | None) -> dict[str, Any]:
    values = {name: (data.get(name) or "").strip() for name in POSITION_FIELDS}
    values["title"] = _clean_name(values["title"], "title")
    errors: dict[str, list[str]] = {}
    current = position.names if position is not None else {}
    values["names"] = naming.names_given(data, current, errors, max_length=POSITION_TITLE_MAX_LENGTH)
    if errors:
        raise ValidationError(errors)
    values["descriptions"] = _position_descriptions(data, values, position)
    reports_to = data.get("reports_to")
    if reports_to is not None and position is not None and reports_to.pk == position.pk:
        raise ValidationError({"reports_to": [_("A position cannot report to itself.")]})
    values["reports_to"] = reports_to
    return values


@transaction.atomic
def position_create(*, actor: Actor, data: Mapping[str, Any]) -> Position:
    access.require(actor, "manage", "position")
    position = Position(**_position_values(data, None))
    position.save()
    history.record_create(actor=actor.user, obj=position)
    return position


@transaction.atomic
def position_update(*, actor: Actor, position: Position, data: Mapping[str, Any]) -> Position:
    access.require(actor, "manage", "position", position)
    before = history.snapshot(position)
    for key, value in _position_values(data, position).items():
        setattr(position, key, value)
    position.save()
    history.record_update(actor=actor.user, obj=position, before=before)
    return position


@transaction.atomic
def position_delete(*, actor: Actor, position: Position) -> None:
    access.require(actor, "manage", "position", position)
    if position.holders.filter(is_active=True).exists():
        raise ValidationError(_("People still hold this position: give them another position first."))
    record_soft_delete(actor=actor, obj=position)


# --- People ---------------------------------------------------------------------------------

PROFILE_FIELDS = ("display_name", "email", "phone", "language", "time_zone")


def _validate_profile(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "display_name" in values:
        values["display_name"] = (values["display_name"] or "").strip()
        if not values["display_name"]:
            errors["display_name"] = [_("This field is required.")]
    if "email" in values:
        values["email"] = (values["email"] or "").strip().lower()
        if values["email"]:
            from django.core.validators import validate_email

            try:
                validate_email(values["email"])
            except ValidationError:
                errors["email"] = [_("Enter a valid email address.")]
    if "phone" in values:
        from tandem.core.phones import normalize_phone

        raw = (values["phone"] or "").strip()
        if raw:
            normalized = normalize_phone(raw)
            if normalized is None:
                errors["phone"] = [_("Enter a valid phone number, e.g. +86 138 0013 8000.")]
            else:
                values["phone"] = normalized
        else:
            values["phone"] = ""
    if "language" in values and values["language"] not in Language.values:
        errors["language"] = [_("Choose English or 简体中文.")]
    if "time_zone" in values and values["time_zone"] not in available_timezones():
        errors["time_zone"] = [_("Choose a known time zone, e.g. Asia/Shanghai.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    display_name: str,
    email: str = "",
    phone: str = "",
    language: str = Language.EN,
    time_zone: str = "Asia/Shanghai",
    password: str | None = None,
    manager: User | None = None,
    position: Position | None = None,
    roles: Iterable[Role] = (),
    teams: Iterable[Team] = (),
    primary_team: Team | None = None,
) -> User:
    access.require(actor, "manage", "user")
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": [_("This field is required.")]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("This username is taken.")]})
    values: dict[str, Any] = {
        "display_name": display_name,
        "email": email,
        "phone": phone,
        "language": language,
        "time_zone": time_zone,
    }
    _validate_profile(values)
    user = User(username=username, manager=manager, position=position, **values)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.roles.set(list(roles))
    history.record_create(actor=actor.user, obj=user)
    team_list = list(teams)
    if team_list or primary_team:
        membership_set(actor=actor, user=user, teams=team_list, primary=primary_team)
    return user


@transaction.atomic
def user_update(*, actor: Actor, user: User, data: Mapping[str, Any]) -> User:
    """Administrator's edit of a person: profile, manager, position and roles."""
    access.require(actor, "manage", "user", user)
    before = history.snapshot(user)
    values = {k: data[k] for k in PROFILE_FIELDS if k in data}
    _validate_profile(values)
    for key, value in values.items():
        setattr(user, key, value)
    if "manager" in data:
        manager = data["manager"]
        if manager is not None and _reports_to(manager, user):
            raise ValidationError({"manager": [_("This would make a circular reporting line.")]})
        user.manager = manager
    if "position" in data:
        user.position = data["position"]
    user.save()
    if "roles" in data:
        old_roles = sorted(r.code for r in user.roles.all())
        user.roles.set(list(data["roles"]))
        new_roles = sorted(r.code for r in data["roles"])
        if old_roles != new_roles:
            history.record(
                actor=actor.user,
                obj=user,
                action=HistoryAction.UPDATE,
                changes={"roles": [old_roles, new_roles]},
            )
    history.record_update(actor=actor.user, obj=user, before=before)
    return user


def _reports_to(person: User, boss: User) -> bool:
    """Does ``person`` (directly or not) report to ``boss``? Also true when they are the same."""
    seen: set[int] = set()
    current: User | None = person
    while current is not None and current.pk not in seen:
        if current.pk == boss.pk:
            return True
        seen.add(current.pk)
        current = current.manager
    return False


@transaction.atomic
def profile_update(*, actor: Actor, data: Mapping[str, Any]) -> User:
    """A person's own settings: name, contact details, language and time zone."""
    user = actor.user
    if user is None:
        raise ValidationError(_("Sign in first."))
    before = history.snapshot(user)
    values = {k: data[k] for k in PROFILE_FIELDS if k in data}
    _validate_profile(values)
    for key, value in values.items():
        setattr(user, key, value)
    user.save()
    history.record_update(actor=user, obj=user, before=before)
    return user


# --- Transfers and deactivation (在职/离职继承) -------------------------------------------------


@transaction.atomic
def person_transfer(
    *,
    actor: Actor,
    source: User,
    target: User | None,
    reason: str = "",
    kind: str = PersonTransfer.Kind.ACTIVE,
    to: Mapping[str, User] | None = None,
    pools: Mapping[str, Any] | None = None,
    teams: Mapping[int, User] | None = None,
    lead_teams: bool = False,
    reports: str | None = None,
) -> PersonTransfer:
    """Move everything ``source`` owns in one audited operation (在职继承), as planned: by team
    (``teams``), by kind of record (``to``, or ``pools`` for customers), the rest to ``target``.
    Teams led move only with ``lead_teams``; direct reports as ``reports`` says. See
    ``tandem.org.transfers``; ``transfer_preview`` shows the same plan without moving anything."""
    plan = transfers.Plan(
        source=source,
        target=target,
        kind=kind,
        to=dict(to or {}),
        pools=dict(pools or {}),
        teams=dict(teams or {}),
        lead_teams=lead_teams,
        reports=reports,
        reason=reason,
    )
    outcome = transfers.plan_transfer(actor=actor, plan=plan)
    return transfers.carry_out(actor=actor, outcome=outcome)


def transfer_preview(
    *,
    actor: Actor,
    source: User,
    target: User | None,
    kind: str = PersonTransfer.Kind.ACTIVE,
    to: Mapping[str, User] | None = None,
    pools: Mapping[str, Any] | None = None,
    teams: Mapping[int, User] | None = None,
    lead_teams: bool = False,
    reports: str | None = None,
) -> transfers.Outcome:
    """What ``person_transfer`` (or, with ``kind`` departure, ``user_deactivate``) would move and
    where, counted per kind of record, before anything moves."""
    if kind == PersonTransfer.Kind.DEPARTURE:
        _check_departure(actor=actor, user=source)
    plan = transfers.Plan(
        source=source,
        target=target,
        kind=kind,
        to=dict(to or {}),
        pools=dict(pools or {}),
        teams=dict(teams or {}),
        lead_teams=lead_teams,
        reports=reports,
    )
    return transfers.plan_transfer(actor=actor, plan=plan)


def _check_departure(*, actor: Actor, user: User) -> None:
    access.require(actor, "manage", "user", user)
    if actor.user is not None and user.pk == actor.user.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    if not user.is_active:
        raise ValidationError(_("This person is deactivated already."))


@transaction.atomic
def user_deactivate(
    *,
    actor: Actor,
    user: User,
    successor: User | None,
    reason: str = "",
    to: Mapping[str, User] | None = None,
    pools: Mapping[str, Any] | None = None,
    teams: Mapping[int, User] | None = None,
    lead_teams: bool = False,
    reports: str | None = None,
) -> PersonTransfer:
    """Deactivate a person: everything they own goes to their successors first (离职继承), as
    planned (see ``person_transfer``); the teams they led get the successor as leader only with
    ``lead_teams``, and their direct reports go to their own manager unless ``reports`` says
    otherwise."""
    _check_departure(actor=actor, user=user)
    if successor is None:
        raise ValidationError(
            {"successor": [_("Choose a successor to receive everything this person owns.")]}
        )
    record = person_transfer(
        actor=actor,
        source=user,
        target=successor,
        reason=reason,
        kind=PersonTransfer.Kind.DEPARTURE,
        to=to,
        pools=pools,
        teams=teams,
        lead_teams=lead_teams,
        reports=reports,
    )
    before = history.snapshot(user)
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.save(update_fields=["is_active", "deactivated_at"])
    # Their API tokens stop working for good (sign-in already refuses inactive people).
    from tandem.security.models import ApiToken

    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=user.deactivated_at)
    history.record_update(actor=actor.user, obj=user, before=before)
    return record


@transaction.atomic
def user_reactivate(*, actor: Actor, user: User) -> User:
    access.require(actor, "manage", "user", user)
    before = history.snapshot(user)
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at"])
    history.record_update(actor=actor.user, obj=user, before=before)
    return user


# --- Roles ----------------------------------------------------------------------------------


def _clean_grants(grants: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[list[str], str]]:
    cleaned: dict[str, tuple[list[str], str]] = {}
    errors: list[str] = []
    for resource, grant in grants.items():
        if resource not in access.RESOURCES:
            errors.append(_("Unknown resource: %(name)s") % {"name": resource})
            continue
        raw_actions = grant.get("actions", []) if isinstance(grant, Mapping) else None
        if not isinstance(raw_actions, list | tuple):
            errors.append(_("Unknown action: %(name)s") % {"name": str(raw_actions)})
            continue
        actions = [a for a in raw_actions if a]
        unknown = [str(a) for a in actions if not isinstance(a, str) or a not in access.ACTIONS]
        if unknown:
            errors.append(_("Unknown action: %(name)s") % {"name": ", ".join(unknown)})
            continue
        scope = grant.get("scope") or Scope.OWN
        if not isinstance(scope, str) or scope not in Scope.values:
            errors.append(_("Unknown data scope: %(name)s") % {"name": scope})
            continue
        if actions:
            cleaned[resource] = (sorted(set(actions), key=access.ACTIONS.index), scope)
    if errors:
        raise ValidationError({"grants": errors})
    return cleaned


def _write_grants(role: Role, grants: Mapping[str, tuple[list[str], str]]) -> None:
    # Grants on resources no app has registered yet wait for that app (see roles.py): keep them.
    RoleGrant.objects.filter(role=role, resource__in=list(access.RESOURCES)).exclude(
        resource__in=list(grants)
    ).delete()
    for resource, (actions, scope) in grants.items():
        RoleGrant.objects.update_or_create(
            role=role, resource=resource, defaults={"actions": actions, "scope": scope}
        )


def _grants_summary(role: Role) -> dict[str, str]:
    return {g.resource: f"{','.join(g.actions)}@{g.scope}" for g in role.grants.all()}


@transaction.atomic
def role_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    description: str = "",
    is_admin: bool = False,
    grants: Mapping[str, Mapping[str, Any]] | None = None,
) -> Role:
    access.require(actor, "manage", "role")
    from django.utils.text import slugify

    code = slugify(code or name)
    if not code:
        raise ValidationError({"code": [_("This field is required.")]})
    if Role.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A role with this code exists already.")]})
    role = Role.objects.create(
        code=code, name=_clean_name(name, max_length=100), description=description.strip(), is_admin=is_admin
    )
    _write_grants(role, _clean_grants(grants or {}))
    history.record_create(actor=actor.user, obj=role)
    return role


@transaction.atomic
def role_update(
    *,
    actor: Actor,
    role: Role,
    name: str,
    description: str = "",
    is_admin: bool = False,
    grants: Mapping[str, Mapping[str, Any]] | None = None,
) -> Role:
    access.require(actor, "manage", "role", role)
    before = history.snapshot(role)
    before_grants = _grants_summary(role)
    from .roles import ADMIN

    if role.is_builtin and role.code == ADMIN and not is_admin:
        raise ValidationError(
            {
                "is_admin": [
                    _(
                        "The built-in Administrator role always administers: it keeps everyone from being locked out."
                    )
                ]
            }
        )
    role.name = _clean_name(name, max_length=100)
    role.description = description.strip()
    role.is_admin = is_admin
    role.save()
    if grants is not None:
        _write_grants(role, _clean_grants(grants))
    after_grants = _grants_summary(role)
    history.record_update(actor=actor.user, obj=role, before=before)
    if before_grants != after_grants:
        history.record(
            actor=actor.user,
            obj=role,
            action=HistoryAction.UPDATE,
            changes={"grants": [before_grants, after_grants]},
        )
    return role


@transaction.atomic
def role_delete(*, actor: Actor, role: Role) -> None:
    access.require(actor, "manage", "role", role)
    if role.is_builtin:
        raise ValidationError(_("Built-in roles cannot be deleted; edit their grants instead."))
    if role.users.exists():
        raise ValidationError(_("People still hold this role: take it from them first."))
    history.record(actor=actor.user, obj=role, action=HistoryAction.PURGE)
    role.delete()


@transaction.atomic
def role_sync_builtin(*, reset: bool = False) -> list[Role]:
    """Create the seeded roles that are missing; with ``reset``, bring their grants back to the defaults.

    Runs after every migrate without ``reset``, so an administrator's edits to a built-in role stay.
    """
    from .roles import ADMIN

    roles = []
    for code, name in BUILTIN_ROLE_NAMES.items():
        role, created = Role.objects.get_or_create(
            code=code,
            defaults={
                "name": str(name),
                "description": str(BUILTIN_ROLE_DESCRIPTIONS[code]),
                "is_admin": code == ADMIN,
                "is_builtin": True,
            },
        )
        if created or reset:
            _write_grants(role, BUILTIN_GRANTS.get(code, {}))
        if reset and role.is_admin != (code == ADMIN):
            # An administrator may have unticked "administrator" on the built-in role; reset restores it.
            role.is_admin = code == ADMIN
            role.save(update_fields=["is_admin"])
        roles.append(role)
    return roles
