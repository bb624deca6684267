"""The training pages: recording a session and who attended, without script;
a refusal shows the form again with each message beside its field; coaching
visits on the producer's page; the dashboard's training block."""

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.training.models import TrainingSession, TrainingTopic
from tests.conftest import SignIn
from tests.factories import make_certificate, make_producer, make_product, pilot_hamlet


def _topic(session: Session) -> TrainingTopic:
    topic = session.scalar(select(TrainingTopic).order_by(TrainingTopic.position))
    assert topic is not None
    return topic


def _kpi(html: str, label: str) -> str:
    """The figure of the dashboard's tile labelled ``label``."""
    found = re.search(r"<b>([^<]+)</b>\s*<span>" + re.escape(label), html)
    assert found, label
    return found.group(1).strip()


def test_a_team_records_a_session_ticks_who_came_and_the_dashboard_moves(
    sign_in: SignIn, session: Session
) -> None:
    hamlet = pilot_hamlet(session)
    producer = make_producer(session, hamlet, name="Hộ Bà Tư Tập Huấn")
    make_certificate(session, make_product(session, producer))
    session.commit()
    team = sign_in("thanhvien.khom3")
    before = _kpi(team.get("/reports").text, "Hộ có sản phẩm OCOP đã được tập huấn")

    form = team.get("/training/new")
    assert form.status_code == 200
    assert "Khóm 3" in form.text  # the team's own hamlet is chosen already
    posted = team.post(
        "/training/new",
        data={
            "area_id": str(hamlet.id),
            "held_on": clock.today().strftime("%d/%m/%Y"),
            "topic_id": str(_topic(session).id),
            "place": "Hội trường Khóm 3 (thử)",
            "trainer_kind": "partner",
            "trainer_name": "Bưu điện Sóc Trăng",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    page_url = posted.headers["location"].split("?")[0]
    page = team.get(page_url)
    assert "Hộ Bà Tư Tập Huấn" in page.text  # offered to tick
    row = session.get(TrainingSession, int(page_url.rsplit("/", 1)[1]))
    assert row is not None
    assert row.place == "Hội trường Khóm 3 (thử)"
    saved = team.post(
        f"{page_url}/attendees",
        data={"producer_ids": [str(producer.id)], "version": str(row.version)},
        follow_redirects=True,
    )
    assert saved.status_code == 200, re.findall(
        r"<p class=\"[^\"]*\"[^>]*>([^<]+)", saved.text
    )
    assert "Đã lưu danh sách người dự." in saved.text
    assert f'value="{producer.id}" checked' in saved.text

    after = _kpi(team.get("/reports").text, "Hộ có sản phẩm OCOP đã được tập huấn")
    trained_before = int(before.split("/")[0].replace(".", ""))
    trained_after = int(after.split("/")[0].replace(".", ""))
    assert trained_after == trained_before + 1
    listed = team.get("/training")
    assert "Hội trường Khóm 3 (thử)" in listed.text
    assert "1 người dự" in listed.text


def test_a_refused_session_comes_back_with_messages_beside_the_fields(
    sign_in: SignIn, session: Session
) -> None:
    hamlet = pilot_hamlet(session)
    team = sign_in("totruong.khom3")
    tomorrow = clock.today() + dt.timedelta(days=1)
    refused = team.post(
        "/training/new",
        data={
            "area_id": str(hamlet.id),
            "held_on": tomorrow.isoformat(),
            "topic_id": "",
            "place": "Hội trường ấp",
            "trainer_kind": "official",
            "trainer_name": "",
        },
    )
    assert refused.status_code == 422
    html = refused.text
    assert 'id="f-held_on-error"' in html
    assert "sau hôm nay" in html
    assert 'id="f-topic_id-error"' in html
    assert 'value="Hội trường ấp"' in html  # what was typed stays
    assert "held_on:" not in html


def test_the_department_reads_sessions_but_records_none(
    sign_in: SignIn, session: Session
) -> None:
    department = sign_in("sct.soctrang")
    assert department.get("/training").status_code == 200
    assert department.get("/training/new").status_code == 403


def test_a_coaching_visit_from_the_producer_page(
    sign_in: SignIn, session: Session
) -> None:
    producer = make_producer(session, pilot_hamlet(session), name="Hộ Được Hướng Dẫn")
    session.commit()
    team = sign_in("thanhvien.khom3")
    refused = team.post(
        f"/producers/{producer.id}/coaching-visits",
        data={
            "visited_on": "31/02/2026",
            "step": "payment",
            "note": "Mở Viettel Money",
        },
    )
    assert refused.status_code == 422
    assert 'id="v-visited_on-error"' in refused.text
    assert "Mở Viettel Money" in refused.text
    saved = team.post(
        f"/producers/{producer.id}/coaching-visits",
        data={"visited_on": clock.today().isoformat(), "step": "payment"},
        follow_redirects=True,
    )
    assert saved.status_code == 200
    assert "Đã ghi buổi hướng dẫn tại hộ." in saved.text
    assert "Tài khoản thanh toán điện tử</b>" in saved.text
