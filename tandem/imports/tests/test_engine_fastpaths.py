"""The import's fast paths give exactly what the slow, general code gives."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from django.core.validators import validate_email

from tandem.core import phones
from tandem.customers import normalize
from tandem.imports.engine import _PLAIN_EMAIL


def _phonenumbers_e164(text: str) -> str | None:
    text = text.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_it_reads_chinese_mobiles_as_phonenumbers_does() -> None:
    rng = random.Random(3)
    for prefix in range(100, 200):
        for _ in range(20):
            digits = f"{prefix}{rng.randrange(10**8):08d}"
            spaced = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
            for text in (digits, "+86" + digits, "+86 " + spaced, spaced, "0086" + digits):
                assert phones._normalize_phone(text, "CN") == _phonenumbers_e164(text), text


def _twice_normalised(name: str) -> str:
    text = normalize._normalize_once(name)
    for _round in range(10):
        again = normalize._normalize_once(text)
        if again == text:
            break
        text = again
    return text


@pytest.mark.parametrize(
    "name",
    [
        "中国北京华为",
        "香港中国北京京东集团",
        "北京华为技术有限公司",
        "（北京）华为技术 有限公司",
        "ACME Co., Ltd.",
        "Acme Ltd有限公司",
        "上海上海公司",
        "Straße GmbH",
        "ǰane ltd",
        "½ co",
        "深圳深圳",
    ],
)
def test_it_normalises_a_name_as_the_full_repeat_does(name: str) -> None:
    assert normalize._normalize_name(name) == _twice_normalised(name)


def test_it_normalises_random_names_as_the_full_repeat_does() -> None:
    rng = random.Random(7)
    letters = "北京上海中国华为有限公司集团 Co Ltd()（）abcXYZ-_.1ß½ǰ"
    for _ in range(5000):
        name = "".join(rng.choice(letters) for _ in range(rng.randrange(1, 14)))
        assert normalize._normalize_name(name) == _twice_normalised(name), name


@pytest.mark.parametrize(
    "address",
    [
        "sales1@c1.example.cn",
        "First.Last+tag@Mail.Example.COM",
        "a_b-c@x-y.io",
        "a..b@example.com",
        "a@-example.com",
        "a@example-.com",
        "a@example.c",
        "a@example",
        "a@localhost",
        "sales@@example",
        "a@[127.0.0.1]",
        "用户@例子.中国",
        "x" * 250 + "@example.com",
    ],
)
def test_it_takes_an_address_as_plain_only_when_the_validator_accepts_it(address: str) -> None:
    if _PLAIN_EMAIL.fullmatch(address) is not None and len(address) <= 254:
        validate_email(address)  # raises if the fast path let a bad address through


def test_it_takes_common_addresses_the_fast_way() -> None:
    for address in ("sales1@c1.example.cn", "First.Last+tag@Mail.Example.COM", "a_b-c@x-y.io"):
        assert _PLAIN_EMAIL.fullmatch(address) is not None


def test_an_import_collects_garbage_less_often_and_restores_the_threshold_after() -> None:
    import gc

    from tandem.imports import engine

    before = gc.get_threshold()
    with engine._fewer_collections():
        with engine._fewer_collections():  # two imports at once
            assert gc.get_threshold()[0] >= 50_000
        assert gc.get_threshold()[0] >= 50_000
    assert gc.get_threshold() == before


def test_ids_reserved_on_the_way_are_taken_in_order_and_asked_for_three_batches_ahead() -> None:
    from tandem.customers.models import Account
    from tandem.imports import engine

    block = engine._IdBlock(Account)
    block.add("7,8,9,10")
    block.add(None)
    block.add("")
    assert block.wanted(2) == 2  # six wanted at hand, four there
    assert block.take(3) == [7, 8, 9]
    assert block.wanted(2) == 5
    block.add("11")
    assert block.take(2) == [10, 11]
