# One verb per target. `make check` is what CI runs (.ci/run → scripts/check.sh).
VENV ?= .venv
PY := $(VENV)/bin/python
export OCOP_ENV ?= development

.PHONY: install run demo fmt lint typecheck test test-pg test-browser screenshots bench migrate revision check-migrations check lock audit i18n

install:
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -e ".[dev,postgres,s3]"

run: install
	$(PY) -m ocop_tracker demo
	$(PY) -m ocop_tracker serve

demo:
	$(PY) -m ocop_tracker demo

fmt:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck:
	$(VENV)/bin/mypy

test:
	OCOP_ENV=test $(PY) -m pytest -q -m "not browser"

test-pg:
	OCOP_ENV=test scripts/pg_test.sh $(PY) -m pytest -q -m "not browser"

test-browser:
	OCOP_ENV=test $(PY) -m pytest -q -m browser

# The README's pictures: taken from the live demo by a browser test, then copied.
screenshots:
	OCOP_ENV=test $(PY) -m pytest -q -p no:cacheprovider tests/browser/test_readme_screenshots.py tests/browser/test_field_error_browser.py
	mkdir -p docs/img && cp test-results/readme/*.png docs/img/

bench:
	$(PY) -m bench

# Pin every installed package (review the diff), then audit the pins.
lock:
	$(PY) -m pip freeze --exclude-editable | sed '1i # Every package of the virtual environment, pinned (pip freeze --exclude-editable).\n# CI installs with it as a constraint; scripts/audit_deps.py audits it.\n# Rewrite with: make lock' > requirements.lock

audit:
	$(PY) scripts/audit_deps.py

migrate:
	$(PY) -m ocop_tracker db upgrade

revision:
	$(VENV)/bin/alembic revision --autogenerate -m "$(m)"

check-migrations:
	OCOP_DATABASE_URL=sqlite:///$$(mktemp -d)/check.db $(VENV)/bin/alembic upgrade head
	OCOP_ENV=test $(PY) -m pytest -q tests/migrations

check:
	bash scripts/check.sh

# The public page's words: extract the message ids (Vietnamese) with Babel,
# update the English and Khmer catalogs, compile them into the package.
i18n:
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --omit-header --sort-output -o ocop_tracker/locale/messages.pot .
	$(VENV)/bin/pybabel update -i ocop_tracker/locale/messages.pot -d ocop_tracker/locale --no-fuzzy-matching --omit-header
	$(VENV)/bin/pybabel compile -d ocop_tracker/locale --statistics
