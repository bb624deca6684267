"""Reference reads kept between requests (``core/refcache.py``): a coverage
answer shows a marketplace or a hamlet added a moment ago, never what a
rolled-back transaction wrote, and forgets them when another worker's change
is read by the page watcher."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core import refcache
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.public import changes
from ocop_tracker.reports import repository

API = "/api/v1"


def _markets(client: TestClient) -> list[str]:
    body = client.get(f"{API}/reports/coverage").json()
    return [m["label"] for m in body["ocop"]["by_marketplace"]]


def test_a_new_marketplace_shows_at_once(admin: TestClient) -> None:
    before = _markets(admin)  # the marketplaces are now kept
    created = admin.post(
        f"{API}/marketplaces",
        json={
            "code": "cho_que",
            "name": "Chợ quê",
            "domain": "choque.vn",
            "steps": [{"code": "listing", "name": "Đăng sản phẩm", "evidence": "url"}],
        },
    )
    assert created.status_code == 201, created.text
    assert _markets(admin) == [*before, "choque.vn"]


def test_a_new_hamlet_shows_at_once(admin: TestClient, session: Session) -> None:
    commune = session.scalars(
        select(AdminUnit).where(
            AdminUnit.level == Level.commune, AdminUnit.edition == Edition.e2025
        )
    ).first()
    assert commune is not None

    def children() -> list[str]:
        answer = admin.get(f"{API}/reports/coverage", params={"area_id": commune.id})
        assert answer.status_code == 200, answer.text
        return [line["label"] for line in answer.json()["by_child"]]

    before = children()
    assert "Ấp Mới Lập" not in before
    added = admin.post(f"{API}/areas/{commune.id}/hamlets", json={"name": "Ấp Mới Lập"})
    assert added.status_code == 201, added.text
    assert "Ấp Mới Lập" in children()


def test_a_transaction_that_changed_them_keeps_nothing(session: Session) -> None:
    kept = repository.market_refs(session)
    market = session.scalars(select(Marketplace).order_by(Marketplace.id)).first()
    assert market is not None
    with session.begin_nested() as nested:
        market.domain = "doi-ten-tam.vn"
        session.flush()  # noted: this transaction changed every page
        assert session.info.get(refcache.DIRTY)
        fresh = repository.market_refs(session)
        assert "doi-ten-tam.vn" in [m.domain for m in fresh]
        nested.rollback()
    session.info.pop(refcache.DIRTY, None)
    session.expire_all()
    # What the rolled-back change read was never kept.
    assert repository.market_refs(session) == kept


def test_another_workers_change_forgets_them(session: Session) -> None:
    kept = repository.market_refs(session)
    assert repository.market_refs(session) is kept  # from memory
    changes.forget({changes.ALL})  # as the watcher does on another's change
    assert repository.market_refs(session) is not kept
    assert repository.market_refs(session) == kept
