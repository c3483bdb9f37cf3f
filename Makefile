# The two commands: `make run` and `make test`. Everything else is what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
PYTEST_ARGS ?= -n auto --durations=40
export FLASK_APP := awards

.PHONY: run test lint format translations setup assets db demo bench bench-targets clean audit instance-environment two-servers-check

run: setup db demo
	@echo "Serving at http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	AWARDS_ENVIRONMENT=development $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory audit

# The habits CI keeps: ruff's lint and format check, mypy on the domain and the models, the import contracts
# (all configured in pyproject.toml). `make format` rewrites what the format check would refuse.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Every string marked for translation into the Welsh and Swedish catalogues (new ones arrive empty); then
# `$(BIN)/python scripts/translations.py missing cy` lists what a translator still has to do.
translations: setup
	$(BIN)/python scripts/translations.py extract

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Known-vulnerable Python dependencies fail it; no network (or no pip-audit) only prints a notice.
audit: setup
	@$(BIN)/python scripts/audit_dependencies.py

setup: $(VENV)/.installed awards/static/build/.built instance/config.py instance-environment

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

awards/static/build/.built: node_modules/.installed scripts/build-assets.mjs $(wildcard assets/scss/*.scss)
	npm run --silent build
	@touch $@

assets: awards/static/build/.built

# The machine make sets up is a development machine: instance/config.py says so, and the `flask`
# commands in the README then run as printed (production sets AWARDS_ENVIRONMENT=production).
instance/config.py:
	@mkdir -p instance
	@$(BIN)/python -c 'import secrets; print("# Written by make on first run. Local settings go here.\nSECRET_KEY = %r" % secrets.token_hex(32))' > $@
	@echo "Wrote instance/config.py with a new random SECRET_KEY"

# Added once to a file make wrote (older ones lack it); a file a person wrote is left alone.
instance-environment: instance/config.py
	@if head -n1 instance/config.py | grep -q '^# Written by make' && ! grep -q '^ENVIRONMENT' instance/config.py; then \
		printf '%s\n' '# This machine is for development: `flask` commands need no BASE_URL (AWARDS_ENVIRONMENT overrides it).' \
			'ENVIRONMENT = "development"' >> instance/config.py; \
		echo "instance/config.py: ENVIRONMENT = development"; fi

db: setup
	AWARDS_ENVIRONMENT=development $(BIN)/flask db upgrade

demo: db
	@AWARDS_ENVIRONMENT=development $(BIN)/flask seed-demo --if-empty

# Every bench/*.py script with its defaults: first the shared scale database (built once, then
# reused by the others), the load tests last; helpers in bench/support/ are not scripts.
BENCH_FIRST := bench/scale_db.py
BENCH_LAST  := bench/load.py bench/votes.py bench/deadline.py
BENCH_ALL   := $(sort $(wildcard bench/*.py))
BENCH       := $(filter $(BENCH_FIRST),$(BENCH_ALL)) $(filter-out $(BENCH_FIRST) $(BENCH_LAST),$(BENCH_ALL)) \
               $(filter $(BENCH_LAST),$(BENCH_ALL))

bench: setup
	@for script in $(BENCH); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Every figure issues 18 and 19 set a target for, in one sequence on one machine (docs/performance.md, "Every
# target in one run"): each command's output in bench/results/targets/<n>-<name>.log, with the UTC time and the
# load average before it. Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379; about 45 minutes.
PG_BENCH := postgresql+psycopg://postgres@127.0.0.1:5432
TARGETS := \
	"throughput-sqlite|bench/throughput.py" \
	"throughput-postgresql|bench/throughput.py --database-url $(PG_BENCH)/awards_bench_cache" \
	"growth-sqlite|bench/growth.py --svg docs/performance-growth-sqlite.svg" \
	"assignment-n100000|bench/assignment.py --nominations 100000 --judges 3000 --conflicts-per-judge 200 --output bench/results/assignment-n100000.json" \
	"aggregation-n100000|bench/aggregation.py --nominations 100000 --judges 3000 --runs 3" \
	"worker-memory-n100000|bench/worker_memory.py --nominations 100000 --judges 3000" \
	"search-sqlite|bench/search.py" \
	"search-postgresql|bench/search.py --database-url $(PG_BENCH)/awards_bench_search" \
	"nominee-turn-sqlite|bench/nominee_turn.py" \
	"nominee-turn-postgresql|bench/nominee_turn.py --database postgresql" \
	"judge-turn-sqlite|bench/judge_turn.py" \
	"judge-turn-postgresql|bench/judge_turn.py --database postgresql" \
	"judge-pack|bench/judge_pack.py --entries 40 --runs 3" \
	"votes-sqlite|bench/votes.py --database sqlite" \
	"votes-postgresql|bench/votes.py --database postgresql" \
	"deadline-sqlite|bench/deadline.py --database sqlite" \
	"deadline-postgresql|bench/deadline.py --database postgresql"

bench-targets: setup
	@mkdir -p bench/results/targets; n=0; failed=""; for entry in $(TARGETS); do \
		n=$$((n + 1)); name=$${entry%%|*}; command=$${entry#*|}; log=bench/results/targets/$$(printf %02d $$n)-$$name.log; \
		echo "== $$name: $$command"; \
		{ echo "# $$(date -u +%FT%TZ) load $$(cut -d' ' -f1-3 /proc/loadavg): $$command"; \
		  $(BIN)/python $$command 2>&1; echo "# exit $$? at $$(date -u +%FT%TZ), load $$(cut -d' ' -f1-3 /proc/loadavg)"; } > $$log; \
		tail -n 1 $$log; grep -q "^# exit 0 " $$log || failed="$$failed $$name"; \
	done; if [ -n "$$failed" ]; then echo "not met or failed:$$failed"; exit 1; fi

# On demand, not part of `make test` (`AWARDS_RUN_TWO_SERVERS=1 .ci/run` runs it after the suite): nginx from
# Debian's package (installed here when missing and run as root) balancing two gunicorn servers on one PostgreSQL
# database, one Redis and one S3-compatible store (moto on loopback); a short deadline night through nginx with one
# server killed mid-run (bench/deadline.py). Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379. Fails
# if anything accepted was lost or a publication was served stale (docs/operations.md, "Two app servers").
two-servers-check: setup
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { [ "$$(id -u)" = 0 ] && \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; } || \
		{ echo "nginx is needed: apt-get install nginx (Debian's package)"; exit 1; }
	$(BIN)/python bench/deadline.py --database postgresql --servers 2 --workers 2 --duration 30 --warmup 6 \
		--minimal-duration 3 --kill-after 15 --nominees 60 --judges 10 --readers 40 --save-rate 15

clean:
	rm -rf $(VENV) node_modules awards/static/build
