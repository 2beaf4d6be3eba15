"""Factories for accounts, contacts and public pools (reused by other apps' tests)."""

from __future__ import annotations

import hashlib
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tandem.customers import dedupe
from tandem.customers.models import Account, Contact, Pool, PoolMember
from tandem.customers.services import primary_team_id
from tandem.org.models import Team, User


def distinct_name(prefix: str, n: int) -> str:
    """Sequence names that are not similar to each other (查重 warns about similar names)."""
    return f"{prefix} {hashlib.sha1(str(n).encode()).hexdigest()[:8]}"


def _owner_team(obj: Any) -> Team | None:
    team_id = primary_team_id(obj.owner)
    return Team.objects.get(pk=team_id) if team_id is not None else None


class AccountFactory(DjangoModelFactory[Account]):
    """An account owned by ``owner`` (None = in its pool), team = the owner's primary team."""

    class Meta:
        model = Account
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: distinct_name("Account", n))
    name_key = factory.LazyAttribute(lambda o: dedupe.normalize_name(o.name))
    owner: Any = None
    team = factory.LazyAttribute(_owner_team)
    owned_since = factory.LazyAttribute(lambda o: timezone.now() if o.owner is not None else None)

    @factory.post_generation
    def keys(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            dedupe.refresh_keys("account", self)


class ContactFactory(DjangoModelFactory[Contact]):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Contact {n}")
    account: Any = None
    owner = factory.LazyAttribute(lambda o: o.account.owner if o.account is not None else None)
    team = factory.LazyAttribute(_owner_team)

    @factory.post_generation
    def keys(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            dedupe.refresh_keys("contact", self)


class PoolFactory(DjangoModelFactory[Pool]):
    """A pool; pass ``members=[user, ...]`` / ``admins=[user, ...]`` / ``teams=[team, ...]``."""

    class Meta:
        model = Pool
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pool {n}")

    @factory.post_generation
    def teams(self, create: bool, extracted: list[Team] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.teams.set(extracted)

    @factory.post_generation
    def members(self, create: bool, extracted: list[User] | None, **kwargs: Any) -> None:
        if create and extracted:
            for user in extracted:
                PoolMember.objects.get_or_create(pool=self, user=user)

    @factory.post_generation
    def admins(self, create: bool, extracted: list[User] | None, **kwargs: Any) -> None:
        if create and extracted:
            for user in extracted:
                PoolMember.objects.update_or_create(pool=self, user=user, defaults={"is_admin": True})
