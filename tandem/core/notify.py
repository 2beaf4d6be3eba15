"""In-app notifications, each read in its reader's language.

Notifications are written inside the caller's transaction, so a rolled-back change notifies
nobody. ``notify`` renders the title and body with the recipient's language active: give them as
a ``Said``, a lazy string or a function returning the text (``lambda: _("…") % {…}``), and each
person reads them in their own language, whoever triggered them and in whatever language. The
text is written in every interface language (``Notification.texts``), so a person who switches
language reads their earlier notifications in the new one too.

Changes of owner go through ``owner_changed``: the new owner and the previous one are told (never
the person who made the change). Inside ``batched()`` — bulk actions — the changes are gathered
and each person gets one summary ("Mia Manager gave you 12 deals") instead of one per record.
Record kinds (the noun and the counted noun of each resource) are registered by the apps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import Notification
from .naming import Said

Text = str | Said | Promise | Callable[[], str]
NAMES_IN_A_SUMMARY = 10


def language_of(user: Any) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def render(text: Text) -> str:
    """``text`` in the active language."""
    if isinstance(text, Said):
        return text.text()
    if callable(text) and not isinstance(text, Promise):
        return str(text())
    return str(text or "")


@dataclass(frozen=True)
class Message:
    """One notification as the channels beyond the inbox see it (email, digest): ``texts`` is
    ``{language: {"title", "body"}}`` and ``language`` the recipient's."""

    recipient: Any
    kind: str
    texts: dict[str, dict[str, str]]
    language: str
    url: str


# Set by the notifications app (``tandem.notifications``): given a message, it queues what the
# person's preferences ask for (an email after commit) and answers whether to write the in-app row.
Dispatcher = Callable[[Message], bool]
_DISPATCHER: list[Dispatcher] = []


def set_dispatcher(dispatcher: Dispatcher | None) -> None:
    _DISPATCHER[:] = [dispatcher] if dispatcher is not None else []


def notify(*, recipient: Any, kind: str, title: Text, body: Text = "", url: str = "") -> Notification | None:
    """Notify one active person, in their language. Returns None for nobody or an inactive person,
    or when their preferences keep this kind out of the inbox (an email may still go)."""
    if recipient is None or not getattr(recipient, "is_active", False):
        return None
    # Written in every language, so that it reads in the language the recipient uses when they
    # read it (they may switch); title and body are their language now.
    texts: dict[str, dict[str, str]] = {}
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = {"title": render(title)[:200], "body": render(body)}
    mine = texts.get(language_of(recipient))
    if mine is None:
        with translation.override(language_of(recipient)):
            mine = {"title": render(title)[:200], "body": render(body)}
    if _DISPATCHER:
        message = Message(
            recipient=recipient,
            kind=kind,
            texts={**texts, language_of(recipient): mine},
            language=language_of(recipient),
            url=url[:300],
        )
        if not _DISPATCHER[0](message):
            return None
    return Notification.objects.create(
        recipient=recipient, kind=kind, title=mine["title"], body=mine["body"], texts=texts, url=url[:300]
    )


def unread_count(user: Any) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


UNREAD_MEMO_KEY = "notify.unread"


def unread_sql(qn: Any) -> str:
    """``unread_count`` as SQL for ``actor_facts``: the top bar shows it on every page."""
    table = qn(Notification._meta.db_table)
    return f"SELECT COUNT(*) AS v FROM {table} WHERE recipient_id = %(user)s AND read_at IS NULL"  # noqa: S608 (models' own table names)


# --- Topics: what a notification is about, for people's preferences ------------------------


@dataclass(frozen=True)
class Topic:
    """A kind of notification (``Notification.kind``) people can choose channels for: its
    ``kind`` code and a ``label`` they read in the preferences."""

    kind: str
    label: str | Promise


TOPICS: dict[str, Topic] = {}


def register_topic(kind: str, label: str | Promise) -> Topic:
    """Declare a kind of notification (once, in the app's ``ready()``)."""
    topic = Topic(kind=kind, label=label)
    TOPICS[kind] = topic
    return topic


# --- Kinds of records ----------------------------------------------------------------------


