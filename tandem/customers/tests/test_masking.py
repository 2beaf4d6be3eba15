from __future__ import annotations

import pytest

from tandem.customers.serializers import mask_email, mask_phone


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+8613800138000", "+86 138****8000"),
        ("+862162345678", "+86 21 ****5678"),
        ("+8675512345678", "+86 755 ****5678"),
        ("+6591234567", "+65 ****4567"),
        ("", ""),
    ],
)
def test_it_masks_a_pool_customers_phone_keeping_the_area_code_and_last_four_digits(
    stored: str, shown: str
) -> None:
    assert mask_phone(stored) == shown


def test_it_never_shows_more_than_four_digits_beyond_the_prefix_of_a_short_number() -> None:
    masked = mask_phone("+6591234567")
    assert "9123" not in masked and masked.endswith("4567")


def test_it_masks_an_email_but_keeps_its_domain() -> None:
    assert mask_email("alice@example.com") == "a***@example.com"
