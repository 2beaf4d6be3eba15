"""A person sent somewhere their role does not allow gets Tandem's own 403 page in their language,
and list pages do not offer what they may not do (issue 13 §5)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tandem.conftest import World
from tandem.org.models import User

pytestmark = pytest.mark.django_db


def _client(user: User, language: str) -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("language", "title", "line"),
    [
        ("en", "Not allowed", "Your role does not allow this."),
        ("zh-hans", "无权操作", "您的角色不允许此操作。"),
    ],
)
def test_a_page_the_role_does_not_allow_answers_the_branded_403(
    world: World, language: str, title: str, line: str
) -> None:
    response = _client(world.owner, language).get(reverse("imports:job-list"))  # a rep may not import
    assert response.status_code == 403
    page = response.content.decode()
    assert f"<title>{title}" in page and line in page
    assert 'class="navbar' in page  # the site's layout, not a bare "403 Forbidden"


def test_the_api_answers_403_as_json_and_creates_nobody(world: World) -> None:
    before = User.objects.count()
    client = _client(world.owner, "zh-hans")
    response = client.post("/api/v1/users/", {"username": "intruder"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"detail": "您没有执行该操作的权限。"}
    assert User.objects.count() == before


def test_empty_lists_offer_an_import_only_to_those_who_may_import(world: World) -> None:
    rep = _client(world.owner, "en")
    for name in ("customers:account-list", "customers:contact-list", "leads:lead-list"):
        assert reverse("imports:job-list") not in rep.get(reverse(name)).content.decode(), name
    admin = _client(world.admin, "en")
    assert reverse("imports:job-list") in admin.get(reverse("customers:account-list")).content.decode()
