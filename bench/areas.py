"""Benchmarks of the areas domain on one database: imports, hamlets, tree queries."""

import gc
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from bench import datagen
from bench.databases import server_version
from bench.report import Row, fmt_int, fmt_num, once_row, samples_row
from bench.timing import measure, timed
from ocop_tracker.areas import repository, sources
from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core import clock
from ocop_tracker.core.db import make_engine
from ocop_tracker.core.migrate import upgrade

Log = Callable[[str], None]


@dataclass(frozen=True)
class AreaBenchConfig:
    """How much data and how many runs."""

    hamlets: int = 80_000
    hamlet_edition: Edition = Edition.e2025
    seed: int = datagen.SEED
    # Every timed loop stops after this many seconds even if runs remain.
    budget_s: float = 20.0
    province_runs: int = 50
    ancestor_runs: int = 200
    add_hamlet_runs: int = 100
    warmup: int = 3


@dataclass(frozen=True)
class AreaBenchResult:
    """The rows of one database, and what it was."""

    rows: list[Row]
    version: str


def run(url: str, database: str, config: AreaBenchConfig, log: Log) -> AreaBenchResult:
    """Every areas benchmark against the empty database at ``url``."""
    rows: list[Row] = []
    log(f"{database}: alembic upgrade head")
    _, seconds = timed(lambda: upgrade("head", url=url))
    rows.append(
        Row("schema: alembic upgrade head", database, value=fmt_num(seconds), notes="s")
    )
    engine = make_engine(url)
    try:
        version = server_version(engine)
        rows += _imports(engine, database, log)
        rows += _hamlets(engine, database, config, log)
        if engine.dialect.name == "postgresql":
            # What autovacuum would do shortly after a bulk load; done here so
            # that every run measures with statistics, not only the lucky ones.
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        rows += _queries(engine, database, config, log)
        rows += _add_hamlet(engine, database, config, log)
    finally:
        engine.dispose()
    return AreaBenchResult(rows=rows, version=version)


def _imports(engine: Engine, database: str, log: Log) -> list[Row]:
    rows: list[Row] = []
    with Session(engine) as session:
        for edition in (Edition.e2022, Edition.e2025):
            log(f"{database}: import the {edition.value} edition, whole country")
            # Each database pays for reading the source mapping, not only the first.
            sources.mappings.cache_clear()

            def load(edition: Edition = edition) -> area_service.ImportResult:
                result = area_service.import_edition(session, edition=edition)
                session.commit()
                return result

            result, seconds = timed(load)
            row = once_row(
                f"import {edition.value} edition, whole country",
                database,
                items=result.created,
                seconds=seconds,
                what="units",
            )
            if result.mappings_created:
                row = Row(
                    row.benchmark + " + old→new mapping",
                    row.database,
                    row.count,
                    row.value,
                    row.p95,
                    f"{row.notes}; {fmt_int(result.mappings_created)} mappings",
                )
            rows.append(row)
    return rows


def _hamlets(
    engine: Engine, database: str, config: AreaBenchConfig, log: Log
) -> list[Row]:
    log(f"{database}: generate {fmt_int(config.hamlets)} hamlets")
    with Session(engine) as session:

        def generate() -> datagen.GeneratedHamlets:
            made = datagen.generate_hamlets(
                session,
                count=config.hamlets,
                edition=config.hamlet_edition,
                seed=config.seed,
            )
            session.commit()
            return made

        made, seconds = timed(generate)
    row = once_row(
        f"datagen: hamlets in {config.hamlet_edition.value} communes (bulk Core)",
        database,
        items=made.hamlets,
        seconds=seconds,
        what="hamlets",
    )
    notes = f"{row.notes}; {fmt_int(made.links)} closure rows, {fmt_int(made.communes)} communes"
    return [Row(row.benchmark, database, row.count, row.value, notes=notes)]


