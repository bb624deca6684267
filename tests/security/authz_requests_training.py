"""Requests of the training routes (sessions, attendees, coaching visits; API
and pages) for the authorization matrix."""

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.training import service as training_service
from ocop_tracker.training.models import (
    CoachingStep,
    CoachingVisit,
    TrainerKind,
    TrainingSession,
    TrainingTopic,
)
from ocop_tracker.users.models import User
from tests.factories import make_actor

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World


def _topic(session: Session) -> int:
    topic = session.scalar(select(TrainingTopic).order_by(TrainingTopic.id))
    assert topic is not None
    return topic.id


def _session(session: Session, w: "World", t: str) -> TrainingSession:
    """A session held in the target hamlet, made by the factory admin."""
    row = training_service.create_session(
        session,
        make_actor(session),
        area_id=w.hamlet[t].id,
        held_on=clock.today(),
        topic_id=_topic(session),
        place="Nhà văn hóa",
        trainer_kind=TrainerKind.official,
        trainer_name="Cán bộ xã",
    )
    session.commit()
    return row


def _visit(session: Session, w: "World", t: str) -> CoachingVisit:
    row = training_service.record_visit(
        session,
        make_actor(session),
        w.producer[t],
        visited_on=clock.today(),
        step=CoachingStep.payment,
    )
    session.commit()
    return row


def _facts(w: "World", t: str) -> dict[str, str]:
    return {
        "area_id": str(w.hamlet[t].id),
        "held_on": clock.today().isoformat(),
        "place": "Nhà văn hóa",
        "trainer_kind": "team_member",
        "trainer_name": "Tổ trưởng",
    }


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one of the training routes, or None for other routes."""
    if "training" not in route and "coaching-visits" not in route:
        return None
    method = route.split(" ", 1)[0]
    url = path.replace("{producer_id}", str(w.producer[t].id))
    version = None
    if "{session_id}" in url:
        row = _session(session, w, t)
        url, version = url.replace("{session_id}", str(row.id)), row.version
    if "{visit_id}" in url:
        url = url.replace("{visit_id}", str(_visit(session, w, t).id))
    if method in {"GET", "DELETE"}:
        return (method, url, {})
    api = url.startswith("/api/")
    if "coaching-visits" in url:
        body: dict[str, Any] = {"visited_on": clock.today().isoformat(), "step": "shop"}
    elif url.endswith("/attendees"):
        ids = [w.producer[t].id]
        if not api:
            return (
                method,
                url,
                {"data": {"producer_ids": str(ids[0]), "version": str(version)}},
            )
        return (
            method,
            url,
            {"json": {"producer_ids": ids, "member_ids": [], "version": version}},
        )
    elif url.endswith("/delete"):
        return (method, url, {"data": {}})
    else:
        body = {**_facts(w, t), "topic_id": _topic(session)}
        if version is not None:
            body = {"place": "Hội trường ấp", "version": version}
            if not api:
                body = {**_facts(w, t), "topic_id": _topic(session), "version": version}
    if api:
        if "area_id" in body:
            body["area_id"] = int(body["area_id"])
        if "topic_id" in body:
            body["topic_id"] = int(body["topic_id"])
        return (method, url, {"json": body})
    return (method, url, {"data": {k: str(v) for k, v in body.items()}})
