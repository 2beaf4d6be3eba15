"""Who sees which work reports.

The author always (drafts are theirs alone). A submitted report: its recipients, the members of
its recipient teams, and people whose role scope on "report" covers the author's team (a manager
reads the reports of the teams below them; a director all). Open to parties: someone whose roles
give no "report" grant still reads the reports sent to them.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from tandem.core import access
from tandem.core.access import ALL, OWN, TEAM, Actor


def report_scope(actor: Actor, scope: str) -> Q:
    from .models import Report, ReportStatus

    if actor.id is None:
        return Q(pk__in=[])
    submitted = Q(status=ReportStatus.SUBMITTED)
    if scope == ALL:
        return Q(author_id=actor.id) | submitted
    to_me = Report.recipients.through.objects.filter(report_id=OuterRef("pk"), user_id=actor.id)
    shared = Q(Exists(to_me))
    if actor.team_ids:
        to_team = Report.recipient_teams.through.objects.filter(
            report_id=OuterRef("pk"), team_id__in=sorted(actor.team_ids)
        )
        shared |= Q(Exists(to_team))
    if scope != OWN:
        team_ids = actor.team_ids if scope == TEAM else actor.subtree_team_ids
        if team_ids:
            shared |= Q(team_id__in=sorted(team_ids))
    return Q(author_id=actor.id) | (submitted & shared)


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    access.register_resource(
        access.Resource(
            "report",
            _("work reports"),
            owner_field=None,
            team_field=None,
            scope_q=report_scope,
            open_to_parties=True,
        )
    )
