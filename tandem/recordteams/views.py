"""Web pages of record teams: the "Record team" card on account and deal pages (htmx), the
administrators' member roles, and each person's default team. Views parse, call one service or
selector, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import access, choices, webforms
from tandem.core.access import Actor
from tandem.core.templatetags.tandem import PEOPLE_OPTION_FIELDS
from tandem.org.models import User

from . import selectors, services
from .forms import DefaultMemberForm, MemberChangeForm, MemberForm, MemberRoleForm
from .models import Access, DefaultTeamMember, MemberRole

PEOPLE_OPTIONS = 50
MAX_ID = 2**63  # ids beyond a 64-bit integer: no such record (not an overflow)


def _models() -> dict[str, type[Model]]:
    from tandem.customers.models import Account
    from tandem.deals.models import Deal

    return {"account": Account, "deal": Deal}


def record_or_404(actor: Actor, kind: str, pk: int) -> Model:
    model = _models().get(kind)
    if model is None or not 0 < pk < MAX_ID:
        raise Http404
    return access.get_visible_or_404(actor, kind, model._default_manager.all(), pk=pk)


def people_for(actor: Actor, q: str = "") -> QuerySet[User]:
    """Active people the actor can see, matching ``q``: a page of them for a picker."""
    people = access.visible(actor, "user", User.objects.filter(is_active=True))
    if q:
        people = people.filter(Q(display_name__icontains=q) | Q(username__icontains=q))
    return people.only("id", "display_name", "username", "is_active").order_by("display_name", "id")


def card_context(actor: Actor, record: Model, kind: str, **extra: Any) -> dict[str, Any]:
    members = list(selectors.members_of(record))
    reach = services.may_keep(actor, record)
    roles = selectors.roles_for(actor)
    add_form = extra.pop("add_form", None) or MemberForm(
        initial={"access": Access.READ, "role": selectors.offered_first(roles)}
    )
    choices.prime(add_form.fields["role"], roles)
    context: dict[str, Any] = {
        "record": record,
        "kind": kind,
        "members": members,
        "reach": reach,
        "roles": roles,
        "access_choices": Access.choices,
        "people": list(people_for(actor).values_list(*PEOPLE_OPTION_FIELDS)[:PEOPLE_OPTIONS])
        if reach
        else [],
        "add_form": add_form,
        "errors": extra.pop("errors", []),
    }
    context.update(extra)
    return context


def _toast(response: HttpResponse, text: str) -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"tandem:toast": {"value": text, "level": "success"}})
    return response


def _answer(
    request: HttpRequest,
    actor: Actor,
    record: Model,
    kind: str,
    *,
    ok: str = "",
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """htmx gets the card again (400 with the errors inline); a plain form post goes back to the
    record's page, or gets the card as a page of its own when something was wrong."""
    if webforms.is_htmx(request) or status != 200:
        response = render(
            request,
            "recordteams/partials/_team_card.html",
            card_context(actor, record, kind, **extra),
            status=status,
        )
        return _toast(response, ok) if ok and status == 200 else response
    if ok:
        messages.success(request, ok)
    return redirect(record.get_absolute_url())  # type: ignore[attr-defined]