def _queries(
    engine: Engine, database: str, config: AreaBenchConfig, log: Log
) -> list[Row]:
    rng = random.Random(config.seed)
    day = clock.today()
    gc.collect()  # start from a clean heap: the import's objects are garbage now
    rows: list[Row] = []
    with Session(engine) as session:
        provinces = session.scalars(
            select(AdminUnit.id)
            .where(
                AdminUnit.edition == config.hamlet_edition,
                AdminUnit.level == Level.province,
            )
            .order_by(AdminUnit.id)
        ).all()
        hamlets = session.scalars(
            select(AdminUnit.id)
            .where(AdminUnit.level == Level.hamlet)
            .order_by(AdminUnit.id)
        ).all()
        province_inputs = [
            rng.choice(provinces) for _ in range(config.province_runs + config.warmup)
        ]
        hamlet_inputs = rng.sample(
            hamlets, min(len(hamlets), config.ancestor_runs + config.warmup)
        )

        log(f"{database}: hamlets_under(province) x{config.province_runs}")
        found: list[int] = []

        def under(province_id: int) -> None:
            found.append(len(repository.hamlets_under(session, province_id, day=day)))

        samples = measure(
            province_inputs,
            under,
            budget_s=config.budget_s,
            warmup=config.warmup,
            after=session.expunge_all,
        )
        rows.append(
            samples_row(
                "all hamlets under a province: repository.hamlets_under() (ORM)",
                database,
                samples,
                notes=f"{_mean(found)} hamlets per province on average",
            )
        )

        log(f"{database}: COUNT over subtree_ids(province) x{config.province_runs}")
        counted: list[int] = []

        def count(province_id: int) -> None:
            subtree = repository.subtree_ids(province_id, day=day).subquery()
            counted.append(
                session.scalar(select(func.count()).select_from(subtree)) or 0
            )

        samples = measure(
            province_inputs, count, budget_s=config.budget_s, warmup=config.warmup
        )
        rows.append(
            samples_row(
                "all units under a province: COUNT over repository.subtree_ids()",
                database,
                samples,
                notes=f"{_mean(counted)} units per province on average",
            )
        )

        log(f"{database}: ancestors(hamlet) x{config.ancestor_runs}")
        depth: list[int] = []

        def up(hamlet_id: int) -> None:
            depth.append(len(repository.ancestors(session, hamlet_id, day=day)))

        samples = measure(
            hamlet_inputs,
            up,
            budget_s=config.budget_s,
            warmup=config.warmup,
            after=session.expunge_all,
        )
        rows.append(
            samples_row(
                "ancestors of a hamlet: repository.ancestors()",
                database,
                samples,
                notes=f"{_mean(depth)} ancestors per hamlet",
            )
        )
    return rows


def _add_hamlet(
    engine: Engine, database: str, config: AreaBenchConfig, log: Log
) -> list[Row]:
    """One hamlet at a time through the service, for comparison; rolled back."""
    log(f"{database}: add_hamlet() x{config.add_hamlet_runs} (rolled back)")
    rng = random.Random(config.seed + 1)
    with Session(engine) as session:
        communes = session.scalars(
            select(AdminUnit.id)
            .where(
                AdminUnit.edition == config.hamlet_edition,
                AdminUnit.level == Level.commune,
            )
            .order_by(AdminUnit.id)
        ).all()
        runs = config.add_hamlet_runs + config.warmup
        inputs = [
            (commune_id, f"Ấp Thử Nghiệm {n}")
            for n, commune_id in enumerate(rng.choices(communes, k=runs), start=1)
        ]

        def add(item: tuple[int, str]) -> None:
            area_service.add_hamlet(session, commune_id=item[0], name=item[1])

        samples = measure(inputs, add, budget_s=config.budget_s, warmup=config.warmup)
        session.rollback()
    return [
        samples_row(
            "add one hamlet: service.add_hamlet() (flushes, rolled back)",
            database,
            samples,
            notes="per hamlet",
        )
    ]


def _mean(values: list[int]) -> str:
    return fmt_int(round(statistics.fmean(values))) if values else "0"
