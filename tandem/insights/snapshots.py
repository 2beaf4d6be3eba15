"""The home page's dashboard, kept a few minutes per person (decision 0045).

A dashboard's figures are sums and counts over every deal and follow-up in the person's scope:
at a million deals, 50–70 ms of SQL and as much again of Python for a manager or a director, on
every visit to the home page. Like the dashboards of other CRMs, the figures are kept for a while
(``TANDEM_DASHBOARD_SECONDS``, 5 minutes) and say when they were computed, with "Refresh" to
compute them now. What is kept is the rendered HTML of the figures and of the cards other apps
add, per person, dashboard, team, language, time zone, day and access (the person's grants and
teams: a changed role or team never reads figures of the old one).

Three things are never read from a kept copy:
- the person's own changes: any write they make (``core.changes``) makes their next home page
  compute the figures afresh;
- cards that must be live (``Card.live``: the team feed and unread announcements);
- the person's day beside the dashboard (due follow-ups, tasks, notifications), which the home
  view reads on every visit.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from tandem.core import caching, changes
from tandem.core.access import Actor
from tandem.kpis import engine

from . import dashboards

VERSION = 1  # bump when what is kept changes shape
ROLE_TEMPLATES = {
    dashboards.DIRECTOR: "insights/partials/_director.html",
    dashboards.MANAGER: "insights/partials/_manager.html",
    dashboards.REP: "insights/partials/_rep.html",
}


@dataclass
class Kept:
    """A dashboard as computed at ``at`` (epoch seconds, taken before its first read)."""

    at: float
    figures: str
    cards: list[tuple[int, str]]  # (order, HTML) of the cards that may be kept


def _access(actor: Actor) -> str:
    """A short digest of what the person may see: their grants, teams and administrator flag."""
    grants = sorted((resource, sorted(actions.items())) for resource, actions in actor.grants.items())
    seen = repr((grants, sorted(actor.team_ids), actor.team_paths, actor.is_admin))
    return hashlib.sha256(seen.encode()).hexdigest()[:16]


def key(actor: Actor, role: str, team_id: int | None) -> str:
    return ":".join(
        (
            f"dashboard:v{VERSION}",
            str(actor.id),
            role,
            str(team_id or 0),
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            timezone.localdate().isoformat(),
            _access(actor),
        )
    )


def _compute(actor: Actor, role: str, team_id: int | None) -> tuple[Kept, dict[str, Any], list[Any]]:
    started = time.time()
    if role == dashboards.DIRECTOR:
        board = dashboards.director_dashboard(actor)
    elif role == dashboards.MANAGER:
        board = dashboards.manager_dashboard(actor, team_id)
    else:
        board = dashboards.rep_dashboard(actor)
    context = {"dashboard": role, "board": board, "currency": engine._company(actor).currency}
    figures = render_to_string(ROLE_TEMPLATES[role], context)
    cards: list[tuple[int, str]] = []
    shown = []
    for card in dashboards.cards_for(role, live=False):
        found = card.context(actor, board)
        if found is None:
            continue
        shown.append({"template": card.template, "card": found})
        cards.append((card.order, render_to_string(card.template, {**context, "card": found})))
    return Kept(at=started, figures=figures, cards=cards), board, shown


def home_dashboard(
    actor: Actor, asked: str | None, team_id: int | None = None, *, refresh: bool = False
) -> dict[str, Any]:
    """The home page's dashboard context: ``dashboard`` (the role shown, or None), the switch
    between roles, the figures' and cards' HTML and when they were computed (``dashboard_at``).
    ``board`` and ``board_cards`` (the data) are there only when this request computed them."""
    role, roles = dashboards.choose(actor, asked)
    context: dict[str, Any] = {
        "dashboard": role,
        "dashboard_roles": [(r, dashboards.ROLE_LABELS[r]) for r in roles],
    }
    if not role or actor.id is None:
        return context
    seconds = changes.keep_seconds()
    name = key(actor, role, team_id)
    kept: Kept | None = None
    if seconds and not refresh:
        found = caching.get_many([name, changes.key(actor.id)])
        kept = found.get(name)
        if not isinstance(kept, Kept) or kept.at <= float(found.get(changes.key(actor.id)) or 0):
            kept = None
    if kept is None:
        kept, context["board"], context["board_cards"] = _compute(actor, role, team_id)
        if seconds:
            caching.put(name, kept, seconds)
    live: list[tuple[int, str]] = []
    for card in dashboards.cards_for(role, live=True):
        found = card.context(actor, {})
        if found is not None:
            live.append((card.order, render_to_string(card.template, {"dashboard": role, "card": found})))
    ordered = sorted(kept.cards + live, key=lambda item: item[0])
    context["dashboard_figures"] = mark_safe(kept.figures)  # noqa: S308 — rendered by our templates
    context["dashboard_cards"] = [SafeString(html) for _, html in ordered]
    context["dashboard_at"] = datetime.datetime.fromtimestamp(kept.at, tz=datetime.UTC)
    context["dashboard_minutes"] = max(1, round(seconds / 60)) if seconds else 0
    return context