def team_card(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    record = record_or_404(actor, kind, pk)
    return render(request, "recordteams/partials/_team_card.html", card_context(actor, record, kind))


def people_options(request: HttpRequest) -> HttpResponse:
    """<option>s of the person picker: active people the requester sees, matching ``q``."""
    actor = access.get_actor(request)
    if not actor.has("user", "view"):
        raise Http404
    q = (request.GET.get("q") or "").strip()[:100]
    return render(
        request,
        "recordteams/partials/_people_options.html",
        {"people": list(people_for(actor, q).values_list(*PEOPLE_OPTION_FIELDS)[:PEOPLE_OPTIONS])},
    )


def _person(actor: Actor, user_id: Any) -> User | None:
    return people_for(actor).filter(pk=user_id).first() if user_id else None


@require_POST
def member_add(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    record = record_or_404(actor, kind, pk)
    form = MemberForm(request.POST)
    if not form.is_valid():
        return _answer(request, actor, record, kind, status=400, add_form=form)
    try:
        member = services.member_add(
            actor=actor,
            record=record,
            user=_person(actor, form.cleaned_data["user"]),
            role=form.cleaned_data["role"],
            access=form.cleaned_data["access"],
            until=form.cleaned_data["until"],
        )
    except ValidationError as exc:
        webforms.errors_onto(form, exc)
        return _answer(request, actor, record, kind, status=400, add_form=form)
    return _answer(request, actor, record, kind, ok=_("%(name)s joined the team.") % {"name": member.user})


def _member_or_404(record: Model, user_id: int) -> Any:
    member = selectors.member_of_user(record, user_id)
    if member is None:
        raise Http404
    return member


@require_POST
def member_change(request: HttpRequest, kind: str, pk: int, user_id: int) -> HttpResponse:
    actor = access.get_actor(request)
    record = record_or_404(actor, kind, pk)
    member = _member_or_404(record, user_id)
    form = MemberChangeForm(request.POST)
    if not form.is_valid():
        errors = [m for errs in form.errors.values() for m in errs]
        return _answer(request, actor, record, kind, status=400, errors=errors)
    try:
        services.member_update(
            actor=actor,
            member=member,
            role=form.cleaned_data["role"],
            access=form.cleaned_data["access"],
            until=form.cleaned_data["until"],
        )
    except ValidationError as exc:
        return _answer(request, actor, record, kind, status=400, errors=exc.messages)
    return _answer(
        request,
        actor,
        record,
        kind,
        ok=_("%(name)s's place on the team was changed.") % {"name": member.user},
    )


@require_POST
def member_remove(request: HttpRequest, kind: str, pk: int, user_id: int) -> HttpResponse:
    actor = access.get_actor(request)
    record = record_or_404(actor, kind, pk)
    member = _member_or_404(record, user_id)
    name = str(member.user)
    services.member_remove(actor=actor, member=member)
    if member.user_id == actor.id and not access.can(access.Actor.for_user(actor.user), "view", kind, record):
        messages.success(request, _("You left the team."))
        response = HttpResponse(status=204)
        response["HX-Redirect"] = "/"
        return response if webforms.is_htmx(request) else redirect("/")
    return _answer(request, actor, record, kind, ok=_("%(name)s left the team.") % {"name": name})


# --- Member roles (administrators) ---------------------------------------------------------


def role_list(request: HttpRequest) -> HttpResponse:
    access.require_admin(access.get_actor(request))
    return render(request, "recordteams/role_list.html", {"roles": list(selectors.roles())})


def _role_or_404(pk: int) -> MemberRole:
    role = MemberRole.objects.filter(pk=pk).first()
    if role is None:
        raise Http404
    return role


def _role_form(request: HttpRequest, role: MemberRole | None) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    initial: dict[str, Any] = {"order": 100}
    if role is not None:
        initial = MemberRoleForm.initial_from(role)
    form = MemberRoleForm(webforms.posted(request), initial=initial)
    if role is not None and role.is_builtin:
        form.fields["code"].disabled = True
    return webforms.form_page(
        request,
        form=form,
        template="recordteams/role_form.html",
        context={"form": form, "role": role},
        on_error=role.refresh_from_db if role is not None else None,
        save=lambda: services.role_save(actor=actor, role=role, data=dict(form.cleaned_data)),
        success=lambda saved: _("Member role %(name)s was saved.") % {"name": saved.display_name},
        done="recordteams:role-list",
    )


def role_create(request: HttpRequest) -> HttpResponse:
    return _role_form(request, None)


def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_admin(access.get_actor(request))
    return _role_form(request, _role_or_404(pk))


@require_POST
def role_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    role = _role_or_404(pk)
    try:
        services.role_delete(actor=actor, role=role)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Member role %(name)s was deleted.") % {"name": role.display_name})
    return redirect("recordteams:role-list")


# --- My default team -----------------------------------------------------------------------


def default_team(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if actor.user is None:
        raise PermissionDenied
    roles = list(selectors.roles())
    form = DefaultMemberForm(
        webforms.posted(request), initial={"access": Access.READ, "role": selectors.offered_first(roles)}
    )
    choices.prime(form.fields["role"], roles)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                member = services.default_team_add(
                    actor=actor,
                    user=_person(actor, form.cleaned_data["user"]),
                    role=form.cleaned_data["role"],
                    access=form.cleaned_data["access"],
                )
            except ValidationError as exc:
                webforms.errors_onto(form, exc)
            else:
                messages.success(
                    request, _("%(name)s joins your new deals from now on.") % {"name": member.user}
                )
                return redirect("recordteams:default-team")
        status = 400
    context = {
        "members": list(selectors.default_team_of(actor.user)),
        "form": form,
        "people": list(people_for(actor).values_list(*PEOPLE_OPTION_FIELDS)[:PEOPLE_OPTIONS]),
        "roles": roles,
    }
    return render(request, "recordteams/default_team.html", context, status=status)


@require_POST
def default_team_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    member = DefaultTeamMember.objects.filter(pk=pk, owner_id=actor.id).select_related("user").first()
    if member is None:
        raise Http404
    services.default_team_remove(actor=actor, member=member)
    messages.success(request, _("%(name)s no longer joins your new deals.") % {"name": member.user})
    return redirect("recordteams:default-team")
