"""Factories for leads."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from tandem.customers import dedupe
from tandem.customers.services import primary_team_id
from tandem.customers.tests.factories import distinct_name
from tandem.leads.models import Lead
from tandem.org.models import Team


class LeadFactory(DjangoModelFactory[Lead]):
    """A new lead owned by ``owner`` (None = unassigned), team = the owner's primary team."""

    class Meta:
        model = Lead
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Lead person {n}")
    company = factory.Sequence(lambda n: distinct_name("Company", n))
    owner: Any = None
    team = factory.LazyAttribute(
        lambda o: Team.objects.filter(pk=primary_team_id(o.owner)).first() if o.owner else None
    )

    @factory.post_generation
    def keys(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            dedupe.refresh_keys("lead", self)
