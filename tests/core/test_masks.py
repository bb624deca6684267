"""Private contact data is shown masked only; e-mails are checked and kept."""

import pytest

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.phone import clean_vn, mask_vn
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
