"""The results table: one row per measurement, rendered as Markdown."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.timing import Samples

COLUMNS = ("benchmark", "database", "count", "p50/value", "p95", "unit/notes")
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

    def cells(self) -> tuple[str, str, str, str, str, str]:
        """The row's cells in column order."""
        return (
            self.benchmark,
            self.database,
            self.count,
            self.value,
            self.p95,
            self.notes,
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
markers. A full run takes about a minute on a 2-core machine; every loop stops
at a fixed count or a time budget, whichever comes first.

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

PostgreSQL: the benchmark connects to
`postgresql+psycopg://postgres@127.0.0.1:5432/test` (or `--pg-url`, or
`OCOP_BENCH_PG_URL`), creates a database `ocop_bench_<random>` from there and
drops it at the end. When the server cannot be reached the PostgreSQL rows are
skipped and the table says why.

```
.venv/bin/python -m bench                      # everything, writes this README
.venv/bin/python -m bench --only sqlite        # one database
.venv/bin/python -m bench --hamlets 20000      # a smaller data set
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
  after); SQLite gets none, as the application never runs it.
- `datagen` writes the same rows as `add_hamlet()`, with Core `insert()`: an
  executemany on SQLite, `INSERT … SELECT FROM unnest(arrays)` on PostgreSQL,
  where the executemany path took 28 s instead of 8–12 s for 80,000
  hamlets (psycopg re-parses every placeholder of SQLAlchemy's large
  multi-row statements, and sends the closure rows one statement each).

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
