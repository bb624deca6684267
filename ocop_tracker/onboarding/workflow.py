"""The onboarding rules, pure: ordered steps as data, evidence URLs, status changes.

Nothing here reads the database or branches on a marketplace: every marketplace
is a domain and an ordered list of steps (DOMAIN.md §4). The steps are the
product's own — photos, listing, first order, quality commitment; the shop and
the e-payment account belong to the producer (``sellers/``, ``producers/``).
What must hold before a step is data too (``requires``), and a step no longer
asked is retired on a date, never deleted. The service loads the data, asks
these functions, and writes what they answer.
"""

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ocop_tracker.core.errors import Conflict, Forbidden, InvalidInput
from ocop_tracker.core.text import clean_text, has_forbidden_chars
from ocop_tracker.onboarding.models import (
    Decision,
    DecisionColumns,
    ListingStatus,
    StepStatus,
)

# The step whose recording claims "listed" and asks for verification.
CLAIM_STEP = "listing"
# What a shop (gian hàng) page is called in refusals; its URL rule is the
# marketplace's (``shop_url_pattern``), held by every seller account's shop URL.
SHOP_PAGE = "trang gian hàng"
# Steps whose evidence URL is copied onto the listing, and into which column.
URL_COLUMNS: Mapping[str, str] = {CLAIM_STEP: "listing_url"}
# The step recorded by the marketplace's photo rule, never by hand: the photos
# service records it when the product's photos meet the rule and re-opens it
# when they no longer do (until the listing is verified).
RULE_STEP = "photos"
# What kind of page each URL step's evidence must be, in words.
PAGE_NAMES: Mapping[str, str] = {CLAIM_STEP: "trang sản phẩm"}
# The evidence a step may ask for: a page on the marketplace ("url"), or a
# document — a photo of it uploaded to the step, or a link to it ("document").
EVIDENCE_URL = "url"
EVIDENCE_DOCUMENT = "document"
EVIDENCE_KINDS = frozenset({EVIDENCE_URL, EVIDENCE_DOCUMENT})
# What a step may require before it is recorded (``MarketplaceStep.requires``).
SELLER_OPEN = "seller_open"
REQUIREMENTS = frozenset({SELLER_OPEN})
# The claim stands (the step counts as done) only while it is pending or approved.
CLAIM_STANDS = frozenset({ListingStatus.awaiting_verification, ListingStatus.listed})
# A listing an official has verified (live, or live once and taken down).
VERIFIED = frozenset({ListingStatus.listed, ListingStatus.delisted})

MAX_URL = 500
MAX_NOTE = 1000
MAX_REASON = 300
MAX_COMMENT = 1000
MAX_URL_RULE = 300
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# Lower-case ASCII host names of two labels or more, the last starting with a
# letter: no IP literals, ports, user info, Unicode look-alikes or trailing dot.
_HOST = re.compile(
    rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?$"
)
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")


@dataclass(frozen=True)
class StepDef:
    """One onboarding step of a marketplace, as data."""

    code: str
    position: int
    name: str
    evidence: str | None = None
    url_pattern: str | None = None
    url_example: str | None = None
    requires: str | None = None
    retired_on: dt.date | None = None


def asked_on(step: StepDef, day: dt.date | None = None) -> bool:
    """True while the step is asked: not retired, or retired after ``day``."""
    return step.retired_on is None or (day is not None and step.retired_on > day)


def ordered(steps: Iterable[StepDef]) -> list[StepDef]:
    """The steps in the order they must be done."""
    return sorted(steps, key=lambda s: s.position)


def find_step(steps: Sequence[StepDef], code: str, marketplace: str) -> StepDef:
    """The step with this code, or InvalidInput naming it."""
    for step in steps:
        if step.code == code:
            return step
    raise InvalidInput(
        f"Bước “{code}” không có trong quy trình của sàn {marketplace}.", field="step"
    )


def is_done(
    code: str, records: Mapping[str, StepStatus], status: ListingStatus
) -> bool:
    """True when the step counts as done; a rejected or delisted claim does not."""
    if records.get(code) is not StepStatus.done:
        return False
    return code != CLAIM_STEP or status in CLAIM_STANDS


def next_step(
    steps: Sequence[StepDef], records: Mapping[str, StepStatus], status: ListingStatus
) -> str | None:
    """The first step not done yet, or None when every step is done."""
    for step in ordered(steps):
        if not is_done(step.code, records, status):
            return step.code
    return None


