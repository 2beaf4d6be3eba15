from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tandem.notifications import sender


@dataclass
class FakeTransport:
    """Records every POST instead of sending it; answers ``status`` (or raises ``error``)."""

    status: int = 200
    body: str = "ok"
    error: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> sender.Response:
        self.calls.append({"url": url, "body": body.decode(), "headers": headers, "timeout": timeout})
        if self.error:
            return sender.Response(status=None, error=self.error)
        return sender.Response(status=self.status, body=self.body)


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTransport]:
    fake = FakeTransport()
    monkeypatch.setattr(sender, "transport", fake)
    yield fake
