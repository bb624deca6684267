"""``python -m bench``: run every benchmark, print one table, update bench/README.md."""

import argparse
import datetime as dt
import importlib
import importlib.util
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from bench import areas, catalog, datagen
from bench.catalog import CatalogBenchConfig
from bench.databases import (
    DEFAULT_PG_URL,
    PostgresUnavailable,
    masked,
    postgres_database,
    sqlite_database,
)
from bench.report import Row, fmt_int, fmt_num, markdown_table, write_readme
from bench.timing import timed
from ocop_tracker.areas.models import Edition

README = Path(__file__).with_name("README.md")
# Benchmarks of later issues, run when their module is present, each on its
# own throwaway databases: photos (#5), the public page and cards (#6), the
# coverage reports (#7). A failure becomes a row saying so; the rest still runs.
LATER = ("photos", "public_page", "cards", "reports")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line: what to run and how much data."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run the benchmarks on throwaway SQLite and PostgreSQL "
        "databases and print one table.",
    )
    parser.add_argument(
        "--hamlets",
        type=_positive_int,
        default=80_000,
        help="synthetic hamlets to generate (default: 80000)",
    )
    parser.add_argument(
        "--import-rows",
        type=_positive_int,
        default=20_000,
        help="rows of the OCOP list XLSX to import (default: %(default)s, "
        "issue #4's scale; the importer accepts up to 25000)",
    )
    parser.add_argument(
        "--products",
        type=_positive_int,
        default=500_000,
        help="products to generate for the list benchmarks, each listed on "
        "voso and postmart (default: %(default)s, issue #4's national scale)",
    )
    parser.add_argument(
        "--history-products",
        type=_positive_int,
        default=CatalogBenchConfig.history_products,
        help="products written through the services, with a history, for the "
        "as_of reads (default: %(default)s)",
    )
    parser.add_argument(
        "--skip-catalog",
        action="store_true",
        help="run the areas benchmarks only",
    )
    parser.add_argument(
        "--only",
        choices=("sqlite", "postgres"),
        help="run on one database only",
    )
    parser.add_argument(
        "--skip-pg", action="store_true", help="do not run on PostgreSQL"
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("OCOP_BENCH_PG_URL", DEFAULT_PG_URL),
        help="a PostgreSQL database to create the throwaway one from "
        "(default: $OCOP_BENCH_PG_URL or %(default)s)",
    )
    parser.add_argument(
        "--hamlet-edition",
        choices=[e.value for e in Edition],
        default=Edition.e2025.value,
        help="put the hamlets under the communes of this edition (default: 2025)",
    )
    parser.add_argument("--seed", type=int, default=datagen.SEED, help="random seed")
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds after which each timed loop stops early (default: 20)",
    )
    parser.add_argument(
        "--no-readme", action="store_true", help="do not rewrite bench/README.md"
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated benchmarks not to run: " + ", ".join(("areas", *LATER)),
    )
    parser.add_argument(
        "--reports-products",
        type=_positive_int,
        default=500_000,
        help="products generated for the coverage reports (default: %(default)s)",
    )
    return parser.parse_args(argv)


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def _cold_import_row() -> list[Row]:
    """The cost of the first official-list read in a process (package import)."""
    if "vietnamadminunits" in sys.modules:
        return []
    _, seconds = timed(lambda: importlib.import_module("vietnamadminunits"))
    return [
        Row(
            "import vietnamadminunits (first list read in a process)",
            "—",
            value=fmt_num(seconds),
            notes="s; paid once per process by areas.sources",
        )
    ]


def _run_on(
    url: str,
    database: str,
    config: areas.AreaBenchConfig,
    catalog_config: CatalogBenchConfig | None,
) -> tuple[list[Row], str]:
    """The areas benchmarks, then (on the same data) the catalog ones."""
    result = areas.run(url, database, config, _log)
    rows = list(result.rows)
    if catalog_config is not None:
        rows += catalog.run(url, database, catalog_config, _log)
    return rows, result.version


def _command(argv: Sequence[str]) -> str:
    """The command as run, with a PostgreSQL URL's password hidden."""
    shown: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            shown.append(masked(arg))
            hide_next = False
        elif arg.startswith("--pg-url="):
            shown.append("--pg-url=" + masked(arg.removeprefix("--pg-url=")))
        else:
            shown.append(arg)
            hide_next = arg == "--pg-url"
    return " ".join(["python -m bench", *shown])