def check_can_record(
    steps: Sequence[StepDef],
    records: Mapping[str, StepStatus],
    status: ListingStatus,
    code: str,
    *,
    marketplace: str,
) -> StepDef:
    """The step to record as done, after checking it is not blocked nor out of order.

    A step already done may be recorded again (a correction); every earlier
    step must be done first.
    """
    step = find_step(steps, code, marketplace)
    if records.get(code) is StepStatus.blocked:
        raise InvalidInput(
            f"Bước “{step.name}” ({code}) đang tạm dừng; hãy gỡ tạm dừng trước khi ghi hoàn thành."
        )
    for earlier in ordered(steps):
        if earlier.position >= step.position:
            break
        if records.get(earlier.code) is StepStatus.blocked:
            raise InvalidInput(
                f"Chưa ghi được bước “{step.name}” ({code}): bước trước “{earlier.name}” ({earlier.code}) đang tạm dừng."
            )
        if not is_done(earlier.code, records, status):
            raise InvalidInput(
                f"Chưa ghi được bước “{step.name}” ({code}): cần xong bước “{earlier.name}” ({earlier.code}) trước (làm theo thứ tự)."
            )
    return step


def check_can_block(
    steps: Sequence[StepDef],
    records: Mapping[str, StepStatus],
    status: ListingStatus,
    code: str,
    *,
    marketplace: str,
) -> StepDef:
    """The step to block: one not done and not already blocked."""
    step = find_step(steps, code, marketplace)
    if records.get(code) is StepStatus.blocked:
        raise Conflict(f"Bước “{step.name}” ({code}) đang tạm dừng rồi.")
    if is_done(code, records, status):
        raise InvalidInput(
            f"Bước “{step.name}” ({code}) đã hoàn thành, không tạm dừng được."
        )
    return step


def check_can_unblock(
    steps: Sequence[StepDef],
    records: Mapping[str, StepStatus],
    code: str,
    *,
    marketplace: str,
) -> StepDef:
    """The step to unblock: it must be blocked."""
    step = find_step(steps, code, marketplace)
    if records.get(code) is not StepStatus.blocked:
        raise InvalidInput(f"Bước “{step.name}” ({code}) không bị tạm dừng.")
    return step


def check_requirement(step: StepDef, met: Mapping[str, bool], *, domain: str) -> None:
    """What the step requires (data) must hold; payment is never required."""
    if step.requires == SELLER_OPEN and not met.get(SELLER_OPEN, False):
        raise InvalidInput(
            f"Gian hàng của chủ thể trên {domain} chưa mở (chưa được cán bộ xác minh), nên chưa đăng sản phẩm được. Hãy mở gian hàng ở trang của chủ thể, mục tài khoản bán hàng, rồi ghi bước này.",
            field="evidence_url",
        )


def check_document(step: StepDef, *, url: str | None, photos: int) -> None:
    """A step asking for a document has a photo of it, or a link to it."""
    if step.evidence == EVIDENCE_DOCUMENT and url is None and photos == 0:
        raise InvalidInput(
            f"Bước “{step.name}” cần bằng chứng: thêm ảnh văn bản đã ký (mục “Thêm ảnh minh chứng”) hoặc ghi đường dẫn tới văn bản.",
            field="evidence_url",
        )


def status_after_record(code: str, status: ListingStatus) -> ListingStatus:
    """Recording the claim step asks for verification; other steps change nothing."""
    return ListingStatus.awaiting_verification if code == CLAIM_STEP else status


def check_can_verify(status: ListingStatus) -> None:
    """Only a pending claim can be approved or rejected."""
    if status is not ListingStatus.awaiting_verification:
        raise Conflict(
            "Hồ sơ này không chờ xác minh: chỉ xác minh được khi tổ đã báo sản phẩm lên sàn."
        )


def status_after_decision(decision: Decision) -> ListingStatus:
    """Approval puts the listing live; rejection sends it back to the team."""
    return (
        ListingStatus.listed
        if decision is Decision.approved
        else ListingStatus.rejected
    )


def check_not_claimant(
    actor_id: int, claimants: Iterable[int | None], *, what: str = "việc lên sàn"
) -> None:
    """A claim is verified by someone else than whoever made it (never oneself)."""
    if actor_id in set(claimants):
        raise Forbidden(
            f"Bạn không thể tự xác minh {what} do chính mình báo; cần một cán bộ khác xác minh."
        )


