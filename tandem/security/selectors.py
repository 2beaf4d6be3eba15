"""Reads of sign-in data: a person's own API tokens.

API tokens are personal credentials, not business records: nobody else sees them, whatever their
data scope (an administrator included). They are therefore not an access-policy resource; every
read here starts from the signed-in actor's own tokens, and another person's token answers
exactly like a missing one (404).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from tandem.core.access import Actor

from .models import ApiToken


def token_list(*, actor: Actor) -> QuerySet[ApiToken]:
    """The actor's active tokens, newest first (revoked tokens are kept for history, not listed)."""
    if actor.id is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=actor.id, revoked_at__isnull=True).order_by("-created_at", "-id")


def token_get_own_or_404(*, actor: Actor, pk: int | str | None) -> ApiToken:
    """One of the actor's active tokens; another person's, a revoked or a missing one is a 404."""
    if pk is None:
        raise Http404
    try:
        return token_list(actor=actor).get(pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
