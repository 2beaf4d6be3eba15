"""@mentions in a comment's plain text, and the text rendered safely.

Syntax (decision 0036): a person is ``@username`` (what the picker inserts); a team is
``@[Team name]`` — brackets, because team names hold spaces and Chinese (``@[华东销售部]``).
Anything else is text. Rendering escapes everything and only then turns the mentions that
resolved into links, so a comment can never inject HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe

PERSON = re.compile(r"(?<![\w@])@([\w+-]+(?:\.[\w+-]+)*)")
TEAM = re.compile(r"(?<![\w@])@\[([^\[\]\n]{1,120})\]")
TOKEN = re.compile(rf"{TEAM.pattern}|{PERSON.pattern}")
MAX_MENTIONS = 20


@dataclass
class Parsed:
    usernames: list[str] = field(default_factory=list)
    team_names: list[str] = field(default_factory=list)


def parse(body: str) -> Parsed:
    """The usernames and team names a text mentions, each once, in order, at most 20 in all."""
    found = Parsed()
    for match in TOKEN.finditer(body or ""):
        team, username = match.group(1), match.group(2)
        if team is not None:
            name = team.strip()
            if name and name not in found.team_names:
                found.team_names.append(name)
        elif username and username.lower() not in (u.lower() for u in found.usernames):
            found.usernames.append(username)
        if len(found.usernames) + len(found.team_names) >= MAX_MENTIONS:
            break
    return found


def render(body: str, people: Iterable[Any] = (), teams: Iterable[Any] = ()) -> SafeString:
    """``body`` as HTML: escaped, line breaks kept, mentions of ``people`` and ``teams`` as links."""
    by_username = {p.username.lower(): p for p in people}
    by_team = {t.name: t for t in teams}
    out: list[str] = []
    last = 0
    text = body or ""
    for match in TOKEN.finditer(text):
        out.append(escape(text[last : match.start()]))
        team, username = match.group(1), match.group(2)
        target = by_team.get(team.strip()) if team is not None else by_username.get(username.lower())
        if target is None:
            out.append(escape(match.group(0)))
        elif team is not None:
            url = reverse("org:team-detail", args=[target.pk])
            out.append(format_html('<a href="{}" class="mention mention-team">@{}</a>', url, target.name))
        else:
            url = reverse("org:person-detail", args=[target.pk])
            out.append(
                format_html(
                    '<a href="{}" class="mention" title="@{}">@{}</a>', url, target.username, str(target)
                )
            )
        last = match.end()
    out.append(escape(text[last:]))
    # linebreaks(autoescape=False) on already-escaped text: paragraphs and <br>, nothing else.
    return mark_safe(linebreaks(mark_safe("".join(out))))  # noqa: S308 - every piece is escaped above
