"""The pure onboarding rules: order, blocks, claims, URLs, codes, delisting."""

import datetime as dt
import re

import pytest

from ocop_tracker.core.errors import Conflict, InvalidInput
from ocop_tracker.core.text import clean_text, required_text
from ocop_tracker.onboarding import workflow
from ocop_tracker.onboarding.models import Decision, ListingStatus, StepStatus
from ocop_tracker.onboarding.workflow import StepDef
from tests.refusals import refused

DONE, BLOCKED = StepStatus.done, StepStatus.blocked
IN_PROGRESS = ListingStatus.in_progress
# The seeded order (DOMAIN.md §4), given shuffled: position decides, not list order.
STEPS = [
    StepDef("listing", 4, "Đăng sản phẩm lên sàn", "url"),
    StepDef("photos", 1, "Ảnh sản phẩm đạt yêu cầu"),
    StepDef("quality", 6, "Ký cam kết chất lượng sản phẩm"),
    StepDef("storefront", 2, "Mở gian hàng cho chủ thể", "url"),
    StepDef("first_order", 5, "Nhận và đóng gói đơn hàng đầu tiên"),
    StepDef("payment", 3, "Mở và liên kết tài khoản thanh toán điện tử"),
]
CODES = ["photos", "storefront", "payment", "listing", "first_order", "quality"]
# Another marketplace with other steps: the same code must serve it.
OTHER = [
    StepDef("register", 1, "Đăng ký người bán"),
    StepDef("listing", 2, "Đăng sản phẩm", "url"),
]


def _done(*codes: str) -> dict[str, StepStatus]:
    return dict.fromkeys(codes, DONE)


def test_steps_are_ordered_by_position() -> None:
    assert [s.code for s in workflow.ordered(STEPS)] == CODES


def test_next_step_walks_the_order() -> None:
    assert workflow.next_step(STEPS, {}, IN_PROGRESS) == "photos"
    assert workflow.next_step(STEPS, _done("photos"), IN_PROGRESS) == "storefront"
    everything = _done(*CODES)
    assert workflow.next_step(STEPS, everything, ListingStatus.listed) is None
    assert workflow.next_step(OTHER, _done("register"), IN_PROGRESS) == "listing"


def test_a_blocked_step_is_the_next_step_until_unblocked() -> None:
    records = {**_done("photos"), "storefront": BLOCKED}
    assert workflow.next_step(STEPS, records, IN_PROGRESS) == "storefront"


@pytest.mark.parametrize(
    ("status", "stands"),
    [
        (ListingStatus.awaiting_verification, True),
        (ListingStatus.listed, True),
        (ListingStatus.rejected, False),
        (ListingStatus.delisted, False),
    ],
)
def test_the_claim_counts_as_done_only_while_it_stands(
    status: ListingStatus, stands: bool
) -> None:
    records = _done("photos", "storefront", "payment", "listing")
    assert workflow.is_done("listing", records, status) is stands
    assert workflow.is_done("payment", records, status) is True
    expected = "first_order" if stands else "listing"
    assert workflow.next_step(STEPS, records, status) == expected


def test_recording_in_order_is_allowed() -> None:
    step = workflow.check_can_record(
        STEPS, _done("photos"), IN_PROGRESS, "storefront", marketplace="Voso"
    )
    assert step.code == "storefront"
    assert step.evidence == "url"


def test_a_done_step_may_be_recorded_again() -> None:
    records = _done("photos", "storefront")
    step = workflow.check_can_record(
        STEPS, records, IN_PROGRESS, "storefront", marketplace="Voso"
    )
    assert step.code == "storefront"


def test_out_of_order_names_the_missing_step() -> None:
    with pytest.raises(InvalidInput) as caught:
        workflow.check_can_record(
            STEPS, _done("photos"), IN_PROGRESS, "listing", marketplace="Voso"
        )
    message = caught.value.message
    assert "“Đăng sản phẩm lên sàn” (listing)" in message
    assert "“Mở gian hàng cho chủ thể” (storefront)" in message
    assert "thứ tự" in message


def test_after_a_rejected_claim_later_steps_wait_for_a_new_claim() -> None:
    records = _done("photos", "storefront", "payment", "listing")
    with pytest.raises(InvalidInput, match="listing"):
        workflow.check_can_record(
            STEPS, records, ListingStatus.rejected, "first_order", marketplace="Voso"
        )
    step = workflow.check_can_record(
        STEPS, records, ListingStatus.rejected, "listing", marketplace="Voso"
    )
    assert step.code == "listing"


