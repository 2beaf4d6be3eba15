"""The organisation's web UI: org chart, people, teams, positions, roles and transfers.

Views are thin: they parse input with a form, call one service (writes) or selector (reads) and
render. Reads start from the access policy (not visible = 404); writes are decided by the policy
inside the services (not allowed = 403, nothing changed). A service's ``ValidationError`` goes
back onto the form as inline errors.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access, history, naming, notify, webforms
from tandem.core.access import Actor
from tandem.core.ids import parse_id
from tandem.core.phones import format_phone

from . import selectors, services
from . import transfers as plans
from .forms import (
    SORTS,
    DeactivateForm,
    MemberAddForm,
    PeopleFilterForm,
    PersonForm,
    PositionForm,
    RoleForm,
    TeamForm,
    TransferForm,
    current_grants,
    grant_matrix,
    grants_from_post,
)
from .models import Membership, PersonTransfer, Position, Role, Team, User

PAGE_SIZE = 50
HISTORY_LIMIT = 50


# --- Helpers --------------------------------------------------------------------------------


def _invalid(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, context, status=400)


def _lines(text: str) -> list[str]:
    return [line.strip(" \t-•·*") for line in (text or "").splitlines() if line.strip(" \t-•·*")]


# --- Org chart ------------------------------------------------------------------------------


def _tree(actor: Actor) -> list[dict[str, Any]]:
    """Visible teams as a tree. Invisible ancestors appear by name only, so each branch has context."""
    teams = list(selectors.team_list(actor=actor).order_by("path"))
    nodes: dict[int, dict[str, Any]] = {t.pk: {"team": t, "visible": True, "children": []} for t in teams}
    missing = {a for t in teams for a in t.ancestor_ids if a not in nodes}
    if missing:
        for ancestor in Team.objects.filter(pk__in=missing).only(
            "id", "name", "names", "path", "depth", "parent_id"
        ):
            nodes[ancestor.pk] = {"team": ancestor, "visible": False, "children": []}
    roots: list[dict[str, Any]] = []
    for node in sorted(nodes.values(), key=lambda n: n["team"].path):
        parent = nodes.get(node["team"].parent_id)
        (parent["children"] if parent is not None else roots).append(node)
    for node in nodes.values():
        node["children"].sort(key=lambda n: n["team"].name.lower())
    return sorted(roots, key=lambda n: n["team"].name.lower())


def org_chart(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    return render(
        request,
        "org/chart.html",
        {"roots": _tree(actor), "can_manage": access.can(actor, "manage", "team")},
    )


# --- People ---------------------------------------------------------------------------------


def people(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    form = PeopleFilterForm(request.GET or None, actor=actor)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = getattr(form, "cleaned_data", {})
    sort = filters.get("sort") or "name"
    queryset = selectors.person_list(
        actor=actor,
        q=(filters.get("q") or "").strip(),
        team=filters.get("team"),
        include_inactive=bool(filters.get("inactive")),
    ).order_by(*SORTS[sort])
    page_obj = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for person in page_obj.object_list:
        memberships = list(person.memberships.all())
        primary = next((m.team for m in memberships if m.is_primary), None)
        rows.append({"person": person, "primary_team": primary, "team_count": len(memberships)})
    context = {
        "form": form,
        "rows": rows,
        "page_obj": page_obj,
        "sort": sort,
        "filtered": bool(filters.get("q") or filters.get("team") or filters.get("inactive")),
        "can_manage": access.can(actor, "manage", "user"),
    }
    template = "org/partials/_people_table.html" if webforms.is_htmx(request) else "org/people.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _person_or_404(actor: Actor, pk: int) -> User:
    return access.get_visible_or_404(actor, "user", User.objects.select_related("position", "manager"), pk=pk)


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    person = _person_or_404(actor, pk)
    memberships = list(
        person.memberships.filter(team__deleted_at__isnull=True)
        .select_related("team")
        .order_by("-is_primary", "team__name")
    )
    visible_team_ids = set(
        access.visible(
            actor, "team", Team.objects.filter(pk__in=[m.team_id for m in memberships])
        ).values_list("pk", flat=True)
    )
    reports = access.visible(
        actor, "user", User.objects.filter(manager=person, is_active=True).select_related("position")
    ).order_by("display_name")
    can_manage = access.can(actor, "manage", "user", person)
    show_history = can_manage or actor.id == person.pk
    return render(
        request,
        "org/person_detail.html",
        {
            "person": person,
            "teams": [{"membership": m, "linked": m.team_id in visible_team_ids} for m in memberships],
            "reports": list(reports),
            "roles": list(person.roles.all()),
            "can_manage": can_manage,
            "is_me": actor.id == person.pk,
            "history": list(history.entries_for(person)[:HISTORY_LIMIT]) if show_history else None,
            "history_object": person,
        },
    )


def _person_initial(person: User) -> dict[str, Any]:
    memberships = list(person.memberships.filter(team__deleted_at__isnull=True))
    return {
        "display_name": person.display_name,
        "email": person.email,
        "phone": format_phone(person.phone),
        "language": person.language,
        "time_zone": person.time_zone,
        "manager": person.manager_id,
        "position": person.position_id,
        "roles": [r.pk for r in person.roles.all()],
        "teams": [m.team_id for m in memberships],
        "primary_team": next((m.team_id for m in memberships if m.is_primary), None),
    }


def person_create(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require(actor, "manage", "user")
    form = PersonForm(
        webforms.posted(request), actor=actor, initial={"language": "zh-hans", "time_zone": "Asia/Shanghai"}
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = services.user_create(
                    actor=actor,
                    username=data["username"],
                    display_name=data["display_name"],
                    email=data["email"],
                    phone=data["phone"],
                    language=data["language"],
                    time_zone=data["time_zone"],
                    password=data["password"] or None,
                    manager=data["manager"],
                    position=data["position"],
                    roles=data["roles"],
                    teams=data["teams"],
                    primary_team=data["primary_team"],
                )
            except ValidationError as exc:
                webforms.errors_onto(form, exc)
            else:
                messages.success(request, _("%(name)s was added.") % {"name": person})
                return redirect(person)
        return _invalid(request, "org/person_form.html", {"form": form, "person": None})
    return render(request, "org/person_form.html", {"form": form, "person": None})


def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    person = _person_or_404(actor, pk)
    access.require(actor, "manage", "user", person)
    form = PersonForm(webforms.posted(request), actor=actor, person=person, initial=_person_initial(person))
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    services.user_update(
                        actor=actor,
                        user=person,
                        data={
                            key: data[key]
                            for key in (
                                "display_name",
                                "email",
                                "phone",
                                "language",
                                "time_zone",
                                "manager",
                                "position",
                                "roles",
                            )
                        },
                    )
                    services.membership_set(
                        actor=actor, user=person, teams=data["teams"], primary=data["primary_team"]
                    )
            except ValidationError as exc:
                person.refresh_from_db()
                webforms.errors_onto(form, exc)
            else:
                messages.success(request, _("Changes to %(name)s were saved.") % {"name": person})
                return redirect(person)
        return _invalid(request, "org/person_form.html", {"form": form, "person": person})
    return render(request, "org/person_form.html", {"form": form, "person": person})


def person_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """在职继承: hand what the person owns to colleagues (or customers to a pool); they stay active."""
    return _transfer_page(request, pk, departure=False)


def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """离职继承: successors receive everything, then the person can no longer sign in."""
    return _transfer_page(request, pk, departure=True)


def _transfer_page(request: HttpRequest, pk: int, *, departure: bool) -> HttpResponse:
    """The transfer form; "Preview" shows what would move where (nothing moves), the main button
    carries it out. Refusals come back inline, on the input at fault."""
    actor = access.get_actor(request)
    person = _person_or_404(actor, pk)
    access.require(actor, "manage", "user", person)
    if departure and not person.is_active:
        messages.info(request, _("%(name)s is already deactivated.") % {"name": person})
        return redirect(person)
    form_class = DeactivateForm if departure else TransferForm
    form = form_class(webforms.posted(request), actor=actor, person=person)
    context: dict[str, Any] = {
        "form": form,
        "person": person,
        "departure": departure,
        "holdings": [(o, n) for o, n in plans.holdings(person) if n],
        "teams_led": list(Team.objects.filter(leader=person).order_by("path")),
        "report_count": User.objects.filter(manager=person).count(),
        "preview": None,
    }
    if request.method != "POST":
        return render(request, "org/person_transfer.html", context)
    if form.is_valid():
        plan = form.plan()
        target = form.cleaned_data["target"]
        reason = form.cleaned_data["reason"]
        kind = PersonTransfer.Kind.DEPARTURE if departure else PersonTransfer.Kind.ACTIVE
        try:
            if "preview" in request.POST:
                context["preview"] = services.transfer_preview(
                    actor=actor, source=person, target=target, kind=kind, **plan
                )
                return render(request, "org/person_transfer.html", context)
            if departure:
                record = services.user_deactivate(
                    actor=actor, user=person, successor=target, reason=reason, **plan
                )
            else:
                record = services.person_transfer(
                    actor=actor, source=person, target=target, reason=reason, **plan
                )
        except ValidationError as exc:
            person.refresh_from_db()
            webforms.errors_onto(form, exc)
        else:
            done = plans.describe_split(record)
            split = notify.join_words(done) if done else _("there was nothing to move")
            if departure:
                text = _("%(source)s was deactivated. %(split)s.") % {"source": person, "split": split}
            else:
                text = _("The records of %(source)s were handed over. %(split)s.") % {
                    "source": person,
                    "split": split,
                }
            messages.success(request, text)
            return redirect(person)
    return _invalid(request, "org/person_transfer.html", context)


@require_POST
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    person = _person_or_404(actor, pk)
    services.user_reactivate(actor=actor, user=person)
    messages.success(request, _("%(name)s can sign in again.") % {"name": person})
    return redirect(person)


# --- Teams ----------------------------------------------------------------------------------


def _team_or_404(actor: Actor, pk: int) -> Team:
    return access.get_visible_or_404(actor, "team", Team.objects.select_related("leader", "parent"), pk=pk)


def _team_context(actor: Actor, team: Team, member_form: MemberAddForm | None = None) -> dict[str, Any]:
    memberships = list(
        team.memberships.select_related("user", "user__position").order_by(
            "-user__is_active", "user__display_name", "user_id"
        )
    )
    visible_user_ids = set(
        access.visible(
            actor, "user", User.objects.filter(pk__in=[m.user_id for m in memberships])
        ).values_list("pk", flat=True)
    )
    can_manage_people = access.can(actor, "manage", "user")
    if member_form is None and can_manage_people:
        member_form = MemberAddForm(actor=actor, team=team, auto_id="member_%s")
    return {
        "team": team,
        "parent_linked": team.parent is not None and access.can(actor, "view", "team", team.parent),
        "children": list(selectors.team_list(actor=actor).filter(parent=team).order_by("name")),
        "members": [{"membership": m, "linked": m.user_id in visible_user_ids} for m in memberships],
        "active_count": sum(1 for m in memberships if m.user.is_active),
        "can_manage": access.can(actor, "manage", "team", team),
        "can_manage_people": can_manage_people,
        "member_form": member_form,
        "history": list(history.entries_for(team)[:HISTORY_LIMIT]),
        "history_object": team,
    }


def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    team = _team_or_404(actor, pk)
    return render(request, "org/team_detail.html", _team_context(actor, team))


def team_create(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require(actor, "manage", "team")
    initial = {"parent": request.GET.get("parent")} if parse_id(request.GET.get("parent")) else {}
    form = TeamForm(webforms.posted(request), actor=actor, initial=initial)

    def save() -> Team:
        data = form.cleaned_data
        return services.team_create(
            actor=actor,
            name=data["name"],
            parent=data["parent"],
            leader=data["leader"],
            description=data["description"],
            names=data["names"],
        )

    return webforms.form_page(
        request,
        form=form,
        template="org/team_form.html",
        context={"form": form, "team": None},
        save=save,
        success=lambda team: _("Team %(name)s was created.") % {"name": team.display_name},
    )


def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    team = _team_or_404(actor, pk)
    access.require(actor, "manage", "team", team)
    initial = {
        "name": team.name,
        "description": team.description,
        "parent": team.parent_id,
        "leader": team.leader_id,
        "names": team.names,
    }
    form = TeamForm(webforms.posted(request), actor=actor, team=team, initial=initial)

    def save() -> Team:
        data = form.cleaned_data
        return services.team_update(
            actor=actor,
            team=team,
            name=data["name"],
            parent=data["parent"],
            leader=data["leader"],
            description=data["description"],
            names=data["names"],
        )

    return webforms.form_page(
        request,
        form=form,
        template="org/team_form.html",
        context={"form": form, "team": team},
        save=save,
        success=lambda saved: _("Changes to team %(name)s were saved.") % {"name": saved.display_name},
        on_error=team.refresh_from_db,
    )


@require_POST
def team_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    team = _team_or_404(actor, pk)
    try:
        services.team_delete(actor=actor, team=team)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(team)
    messages.success(request, _("Team %(name)s was moved to the recycle bin.") % {"name": team})
    return redirect("org:chart")


def _memberships_of(person: User) -> tuple[list[Team], Team | None]:
    memberships = list(person.memberships.filter(team__deleted_at__isnull=True).select_related("team"))
    primary = next((m.team for m in memberships if m.is_primary), None)
    return [m.team for m in memberships], primary


@require_POST
def team_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    team = _team_or_404(actor, pk)
    access.require(actor, "manage", "user")
    form = MemberAddForm(request.POST, actor=actor, team=team, auto_id="member_%s")
    if form.is_valid():
        person = form.cleaned_data["person"]
        teams, primary = _memberships_of(person)
        if form.cleaned_data["primary"] or primary is None:
            primary = team
        try:
            services.membership_set(actor=actor, user=person, teams=[*teams, team], primary=primary)
        except ValidationError as exc:
            webforms.errors_onto(form, exc)
        else:
            messages.success(request, _("%(person)s joined %(team)s.") % {"person": person, "team": team})
            return redirect(team)
    return render(request, "org/team_detail.html", _team_context(actor, team, form), status=400)


def _member_or_404(actor: Actor, team: Team, user_pk: int) -> User:
    person = _person_or_404(actor, user_pk)
    if not Membership.objects.filter(team=team, user=person).exists():
        from django.http import Http404

        raise Http404
    return person


@require_POST
def team_member_remove(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    team = _team_or_404(actor, pk)
    person = _member_or_404(actor, team, user_pk)
    teams, primary = _memberships_of(person)
    remaining = [t for t in teams if t.pk != team.pk]
    services.membership_set(
        actor=actor,
        user=person,
        teams=remaining,
        primary=primary if primary is not None and primary.pk != team.pk else None,
    )
    messages.success(request, _("%(person)s left %(team)s.") % {"person": person, "team": team})
    return redirect(team)


@require_POST
def team_member_primary(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    team = _team_or_404(actor, pk)
    person = _member_or_404(actor, team, user_pk)
    teams, _primary = _memberships_of(person)
    services.membership_set(actor=actor, user=person, teams=teams, primary=team)
    messages.success(
        request, _("%(team)s is now the primary team of %(person)s.") % {"person": person, "team": team}
    )
    return redirect(team)


# --- Positions ------------------------------------------------------------------------------


def positions(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    return render(
        request,
        "org/positions.html",
        {
            "positions": list(selectors.position_list(actor=actor).order_by("title", "id")),
            "can_manage": access.can(actor, "manage", "position"),
        },
    )


def _position_or_404(actor: Actor, pk: int) -> Position:
    return access.get_visible_or_404(actor, "position", Position.objects.select_related("reports_to"), pk=pk)


def position_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    position = _position_or_404(actor, pk)
    holders = access.visible(
        actor,
        "user",
        User.objects.filter(position=position, is_active=True).select_related("manager"),
    ).order_by("display_name")
    can_manage = access.can(actor, "manage", "position", position)
    return render(
        request,
        "org/position_detail.html",
        {
            "position": position,
            "reports_to_linked": position.reports_to is not None
            and access.can(actor, "view", "position", position.reports_to),
            "responsibilities": _lines(position.described("responsibilities")),
            "skills": _lines(position.described("required_skills")),
            "standards": _lines(position.described("performance_standards")),
            "holders": list(holders),
            "can_manage": can_manage,
            "history": list(history.entries_for(position)[:HISTORY_LIMIT]) if can_manage else None,
            "history_object": position,
        },
    )


def _position_data(form: PositionForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


def position_create(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require(actor, "manage", "position")
    form = PositionForm(webforms.posted(request), actor=actor)
    return webforms.form_page(
        request,
        form=form,
        template="org/position_form.html",
        context={"form": form, "position": None, "writing_language": naming.language_label(_active())},
        save=lambda: services.position_create(actor=actor, data=_position_data(form)),
        success=lambda position: _("Position %(name)s was created.") % {"name": position.display_name},
    )


def _active() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).lower()


def position_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    position = _position_or_404(actor, pk)
    access.require(actor, "manage", "position", position)
    initial = PositionForm.initial_from(position)
    # The description in the language the person writes in (each language keeps its own).
    initial.update({part: position.described(part) for part in services.DESCRIPTION_PARTS})
    form = PositionForm(webforms.posted(request), actor=actor, position=position, initial=initial)
    return webforms.form_page(
        request,
        form=form,
        template="org/position_form.html",
        context={"form": form, "position": position, "writing_language": naming.language_label(_active())},
        save=lambda: services.position_update(actor=actor, position=position, data=_position_data(form)),
        success=lambda saved: _("Changes to position %(name)s were saved.") % {"name": saved.display_name},
        on_error=position.refresh_from_db,
    )


@require_POST
def position_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    position = _position_or_404(actor, pk)
    try:
        services.position_delete(actor=actor, position=position)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(position)
    messages.success(request, _("Position %(name)s was moved to the recycle bin.") % {"name": position})
    return redirect("org:positions")


# --- Roles ----------------------------------------------------------------------------------


def roles(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require(actor, "manage", "role")
    role_rows = (
        access.visible(actor, "role", Role.objects.prefetch_related("grants"))
        .annotate(holder_count=Count("users", filter=Q(users__is_active=True), distinct=True))
        .order_by("-is_builtin", "name")
    )
    return render(request, "org/roles.html", {"roles": list(role_rows)})


def _role_form_context(
    form: RoleForm, role: Role | None, grants: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    from .models import Scope

    return {"form": form, "role": role, "matrix": grant_matrix(grants), "scopes": Scope.choices}


def role_create(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require(actor, "manage", "role")
    form = RoleForm(webforms.posted(request))
    if request.method == "POST":
        grants = grants_from_post(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                role = services.role_create(
                    actor=actor,
                    code=data["code"],
                    name=data["name"],
                    description=data["description"],
                    is_admin=data["is_admin"],
                    grants=grants,
                )
            except ValidationError as exc:
                webforms.errors_onto(form, exc)
            else:
                messages.success(request, _("Role %(name)s was created.") % {"name": role})
                return redirect("org:role-edit", pk=role.pk)
        return _invalid(request, "org/role_form.html", _role_form_context(form, None, grants))
    return render(request, "org/role_form.html", _role_form_context(form, None, {}))


def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    role = access.get_visible_or_404(actor, "role", Role.objects.all(), pk=pk)
    access.require(actor, "manage", "role", role)
    initial = {"name": role.name, "description": role.description, "is_admin": role.is_admin}
    form = RoleForm(webforms.posted(request), role=role, initial=initial)
    if request.method == "POST":
        grants = grants_from_post(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.role_update(
                    actor=actor,
                    role=role,
                    name=data["name"],
                    description=data["description"],
                    is_admin=data["is_admin"],
                    grants=grants,
                )
            except ValidationError as exc:
                role.refresh_from_db()
                webforms.errors_onto(form, exc)
            else:
                messages.success(request, _("Role %(name)s was saved.") % {"name": role})
                return redirect("org:roles")
        return _invalid(request, "org/role_form.html", _role_form_context(form, role, grants))
    return render(request, "org/role_form.html", _role_form_context(form, role, current_grants(role)))


@require_POST
def role_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    role = access.get_visible_or_404(actor, "role", Role.objects.all(), pk=pk)
    try:
        services.role_delete(actor=actor, role=role)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("org:role-edit", pk=role.pk)
    messages.success(request, _("Role %(name)s was deleted.") % {"name": role})
    return redirect("org:roles")


# --- Transfers ------------------------------------------------------------------------------


def transfers(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not actor.is_admin:
        raise PermissionDenied
    queryset = PersonTransfer.objects.select_related("source", "target", "actor").order_by("-at", "-id")
    page_obj = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"transfer": t, "split": plans.describe_split(t)} for t in page_obj.object_list]
    return render(request, "org/transfers.html", {"rows": rows, "page_obj": page_obj})
