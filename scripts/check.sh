#!/usr/bin/env bash
# Installs what the project needs, then runs every check CI runs:
# the dependency gate, lint, format, type check, the suite on SQLite (with the
# short API fuzzing run), the suite on PostgreSQL (likewise),
# and the browser tests in Debian's Chromium. Any failure fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# pytest exits 5 when it collects nothing: that is a failure here too.
run() {
  local code=0
  "$@" || code=$?
  if [ "$code" = 5 ]; then echo "no tests were collected" >&2; exit 1; fi
  if [ "$code" != 0 ]; then exit "$code"; fi
}

step "system packages"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# A Khmer font, as a stock Android phone has: the public page in Khmer is drawn with it.
fc-list :lang=km 2>/dev/null | grep -q . || missing+=(fonts-khmeros)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages: ${missing[*]} (run as root or install them)" >&2
    exit 1
  fi
fi

step "python environment"
VENV=${VENV:-.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# requirements.lock pins every package (the versions the dependency gate audits).
"$VENV/bin/python" -m pip install -q -c requirements.lock -e ".[dev,postgres,s3]"

step "dependency gate (pip-audit over requirements.lock, SECURITY.md T51)"
"$VENV/bin/python" scripts/audit_deps.py

step "lint and format"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .

step "type check"
"$VENV/bin/mypy"

export OCOP_ENV=test
PYTEST=("$VENV/bin/python" -m pytest -q -p no:cacheprovider)
# Two workers (the machines have two cores); each gets its own database.
# Both suites include tests/fuzz: the short schemathesis run (3 examples per
# operation and role, OCOP_FUZZ_EXAMPLES); the long one is python -m bench.fuzz.

step "tests on SQLite"
run env -u OCOP_TEST_DATABASE_URL "${PYTEST[@]}" -n 2 -m "not browser"

step "tests on PostgreSQL"
run scripts/pg_test.sh "${PYTEST[@]}" -n 2 -m "not browser"

step "browser tests (Chromium, headless)"
run env -u OCOP_TEST_DATABASE_URL "${PYTEST[@]}" -m browser

step "all checks passed"
