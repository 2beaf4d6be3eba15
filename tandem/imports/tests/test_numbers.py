"""Number cells are read exactly under the import's declared decimal separator, or refused.

The rule is in ``fields.read_number``'s docstring; these tests hold it, with Hypothesis for
"a formatted number reads back as itself" and "never as another number in the other convention".
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tandem.imports.fields import CellError, parse_decimal, parse_int, read_number

OTHER = {".": ",", ",": "."}


def written(value: Decimal, *, separator: str, grouping: str, places: int, mark: str, trailing: bool) -> str:
    """``value`` as a spreadsheet or a person would write it under ``separator``."""
    negative = value < 0
    text = f"{abs(value):.{places}f}"
    whole, _dot, fraction = text.partition(".")
    if grouping:
        groups: list[str] = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = grouping.join([whole, *groups])
    text = whole + (separator + fraction if fraction else "")
    if mark:
        text = f"{text} {mark}" if trailing else f"{mark}{text}"
    return f"-{text}" if negative else text


amounts = st.decimals(
    min_value=Decimal("-99999999999.99"),
    max_value=Decimal("99999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@given(
    value=amounts,
    separator=st.sampled_from([".", ","]),
    grouping=st.sampled_from(["", "other", " ", "'"]),
    places=st.sampled_from([0, 1, 2]),
    mark=st.sampled_from(["", "¥", "$", "€", "USD", "元"]),
    trailing=st.booleans(),
)
@example(value=Decimal("1234.50"), separator=",", grouping="other", places=2, mark="", trailing=False)
def test_a_formatted_number_reads_back_exactly_under_its_declared_separator(
    value: Decimal, separator: str, grouping: str, places: int, mark: str, trailing: bool
) -> None:
    value = value.quantize(Decimal(1).scaleb(-places))
    mark_char = OTHER[separator] if grouping == "other" else grouping
    text = written(
        value, separator=separator, grouping=mark_char, places=places, mark=mark, trailing=trailing
    )
    assert parse_decimal(text, separator) == value


@given(
    value=amounts,
    separator=st.sampled_from([".", ","]),
    grouped=st.booleans(),
    places=st.sampled_from([0, 1, 2]),
)
@example(value=Decimal("1000"), separator=".", grouped=True, places=0)  # "1,000" read with ","
@example(value=Decimal("12.5"), separator=",", grouped=False, places=1)  # "12,5" read with "."
def test_a_number_is_never_read_as_another_number_under_the_other_separator(
    value: Decimal, separator: str, grouped: bool, places: int
) -> None:
    value = value.quantize(Decimal(1).scaleb(-places))
    text = written(
        value,
        separator=separator,
        grouping=OTHER[separator] if grouped else "",
        places=places,
        mark="",
        trailing=False,
    )
    try:
        read = parse_decimal(text, OTHER[separator])
    except CellError:
        return
    assert read == value


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("1.234,50", ",", Decimal("1234.50")),
        ("12.345", ",", Decimal("12345")),
        ("12,345", ".", Decimal("12345")),
        ("12 500,50 €", ",", Decimal("12500.50")),
        ("(1,200.00)", ".", Decimal("-1200")),
        ("12.5000", ".", Decimal("12.50")),  # zeros beyond the field's two places lose nothing
        ("0.500", ".", Decimal("0.50")),  # "0,500" is no grouped whole number: not ambiguous
        ("¥12元", ".", Decimal("12")),
    ],
)
def test_it_reads_numbers_written_in_the_declared_convention(
    text: str, separator: str, expected: Decimal
) -> None:
    assert parse_decimal(text, separator) == expected


@pytest.mark.parametrize(
    ("text", "separator", "says"),
    [
        ("1.234,50", ".", "decimal separator"),  # was 1.23
        ("12.345", ".", "could be a number with three decimals or a whole number"),  # was 12.34
        ("100.000", ".", "could be a number with three decimals"),  # was 100.00
        ("1,000", ",", "could be a number with three decimals"),
        ("12.345", "x", "could be a number with three decimals"),  # an unknown separator is "."
        ("12.3456", ".", "has 4 decimal places; this field keeps 2"),
        ("1.234.567", ".", "If “.” groups thousands in this file"),
        ("1,23,456", ".", "e.g. 12500, 12,500.50"),
        ("12,50", ".", "If “,” is this file's decimal separator"),
        ("1E+5", ".", "e.g. 12500"),
        ("12.", ".", "e.g. 12500"),
        ("$", ".", "e.g. 12500"),
        ("€12 $", ".", "e.g. 12500"),  # two marks that disagree
        ("1234567890123", ".", "too large"),
    ],
)
def test_it_refuses_a_number_it_would_have_to_guess_or_round(text: str, separator: str, says: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_decimal(text, separator)
    assert says in str(caught.value)


def test_a_whole_number_field_refuses_decimals_and_reads_percentages() -> None:
    assert parse_int("45%") == 45
    assert parse_int("1.000", ",") == 1000
    with pytest.raises(CellError, match="whole number"):
        parse_int("12.5")
    with pytest.raises(CellError, match="three decimals"):
        parse_int("1,000", ",")


def test_a_currency_mark_is_returned_for_the_rows_currency_to_be_checked() -> None:
    assert read_number("US$ 1,000.50").currencies == {"USD"}
    assert read_number("$12").currencies == {"USD", "HKD", "SGD"}
    assert read_number("12,50 €", ",").currencies == {"EUR"}
    assert read_number("12").currencies is None
