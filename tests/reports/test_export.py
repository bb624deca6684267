"""The monthly report files read back as an official reads them: words, times, layout."""

import dataclasses
import datetime as dt
import io
import re

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.core.clock import VIETNAM
from ocop_tracker.reports import export
from ocop_tracker.reports import service as report_service
from ocop_tracker.reports.schemas import ChildLine, TeamLine
from ocop_tracker.users import repository as user_repository
from tests.conftest import SignIn

INTERNAL = ("DOMAIN", "§", "UTC")
# Headings of the report's sections (the first one carries the figure after it).
HEADINGS = (
    "Tỷ lệ sản phẩm OCOP đã lên sàn:",
    "Theo đơn vị trực thuộc",
    "Xu hướng tới mục tiêu 100%",
    "Chi tiết theo đơn vị trực thuộc",
    "Theo nhóm sản phẩm, hạng sao, loại chủ thể",
    "Các bước đưa sản phẩm lên sàn",
    "Kết quả của các tổ (để khen thưởng)",
)
EMPTY = {
    "Chi tiết theo đơn vị trực thuộc": "Không có đơn vị trực thuộc.",
    "Kết quả của các tổ (để khen thưởng)": (
        "Chưa có tổ công nghệ số cộng đồng nào trong địa bàn."
    ),
}
PAGE_NUMBER = re.compile(r"Trang \d+/\d+")
MADE_AT = re.compile(r"Lập lúc (\d{2}):(\d{2}) ngày (\d{2})/(\d{2})/(\d{4})")


def _last_month() -> str:
    first = clock.today().replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


def _department_report(session: Session) -> report_service.MonthlyReport:
    """Last month's report of the department's whole province (the demo's)."""
    user = user_repository.by_login(session, "sct.soctrang")
    assert user is not None
    return report_service.monthly(session, user, None, _last_month())


def _with_teams(
    report: report_service.MonthlyReport, teams: list[TeamLine]
) -> report_service.MonthlyReport:
    return dataclasses.replace(
        report, teams=report.teams.model_copy(update={"teams": teams})
    )


def _team(i: int, hamlet: str, *, moved: int) -> TeamLine:
    """A team that moved ``moved`` products forward this month (and in all)."""
    return TeamLine(
        team_id=i,
        hamlet_id=2000 + i,
        hamlet=hamlet,
        leader=None,
        moved_month=moved,
        listed_month=0,
        moved_total=moved,
        listed_total=0,
    )


def _pages(pdf: bytes) -> list[list[str]]:
    """Each page's lines of text from top to bottom, as laid out on the page."""
    doc = pdfium.PdfDocument(pdf)
    out = []
    for page in doc:
        text = page.get_textpage()
        rows: dict[int, list[tuple[float, str]]] = {}
        for i in range(text.count_rects()):
            left, bottom, right, top = text.get_rect(i)
            piece = text.get_text_bounded(left, bottom, right, top).strip()
            if piece:
                rows.setdefault(round(top), []).append((left, piece))
        out.append(
            [
                " ".join(p for _, p in sorted(parts))
                for _, parts in sorted(rows.items(), key=lambda kv: -kv[0])
            ]
        )
    doc.close()
    return out


def _assert_headings_kept_with_what_follows(pdf: bytes) -> None:
    pages = _pages(pdf)
    for number, lines in enumerate(pages, start=1):
        body = [ln for ln in lines if not PAGE_NUMBER.search(ln)]
        for i, line in enumerate(body):
            if line.startswith(HEADINGS):
                # Column titles and a row at least, or the sentence saying
                # there is nothing to list.
                rest = body[i + 1 :]
                assert len(rest) >= 2 or rest[:1] == [EMPTY.get(line)], (
                    f"page {number}/{len(pages)}: heading “{line}” is followed by "
                    f"{len(rest)} line(s) on its page: {body[i:]}"
                )


def _now_vn() -> dt.datetime:
    return dt.datetime.now(VIETNAM).replace(second=0, microsecond=0, tzinfo=None)


def _made_at(text: str) -> dt.datetime:
    found = MADE_AT.search(text)
    assert found, f"no “Lập lúc HH:MM ngày DD/MM/YYYY” in {text[-300:]!r}"
    hh, mm, d, m, y = (int(g) for g in found.groups())
    return dt.datetime(y, m, d, hh, mm)