def _catalog_scale(config: CatalogBenchConfig | None) -> str:
    if config is None:
        return "catalog benchmarks skipped; "
    return (
        f"catalog: {fmt_int(config.import_rows)} imported rows, "
        f"{fmt_int(config.products)} generated products "
        f"({fmt_int(config.products * config.marketplaces_per_product)} listings), "
        f"{fmt_int(config.history_products)} products with a history; "
    )


def _later(args: argparse.Namespace, skipped: set[str]) -> list[Row]:
    """The later issues' benchmarks that are present and not skipped."""
    pg_url = None if args.skip_pg or args.only == "sqlite" else args.pg_url
    calls: dict[str, Callable[[ModuleType], list[Row]]] = {
        "photos": lambda m: m.run(progress=_log),
        "public_page": lambda m: m.run(pg_url),
        "cards": lambda m: m.run(pg_url),
        "reports": lambda m: _reports(m, args),
    }
    rows: list[Row] = []
    for name in LATER:
        if name in skipped:
            rows.append(Row(f"{name} benchmarks", "—", notes="skipped (--skip)"))
            continue
        if importlib.util.find_spec(f"bench.{name}") is None:
            continue
        _log(f"{name}: running")
        try:
            module = importlib.import_module(f"bench.{name}")
            rows += calls[name](module)
        except Exception as exc:  # one broken benchmark must not hide the others
            _log(f"{name} failed: {exc!r}")
            rows.append(Row(f"{name} benchmarks", "—", notes=f"FAILED: {exc!r}"[:200]))
    return rows


def _reports(module: ModuleType, args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    common = {
        "products": args.reports_products,
        "hamlets": args.hamlets,
        "budget_s": args.budget,
        "log": _log,
    }
    if args.only != "postgres":
        with sqlite_database() as url:
            rows += module.run(url, "sqlite", **common)
    if args.only != "sqlite" and not args.skip_pg:
        try:
            with postgres_database(args.pg_url) as url:
                rows += module.run(url, "postgres", **common)
        except PostgresUnavailable as exc:
            rows.append(Row("reports benchmarks", "postgres", notes=f"skipped: {exc}"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; the table goes to stdout, progress to stderr."""
    raw_args = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(raw_args)
    config = areas.AreaBenchConfig(
        hamlets=args.hamlets,
        hamlet_edition=Edition(args.hamlet_edition),
        seed=args.seed,
        budget_s=args.budget,
    )
    catalog_config = (
        None
        if args.skip_catalog
        else CatalogBenchConfig(
            import_rows=args.import_rows,
            products=args.products,
            history_products=args.history_products,
            edition=Edition(args.hamlet_edition),
            seed=args.seed,
            budget_s=args.budget,
        )
    )
    started = time.perf_counter()
    skipped = {name.strip() for name in args.skip.split(",") if name.strip()}
    rows = _cold_import_row()
    versions: list[str] = []
    if "areas" in skipped:
        rows.append(Row("areas and catalog benchmarks", "—", notes="skipped (--skip)"))
    if args.only != "postgres" and "areas" not in skipped:
        with sqlite_database() as url:
            found, version = _run_on(url, "sqlite", config, catalog_config)
        rows += found
        versions.append(version)
    if args.only != "sqlite" and "areas" not in skipped:
        if args.skip_pg:
            rows.append(
                Row("PostgreSQL benchmarks", "postgres", notes="skipped (--skip-pg)")
            )
        else:
            try:
                with postgres_database(args.pg_url) as url:
                    _log(f"postgres: throwaway database {masked(url)}")
                    found, version = _run_on(url, "postgres", config, catalog_config)
                rows += found
                versions.append(version)
            except PostgresUnavailable as exc:
                _log(f"postgres skipped: {exc}")
                rows.append(
                    Row(
                        "PostgreSQL benchmarks",
                        "postgres",
                        notes=f"skipped: cannot use {masked(args.pg_url)}: {exc}",
                    )
                )
    rows += _later(args, skipped)
    wall = time.perf_counter() - started
    rows.append(Row("whole run (wall time)", "—", value=fmt_num(wall), notes="s"))
    table = markdown_table(rows)
    sys.stdout.write(table)
    if not args.no_readme:
        header = (
            f"Run on {dt.date.today().isoformat()} with `{_command(raw_args)}`: "
            f"{os.cpu_count()} cores (`os.cpu_count()`), "
            f"{platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, {', '.join(versions) or 'no database'}; "
            f"{fmt_int(config.hamlets)} hamlets in {config.hamlet_edition.value} communes, "
            f"{_catalog_scale(catalog_config)}"
            f"seed {config.seed}; wall time {fmt_num(wall)} s.\n"
        )
        write_readme(README, header + "\n" + table)
        _log(f"results written to {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
