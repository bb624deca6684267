"""Commands on a product's OCOP certificates: add, correct, revoke, and their checks.

Services never commit; the request (or command) owns the transaction. Reads
are in ``products/views.py``.
"""

import dataclasses
import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import check_writer
from ocop_tracker.core import clock
from ocop_tracker.core.errors import Conflict, InvalidInput
from ocop_tracker.core.text import required_text
from ocop_tracker.core.versions import UNSET, Unset, check_version, flush_versioned
from ocop_tracker.products import repository, rules
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import Certificate, CertLevel, Product, ProductKind
from ocop_tracker.users.models import WRITERS, Role, User


@dataclass(frozen=True)
class _CertFields:
    stars: int
    score: int | None
    decision_number: str
    decision_date: dt.date
    authority: str
    level: CertLevel
    expires_on: dt.date

    def columns(self) -> dict[str, Any]:
        """The fields by name: a certificate's columns of the same names."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def _check_number_free(
    session: Session, product: Product, number: str, exclude_id: int | None = None
) -> None:
    """No other certificate of the product records the decision ``number``."""
    clash = repository.certificate_numbered(
        session, product.id, number, exclude_id=exclude_id
    )
    if clash is not None:
        raise numbered_twice(number)


def numbered_twice(number: str) -> Conflict:
    """The refusal of a second certificate of one decision for one product."""
    return Conflict(
        f"Sản phẩm đã có giấy chứng nhận theo quyết định {number}.",
        field="decision_number",
    )


def _clean_certificate(fields: _CertFields) -> _CertFields:
    """The rules of a certificate that read nothing, in the order of the form."""
    rules.check_stars(fields.stars)
    rules.check_score(fields.stars, fields.score)
    number = rules.clean_decision_number(
        required_text(
            fields.decision_number,
            field="decision_number",
            label="Số quyết định",
            max_len=60,
        )
    )
    rules.check_decision_date(fields.decision_date, clock.today())
    authority = required_text(
        fields.authority, field="authority", label="Cơ quan công nhận", max_len=200
    )
    rules.check_level(fields.stars, fields.decision_date, fields.level)
    rules.check_expiry(fields.decision_date, fields.expires_on)
    return replace(fields, decision_number=number, authority=authority)


def add_certificate(
    session: Session,
    actor: User,
    product: Product,
    *,
    stars: int,
    decision_number: str,
    decision_date: dt.date,
    authority: str,
    level: CertLevel,
    score: int | None = None,
    expires_on: dt.date | None = None,
    roles: frozenset[Role] = WRITERS,
) -> Certificate:
    """Record a recognition decision; expiry defaults to the date + 36 months."""
    check_writer(session, actor, product.hamlet_id, "sản phẩm", roles)
    cert = Certificate(
        **certificate_columns(
            product_id=product.id,
            hamlet_id=product.hamlet_id,
            kind=product.kind,
            stars=stars,
            decision_number=decision_number,
            decision_date=decision_date,
            authority=authority,
            level=level,
            score=score,
            expires_on=expires_on,
        )
    )
    _check_number_free(session, product, cert.decision_number)
    session.add(cert)
    session.flush()
    return cert


def certificate_columns(
    *,
    product_id: int | None,
    hamlet_id: int,
    kind: ProductKind,
    stars: int,
    decision_number: str,
    decision_date: dt.date,
    authority: str,
    level: CertLevel,
    score: int | None = None,
    expires_on: dt.date | None = None,
) -> dict[str, Any]:
    """A new certificate's columns, checked: every rule that reads nothing.
    ``add_certificate`` adds the area and a decision already recorded; the
    list import checks those for a whole file at once, gives ``product_id``
    when it has one, and inserts the columns without the ORM
    (``core.base.new_row``). ``kind``: the product's."""
    if kind is not ProductKind.ocop:
        raise InvalidInput(
            "Chỉ sản phẩm loại OCOP mới có giấy chứng nhận; hãy đổi loại sản phẩm trước.",
            field="kind",
        )
    fields = _clean_certificate(
        _CertFields(
            stars=stars,
            score=score,
            decision_number=decision_number,
            decision_date=decision_date,
            authority=authority,
            level=level,
            expires_on=expires_on or rules.default_expiry(decision_date),
        )
    )
    return {"product_id": product_id, "hamlet_id": hamlet_id, **fields.columns()}


