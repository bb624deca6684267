"""A team's establishment decision with its scanned copy (issue 17 item 4;
SECURITY.md §M): PDF or photo by their bytes, a PDF only as a sandboxed
attachment, a photo re-encoded; a refusal beside its field, nothing kept."""

import io

from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.teams import repository as team_repository
from tests.conftest import SignIn
from tests.factories import pilot_hamlet


def _pdf(text: str = "QUYET DINH thanh lap To cong nghe so") -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, text)
    canvas.save()
    return out.getvalue()


def _jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "GPS 9.60N 105.97E"  # ImageDescription: metadata to be dropped
    Image.new("RGB", (900, 1200), (240, 240, 230)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def _team_id(session: Session) -> int:
    team = team_repository.by_hamlet(session, pilot_hamlet(session).id)
    assert team is not None
    return team.id


def test_a_pdf_decision_is_kept_and_served_as_a_sandboxed_attachment(
    sign_in: SignIn, session: Session
) -> None:
    team_id = _team_id(session)
    leader = sign_in("totruong.khom3")
    pdf = _pdf()
    saved = leader.put(
        f"/api/v1/teams/{team_id}/decision",
        data={
            "number": "125/qđ-ubnd",
            "decided_on": clock.today().isoformat(),
            "signer": "Chủ tịch UBND phường — Nguyễn Văn An",
        },
        files={"document": ("scan.pdf", pdf, "application/pdf")},
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["number"] == "125/QĐ-UBND"
    assert body["media_type"] == "application/pdf"
    assert body["document_size"] == len(pdf)
    member = sign_in("thanhvien.khom3")
    got = member.get(f"/api/v1/teams/{team_id}/decision/document")
    assert got.status_code == 200
    assert got.content == pdf
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["content-security-policy"] == "sandbox"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "QUYET DINH" in PdfReader(io.BytesIO(got.content)).pages[0].extract_text()
    page = member.get(f"/teams/{team_id}")
    assert "125/QĐ-UBND" in page.text
    assert f'href="/teams/{team_id}/decision/document"' in page.text


def test_a_photo_is_re_encoded_without_its_metadata(
    sign_in: SignIn, session: Session
) -> None:
    team_id = _team_id(session)
    official = sign_in("canbo.khom3")
    saved = official.put(
        f"/api/v1/teams/{team_id}/decision",
        data={
            "number": "7/QĐ-UBND",
            "decided_on": "2025-03-01",
            "signer": "Phó Chủ tịch UBND",
        },
        # Named .pdf and declared PDF: its bytes say JPEG, and they decide.
        files={"document": ("scan.pdf", _jpeg_with_exif(), "application/pdf")},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["media_type"] == "image/jpeg"
    got = official.get(f"/api/v1/teams/{team_id}/decision/document")
    assert got.headers["content-disposition"].startswith("inline;")
    image = Image.open(io.BytesIO(got.content))
    assert image.format == "JPEG"
    assert b"GPS 9.60N" not in got.content


def test_anything_else_is_refused_beside_the_file_field_and_nothing_is_kept(
    sign_in: SignIn, session: Session
) -> None:
    team_id = _team_id(session)
    leader = sign_in("totruong.khom3")
    before = leader.get(f"/api/v1/teams/{team_id}/decision")
    for name, data in (
        ("scan.pdf", b"<html><script>alert(1)</script></html>"),
        ("cut.pdf", _pdf()[:-200]),
        ("empty.pdf", b""),
    ):
        refused = leader.put(
            f"/api/v1/teams/{team_id}/decision",
            data={"number": "1/QĐ", "decided_on": "2025-03-01", "signer": "Chủ tịch"},
            files={"document": (name, data, "application/pdf")},
        )
        assert refused.status_code == 422, (name, refused.text)
        assert "document" in refused.json()["fields"], name
    after = leader.get(f"/api/v1/teams/{team_id}/decision")
    assert (after.status_code, after.content) == (before.status_code, before.content)


def test_the_page_form_keeps_what_was_typed_and_names_the_field(
    sign_in: SignIn, session: Session
) -> None:
    team_id = _team_id(session)
    leader = sign_in("totruong.khom3")
    refused = leader.post(
        f"/teams/{team_id}/decision",
        data={"number": "88/QĐ-UBND", "decided_on": "", "signer": "Chủ tịch xã"},
        files={"document": ("note.txt", b"just text", "text/plain")},
    )
    assert refused.status_code == 422
    html = refused.text
    assert 'id="d-decided_on-error"' in html
    assert 'id="d-document-error"' in html
    assert 'value="88/QĐ-UBND"' in html
    assert 'value="Chủ tịch xã"' in html
    saved = leader.post(
        f"/teams/{team_id}/decision",
        data={
            "number": "88/QĐ-UBND",
            "decided_on": "01/03/2025",
            "signer": "Chủ tịch xã",
        },
        files={"document": ("qd.pdf", _pdf(), "application/pdf")},
        follow_redirects=True,
    )
    assert saved.status_code == 200
    assert "Đã lưu quyết định thành lập tổ." in saved.text
    member = sign_in("thanhvien.khom3")
    assert (
        member.post(
            f"/teams/{team_id}/decision",
            data={"number": "9", "decided_on": "01/03/2025", "signer": "X"},
        ).status_code
        == 403
    )
