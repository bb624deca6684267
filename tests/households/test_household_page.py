"""A household's private page (issue #17 item 1, SECURITY.md §M): printed as an
A6 sheet whose QR code opens, without an account, the producer's own progress;
re-printing or turning it off kills the old link at once."""

import io
import logging

import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core.http import RedactCapabilityLinks, loggable
from ocop_tracker.guides import sheets
from ocop_tracker.households.models import HouseholdLink
from ocop_tracker.onboarding.models import Listing, ListingStatus
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Product
from ocop_tracker.public import hotpath
from tests.cards.reading import decode_qr, pdf_text
from tests.conftest import SignIn
from tests.factories import make_listing, make_producer, make_product, pilot_hamlet

HTML = {"accept": "text/html"}
UNKNOWN = "A" * 32


def form(client: TestClient) -> dict[str, str]:
    return {"csrf_token": client.headers["X-CSRF-Token"]}


@pytest.fixture
def household(session: Session) -> tuple[Producer, Product, Product]:
    session.commit()
    producer = make_producer(
        session, pilot_hamlet(session, "Khóm 3"), name="Hộ Bà Tư Bánh Pía"
    )
    live = make_product(session, producer, name="Bánh pía sầu riêng", stars=4)
    make_listing(session, live, "voso")
    waiting = make_product(session, producer, name="Bánh pía đậu xanh", stars=3)
    make_listing(session, waiting, "postmart", status=ListingStatus.in_progress)
    other = make_producer(
        session, pilot_hamlet(session, "Khóm 3"), name="Hộ Ông Sáu Bánh Tét"
    )
    make_product(session, other, name="Bánh tét lá cẩm", stars=3)
    session.commit()
    return producer, live, waiting


def _print(client: TestClient, producer: Producer) -> tuple[bytes, str]:
    answer = client.post(f"/producers/{producer.id}/household-sheet", data=form(client))
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"] == "application/pdf"
    assert "attachment" in answer.headers["content-disposition"]
    codes = decode_qr(answer.content)
    assert len(codes) == 1
    return answer.content, codes[0]


def _path(url: str) -> str:
    assert "/h/" in url
    return "/h/" + url.split("/h/", 1)[1]


def test_the_sheet_opens_the_households_own_page(
    sign_in: SignIn,
    client: TestClient,
    session: Session,
    household: tuple[Producer, Product, Product],
) -> None:
    producer, _live, _waiting = household
    team = sign_in("thanhvien.khom3")
    pdf, url = _print(team, producer)
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 1
    width, height = pages[0].mediabox.width, pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (298, 420)  # A6 in points
    text = pdf_text(pdf)
    assert "PHIẾU CỦA HỘ" in text
    assert "Hộ Bà Tư Bánh Pía" in text
    token = url.rsplit("/", 1)[1]
    assert token not in text  # the secret is in the code only

    page = client.get(_path(url), headers=HTML)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
    assert page.headers["cache-control"] == "private, no-store"
    body = page.text
    assert "Hộ Bà Tư Bánh Pía" in body
    assert "Bánh pía sầu riêng" in body
    assert "Đang bán trên sàn" in body
    assert "Bánh pía đậu xanh" in body
    assert "Việc tiếp theo:" in body
    # Only this producer: never another's name or product, nor the staff's words.
    assert "Ông Sáu" not in body
    assert "Bánh tét" not in body
    # The token goes nowhere: no link or resource on the page carries it.
    assert token not in body
    assert 'src="http' not in body
    assert 'stylesheet" href="http' not in body


def test_a_reprinted_or_turned_off_link_is_the_same_friendly_404(
    sign_in: SignIn,
    client: TestClient,
    session: Session,
    household: tuple[Producer, Product, Product],
) -> None:
    producer, _, _ = household
    team = sign_in("thanhvien.khom3")
    _, first = _print(team, producer)
    _, second = _print(team, producer)
    unknown = client.get(f"/h/{UNKNOWN}", headers=HTML)
    old = client.get(_path(first), headers=HTML)
    malformed = client.get("/h/1", headers=HTML)
    assert unknown.status_code == old.status_code == malformed.status_code == 404
    assert unknown.text == old.text == malformed.text
    assert "Đường dẫn không còn dùng được" in old.text
    assert old.headers["referrer-policy"] == "no-referrer"
    assert client.get(_path(second), headers=HTML).status_code == 200

    off = team.post(
        f"/producers/{producer.id}/household-link/off",
        data=form(team),
        follow_redirects=False,
    )
    assert off.status_code == 303
    assert client.get(_path(second), headers=HTML).text == unknown.text
    page = team.get(f"/producers/{producer.id}", headers=HTML)
    assert "Hộ chưa có phiếu." in page.text


