"""Pure rules: GTIN check digits, expiry, status, levels by date, scores, codes."""

import datetime as dt
import re
from dataclasses import dataclass

import pytest

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.products import rules
from ocop_tracker.products.models import CertLevel
from ocop_tracker.products.rules import CertificateStatus as S
from tests.refusals import refused

D = dt.date

# Published examples: Wikipedia's EAN-13, UPC-A and EAN-8 articles, GS1's
# GTIN-14 examples, and barcodes of two Vietnamese (893) products.
VALID_GTINS = [
    "4006381333931",
    "036000291452",
    "73513537",
    "96385074",
    "00012345600012",
    "10614141000415",
    "8936036020052",
    "8935049501503",
]


def _reference_check(code: str) -> bool:
    """The GS1 rule written the other way: pad to 18, weights 3,1,… from the left."""
    padded = code.zfill(18)
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(padded[:-1]))
    return (10 - total % 10) % 10 == int(padded[-1])


@pytest.mark.parametrize("code", VALID_GTINS)
def test_published_gtins_are_valid(code: str) -> None:
    assert _reference_check(code)
    assert rules.gtin_is_valid(code)
    assert rules.clean_gtin(code) == code


@pytest.mark.parametrize("code", VALID_GTINS)
def test_every_wrong_check_digit_is_refused(code: str) -> None:
    for digit in "0123456789":
        if digit == code[-1]:
            continue
        wrong = code[:-1] + digit
        assert not rules.gtin_is_valid(wrong)
        with refused(InvalidInput, "gtin", r"^.*kiểm tra"):
            rules.clean_gtin(wrong)


def test_a_swapped_pair_of_digits_is_caught() -> None:
    assert not rules.gtin_is_valid("4003681333931")


@pytest.mark.parametrize(
    "bad", ["", "1234567", "12345678901", "123456789012345", "40063813339X1"]
)
def test_gtin_lengths_and_characters(bad: str) -> None:
    assert not rules.gtin_is_valid(bad)
    with refused(InvalidInput, "gtin", r"^.*8, 12, 13 hoặc 14"):
        rules.clean_gtin(bad)


def test_gtin_spaces_are_dropped_and_variants_cover_every_length() -> None:
    assert rules.clean_gtin("4 006381 333931") == "4006381333931"
    assert rules.gtin_variants("4006381333931") == ["4006381333931", "04006381333931"]
    assert rules.gtin_variants("036000291452") == [
        "036000291452",
        "0036000291452",
        "00036000291452",
    ]
    assert "73513537" in rules.gtin_variants("00000073513537")


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2022, 12, 15), 36, D(2025, 12, 15)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 2, 29), 36, D(2027, 2, 28)),
        (D(2023, 8, 31), 36, D(2026, 8, 31)),
        (D(2023, 12, 31), 36, D(2026, 12, 31)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
    ],
)
def test_months_are_added_with_month_ends(
    start: dt.date, months: int, end: dt.date
) -> None:
    assert rules.add_months(start, months) == end


def test_default_expiry_is_36_months() -> None:
    assert rules.default_expiry(D(2021, 7, 20)) == D(2024, 7, 20)
    assert rules.default_expiry(D(2024, 2, 29)) == D(2027, 2, 28)


def _status(on: dt.date, *, revoked: dt.date | None = None) -> S:
    return rules.certificate_status(
        decision_date=D(2024, 1, 10),
        expires_on=D(2027, 1, 10),
        revoked_on=revoked,
        on=on,
    )


def test_status_through_the_life_of_a_certificate() -> None:
    assert _status(D(2024, 1, 9)) is S.pending
    assert _status(D(2024, 1, 10)) is S.valid
    assert _status(D(2026, 10, 11)) is S.valid  # 91 days left
    assert _status(D(2026, 10, 12)) is S.expiring  # 90 days left
    assert _status(D(2027, 1, 10)) is S.expiring  # the last valid day
    assert _status(D(2027, 1, 11)) is S.expired
    assert _status(D(2025, 5, 1), revoked=D(2025, 6, 1)) is S.valid
    assert _status(D(2025, 6, 1), revoked=D(2025, 6, 1)) is S.revoked
    assert _status(D(2028, 1, 1), revoked=D(2025, 6, 1)) is S.revoked


@dataclass(frozen=True)
class Cert:
    id: int
    stars: int
    decision_date: dt.date
    expires_on: dt.date
    revoked_on: dt.date | None = None


