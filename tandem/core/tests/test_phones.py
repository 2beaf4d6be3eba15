"""Phone numbers: accept what people type, store E.164, show a readable grouping."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tandem.core.phones import _cn_fast, _parse_phone, format_phone, normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 138 0013 8000", "+8613800138000"),
        ("13800138000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("(021) 6234-5678", "+862162345678"),
        ("021 62345678", "+862162345678"),
        ("0086 138 0013 8000", "+8613800138000"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("  13800138000  ", "+8613800138000"),
    ],
)
def test_it_normalises_numbers_as_people_type_them(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "abc", "12", "call me", "+", "++86", "1" * 40])
def test_it_refuses_text_that_is_not_a_phone_number(raw: str) -> None:
    assert normalize_phone(raw) is None


def test_it_reads_numbers_without_a_country_code_in_another_region() -> None:
    assert normalize_phone("(415) 555-2671", region="US") == "+14155552671"


def test_the_same_text_reads_in_each_region_as_its_own_number_whatever_was_read_before() -> None:
    assert normalize_phone("020 7946 0958") == "+862079460958"  # remembered for China first
    assert normalize_phone("020 7946 0958", region="GB") == "+442079460958"  # a London number
    assert normalize_phone("020 7946 0958", region="gb") == "+442079460958"
    assert normalize_phone("020 7946 0958", region="") == "+862079460958"  # no country: the default


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+8613800138000", "+86 138 0013 8000"),
        ("+862162345678", "+86 21 6234 5678"),
        ("+14155552671", "+1 415-555-2671"),
        ("", ""),
        ("not a number", "not a number"),
    ],
)
def test_it_shows_a_readable_grouping(stored: str, shown: str) -> None:
    assert format_phone(stored) == shown


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_it_never_raises_on_arbitrary_text(raw: str) -> None:
    result = normalize_phone(raw)
    assert result is None or (result.startswith("+") and result[1:].isdigit())


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.one_of(
        st.text(),
        st.from_regex(r"\A[+(]?[0-9][0-9 ()\-]{4,20}\Z"),
        st.builds(lambda n: f"1{n:010d}", st.integers(min_value=0, max_value=9_999_999_999)),
    )
)
@example("11568017079488-")  # phonenumbers kept a leading zero that a second parse drops
@example("1190507-23604968")
def test_it_is_idempotent_on_its_own_output(raw: str) -> None:
    first = normalize_phone(raw)
    if first is not None:
        assert normalize_phone(first) == first
        assert normalize_phone(format_phone(first)) == first


@settings(max_examples=200, deadline=None, database=None)
@given(st.text())
def test_it_formats_arbitrary_text_without_raising(raw: str) -> None:
    assert isinstance(format_phone(raw), str)


LANDLINE_FORMATS = ("({area}) {a}-{b}", "({area}){a}{b}", "{area}-{a}{b}", "{area} {a} {b}", "{area}-{a}-{b}")


def test_it_reads_plain_chinese_landlines_as_phonenumbers_does_for_every_area_code() -> None:
    # The fast path must never disagree with the library it stands in for.
    checked = 0
    for area in range(10, 1000):
        for a, b in (("623", "4567"), ("6234", "5678"), ("800", "0001"), ("2999", "9999")):
            for shape in LANDLINE_FORMATS:
                text = shape.format(area=f"0{area}", a=a, b=b)
                fast = _cn_fast(text)
                assert fast is not None, text
                assert fast == _parse_phone(text, "CN"), text
                checked += 1
    assert checked == 990 * 4 * len(LANDLINE_FORMATS)


@pytest.mark.parametrize(
    "raw", ["021-6234567890", "(021 6234-5678", "0-21-62345678", "021623456", "(0) 6234-5678"]
)
def test_it_leaves_other_shapes_to_phonenumbers(raw: str) -> None:
    assert _cn_fast(raw) is None
