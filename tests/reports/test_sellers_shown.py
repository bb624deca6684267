"""Producers on the marketplaces as shown: the dashboard, the monthly report's PDF
and XLSX and the teams' progress give the API's figures for the same area and day."""

import datetime as dt
import io
import re
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core.clock import today
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import PaymentStatus, Producer, ProducerKind
from ocop_tracker.reports import export
from ocop_tracker.reports.schemas import ChildLine
from ocop_tracker.sellers.models import SellerAccount, SellerActivity
from tests.cards.reading import pdf_text
from tests.conftest import SignIn
from tests.factories import (
    make_actor,
    make_hamlet,
    make_producer,
    make_seller_account,
    unit,
)

HEADLINE = "Hộ có gian hàng và tài khoản thanh toán điện tử"


def _khom3(session: Session) -> AdminUnit:
    return unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)


def _on_shop(
    session: Session, hamlet: AdminUnit, *, kind: ProducerKind = ProducerKind.household
) -> Producer:
    """A producer with an open shop on voso and an open Mobile Money account."""
    producer = make_producer(session, hamlet, kind=kind)
    make_seller_account(session, producer, "voso")
    producer_service.add_payment_account(
        session,
        make_actor(session),
        producer,
        provider="viettel_money",
        status=PaymentStatus.open,
        sim_in_holder_name=True,
    )
    return producer


def _sold(
    session: Session, account: SellerAccount, *, orders: int, revenue: int
) -> None:
    """This month's orders and revenue of a shop, as the team reports them."""
    session.add(
        SellerActivity(
            seller_account_id=account.id,
            hamlet_id=account.hamlet_id,
            month=today().replace(day=1),
            orders=orders,
            revenue_vnd=revenue,
            last_order_on=today(),
        )
    )
    session.flush()


def _world(session: Session) -> tuple[AdminUnit, AdminUnit]:
    """A new hamlet under Khóm 3's commune with two households on the shops
    (one of them sold this month) and a cooperative with a shop only."""
    commune = session.get(AdminUnit, _khom3(session).parent_id)
    assert commune is not None
    hamlet = make_hamlet(session, commune)
    first = _on_shop(session, hamlet)
    _on_shop(session, hamlet)
    coop = make_producer(session, hamlet, kind=ProducerKind.cooperative)
    make_seller_account(session, coop, "postmart")
    account = session.query(SellerAccount).filter_by(producer_id=first.id).one()
    _sold(session, account, orders=7, revenue=12_500_000)
    session.commit()
    return commune, hamlet


def _api(c: TestClient, area_id: int) -> Any:
    """The API's coverage of an area today (JSON)."""
    r = c.get("/api/v1/reports/coverage", params={"area_id": area_id})
    assert r.status_code == 200, r.text
    return r.json()


def _num(text: str) -> int:
    return int(text.replace(".", ""))


def _headline(html: str) -> tuple[int, int]:
    m = re.search(
        r"<b>([\d.]+)/([\d.]+)[^<]*</b>\s*<span>" + HEADLINE + "</span>", html
    )
    assert m, "the households' headline is on the dashboard"
    return _num(m.group(1)), _num(m.group(2))


