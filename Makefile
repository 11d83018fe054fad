# Outreach: `make run` serves the app with demo data on SQLite; `make test` runs the whole suite.
# Both create .venv and install what they need first.

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

# The first Python 3.12 or newer on this machine (Django 6.1 refuses older ones).
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 /usr/local/bin/python3 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v $$p; break; }; done)

# uv installs the Python dependencies exactly as uv.lock pins them (versions and hashes). uv itself
# comes from PyPI through pip, pinned with hashes in uv-bootstrap.txt, into a venv of its own.
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test test-fast lint format messages setup clean bench lock-check upgrade mutate

setup: $(VENV)/.installed node_modules/.installed

$(UV): uv-bootstrap.txt
	@if [ -z "$(PYTHON)" ]; then echo "Outreach needs Python 3.12 or newer: install it (for example 'pyenv install 3.12') and run make again."; exit 1; fi
	@$(PYTHON) -m venv $(UV_VENV)
	@$(UV_VENV)/bin/pip install --quiet --require-hashes --no-deps -r uv-bootstrap.txt
	@touch $@

$(VENV)/.installed: pyproject.toml uv.lock $(UV)
	@echo "Installing the locked dependencies into $(VENV) with $(PYTHON)"
	@$(UV) sync --quiet --frozen --all-extras --python $(PYTHON)
	@touch $@

# Fails when uv.lock no longer matches pyproject.toml (CI runs it).
lock-check: $(UV)
	@$(UV) lock --check --python $(PYTHON) || { echo "uv.lock is out of date with pyproject.toml: run 'make upgrade' (or '$(UV) lock') and commit uv.lock"; exit 1; }

# Refreshes the lock to the newest versions pyproject.toml allows, then runs the whole suite on them.
upgrade: $(UV)
	@$(UV) lock --upgrade --python $(PYTHON)
	@$(UV) sync --frozen --all-extras --python $(PYTHON)
	@touch $(VENV)/.installed
	@$(MAKE) test

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Outreach needs Node.js and npm for its front-end assets: install them and run make again."; exit 1; }
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: setup
	@DEBUG=true $(MANAGE) migrate --noinput
	@DEBUG=true $(MANAGE) seed_demo
	@echo "Outreach is at http://127.0.0.1:8000/ (English), /fr/ and /es/. Stop with Ctrl+C."
	@echo "Emails (sign-in codes, confirmations) are printed here. A background worker sends them."
	@DEBUG=true $(MANAGE) db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true $(MANAGE) runserver 127.0.0.1:8000

test: setup
	@$(PY) -m pytest

test-fast: setup
	@$(PY) -m pytest -m "not browser"

lint: setup
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: setup
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

messages: setup
	@DEBUG=true $(MANAGE) makemessages --locale fr --locale es --no-obsolete --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'tests/*'
	@DEBUG=true $(MANAGE) compilemessages --locale fr --locale es --ignore '.venv/*' --ignore 'node_modules/*'

clean:
	rm -rf $(VENV) $(UV_VENV) node_modules staticfiles db.sqlite3

# Benchmarks on this machine's PostgreSQL (BENCH_DATABASE_URL, default database outreach_bench,
# created and filled once, then reused), each beside its ideal measured in the same run: the
# public catalogue against a bare Django view, the API beside the catalogue page, registrations
# through gunicorn on loopback against the same work as raw SQL (pgbench) and a race of 1,000
# clients for 50 seats, the attendance page after a 100,000-row report (its own database), the
# impact figures against raw SQL and the CSV export against COPY, then 10,000 reminders sent by
# the task workers to a local SMTP server (its own database). The load comes from bench/load.py,
# an asyncio client whose CPU is printed beside the server's. Durations and sizes come from
# BENCH_* variables (docs/bench.md). Prints the tables (bench/report.py); every run's figures
# stay in bench/results.jsonl, logs in var/bench/.
bench: setup
	@mkdir -p var/bench
	@export BENCH_RUN_ID=$$(date -u +%Y-%m-%dT%H:%M:%SZ); \
	export BENCH_DATABASE_URL="$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/outreach_bench}"; \
	failed=""; \
	$(PY) bench/catalogue.py || failed="$$failed catalogue"; \
	$(PY) bench/api.py || failed="$$failed api"; \
	$(PY) bench/run.py || failed="$$failed registrations"; \
	echo "attendance: a 100,000-row report, then its page"; \
	$(PY) bench/attendance.py --record >var/bench/attendance.log 2>&1 \
		|| { tail -n 20 var/bench/attendance.log; failed="$$failed attendance"; }; \
	echo "impact: measuring (its own output is in var/bench/impact.log)"; \
	DATABASE_URL="$$BENCH_DATABASE_URL" $(PY) bench/impact.py >var/bench/impact.log \
		|| { tail -n 20 var/bench/impact.log; failed="$$failed impact"; }; \
	$(PY) bench/reminders.py || failed="$$failed reminders"; \
	echo; $(PY) bench/report.py --run "$$BENCH_RUN_ID"; \
	if [ -n "$$failed" ]; then echo "These parts failed:$$failed"; exit 1; fi

# Mutation testing (docs/mutation-testing.md): mutmut makes small changes to each file below, one
# at a time, in a copy of the tree (mutants/), and runs the tests that reach the changed function
# on SQLite; a change that no test notices survives. One file at a time, each run's output in
# var/mutate/; then each file's score. Results are kept in mutants/ for the next run (delete it for
# a fresh one); `.venv/bin/mutmut results` lists the survivors, `mutmut show NAME` shows one.
MUTATE := registrations/services.py impact/queries.py registrations/attendance/reports.py
MUTATE_CHILDREN ?= 2

define MUTATION_SCORES
import json, sys
from collections import Counter
KILLED = {1, 3, 36, 37, -24, 24, 152, 255, -9, -11}  # failed, timed out or crashed
for path in sys.argv[1:]:
    codes = json.load(open(f"mutants/{path}.meta"))["exit_code_by_key"]
    counts = Counter("killed" if c in KILLED else "not run" if c in (None, 34) else "survived" for c in codes.values())
    tried = counts["killed"] + counts["survived"]
    score = 100 * counts["killed"] / tried if tried else 0
    print(f"{path}: {score:.1f} % ({counts['killed']} of {tried} mutants killed, {counts['survived']} survived, {counts['not run']} not run)")
endef
export MUTATION_SCORES

mutate: setup
	@mkdir -p var/mutate
	@for file in $(MUTATE); do \
		module=$$(echo "$${file%.py}" | tr / .); \
		echo "mutmut: $$file (log: var/mutate/$$module.log)"; \
		env -u DATABASE_URL $(VENV)/bin/mutmut run --max-children $(MUTATE_CHILDREN) "$$module.*" \
			>var/mutate/$$module.log 2>&1 || { tail -n 30 var/mutate/$$module.log; exit 1; }; \
	done
	@$(PY) -c "$$MUTATION_SCORES" $(MUTATE)
