from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tandem.conftest import World
from tandem.core.models import HistoryEntry
from tandem.security import selectors, services
from tandem.security.models import ApiToken, hash_key


def test_it_stores_only_a_hash_of_the_new_key_and_returns_the_key_once(world: World) -> None:
    token, key = services.token_create(actor=world.actor(world.owner), name="Reporting script")
    token.refresh_from_db()
    assert token.user == world.owner
    assert token.key_hash == hash_key(key)
    assert key not in {token.key_hash, token.name}
    assert token.prefix == key[:8]
    assert len(key) >= 40


def test_it_records_the_new_token_in_history_without_its_hash(world: World) -> None:
    token, _key = services.token_create(actor=world.actor(world.owner), name="Zapier")
    entry = HistoryEntry.objects.get(object_id=token.pk, action="create")
    assert entry.actor == world.owner
    assert entry.changes == {"name": [None, "Zapier"], "prefix": [None, token.prefix]}


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_it_refuses_a_missing_or_overlong_name(world: World, name: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.token_create(actor=world.actor(world.owner), name=name)
    assert "name" in exc.value.message_dict
    assert not ApiToken.objects.exists()


def test_it_caps_the_number_of_active_tokens(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_ACTIVE_TOKENS", 2)
    actor = world.actor(world.owner)
    first, _ = services.token_create(actor=actor, name="one")
    services.token_create(actor=actor, name="two")
    with pytest.raises(ValidationError):
        services.token_create(actor=actor, name="three")
    services.token_revoke(actor=actor, token=first)
    services.token_create(actor=actor, name="three")


def test_it_refuses_a_token_for_a_deactivated_person(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.token_create(actor=world.actor(world.gone), name="x")


def test_it_revokes_the_owners_token_and_hides_it_from_the_list(world: World) -> None:
    actor = world.actor(world.owner)
    token, _ = services.token_create(actor=actor, name="Old script")
    services.token_revoke(actor=actor, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert list(selectors.token_list(actor=actor)) == []
    assert HistoryEntry.objects.filter(object_id=token.pk, action="update").exists()
    # Revoking again changes nothing.
    revoked_at = token.revoked_at
    services.token_revoke(actor=actor, token=token)
    token.refresh_from_db()
    assert token.revoked_at == revoked_at


@pytest.mark.parametrize("who", ["teammate", "manager", "admin", "outsider"])
def test_it_lets_nobody_else_revoke_a_persons_token(world: World, who: str) -> None:
    token, _ = services.token_create(actor=world.actor(world.owner), name="Mine")
    with pytest.raises(PermissionDenied):
        services.token_revoke(actor=world.actor(getattr(world, who)), token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("who", ["teammate", "manager", "admin", "outsider"])
def test_it_lists_only_the_persons_own_tokens_whatever_their_data_scope(world: World, who: str) -> None:
    services.token_create(actor=world.actor(world.owner), name="Owner's")
    other = getattr(world, who)
    services.token_create(actor=world.actor(other), name="Theirs")
    assert [t.name for t in selectors.token_list(actor=world.actor(other))] == ["Theirs"]
