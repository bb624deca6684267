"""Pure rules of products and OCOP certificates: no database, no clock.

Sources (DOMAIN.md §2): Decision 148/QĐ-TTg (24/2/2023) — 100-point score, only
3★–5★ are OCOP products, districts recognise 3★, provinces 4★, the central level
5★, a certificate is valid 36 months from the decision date; Decision
1489/QĐ-TTg (6/7/2025) moved 3★ to the province. Before Decision 148 (Decision
1048/QĐ-TTg, 2019) the province recognised 3★ too: provinces' own 3★ decisions
of 2019–2022 (Hậu Giang 1358/QĐ-UBND of 20/7/2021, Đồng Tháp 2022) are real.
"""

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Protocol, TypeVar

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.labels import labels
from ocop_tracker.core.text import fold
from ocop_tracker.products.models import CertLevel

OCOP_STARS = (3, 4, 5)
VALIDITY_MONTHS = 36
EXPIRING_DAYS = 90
# Decision 490/QĐ-TTg (7/5/2018) started the programme: no decision predates it.
PROGRAMME_START = dt.date(2018, 5, 7)
DECISION_148 = dt.date(2023, 2, 24)
DECISION_1489 = dt.date(2025, 7, 6)

# Score bands of the 100-point scale (the same in Decisions 1048 and 148).
STAR_SCORES: Mapping[int, tuple[int, int]] = {3: (50, 69), 4: (70, 89), 5: (90, 100)}

_P, _D, _C = CertLevel.province, CertLevel.district, CertLevel.central
# Who may recognise each star rating, by the first day a rule applied.
LEVEL_PERIODS: Sequence[tuple[dt.date, Mapping[int, frozenset[CertLevel]]]] = (
    (dt.date.min, {3: frozenset({_P}), 4: frozenset({_P}), 5: frozenset({_C})}),
    (DECISION_148, {3: frozenset({_D}), 4: frozenset({_P}), 5: frozenset({_C})}),
    (DECISION_1489, {3: frozenset({_P}), 4: frozenset({_P}), 5: frozenset({_C})}),
)

LEVEL_LABELS: Mapping[CertLevel, str] = labels(CertLevel)


class CertificateStatus(StrEnum):
    """Where a certificate stands on a given day."""

    valid = "valid"
    expiring = "expiring"  # valid, expiring within EXPIRING_DAYS
    expired = "expired"
    revoked = "revoked"
    pending = "pending"  # the decision is dated after that day


STATUS_LABELS: Mapping[CertificateStatus, str] = labels(CertificateStatus)
IN_FORCE = frozenset({CertificateStatus.valid, CertificateStatus.expiring})


# --- GTIN ---------------------------------------------------------------------

GTIN_LENGTHS = (8, 12, 13, 14)
_DIGITS = re.compile(r"[0-9]+")


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit of a GTIN without its last digit (weights 3,1 from the right)."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_is_valid(code: str) -> bool:
    """True for a GTIN-8, -12, -13 or -14 whose check digit is right."""
    if len(code) not in GTIN_LENGTHS or not _DIGITS.fullmatch(code):
        return False
    return gtin_check_digit(code[:-1]) == int(code[-1])


def clean_gtin(raw: str) -> str:
    """The digits of a GTIN as printed under the barcode, or InvalidInput naming it."""
    code = re.sub(r"[\s-]", "", raw)
    if len(code) not in GTIN_LENGTHS or not _DIGITS.fullmatch(code):
        raise InvalidInput("Mã GTIN phải gồm 8, 12, 13 hoặc 14 chữ số.", field="gtin")
    if not gtin_is_valid(code):
        raise InvalidInput(
            "Mã GTIN sai chữ số kiểm tra (chữ số cuối); hãy đọc lại mã vạch.",
            field="gtin",
        )
    return code


def gtin_variants(code: str) -> list[str]:
    """The same GTIN written in every length (leading zeros added or dropped)."""
    core = code.lstrip("0")
    return [core.zfill(n) for n in GTIN_LENGTHS if len(core) <= n]


# --- dates ----------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; a day missing in the target month becomes its last."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def default_expiry(decision_date: dt.date) -> dt.date:
    """The last day of validity: the decision date plus 36 months."""
    return add_months(decision_date, VALIDITY_MONTHS)


def check_decision_date(decision_date: dt.date, today: dt.date) -> None:
    """Refuse a decision date in the future or before the OCOP programme."""
    if decision_date > today:
        raise InvalidInput(
            f"Ngày quyết định không được sau ngày hôm nay ({today:%d/%m/%Y}).",
            field="decision_date",
        )
    if decision_date < PROGRAMME_START:
        raise InvalidInput(
            "Ngày quyết định không được trước ngày 07/05/2018 "
            "(Chương trình OCOP bắt đầu theo Quyết định 490/QĐ-TTg).",
            field="decision_date",
        )


def check_expiry(decision_date: dt.date, expires_on: dt.date) -> None:
    """Refuse an expiry on or before the decision date."""
    if expires_on <= decision_date:
        raise InvalidInput("Ngày hết hạn phải sau ngày quyết định.", field="expires_on")


