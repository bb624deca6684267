"""The optimistic version check and its one exception: a resend by its writer."""

from types import SimpleNamespace

import pytest

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.versions import (
    UNSET,
    StaleVersion,
    check_version,
    given,
    is_resend,
)


def _raise() -> bool:
    raise InvalidInput("Giá không được âm.", field="price")


def test_a_stale_version_is_a_409_unless_the_write_is_a_resend() -> None:
    record = SimpleNamespace(version=3, name="Bánh pía", unit="hộp")
    assert check_version(record, 3, "Sản phẩm") is False
    assert check_version(record, None, "Sản phẩm") is False
    with pytest.raises(StaleVersion):
        check_version(record, 2, "Sản phẩm")
    assert check_version(record, 2, "Sản phẩm", resent=lambda: True) is True
    with pytest.raises(StaleVersion):
        check_version(record, 2, "Sản phẩm", resent=lambda: False)
    # A value the write would refuse cannot be what is stored: still a 409.
    with pytest.raises(StaleVersion):
        check_version(record, 2, "Sản phẩm", resent=_raise)
    # A current version never asks.
    assert check_version(record, 3, "Sản phẩm", resent=_raise) is False


def test_a_resend_is_the_same_writer_and_every_value_sent_stored() -> None:
    record = SimpleNamespace(name="Bánh pía", unit="hộp", price=75000)
    assert is_resend(7, 7, record, {"name": "Bánh pía", "unit": "hộp"})
    assert is_resend(7, 7, record, {})
    assert not is_resend(7, 8, record, {"name": "Bánh pía"})
    assert not is_resend(7, None, record, {"name": "Bánh pía"})
    assert not is_resend(7, 7, record, {"name": "Bánh pía", "unit": "gói"})
    assert not is_resend(7, 7, None, {})
    assert given(name="A", unit=UNSET, price=None) == {"name": "A", "price": None}