@dataclass(frozen=True)
class RecordKind:
    """How notifications name records of one resource: ``noun`` ("deal"), ``counted``
    (``ngettext_lazy("%(n)d deal", "%(n)d deals", "n")``) and the list a summary links to."""

    resource: str
    noun: Promise
    counted: Promise
    list_url: str = ""


KINDS: dict[str, RecordKind] = {}


def register_kind(resource: str, *, noun: Promise, counted: Promise, list_url: str = "") -> None:
    KINDS[resource] = RecordKind(resource=resource, noun=noun, counted=counted, list_url=list_url)


def noun(resource: str) -> str:
    kind = KINDS.get(resource)
    return str(kind.noun) if kind else resource


def counted(resource: str, n: int) -> str:
    """``n`` records of ``resource`` in words, in the active language ("13 deals", "13 个商机")."""
    kind = KINDS.get(resource)
    if kind is None:
        return f"{n} {resource}"
    return str(kind.counted % {"n": n})


def join_words(parts: Sequence[str]) -> str:
    """ "a, b and c" in English, "a、b和c" in Chinese."""
    items = [p for p in parts if p]
    if len(items) <= 1:
        return "".join(items)
    separator = pgettext("between items of a list", ", ")
    last = pgettext("before the last item of a list", " and ")
    return separator.join(items[:-1]) + last + items[-1]


def _names(names: Sequence[str]) -> str:
    shown = list(names[:NAMES_IN_A_SUMMARY])
    text = pgettext("between items of a list", ", ").join(shown)
    if len(names) > len(shown):
        text += " " + _("and %(n)d more") % {"n": len(names) - len(shown)}
    return text


# --- Changes of owner ----------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerChange:
    """One record changed hands. ``previous`` None: it had no owner (a pool customer, a new lead);
    ``new`` None: it went back to a pool. ``former``: the person who last owned a pool customer,
    told when someone takes it on. ``along`` names what moved with it (an account's deals)."""

    resource: str
    name: str
    url: str | Callable[[], str]
    previous: Any
    new: Any
    actor: Any
    reason: Text = ""
    along: Text = ""
    former: Any = None


NEW, PREVIOUS, FORMER = "new", "previous", "former"


def _recipients(change: OwnerChange) -> list[tuple[Any, str]]:
    actor_id = getattr(change.actor, "pk", None)
    out: list[tuple[Any, str]] = []
    seen: set[int] = set()
    if change.new is not None and change.previous is not None and change.new.pk == change.previous.pk:
        return out
    for person, role in ((change.new, NEW), (change.previous, PREVIOUS), (change.former, FORMER)):
        if person is None or person.pk == actor_id or person.pk in seen:
            continue
        seen.add(person.pk)
        out.append((person, role))
    return out


def _single_title(change: OwnerChange, role: str) -> str:
    params = {
        "who": str(change.actor) if change.actor is not None else "",
        "noun": noun(change.resource),
        "name": change.name,
        "owner": str(change.new) if change.new is not None else "",
    }
    if role == NEW:
        if change.actor is None:
            return _("The %(noun)s “%(name)s” is yours now") % params
        return _("%(who)s gave you the %(noun)s “%(name)s”") % params
    if role == FORMER:
        return _("Your former %(noun)s “%(name)s” now belongs to %(owner)s") % params
    if change.new is None:
        if change.actor is None:
            return _("Your %(noun)s “%(name)s” went back to the public pool") % params
        return _("%(who)s returned your %(noun)s “%(name)s” to the public pool") % params
    if change.actor is None:
        return _("Your %(noun)s “%(name)s” now belongs to %(owner)s") % params
    return _("%(who)s gave your %(noun)s “%(name)s” to %(owner)s") % params


def _summary_title(first: OwnerChange, role: str, n: int) -> str:
    params = {
        "who": str(first.actor) if first.actor is not None else "",
        "counted": counted(first.resource, n),
        "owner": str(first.new) if first.new is not None else "",
    }
    if role == NEW:
        if first.actor is None:
            return _("%(counted)s are yours now") % params
        return _("%(who)s gave you %(counted)s") % params
    if role == FORMER:
        return _("%(owner)s now owns %(counted)s you used to own") % params
    if first.new is None:
        return _("%(who)s returned %(counted)s of yours to the public pool") % params
    if first.actor is None:
        return _("%(counted)s of yours now belong to %(owner)s") % params
    return _("%(who)s gave %(counted)s of yours to %(owner)s") % params


