"""API representations of the organisation: output serializers and input serializers.

Output serializers render records read through the access policy. Input serializers only parse
and check shapes; the rules (names, cycles, depth, successors) live in ``org.services``.

References are given by id and resolved through the access policy: a record the caller may not
see gives the same "does not exist" error as a missing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tandem.core import access
from tandem.core.api import NamesField
from tandem.core.models import HistoryEntry
from tandem.core.openapi import documented

from .models import Membership, PersonTransfer, Position, Role, Scope, Team, User

# --- References ----------------------------------------------------------------------------


def _actor(context: Mapping[str, Any]) -> access.Actor:
    request = context.get("request")
    if request is None:
        return access.Actor.anonymous()
    return access.get_actor(request)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id, resolved among the records the caller may see."""

    def __init__(self, *, resource: str, queryset: QuerySet[Any], **kwargs: Any) -> None:
        self.resource = resource
        super().__init__(queryset=queryset, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        assert queryset is not None
        return access.visible(_actor(self.context), self.resource, queryset)


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class RoleRefField(serializers.RelatedField):
    """A role by id (a number) or by code (a string), among the roles the caller may see."""

    default_error_messages = {
        "does_not_exist": _('Invalid pk "{pk_value}" - object does not exist.'),
        "incorrect_type": _("Incorrect type. Expected pk value, received {data_type}."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Role.objects.all(), **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return access.visible(_actor(self.context), "role", Role.objects.all())

    def to_internal_value(self, data: Any) -> Role:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        lookup = {"pk": data} if isinstance(data, int) else {"code": data}
        try:
            role: Role = self.get_queryset().get(**lookup)
        except Role.DoesNotExist:
            self.fail("does_not_exist", pk_value=data)
        return role

    def to_representation(self, value: Any) -> str:
        return str(value.code)


def user_ref(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(resource="user", queryset=User.objects.all(), **kwargs)


def team_ref(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(resource="team", queryset=Team.objects.all(), **kwargs)


def position_ref(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(resource="position", queryset=Position.objects.all(), **kwargs)


# --- People --------------------------------------------------------------------------------


class TeamLinkSerializer(serializers.Serializer[Membership]):
    id = serializers.IntegerField(source="team_id")
    name = serializers.CharField(source="team.name")
    is_primary = serializers.BooleanField()


def _visible_ref(obj: Model, name: str) -> Any:
    """The related record, or None when the view annotated it as invisible to the caller."""
    if not getattr(obj, f"{name}_visible", True):
        return None
    return getattr(obj, name)


class UserSerializer(serializers.ModelSerializer[User]):
    """A person. Teams, roles, manager and position the caller may not see are left out."""

    manager = serializers.SerializerMethodField()
    manager_name = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField()
    position_title = serializers.SerializerMethodField()
    teams = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    initials = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "phone",
            "language",
            "time_zone",
            "is_active",
            "manager",
            "manager_name",
            "position",
            "position_title",
            "teams",
            "roles",
            "initials",
        ]
        read_only_fields = fields

    def get_manager(self, obj: User) -> int | None:
        manager = _visible_ref(obj, "manager")
        return manager.pk if manager is not None else None

    def get_manager_name(self, obj: User) -> str | None:
        manager = _visible_ref(obj, "manager")
        return str(manager) if manager is not None else None

    def get_position(self, obj: User) -> int | None:
        position = _visible_ref(obj, "position")
        return position.pk if position is not None else None

    def get_position_title(self, obj: User) -> str | None:
        position = _visible_ref(obj, "position")
        return position.display_name if position is not None else None

    @extend_schema_field(TeamLinkSerializer(many=True))
    def get_teams(self, obj: User) -> list[dict[str, Any]]:
        memberships = getattr(obj, "visible_memberships", None)
        if memberships is None:
            memberships = obj.memberships.filter(team__deleted_at__isnull=True).select_related("team")
        ordered = sorted(memberships, key=lambda m: (not m.is_primary, m.team.name, m.team_id))
        return [{"id": m.team_id, "name": m.team.name, "is_primary": m.is_primary} for m in ordered]

    def get_roles(self, obj: User) -> list[str]:
        roles = getattr(obj, "visible_roles", None)
        if roles is None:
            roles = list(obj.roles.all())
        return sorted(role.code for role in roles)


class MeSerializer(UserSerializer):
    """The signed-in person, with their effective grants ``{resource: {action: scope}}``."""

    is_admin = serializers.SerializerMethodField()
    grants = serializers.SerializerMethodField()
    calendar_feed_url = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "is_admin", "grants", "calendar_feed_url"]
        read_only_fields = fields

    def get_is_admin(self, obj: User) -> bool:
        return _actor(self.context).is_admin

    @extend_schema_field(
        {
            "type": "string",
            "format": "uri",
            "nullable": True,
            "description": "The person's secret iCalendar feed.",
        }
    )
    def get_calendar_feed_url(self, obj: User) -> str | None:
        """The live iCalendar subscription URL (no login needed), or null (none, or revoked)."""
        from tandem.schedule.feed import feed_url
        from tandem.schedule.services import live_feed

        feed = live_feed(obj)
        return feed_url(feed) if feed is not None else None

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "string", "enum": list(Scope.values)},
            },
        }
    )
    def get_grants(self, obj: User) -> dict[str, dict[str, str]]:
        actor = _actor(self.context)
        names = sorted({*access.RESOURCES, *actor.grants})
        grants: dict[str, dict[str, str]] = {}
        for name in names:
            spec = access.RESOURCES.get(name)
            actions = spec.actions if spec is not None else access.ACTIONS
            per_action = {}
            for action in actions:
                scope = actor.scope_for(name, action)
                if scope is not None:
                    per_action[action] = scope
            if per_action:
                grants[name] = per_action
        return grants


