"""Writes of comments, mentions, announcements and the team feed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import access, events, history, notify
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.core.naming import Said
from tandem.org.models import Team, User

from . import mentions, policies, teamlink
from .models import Announcement, AnnouncementRead, AnnouncementTeam, Comment, FeedItem, FeedReaction, Mention
from .registry import Commentable, get_record_or_404, kind_for_model

BODY_MAX = 10_000
ANNOUNCEMENT_PUBLISHED = "announcement.published"
TEAM_MENTION_MAX_MEMBERS = 200


def edit_window() -> datetime.timedelta:
    """How long an author may edit a comment: ``TANDEM_COMMENT_EDIT_MINUTES`` (15 by default)."""
    return datetime.timedelta(minutes=int(getattr(settings, "TANDEM_COMMENT_EDIT_MINUTES", 15)))


@dataclass
class Posted:
    """A comment written, with who was told and who cannot see the record (and was not told)."""

    comment: Comment
    mentioned: list[User] = field(default_factory=list)
    not_visible: list[User] = field(default_factory=list)


def _clean_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": [_("Write something first.")]}, code="required")
    if len(text) > BODY_MAX:
        raise ValidationError(
            {"body": [_("A comment holds at most %(n)d characters.") % {"n": BODY_MAX}]}, code="max_length"
        )
    return text


def _mentioned_people(parsed: mentions.Parsed) -> list[tuple[User, Team | None]]:
    people: dict[int, tuple[User, Team | None]] = {}
    if parsed.usernames:
        for user in User.objects.filter(username__in=parsed.usernames, is_active=True):
            people[user.pk] = (user, None)
    if parsed.team_names:
        for team in Team.objects.filter(name__in=parsed.team_names):
            members = User.objects.filter(memberships__team=team, is_active=True).order_by("pk")
            for user in members[:TEAM_MENTION_MAX_MEMBERS]:
                people.setdefault(user.pk, (user, team))
    return list(people.values())


def _resolve_mentions(
    *, actor: Actor, kind: Commentable, record: Any, comment: Comment, posted: Posted
) -> None:
    """Mention the people the text names who are not mentioned yet: tell those who can see the
    record; keep the others unresolved, untold (telling them would leak the record)."""
    already = set(Mention.objects.filter(comment=comment).values_list("user_id", flat=True))
    rows = []
    for user, team in _mentioned_people(mentions.parse(comment.body)):
        if user.pk == actor.id or user.pk in already:
            continue
        if kind.can_view(Actor.for_user(user), record):
            rows.append(Mention(comment=comment, user=user, team=team, status=Mention.Status.NOTIFIED))
            posted.mentioned.append(user)
            _notify_mention(actor=actor, kind=kind, record=record, comment=comment, user=user)
        else:
            rows.append(Mention(comment=comment, user=user, team=team, status=Mention.Status.NOT_VISIBLE))
            posted.not_visible.append(user)
    Mention.objects.bulk_create(rows)


def comment_url(kind: Commentable, record: Any, comment: Comment) -> str:
    return f"{kind.url_of(record)}#comment-{comment.pk}"


def _notify_mention(*, actor: Actor, kind: Commentable, record: Any, comment: Comment, user: User) -> None:
    who, name, excerpt = str(actor.user), str(record), comment.body[:300]
    resource = kind.resource
    notify.notify(
        recipient=user,
        kind="mention",
        title=lambda: (
            _("%(who)s mentioned you on the %(noun)s “%(name)s”")
            % {"who": who, "noun": notify.noun(resource), "name": name}
        ),
        body=excerpt,
        url=comment_url(kind, record, comment),
    )


@transaction.atomic
def comment_create(*, actor: Actor, resource: str, record_id: Any, body: str) -> Posted:
    """Comment on a record the actor may see (anyone who may see it may comment)."""
    kind, record = get_record_or_404(actor, resource, record_id)
    text = _clean_body(body)
    assert actor.user is not None  # a record was visible: the actor is a person
    comment = Comment.objects.create(
        content_type=ContentType.objects.get_for_model(kind.model),
        object_id=record.pk,
        author=actor.user,
        body=text,
    )
    history.record_create(actor=actor.user, obj=comment)
    posted = Posted(comment=comment)
    _resolve_mentions(actor=actor, kind=kind, record=record, comment=comment, posted=posted)
    _notify_thread(actor=actor, kind=kind, record=record, comment=comment, posted=posted)
    return posted


REPLY_RECIPIENTS_MAX = 20


def _notify_thread(*, actor: Actor, kind: Commentable, record: Any, comment: Comment, posted: Posted) -> None:
    """Tell the people who commented on the record before (at most 20, not those just
    mentioned, only those who may still see it) that the conversation went on."""
    told = {u.pk for u in posted.mentioned} | {u.pk for u in posted.not_visible} | {actor.id}
    earlier = (
        Comment.objects.filter(
            content_type_id=comment.content_type_id, object_id=comment.object_id, deleted_at__isnull=True
        )
        .exclude(pk=comment.pk)
        .exclude(author_id__in=[pk for pk in told if pk is not None])
        .values_list("author_id", flat=True)
        .distinct()
    )
    people = User.objects.filter(pk__in=list(earlier[:REPLY_RECIPIENTS_MAX]), is_active=True)
    who, name, excerpt, resource = str(actor.user), str(record), comment.body[:300], kind.resource
    for person in people:
        if not kind.can_view(Actor.for_user(person), record):
            continue
        notify.notify(
            recipient=person,
            kind="comment.reply",
            title=lambda: (
                _("%(who)s replied on the %(noun)s “%(name)s”")
                % {"who": who, "noun": notify.noun(resource), "name": name}
            ),
            body=excerpt,
            url=comment_url(kind, record, comment),
        )


def _record_of(actor: Actor, comment: Comment) -> tuple[Commentable, Any]:
    """The comment's record, if the actor may see it (else 404, as if the comment did not exist)."""
    model = comment.content_type.model_class()
    kind = kind_for_model(model) if model is not None else None
    if kind is None:
        raise ValidationError({"record": [_("Comments on this kind of record are closed.")]})
    return get_record_or_404(actor, kind.resource, comment.object_id)


