"""Signatures and message bodies: outbound webhooks and each robot platform's format.

- Webhooks: ``X-Tandem-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``.
- DingTalk: ``?timestamp=<ms>&sign=<urlencoded base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))>``,
  body ``{"msgtype": "markdown", "markdown": {"title", "text"}}``.
- WeCom (企业微信): ``{"msgtype": "markdown", "markdown": {"content"}}``, not signed.
- Feishu (飞书): ``{"timestamp", "sign", "msg_type": "text", "content": {"text"}}``, sign =
  base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")), timestamp in seconds.
- Slack: ``{"text"}``, not signed (the URL is the secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote_plus

from .models import Platform


def webhook_signature(secret: str, timestamp: int, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    mac = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def robot_message(platform: str, *, title: str, lines: list[str], url: str) -> dict[str, Any]:
    """The platform's message (before signing) for an event told as a title, lines and a link."""
    if platform == Platform.DINGTALK:
        text = "\n\n".join([f"#### {title}", *lines, f"[{url}]({url})" if url else ""]).strip()
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    if platform == Platform.WECOM:
        content = "\n".join([f"**{title}**", *lines, f"[{url}]({url})" if url else ""]).strip()
        return {"msgtype": "markdown", "markdown": {"content": content}}
    plain = "\n".join([title, *lines, url]).strip()
    if platform == Platform.FEISHU:
        return {"msg_type": "text", "content": {"text": plain}}
    return {"text": plain}


def robot_request(
    platform: str, url: str, secret: str, message: dict[str, Any], now_s: float
) -> tuple[str, str]:
    """(URL, JSON body) to post for a robot message, signed at sending time where the platform signs."""
    if platform == Platform.DINGTALK and secret:
        ms = int(now_s * 1000)
        joiner = "&" if "?" in url else "?"
        url = f"{url}{joiner}timestamp={ms}&sign={quote_plus(dingtalk_sign(secret, ms))}"
    elif platform == Platform.FEISHU and secret:
        seconds = int(now_s)
        message = {"timestamp": str(seconds), "sign": feishu_sign(secret, seconds), **message}
    return url, json.dumps(message, ensure_ascii=False, separators=(",", ":"))
