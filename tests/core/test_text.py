"""Canonical Vietnamese text and folded search keys."""

import random
import re
import unicodedata

import pytest

from ocop_tracker.core.text import (
    compact,
    fold,
    has_forbidden_chars,
    normalize,
    normalize_multiline,
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Kế Sách", "ke sach"),
        ("Đại Ân 2", "dai an 2"),
        ("ĐỒNG THÁP", "dong thap"),
        ("Thị trấn  Lịch Hội   Thượng", "thi tran lich hoi thuong"),
        ("Văn Miếu - Quốc Tử Giám", "van mieu quoc tu giam"),
    ],
)
def test_fold_drops_diacritics_and_maps_d(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_fold_gives_the_same_key_for_nfd_and_nfc() -> None:
    nfc = "Mỹ Phước"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert fold(nfd) == fold(nfc) == "my phuoc"


def _fold_by_decomposing(value: str) -> str:
    """The key as its definition says: decompose, drop the marks, lower-case,
    keep letters and digits."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", stripped.lower()).split())


def test_fold_equals_decomposing_the_whole_text_for_any_characters() -> None:
    """Folding character by character (a table) gives what decomposing the
    whole text gives: Vietnamese in both forms, other scripts, marks alone,
    odd white space and letters that lower-case to more than one."""
    rng = random.Random(7)
    samples = [
        "",
        " ",
        "İstanbul ΣΟΦΟΣ",
        "Ǆ ǅ ß ﬁ Å",
        "a\u0301\u0323b",
        "\u00a0x\u2003y\t",
    ]
    samples += [
        unicodedata.normalize(form, "Ấp Mỹ Phước, Kế Sách – Đồng")
        for form in ("NFC", "NFD", "NFKD")
    ]
    for _ in range(3000):
        samples.append(
            "".join(
                chr(
                    rng.choice(
                        (rng.randrange(32, 0x2FFF), rng.randrange(0x1E00, 0x1EFF), 32)
                    )
                )
                for _ in range(rng.randrange(1, 24))
            )
        )
    for value in samples:
        assert fold(value) == _fold_by_decomposing(value), repr(value)


def test_normalize_returns_nfc_with_single_spaces() -> None:
    nfd = unicodedata.normalize("NFD", "  Ấp   Mỹ Phước ")
    assert normalize(nfd) == "Ấp Mỹ Phước"
    assert unicodedata.is_normalized("NFC", normalize(nfd))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Kế Sách", "KeSach"), ("Phường 5", "Phuong5"), ("Sóc Trăng", "SocTrang")],
)
def test_compact_writes_names_together(raw: str, expected: str) -> None:
    assert compact(raw) == expected


@pytest.mark.parametrize("bad", ["a\x00b", "a\u202eb", "a\u200bb", "a\x07b", "a\nb"])
def test_forbidden_characters_are_detected(bad: str) -> None:
    assert has_forbidden_chars(bad)


def test_ordinary_vietnamese_is_allowed() -> None:
    assert not has_forbidden_chars("Ấp Mỹ Phước, xã Nhơn Mỹ (Kế Sách) – 100%")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Dòng một\r\nDòng hai", "Dòng một\nDòng hai"),
        ("Dòng một\rDòng hai", "Dòng một\nDòng hai"),
        ("  Dòng   một \n\n\n\n  Dòng hai  \n", "Dòng một\n\nDòng hai"),
        ("Một\u2028Hai", "Một\nHai"),
        ("\n\nMột dòng\n\n", "Một dòng"),
    ],
)
def test_normalize_multiline_keeps_line_breaks(raw: str, expected: str) -> None:
    assert normalize_multiline(raw) == expected
    assert unicodedata.is_normalized("NFC", normalize_multiline(raw))


def test_multiline_text_allows_line_breaks_and_nothing_else() -> None:
    assert not has_forbidden_chars("Dòng một\r\nDòng hai\rBa", multiline=True)
    for bad in ("a\x00b", "a\tb", "a\x0bb", "a\x0cb", "a\u202eb", "a\u200bb", "a\x85b"):
        assert has_forbidden_chars(bad, multiline=True), repr(bad)