class ProfileInputSerializer(serializers.Serializer[User]):
    """What a person may change about themselves. Values are checked by ``profile_update``."""

    display_name = serializers.CharField(required=False, max_length=150)
    email = documented(
        serializers.CharField(required=False, allow_blank=True, max_length=254), format="email"
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    language = documented(
        serializers.CharField(required=False, max_length=10),
        pattern="^(" + "|".join(c for c, _n in settings.LANGUAGES) + ")$",
    )
    time_zone = documented(
        serializers.CharField(required=False, max_length=64), enum=sorted(available_timezones())
    )


class UserUpdateInputSerializer(ProfileInputSerializer):
    """An administrator's edit of a person. ``teams`` replaces the person's teams."""

    display_name = serializers.CharField(max_length=150)
    manager = user_ref(required=False, allow_null=True)
    position = position_ref(required=False, allow_null=True)
    roles = serializers.ListField(child=RoleRefField(), required=False)
    teams = serializers.ListField(child=team_ref(), required=False)
    primary_team = team_ref(required=False, allow_null=True)


class UserCreateInputSerializer(UserUpdateInputSerializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    language = documented(
        serializers.CharField(required=False, max_length=10, default="en"),
        pattern="^(" + "|".join(c for c, _n in settings.LANGUAGES) + ")$",
    )
    time_zone = documented(
        serializers.CharField(required=False, max_length=64, default="Asia/Shanghai"),
        enum=sorted(available_timezones()),
    )
    password = serializers.CharField(
        required=False, allow_blank=True, write_only=True, max_length=128, style={"input_type": "password"}
    )


class TransferPlanFields(serializers.Serializer[User]):
    """How a transfer splits what the person owns (see ``tandem.org.transfers``)."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    to = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        default=dict,
        help_text='Per kind of record, who receives it instead of the successor: {"deal": 7, "account": 8}. '
        "Kinds: account, contact, lead, deal. The person must be able to own that kind.",
    )
    pools = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        default=dict,
        help_text='Kinds that go back to a public pool instead of a person: {"account": 3} (accounts only). '
        "The pool's rules then apply, and each record's history says why.",
    )
    teams = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        default=dict,
        help_text='Records whose owning team is the key go to that person, whatever their kind: {"12": 9}. '
        "Most specific: before ``to``, ``pools`` and the successor.",
    )
    lead_teams = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Make the successor the leader of the teams the person leads (default: no; on a departure "
        "those teams then have no leader, on the job the person keeps leading them).",
    )
    reports = serializers.ChoiceField(
        choices=["manager", "successor", "keep"],
        required=False,
        allow_null=True,
        default=None,
        help_text="Direct reports: to the person's own manager (default on a departure), to the successor, "
        "or keep their manager (default on the job; not on a departure).",
    )


class DeactivateInputSerializer(TransferPlanFields):
    successor = user_ref()


class TransferInputSerializer(TransferPlanFields):
    target = user_ref()


class TransferRecordsSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="The kind of record, as ``counts`` names it.")
    resource = serializers.CharField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    count = serializers.IntegerField()
    to = serializers.IntegerField(allow_null=True)
    to_name = serializers.CharField(allow_null=True)
    pool = serializers.IntegerField(allow_null=True)
    pool_name = serializers.CharField(allow_null=True)
    team = serializers.IntegerField(allow_null=True, help_text="Set when the row is one team's records.")
    team_name = serializers.CharField(allow_null=True)


class PersonRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TransferTeamsLedSerializer(serializers.Serializer[Any]):
    teams = PersonRefSerializer(many=True)
    rule = serializers.CharField(
        help_text="successor: the successor leads them; cleared: no leader until one is chosen; "
        "kept: the person still leads them.",
    )
    to = serializers.IntegerField(allow_null=True)
    to_name = serializers.CharField(allow_null=True)


class TransferReportsMoveSerializer(serializers.Serializer[Any]):
    to = serializers.IntegerField(allow_null=True, help_text="Their new manager (null: none).")
    to_name = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()
    people = PersonRefSerializer(many=True)


class TransferReportsSerializer(serializers.Serializer[Any]):
    rule = serializers.CharField(
        help_text="manager, successor or keep: as ``reports`` chose (or its default)."
    )
    moves = TransferReportsMoveSerializer(many=True)
    kept = PersonRefSerializer(many=True, help_text="Direct reports who keep the person as their manager.")


class TransferPreviewSerializer(serializers.Serializer[Any]):
    """What a transfer would move and where, before anything moves."""

    kind = serializers.ChoiceField(choices=["active", "departure"])
    source = serializers.IntegerField()  # type: ignore[assignment]  # a field named like Field.source
    source_name = serializers.CharField()
    target = serializers.IntegerField()
    target_name = serializers.CharField()
    records = TransferRecordsSerializer(many=True, help_text="Per kind and destination (empty kinds too).")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="What would move, per kind.")
    teams_led = TransferTeamsLedSerializer()
    reports = TransferReportsSerializer()


def transfer_preview_data(outcome: Any) -> dict[str, Any]:
    plan = outcome.plan
    target = plan.target
    records = []
    for row in outcome.rows:
        records.append(
            {
                **row.as_json(),
                "resource": row.ownership.resource,
                "label": str(row.label),
            }
        )
    led_to = target if outcome.leadership == "successor" else None
    return {
        "kind": plan.kind,
        "source": plan.source.pk,
        "source_name": str(plan.source),
        "target": target.pk,
        "target_name": str(target),
        "records": records,
        "counts": outcome.counts,
        "teams_led": {
            "teams": [{"id": t.pk, "name": t.name} for t in outcome.teams_led],
            "rule": outcome.leadership,
            "to": led_to.pk if led_to else None,
            "to_name": str(led_to) if led_to else None,
        },
        "reports": {
            "rule": outcome.reports_rule,
            "moves": [
                {
                    "to": to.pk if to else None,
                    "to_name": str(to) if to else None,
                    "count": len(people),
                    "people": [{"id": p.pk, "name": str(p)} for p in people],
                }
                for to, people in outcome.report_groups()
            ],
            "kept": [{"id": p.pk, "name": str(p)} for p in outcome.reports_kept],
        },
    }


class PersonTransferSerializer(serializers.ModelSerializer[PersonTransfer]):
    source_name = serializers.CharField(source="source.__str__", read_only=True)
    target_name = serializers.CharField(source="target.__str__", read_only=True)
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    split = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="Where each kind went: key, count, to/to_name, pool/pool_name, team/team_name; the "
        "teams led and direct reports also with their rule.",
    )

    class Meta:
        model = PersonTransfer
        fields = [
            "id",
            "kind",
            "source",
            "source_name",
            "target",
            "target_name",
            "actor",
            "reason",
            "counts",
            "split",
            "at",
        ]
        read_only_fields = fields


# --- Teams ---------------------------------------------------------------------------------


class TeamSerializer(serializers.ModelSerializer[Team]):
    names = NamesField(read_only=True)
    display_name = serializers.CharField(
        read_only=True,
        help_text=_("The name in the language of the request (Accept-Language or the person's own)."),
    )
    leader_name = serializers.SerializerMethodField()
    head_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "names",
            "display_name",
            "description",
            "parent",
            "leader",
            "leader_name",
            "path",
            "depth",
            "head_count",
        ]
        read_only_fields = fields

    def get_leader_name(self, obj: Team) -> str | None:
        return str(obj.leader) if obj.leader_id else None


class TeamInputSerializer(serializers.Serializer[Team]):
    name = serializers.CharField(max_length=120)
    names = NamesField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    parent = team_ref(required=False, allow_null=True)  # type: ignore[assignment]
    leader = user_ref(required=False, allow_null=True)


# --- Positions -----------------------------------------------------------------------------


NAMES_HELP = _("The title in other interface languages: language code (en, zh-hans) to title.")
DISPLAY_NAME_HELP = _("The title in the language of the request (Accept-Language or the person's own).")


class PositionSerializer(serializers.ModelSerializer[Position]):
    holder_count = serializers.IntegerField(read_only=True, default=0)
    names = NamesField(read_only=True, max_length=120, help_text=NAMES_HELP)
    display_name = serializers.CharField(read_only=True, help_text=DISPLAY_NAME_HELP)

    class Meta:
        model = Position
        fields = [
            "id",
            "title",
            "names",
            "display_name",
            "summary",
            "responsibilities",
            "required_skills",
            "performance_standards",
            "reports_to",
            "holder_count",
        ]
        read_only_fields = fields


class PositionInputSerializer(serializers.Serializer[Position]):
    title = serializers.CharField(max_length=120)
    names = NamesField(required=False, max_length=120, help_text=NAMES_HELP)
    summary = serializers.CharField(required=False, allow_blank=True)
    responsibilities = serializers.CharField(required=False, allow_blank=True)
    required_skills = serializers.CharField(required=False, allow_blank=True)
    performance_standards = serializers.CharField(required=False, allow_blank=True)
    reports_to = position_ref(required=False, allow_null=True)


# --- Roles ---------------------------------------------------------------------------------


class GrantSerializer(serializers.Serializer[Any]):
    resource = documented(serializers.CharField(max_length=50), enum=lambda: sorted(access.RESOURCES))
    actions = serializers.ListField(child=serializers.ChoiceField(choices=list(access.ACTIONS)))
    scope = serializers.ChoiceField(choices=Scope.choices)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A PATCH makes nested fields optional in DRF; a grant is still whole or not at all.
        missing = [name for name in ("resource", "actions", "scope") if name not in attrs]
        if missing:
            raise serializers.ValidationError({name: [_("This field is required.")] for name in missing})
        return attrs


class RoleSerializer(serializers.ModelSerializer[Role]):
    name = serializers.CharField(source="display_name", read_only=True)
    grants = serializers.SerializerMethodField()

    class Meta:
        model = Role
        fields = ["id", "code", "name", "description", "is_admin", "is_builtin", "grants"]
        read_only_fields = fields

    @extend_schema_field(GrantSerializer(many=True))
    def get_grants(self, obj: Role) -> list[dict[str, Any]]:
        grants = sorted(obj.grants.all(), key=lambda g: g.resource)
        return [{"resource": g.resource, "actions": list(g.actions), "scope": g.scope} for g in grants]


class RoleInputSerializer(serializers.Serializer[Role]):
    """A role's name, description, administrator flag and grants (the same shape as read)."""

    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)
    is_admin = serializers.BooleanField(required=False)
    grants = GrantSerializer(many=True, required=False)

    def validate_grants(self, value: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        grants: dict[str, dict[str, Any]] = {}
        for grant in value:
            if grant["resource"] in grants:
                raise serializers.ValidationError(
                    _("%(resource)s is listed twice: give each resource once.")
                    % {"resource": grant["resource"]}
                )
            grants[grant["resource"]] = {"actions": grant["actions"], "scope": grant["scope"]}
        return grants


class RoleCreateInputSerializer(RoleInputSerializer):
    code = serializers.CharField(required=False, allow_blank=True, max_length=50)


# --- History -------------------------------------------------------------------------------


class HistoryEntrySerializer(serializers.ModelSerializer[HistoryEntry]):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor_name = serializers.SerializerMethodField()
    changes = serializers.JSONField(read_only=True)
    message = serializers.CharField(
        source="message_text", read_only=True, help_text=_("In the language of the request where it can be.")
    )

    class Meta:
        model = HistoryEntry
        fields = ["id", "at", "action", "action_label", "actor", "actor_name", "changes", "message"]
        read_only_fields = fields

    def get_actor_name(self, obj: HistoryEntry) -> str | None:
        return str(obj.actor) if obj.actor_id else None


__all__ = [
    "DeactivateInputSerializer",
    "GrantSerializer",
    "HistoryEntrySerializer",
    "MeSerializer",
    "PersonTransferSerializer",
    "PositionInputSerializer",
    "PositionSerializer",
    "ProfileInputSerializer",
    "RoleCreateInputSerializer",
    "RoleInputSerializer",
    "RoleSerializer",
    "TeamInputSerializer",
    "TeamSerializer",
    "TransferInputSerializer",
    "UserCreateInputSerializer",
    "UserSerializer",
    "UserUpdateInputSerializer",
]