def clean_comment(decision: Decision, raw: str | None) -> str | None:
    """The verifier's comment; a rejection must say why."""
    comment = clean_text(
        raw,
        field="comment",
        label="Nhận xét",
        max_len=MAX_COMMENT,
        multiline=True,
    )
    if decision is Decision.rejected and not comment:
        raise InvalidInput(
            "Cần ghi nhận xét khi từ chối, để tổ biết phải sửa gì.", field="comment"
        )
    return comment


def decide(
    record: DecisionColumns,
    decision: Decision,
    comment: str | None,
    *,
    by: int,
    at: dt.datetime,
) -> None:
    """Write an official's answer to a claim on its decision record: the
    decision, the comment (``clean_comment``: a rejection says why), who, when."""
    record.comment = clean_comment(decision, comment)
    record.decision = decision
    record.decided_by_id = by
    record.decided_at = at


def check_can_delist(
    status: ListingStatus, *, on: dt.date, today: dt.date, verified_on: dt.date | None
) -> None:
    """Only a live listing goes down, on a date neither future nor before its verification."""
    if status is not ListingStatus.listed:
        raise Conflict("Chỉ gỡ được hồ sơ đang ở trạng thái đã lên sàn (đã xác minh).")
    if on > today:
        raise InvalidInput("Ngày gỡ khỏi sàn không được sau hôm nay.", field="date")
    if verified_on is not None and on < verified_on:
        raise InvalidInput(
            f"Ngày gỡ khỏi sàn không được trước ngày xác minh {verified_on:%d/%m/%Y}.",
            field="date",
        )


def check_open(status: ListingStatus) -> None:
    """A delisted listing takes no step until it is brought back (re-listed)."""
    if status is ListingStatus.delisted:
        raise Conflict(
            "Sản phẩm đã gỡ khỏi sàn: hãy bấm “Đưa lên sàn lại” trước, rồi làm tiếp các bước."
        )


def check_can_relist(status: ListingStatus) -> None:
    """Only a delisted listing can be brought back."""
    if status is not ListingStatus.delisted:
        raise Conflict("Chỉ đưa lên sàn lại được sản phẩm đã gỡ khỏi sàn.")


def host_in_domain(host: str, domain: str) -> bool:
    """True for the domain itself or one of its subdomains (not a look-alike)."""
    return host == domain or host.endswith("." + domain)


def clean_url(
    raw: str | None,
    *,
    domain: str | None,
    field: str = "evidence_url",
    label: str = "Đường dẫn",
) -> str:
    """An ``https://`` URL, on ``domain`` or a subdomain when one is given.

    Refuses other schemes (``http:``, ``javascript:``), user info
    (``https://voso.vn@evil.example``), ports, IP literals, look-alike hosts
    (``voso.vn.evil.example``, ``evilvoso.vn``) and non-ASCII host names.
    Returns the URL with scheme and host in lower case.
    """
    value = (raw or "").strip()

    def refuse(says: str) -> InvalidInput:
        return InvalidInput(f"{label} {says}", field=field)

    if not value:
        raise InvalidInput(f"Cần nhập {label.lower()}.", field=field)
    if len(value) > MAX_URL:
        raise refuse(f"dài quá {MAX_URL} ký tự.")
    if has_forbidden_chars(value) or "\\" in value or any(c.isspace() for c in value):
        raise refuse("chứa ký tự không hợp lệ (khoảng trắng, \\ …).")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise refuse("không phải một địa chỉ web hợp lệ.") from None
    if parts.scheme.lower() != "https":
        raise refuse("phải bắt đầu bằng https://.")
    netloc = parts.netloc
    if "@" in netloc:
        raise refuse("không được chứa tên đăng nhập (dấu @) trước tên miền.")
    host = netloc.lower()
    if ":" in host:
        raise refuse("không được ghi cổng hay địa chỉ IP.")
    if not _HOST.match(host):
        raise refuse("có tên miền không hợp lệ.")
    if domain is not None and not host_in_domain(host, domain):
        raise refuse(f"phải là trang trên {domain} (https://{domain}/…).")
    return urlunsplit(("https", host, parts.path, parts.query, parts.fragment))


