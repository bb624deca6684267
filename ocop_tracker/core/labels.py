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
    "PaymentKind": {
        "e_wallet": "Ví điện tử",
        "mobile_money": "Mobile Money",
        "bank": "Tài khoản ngân hàng",
    },
    "PaymentStatus": {
        "guided": "Đã hướng dẫn",
        "applied": "Đã đăng ký, chờ mở",
        "open": "Đã mở",
        "closed": "Đã đóng",
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
    "StepStatus": {
        "done": "Đã xong",
        "blocked": "Đang vướng",
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
    # training.models
    "TrainerKind": {
        "team_member": "Thành viên tổ công nghệ số",
        "official": "Cán bộ xã/huyện",
        "partner": "Đối tác (bưu điện, nhà mạng, sàn, ngân hàng…)",
    },
    "CoachingStep": {
        "shop": "Mở gian hàng trên sàn",
        "payment": "Tài khoản thanh toán điện tử",
        "photos": "Ảnh sản phẩm",
        "listing": "Đăng sản phẩm lên sàn",
        "first_order": "Đơn hàng đầu tiên",
        "quality": "Cam kết chất lượng",
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


# --- the audit trail and a record's history ---------------------------------------
# Keyed by the table an event names (``audit_events.object_type``), since ``core``
# imports no domain. A field absent from ``FIELDS`` is internal (a search key, a
# version, a public code) and never shown; a value is read by its kind: an enum
# catalogued above (by class name), or one of ``VALUE_KINDS``.

# Kinds whose values are ids of named records (``audit.views.names`` names them).
NAMED_KINDS = frozenset(
    {
        "area",
        "user",
        "producer",
        "product",
        "group",
        "subgroup",
        "marketplace",
        "payment_account",
    }
)
VALUE_KINDS = NAMED_KINDS | {
    "text",
    "bool",
    "date",
    "moment",
    "money",
    "step",
    "provider",
}

RECORDS: Mapping[str, str] = {
    "products": "Sản phẩm",
    "producers": "Chủ thể",
    "certificates": "Giấy chứng nhận OCOP",
    "listings": "Hồ sơ lên sàn",
    "step_records": "Bước lên sàn",
    "verifications": "Xác minh lên sàn",
    "producer_consents": "Đồng ý công khai",
    "payment_accounts": "Tài khoản thanh toán",
    "seller_accounts": "Gian hàng trên sàn",
    "seller_checklist_items": "Việc cần chuẩn bị của gian hàng",
    "seller_verifications": "Xác minh gian hàng",
    "seller_prerequisites": "Việc cần chuẩn bị của sàn",
    "photos": "Ảnh sản phẩm",
    "photo_rules": "Quy định ảnh của sàn",
    "users": "Tài khoản người dùng",
    "api_tokens": "Token truy cập",
    "auth_sessions": "Phiên đăng nhập",
    "teams": "Tổ công nghệ số",
    "team_members": "Thành viên tổ",
    "admin_units": "Đơn vị hành chính",
    "ocop_groups": "Nhóm sản phẩm OCOP",
    "ocop_subgroups": "Phân nhóm sản phẩm OCOP",
    "marketplaces": "Sàn thương mại điện tử",
    "marketplace_steps": "Bước của sàn",
    "report_submissions": "Báo cáo tháng",
    "training_topics": "Chủ đề tập huấn",
    "training_sessions": "Buổi tập huấn",
    "training_attendees": "Người dự tập huấn",
    "coaching_visits": "Hướng dẫn tại hộ",
    "team_decisions": "Quyết định thành lập tổ",
    "pilots": "Đợt thí điểm",
    "pilot_units": "Đơn vị thí điểm",
}
OTHER_RECORD = "Dữ liệu khác"

ACTIONS: Mapping[str, str] = {
    "create": "Thêm mới",
    "update": "Sửa",
    "delete": "Xóa",
    "denied": "Bị từ chối truy cập",
    "login_success": "Đăng nhập",
    "login_failure": "Đăng nhập sai",
    "logout": "Đăng xuất",
    "sessions_revoked": "Kết thúc các phiên đăng nhập",
    "export": "Tải dữ liệu xuống",
    "import_ocop_list": "Nhập danh sách OCOP",
    "report_submitted": "Gửi báo cáo tháng",
    "backup": "Sao lưu",
    "restore": "Khôi phục từ bản sao lưu",
}
OTHER_ACTION = "Hoạt động khác"

# Per record kind: field → (label, kind of its value).
FIELDS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "products": {
        "name": ("Tên sản phẩm", "text"),
        "kind": ("Loại sản phẩm", "ProductKind"),
        "producer_id": ("Chủ thể", "producer"),
        "hamlet_id": ("Khóm/ấp", "area"),
        "group_id": ("Nhóm sản phẩm OCOP", "group"),
        "subgroup_id": ("Phân nhóm", "subgroup"),
        "unit": ("Đơn vị tính", "text"),
        "price": ("Giá bán", "money"),
        "description": ("Mô tả", "text"),
        "gtin": ("Mã vạch (GTIN)", "text"),
    },
    "producers": {
        "name": ("Tên chủ thể", "text"),
        "kind": ("Loại chủ thể", "ProducerKind"),
        "hamlet_id": ("Khóm/ấp", "area"),
        "representative": ("Người đại diện", "text"),
        "phone": ("Số điện thoại", "text"),
        "tax_code": ("Mã số thuế", "text"),
    },
    "certificates": {
        "product_id": ("Sản phẩm", "product"),
        "stars": ("Hạng sao", "text"),
        "score": ("Điểm đánh giá", "text"),
        "decision_number": ("Số quyết định", "text"),
        "decision_date": ("Ngày quyết định", "date"),
        "authority": ("Cơ quan công nhận", "text"),
        "level": ("Cấp công nhận", "CertLevel"),
        "expires_on": ("Ngày hết hạn", "date"),
        "revoked_on": ("Ngày thu hồi", "date"),
        "revoke_reason": ("Lý do thu hồi", "text"),
    },
    "listings": {
        "product_id": ("Sản phẩm", "product"),
        "marketplace_id": ("Sàn", "marketplace"),
        "status": ("Trạng thái", "ListingStatus"),
        "next_step": ("Bước tiếp theo", "step"),
        "storefront_url": ("Địa chỉ gian hàng", "text"),
        "listing_url": ("Địa chỉ sản phẩm trên sàn", "text"),
        "claimed_by_id": ("Người báo đã lên sàn", "user"),
        "verified_at": ("Thời điểm xác minh", "moment"),
        "verified_by_id": ("Người xác minh", "user"),
        "delisted_on": ("Ngày gỡ khỏi sàn", "date"),
        "delist_reason": ("Lý do gỡ khỏi sàn", "text"),
    },
    "step_records": {
        "step_code": ("Bước", "step"),
        "status": ("Tình trạng bước", "StepStatus"),
        "evidence_url": ("Đường dẫn minh chứng", "text"),
        "note": ("Ghi chú", "text"),
        "blocked_reason": ("Lý do vướng", "text"),
        "done_by_id": ("Người thực hiện", "user"),
        "done_at": ("Thời điểm thực hiện", "moment"),
    },
    "verifications": {
        "decision": ("Quyết định", "Decision"),
        "comment": ("Nhận xét", "text"),
        "decided_by_id": ("Người xác minh", "user"),
        "decided_at": ("Thời điểm xác minh", "moment"),
    },
    "producer_consents": {
        "field": ("Thông tin công khai", "ConsentField"),
        "granted": ("Đồng ý", "bool"),
        "note": ("Cách ghi nhận", "text"),
        "recorded_by_id": ("Người ghi nhận", "user"),
    },
    "payment_accounts": {
        "provider": ("Nhà cung cấp", "provider"),
        "kind": ("Loại tài khoản", "PaymentKind"),
        "status": ("Tình trạng", "PaymentStatus"),
        "status_on": ("Ngày đổi tình trạng", "date"),
        "last4": ("4 ký tự cuối", "text"),
        "sim_in_holder_name": ("SIM chính chủ", "bool"),
    },
    "seller_accounts": {
        "status": ("Trạng thái gian hàng", "SellerStatus"),
        "status_on": ("Ngày đổi trạng thái", "date"),
        "shop_name": ("Tên gian hàng", "text"),
        "shop_url": ("Đường dẫn gian hàng", "text"),
        "payout_account_id": ("Tài khoản nhận tiền bán hàng", "payment_account"),
        "claim_status": ("Báo mở gian hàng", "ClaimStatus"),
        "claimed_by_id": ("Người báo mở", "user"),
        "verified_by_id": ("Người xác minh", "user"),
    },
    "seller_checklist_items": {
        "done": ("Đã xong", "bool"),
        "note": ("Ghi chú", "text"),
        "evidence_url": ("Đường dẫn bằng chứng", "text"),
        "done_by_id": ("Người thực hiện", "user"),
        "done_at": ("Thời điểm thực hiện", "moment"),
    },
    "seller_verifications": {
        "decision": ("Quyết định", "Decision"),
        "comment": ("Nhận xét", "text"),
        "decided_by_id": ("Người xác minh", "user"),
        "decided_at": ("Thời điểm xác minh", "moment"),
    },
    "training_sessions": {
        "area_id": ("Tổ chức tại", "area"),
        "held_on": ("Ngày tập huấn", "date"),
        "place": ("Địa điểm", "text"),
        "trainer_kind": ("Ai hướng dẫn", "TrainerKind"),
        "trainer_name": ("Người hướng dẫn", "text"),
        "note": ("Ghi chú", "text"),
        "attendee_count": ("Số người dự", "text"),
    },
    "training_attendees": {
        "producer_id": ("Hộ/chủ thể dự", "producer"),
    },
    "coaching_visits": {
        "producer_id": ("Hộ/chủ thể", "producer"),
        "visited_on": ("Ngày hướng dẫn", "date"),
        "step": ("Hướng dẫn việc", "CoachingStep"),
        "coach_name": ("Người hướng dẫn", "text"),
        "note": ("Ghi chú", "text"),
    },
    "team_decisions": {
        "number": ("Số quyết định", "text"),
        "decided_on": ("Ngày ký", "date"),
        "signer": ("Người ký", "text"),
        "document_name": ("Tệp bản chụp", "text"),
    },
    "pilots": {
        "name": ("Tên đợt", "text"),
        "start_on": ("Ngày bắt đầu", "date"),
        "end_on": ("Ngày kết thúc", "date"),
        "note": ("Ghi chú", "text"),
    },
    "pilot_units": {
        "unit_id": ("Đơn vị", "area"),
    },
}
