"""Who sees which check-ins: the person who made it always; others by their role's scope on
"checkin" over the check-in's team (the person's primary team when they checked in), so a
manager sees the visits of the teams below them and a director all."""

from __future__ import annotations

from tandem.core import access


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    access.register_resource(
        access.Resource("checkin", _("field visits"), owner_field="user", team_field="team")
    )
