"""The command line on a fresh database of its own."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from ocop_tracker.areas.models import AdminUnit, AdminUnitLink, Level
from ocop_tracker.cli import app
from ocop_tracker.core import migrate
from ocop_tracker.core.migrate import alembic_config
from ocop_tracker.products.models import Product
from tests.dbutil import fresh_database, reset_caches


class Cli:
    """Runs the command line in-process against one database, as a user would."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url)
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Result:
        saved = {k: os.environ.get(k) for k in ("OCOP_DATABASE_URL", "OCOP_ENV")}
        os.environ.update(OCOP_DATABASE_URL=self.url, OCOP_ENV="development")
        reset_caches()
        try:
            result = self.runner.invoke(app, list(args), prog_name="ocop-tracker")
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            reset_caches()
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        return result

    def count(self, level: Level | None = None) -> int:
        stmt = select(func.count()).select_from(AdminUnit)
        if level is not None:
            stmt = stmt.where(AdminUnit.level == level)
        with self.engine.connect() as conn:
            return conn.scalar(stmt) or 0

    def links(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(AdminUnitLink)) or 0


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    with fresh_database(tmp_path, "cli") as url:
        runner = Cli(url)
        yield runner
        runner.engine.dispose()


def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ocop_tracker", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    for command in ("serve", "db", "areas", "demo"):
        assert command in result.stdout


def test_help_everywhere(cli: Cli) -> None:
    for args in ([], ["db"], ["areas"], ["areas", "import"], ["serve"], ["demo"]):
        result = cli(*args, "--help")
        assert "Usage" in result.output


def test_db_commands(cli: Cli) -> None:
    cli("db", "upgrade")
    assert "up to date" in cli("db", "current").stdout
    cli("db", "downgrade", "base")
    assert "(empty)" in cli("db", "current").stdout


def test_areas_import_is_idempotent(cli: Cli) -> None:
    first = cli("areas", "import", "--edition", "2022", "--province", "Sóc Trăng")
    assert "added 120" in first.stdout
    assert cli.count(Level.district) == 11
    assert cli.count(Level.commune) == 108
    links = cli.links()
    second = cli("areas", "import", "--edition", "2022", "--province", "soc trang")
    assert "Nothing changed" in second.stdout
    assert cli.links() == links


def test_areas_import_refuses_unknown_province_and_edition(cli: Cli) -> None:
    unknown = cli(
        "areas", "import", "--edition", "2025", "--province", "Atlantis", ok=False
    )
    assert unknown.exit_code != 0
    assert "Atlantis" in unknown.stderr
    bad_edition = cli("areas", "import", "--edition", "2030", ok=False)
    assert bad_edition.exit_code != 0
    assert cli.count() == 0


def test_add_hamlet_and_its_errors(cli: Cli) -> None:
    cli("areas", "import", "--edition", "2022", "--province", "94")
    added = cli(
        "areas", "add-hamlet", "--commune-code", "31543", "--name", "Ấp Mỹ Phước"
    )
    assert "CNCD_MyPhuoc_" in added.stdout
    duplicate = cli(
        "areas",
        "add-hamlet",
        "--commune-code",
        "31543",
        "--name",
        "ấp mỹ phước",
        ok=False,
    )
    assert duplicate.exit_code == 2
    assert "đã có" in duplicate.stderr
    district = cli(
        "areas", "add-hamlet", "--commune-code", "943", "--name", "Ấp Sai", ok=False
    )
    assert district.exit_code == 2
    assert cli.count(Level.hamlet) == 1


def test_import_hamlets_csv_all_or_nothing(cli: Cli, tmp_path: Path) -> None:
    cli("areas", "import", "--edition", "2022", "--province", "Sóc Trăng")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "commune_code,name\n31543,Ấp Một\n31543,Ấp\x07Hai\n12345,Ấp Ba\n",
        encoding="utf-8",
    )
    refused = cli("areas", "import-hamlets", str(bad), ok=False)
    assert refused.exit_code == 2
    assert "row 3" in refused.stderr
    assert "row 4" in refused.stderr
    assert cli.count(Level.hamlet) == 0
    good = tmp_path / "good.csv"
    good.write_text(
        "\ufeffMã xã,Tên khóm/ấp\n31543,Ấp Một\n31543,Ấp Hai\n", encoding="utf-8"
    )
    assert "Added 2" in cli("areas", "import-hamlets", str(good)).stdout
    assert cli.count(Level.hamlet) == 2


def test_demo_twice_lands_on_the_2025_map(cli: Cli) -> None:
    first = cli("demo")
    assert "Khóm 3" in first.stdout
    assert "Chuyển Khóm 3 từ Phường 5 sang Phường Sóc Trăng" in first.stdout
    assert cli.count(Level.hamlet) == 3
    second = cli("demo")
    assert "không thay đổi" in second.stdout
    assert cli.count(Level.hamlet) == 3
    wrong = cli("areas", "rehome", "--to", "2022", "--province", "Sóc Trăng", ok=False)
    assert wrong.exit_code == 2
    # The demo already re-homed its hamlets: nothing is left on the 2022 map.
    moved = cli("areas", "rehome", "--to", "2025", "--province", "Sóc Trăng")
    assert "0 moved, 0 to choose, 0 name clashes" in moved.stdout


