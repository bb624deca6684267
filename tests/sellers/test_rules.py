"""The seller account rules alone: status moves, claims, verification, days."""

import datetime as dt

import pytest

from ocop_tracker.core.errors import Conflict, InvalidInput
from ocop_tracker.sellers import rules
from ocop_tracker.sellers.models import ClaimStatus, SellerStatus

S = SellerStatus


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.not_started, S.preparing),
        (S.preparing, S.applied),
        (S.applied, S.preparing),
        (S.open, S.suspended),
        (S.open, S.closed),
        (S.suspended, S.closed),
        (S.closed, S.preparing),
    ],
)
def test_the_moves_a_team_makes_by_hand(current: S, new: S) -> None:
    rules.check_move(current, new, None)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.applied, S.open),
        (S.suspended, S.open),
        (S.not_started, S.suspended),
        (S.closed, S.open),
        (S.closed, S.applied),
    ],
)
def test_moves_refused(current: S, new: S) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_move(current, new, None)
    assert set(caught.value.fields) == {"status"}


def test_nothing_moves_while_a_claim_waits() -> None:
    with pytest.raises(Conflict):
        rules.check_move(S.applied, S.closed, ClaimStatus.pending)


@pytest.mark.parametrize("status", [S.not_started, S.preparing, S.applied])
def test_a_new_account_starts_before_it_is_open(status: S) -> None:
    rules.check_start(status)


@pytest.mark.parametrize("status", [S.open, S.suspended, S.closed])
def test_a_new_account_never_starts_open_or_after(status: S) -> None:
    with pytest.raises(InvalidInput):
        rules.check_start(status)


def test_a_claim_lists_what_is_missing() -> None:
    with pytest.raises(InvalidInput, match="Có địa chỉ lấy hàng"):
        rules.check_can_claim(S.applied, None, ["Có địa chỉ lấy hàng"])
    rules.check_can_claim(S.suspended, ClaimStatus.approved, [])
    rules.check_can_claim(S.applied, ClaimStatus.rejected, [])
    with pytest.raises(Conflict):
        rules.check_can_claim(S.open, ClaimStatus.approved, [])
    with pytest.raises(Conflict):
        rules.check_can_claim(S.closed, None, [])
    with pytest.raises(Conflict):
        rules.check_can_claim(S.applied, ClaimStatus.pending, [])


def test_only_a_pending_claim_is_verified() -> None:
    rules.check_can_verify(ClaimStatus.pending)
    for claim in (None, ClaimStatus.approved, ClaimStatus.rejected):
        with pytest.raises(Conflict):
            rules.check_can_verify(claim)


def test_the_day_of_a_change() -> None:
    today = dt.date(2026, 12, 2)
    rules.check_status_on(today, today=today, previous=today)
    with pytest.raises(InvalidInput):
        rules.check_status_on(dt.date(2026, 12, 3), today=today, previous=today)
    with pytest.raises(InvalidInput):
        rules.check_status_on(
            dt.date(2026, 11, 1), today=today, previous=dt.date(2026, 11, 2)
        )
