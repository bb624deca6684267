"""The results table: one row per measurement, rendered as Markdown."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.timing import Samples

COLUMNS = (
    "benchmark",
    "database",
    "count",
    "p50/value",
    "p95",
    "unit/notes",
    "goal",
    "ratio",
)
START_MARKER = "<!-- bench:results:start -->"
END_MARKER = "<!-- bench:results:end -->"


@dataclass(frozen=True)
class Row:
    """One line of the results table, already formatted."""

    benchmark: str
    database: str
    count: str = ""
    value: str = ""
    p95: str = ""
    notes: str = ""
    # The goal an issue sets ("≤ 20 ms p50", "≥ 60% of bare"), and the measured
    # value over it ("0.45×") or a side-by-side ratio, when there is one.
    goal: str = ""
    ratio: str = ""

    def cells(self) -> tuple[str, ...]:
        """The row's cells in column order."""
        return (
            self.benchmark,
            self.database,
            self.count,
            self.value,
            self.p95,
            self.notes,
            self.goal,
            self.ratio,
        )


def fmt_int(value: int) -> str:
    """An integer with thousands separators: 10,035."""
    return f"{value:,}"


def fmt_num(value: float) -> str:
    """A duration or rate with about three significant digits."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def once_row(
    benchmark: str, database: str, *, items: int, seconds: float, what: str
) -> Row:
    """A one-off operation: its seconds and throughput in ``what`` per second."""
    rate = items / seconds if seconds > 0 else float("inf")
    return Row(
        benchmark,
        database,
        count=f"{fmt_int(items)} {what}",
        value=fmt_num(seconds),
        notes=f"s; {fmt_num(rate)} {what}/s",
    )


def samples_row(
    benchmark: str, database: str, samples: Samples, *, notes: str = ""
) -> Row:
    """A repeated operation: runs, p50 and p95 in milliseconds."""
    return Row(
        benchmark,
        database,
        count=f"{samples.count} runs",
        value=fmt_num(samples.percentile_ms(50)),
        p95=fmt_num(samples.percentile_ms(95)),
        notes="ms" + (f"; {notes}" if notes else ""),
    )


def markdown_table(rows: Sequence[Row]) -> str:
    """The rows as a GitHub Markdown table, cells padded to line up."""
    body = [COLUMNS, *(row.cells() for row in rows)]
    cells = [[cell.replace("|", "\\|") for cell in line] for line in body]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    numeric = {2, 3, 4}

    def render(line: Sequence[str]) -> str:
        parts = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ]
        return "| " + " | ".join(parts) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if i in numeric else "-" * (w + 2)
            for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([render(cells[0]), rule, *(render(c) for c in cells[1:])]) + "\n"


README_TEMPLATE = f"""# Benchmarks

`python -m bench` (from the project root, with the virtual environment:
`.venv/bin/python -m bench`) runs every benchmark below on throwaway databases
and prints one table, then writes that table into this file between the
markers. A full run takes about five minutes on a 2-core machine (about a
minute with `--skip-catalog`); every loop stops at a fixed count or a time
budget, whichever comes first.

What it measures, on SQLite (a temporary file, WAL, the project's
`make_engine()` pragmas) and on PostgreSQL 15:

1. **Official lists, whole country**: `areas.service.import_edition()` for the
   2022 edition (63 provinces, ~700 districts, 10,035 communes), then the 2025
   edition (34 provinces, 3,321 communes) together with the old → new commune
   mapping, each committed. Schema created by Alembic (`upgrade head`).
2. **Synthetic hamlets** (`bench/datagen.py`): 80,000 hamlets ("Ấp 1" …)
   spread at random (fixed seed) over the 2025 communes, inserted in bulk with
   SQLAlchemy Core into `admin_units` and the closure table `admin_unit_links`
   (the same rows `add_hamlet()` writes).
3. **Queries** on that national data set, p50 and p95 over random inputs:
   `repository.hamlets_under()` for a province, a `COUNT` over
   `repository.subtree_ids()`, `repository.ancestors()` of a hamlet; and, for
   comparison with the bulk path, `service.add_hamlet()` one hamlet at a time
   (rolled back).
