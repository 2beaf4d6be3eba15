"""Global search page (/search/?q=) and the JSON behind the command palette (Ctrl/Cmd+K) and the
record picker of the quick follow-up dialog."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from tandem.core import access
from tandem.core.access import Actor

from .selectors import KINDS, MAX_QUERY, global_search

PALETTE_PER_KIND = 5


def _actions(actor: Actor) -> list[dict[str, str]]:
    """What the palette offers besides records: create and go-to actions the person may use."""
    candidates: list[tuple[str, str, str, str | None, str]] = [
        # (title, url name, icon, resource or None, action)
        (_("New follow-up"), "activities:activity-list", "bi-chat-left-text", "activity", "create"),
        (_("New lead"), "leads:lead-create", "bi-funnel", "lead", "create"),
        (_("New account"), "customers:account-create", "bi-building-add", "account", "create"),
        (_("New deal"), "deals:deal-create", "bi-briefcase", "deal", "create"),
        (_("Go to board"), "deals:board", "bi-kanban", "deal", "view"),
        (_("Go to deals"), "deals:deal-list", "bi-briefcase", "deal", "view"),
        (_("Go to leads"), "leads:lead-list", "bi-funnel", "lead", "view"),
        (_("Go to accounts"), "customers:account-list", "bi-building", "account", "view"),
        (_("Go to contacts"), "customers:contact-list", "bi-person-lines-fill", "contact", "view"),
        (_("Go to public pools"), "customers:pool-list", "bi-water", "account", "view"),
        (_("Go to follow-ups"), "activities:activity-list", "bi-chat-left-text", "activity", "view"),
        (_("Go to notifications"), "core:notifications", "bi-bell", None, "view"),
        (_("Go to home"), "core:home", "bi-house", None, "view"),
    ]
    actions = []
    for title, url_name, icon, resource, action in candidates:
        if resource is not None and not actor.has(resource, action):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        entry = {"title": title, "url": url, "icon": icon}
        if title == _("New follow-up"):
            entry["command"] = "quick-followup"
        actions.append(entry)
    return actions


def search_page(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    q = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    groups = global_search(actor=actor, q=q)
    return render(
        request,
        "search/search.html",
        {"q": q, "groups": groups, "total": sum(len(g.results) for g in groups)},
    )


def palette(request: HttpRequest) -> JsonResponse:
    """``{"results": [...], "actions": [...]}``: records (top 5 per kind) and matching actions.

    ``?kinds=account,lead`` limits the records (the quick follow-up's record picker);
    ``?actions=0`` leaves actions out.
    """
    actor = access.get_actor(request)
    q = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    wanted = [k for k in (request.GET.get("kinds") or "").split(",") if k in {kind.key for kind in KINDS}]
    groups = global_search(actor=actor, q=q, kinds=wanted or None, per_kind=PALETTE_PER_KIND)
    results: list[dict[str, Any]] = []
    for group in groups:
        for row in group.results:
            results.append({**row, "kind_label": str(group.label)})
    actions: list[dict[str, str]] = []
    if request.GET.get("actions") != "0":
        needle = q.lower()
        actions = [a for a in _actions(actor) if not needle or needle in a["title"].lower()]
    return JsonResponse({"q": q, "results": results, "actions": actions})