def check_page(
    url: str,
    *,
    domain: str,
    label: str,
    page: str,
    pattern: str | None,
    example: str | None,
    field: str = "evidence_url",
) -> None:
    """A cleaned evidence URL must be the right kind of page, never the home page.

    ``pattern`` (data of the marketplace's step) must match the whole path;
    without one, any path beyond the root is taken.
    """
    path = urlsplit(url).path
    hint = f" Ví dụ: {example}" if example else ""
    if path in {"", "/"}:
        raise InvalidInput(
            f"{label} phải là {page} trên {domain}, không phải trang chủ của sàn.{hint}",
            field=field,
        )
    if pattern and re.fullmatch(pattern, path) is None:
        raise InvalidInput(
            f"{label} chưa phải {page} trên {domain} (trang gian hàng, danh mục hay trang khác không được nhận).{hint}",
            field=field,
        )


def clean_page_url(
    raw: str | None,
    *,
    domain: str,
    label: str,
    step: StepDef | None,
    page: str | None = None,
    field: str = "evidence_url",
) -> str:
    """An ``https://`` URL on ``domain`` that is the page ``step``'s URL rule asks for.

    ``page`` names the kind of page (default: the step's, from ``PAGE_NAMES``);
    without a step, any page beyond the home page is taken.
    """
    url = clean_url(raw, domain=domain, field=field, label=label)
    check_page(
        url,
        domain=domain,
        label=label,
        page=page or PAGE_NAMES.get(step.code if step else "", "trang bằng chứng"),
        pattern=step.url_pattern if step else None,
        example=step.url_example if step else None,
        field=field,
    )
    return url


def clean_url_rule(
    pattern: str | None, example: str | None, *, domain: str, page: str
) -> tuple[str | None, str | None]:
    """An admin's URL rule of a step: a valid pattern, and an example it accepts."""
    clean_pattern = (pattern or "").strip() or None
    clean_example = (example or "").strip() or None
    if clean_pattern is not None:
        if len(clean_pattern) > MAX_URL_RULE or not clean_pattern.startswith("/"):
            raise InvalidInput(
                f"Mẫu đường dẫn phải bắt đầu bằng / và dài tối đa {MAX_URL_RULE} ký tự, ví dụ /[^/]+-p[0-9]+\\.html.",
                field="url_pattern",
            )
        try:
            re.compile(clean_pattern)
        except re.error as exc:
            raise InvalidInput(
                f"Mẫu đường dẫn không phải biểu thức chính quy hợp lệ: {exc.msg}.",
                field="url_pattern",
            ) from None
    if clean_example is not None:
        if len(clean_example) > MAX_URL_RULE:
            raise InvalidInput(
                f"Đường dẫn ví dụ dài quá {MAX_URL_RULE} ký tự.", field="url_example"
            )
        label = "Đường dẫn ví dụ"
        clean_example = clean_url(
            clean_example, domain=domain, field="url_example", label=label
        )
        check_page(
            clean_example,
            domain=domain,
            label=label,
            page=page,
            pattern=clean_pattern,
            example=None,
            field="url_example",
        )
    return clean_pattern, clean_example


def clean_domain(raw: str) -> str:
    """A marketplace's domain: a lower-case host name such as ``voso.vn``."""
    value = raw.strip().lower()
    if "://" in value or "/" in value:
        raise InvalidInput(
            "Tên miền chỉ ghi tên, không ghi https:// hay đường dẫn, ví dụ voso.vn.",
            field="domain",
        )
    if not _HOST.match(value):
        raise InvalidInput(
            "Tên miền không hợp lệ, ví dụ đúng: voso.vn.", field="domain"
        )
    return value


def clean_code(raw: str, *, field: str, label: str, example: str) -> str:
    """A short code: lower-case letters, digits and _, starting with a letter."""
    value = raw.strip().lower()
    if not _CODE.match(value):
        raise InvalidInput(
            f"{label} gồm 2–30 chữ thường không dấu, số hoặc _, bắt đầu bằng chữ, ví dụ {example}.",
            field=field,
        )
    return value


def check_new_step(
    existing: Sequence[StepDef], *, code: str, evidence: str | None
) -> int:
    """The position a new step takes (after the last), or why it cannot be added."""
    if any(s.code == code for s in existing):
        raise Conflict(f"Sàn đã có bước “{code}”.")
    if evidence is not None and evidence not in EVIDENCE_KINDS:
        raise InvalidInput(
            "Bằng chứng chỉ nhận giá trị “url” (đường dẫn), “document” (ảnh hoặc đường dẫn văn bản) hoặc để trống.",
            field="evidence",
        )
    if code in URL_COLUMNS and evidence != EVIDENCE_URL:
        raise InvalidInput(
            f"Bước “{code}” phải có bằng chứng là đường dẫn (“url”).",
            field="evidence",
        )
    return max((s.position for s in existing), default=0) + 1
