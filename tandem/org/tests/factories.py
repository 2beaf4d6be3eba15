from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from tandem.org.models import Membership, Position, Role, Team, User
from tandem.org.services import _set_path

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    language = "en"
    time_zone = "Asia/Shanghai"

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.roles.set(Role.objects.filter(code__in=extracted))


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    parent = None

    @factory.post_generation
    def set_path(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            _set_path(self)
            self.save(update_fields=["path", "depth"])


class PositionFactory(DjangoModelFactory[Position]):
    class Meta:
        model = Position

    title = factory.Sequence(lambda n: f"Position {n}")
    responsibilities = "Own the pipeline."


def join(user: User, team: Team, primary: bool = True) -> Membership:
    return Membership.objects.create(user=user, team=team, is_primary=primary)
