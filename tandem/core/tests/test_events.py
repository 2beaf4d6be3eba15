import pytest
from django.db import transaction

from tandem.core import events


@pytest.fixture
def heard(monkeypatch):
    got: list[events.Event] = []
    monkeypatch.setattr(events, "LISTENERS", [got.append])
    monkeypatch.setitem(events.TYPES, "test.happened", events.EventType("test.happened", "Test happened"))
    return got


def test_emit_tells_every_listener_with_the_data(heard):
    event = events.emit("test.happened", stage="won", amount="10.00")
    assert heard == [event]
    assert event.type == "test.happened"
    assert event.data == {"stage": "won", "amount": "10.00"}


def test_an_unknown_type_is_refused(heard):
    with pytest.raises(ValueError):
        events.emit("test.never-registered")
    assert heard == []


@pytest.mark.django_db
def test_listeners_run_inside_the_callers_transaction(heard):
    seen_in_atomic: list[bool] = []
    events.listen(lambda e: seen_in_atomic.append(transaction.get_connection().in_atomic_block))
    with transaction.atomic():
        events.emit("test.happened")
    assert seen_in_atomic == [True]
    assert len(heard) == 1