def _or_current(value: Any, current: Any) -> Any:
    """The value sent, or the stored one when the field was left out."""
    return current if isinstance(value, Unset) else value


def update_certificate(
    session: Session,
    actor: User,
    product: Product,
    certificate_id: int,
    *,
    version: int,
    stars: int | Unset | None = UNSET,
    score: int | Unset | None = UNSET,
    decision_number: str | Unset | None = UNSET,
    decision_date: dt.date | Unset | None = UNSET,
    authority: str | Unset | None = UNSET,
    level: CertLevel | Unset | None = UNSET,
    expires_on: dt.date | Unset | None = UNSET,
) -> Certificate:
    """Correct a certificate; every rule is checked again on the result.

    A new decision date moves a default expiry along with it; an expiry that
    was set by hand stays unless a new one is sent.
    """
    cert = product_views.get_certificate(session, actor, product, certificate_id)
    check_writer(session, actor, cert.hamlet_id, "giấy chứng nhận")
    check_version(cert, version, "Giấy chứng nhận")
    for field, value in (
        ("stars", stars),
        ("decision_number", decision_number),
        ("decision_date", decision_date),
        ("authority", authority),
        ("level", level),
    ):
        if value is None:
            raise InvalidInput("Trường này không được để trống.", field=field)
    new_date = cert.decision_date if isinstance(decision_date, Unset) else decision_date
    assert new_date is not None
    if not isinstance(expires_on, Unset) and expires_on is not None:
        new_expiry = expires_on
    elif cert.expires_on == rules.default_expiry(cert.decision_date) or not isinstance(
        expires_on, Unset
    ):
        new_expiry = rules.default_expiry(new_date)
    else:
        new_expiry = cert.expires_on

    fields = _clean_certificate(
        _CertFields(
            stars=_or_current(stars, cert.stars),
            score=_or_current(score, cert.score),
            decision_number=_or_current(decision_number, cert.decision_number),
            decision_date=new_date,
            authority=_or_current(authority, cert.authority),
            level=_or_current(level, cert.level),
            expires_on=new_expiry,
        )
    )
    _check_number_free(session, product, fields.decision_number, cert.id)
    if cert.revoked_on is not None and cert.revoked_on < fields.decision_date:
        raise InvalidInput(
            "Ngày quyết định không được sau ngày thu hồi giấy chứng nhận.",
            field="decision_date",
        )
    for column, value in fields.columns().items():
        setattr(cert, column, value)
    flush_versioned(session, "Giấy chứng nhận")
    return cert


def revoke_certificate(
    session: Session,
    actor: User,
    product: Product,
    certificate_id: int,
    *,
    revoked_on: dt.date,
    reason: str,
    version: int,
) -> Certificate:
    """Revoke a certificate from a date (not in the future), for a reason."""
    cert = product_views.get_certificate(session, actor, product, certificate_id)
    check_writer(session, actor, cert.hamlet_id, "giấy chứng nhận")
    check_version(cert, version, "Giấy chứng nhận")
    if cert.revoked_on is not None:
        raise Conflict(
            f"Giấy chứng nhận đã bị thu hồi từ ngày {cert.revoked_on:%d/%m/%Y}.",
            field="revoked_on",
        )
    if revoked_on > clock.today():
        raise InvalidInput(
            "Ngày thu hồi không được sau ngày hôm nay.", field="revoked_on"
        )
    if revoked_on < cert.decision_date:
        raise InvalidInput(
            "Ngày thu hồi không được trước ngày quyết định.", field="revoked_on"
        )
    cert.revoke_reason = required_text(
        reason, field="reason", label="Lý do thu hồi", max_len=300, multiline=True
    )
    cert.revoked_on = revoked_on
    flush_versioned(session, "Giấy chứng nhận")
    return cert
