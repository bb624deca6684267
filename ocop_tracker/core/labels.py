"""One catalogue of the Vietnamese words for every enum a person reads.

Pages, PDFs, spreadsheets, messages and the API's display fields all take an
enum member's label from here, so one member never reads two ways ("Đã gỡ" on
one page, "Đã gỡ khỏi sàn" on another). The enums stay in their domains' models;
``core`` imports no domain, so the catalogue is keyed by the enum class's name
and the member's value, and ``label(member)`` looks a member up by both.
``tests/core/test_labels.py`` checks that every member of every catalogued enum
has its label.
"""

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

E = TypeVar("E", bound=Enum)

CATALOGUE: Mapping[str, Mapping[str, str]] = {
    # areas.models
    "Edition": {
        "2022": "Trước 1/7/2025 (63 tỉnh, có cấp huyện)",
        "2025": "Từ 1/7/2025 (34 tỉnh, không còn cấp huyện)",
    },
    "Level": {
        "province": "Tỉnh/Thành phố",
        "district": "Quận/Huyện/Thị xã/Thành phố",
        "commune": "Xã/Phường/Thị trấn",
        "hamlet": "Khóm/Ấp",
    },
    # users.models
    "Role": {
        "admin": "Quản trị hệ thống",
        "department": "Sở Công Thương",
        "official": "Cán bộ xã/huyện",
        "team_leader": "Tổ trưởng",
        "team_member": "Thành viên tổ",
    },
    # teams.models
    "Position": {
        "leader": "Tổ trưởng",
        "deputy": "Tổ phó",
        "member": "Thành viên",
    },
    "Background": {
        "hamlet_head": "Trưởng ban nhân dân khóm/ấp",
        "youth_union": "Bí thư Đoàn thanh niên",
        "teacher": "Giáo viên",
        "health_worker": "Nhân viên y tế",
        "postal_staff": "Nhân viên bưu điện",
        "telecom_staff": "Nhân viên viễn thông",
        "it_staff": "Nhân viên công nghệ thông tin",
        "resident": "Người dân",
        "other": "Khác",
    },
    # producers.models
    "ProducerKind": {
        "household": "Hộ sản xuất kinh doanh",
        "cooperative": "Hợp tác xã",
        "cooperative_group": "Tổ hợp tác",
        "enterprise": "Doanh nghiệp",
    },
    # Mid-sentence: "Chủ thể đã đồng ý công khai {label}."
    "ConsentField": {
        "display_name": "tên hiển thị",
        "phone": "số điện thoại",
        "photo": "ảnh của chủ thể",
    },
    "PaymentProvider": {
        "viettel_money": "Viettel Money",
        "vnpt_money": "VNPT Money",
        "mobifone_money": "MobiFone Money",
        "bank": "Ngân hàng",
        "other": "Khác",
    },
    "PaymentStatus": {
        "none": "Chưa có",
        "in_progress": "Đang mở",
        "opened": "Đã mở",
    },
    # products.models, products.rules
    "ProductKind": {
        "ocop": "Sản phẩm OCOP",
        "agricultural": "Nông sản",
        "specialty": "Đặc sản địa phương",
    },
    # Mid-sentence: "do {label} công nhận".
    "CertLevel": {
        "district": "cấp huyện",
        "province": "cấp tỉnh",
        "central": "cấp trung ương",
    },
    "CertificateStatus": {
        "valid": "Còn hiệu lực",
        "expiring": "Sắp hết hạn",
        "expired": "Hết hạn",
        "revoked": "Đã thu hồi",
        "pending": "Chưa có hiệu lực",
    },
    # onboarding.models
    "ListingStatus": {
        "in_progress": "Đang làm",
        "awaiting_verification": "Chờ xác minh",
        "listed": "Đã lên sàn",
        "rejected": "Bị từ chối",
        "delisted": "Đã gỡ khỏi sàn",
    },
    "Decision": {
        "approved": "Duyệt",
        "rejected": "Từ chối",
    },
    # sellers.models
    "SellerStatus": {
        "not_started": "Chưa bắt đầu",
        "preparing": "Đang chuẩn bị",
        "applied": "Đã đăng ký, chờ sàn duyệt",
        "open": "Đang mở",
        "suspended": "Tạm ngừng",
        "closed": "Đã đóng",
    },
    "ClaimStatus": {
        "pending": "Chờ xác minh",
        "approved": "Đã xác minh",
        "rejected": "Bị từ chối",
    },
    # cards.layout
    "Layout": {
        "a4-2x4": "A4, 8 thẻ (2 × 4) để treo tại quầy",
        "a4-3x8": "A4, 24 nhãn dán (3 × 8)",
        "a6": "A6, mỗi trang một thẻ",
    },
}


def label(member: Enum) -> str:
    """The Vietnamese label of an enum member (KeyError if it has none)."""
    return CATALOGUE[type(member).__name__][str(member.value)]


def labels(enum: type[E]) -> dict[E, str]:
    """Every member of ``enum`` with its label, in the enum's order."""
    return {member: label(member) for member in enum}


def labels_by_value(enum: type[Enum]) -> dict[str, str]:
    """``labels`` keyed by the members' values, for code that holds plain strings."""
    return {str(member.value): label(member) for member in enum}
