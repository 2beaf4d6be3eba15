"""What an import says about a row, kept so that each reader reads it in their own language.

The engine writes its messages the usual way (``_("At most %(n)d characters.") % {...}``), but
its ``_`` is ``say``: the text in the active language that also remembers its msgid and, once
formatted, its parameters (a ``Kept``, a ``str`` like any other). A row's message is stored as
its text as written (``message``, what an export or an older reader shows) and, when it was
kept, ``said`` (``{"id", "params"}``; a parameter that was itself a kept or lazy text is kept as
one too). ``text`` reads a stored message in the active language, else the text as written:
rows stored before this (decision 0030) read as they always did.

``nsay`` does the same for ``ngettext``. A message assembled outside the catalogue (say a
library's error text) is stored as text only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, pgettext


class Kept(str):
    """A text in the active language that remembers the msgid (and parameters) it came from."""

    said: dict[str, Any]

    def __mod__(self, params: Any) -> Any:
        if set(self.said) & {"parts", "params", "args"}:
            return str.__mod__(self, params)  # formatted twice, or pieces: keep the text only
        out = Kept(str.__mod__(self, params))
        said = dict(self.said)
        if isinstance(params, Mapping):
            said["params"] = {key: _kept_param(value) for key, value in params.items()}
        else:
            said["args"] = [_kept_param(v) for v in (params if isinstance(params, tuple) else (params,))]
        out.said = said
        return out

    def __add__(self, other: Any) -> Kept:
        if not isinstance(other, str):
            return NotImplemented
        out = Kept(str.__add__(self, other))
        out.said = {"parts": _parts(self) + _parts(other)}
        return out

    def __radd__(self, other: Any) -> Kept:
        if not isinstance(other, str):
            return NotImplemented
        out = Kept(str.__add__(other, self))
        out.said = {"parts": _parts(other) + _parts(self)}
        return out


def _parts(value: str) -> list[Any]:
    """A text joined from pieces (``message + " " + suggestion``): each piece, kept or as is."""
    if isinstance(value, Kept):
        return list(value.said["parts"]) if "parts" in value.said else [value.said]
    return [str(value)]


def say(msgid: str) -> Kept:
    """``gettext`` that remembers its msgid: the engine's ``_``."""
    out = Kept(gettext(msgid))
    out.said = {"id": msgid}
    return out


def nsay(singular: str, plural: str, number: int) -> Kept:
    """``ngettext`` that remembers its msgids and count (imported as ``ngettext``, so that the
    catalogue tools still find the sentence)."""
    out = Kept(ngettext(singular, plural, number))
    out.said = {"id": singular, "plural": plural, "n": number}
    return out


def _kept_param(value: Any) -> Any:
    if isinstance(value, Kept):
        return value.said
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Promise):
        said = _lazy_said(value)
        if said is not None:
            return said
    return str(value)


def _lazy_said(value: Promise) -> dict[str, Any] | None:
    """A lazy catalogue text (a field's label, a choice): its msgid, to render for each reader."""
    try:
        func, args, kwargs = value.__reduce__()[1][:3]  # type: ignore[misc]
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    name = getattr(func, "__name__", "")
    if kwargs or not all(isinstance(a, str) for a in args):
        return None
    if name == "gettext" and len(args) == 1:
        return {"id": args[0]}
    if name == "pgettext" and len(args) == 2:
        return {"context": args[0], "id": args[1]}
    return None


def render(said: Any) -> str:
    """A kept text (``Kept.said``) in the active language; raises ``ValueError`` if it cannot be."""
    if isinstance(said, Mapping) and isinstance(said.get("parts"), list):
        return "".join(part if isinstance(part, str) else render(part) for part in said["parts"])
    if not isinstance(said, Mapping) or not isinstance(said.get("id"), str):
        raise ValueError("not a kept text")
    context, plural = said.get("context"), said.get("plural")
    if isinstance(plural, str) and isinstance(said.get("n"), int):
        text = ngettext(said["id"], plural, said["n"])
    elif isinstance(context, str):
        text = pgettext(context, said["id"])
    else:
        text = gettext(said["id"])
    try:
        if "params" in said:
            return text % {key: _rendered_param(v) for key, v in (said["params"] or {}).items()}
        if "args" in said:
            return text % tuple(_rendered_param(v) for v in said["args"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError("the parameters do not fit the text") from exc
    return text


def _rendered_param(value: Any) -> Any:
    return render(value) if isinstance(value, Mapping) else value


def stored(column: str, message: Any, level: str) -> dict[str, Any]:
    """One row message as ``ImportRowResult.messages`` keeps it."""
    if isinstance(message, Kept):
        return {"column": column, "message": str.__str__(message), "level": level, "said": message.said}
    return {"column": column, "message": str(message), "level": level}


def text(message: Mapping[str, Any], *, key: str = "message", said_key: str = "said") -> str:
    """A stored message in the active language, else as it was written."""
    written = str(message.get(key, ""))
    said = message.get(said_key)
    if said is None:
        return written
    try:
        return render(said)
    except ValueError:
        return written


def error_fields(message: Any) -> dict[str, Any]:
    """A job's ``error`` and ``error_said`` for ``message`` (kept or plain text)."""
    if isinstance(message, Kept):
        return {"error": str.__str__(message), "error_said": message.said}
    return {"error": str(message), "error_said": {}}


def kept(message: Any) -> Any:
    """The message an exception carries (``CellError``), keeping what ``str(exc)`` would lose."""
    if isinstance(message, BaseException) and message.args and isinstance(message.args[0], Kept):
        return message.args[0]
    return message if isinstance(message, Kept) else str(message)


def read_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A row's stored messages as people read them: ``message`` in the active language."""
    return [{**{k: v for k, v in m.items() if k != "said"}, "message": text(m)} for m in messages]


def read_problems(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A job's problem summary with each ``example`` in the active language."""
    return [
        {
            **{k: v for k, v in p.items() if k != "example_said"},
            "example": text(p, key="example", said_key="example_said"),
        }
        for p in problems
    ]
