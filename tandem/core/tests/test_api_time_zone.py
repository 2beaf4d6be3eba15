"""The API shows instants in the reader's own time zone, whoever they are and however they sign in."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.deals.models import Deal
from tandem.deals.tests.factories import DealFactory
from tandem.security.services import token_create

pytestmark = pytest.mark.django_db


def test_the_api_shows_instants_in_the_token_holders_time_zone(world: World) -> None:
    """A token-authenticated request (no session, so no web middleware) renders datetimes in the
    person's own time zone, not the server's +08:00."""
    world.owner.time_zone = "America/New_York"
    world.owner.save(update_fields=["time_zone"])
    deal = DealFactory(owner=world.owner)
    Deal.objects.filter(pk=deal.pk).update(
        created_at=datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)  # 08:00 in New York (EDT)
    )
    _token, key = token_create(actor=world.actor(world.owner), name="laptop")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = client.get(f"/api/v1/deals/{deal.pk}/").json()
    assert body["created_at"] == "2026-07-01T08:00:00-04:00"
    assert body["opened_on"] is None or "T" not in body["opened_on"]  # a date stays a date


def test_a_session_and_a_token_read_the_same_instant_alike(world: World) -> None:
    world.owner.time_zone = "Europe/London"
    world.owner.save(update_fields=["time_zone"])
    deal = DealFactory(owner=world.owner)
    Deal.objects.filter(pk=deal.pk).update(
        created_at=datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    )
    session = APIClient()
    session.force_login(world.owner)
    _token, key = token_create(actor=world.actor(world.owner), name="phone")
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    for client in (session, token):
        assert client.get(f"/api/v1/deals/{deal.pk}/").json()["created_at"] == "2026-01-05T09:00:00Z"