def test_pdf_speaks_to_an_official_in_vietnam_time(sign_in: SignIn) -> None:
    for login in ("sct.soctrang", "canbo.khom3"):
        c = sign_in(login)
        before = _now_vn()
        r = c.get("/api/v1/reports/monthly", params={"month": _last_month()})
        after = _now_vn()
        assert r.status_code == 200, r.text
        pages = _pages(r.content)
        text = "\n".join(ln for page in pages for ln in page)
        for word in INTERNAL:
            assert word not in text, f"{word!r} reaches the reader ({login})"
        assert before <= _made_at(text) <= after, "the time is Vietnam time"
        assert "Bước" in text
        for number, page in enumerate(pages, start=1):
            assert any(f"Trang {number}/{len(pages)}" in ln for ln in page), (
                f"page {number} says which page of how many it is"
            )
        _assert_headings_kept_with_what_follows(r.content)


def test_no_heading_is_left_alone_at_the_foot_of_a_page(
    session: Session,
) -> None:
    """Whatever the number of units and teams, a heading stays with its content."""
    report = _department_report(session)
    for n in range(0, 44, 2):
        children = [
            ChildLine(
                key=str(i),
                label=f"Xã thử nghiệm số {i} có tên rất dài để xuống dòng trong bảng",
                total=10 + i,
                listed=i,
                percent=round(100 * i / (10 + i), 1),
                area_id=1000 + i,
                level="commune",
                both=0,
            )
            for i in range(n)
        ]
        teams = [_team(i, f"Ấp {i}", moved=i) for i in range(n % 9)]
        varied = dataclasses.replace(
            _with_teams(report, teams),
            coverage=report.coverage.model_copy(update={"by_child": children}),
        )
        _assert_headings_kept_with_what_follows(export.to_pdf(varied))


def test_long_labels_wrap_inside_their_cell(session: Session) -> None:
    report = _department_report(session)
    pdf = export.to_pdf(report)
    doc = pdfium.PdfDocument(pdf)
    written = " ".join(" ".join(p.get_textpage().get_text_range().split()) for p in doc)
    doc.close()
    lines = [ln for page in _pages(pdf) for ln in page]
    name = "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch"
    # The longest OCOP group name is shown whole, on two lines of its own cell,
    # not on one line running into the next column.
    assert name in written
    assert not [ln for ln in lines if name in ln]


def test_xlsx_has_no_internal_words_and_shows_vietnam_time(sign_in: SignIn) -> None:
    c = sign_in("canbo.khom3")
    before = _now_vn()
    r = c.get(
        "/api/v1/reports/monthly", params={"month": _last_month(), "format": "xlsx"}
    )
    after = _now_vn()
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    texts = [
        str(v)
        for ws in book
        for row in ws.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str)
    ]
    texts += book.sheetnames
    for word in INTERNAL:
        assert not [t for t in texts if word in t], word
    made = [
        f"{row[0]} {row[1]}"
        for row in book["Tổng hợp"].iter_rows(values_only=True)
        if row[0] == "Lập lúc"
    ]
    assert made, "the workbook says when it was made"
    assert before <= _made_at(made[0]) <= after
    as_of = book["Tổng hợp"]["B2"]
    assert as_of.number_format == "dd/mm/yyyy", "dates read the Vietnamese way"


def test_a_province_pdf_names_the_leading_teams_and_the_workbook_every_one(
    session: Session,
) -> None:
    """Thousands of teams in a province: the PDF names the leaders, the XLSX all."""
    report = _department_report(session)
    count = export.TEAMS_IN_PDF + 15
    teams = [_team(i, f"Ấp Thử Số {i:03d}", moved=count - i) for i in range(count)]
    many = _with_teams(report, teams)
    pdf = export.to_pdf(many)
    text = " ".join(ln for page in _pages(pdf) for ln in page)
    shown = set(re.findall(r"Ấp Thử Số (\d{3})", text))
    assert shown == {f"{i:03d}" for i in range(export.TEAMS_IN_PDF)}
    assert (
        f"Bảng nêu {export.TEAMS_IN_PDF} tổ dẫn đầu trong tháng, trong số {count} tổ"
        in text
    )
    _assert_headings_kept_with_what_follows(pdf)
    book = load_workbook(io.BytesIO(export.to_xlsx(many)))
    listed = {
        v
        for ws in book
        for row in ws.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str) and v.startswith("Ấp Thử Số")
    }
    assert len(listed) == count
    # A commune's few teams are all in the PDF, with no sentence about the rest.
    few = _with_teams(report, teams[:5])
    text = " ".join(ln for page in _pages(export.to_pdf(few)) for ln in page)
    assert len(set(re.findall(r"Ấp Thử Số (\d{3})", text))) == 5
    assert "tổ dẫn đầu" not in text