def test_dashboard_shows_the_api_figures(sign_in: SignIn, session: Session) -> None:
    commune, hamlet = _world(session)
    c = sign_in("admin")
    for area in (commune, hamlet):
        api = _api(c, area.id)
        sellers = api["sellers"]
        month = api["activity"][-1]
        assert isinstance(sellers, dict)
        html = c.get("/reports", params={"area_id": area.id}).text
        assert _headline(html) == (
            sellers["households_shop_paying"],
            sellers["households"],
        )
        for m in sellers["shop_by_marketplace"]:
            assert (
                f"<b>{m['open']}</b><span>chủ thể có gian hàng trên {m['domain']}"
                in html
            )
        assert (
            f"<b>{sellers['shop_both']}</b><span>chủ thể có gian hàng trên cả hai sàn"
            in html
        )
        assert f"<b>{month['active_shops']}</b><span>gian hàng có đơn" in html
        revenue = export._vnd(month["revenue_vnd"])
        assert (
            f"<b>{month['orders']} đơn · {revenue}</b><span>đơn hàng và doanh thu"
            in html
        )
        assert "<script" not in html
        assert len(html.encode()) < 60_000
    # The drill-down: the hamlet's row on its commune's page is its own figures.
    api = _api(c, hamlet.id)
    sellers, month = api["sellers"], api["activity"][-1]
    html = c.get("/reports", params={"area_id": commune.id}).text
    row = re.search(rf'area_id={hamlet.id}#tren-san">[^<]+</a></th>(.*?)</tr>', html)
    assert row, "the hamlet has a row in the commune's table"
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells == [
        f"{sellers['households_shop_paying']}/{sellers['households']}",
        str(month["active_shops"]),
        str(month["orders"]),
        "12.500.000 đ",
    ]
    assert sellers["households_shop_paying"] == 2
    assert month["orders"] == 7


def test_a_household_with_shop_and_payment_moves_the_headline_by_one(
    sign_in: SignIn, session: Session
) -> None:
    commune, hamlet = _world(session)
    c = sign_in("admin")
    before = _headline(c.get("/reports", params={"area_id": commune.id}).text)
    api_before = _api(c, commune.id)["sellers"]
    producer = make_producer(session, hamlet)
    make_seller_account(session, producer, "voso")
    session.commit()
    # A shop alone does not count; the e-payment account opened makes it.
    assert _headline(c.get("/reports", params={"area_id": commune.id}).text) == (
        before[0],
        before[1] + 1,
    )
    producer_service.add_payment_account(
        session,
        make_actor(session),
        producer,
        provider="viettel_money",
        status=PaymentStatus.open,
        sim_in_holder_name=True,
    )
    session.commit()
    after = _headline(c.get("/reports", params={"area_id": commune.id}).text)
    assert after == (before[0] + 1, before[1] + 1)
    api_after = _api(c, commune.id)["sellers"]
    assert api_after["households_shop_paying"] == (
        api_before["households_shop_paying"] + 1
    )