def test_views_are_counted_with_an_event_that_keeps_no_address(
    sign_in: SignIn,
    client: TestClient,
    session: Session,
    household: tuple[Producer, Product, Product],
) -> None:
    producer, _, _ = household
    team = sign_in("thanhvien.khom3")
    _, url = _print(team, producer)
    for _ in range(2):
        assert client.get(_path(url), headers=HTML).status_code == 200
    session.expire_all()
    link = session.scalar(
        select(HouseholdLink).where(HouseholdLink.producer_id == producer.id)
    )
    assert link is not None
    assert link.views == 2
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "household_page_view")
    ).all()
    assert len(events) == 2
    assert all(e.client_ip is None and e.object_id == str(producer.id) for e in events)
    # The trail never holds the token nor its hash.
    trail = session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "household_links")
    ).all()
    assert not any(link.token_hash in str(e.after) + str(e.before) for e in trail)
    page = team.get(f"/producers/{producer.id}", headers=HTML)
    assert "đã mở 2 lần" in page.text


def test_only_the_producers_own_team_prints_its_sheet(
    sign_in: SignIn, household: tuple[Producer, Product, Product]
) -> None:
    producer, _, _ = household
    elsewhere = sign_in("thanhvien.anthuong")
    answer = elsewhere.post(
        f"/producers/{producer.id}/household-sheet", data=form(elsewhere)
    )
    assert answer.status_code == 404
    department = sign_in("sct.soctrang")
    answer = department.post(
        f"/producers/{producer.id}/household-sheet", data=form(department)
    )
    assert answer.status_code == 403


def test_the_public_pages_limit_per_address_applies(client: TestClient) -> None:
    statuses = {
        client.get(f"/h/{UNKNOWN}", headers=HTML).status_code
        for _ in range(hotpath.LIMIT_PER_MINUTE)
    }
    assert statuses == {404}
    refused = client.get(f"/h/{UNKNOWN}", headers=HTML)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) <= 60


def test_no_log_keeps_a_households_token() -> None:
    token = "Q-FA19TwI3gFLkqzDlrmtKDhsdBjkrLX"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/h/{token}?lang=vi", "1.1", 200),
        None,
    )
    assert RedactCapabilityLinks().filter(record)
    assert token not in record.getMessage()
    assert '"GET /h/…?lang=vi HTTP/1.1" 200' in record.getMessage()
    assert loggable(f"/h/{token}") == "/h/…"
    assert loggable("/p/abc") == "/p/abc"
    assert any(
        isinstance(f, RedactCapabilityLinks)
        for f in logging.getLogger("uvicorn.access").filters
    ), "create_app installs the filter"


def test_the_page_links_the_how_to_sheet_of_each_next_step(
    sign_in: SignIn,
    client: TestClient,
    session: Session,
    household: tuple[Producer, Product, Product],
) -> None:
    """The product waiting on postmart links the sheet of its next step; the
    household has no e-payment account yet, so the account sheets are offered
    (Mobile Money first: it needs no smartphone); each sheet opens from there."""
    producer, _live, waiting = household
    _pdf, url = _print(sign_in("thanhvien.khom3"), producer)
    body = client.get(_path(url), headers=HTML).text
    listing = session.scalars(
        select(Listing).where(
            Listing.product_id == waiting.id,
            Listing.status == ListingStatus.in_progress,
        )
    ).one()
    sheet = sheets.find("step", listing.next_step or "", "postmart")
    assert sheet is not None
    assert f'<a href="/guides/{sheet.key}">Hướng dẫn: {sheet.title}</a>' in body
    payments = [
        body.index(f'href="/guides/pay-{kind}"')
        for kind in ("mobile_money", "e_wallet", "bank")
    ]
    assert payments == sorted(payments)
    opened = client.get(f"/guides/{sheet.key}", headers=HTML)
    assert opened.status_code == 200
    assert sheet.steps[0] in opened.text