def test_standing_picks_the_newest_certificate_in_force() -> None:
    old3 = Cert(1, 3, D(2021, 3, 1), D(2024, 3, 1))
    new4 = Cert(2, 4, D(2023, 6, 1), D(2026, 6, 1))
    assert rules.standing([old3, new4], D(2024, 1, 1)) == (new4, S.valid)
    assert rules.current_certificate([old3, new4], D(2024, 1, 1)) == new4
    # Once the newest lapses, the older one does not come back: both expired.
    assert rules.standing([old3, new4], D(2026, 7, 1)) == (new4, S.expired)
    revoked = Cert(3, 4, D(2024, 5, 1), D(2027, 5, 1), revoked_on=D(2025, 1, 2))
    assert rules.standing([old3, revoked], D(2025, 2, 1)) == (revoked, S.revoked)
    assert rules.standing([old3, revoked], D(2024, 1, 1)) == (old3, S.expiring)
    assert rules.standing([], D(2024, 1, 1)) == (None, None)
    assert rules.standing([new4], D(2023, 5, 31)) == (None, None)


@pytest.mark.parametrize(
    ("stars", "day", "allowed"),
    [
        (3, D(2021, 7, 20), {CertLevel.province}),  # Decision 1048: provinces
        (3, D(2023, 2, 23), {CertLevel.province}),
        (3, D(2023, 2, 24), {CertLevel.district}),  # Decision 148
        (3, D(2025, 7, 5), {CertLevel.district}),
        (3, D(2025, 7, 6), {CertLevel.province}),  # Decision 1489
        (4, D(2020, 1, 1), {CertLevel.province}),
        (4, D(2026, 1, 1), {CertLevel.province}),
        (5, D(2023, 5, 1), {CertLevel.central}),
        (2, D(2024, 1, 1), set()),
    ],
)
def test_levels_allowed_by_stars_and_date(
    stars: int, day: dt.date, allowed: set[CertLevel]
) -> None:
    assert rules.allowed_levels(stars, day) == allowed


def test_a_level_not_allowed_is_named_with_the_one_that_is() -> None:
    with refused(InvalidInput, "level", r"^.*cấp tỉnh.*không phải cấp huyện"):
        rules.check_level(3, D(2025, 8, 1), CertLevel.district)
    with refused(InvalidInput, "level", r"^.*cấp trung ương"):
        rules.check_level(5, D(2024, 8, 1), CertLevel.province)
    rules.check_level(3, D(2024, 8, 1), CertLevel.district)


@pytest.mark.parametrize("stars", [0, 1, 2, 6, -3])
def test_only_three_to_five_stars(stars: int) -> None:
    with refused(InvalidInput, "stars", r"^Hạng sao phải là 3, 4 hoặc 5"):
        rules.check_stars(stars)


def test_scores_fall_in_the_band_of_the_stars() -> None:
    rules.check_score(3, 50)
    rules.check_score(4, 89)
    rules.check_score(5, None)
    with refused(InvalidInput, "score", r"^.*70 đến 89"):
        rules.check_score(4, 90)
    with refused(InvalidInput, "score", r"^.*0 đến 100"):
        rules.check_score(5, 101)


def test_decision_dates() -> None:
    today = D(2026, 3, 1)
    rules.check_decision_date(today, today)
    with refused(InvalidInput, "decision_date", r"^.*01/03/2026"):
        rules.check_decision_date(D(2026, 3, 2), today)
    with refused(InvalidInput, "decision_date", r"^.*490/QĐ-TTg"):
        rules.check_decision_date(D(2018, 5, 6), today)
    with refused(InvalidInput, "expires_on", r"^"):
        rules.check_expiry(D(2024, 1, 1), D(2024, 1, 1))


def test_decision_numbers_have_one_written_form() -> None:
    assert rules.clean_decision_number(" 1358 / qđ - ubnd ") == "1358/QĐ-UBND"
    assert rules.clean_decision_number("12/QĐ-UBND") == "12/QĐ-UBND"


def test_public_codes_are_long_random_and_url_safe() -> None:
    codes = {rules.new_public_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", c) for c in codes)


def test_search_key_folds_product_and_producer() -> None:
    assert rules.product_search_key("Bánh pía Sầu riêng", "Tân Huê Viên") == (
        "banh pia sau rieng tan hue vien"
    )
