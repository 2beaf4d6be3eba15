"""Writes for sign-in and security: API tokens and signing in through the API.

Every function is keyword-only and atomic. Bad input raises ``ValidationError`` with field
messages (400 in the API, inline errors in the forms).
"""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import history
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.core.naming import Said

from .lockout import lockout_message
from .models import TOKEN_PREFIX_LENGTH, ApiToken, hash_key, new_key

TOKEN_NAME_MAX_LENGTH = 100
# A person rarely needs more than a handful of tokens; the cap stops a looping script filling the table.
MAX_ACTIVE_TOKENS = 100


class SignInLocked(Exception):
    """Too many failed sign-ins for this person or address (django-axes said so)."""

    def __init__(self) -> None:
        super().__init__(lockout_message())
        self.message = lockout_message()


@transaction.atomic
def token_create(*, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """Create an API token for the actor. Returns the token and its key: the key is shown once.

    Only a SHA-256 hash of the key is stored; the first characters (``prefix``) help a person
    recognise the token in the list.
    """
    user = actor.user
    if user is None:
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("This field is required.")]})
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        raise ValidationError({"name": [_("At most %(n)d characters.") % {"n": TOKEN_NAME_MAX_LENGTH}]})
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            {
                "name": [
                    _("You already have %(n)d active tokens. Revoke the ones you no longer use first.")
                    % {"n": MAX_ACTIVE_TOKENS}
                ]
            }
        )
    key = new_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:TOKEN_PREFIX_LENGTH], key_hash=hash_key(key)
    )
    # Record by hand: the key's hash has no place in history.
    history.record(
        actor=user,
        obj=token,
        action=HistoryAction.CREATE,
        changes={"name": [None, token.name], "prefix": [None, token.prefix]},
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; it stops working at once. Revoking twice is harmless."""
    if actor.id is None or token.user_id != actor.id:
        raise PermissionDenied
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    history.record(
        actor=actor.user,
        obj=token,
        action=HistoryAction.UPDATE,
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
        message=Said(gettext_noop("API token revoked")),
    )
    return token


def api_login(*, request: HttpRequest, username: str, password: str) -> tuple[ApiToken, str]:
    """Check a username and password and issue a new token named "API login <date>".

    ``authenticate`` gets the request so django-axes counts failures per person and per address.
    Raises ``SignInLocked`` while locked out, ``ValidationError`` for wrong credentials (the same
    message whether the person exists, is deactivated or typed a wrong password).
    """
    user = authenticate(request=request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        raise SignInLocked
    if user is None:
        raise ValidationError(
            _("Please enter a correct username and password. Note that both fields may be case-sensitive.")
        )
    # A successful API sign-in is a sign-in: last_login is updated and axes resets the failures.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    today = date_format(timezone.localdate(), "Y-m-d")
    return token_create(actor=Actor.for_user(user), name=_("API login %(date)s") % {"date": today})