# --- stars, score, level ------------------------------------------------------------


def check_stars(stars: int) -> None:
    """Only 3★, 4★ and 5★ are OCOP products."""
    if stars not in OCOP_STARS:
        raise InvalidInput(
            "Hạng sao phải là 3, 4 hoặc 5 (chỉ từ 3 sao mới là sản phẩm OCOP).",
            field="stars",
        )


def check_score(stars: int, score: int | None) -> None:
    """A score, when given, lies in 0–100 and in the band of the stars."""
    if score is None:
        return
    if not 0 <= score <= 100:
        raise InvalidInput("Điểm đánh giá phải từ 0 đến 100.", field="score")
    low, high = STAR_SCORES[stars]
    if not low <= score <= high:
        raise InvalidInput(
            f"Sản phẩm {stars} sao cần điểm từ {low} đến {high}, không phải {score}.",
            field="score",
        )


def allowed_levels(stars: int, decision_date: dt.date) -> frozenset[CertLevel]:
    """The levels that could recognise ``stars`` on ``decision_date``."""
    rules = LEVEL_PERIODS[0][1]
    for first_day, period_rules in LEVEL_PERIODS:
        if decision_date >= first_day:
            rules = period_rules
    return rules.get(stars, frozenset())


def check_level(stars: int, decision_date: dt.date, level: CertLevel) -> None:
    """Refuse a level that could not recognise these stars on that date."""
    allowed = allowed_levels(stars, decision_date)
    if level not in allowed:
        names = " hoặc ".join(LEVEL_LABELS[lv] for lv in sorted(allowed))
        raise InvalidInput(
            f"Sản phẩm {stars} sao có quyết định ngày {decision_date:%d/%m/%Y} "
            f"do {names} công nhận, không phải {LEVEL_LABELS[level]}.",
            field="level",
        )


_DECISION_SEPARATORS = re.compile(r"\s*([/-])\s*")


def clean_decision_number(raw: str) -> str:
    """One written form for "1358/QĐ-UBND": no spaces around / and -, upper case;
    a number already in that form comes back as the same object."""
    clean = _DECISION_SEPARATORS.sub(r"\1", " ".join(raw.split())).upper()
    return raw if clean == raw else clean


# --- status ------------------------------------------------------------------------


class CertificateLike(Protocol):
    """What status rules read from a certificate (row or replayed state)."""

    @property
    def id(self) -> int: ...

    @property
    def decision_date(self) -> dt.date: ...

    @property
    def expires_on(self) -> dt.date: ...

    @property
    def revoked_on(self) -> dt.date | None: ...


C = TypeVar("C", bound=CertificateLike)


def certificate_status(
    *,
    decision_date: dt.date,
    expires_on: dt.date,
    revoked_on: dt.date | None,
    on: dt.date,
) -> CertificateStatus:
    """Status on ``on``: ``expires_on`` is the last valid day; revocation wins."""
    if revoked_on is not None and revoked_on <= on:
        return CertificateStatus.revoked
    if on < decision_date:
        return CertificateStatus.pending
    if on > expires_on:
        return CertificateStatus.expired
    if (expires_on - on).days <= EXPIRING_DAYS:
        return CertificateStatus.expiring
    return CertificateStatus.valid


def status_of(cert: CertificateLike, on: dt.date) -> CertificateStatus:
    """``certificate_status`` of one certificate."""
    return certificate_status(
        decision_date=cert.decision_date,
        expires_on=cert.expires_on,
        revoked_on=cert.revoked_on,
        on=on,
    )


def _newest(cert: CertificateLike) -> tuple[dt.date, int]:
    return cert.decision_date, cert.id


def current_certificate(certs: Iterable[C], on: dt.date) -> C | None:
    """The certificate in force on ``on`` with the latest decision, if any."""
    in_force = [c for c in certs if status_of(c, on) in IN_FORCE]
    return max(in_force, key=_newest, default=None)


def standing(
    certs: Iterable[C], on: dt.date
) -> tuple[C | None, CertificateStatus | None]:
    """The certificate that speaks for a product on ``on``, and its status.

    The newest one in force; failing that, the newest already decided (expired
    or revoked); no certificate decided by then gives (None, None).
    """
    decided = [c for c in certs if c.decision_date <= on]
    current = current_certificate(decided, on)
    if current is None:
        current = max(decided, key=_newest, default=None)
    return current, (status_of(current, on) if current is not None else None)


# --- search and public code ---------------------------------------------------------------------


SEARCH_KEY_LENGTH = 400


def product_search_key(name: str, producer_name: str) -> str:
    """Folded product and producer names: "banh pia" finds "Bánh pía" of any maker."""
    return fold(f"{name} {producer_name}")[:SEARCH_KEY_LENGTH]


def new_public_code() -> str:
    """A random URL-safe code of 22 characters (128 bits), unrelated to any id."""
    return secrets.token_urlsafe(16)
