"""Two requests that pass a service's checks at the same moment: the database's unique constraint
refuses the second, and the person reads 409 and why — on a page and in the API — never a 500,
with nothing of the second write kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.models import AccountLevel
from tandem.org.models import Role

pytestmark = pytest.mark.django_db


def _twin_first(monkeypatch: pytest.MonkeyPatch, model: type[Any], make_twin: Any) -> None:
    """Let another request insert the same unique value just before this one's INSERT."""
    original = model.save

    def save(self: Any, *args: Any, **kwargs: Any) -> None:
        if self.pk is None:
            model.objects.bulk_create([make_twin(self)])
        original(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", save)


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Saved at the same moment"), ("zh-hans", "同时保存冲突")]
)
def test_a_page_whose_write_meets_a_simultaneous_twin_answers_409(
    world: World, monkeypatch: pytest.MonkeyPatch, language: str, title: str
) -> None:
    _twin_first(monkeypatch, AccountLevel, lambda level: AccountLevel(code=level.code, name="Twin", order=99))
    world.admin.language = language
    world.admin.save(update_fields=["language"])
    client = Client()
    client.force_login(world.admin)
    response = client.post(reverse("customers:account-level-create"), {"code": "VIP", "name": "Key accounts"})
    assert response.status_code == 409
    assert f"<title>{title}" in response.content.decode()
    # The refused write left nothing (the stand-in twin went with its transaction, here).
    assert not AccountLevel.objects.filter(code="VIP").exists()


def test_an_api_write_that_meets_a_simultaneous_twin_answers_409(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _twin_first(monkeypatch, Role, lambda role: Role(code=role.code, name="Twin"))
    client = APIClient()
    client.force_authenticate(world.admin)
    response = client.post(
        "/api/v1/roles/", {"code": "field-sales", "name": "Field sales", "grants": []}, format="json"
    )
    assert response.status_code == 409, response.content
    assert "at the same moment" in response.json()["detail"]
    assert not Role.objects.filter(code="field-sales").exists()
