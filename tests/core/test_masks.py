"""Private contact data is shown masked only; e-mails are checked and kept."""

import random

import phonenumbers
import pytest

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.phone import clean_vn, mask_vn, normalize_vn
from ocop_tracker.core.text import clean_email, mask_email


def test_a_phone_shows_its_first_two_and_last_three_digits() -> None:
    assert mask_vn("+84912345678") == "09•• ••• 678"
    assert mask_vn(None) is None


def test_an_email_shows_its_first_letter_and_domain() -> None:
    assert mask_email("nguyenvana@gmail.com") == "n•••@gmail.com"
    assert mask_email("") is None


def test_typed_numbers_and_emails_are_cleaned_or_refused_on_their_field() -> None:
    assert clean_vn(" 0912 345 678 ", field="login_phone") == "+84912345678"
    assert clean_vn("  ", field="login_phone") is None
    with pytest.raises(InvalidInput) as caught:
        clean_vn("0912\x00345678", field="login_phone")
    assert set(caught.value.fields) == {"login_phone"}
    assert clean_email(" Ba.Tu@Gmail.COM ", field="e") == "Ba.Tu@gmail.com"
    assert clean_email(None, field="e") is None
    for bad in ("khong-email", "a@b", "a b@c.vn", "a@@c.vn"):
        with pytest.raises(InvalidInput):
            clean_email(bad, field="e")


def _by_the_library(raw: str) -> str | None:
    """The stored form as phonenumbers gives it, or None where it refuses."""
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_every_number_is_stored_as_the_library_parses_it() -> None:
    """The mobiles checked against the library's pattern without a parse give
    the library's answer, and so do the rest: every two-digit prefix, every
    length near ten, with the trunk 0 or the country code."""
    rng = random.Random(11)
    typed = []
    for prefix in range(100):
        for length in (8, 9, 10):
            digits = f"{prefix:02d}" + "".join(
                str(rng.randrange(10)) for _ in range(length - 2)
            )
            typed += ["0" + digits, "+84" + digits]
    typed += ["0" + str(rng.randrange(10**8, 10**9)) for _ in range(3000)]
    typed += ["+84" + str(rng.randrange(10**8, 10**9)) for _ in range(3000)]
    stored = 0
    for raw in typed:
        expected = _by_the_library(raw)
        if expected is None:
            with pytest.raises(InvalidInput):
                normalize_vn(raw)
        else:
            assert normalize_vn(raw) == expected, raw
            stored += 1
    assert stored > 2000  # thousands of mobiles: the quick path was taken