def test_a_blocked_step_cannot_be_recorded_nor_passed() -> None:
    records = {**_done("photos"), "storefront": BLOCKED}
    with pytest.raises(InvalidInput, match="tạm dừng"):
        workflow.check_can_record(
            STEPS, records, IN_PROGRESS, "storefront", marketplace="Voso"
        )
    with pytest.raises(InvalidInput, match=r"storefront\) đang tạm dừng"):
        workflow.check_can_record(
            STEPS, records, IN_PROGRESS, "payment", marketplace="Voso"
        )


def test_an_unknown_step_is_named() -> None:
    with pytest.raises(InvalidInput, match=r"“register”.*Voso"):
        workflow.check_can_record(
            STEPS, {}, IN_PROGRESS, "register", marketplace="Voso"
        )


def test_block_and_unblock_rules() -> None:
    assert (
        workflow.check_can_block(
            STEPS, _done("photos"), IN_PROGRESS, "payment", marketplace="Voso"
        ).code
        == "payment"
    )
    with pytest.raises(InvalidInput, match="đã hoàn thành"):
        workflow.check_can_block(
            STEPS, _done("photos"), IN_PROGRESS, "photos", marketplace="Voso"
        )
    with pytest.raises(Conflict, match="tạm dừng rồi"):
        workflow.check_can_block(
            STEPS, {"photos": BLOCKED}, IN_PROGRESS, "photos", marketplace="Voso"
        )
    with pytest.raises(InvalidInput, match="không bị tạm dừng"):
        workflow.check_can_unblock(STEPS, _done("photos"), "photos", marketplace="Voso")
    assert (
        workflow.check_can_unblock(
            STEPS, {"photos": BLOCKED}, "photos", marketplace="Voso"
        ).code
        == "photos"
    )


def test_status_changes() -> None:
    waiting = ListingStatus.awaiting_verification
    assert workflow.status_after_record("listing", IN_PROGRESS) is waiting
    assert workflow.status_after_record("listing", ListingStatus.rejected) is waiting
    assert workflow.status_after_record("payment", IN_PROGRESS) is IN_PROGRESS
    assert workflow.status_after_decision(Decision.approved) is ListingStatus.listed
    assert workflow.status_after_decision(Decision.rejected) is ListingStatus.rejected
    workflow.check_can_verify(waiting)
    for status in (IN_PROGRESS, ListingStatus.listed, ListingStatus.rejected):
        with pytest.raises(Conflict, match="không chờ xác minh"):
            workflow.check_can_verify(status)


def test_a_rejection_needs_a_comment() -> None:
    for empty in (None, "", "   "):
        with refused(InvalidInput, "comment", "Cần ghi nhận xét khi từ chối"):
            workflow.clean_comment(Decision.rejected, empty)
    assert workflow.clean_comment(Decision.rejected, "  Sai  đường dẫn ") == (
        "Sai đường dẫn"
    )
    assert workflow.clean_comment(Decision.approved, None) is None
    with pytest.raises(InvalidInput, match="ký tự không hợp lệ"):
        workflow.clean_comment(Decision.rejected, "sai\u202edẫn")


def test_delisting_rules() -> None:
    today = dt.date(2026, 12, 1)
    verified = dt.date(2026, 11, 20)
    workflow.check_can_delist(
        ListingStatus.listed, on=today, today=today, verified_on=verified
    )
    with pytest.raises(Conflict, match="đã lên sàn"):
        workflow.check_can_delist(
            ListingStatus.awaiting_verification,
            on=today,
            today=today,
            verified_on=None,
        )
    with refused(InvalidInput, "date", r"^Ngày gỡ khỏi sàn không được sau hôm nay"):
        workflow.check_can_delist(
            ListingStatus.listed,
            on=today + dt.timedelta(days=1),
            today=today,
            verified_on=verified,
        )
    with refused(InvalidInput, "date", "trước ngày xác minh 20/11/2026"):
        workflow.check_can_delist(
            ListingStatus.listed,
            on=dt.date(2026, 11, 19),
            today=today,
            verified_on=verified,
        )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("https://voso.vn/san-pham/123", "https://voso.vn/san-pham/123"),
        ("  https://voso.vn/x  ", "https://voso.vn/x"),
        ("HTTPS://VOSO.VN/Gian-Hang", "https://voso.vn/Gian-Hang"),
        ("https://shop.voso.vn/a?b=c#d", "https://shop.voso.vn/a?b=c#d"),
        ("https://voso.vn", "https://voso.vn"),
        ("https://voso.vn/bánh-pía", "https://voso.vn/bánh-pía"),
        (
            "https://voso.vn/x?next=@evil.example",
            "https://voso.vn/x?next=@evil.example",
        ),
    ],
)
def test_urls_on_the_marketplace_domain_pass(raw: str, clean: str) -> None:
    assert workflow.clean_url(raw, domain="voso.vn") == clean


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("http://voso.vn/x", "https://"),
        ("javascript:alert(1)", "https://"),
        ("JavaScript://voso.vn/%0aalert(1)", "https://"),
        ("data:text/html,<script>alert(1)</script>", "https://"),
        ("ftp://voso.vn/x", "https://"),
        ("//voso.vn/x", "https://"),
        ("voso.vn/x", "https://"),
        ("https://voso.vn@evil.example/x", "@"),
        ("https://user:pw@voso.vn/x", "@"),
        ("https://voso.vn.evil.example/x", "trên voso.vn"),
        ("https://evilvoso.vn/x", "trên voso.vn"),
        ("https://postmart.vn/x", "trên voso.vn"),
        ("https://vn/x", "tên miền không hợp lệ"),
        ("https://vоso.vn/x", "tên miền không hợp lệ"),  # Cyrillic о
        ("https://voso%2evn/x", "tên miền không hợp lệ"),
        ("https://voso.vn./x", "tên miền không hợp lệ"),
        ("https:///voso.vn/x", "tên miền không hợp lệ"),
        ("https://127.0.0.1/x", "tên miền không hợp lệ"),
        ("https://voso.vn:8443/x", "cổng"),
        ("https://[::1]/x", "cổng"),
        ("https://evil.example\\.voso.vn/x", "ký tự không hợp lệ"),
        ("https://voso.vn/a b", "ký tự không hợp lệ"),
        ("https://voso.vn/\u202ex", "ký tự không hợp lệ"),
        ("https://voso.vn/" + "a" * 500, "dài quá 500"),
        ("", "Cần nhập"),
        ("   ", "Cần nhập"),
    ],
)
def test_wrong_or_foreign_urls_are_refused_naming_the_field(raw: str, why: str) -> None:
    with refused(InvalidInput, "evidence_url", re.escape(why)):
        workflow.clean_url(raw, domain="voso.vn", label="Đường dẫn gian hàng")


