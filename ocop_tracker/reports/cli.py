"""``ocop-tracker reports``: rebuild the coverage ledger, move its counts to today."""

from typing import Annotated

import typer

from ocop_tracker.core.cli import ensure_schema, out, session_scope

app = typer.Typer(
    help="Coverage reports: the ledger kept in step with writes.", no_args_is_help=True
)


@app.command("rebuild")
def rebuild(
    counts_only: Annotated[
        bool,
        typer.Option(help="Keep the segments; recompute the counts and checkpoints"),
    ] = False,
) -> None:
    """Recompute the ledger from the rows and the audit trail.

    Run once after upgrading a database that already holds products, after a
    bulk load that bypassed the application, or after re-homing areas.
    """
    from ocop_tracker.reports import segments

    ensure_schema()
    with session_scope() as session:
        made = segments.rebuild(session.connection(), segments=not counts_only)
    out.print(
        f"Đã tính lại số liệu báo cáo: {made['segments']:,} đoạn"
        if not counts_only
        else "Đã tính lại số liệu đếm theo địa bàn."
    )


@app.command("roll")
def roll() -> None:
    """Move the kept counts to today, add the checkpoints passed (daily).

    Reads are right without it, only faster; otherwise the first write of a day
    does it. Like the service's own daily roll, it also forgets failed sign-ins
    older than a day.
    """
    from ocop_tracker.core.db import get_engine, writing
    from ocop_tracker.reports import daily

    ensure_schema()
    daily.roll_once(writing(get_engine()))
    out.print("Đã cập nhật số liệu đếm đến hôm nay.")
