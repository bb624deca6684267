"""One run of the link check: what is due, claimed, requested, recorded.

Three short transactions, never one held while requests are out: read and
claim what is due (committed, so a second worker running at the same time
finds it taken), request outside any transaction, then record the answers.
``ocop-tracker links check`` and the daily job (``links/daily.py``) run it.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ocop_tracker.core.clock import today
from ocop_tracker.core.config import Settings, get_settings
from ocop_tracker.links import outbound, service
from ocop_tracker.links.models import Outcome

log = logging.getLogger("ocop_tracker.links")
NO_LIMIT = 1_000_000


@dataclass
class Summary:
    """What a run did."""

    due: int = 0
    skipped: int = 0  # refused by the outbound rules: never requested
    checked: int = 0
    ok: int = 0
    gone: int = 0
    home: int = 0
    errors: int = 0
    flagged: int = 0
    dry_run: bool = False

    def text(self) -> str:
        """The summary in Vietnamese, as the command prints it."""
        if self.dry_run:
            return (
                f"Chạy thử: {self.due} liên kết sẽ được kiểm tra hôm nay, "
                f"{self.skipped} liên kết bị bỏ qua (không thuộc tên miền của sàn); "
                "không gửi yêu cầu nào."
            )
        return (
            f"Đã kiểm tra {self.checked} liên kết: {self.ok} còn hoạt động, "
            f"{self.gone} không còn (404/410), {self.home} chuyển về trang chủ sàn, "
            f"{self.errors} lỗi tạm thời; {self.flagged} liên kết có thể đã bị gỡ. "
            f"Bỏ qua {self.skipped} liên kết không thuộc tên miền của sàn."
        )


def run(
    session: Session,
    *,
    limit: int | None = None,
    dry_run: bool = False,
    settings: Settings | None = None,
    day: dt.date | None = None,
) -> Summary:
    """Check the verified URLs not yet checked today (at most ``limit``)."""
    policy = outbound.policy_from(settings or get_settings())
    day = day or today()
    summary = Summary(dry_run=dry_run)
    allowed = []
    for target in service.due(session, day, limit or NO_LIMIT):
        try:
            outbound.allowed_host(target.url, target.domain, policy)
        except outbound.Refused as exc:
            log.warning(
                "links: %s %d not requested: %s", target.kind, target.subject_id, exc
            )
            summary.skipped += 1
            continue
        allowed.append(target)
    summary.due = len(allowed)
    if dry_run:
        session.rollback()
        return summary
    claimed = service.claim(session, allowed, day)
    session.commit()
    results = outbound.fetch_all([(t.url, t.domain) for t in claimed], policy)
    for target, result in zip(claimed, results, strict=True):
        summary.checked += 1
        if result.outcome is Outcome.ok:
            summary.ok += 1
        elif result.outcome is Outcome.gone:
            summary.gone += 1
        elif result.outcome is Outcome.home:
            summary.home += 1
        else:
            summary.errors += 1
            log.info(
                "links: %s %d: %s %s",
                target.kind,
                target.subject_id,
                result.status_code,
                result.detail,
            )
        if service.record(session, target, result, day):
            summary.flagged += 1
    session.commit()
    return summary
