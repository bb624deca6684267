"""Training sessions (issue 17 item 3): the list at ``/training``, recording one
(``/training/new``, the place chosen with the area picker), and a session's
page at ``/training/{id}`` with its facts, who attended (ticked from the
area's producers and team members) and its removal. Coaching visits are
recorded on the producer's page (``web/pages/producers.py``).
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.core import clock
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import AppError
from ocop_tracker.core.labels import labels
from ocop_tracker.training import service as training_service
from ocop_tracker.training import views as training_views
from ocop_tracker.training.models import TrainerKind, TrainingSession
from ocop_tracker.web import picker as picker_kit
from ocop_tracker.web.forms import (
    AttendeesForm,
    TrainingSessionForm,
    may_write,
    require_writer,
)
from ocop_tracker.web.paging import Offset, paging
from ocop_tracker.web.refused import Refused, render_forms, submit
from ocop_tracker.web.render import redirect, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30
TRAINER_KINDS = labels(TrainerKind)
READ_ONLY = "Vai trò của bạn chỉ được xem việc tập huấn."


def _topic_options(session: Session, keep: int | None = None) -> list[tuple[str, str]]:
    offered = training_views.topics(session, offered_on=clock.today())
    options = [("", "— Chọn chủ đề —")] + [(str(t.id), t.name) for t in offered]
    if keep is not None and all(str(keep) != key for key, _ in options):
        kept = [t for t in training_views.topics(session) if t.id == keep]
        options += [(str(t.id), t.name) for t in kept]
    return options


@router.get("/training")
def training_list(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    offset: Offset = 0,
) -> Response:
    """The sessions held in the user's area, newest first."""
    user = principal.user
    items, total = training_views.sessions(
        session, user, limit=PAGE_SIZE, offset=offset
    )
    return render(
        request,
        "training/list.html",
        {
            "sessions": items,
            "trainer_kinds": TRAINER_KINDS,
            "may_write": may_write(user),
            **paging("/training", {}, total=total, offset=offset, page_size=PAGE_SIZE),
        },
        principal,
    )


def _new_page(
    request: Request,
    session: Session,
    principal: Principal,
    values: dict[str, str],
    refused: AppError | None = None,
) -> Response:
    user = principal.user
    chosen = picker_kit.parse_id(values.get("area_id", ""))
    return render_forms(
        request,
        "training/new.html",
        {
            "picker": picker_kit.picker(
                session,
                user,
                q=values.get("area_q", ""),
                chosen_id=chosen if chosen is not None else user.area_id,
            ),
            "topics": _topic_options(session),
            "trainer_kinds": [(k.value, text) for k, text in TRAINER_KINDS.items()],
        },
        principal,
        Refused(refused, values) if refused else None,
        values=values,
    )


@router.get("/training/new")
def new_session(
    request: Request, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """The form recording a session: where, when, the topic, who led it."""
    require_writer(principal.user, READ_ONLY)
    values = {"held_on": clock.today().isoformat(), "trainer_kind": "team_member"}
    return _new_page(request, session, principal, values)


@router.post("/training/new")
def create_session(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    form: Annotated[TrainingSessionForm, Form()],
) -> Response:
    """Record the session, then tick who attended; "Tìm" only searches places."""
    user = principal.user
    require_writer(user, READ_ONLY)
    typed = form.typed()
    if form.find:
        return _new_page(request, session, principal, typed)
    return submit(
        session,
        lambda: training_service.create_session(session, user, **form.service_args()),
        again=lambda error: _new_page(request, session, principal, typed, error),
        done=lambda row: f"/training/{row.id}?done=training_created#attendees",
    )


def _values_of(row: TrainingSession) -> dict[str, str]:
    return {
        "held_on": row.held_on.isoformat(),
        "topic_id": str(row.topic_id),
        "place": row.place,
        "trainer_kind": row.trainer_kind.value,
        "trainer_name": row.trainer_name,
        "note": row.note or "",
    }


def _session_page(
    request: Request,
    session: Session,
    principal: Principal,
    row: TrainingSession,
    refused: Refused | None = None,
) -> Response:
    user = principal.user
    view = training_views.read(session, row)
    writer = may_write(user)
    ticked = (
        {
            "producers": {a.producer_id for a in view.attendees if a.producer_id},
            "members": {a.member_id for a in view.attendees if a.member_id},
        }
        if refused is None or refused.form != "attendees"
        else {
            "producers": {
                int(v) for v in refused.values.get("producer_ids", "").split()
            },
            "members": {int(v) for v in refused.values.get("member_ids", "").split()},
        }
    )
    return render_forms(
        request,
        "training/session.html",
        {
            "s": view,
            "trainer_kinds": TRAINER_KINDS,
            "trainer_options": [(k.value, t) for k, t in TRAINER_KINDS.items()],
            "topics": _topic_options(session, keep=row.topic_id),
            "candidates": training_views.candidates(session, row) if writer else None,
            "ticked": ticked,
            "may_write": writer,
        },
        principal,
        refused,
        values=_values_of(row),
    )


@router.get("/training/{session_id}")
def session_page(
    request: Request, session: SessionDep, principal: CurrentPrincipal, session_id: int
) -> Response:
    """A session: its facts, who attended and, for writers, the forms to change them."""
    row = training_views.get_session(session, principal.user, session_id)
    return _session_page(request, session, principal, row)


@router.post("/training/{session_id}")
def update_session(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    session_id: int,
    form: Annotated[TrainingSessionForm, Form()],
) -> Response:
    """Change the session's facts (with the version read)."""
    user = principal.user
    row = training_views.get_session(session, user, session_id)

    def again(error: AppError) -> Response:
        fresh = training_views.get_session(session, user, session_id)
        return _session_page(
            request, session, principal, fresh, Refused(error, form.typed(), "edit")
        )

    return submit(
        session,
        lambda: training_service.update_session(
            session,
            user,
            row,
            version=form.version,
            **form.service_args(with_area=False),
        ),
        again=again,
        done=lambda r: f"/training/{r.id}?done=training_saved",
    )


@router.post("/training/{session_id}/attendees")
def set_attendees(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    session_id: int,
    form: Annotated[AttendeesForm, Form()],
) -> Response:
    """Save the ticked list of who attended."""
    user = principal.user
    row = training_views.get_session(session, user, session_id)
    typed = {
        "producer_ids": " ".join(str(i) for i in form.producer_ids),
        "member_ids": " ".join(str(i) for i in form.member_ids),
    }

    def again(error: AppError) -> Response:
        fresh = training_views.get_session(session, user, session_id)
        return _session_page(
            request, session, principal, fresh, Refused(error, typed, "attendees")
        )

    return submit(
        session,
        lambda: training_service.set_attendees(
            session,
            user,
            row,
            producer_ids=form.producer_ids,
            member_ids=form.member_ids,
            version=form.version,
        ),
        again=again,
        done=lambda r: f"/training/{r.id}?done=attendees#attendees",
    )


@router.post("/training/{session_id}/delete")
def delete_session(
    session: SessionDep, principal: CurrentPrincipal, session_id: int
) -> Response:
    """Remove a session recorded by mistake, with its list of attendees."""
    row = training_views.get_session(session, principal.user, session_id)
    training_service.delete_session(session, principal.user, row)
    return redirect("/training?done=training_deleted")
