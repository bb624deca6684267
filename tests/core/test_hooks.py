"""The write path's hooks: registered in one place, in one order, by whoever
starts the process — never by importing a module."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ocop_tracker import hooks
from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.audit.models import AuditEvent
from tests.dbutil import fresh_database

ROOT = Path(__file__).resolve().parents[2]

# In a fresh interpreter: every module of the package imported, then (argv[1]
# == "app") the app built; prints the project's hooks per event, in order.
LIST = """
import importlib, json, pkgutil, sys
import ocop_tracker
for info in pkgutil.walk_packages(ocop_tracker.__path__, "ocop_tracker."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
if sys.argv[1] == "app":
    from ocop_tracker.main import create_app
    create_app()
from sqlalchemy.orm import Session, SessionEvents
session = Session()
found = {}
for name in (n for n in dir(SessionEvents) if not n.startswith("_")):
    for fn in getattr(session.dispatch, name, ()):
        if getattr(fn, "__module__", "").startswith("ocop_tracker."):
            found.setdefault(name, []).append(f"{fn.__module__}.{fn.__name__}")
print(json.dumps(found))
"""


def _hooks_in_fresh_process(mode: str) -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", LIST, mode],
        env={**os.environ, "PYTHONPATH": str(ROOT), "OCOP_ENV": "test"},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found: dict[str, list[str]] = json.loads(out)
    return found


def test_importing_every_module_registers_no_hook() -> None:
    assert _hooks_in_fresh_process("import") == {}


def test_the_app_registers_every_hook_in_the_documented_order() -> None:
    expected: dict[str, list[str]] = {}
    for name, hook in hooks.HOOKS:
        expected.setdefault(name, []).append(f"{hook.__module__}.{hook.__name__}")
    assert _hooks_in_fresh_process("app") == expected
    # The audit trail before the ledger's notes; the ledger before the commit.
    assert expected["after_flush"] == [
        "ocop_tracker.audit.listener.record_changes",
        "ocop_tracker.reports.listener.collect",
        "ocop_tracker.cards.warm.note_new_codes",
        "ocop_tracker.public.changes.note",
    ]
    # The page changes are written after the ledger's flush, so they see its rows.
    assert expected["before_commit"] == [
        "ocop_tracker.reports.listener.refresh_before_commit",
        "ocop_tracker.public.changes.write_before_commit",
    ]


def test_bulk_inserts_pass_the_after_flush_steps_in_their_order() -> None:
    """Records inserted without the ORM see, module by module and in the same
    order, the steps a flush's new objects see (docs/ARCHITECTURE.md)."""
    after_flush = [
        hook.__module__ for name, hook in hooks.HOOKS if name == "after_flush"
    ]
    assert [hook.__module__ for hook in hooks.INSERTED] == after_flush


def test_install_twice_registers_each_hook_once() -> None:
    hooks.install()
    hooks.install()
    session = Session()
    for name, hook in hooks.HOOKS:
        assert list(getattr(session.dispatch, name)).count(hook) == 1, name


def test_a_command_writes_its_audit_event(tmp_path: Path) -> None:
    """``areas add-hamlet`` in a process of its own leaves its trail, as a page does."""
    with fresh_database(tmp_path, "hooks") as url:
        env = {**os.environ, "OCOP_DATABASE_URL": url, "OCOP_ENV": "development"}
        env["OCOP_MEDIA_DIR"] = str(tmp_path / "media")
        command = [sys.executable, "-m", "ocop_tracker"]
        subprocess.run([*command, "demo"], env=env, check=True, capture_output=True)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                code = conn.scalar(
                    select(AdminUnit.code).where(
                        AdminUnit.name == "Phường 5",
                        AdminUnit.edition == Edition.e2022,
                        AdminUnit.level == Level.commune,
                    )
                )
            assert code
            subprocess.run(
                [
                    *command,
                    "areas",
                    "add-hamlet",
                    "--commune-code",
                    code,
                    "--name",
                    "Khóm Thử Nhật Ký",
                    "--edition",
                    "2022",
                ],
                env=env,
                check=True,
                capture_output=True,
            )
            with engine.connect() as conn:
                hamlet = conn.scalar(
                    select(AdminUnit.id).where(AdminUnit.name == "Khóm Thử Nhật Ký")
                )
                events = conn.scalars(
                    select(AuditEvent.action).where(
                        AuditEvent.object_type == "admin_units",
                        AuditEvent.object_id == str(hamlet),
                    )
                ).all()
        finally:
            engine.dispose()
    assert events == ["create"]