4. **OCOP list import** (issue #4, `bench/catalog.py`) through the real code
   path: an XLSX written with openpyxl (the official Vietnamese headers, two
   products per producer, 3★ district / 4★ province / 5★ central decisions
   dated 2024, rows spread over existing synthetic hamlets), read with
   `imports.reader.read_rows()`, then `imports.service.import_rows()` as an
   admin (`bench.admin`), a dry run then the real import (committed). Rows/s
   for each; peak memory with `tracemalloc` (see below). **Default 2,000 rows,
   not the issue's 20,000** (`--import-rows 20000`): the importer writes about
   80–150 rows/s here, so 20,000 rows take 2–4 minutes per run and per
   database.
5. **Lists** on a catalog generated in bulk with SQLAlchemy Core: producers
   (one per two products), products (`hamlet_id` set, random `public_code`,
   folded `search_key`; 90 % OCOP) with one or two certificates (2019 to
   yesterday: valid, expiring, expired, 3 % revoked) and a listing on each of
   voso and postmart (in progress, awaiting verification, listed, rejected,
   delisted). **Default 50,000 products / 100,000 listings**, not the issue's
   500,000 / 1,000,000 (`--products 500000`; step records and listing audit
   events are not generated). As department users (one per province, 4
   provinces drawn at random), p50/p95 of
   `products.service.list_products()` page 1 (limit 50): plain, with `q=`,
   with `stars=`, with `certificate=`; and
   `onboarding.views.list_listings(status=awaiting_verification)`.
6. **`as_of` reads**: 200 products (`--history-products`) written through the
   services (producer, product, a 4★ certificate, two edits 90 days apart),
   with the audit listener's clock moved back to days in 2024 so that they
   have a history; then `products.service.product_as_of()` for random ones on
   random days from 2024-07-01 to 2025-06-30. Bulk-generated rows have no
   audit events, so only these are measured.

PostgreSQL: the benchmark connects to
`postgresql+psycopg://postgres@127.0.0.1:5432/test` (or `--pg-url`, or
`OCOP_BENCH_PG_URL`), creates a database `ocop_bench_<random>` from there and
drops it at the end. When the server cannot be reached the PostgreSQL rows are
skipped and the table says why.

```
.venv/bin/python -m bench                      # everything, writes this README
.venv/bin/python -m bench --only sqlite        # one database
.venv/bin/python -m bench --hamlets 20000      # a smaller data set
.venv/bin/python -m bench --import-rows 20000 --products 500000  # issue #4 scale (long)
.venv/bin/python -m bench --skip-catalog       # areas only
.venv/bin/python -m bench --skip-pg --no-readme
.venv/bin/python -m bench --help               # every option
```

Progress goes to stderr, the table to stdout. Quote medians and compare
ratios within one run: the project's machines are shared and noisy
(`PERFORMANCE.md`).

## How the numbers are taken

- One-off steps (imports, data generation) are timed once, commit included;
  "p50/value" is then the seconds taken. Repeated queries run 3 untimed
  warm-up calls, then `count` timed calls on inputs drawn with the fixed seed
  (`--seed`); each loop stops early after `--budget` seconds (default 20), and
  `count` shows how many calls were really timed.
- ORM reads empty the session's identity map after every call, so each call
  builds its objects afresh, as a new request would.
- The 2025 import re-reads the old → new mapping on each database
  (`sources.mappings` is cached per process); the one-off cost of importing
  `vietnamadminunits` (which `areas.sources` pays at its first list read) is
  its own row.
- PostgreSQL gets `ANALYZE` after the bulk load (what autovacuum would do soon
  after; before the list benchmarks `VACUUM ANALYZE`, which autovacuum also
  runs after a bulk insert, and which sets the visibility map that index-only
  scans need); SQLite gets none, as the application never runs it.
- `datagen` writes the same rows as `add_hamlet()`, with Core `insert()`: an
  executemany on SQLite, `INSERT … SELECT FROM unnest(arrays)` on PostgreSQL,
  where the executemany path took 28 s instead of 8–12 s for 80,000
  hamlets (psycopg re-parses every placeholder of SQLAlchemy's large
  multi-row statements, and sends the closure rows one statement each).
  The catalog generator (`bench/catalog.py`) does the same for producers,
  products, certificates and listings.
- Import memory: `tracemalloc` slows the importer about four times, so the
  timed runs are not traced. The read's peak comes from a second, untimed
  `read_rows()`; the importer's from a separate, untimed dry run of the first
  200 rows (before the real import, so every row is new), also given per
  1,000 rows. It is Python heap only (not RSS: RSS deltas in a process that
  has already freed the area imports' memory read close to zero).
- Each `import_rows()` call runs in a session of its own, as one request
  would; the admin is set as the audit actor.

## Latest results

{START_MARKER}
{END_MARKER}
"""


def write_readme(path: Path, results: str) -> None:
    """Put ``results`` between the markers of ``path`` (created when missing)."""
    text = path.read_text(encoding="utf-8") if path.exists() else README_TEMPLATE
    if START_MARKER not in text or END_MARKER not in text:
        text = (
            text.rstrip("\n")
            + f"\n\n## Latest results\n\n{START_MARKER}\n{END_MARKER}\n"
        )
    pattern = re.compile(
        re.escape(START_MARKER) + r".*?" + re.escape(END_MARKER), re.DOTALL
    )
    block = f"{START_MARKER}\n{results.rstrip()}\n{END_MARKER}"
    path.write_text(pattern.sub(lambda _m: block, text, count=1), encoding="utf-8")