def test_demo_summary_names_every_account_it_created(cli: Cli) -> None:
    from ocop_tracker.users.models import User

    result = cli("demo")
    summary = result.stdout.split("Tài khoản mẫu", 1)[1]
    with cli.engine.connect() as conn:
        logins = list(conn.scalars(select(User.login)))
    assert len(logins) == 11
    for login in logins:
        assert f"  {login} — " in summary, login
    # Run again: the same list, though nothing was created this time.
    again = cli("demo").stdout.split("Tài khoản mẫu", 1)[1]
    assert again == summary


def test_users_create_admin_prints_a_one_time_password(cli: Cli) -> None:
    import re

    from ocop_tracker.users.models import User

    result = cli("users", "create-admin", "--login", "quantri")
    match = re.search(r"^\s+(\S+)\s*$", result.output, re.MULTILINE)
    assert match
    with cli.engine.connect() as conn:
        row = conn.execute(
            select(
                User.password_hash, User.must_change_password, User.password_expires_at
            ).where(User.login == "quantri")
        ).one()
    assert row.password_hash.startswith("$argon2id$")
    assert row.must_change_password is True
    assert row.password_expires_at is not None
    assert match.group(1) not in row.password_hash
    again = cli("users", "create-admin", "--login", "QuanTri", ok=False)
    assert again.exit_code == 2


def test_users_add_and_disable(cli: Cli) -> None:
    from ocop_tracker.users.models import User

    cli("demo")
    with cli.engine.connect() as conn:
        hamlet_id = conn.scalar(select(AdminUnit.id).where(AdminUnit.name == "Khóm 3"))
    cli(
        "users",
        "add",
        "--login",
        "0912000111",
        "--name",
        "Nguyễn Văn A",
        "--role",
        "team_member",
        "--area-id",
        str(hamlet_id),
    )
    bad_role = cli(
        "users", "add", "--login", "x1", "--name", "X", "--role", "king", ok=False
    )
    assert bad_role.exit_code == 2
    wrong_level = cli(
        "users",
        "add",
        "--login",
        "x2",
        "--name",
        "X",
        "--role",
        "department",
        "--area-id",
        str(hamlet_id),
        ok=False,
    )
    assert wrong_level.exit_code == 2
    cli("users", "disable", "0912000111")
    with cli.engine.connect() as conn:
        assert (
            conn.scalar(select(User.is_active).where(User.login == "0912000111"))
            is False
        )
    assert cli("users", "disable", "nobody", ok=False).exit_code == 2


def _revision(cli: Cli) -> str | None:
    with cli.engine.connect() as conn:
        return migrate.current_revision(conn)


def _tables(cli: Cli) -> set[str]:
    cli.engine.dispose()  # a fresh connection sees the schema as it is now
    return set(inspect(cli.engine).get_table_names())


def test_downgrade_by_steps_names_the_revision_reached(cli: Cli) -> None:
    cli("db", "upgrade")
    head = _revision(cli)
    chain = [
        r.revision
        for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    ]
    assert chain[0] == head

    one = cli("db", "downgrade", "-1")
    assert _revision(cli) == chain[1]
    assert f"Database downgraded to {chain[1]} (" in " ".join(one.stdout.split())
    assert "-1" not in one.stdout
    cli("db", "downgrade", "-2")
    assert _revision(cli) == chain[3]
    cli("db", "upgrade")
    assert _revision(cli) == head

    too_far = cli("db", "downgrade", f"-{len(chain) + 1}", ok=False)
    assert too_far.exit_code == 2
    assert "Cannot go" in too_far.output
    unknown = cli("db", "downgrade", "-x", ok=False)
    assert unknown.exit_code == 2
    assert "-1, -2" in unknown.output
    assert _revision(cli) == head

    empty = cli("db", "downgrade", "base")  # nothing stored: nothing to refuse
    assert "base (empty database)" in empty.stdout
    assert _revision(cli) is None


CHECKPOINTS = "8d0b5f2c4a63"  # the revision that adds report_checkpoints


def test_downgrade_refuses_to_destroy_data_and_never_stops_half_way(cli: Cli) -> None:
    cli("db", "upgrade")
    cli("demo")
    head = _revision(cli)
    tables = _tables(cli)

    refused = cli("db", "downgrade", "base", ok=False)
    assert refused.exit_code == 2
    said = " ".join(refused.output.split())
    assert "would delete data" in said
    assert "table report_segments (" in said
    assert "--destroy-data" in said
    assert "Nothing was changed" in said
    assert _revision(cli) == head
    assert _tables(cli) == tables

    # Even when told to destroy data, a downgrade that cannot finish (the seeded
    # marketplaces are in use) changes nothing rather than stopping half-way.
    forced = cli("db", "downgrade", "base", "--destroy-data", ok=False)
    assert forced.exit_code == 2
    assert "Nothing was changed" in " ".join(forced.output.split())
    assert _revision(cli) == head
    assert _tables(cli) == tables
    with cli.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Product))

    # Down by as many steps as lie above the report checkpoints' revision, then
    # that one: the seeds on the way lose nothing (data a migration wrote), the
    # checkpoints hold rows.
    chain = [
        r.revision
        for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    ]
    steps = f"-{chain.index(CHECKPOINTS) + 1}"
    refused_steps = cli("db", "downgrade", steps, ok=False)
    assert refused_steps.exit_code == 2
    assert "report_checkpoints" in refused_steps.output
    assert _revision(cli) == head
    done = cli("db", "downgrade", "--destroy-data", steps)
    assert "Database downgraded to" in done.stdout
    assert _revision(cli) != head
    assert "report_checkpoints" not in _tables(cli)
    cli("db", "upgrade")
    assert _revision(cli) == head
