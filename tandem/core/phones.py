"""Phone numbers: accept what people type, store E.164, show a readable grouping.

``+86 138 0013 8000``, ``13800138000`` and ``(021) 6234-5678`` are all accepted. A number without
a country code is read in the country it belongs to (``region``: an account's or a lead's
country, a contact's account's), and as a Chinese number only when there is none.
"""

from __future__ import annotations

import re

import phonenumbers

DEFAULT_REGION = "CN"


# Parsing costs ~15 µs a number; imports and duplicate checks normalise the same text again
# (the raw cell, then the stored E.164 value). Pure function, bounded memo: keyed by the text
# for the default region (the common case), by (region, text) for the others.
_MEMO: dict[str | tuple[str, str], str | None] = {}
_MEMO_SIZE = 200_000
_UNSEEN = object()  # a memo miss (None is a remembered answer: not a phone number)


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 (``+8613800138000``), or None when the text is not a possible phone number in
    ``region`` (an ISO 3166 code such as ``GB``; blank means the default region)."""
    region = (region or DEFAULT_REGION).upper()
    if not isinstance(raw, str):
        return _normalize_phone(raw, region)
    key: str | tuple[str, str] = raw if region == DEFAULT_REGION else (region, raw)
    known = _MEMO.get(key, _UNSEEN)
    if known is not _UNSEEN:
        return known  # type: ignore[return-value]
    result = _normalize_phone(raw, region)
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.clear()
    _MEMO[key] = result
    if result is not None:
        _MEMO[result] = result  # E.164 reads back as itself, in any region
    return result


# A Chinese mobile as people usually write it (13800138000, +86 138 0013 8000, +8613800138000):
# its E.164 form is plain. 179xx is left to phonenumbers (it can be a carrier prefix); so is
# anything else.
_CN_MOBILE = re.compile(r"(?:\+86 ?)?(1[3-9]\d) ?(\d{4}) ?(\d{4})", re.ASCII)
# A Chinese landline with its area code set apart: (021) 6234-5678, 021-62345678, 0755 8888 8888.
# With a 2- or 3-digit area code and a 7- or 8-digit local number its E.164 form is plain too;
# the tests hold this against phonenumbers for every area code. Anything else goes to phonenumbers.
_CN_LANDLINE = re.compile(r"(?:\(0([1-9]\d{1,2})\) ?|0([1-9]\d{1,2})[ -])(\d{3,4})[ -]?(\d{4})", re.ASCII)


def _normalize_phone(raw: str, region: str) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    if region == DEFAULT_REGION:
        fast = _cn_fast(text)
        if fast is not None:
            return fast
    return _parse_phone(text, region)


def _cn_fast(text: str) -> str | None:
    """The E.164 form of a Chinese number written in one of the plain ways, else None."""
    mobile = _CN_MOBILE.fullmatch(text)
    if mobile is not None and mobile.group(1) != "179":
        return "+86" + "".join(mobile.groups())
    landline = _CN_LANDLINE.fullmatch(text)
    if landline is not None:
        area, local_a, local_b = landline.group(1) or landline.group(2), landline.group(3), landline.group(4)
        return "+86" + area + local_a + local_b
    return None


def _parse_phone(text: str, region: str) -> str | None:
    """phonenumbers' reading of ``text`` (stripped, not blank)."""
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    result = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # Odd input (dialling prefixes, a kept leading zero) can give an E.164 form that reads back
    # differently; store the form that reads back as itself, so normalising is idempotent.
    for _ in range(3):
        try:
            again = phonenumbers.parse(result, region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_possible_number(again):
            return None
        settled = phonenumbers.format_number(again, phonenumbers.PhoneNumberFormat.E164)
        if settled == result:
            return result
        result = settled
    return None


def format_phone(value: str) -> str:
    """Readable grouping: national style for Chinese numbers, international otherwise."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return value
    if number.country_code == 86:
        national = str(number.national_number)
        if len(national) == 11 and national.startswith("1"):
            return f"+86 {national[:3]} {national[3:7]} {national[7:]}"
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
