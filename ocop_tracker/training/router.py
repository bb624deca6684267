"""JSON API of training: topics, sessions and their attendees, coaching visits."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.answers import written
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.schemas import STALE_RESPONSES, IsoDate, Limit, Offset, Page
from ocop_tracker.producers import views as producer_views
from ocop_tracker.training import service as training_service
from ocop_tracker.training import views as training_views
from ocop_tracker.training.schemas import (
    AttendeesWrite,
    SessionCreate,
    SessionLine,
    SessionRead,
    SessionUpdate,
    TopicRead,
    VisitCreate,
    VisitRead,
)

# Created without a prefix (api.py includes it under /api/v1): paths are written in full.
router = APIRouter(tags=["training"], responses=STALE_RESPONSES)
AreaId = Annotated[int | None, Query(ge=1, le=10**11)]


@router.get("/training-topics")
def list_topics(session: SessionDep, principal: CurrentPrincipal) -> list[TopicRead]:
    """Every topic, retired ones included (with their day)."""
    del principal
    return [TopicRead.model_validate(t) for t in training_views.topics(session)]


@router.get("/training-sessions")
def list_sessions(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    since: IsoDate | None = None,
    until: IsoDate | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SessionLine]:
    """Sessions held in the caller's area (under ``area_id``), newest first."""
    items, total = training_views.sessions(
        session,
        principal.user,
        area_id=area_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return Page[SessionLine](items=items, total=total, limit=limit, offset=offset)


@router.post("/training-sessions", status_code=status.HTTP_201_CREATED)
def create_session(
    session: SessionDep, principal: CurrentPrincipal, body: SessionCreate
) -> SessionRead:
    """Record a session; its attendees are written next (``PUT …/attendees``)."""
    row = training_service.create_session(session, principal.user, **body.model_dump())
    return training_views.read(session, row)


@router.get("/training-sessions/{session_id}")
def get_session(
    session: SessionDep, principal: CurrentPrincipal, session_id: int
) -> SessionRead:
    """A session with its attendees."""
    row = training_views.get_session(session, principal.user, session_id)
    return training_views.read(session, row)


@router.patch("/training-sessions/{session_id}", response_model=SessionRead)
def update_session(
    session: SessionDep,
    principal: CurrentPrincipal,
    session_id: int,
    body: SessionUpdate,
) -> SessionRead | JSONResponse:
    """Change a session's facts (``version`` as read; 409 when someone else did)."""
    row = training_views.get_session(session, principal.user, session_id)
    return written(
        session,
        lambda: training_service.update_session(
            session, principal.user, row, **body.model_dump(exclude_unset=True)
        ),
        lambda r: training_views.read(session, r),
    )


@router.put("/training-sessions/{session_id}/attendees", response_model=SessionRead)
def set_attendees(
    session: SessionDep,
    principal: CurrentPrincipal,
    session_id: int,
    body: AttendeesWrite,
) -> SessionRead | JSONResponse:
    """Write the whole list of who attended."""
    row = training_views.get_session(session, principal.user, session_id)
    return written(
        session,
        lambda: training_service.set_attendees(
            session,
            principal.user,
            row,
            producer_ids=body.producer_ids,
            member_ids=body.member_ids,
            version=body.version,
        ),
        lambda r: training_views.read(session, r),
    )


@router.delete(
    "/training-sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT
)
def delete_session(
    session: SessionDep, principal: CurrentPrincipal, session_id: int
) -> Response:
    """Remove a session recorded by mistake, with its attendees."""
    row = training_views.get_session(session, principal.user, session_id)
    training_service.delete_session(session, principal.user, row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/producers/{producer_id}/coaching-visits")
def list_visits(
    session: SessionDep, principal: CurrentPrincipal, producer_id: int
) -> list[VisitRead]:
    """A producer's coaching visits, newest first."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    return training_views.producer_visits(session, producer)


@router.post(
    "/producers/{producer_id}/coaching-visits", status_code=status.HTTP_201_CREATED
)
def record_visit(
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    body: VisitCreate,
) -> VisitRead:
    """Record a coaching visit at the producer's."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    row = training_service.record_visit(
        session, principal.user, producer, **body.model_dump()
    )
    return VisitRead.model_validate(row)


@router.delete("/coaching-visits/{visit_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_visit(
    session: SessionDep, principal: CurrentPrincipal, visit_id: int
) -> Response:
    """Remove a coaching visit recorded by mistake."""
    row = training_views.get_visit(session, principal.user, visit_id)
    training_service.delete_visit(session, principal.user, row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
