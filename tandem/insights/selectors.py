"""Reads of the insights app: a caller's scope from request parameters, the rules with counts,
one rule's flagged records. Everything goes through ``rules`` (so through ``access.visible``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from tandem.core import access
from tandem.core.access import Actor
from tandem.kpis.engine import Scope

from . import rules


def scope_from(actor: Actor, params: Any) -> tuple[Scope, dict[str, Any]]:
    """``team`` (a team the caller may see, with its subtree) and ``owner`` (a person they may see)
    from query parameters; a malformed id is a ValidationError, an unseen one 404."""
    from tandem.org.models import Team, User

    errors: dict[str, list[str]] = {}
    values: dict[str, int | None] = {"team": None, "owner": None}
    for name in values:
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        try:
            values[name] = int(raw)
            if values[name] <= 0:  # type: ignore[operator]
                raise ValueError
        except ValueError:
            errors[name] = [_("Enter a whole number.")]
    if errors:
        raise ValidationError(errors)
    described: dict[str, Any] = {}
    if values["team"] is not None:
        described["team"] = access.get_visible_or_404(actor, "team", Team.objects.all(), pk=values["team"])
    if values["owner"] is not None:
        described["owner"] = access.get_visible_or_404(actor, "user", User.objects.all(), pk=values["owner"])
    return Scope(team_id=values["team"], owner_id=values["owner"]), described


def rule_or_404(actor: Actor, code: str) -> rules.Rule:
    rule = rules.RULES.get(code)
    if rule is None or not rule.applies(actor):
        raise Http404
    return rule


def insight_summary(*, actor: Actor, scope: Scope) -> list[tuple[rules.Rule, rules.RuleResult]]:
    return rules.summary(actor=actor, scope=scope)


def insight_records(
    *, actor: Actor, code: str, scope: Scope, limit: int = rules.PAGE_LIMIT, cursor: str | None = None
) -> tuple[rules.Rule, rules.RuleResult]:
    rule = rule_or_404(actor, code)
    try:
        result = rules.evaluate(actor=actor, rule=rule, scope=scope, limit=limit, cursor=cursor)
    except rules.BadCursor as exc:
        raise ValidationError({"cursor": [_("This cursor is not one this list gave out.")]}) from exc
    return rule, result
