"""``{% comment_html comment %}``: a comment's text, escaped, with its mentions as links."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from ..mentions import render
from ..models import Comment

register = template.Library()


@register.simple_tag
def comment_html(comment: Comment) -> SafeString:
    mentions = list(comment.mentions.all())  # prefetched with their people and teams
    people = [m.user for m in mentions]
    teams = {m.team.pk: m.team for m in mentions if m.team is not None}
    return render(comment.body, people, teams.values())
