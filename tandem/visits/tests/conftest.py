from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.conftest import World
from tandem.customers.models import Account
from tandem.customers.tests.factories import AccountFactory

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32


def upload(
    content: bytes = JPEG, name: str = "visit.jpg", content_type: str = "image/jpeg"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def at(text: str) -> datetime.datetime:
    """An instant written in ISO form with its offset."""
    return datetime.datetime.fromisoformat(text)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def account(world: World) -> Account:
    return AccountFactory(owner=world.owner, name="Acme Visits")


@pytest.fixture
def outside_account(world: World) -> Account:
    return AccountFactory(owner=world.outsider, name="Far Away Ltd")
