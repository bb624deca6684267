"""Benchmarks of ocop-tracker: ``python -m bench`` runs them all and prints one table.

Every benchmark runs against a throwaway database (an SQLite file in a temporary
directory, a fresh PostgreSQL database dropped afterwards), with fixed counts,
a fixed random seed and a time budget per loop, so a run is bounded and
repeatable. See ``bench/README.md`` for the latest results.
"""

from ocop_tracker import hooks

# The benchmarks write through the services as the app does: the same hooks.
hooks.install()
