"""``ocop-tracker links``: re-check verified shop and product URLs."""

from typing import Annotated

import typer

from ocop_tracker.core.cli import ensure_schema, out, session_scope

app = typer.Typer(
    help="Listing link check: verified shop and product pages, once a day.",
    no_args_is_help=True,
)


@app.command("check")
def check(
    limit: Annotated[
        int | None, typer.Option(min=1, help="Check at most this many URLs")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Say what would be checked; send nothing")
    ] = False,
) -> None:
    """Check the verified URLs not yet checked today (at most one request each a day).

    A URL that answers 404/410 or leads to the marketplace's home page on two
    days in a row shows as "có thể đã bị gỡ" in the action list; nothing is
    delisted or changed.
    """
    from ocop_tracker.links import job

    ensure_schema()
    with session_scope() as session:
        summary = job.run(session, limit=limit, dry_run=dry_run)
    out.print(summary.text(), highlight=False)
