"""The README and docs/ARCHITECTURE.md stay true to the code they describe.

No database: these read the files and the running code's own registries (the
packages on disk, the session-event hooks the app registers).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
PICTURES = (
    "docs/img/worklist-phone.png",
    "docs/img/dashboard-phone.png",
    "docs/img/public-page-phone.png",
    "docs/img/cards-sheet.png",
)
TRY_IT = (
    "python3 -m venv .venv && .venv/bin/pip install -q -e . && "
    "OCOP_ENV=development .venv/bin/ocop-tracker demo && "
    "OCOP_ENV=development .venv/bin/ocop-tracker serve"
)
CHECK = "bash scripts/check.sh"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
PATH_IN_CODE = re.compile(
    r"`([\w.-]+(?:/[\w.-]+)+\.(?:py|md|sh|yaml|html|css|ini|mako))`"
)
HOOK_ROW = re.compile(r"^\|\s*\d+\s*\|\s*`(\w+)`\s*\|\s*`([\w/]+\.py)`", re.MULTILINE)


def _read(path: Path) -> str:
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    return path.read_text(encoding="utf-8")


def _sh_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, re.DOTALL)]


def test_readme_keeps_the_two_commands_verbatim() -> None:
    blocks = _sh_blocks(_read(README))
    assert TRY_IT in blocks
    assert CHECK in blocks


def test_readme_headings_carry_no_issue_numbers() -> None:
    prose = re.sub(r"```.*?```", "", _read(README), flags=re.DOTALL)
    headings = [h for h in prose.splitlines() if h.startswith("#")]
    assert headings
    bad = [h for h in headings if re.search(r"issue|#\d", h, re.IGNORECASE)]
    assert bad == []


def test_readme_shows_the_four_small_pictures() -> None:
    text = _read(README)
    for picture in PICTURES:
        assert f"]({picture})" in text, picture
        data = (ROOT / picture).read_bytes()
        assert data.startswith(b"\x89PNG"), picture
        assert len(data) <= 60 * 1024, (picture, len(data))


@pytest.mark.parametrize(
    "doc", [README, CONTRIBUTING, ARCHITECTURE], ids=lambda p: p.name
)
def test_links_lead_to_files_that_exist(doc: Path) -> None:
    text = _read(doc)
    targets = [
        t for t in LINK.findall(text) if "://" not in t and not t.startswith("/")
    ]
    missing = [t for t in targets if not (doc.parent / t).exists()]
    assert missing == []


def test_readme_and_contributing_link_the_architecture() -> None:
    assert "](docs/ARCHITECTURE.md)" in _read(README)
    assert "](docs/ARCHITECTURE.md)" in _read(CONTRIBUTING)
    assert "](../README.md)" in _read(ARCHITECTURE)


def test_architecture_names_every_package() -> None:
    text = _read(ARCHITECTURE)
    packages = sorted(
        p.parent.name for p in (ROOT / "ocop_tracker").glob("*/__init__.py")
    )
    assert len(packages) > 10
    unnamed = [p for p in packages if f"`{p}/`" not in text]
    assert unnamed == []


def test_architecture_names_only_files_that_exist() -> None:
    text = _read(ARCHITECTURE)
    paths = PATH_IN_CODE.findall(text)
    assert paths
    missing = [
        p
        for p in paths
        if not any((base / p).exists() for base in (ROOT, ROOT / "ocop_tracker"))
    ]
    assert missing == []


# Run in a fresh interpreter: the hooks the app registers when it is built
# (ocop_tracker/hooks.py), undisturbed by what other tests registered.
LIST_HOOKS = """
import json
from ocop_tracker.main import create_app
create_app()
from sqlalchemy.orm import Session, SessionEvents
session = Session()
hooks = {}
for event in (n for n in dir(SessionEvents) if not n.startswith("_")):
    for fn in getattr(session.dispatch, event, ()):
        module = getattr(fn, "__module__", "")
        if module.startswith("ocop_tracker."):
            path = module.removeprefix("ocop_tracker.").replace(".", "/") + ".py"
            hooks.setdefault(event, []).append(path)
print(json.dumps(hooks))
"""


def _registered_hooks() -> dict[str, list[str]]:
    """Every session-event hook the app registers, per event, in the order run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", LIST_HOOKS],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    hooks: dict[str, list[str]] = json.loads(out)
    return hooks


def test_architecture_lists_the_write_path_hooks_in_order() -> None:
    documented: dict[str, list[str]] = {}
    for event, path in HOOK_ROW.findall(_read(ARCHITECTURE)):
        documented.setdefault(event, []).append(path)
    assert documented == _registered_hooks()
