"""Forms of the organisation's web UI.

Forms parse and shape input only; the rules live in ``services`` (which raise ``ValidationError``
with field messages that the views put back on the form with ``add_error``). Every choice list
is built from what the actor may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tandem.core import access, naming
from tandem.core.access import Actor

from .models import Action, Language, Position, Role, Scope, Team, User

SORTS = {
    "name": ("display_name", "id"),
    "-name": ("-display_name", "-id"),
    "position": ("position__title", "display_name", "id"),
    "-position": ("-position__title", "display_name", "id"),
}

COMMON_TIME_ZONES = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
]


def time_zone_choices() -> list[tuple[Any, Any]]:
    common = [(tz, tz) for tz in COMMON_TIME_ZONES]
    others = [(tz, tz) for tz in sorted(available_timezones()) if tz not in COMMON_TIME_ZONES]
    return [(_("Common"), common), (_("All time zones"), others)]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.username})"


BLANK_DASHES = "---------"  # Django's empty choice on a select; the forms show a plain dash instead


def _quiet_empty_choice(field: forms.Field) -> None:
    """An optional select's empty choice reads "—", as everywhere else in the interface."""
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == BLANK_DASHES:
            field.empty_label = "—"
    elif isinstance(field, forms.ChoiceField):
        choices: list[Any] = list(field.choices)  # type: ignore[arg-type]
        if choices and choices[0] == ("", BLANK_DASHES):
            field.choices = [("", "—"), *choices[1:]]


class TablerForm(forms.Form):
    """Gives every widget Tabler's classes, so templates only lay fields out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            _quiet_empty_choice(field)

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound:
            self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self.mark_invalid()


def visible_teams(actor: Actor) -> QuerySet[Team]:
    return access.visible(actor, "team", Team.objects.all()).order_by("path")


def active_people(actor: Actor) -> QuerySet[User]:
    return access.visible(actor, "user", User.objects.filter(is_active=True)).order_by("display_name", "id")


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{'— ' * obj.depth}{obj.display_name}"


class TeamTreeCheckboxes(forms.CheckboxSelectMultiple):
    """Team checkboxes in one indented column (``_form_field.html`` reads ``list_class``)."""

    list_class = "choice-list-tree"


class TeamTreeMultipleChoiceField(forms.ModelMultipleChoiceField):
    widget = TeamTreeCheckboxes

    def label_from_instance(self, obj: Any) -> str:
        return f"{chr(0x2003) * obj.depth}{obj.display_name}"


class PeopleFilterForm(TablerForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    team = TeamChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All teams")
    )
    inactive = forms.BooleanField(label=_("Include deactivated people"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=[(k, k) for k in SORTS], required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = visible_teams(actor)  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Name, username, email or phone"), "autocomplete": "off"}
        )


class NamedModelChoiceField(forms.ModelChoiceField):
    """A select of records that go by a name per language (``core.naming``): each option reads
    in the person's language."""

    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "display_name", obj))