@transaction.atomic
def comment_edit(*, actor: Actor, comment: Comment, body: str) -> Posted:
    """The author changes their comment within the edit window; new mentions are told."""
    kind, record = _record_of(actor, comment)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.deleted_at is not None:
        raise ValidationError({"body": [_("This comment was deleted.")]}, code="deleted")
    if comment.author_id != actor.id:
        raise PermissionDenied(_("Only the author may edit a comment."))
    if timezone.now() - comment.created_at > edit_window():
        minutes = int(edit_window().total_seconds() // 60)
        raise ValidationError(
            {"body": [_("A comment can be edited for %(n)d minutes after it is written.") % {"n": minutes}]},
            code="too_late",
        )
    before = history.snapshot(comment)
    comment.body = _clean_body(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    history.record_update(actor=actor.user, obj=comment, before=before)
    posted = Posted(comment=comment)
    _resolve_mentions(actor=actor, kind=kind, record=record, comment=comment, posted=posted)
    return posted


@transaction.atomic
def comment_delete(*, actor: Actor, comment: Comment) -> Comment:
    """The author or an administrator deletes a comment: its text goes, a trace stays
    ("deleted by X at T") and the record's history says so."""
    _kind, record = _record_of(actor, comment)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.deleted_at is not None:
        return comment
    if comment.author_id != actor.id and not actor.is_admin:
        raise PermissionDenied(_("Only the author or an administrator may delete a comment."))
    author = comment.author
    comment.body = ""
    comment.deleted_at = timezone.now()
    comment.deleted_by = actor.user
    comment.save(update_fields=["body", "deleted_at", "deleted_by"])
    comment.mentions.all().delete()
    message = Said(gettext_noop("Deleted a comment by %(author)s"), author=str(author))
    history.record(actor=actor.user, obj=comment, action=HistoryAction.EVENT, message=message)
    history.record(actor=actor.user, obj=record, action=HistoryAction.EVENT, message=message)
    return comment


@transaction.atomic
def mention_add_to_team(*, actor: Actor, comment: Comment, user_id: int) -> list[Mention]:
    """Add a person mentioned on a record they cannot see to its record team (read access), which
    only someone who may edit the record may do; then tell them about their mentions there."""
    kind, record = _record_of(actor, comment)
    pending = list(
        Mention.objects.filter(
            comment__content_type=comment.content_type,
            comment__object_id=comment.object_id,
            comment__deleted_at__isnull=True,
            user_id=user_id,
            status=Mention.Status.NOT_VISIBLE,
        ).select_related("user", "comment")
    )
    if not pending:
        raise ValidationError({"user": [_("This person is not waiting to be added.")]}, code="invalid")
    if not kind.can_edit(actor, record):
        raise PermissionDenied(_("Only someone who may edit the record may add people to its team."))
    if not kind.team_enabled:
        raise ValidationError({"user": [_("This kind of record has no record team.")]}, code="no_team")
    user = pending[0].user
    teamlink.add_reader(actor=actor, record=record, user=user)
    Mention.objects.filter(pk__in=[m.pk for m in pending]).update(status=Mention.Status.ADDED)
    history.record(
        actor=actor.user,
        obj=record,
        action=HistoryAction.EVENT,
        message=Said(gettext_noop("Added %(who)s to the record team after a mention"), who=str(user)),
    )
    _notify_mention(actor=actor, kind=kind, record=record, comment=pending[-1].comment, user=user)
    return pending


# --- Announcements (公告) ---------------------------------------------------------------------


@transaction.atomic
def announcement_publish(
    *,
    actor: Actor,
    title: str,
    body: str = "",
    team_ids: list[int] | None = None,
    everyone: bool = False,
    pinned_until: datetime.datetime | None = None,
) -> Announcement:
    """A manager tells their teams (and the teams below), a director or an administrator the
    whole company. Shown at once; the teams' feeds get an item."""
    access.require(actor, "create", "announcement")
    assert actor.user is not None
    errors: dict[str, list[str]] = {}
    text = (title or "").strip()
    if not text:
        errors["title"] = [_("Give the announcement a title.")]
    elif len(text) > 200:
        errors["title"] = [_("At most 200 characters.")]
    wanted = sorted(set(team_ids or []))
    teams = list(Team.objects.filter(pk__in=wanted)) if wanted else []
    if len(teams) != len(wanted):
        errors["teams"] = [_("Select a valid choice.")]
    elif not everyone and not teams:
        errors["teams"] = [_("Choose the teams to tell, or the whole company.")]
    elif not policies.may_address(actor, everyone=everyone, team_ids=wanted):
        if everyone:
            errors["everyone"] = [_("Only directors and administrators may tell the whole company.")]
        else:
            errors["teams"] = [_("You may only tell your own teams and the teams below them.")]
    if pinned_until is not None and pinned_until <= timezone.now():
        errors["pinned_until"] = [_("Pin until a time in the future.")]
    if errors:
        raise ValidationError(errors)
    announcement = Announcement.objects.create(
        author=actor.user,
        title=text,
        body=(body or "").strip()[:BODY_MAX],
        everyone=everyone,
        pinned_until=pinned_until,
    )
    AnnouncementTeam.objects.bulk_create(
        [AnnouncementTeam(announcement=announcement, team=team) for team in teams]
    )
    AnnouncementRead.objects.create(announcement=announcement, user=actor.user)
    history.record_create(actor=actor.user, obj=announcement)
    events.emit(
        ANNOUNCEMENT_PUBLISHED,
        record=announcement,
        actor=actor.user,
        title=announcement.title,
        teams=[t.pk for t in teams],
        everyone=everyone,
    )
    return announcement


@transaction.atomic
def announcement_mark_read(*, actor: Actor, announcement: Announcement) -> AnnouncementRead:
    """A read receipt (one per person); reading again keeps the first time."""
    access.require(actor, "view", "announcement", announcement)
    receipt, _created = AnnouncementRead.objects.get_or_create(announcement=announcement, user=actor.user)
    return receipt


@transaction.atomic
def announcement_delete(*, actor: Actor, announcement: Announcement) -> None:
    """The author (or someone who may delete announcements to its teams) takes it down."""
    if announcement.author_id != actor.id:
        access.require(actor, "delete", "announcement", announcement)
        wanted = list(announcement.audience.values_list("team_id", flat=True))
        if not policies.may_address(actor, everyone=announcement.everyone, team_ids=wanted):
            raise PermissionDenied
    history.record(
        actor=actor.user,
        obj=announcement,
        action=HistoryAction.EVENT,
        message=Said(gettext_noop("Deleted the announcement “%(title)s”"), title=announcement.title),
    )
    FeedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Announcement), object_id=announcement.pk
    ).delete()
    announcement.delete()


# --- The team feed ---------------------------------------------------------------------------


@transaction.atomic
def feed_react(*, actor: Actor, item: FeedItem, emoji: str) -> bool:
    """Toggle the actor's ``emoji`` on a feed item they can read; True when it is now on."""
    if emoji not in FeedReaction.Emoji.values:
        raise ValidationError({"emoji": [_("Choose one of the reactions offered.")]}, code="invalid_choice")
    assert actor.user is not None
    deleted, _rows = FeedReaction.objects.filter(item=item, user=actor.user, emoji=emoji).delete()
    if deleted:
        return False
    FeedReaction.objects.create(item=item, user=actor.user, emoji=emoji)
    return True
