"""Training sessions, attendees and coaching visits through the API, and the
coverage's training figures they move."""

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.teams import service as team_service
from ocop_tracker.teams import views as team_views
from ocop_tracker.teams.models import TeamMember
from ocop_tracker.training.models import TrainingTopic
from tests.conftest import SignIn
from tests.factories import (
    make_actor,
    make_certificate,
    make_producer,
    make_product,
    pilot_hamlet,
)


def _topic(session: Session) -> int:
    topic = session.scalar(select(TrainingTopic).order_by(TrainingTopic.position))
    assert topic is not None, "the topics are seeded"
    return topic.id


def _member(session: Session, name: str = "Lâm Thị Thử") -> TeamMember:
    hamlet = pilot_hamlet(session)
    admin = make_actor(session)
    team = team_views.team_of_hamlet(session, admin, hamlet.id)
    if team is None:
        team = team_service.create_team(session, admin, hamlet_id=hamlet.id)
    return team_service.add_member(session, admin, team, full_name=name)


def _household_with_ocop(session: Session, name: str) -> int:
    producer = make_producer(session, pilot_hamlet(session), name=name)
    product = make_product(session, producer)
    make_certificate(session, product)
    return producer.id


def _training(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/v1/reports/coverage")
    assert response.status_code == 200, response.text
    training: dict[str, Any] = response.json()["training"]
    return training


def test_a_session_with_its_attendees_moves_the_trained_figures(
    sign_in: SignIn, session: Session
) -> None:
    first = _household_with_ocop(session, "Hộ Tập Huấn Một")
    second = _household_with_ocop(session, "Hộ Tập Huấn Hai")
    member = _member(session)
    session.commit()
    team = sign_in("thanhvien.khom3")
    before = _training(team)
    assert before["households_ocop"] >= 2
    yesterday = (clock.today() - dt.timedelta(days=1)).isoformat()
    past_before = team.get(
        "/api/v1/reports/coverage", params={"as_of": yesterday}
    ).json()["training"]
    hamlet = pilot_hamlet(session)
    today = clock.today()
    created = team.post(
        "/api/v1/training-sessions",
        json={
            "area_id": hamlet.id,
            "held_on": today.isoformat(),
            "topic_id": _topic(session),
            "place": "Nhà văn hóa khóm",
            "trainer_kind": "partner",
            "trainer_name": "Bưu điện Sóc Trăng",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["attendee_count"] == 0
    put = team.put(
        f"/api/v1/training-sessions/{body['id']}/attendees",
        json={
            "producer_ids": [first, second],
            "member_ids": [member.id],
            "version": body["version"],
        },
    )
    assert put.status_code == 200, put.text
    got = put.json()
    assert got["attendee_count"] == 3
    assert {a["name"] for a in got["attendees"]} == {
        "Hộ Tập Huấn Một",
        "Hộ Tập Huấn Hai",
        "Lâm Thị Thử",
    }
    after = _training(team)
    assert after["households_ocop_trained"] == before["households_ocop_trained"] + 2
    assert after["members_trained"] == before["members_trained"] + 1
    month = today.replace(day=1).isoformat()
    this = {m["month"]: m for m in after["months"]}[month]
    was = {m["month"]: m for m in before["months"]}[month]
    assert this["sessions"] == was["sessions"] + 1
    assert this["attendees"] == was["attendees"] + 3
    # Yesterday nobody of them had been trained yet.
    past = team.get("/api/v1/reports/coverage", params={"as_of": yesterday}).json()[
        "training"
    ]
    # (Its month's sessions count in any report of that month, as shops' months do.)
    assert {k: v for k, v in past.items() if k != "months"} == {
        k: v for k, v in past_before.items() if k != "months"
    }

    # A stale list is a 409 carrying the session as it is now.
    stale = team.put(
        f"/api/v1/training-sessions/{body['id']}/attendees",
        json={"producer_ids": [first], "member_ids": [], "version": body["version"]},
    )
    assert stale.status_code == 409
    assert stale.json()["current"]["attendee_count"] == 3

    # Deleting the session takes the figures back.
    assert team.delete(f"/api/v1/training-sessions/{body['id']}").status_code == 204
    assert (
        _training(team)["households_ocop_trained"] == before["households_ocop_trained"]
    )


def test_refusals_name_their_fields_in_vietnamese(
    sign_in: SignIn, session: Session
) -> None:
    hamlet = pilot_hamlet(session)
    outsider = make_producer(
        session, pilot_hamlet(session, "Ấp An Thường"), name="Hộ Ngoài Khóm"
    )
    session.commit()
    team = sign_in("totruong.khom3")
    tomorrow = clock.today() + dt.timedelta(days=1)
    refused = team.post(
        "/api/v1/training-sessions",
        json={
            "area_id": hamlet.id,
            "held_on": tomorrow.isoformat(),
            "topic_id": _topic(session),
            "place": "  ",
            "trainer_kind": "team_member",
            "trainer_name": "Tổ trưởng",
        },
    )
    assert refused.status_code == 422
    fields = refused.json()["fields"]
    assert set(fields) == {"held_on", "place"}
    assert "sau hôm nay" in fields["held_on"]
    made = team.post(
        "/api/v1/training-sessions",
        json={
            "area_id": hamlet.id,
            "held_on": clock.today().isoformat(),
            "topic_id": _topic(session),
            "place": "Nhà văn hóa",
            "trainer_kind": "team_member",
            "trainer_name": "Tổ trưởng",
        },
    ).json()
    wrong = team.put(
        f"/api/v1/training-sessions/{made['id']}/attendees",
        json={"producer_ids": [outsider.id], "member_ids": []},
    )
    assert wrong.status_code == 422
    assert "không thuộc địa bàn" in wrong.json()["fields"]["producer_ids"]
    assert (
        team.get(f"/api/v1/training-sessions/{made['id']}").json()["attendee_count"]
        == 0
    )


def test_a_session_outside_the_area_looks_missing_and_the_department_only_reads(
    sign_in: SignIn, session: Session
) -> None:
    far = pilot_hamlet(session, "Ấp An Thường")
    session.commit()
    team = sign_in("thanhvien.khom3")
    outside = team.post(
        "/api/v1/training-sessions",
        json={
            "area_id": far.id,
            "held_on": clock.today().isoformat(),
            "topic_id": _topic(session),
            "place": "Ấp khác",
            "trainer_kind": "official",
            "trainer_name": "Cán bộ xã",
        },
    )
    assert outside.status_code == 404
    department = sign_in("sct.soctrang")
    refused = department.post(
        "/api/v1/training-sessions",
        json={
            "area_id": far.id,
            "held_on": clock.today().isoformat(),
            "topic_id": _topic(session),
            "place": "Ấp An Thường",
            "trainer_kind": "official",
            "trainer_name": "Sở Công Thương",
        },
    )
    assert refused.status_code == 403
    assert department.get("/api/v1/training-sessions").status_code == 200


def test_a_coaching_visit_counts_in_its_month(
    sign_in: SignIn, session: Session
) -> None:
    producer = make_producer(session, pilot_hamlet(session), name="Hộ Được Kèm")
    session.commit()
    team = sign_in("thanhvien.khom3")
    month = clock.today().replace(day=1).isoformat()

    def visits() -> int:
        months = _training(team)["months"]
        return int({m["month"]: m for m in months}[month]["coaching_visits"])

    before = visits()
    made = team.post(
        f"/api/v1/producers/{producer.id}/coaching-visits",
        json={"visited_on": clock.today().isoformat(), "step": "shop"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["coach_name"]  # the signed-in member, when not typed
    assert visits() == before + 1
    listed = team.get(f"/api/v1/producers/{producer.id}/coaching-visits").json()
    assert [v["step"] for v in listed] == ["shop"]
    assert (
        team.delete(f"/api/v1/coaching-visits/{made.json()['id']}").status_code == 204
    )
    assert visits() == before
