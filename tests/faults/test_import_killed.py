"""T48 in CI: the OCOP-list import killed (SIGKILL) at 3 seeded points leaves
nothing of the file, or all of it, never a part; importing again ends identical
to a clean import. The drill with 20 seeds and 5,000 rows is
``python -m bench.drills.import_kill``.
"""

from pathlib import Path

from bench.drills import import_kill
from tests.dbutil import fresh_database, is_postgres


def test_import_killed_midway_leaves_all_or_nothing(tmp_path: Path) -> None:
    with (
        fresh_database(tmp_path, "killed") as url_a,
        fresh_database(tmp_path, "clean") as url_b,
    ):
        result = import_kill.run(
            url_a,
            url_b,
            tmp_path,
            database="postgres" if is_postgres() else "sqlite",
            rows=300,
            seeds=(1, 2, 3),
            log=lambda _m: None,
        )
    report = "\n".join(result.lines())
    assert len(result.kills) == 3, report
    assert all(k.ok for k in result.kills), report
    assert any(k.killed and k.state == import_kill.NOTHING for k in result.kills), (
        report
    )
    assert result.rerun_equal, report
    assert result.rerun_events == 1, report