class LanguageNamesForm(TablerForm):
    """Optional fields for a record's name in each interface language (``core.naming``),
    gathered into ``cleaned_data["names"]``; the initial ``names`` fill them. The template
    lays them out with ``core/partials/_names_fields.html``."""

    names_max_length = naming.NAME_MAX_LENGTH

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = self.initial.get("names") or {}
        for code in naming.language_codes():
            field = forms.CharField(
                label=naming.language_label(code),
                max_length=self.names_max_length,
                required=False,
                initial=names.get(code, ""),
            )
            field.widget.attrs.update({"class": "form-control", "lang": code})
            self.fields[self.name_field(code)] = field

    @staticmethod
    def name_field(code: str) -> str:
        return "name_" + code.replace("-", "_")

    @classmethod
    def initial_from(cls, obj: Any) -> dict[str, Any]:
        """The form filled from a record: its declared fields, and its names in each language."""
        return {**{name: getattr(obj, name) for name in cls.base_fields}, "names": obj.names}

    def language_fields(self) -> list[Any]:
        return [self[self.name_field(code)] for code in naming.language_codes()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["names"] = {
            code: text
            for code in naming.language_codes()
            if (text := (cleaned.pop(self.name_field(code), "") or "").strip())
        }
        return cleaned


class PositionChoiceField(forms.ModelChoiceField):
    """Positions by their title in the person's language."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class TeamForm(LanguageNamesForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    names_max_length = 120
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    parent = TeamChoiceField(
        label=_("Parent team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("— none (top level) —"),
        help_text=_("Moving a team moves its sub-teams with it."),
    )
    leader = PersonChoiceField(label=_("Leader"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, actor: Actor, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = visible_teams(actor)
        if team is not None and team.path:
            parents = parents.exclude(path__startswith=team.path)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["leader"].queryset = active_people(actor)  # type: ignore[attr-defined]


class PositionForm(LanguageNamesForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    names_max_length = 120
    reports_to = PositionChoiceField(label=_("Reports to"), queryset=Position.objects.none(), required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    responsibilities = forms.CharField(
        label=_("Responsibilities"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line."),
    )
    required_skills = forms.CharField(
        label=_("Required skills"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line."),
    )
    performance_standards = forms.CharField(
        label=_("Performance standards (KPIs)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The KPIs this position is measured by, one per line."),
    )

    def __init__(self, *args: Any, actor: Actor, position: Position | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        positions = access.visible(actor, "position", Position.objects.all())
        if position is not None:
            positions = positions.exclude(pk=position.pk)
        self.fields["reports_to"].queryset = positions  # type: ignore[attr-defined]


class PersonForm(TablerForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        help_text=_("As the person writes it, e.g. 王小明 or Mia Manager."),
    )
    email = forms.CharField(label=_("Email"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=32)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    manager = PersonChoiceField(label=_("Manager"), queryset=User.objects.none(), required=False)
    position = PositionChoiceField(label=_("Position"), queryset=Position.objects.none(), required=False)
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"), queryset=Role.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    teams = TeamTreeMultipleChoiceField(label=_("Teams"), queryset=Team.objects.none(), required=False)
    primary_team = TeamChoiceField(
        label=_("Primary team"),
        queryset=Team.objects.none(),
        required=False,
        help_text=_("Records the person creates belong to this team."),
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Optional. Without one, the person cannot sign in with a password yet."),
    )

    def __init__(self, *args: Any, actor: Actor, person: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.input_type = "email"
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["placeholder"] = "+86 138 0013 8000"
        managers = active_people(actor)
        if person is not None:
            managers = managers.exclude(pk=person.pk)
            del self.fields["username"]
            del self.fields["password"]
        self.fields["manager"].queryset = managers  # type: ignore[attr-defined]
        self.fields["position"].queryset = access.visible(actor, "position", Position.objects.all())  # type: ignore[attr-defined]
        self.fields["roles"].queryset = Role.objects.all()  # type: ignore[attr-defined]
        self.fields["teams"].queryset = visible_teams(actor)  # type: ignore[attr-defined]
        self.fields["primary_team"].queryset = visible_teams(actor)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        teams = list(data.get("teams") or [])
        primary = data.get("primary_team")
        if primary is not None and primary not in teams:
            teams.append(primary)
            data["teams"] = teams
        return data


class TransferForm(TablerForm):
    """A transfer's plan (see ``tandem.org.transfers``): the successor, and optionally who else
    receives which kind of record, customers back to a pool, records by team, the teams led and
    the direct reports. The service checks everything again."""

    target = PersonChoiceField(
        label=_("Successor"),
        queryset=User.objects.none(),
        help_text=_("Receives every record not sent elsewhere below."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)

    departure = False

    def __init__(self, *args: Any, actor: Actor, person: User, **kwargs: Any) -> None:
        from . import transfers

        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["target"].queryset = active_people(actor).exclude(pk=person.pk)  # type: ignore[attr-defined]
        self.kind_fields: list[str] = []
        self.pool_fields: list[str] = []
        self.team_fields: list[str] = []
        resources = []
        for ownership in transfers.record_kinds():
            resource = ownership.resource or ""
            resources.append(resource)
            name = f"to_{resource}"
            self.fields[name] = PersonChoiceField(
                label=capfirst(str(ownership.label)),
                queryset=_owners_except(actor, [resource], person),
                required=False,
                empty_label=str(_("— the successor —")),
            )
            self.kind_fields.append(name)
            if ownership in transfers.pool_kinds():
                pool_name = f"pool_{resource}"
                self.fields[pool_name] = NamedModelChoiceField(
                    label=_("Or return the %(records)s to a public pool") % {"records": ownership.label},
                    queryset=transfers.pool_choices(actor, resource),
                    required=False,
                    empty_label=str(_("— no, to a person —")),
                    help_text=_("The pool's rules then apply; each record's history says why."),
                )
                self.pool_fields.append(pool_name)
        teams = transfers.source_teams(person)
        # Routing by team only means something when the records belong to several teams.
        for team, count in teams if len(teams) > 1 else []:
            name = f"team_{team.pk}"
            self.fields[name] = PersonChoiceField(
                label=ngettext("%(team)s (%(n)d record)", "%(team)s (%(n)d records)", count)
                % {"team": team.display_name, "n": count},
                queryset=_owners_except(actor, resources, person),
                required=False,
                empty_label=str(_("— as chosen above —")),
            )
            self.team_fields.append(name)
        led = list(Team.objects.filter(leader=person).order_by("path"))
        if led:
            self.fields["lead_teams"] = forms.BooleanField(
                label=_("Make the successor the leader of %(teams)s")
                % {"teams": ", ".join(t.display_name for t in led)},
                required=False,
                help_text=_("Otherwise those teams have no leader until you choose one.")
                if self.departure
                else _("Otherwise %(name)s keeps leading them.") % {"name": person},
            )
        if User.objects.filter(manager=person).exists():
            boss = person.manager
            to_manager = (
                _("To %(name)s, %(person)s's own manager") % {"name": boss, "person": person}
                if boss is not None
                else _("To %(person)s's own manager (%(person)s has none: they will have no manager)")
                % {"person": person}
            )
            choices = [("manager", to_manager), ("successor", _("To the successor"))]
            if not self.departure:
                choices.insert(0, ("keep", _("They keep %(name)s as their manager") % {"name": person}))
            self.fields["reports"] = forms.ChoiceField(
                label=_("Direct reports"),
                choices=choices,
                initial="manager" if self.departure else "keep",
                widget=forms.RadioSelect,
                required=False,  # not sent: the default of the kind of transfer
            )
        for name in (*self.kind_fields, *self.pool_fields, *self.team_fields):
            self.fields[name].widget.attrs["class"] = "form-select"
        if "reports" in self.fields:
            self.fields["reports"].widget.attrs["class"] = "form-check-input"
        if "lead_teams" in self.fields:
            self.fields["lead_teams"].widget.attrs["class"] = "form-check-input"

    @property
    def kind_rows(self) -> list[Any]:
        """Per kind of record: its person field and, for customers, the pool field."""
        return [
            {
                "person": self[name],
                "pool": self[f"pool_{name[3:]}"] if f"pool_{name[3:]}" in self.fields else None,
            }
            for name in self.kind_fields
        ]

    @property
    def team_rows(self) -> list[Any]:
        return [self[name] for name in self.team_fields]

    @property
    def split_open(self) -> bool:
        """Show the split section open when something in it is chosen or wrong."""
        names = (*self.kind_fields, *self.pool_fields, *self.team_fields)
        if any(name in self.errors for name in names):
            return True
        return self.is_bound and any(self.data.get(name) for name in names)

    def plan(self) -> dict[str, Any]:
        """The service's plan arguments from the cleaned data."""
        data = self.cleaned_data
        to = {name[3:]: data[name] for name in self.kind_fields if data.get(name)}
        pools = {name[5:]: data[name] for name in self.pool_fields if data.get(name)}
        teams = {int(name[5:]): data[name] for name in self.team_fields if data.get(name)}
        return {
            "to": to,
            "pools": pools,
            "teams": teams,
            "lead_teams": bool(data.get("lead_teams")),
            "reports": data.get("reports") or None,
        }


def _owners_except(actor: Actor, resources: list[str], person: User) -> QuerySet[User]:
    """Active people who may own one of ``resources`` (the service checks each kind)."""
    may_own = Q()
    for resource in resources:
        may_own |= access.owners_q(resource)
    return active_people(actor).filter(may_own).exclude(pk=person.pk)


class DeactivateForm(TransferForm):
    """Deactivation is a departure transfer: the successor is the only required choice."""

    departure = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].error_messages["required"] = _(
            "Choose a successor to receive everything this person owns."
        )


