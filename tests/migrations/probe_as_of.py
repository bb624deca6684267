"""Prints, as one JSON line, the answers a database gives for past days.

Run as a script by ``test_steps_to_producers_migration`` with the code before
or after the migration on ``PYTHONPATH``: coverage of the nation, the
provinces, communes and hamlets that have listings, and every listing's steps,
for each day given; and every step record. Nothing is written.
"""

import datetime as dt
import json
import sys
from typing import Any

from sqlalchemy import select

from ocop_tracker import hooks
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.core import db
from ocop_tracker.core.errors import AppError
from ocop_tracker.onboarding import views as onboarding_views
from ocop_tracker.onboarding.models import Listing, StepRecord
from ocop_tracker.products.models import Product
from ocop_tracker.reports import service as report_service
from ocop_tracker.users import repository as user_repository


def main(days: list[dt.date]) -> dict[str, Any]:
    hooks.install()
    out: dict[str, Any] = {"coverage": {}, "steps": {}, "records": []}
    with db.get_sessionmaker()() as session:
        admin = user_repository.by_login(session, "admin")
        assert admin is not None
        hamlets = sorted(set(session.scalars(select(Listing.hamlet_id))))
        areas: list[int | None] = [None]
        for hamlet_id in hamlets:
            unit = session.get(AdminUnit, hamlet_id)
            while unit is not None:
                if unit.id not in areas:
                    areas.append(unit.id)
                unit = (
                    session.get(AdminUnit, unit.parent_id) if unit.parent_id else None
                )
        for area_id in areas:
            for day in days:
                answer = report_service.coverage(session, admin, area_id, day)
                out["coverage"][f"{area_id}@{day}"] = answer.model_dump(mode="json")
        listings = session.scalars(select(Listing).order_by(Listing.id)).all()
        for listing in listings:
            for day in days:
                try:
                    view = onboarding_views.steps_view(
                        session, admin, listing, as_of=day
                    )
                except AppError:
                    out["steps"][f"{listing.id}@{day}"] = None
                    continue
                out["steps"][f"{listing.id}@{day}"] = view.model_dump(mode="json")
        rows = session.execute(
            select(StepRecord, Listing.marketplace_id, Product.producer_id)
            .join(Listing, Listing.id == StepRecord.listing_id)
            .join(Product, Product.id == Listing.product_id)
            .order_by(StepRecord.id)
        ).all()
        for record, marketplace_id, producer_id in rows:
            out["records"].append(
                {
                    "id": record.id,
                    "listing_id": record.listing_id,
                    "marketplace_id": marketplace_id,
                    "producer_id": producer_id,
                    "step_code": record.step_code,
                    "status": record.status.value,
                    "evidence_url": record.evidence_url,
                    "note": record.note,
                    "blocked_reason": record.blocked_reason,
                    "done_by_id": record.done_by_id,
                    "done_at": record.done_at.isoformat(),
                }
            )
        session.rollback()
    return out


if __name__ == "__main__":
    wanted = [dt.date.fromisoformat(d) for d in sys.argv[1].split(",")]
    sys.stdout.write(json.dumps(main(wanted), sort_keys=True) + "\n")
