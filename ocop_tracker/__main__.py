"""`python -m ocop_tracker` runs the command line."""

from ocop_tracker.cli import app

app(prog_name="ocop-tracker")