def test_without_a_domain_any_https_host_passes() -> None:
    assert workflow.clean_url("https://drive.example.com/a", domain=None)
    with pytest.raises(InvalidInput, match="https://"):
        workflow.clean_url("http://drive.example.com/a", domain=None)
    for bad in ("https://10.0.0.1/a", "https://a@drive.example.com/a"):
        with pytest.raises(InvalidInput):
            workflow.clean_url(bad, domain=None)


def test_missing_url_is_named() -> None:
    with refused(InvalidInput, "evidence_url", r"^Cần nhập đường dẫn\.$"):
        workflow.clean_url(None, domain="voso.vn")


@pytest.mark.parametrize(
    ("raw", "clean"), [("tiki.vn", "tiki.vn"), (" Shop.Tiki.VN ", "shop.tiki.vn")]
)
def test_domains(raw: str, clean: str) -> None:
    assert workflow.clean_domain(raw) == clean


@pytest.mark.parametrize(
    "raw", ["https://tiki.vn", "tiki.vn/x", "tiki", "tiki.vn.", "ti ki.vn", "tíki.vn"]
)
def test_bad_domains_are_refused(raw: str) -> None:
    with refused(InvalidInput, "domain", r"^Tên miền .*voso\.vn"):
        workflow.clean_domain(raw)


def test_codes() -> None:
    assert workflow.clean_code(" Tiki ", field="code", label="Mã sàn", example="x") == (
        "tiki"
    )
    for bad in ("1tiki", "t", "tiki-vn", "tì ki", "a" * 31):
        with refused(InvalidInput, "code", r"^Mã sàn gồm 2–30 chữ thường"):
            workflow.clean_code(bad, field="code", label="Mã sàn", example="tiki")


def test_new_steps_go_last_and_url_steps_need_url_evidence() -> None:
    assert workflow.check_new_step(STEPS, code="review", evidence=None) == 7
    assert workflow.check_new_step([], code="listing", evidence="url") == 1
    with pytest.raises(Conflict, match="“photos”"):
        workflow.check_new_step(STEPS, code="photos", evidence=None)
    with refused(InvalidInput, "evidence", "phải có bằng chứng là đường dẫn"):
        workflow.check_new_step([], code="listing", evidence=None)
    with refused(InvalidInput, "evidence", "Bằng chứng chỉ nhận"):
        workflow.check_new_step([], code="video", evidence="photo")


def test_free_text() -> None:
    assert clean_text(None, field="note", label="Ghi chú", max_len=10) is None
    assert clean_text("  ", field="note", label="Ghi chú", max_len=10) is None
    with refused(InvalidInput, "note", r"^Ghi chú dài quá 10 ký tự\.$"):
        clean_text("x" * 11, field="note", label="Ghi chú", max_len=10)
    with refused(InvalidInput, "reason", r"^Lý do không được để trống\.$"):
        required_text(" ", field="reason", label="Lý do", max_len=10)
