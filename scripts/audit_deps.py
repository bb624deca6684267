"""The dependency gate (SECURITY.md T51): the lock file is current, and no
locked package has a known vulnerability.

1. ``requirements.lock`` must list exactly what the virtual environment has
   (``pip freeze --exclude-editable``): CI installs with it as a constraint,
   so the audited versions are the tested ones. A difference fails, with the
   command that rewrites the lock (``make lock``).
2. ``pip-audit`` checks every pinned version against PyPI's vulnerability
   records (``/pypi/NAME/VERSION/json``). Any finding fails.
3. Where PyPI has no per-version record (this workplace's PyPI mirror answers
   only ``/pypi/NAME/json``), the project's record is used when the pinned
   version is the latest release: that record lists the vulnerabilities of the
   latest release. A finding there fails too.
4. A package that neither could check is listed as NOT AUDITED, loudly. It
   fails the gate with ``--strict`` (or ``OCOP_AUDIT_STRICT=1``); without it
   the gate passes with the warning, because the floors test
   (``tests/security/test_dependency_floors.py``) still holds the versions
   with known fixes and runs offline.

    .venv/bin/python scripts/audit_deps.py [--strict] [--lock requirements.lock]
"""

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPI = os.environ.get("OCOP_AUDIT_PYPI", "https://pypi.org/pypi")


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _pins(text: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, sep, version = line.partition("==")
        if not sep:
            raise SystemExit(f"requirements.lock: not pinned with '==': {line}")
        pins[_canonical(name)] = version.split(";", 1)[0].strip()
    return pins


def _installed() -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return _pins(out)


def _pip_audit(lock: Path) -> dict[str, object]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--progress-spinner",
            "off",
            "--no-deps",
            "--disable-pip",
            "-r",
            str(lock),
            "-f",
            "json",
        ],
        capture_output=True,
        text=True,
    )
    if not proc.stdout.strip():
        raise SystemExit(f"pip-audit failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def _latest_record(name: str, version: str) -> tuple[str, list[str]]:
    """("audited" | "not audited: why", vulnerability ids) from the project record."""
    url = f"{PYPI}/{name}/json"
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            record = json.load(response)
    except urllib.error.HTTPError as exc:
        return f"not audited: {url} answered {exc.code}", []
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return f"not audited: PyPI unreachable ({exc})", []
    latest = str(record.get("info", {}).get("version", ""))
    if latest != version:
        return f"not audited: no record for {version} (latest is {latest})", []
    found = [
        str(v.get("id"))
        for v in record.get("vulnerabilities") or []
        if not v.get("withdrawn")
    ]
    return "audited", found


def main(argv: list[str] | None = None) -> int:
    """Run the gate; 0 when it passes."""
    parser = argparse.ArgumentParser(prog="scripts/audit_deps.py")
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    parser.add_argument(
        "--strict",
        action="store_true",
        default=os.environ.get("OCOP_AUDIT_STRICT") == "1",
        help="fail when a package could not be audited",
    )
    args = parser.parse_args(argv)
    failed = False

    locked = _pins(args.lock.read_text(encoding="utf-8"))
    installed = _installed()
    # Every installed package must be locked at its version (else it goes
    # unaudited); a locked package that is not installed is only noted.
    drift = sorted(
        f"{name}: lock {locked.get(name, '(absent)')}, installed {version}"
        for name, version in installed.items()
        if locked.get(name) != version
    )
    unused = sorted(set(locked) - set(installed))
    if drift:
        failed = True
        _say(f"FAIL: {args.lock.name} differs from the environment ({len(drift)}):")
        for line in drift:
            _say(f"  {line}")
        _say("  rewrite it with 'make lock' and review the diff")
    else:
        _say(f"lock: {len(installed)} installed packages, each locked at its version")
    if unused:
        _say(f"note: locked but not installed: {', '.join(unused)}")

    report = _pip_audit(args.lock)
    dependencies = report.get("dependencies")
    assert isinstance(dependencies, list)
    vulnerable: list[str] = []
    skipped: list[tuple[str, str]] = []
    audited = 0
    for dep in dependencies:
        name = _canonical(dep["name"])
        version = str(dep.get("version") or locked.get(name, ""))
        if "skip_reason" in dep:
            skipped.append((name, version))
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            vulnerable.append(
                f"{name} {version}: {vuln['id']} (fixed in {', '.join(vuln.get('fix_versions') or ['?'])})"
            )
    _say(
        f"pip-audit: {audited} audited against per-version records, {len(skipped)} without one"
    )

    with ThreadPoolExecutor(max_workers=8) as pool:
        fallback = list(pool.map(lambda nv: _latest_record(*nv), skipped))
    not_audited: list[str] = []
    for (name, version), (state, ids) in zip(skipped, fallback, strict=True):
        if state == "audited":
            audited += 1
            vulnerable += [f"{name} {version}: {i} (latest release)" for i in ids]
        else:
            not_audited.append(f"{name} {version}: {state}")
    _say(f"total: {audited} of {len(dependencies)} packages audited")

    if vulnerable:
        failed = True
        _say(f"FAIL: {len(vulnerable)} known vulnerabilities:")
        for line in vulnerable:
            _say(f"  {line}")
    else:
        _say("no known vulnerability in the audited packages")
    if not_audited:
        _say(
            f"WARNING: {len(not_audited)} packages NOT AUDITED (no vulnerability record "
            "could be read for their pinned version):"
        )
        for line in not_audited:
            _say(f"  {line}")
        if args.strict:
            failed = True
            _say("FAIL: --strict refuses packages that could not be audited")
        else:
            _say(
                "  the gate passes without --strict; the version floors test still "
                "holds the known fixes"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
