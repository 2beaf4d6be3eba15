"""Shared by ``tandem import`` and ``tandem export``."""

from __future__ import annotations

from django.core.management.base import CommandError

from tandem.org.models import User


def command_user(username: str | None) -> User:
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active person with the username {username!r}.")
        return user
    admins = list(User.objects.filter(is_superuser=True, is_active=True)[:2])
    if len(admins) != 1:
        raise CommandError("Say who imports with --user USERNAME (their grants and scope apply).")
    return admins[0]
