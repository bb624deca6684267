"""A form the service refused, shown again on its page.

Every form posts, then redirects; a refusal the user can fix renders the page
again instead, with the refused form open, its typed values and each message
beside its field. ``submit`` runs a form's command so (``core.db.refusable``);
on a page holding several small forms (a producer's, a seller account's, the
admin's reference data) ``Refused`` carries the refusal from the route to the
page function, and ``form_context`` turns it into what the templates read
(``form``, ``values``, ``error``, ``fields``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.auth.deps import Principal
from ocop_tracker.core.db import refusable
from ocop_tracker.core.errors import AppError
from ocop_tracker.web.render import redirect, refusal_context, render

T = TypeVar("T")


class PostedForm(Protocol):
    """A form of ``web/forms.py``: what the service takes, and what was typed."""

    def service_args(self) -> dict[str, Any]: ...

    def typed(self) -> dict[str, str]: ...


def submit(
    session: Session,
    command: Callable[[], T],
    *,
    again: Callable[[AppError], Response],
    done: Callable[[T], str],
) -> Response:
    """Run a form's command in a savepoint: refused, the page again
    (``again(error)``); done, a redirect to ``done(result)``."""
    with refusable(session) as refusal:
        result = command()
    if refusal.error is not None:
        return again(refusal.error)
    return redirect(done(result))


@dataclass(frozen=True)
class Refused:
    """A refused form: the refusal, what was typed, and which of the page's forms."""

    error: AppError
    values: Mapping[str, str]
    form: str | None = None

    @property
    def status_code(self) -> int:
        return self.error.status_code


def form_context(
    refused: Refused | None, values: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """What a page's forms read: which form is open (``form``), the typed
    ``values`` (else ``values``, a blank form's defaults), ``error`` and ``fields``."""
    if refused is None:
        return {"form": None, "values": values or {}, **refusal_context(None)}
    return {
        "form": refused.form,
        "values": refused.values or values or {},
        **refusal_context(refused.error),
    }


def status_of(refused: Refused | None) -> int:
    """The page's status: the refusal's, or 200."""
    return 200 if refused is None else refused.status_code


def render_forms(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    principal: Principal | None,
    refused: Refused | None,
    values: Mapping[str, str] | None = None,
) -> Response:
    """A page of forms: ``context`` and what its forms read (``form_context``),
    at the refusal's status, else 200."""
    return render(
        request,
        name,
        {**context, **form_context(refused, values)},
        principal,
        status_code=status_of(refused),
    )
