"""Version floors (SECURITY.md T51): the versions that carry known security
fixes, held in pyproject.toml, in the lock file and in the environment.

- Starlette ≥ 1.3.1: limits on urlencoded forms (T22).
- Pillow ≥ 12.3.0 and reportlab ≥ 3.6.13: image decoders and PDF text fixes.
- python-multipart ≥ 0.0.31: the 2026 advisories (part headers without limit,
  fixed in 0.0.27; ``;`` as a form separator and quadratic parsing, 0.0.30;
  negative Content-Length buffering the whole body, GHSA-v9pg-7xvm-68hf, 0.0.31).
- pillow-heif ≥ 1.7.0: bundles a libheif with the 2026 out-of-bounds write
  fixes (GHSA-g89c-p67h-r497 and later).
"""

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
FLOORS = {
    "starlette": "1.3.1",
    "pillow": "12.3.0",
    "reportlab": "3.6.13",
    "python-multipart": "0.0.31",
    "pillow-heif": "1.7.0",
}


def _declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = {}
    for line in project["project"]["dependencies"]:
        requirement = Requirement(line)
        found[requirement.name.lower()] = requirement
    return found


def _locked() -> dict[str, str]:
    pins = {}
    for raw in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if "==" in line:
            name, _, version = line.partition("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


@pytest.mark.parametrize(("name", "floor"), FLOORS.items())
def test_pyproject_refuses_versions_below_the_floor(name: str, floor: str) -> None:
    requirement = _declared()[name]
    lowest = [
        Version(spec.version)
        for spec in requirement.specifier
        if spec.operator in {">=", "==", "~="}
    ]
    assert lowest, f"{name}: no lower bound in pyproject.toml"
    assert max(lowest) >= Version(floor), (
        f"{name}{requirement.specifier} allows < {floor}"
    )
    # The release just below the floor is outside the declared range.
    assert not requirement.specifier.contains(_below(floor), prereleases=True)


def _below(floor: str) -> Version:
    """1.3.1 -> 1.3.0; 12.3.0 -> 12.3.0rc1 (still below 12.3.0)."""
    release = Version(floor).release
    if release[-1]:
        return Version(".".join(map(str, (*release[:-1], release[-1] - 1))))
    return Version(f"{floor}rc1")


@pytest.mark.parametrize(("name", "floor"), FLOORS.items())
def test_installed_and_locked_versions_meet_the_floor(name: str, floor: str) -> None:
    assert Version(metadata.version(name)) >= Version(floor), name
    assert Version(_locked()[name]) >= Version(floor), name