class MemberAddForm(TablerForm):
    person = PersonChoiceField(
        label=_("Person"), queryset=User.objects.none(), empty_label=_("Choose a person…")
    )
    primary = forms.BooleanField(label=_("Make this their primary team"), required=False)

    def __init__(self, *args: Any, actor: Actor, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = active_people(actor).exclude(memberships__team=team)  # type: ignore[attr-defined]


class RoleForm(TablerForm):
    code = forms.SlugField(
        label=_("Code"),
        required=False,
        max_length=50,
        help_text=_("A short identifier for the API, e.g. key-account-rep. Made from the name when empty."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_admin = forms.BooleanField(label=_("Administrator: may do everything, everywhere"), required=False)

    def __init__(self, *args: Any, role: Role | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if role is not None:
            del self.fields["code"]


# --- The grant matrix ---------------------------------------------------------------------------


def action_label(action: str) -> Any:
    return dict(Action.choices).get(action, action)


def grants_from_post(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``grant-<resource>-actions`` checkboxes and ``grant-<resource>-scope`` selects as grants."""
    grants: dict[str, dict[str, Any]] = {}
    for name in access.RESOURCES:
        getlist = getattr(data, "getlist", None)
        actions = getlist(f"grant-{name}-actions") if getlist else data.get(f"grant-{name}-actions", [])
        scope = data.get(f"grant-{name}-scope") or Scope.OWN
        grants[name] = {"actions": list(actions), "scope": scope}
    return grants


def grant_matrix(current: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per registered resource: its label, a cell per action and the chosen scope."""
    rows = []
    for name, resource in access.RESOURCES.items():
        grant = current.get(name) or {}
        chosen = set(grant.get("actions") or [])
        rows.append(
            {
                "name": name,
                "label": resource.label,
                "scope": grant.get("scope") or Scope.OWN,
                "cells": [
                    {
                        "action": action,
                        "label": action_label(action),
                        "allowed": action in resource.actions,
                        "checked": action in chosen,
                    }
                    for action in access.ACTIONS
                ],
            }
        )
    return rows


def current_grants(role: Role) -> dict[str, dict[str, Any]]:
    return {g.resource: {"actions": list(g.actions), "scope": g.scope} for g in role.grants.all()}
