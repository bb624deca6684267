"""The import graph keeps its layers (docs/ARCHITECTURE.md, "Packages and their
layers"): no circle, nothing in ``core`` reaching up, no domain importing
``web``, and pages that neither reach into repositories and routers nor run
their own queries.

Every import counts (top level, inside a function, under ``TYPE_CHECKING``).
The analysis is ``scripts/layers.py``, which prints the same numbers.
"""

import importlib.util
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_layers() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ocop_layers", ROOT / "scripts" / "layers.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


layers = _load_layers()


def _lines(items: Iterable[object]) -> str:
    return "\n".join(f"  {item}" for item in items)


@pytest.fixture(scope="module")
def found() -> list[Any]:
    result: list[Any] = layers.imports(ROOT)
    return result


def test_no_module_imports_itself_round_a_circle(found: list[Any]) -> None:
    circles: list[list[str]] = layers.module_circles(found)
    behind = [i for i in found for c in circles if {i.source, i.target} <= set(c)]
    assert not circles, f"modules import each other: {circles}:\n{_lines(behind)}"


def test_core_imports_no_domain_and_no_web(found: list[Any]) -> None:
    breaks = layers.core_breaks(found)
    assert not breaks, (
        "core/ imports from outside core (hand it a callable from "
        f"ocop_tracker/hooks.py instead):\n{_lines(breaks)}"
    )


def test_no_domain_imports_web(found: list[Any]) -> None:
    breaks = layers.domain_to_web(found, ROOT)
    assert not breaks, f"a domain imports web/:\n{_lines(breaks)}"


def test_pages_import_no_repository_or_router(found: list[Any]) -> None:
    reaches = layers.web_reaches(found)
    assert not reaches, (
        "a page imports a repository or a router (give the domain a read "
        f"function instead):\n{_lines(reaches)}"
    )


def test_pages_call_no_session() -> None:
    calls = layers.web_session_calls(ROOT)
    assert not calls, (
        "a page calls session.get/execute/scalars/scalar/rollback (read through "
        f"the domain; refuse a form through core.db.refusable):\n{_lines(calls)}"
    )


# --- the analysis itself, on a made-up package --------------------------------


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / "ocop_tracker" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_every_kind_of_import_counts(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/db.py": """
                def record():
                    from ocop_tracker.audit import listener
                """,
            "audit/__init__.py": "",
            "audit/listener.py": """
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from ocop_tracker.core.db import record
                """,
            "audit/models.py": "import ocop_tracker.web.render\n",
            "web/__init__.py": "",
            "audit/repository.py": "",
            "web/render.py": "",
            "web/pages.py": """
                from ..audit import listener
                from ocop_tracker.audit.router import x
                from ocop_tracker.audit import repository
                def page(session, db):
                    session.rollback()
                    db.session.get(1)
                    session.add(1)
                    db.get(1)
                """,
        },
    )
    found: list[Any] = layers.imports(tmp_path)
    assert layers.module_circles(found) == [
        ["ocop_tracker.audit.listener", "ocop_tracker.core.db"]
    ]
    assert [i.pair for i in layers.core_breaks(found)] == [
        ("ocop_tracker.core.db", "ocop_tracker.audit.listener")
    ]
    assert [i.pair for i in layers.domain_to_web(found, tmp_path)] == [
        ("ocop_tracker.audit.models", "ocop_tracker.web.render")
    ]
    # audit.router does not exist: that import reaches the audit package.
    assert [i.pair for i in layers.web_reaches(found)] == [
        ("ocop_tracker.web.pages", "ocop_tracker.audit.repository")
    ]
    assert ("ocop_tracker.web.pages", "ocop_tracker.audit.listener") in {
        i.pair for i in found
    }
    assert [c.pair for c in layers.web_session_calls(tmp_path)] == [
        ("ocop_tracker.web.pages", "get"),
        ("ocop_tracker.web.pages", "rollback"),
    ]
    loops = layers.package_loops(found)
    assert [loop for loop, _ in loops] == [["audit", "core", "web"]]