def test_monthly_report_pdf_and_xlsx_show_the_api_figures(
    sign_in: SignIn, session: Session
) -> None:
    commune, hamlet = _world(session)
    c = sign_in("admin")
    month = f"{today():%Y-%m}"
    api = _api(c, commune.id)
    # The running month's report is as of today, like the API's default.
    sellers, activity = api["sellers"], api["activity"]
    assert isinstance(sellers, dict)
    assert isinstance(activity, list)
    params: dict[str, str | int] = {"area_id": commune.id, "month": month}
    pdf = c.get("/reports/monthly", params={**params, "format": "pdf"})
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    pct = export._pct(sellers["households_shop_paying_percent"])
    assert f"{HEADLINE} {sellers['households_shop_paying']} {pct}" in text
    assert f"Chủ thể có gian hàng trên cả hai sàn {sellers['shop_both']}" in text
    now = activity[-1]
    assert f"Đơn hàng trong tháng {today():%m/%Y} {now['orders']}" in text
    assert (
        f"Doanh thu trong tháng {today():%m/%Y} {export._vnd(now['revenue_vnd'])}"
        in text
    )
    child = _api(c, hamlet.id)
    hs = child["sellers"]
    assert isinstance(hs, dict)
    assert f"{hamlet.name} {hs['households_shop_paying']}/{hs['households']}" in text, (
        "the hamlet's line in the per-unit table"
    )
    assert "Hoạt động của các gian hàng 12 tháng gần nhất" in text

    xlsx = c.get("/reports/monthly", params={**params, "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = list(book["Trên sàn"].iter_rows(values_only=True))
    by_label: dict[Any, tuple[Any, ...]] = {r[0]: r[1:] for r in rows if r and r[0]}
    assert by_label[HEADLINE][:2] == (
        sellers["households_shop_paying"],
        sellers["households_shop_paying_percent"],
    )
    assert by_label["Chủ thể có gian hàng trên cả hai sàn"][0] == sellers["shop_both"]
    assert by_label[f"Đơn hàng trong tháng {today():%m/%Y}"][0] == now["orders"]
    line = by_label[hamlet.name]
    assert line[2] == hs["households_shop_paying"]
    assert line[7] == child["activity"][-1]["orders"]
    months = list(book["Hoạt động gian hàng"].iter_rows(values_only=True))[1:]
    assert [m[1:] for m in months] == [
        (a["active_shops"], a["orders"], a["revenue_vnd"]) for a in activity
    ]


def test_teams_progress_counts_the_households_of_the_team_hamlet(
    sign_in: SignIn, session: Session
) -> None:
    khom3 = _khom3(session)
    producer = _on_shop(session, khom3)
    account = session.query(SellerAccount).filter_by(producer_id=producer.id).one()
    _sold(session, account, orders=2, revenue=300_000)
    session.commit()
    c = sign_in("admin")
    r = c.get("/api/v1/reports/teams", params={"area_id": khom3.parent_id})
    assert r.status_code == 200, r.text
    line = next(t for t in r.json()["teams"] if t["hamlet_id"] == khom3.id)
    api = _api(c, khom3.id)
    sellers, month = api["sellers"], api["activity"][-1]
    assert line["households_shop_paying"] == sellers["households_shop_paying"]
    assert line["households_shop"] >= line["households_shop_paying"] >= 1
    assert line["active_shops"] == month["active_shops"] >= 1
    html = c.get("/reports", params={"area_id": khom3.parent_id}).text
    assert (
        f'<th scope="row">{khom3.name}</th><td>{line["households_shop"]}</td>'
        f"<td>{line['households_shop_paying']}</td><td>{line['active_shops']}</td>"
        in html
    )


def _line(name: str, total: int) -> ChildLine:
    return ChildLine(
        key=name,
        label=name,
        total=total,
        listed=0,
        percent=None,
        area_id=1,
        level="commune",
        both=0,
    )


def test_the_pdf_chart_shows_the_units_with_most_products_first() -> None:
    lines = [_line(f"Phường {n:02d}", 0) for n in range(20)]
    lines += [_line("Xã Z", 3), _line("Xã A", 3), _line("Xã M", 9)]
    shown = export.chart_lines(lines)
    assert len(shown) == export.CHART_ROWS
    assert [ln.label for ln in shown[:3]] == ["Xã M", "Xã A", "Xã Z"]
    assert shown[3].label == "Phường 00"


def test_a_past_day_shows_the_api_figures_of_that_day(
    sign_in: SignIn, session: Session
) -> None:
    c = sign_in("admin")
    day = today().replace(day=1) - dt.timedelta(days=1)
    commune = session.get(AdminUnit, _khom3(session).parent_id)
    assert commune is not None
    params: dict[str, str | int] = {"area_id": commune.id, "as_of": day.isoformat()}
    before_past = c.get("/api/v1/reports/coverage", params=params).json()["sellers"]
    before_now = _api(c, commune.id)["sellers"]
    _world(session)
    api = c.get("/api/v1/reports/coverage", params=params).json()
    html = c.get("/reports", params=params).text
    sellers, month = api["sellers"], api["activity"][-1]
    assert _headline(html) == (sellers["households_shop_paying"], sellers["households"])
    assert f"gian hàng có đơn tháng {day:%m/%Y}" in html
    revenue = export._vnd(month["revenue_vnd"])
    assert f"<b>{month['orders']} đơn · {revenue}</b>" in html
    # The two households' shops opened today: they do not count on that day.
    assert sellers == before_past
    now = _api(c, commune.id)["sellers"]
    assert now["households_shop_paying"] == before_now["households_shop_paying"] + 2