def _url(url: str | Callable[[], str]) -> str:
    if not callable(url):
        return url
    try:
        return url()
    except NoReverseMatch:
        return ""


def _list_url(resource: str) -> str:
    kind = KINDS.get(resource)
    if kind is None or not kind.list_url:
        return ""
    try:
        return reverse(kind.list_url)
    except NoReverseMatch:
        return ""


def _send(changes: Sequence[OwnerChange]) -> None:
    groups: dict[tuple[int, str, str, int | None], list[OwnerChange]] = {}
    people: dict[int, Any] = {}
    for change in changes:
        for person, role in _recipients(change):
            other = getattr(change.new, "pk", None) if role != NEW else None
            groups.setdefault((person.pk, role, change.resource, other), []).append(change)
            people[person.pk] = person
    for (person_pk, role, resource, _other), group in groups.items():
        recipient = people[person_pk]
        kind = f"{resource}_assigned" if role == NEW else f"{resource}_reassigned"
        if len(group) == 1:
            change = group[0]

            def single_body(change: OwnerChange = change) -> str:
                parts = [render(change.along), render(change.reason)]
                return "\n".join(p for p in parts if p)

            notify(
                recipient=recipient,
                kind=kind,
                title=lambda change=change, role=role: _single_title(change, role),  # type: ignore[misc]
                body=single_body,
                url=_url(change.url),
            )
        else:
            names = [c.name for c in group]
            notify(
                recipient=recipient,
                kind=kind,
                title=lambda group=group, role=role: _summary_title(group[0], role, len(group)),  # type: ignore[misc]
                body=lambda names=names: _names(names),  # type: ignore[misc]
                url=_list_url(resource),
            )


@dataclass
class Batch:
    """Owner changes gathered by ``batched()``; ``item()`` keeps a record's only if it went through."""

    changes: list[OwnerChange] = field(default_factory=list)
    _pending: list[list[OwnerChange]] = field(default_factory=list)

    def add(self, change: OwnerChange) -> None:
        (self._pending[-1] if self._pending else self.changes).append(change)

    @contextmanager
    def item(self) -> Iterator[None]:
        """One record of a bulk action: its changes count only if the block ends without an error
        (pair it with the record's savepoint, which rolls its writes back)."""
        self._pending.append([])
        try:
            yield
        except BaseException:
            self._pending.pop()
            raise
        done = self._pending.pop()
        (self._pending[-1] if self._pending else self.changes).extend(done)


_BATCH: ContextVar[Batch | None] = ContextVar("tandem_notify_batch", default=None)


def owner_changed(change: OwnerChange) -> None:
    """Tell the new and the previous owner (not the actor); inside ``batched()``, later and summed up."""
    batch = _BATCH.get()
    if batch is not None:
        batch.add(change)
    else:
        _send([change])


@contextmanager
def batched() -> Iterator[Batch]:
    """Gather the owner changes of a bulk action; each person gets one notification per kind of
    record at the end (a single change reads as usual). Nothing is sent if the block fails."""
    outer = _BATCH.get()
    if outer is not None:  # already gathering: the outermost batch sends
        yield outer
        return
    batch = Batch()
    token = _BATCH.set(batch)
    try:
        yield batch
    finally:
        _BATCH.reset(token)
    _send(batch.changes)


def handed_over(resource: str, record: Any) -> str:
    """What the person who gave a record away and can no longer see it is told, in the active
    language: to whom and which team it went ("商机「大单」已转给 曹阳（技术支持部），你已无法查看。")."""
    params = {
        "noun": noun(resource),
        "name": str(record),
        "owner": str(record.owner) if getattr(record, "owner", None) is not None else "",
        "team": str(record.team) if getattr(record, "team", None) is not None else "",
    }
    if not params["owner"]:
        return _("The %(noun)s “%(name)s” went back to the public pool; you can no longer see it.") % params
    if not params["team"]:
        return _("The %(noun)s “%(name)s” went to %(owner)s; you can no longer see it.") % params
    return _("The %(noun)s “%(name)s” went to %(owner)s (%(team)s); you can no longer see it.") % params
