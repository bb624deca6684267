"""Activity after listing: a shop's months (``/seller-accounts/{id}/activity``)
with the form to record or correct one, the spreadsheet import of months
(``/imports/activity``, with its template) and the flag rules admins edit
(``/seller-flags``)."""

from collections.abc import Mapping
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.core import clock
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import AppError
from ocop_tracker.imports import activity as activity_import
from ocop_tracker.imports.template import activity_template_xlsx
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.producers import views as producer_views
from ocop_tracker.sellers import activity as seller_activity
from ocop_tracker.sellers import rules as seller_rules
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import SellerAccount
from ocop_tracker.web.access import Admin
from ocop_tracker.web.forms import ActivityForm, may_write
from ocop_tracker.web.refused import submit
from ocop_tracker.web.render import render_form
from ocop_tracker.web.uploads import (
    ImportPage,
    Mode,
    Upload,
    answer_upload,
    template_download,
)

router = APIRouter(include_in_schema=False)


def _month_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    account: SellerAccount,
    *,
    values: dict[str, str],
    version: int | None = None,
    refused: AppError | None = None,
) -> Response:
    user = principal.user
    producer = producer_views.get_producer(session, user, account.producer_id)
    market = marketplaces.get(session, account.marketplace_id)
    months = seller_views.activity(session, user, account)
    return render_form(
        request,
        "activity/account.html",
        {
            "account": account,
            "producer": producer,
            "market": market,
            "status": seller_rules.STATUS_LABELS[account.status],
            "months": months,
            "may_write": may_write(user),
            "values": values,
            "version": version,
        },
        principal,
        refused,
    )


@router.get("/seller-accounts/{account_id}/activity")
def activity_page(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    month: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """A shop's months, newest first, and the form to record one (or correct
    the month named by ``?month=2026-11``)."""
    account = seller_views.get_account(session, principal.user, account_id)
    values = {"month": f"{clock.today():%Y-%m}"}
    version = None
    if month:
        try:
            first = seller_rules.parse_month(month)
        except AppError:
            first = None
        row = seller_views.activity_month(session, account, first) if first else None
        if row is not None:
            version = row.version
            values = {
                "month": f"{row.month:%Y-%m}",
                "orders": str(row.orders),
                "revenue_vnd": f"{row.revenue_vnd:,}".replace(",", "."),
                "last_order_on": row.last_order_on.isoformat()
                if row.last_order_on
                else "",
                "cancelled_unconfirmed": str(row.cancelled_unconfirmed),
                "note": row.note or "",
            }
    return _month_page(
        request, session, principal, account, values=values, version=version
    )


@router.post("/seller-accounts/{account_id}/activity")
def record_month(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    form: Annotated[ActivityForm, Form()],
) -> Response:
    """Record or correct a month; a refusal shows the form again as typed."""
    user = principal.user
    account = seller_views.get_account(session, user, account_id)
    return submit(
        session,
        lambda: seller_activity.record_month(
            session, user, account, **form.service_args()
        ),
        again=lambda error: _month_page(
            request,
            session,
            principal,
            account,
            values=form.typed(),
            version=form.version,
            refused=error,
        ),
        done=lambda _: f"/seller-accounts/{account_id}/activity?done=saved",
    )


# --- the import ------------------------------------------------------------------------


IMPORT_PAGE = ImportPage("activity/import.html", {"headers": activity_import.HEADERS})


@router.get("/imports/activity")
def import_form(request: Request, principal: CurrentPrincipal) -> Response:
    """The upload form of shops' monthly figures."""
    return IMPORT_PAGE.render(request, principal)


@router.get("/imports/activity/template.xlsx")
def import_template(principal: CurrentPrincipal) -> Response:
    """The template: the columns the activity import reads, one example row."""
    return template_download(activity_template_xlsx(), activity_import.TEMPLATE_NAME)


@router.post("/imports/activity")
def import_file(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    upload: Upload,
    mode: Mode = "check",
) -> Response:
    """Check the file (nothing written) or import it, all rows or none."""
    data, name = upload
    return answer_upload(
        session,
        partial(IMPORT_PAGE.render, request, principal),
        lambda dry_run: activity_import.import_activity(
            session, principal.user, activity_import.read(data, name), dry_run=dry_run
        ),
        activity_import.ActivityImportRefused,
        file_name=name,
        mode=mode,
        # The problems are listed below, each with its row and column.
        problems=lambda exc: f"Tệp có {len(exc.report.problems)} lỗi, chưa ghi gì.",
    )


# --- flag rules (admins) ---------------------------------------------------------------


def _flags_page(
    request: Request,
    session: Session,
    principal: Principal,
    refused: AppError | None = None,
    typed: Mapping[str, str] | None = None,
) -> Response:
    """The rules' page; after a refusal, the refused rule (``refused_code``)
    with its days as typed (``typed_days``)."""
    return render_form(
        request,
        "activity/flags.html",
        {"rules": seller_views.flag_rules(session), **(typed or {})},
        principal,
        refused,
    )


@router.get("/seller-flags")
def flag_rules_page(
    request: Request, session: SessionDep, principal: Admin
) -> Response:
    """The rules that put shops and listings on the action list, with their days."""
    return _flags_page(request, session, principal)


@router.post("/seller-flags/{code}")
def update_flag_rule(
    request: Request,
    session: SessionDep,
    principal: Admin,
    code: str,
    days: Annotated[str, Form(max_length=10)] = "",
    is_active: Annotated[str, Form(max_length=5)] = "",
    version: Annotated[int | None, Form()] = None,
) -> Response:
    """Change a rule's days or turn it on or off."""

    def command() -> object:
        number = seller_rules.parse_whole(days, field="days", label="Số ngày")
        return seller_activity.update_flag_rule(
            session,
            principal.user,
            code,
            days=number,
            is_active=is_active == "yes",
            version=version,
        )

    return submit(
        session,
        command,
        again=lambda error: _flags_page(
            request,
            session,
            principal,
            error,
            {"refused_code": code, "typed_days": days},
        ),
        done=lambda _: "/seller-flags?done=saved",
    )
